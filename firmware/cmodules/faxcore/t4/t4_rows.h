/*
 * t4_rows.h - helpers shared by the T.4 coder and decoder: packed rows to and from
 * lists of changing elements. Internal to t4/.
 */
#ifndef T4_ROWS_H
#define T4_ROWS_H

#include <stdint.h>

/* Changing elements of a packed row (T.4 §4.2.1.3.1): positions where the colour
 * differs from the pel to its left, the pel left of the row being white. Entry i
 * (from 0) is a change to black when i is even, to white when odd. Writes at most
 * width entries plus 3 sentinels equal to width; returns the number of changes. */
int t4_row_to_changes(const uint8_t *row, int width, uint16_t *changes);

/* The inverse: write (width + 7) / 8 octets from a sentinel-terminated list. */
void t4_changes_to_row(const uint16_t *changes, int width, uint8_t *row);

/* A row of all white pels: no changes, only the sentinels. */
void t4_changes_white(uint16_t *changes, int width);

/* Find b1 and b2 on the reference list for a0 and its colour (0 white, 1 black):
 * b1 is the first change right of a0 of the opposite colour to a0's (T.4
 * §4.2.1.3.1), b2 the next change after it. *j is a search hint, kept between
 * calls of one row; start it at 0. */
static inline void t4_find_b1b2(const uint16_t *ref, int a0, int colour, int *j,
                                int *b1, int *b2)
{
    int i = *j;

    while (i > 0 && (int) ref[i - 1] > a0) {
        i--;
    }
    while ((int) ref[i] <= a0) {
        i++;
    }
    if ((i & 1) != colour) {
        i++;
    }
    *j = i;
    *b1 = ref[i];
    *b2 = ref[i + 1];
}

#endif
