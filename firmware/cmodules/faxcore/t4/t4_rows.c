/*
 * t4_rows.c - packed rows to and from lists of changing elements.
 */
#include <string.h>

#include "t4_rows.h"

static void put_sentinels(uint16_t *changes, int n, int width)
{
    changes[n] = (uint16_t) width;
    changes[n + 1] = (uint16_t) width;
    changes[n + 2] = (uint16_t) width;
}

void t4_changes_white(uint16_t *changes, int width)
{
    put_sentinels(changes, 0, width);
}

int t4_row_to_changes(const uint8_t *row, int width, uint16_t *changes)
{
    int n = 0;
    int colour = 0;
    int x = 0;

    while (x < width) {
        uint8_t octet = row[x >> 3];
        int bit = 7 - (x & 7);

        /* Skip a whole octet of the current colour in one step. */
        if (bit == 7 && x + 8 <= width && octet == (colour ? 0xFF : 0x00)) {
            x += 8;
            continue;
        }
        if (((octet >> bit) & 1) != colour) {
            changes[n++] = (uint16_t) x;
            colour ^= 1;
        }
        x++;
    }
    put_sentinels(changes, n, width);
    return n;
}

/* Set pels [x0, x1) of a packed row to black. */
static void set_black(uint8_t *row, int x0, int x1)
{
    while (x0 < x1 && (x0 & 7) != 0) {
        row[x0 >> 3] |= (uint8_t) (0x80 >> (x0 & 7));
        x0++;
    }
    if (x1 - x0 >= 8) {
        int octets = (x1 - x0) >> 3;

        memset(&row[x0 >> 3], 0xFF, (size_t) octets);
        x0 += octets << 3;
    }
    while (x0 < x1) {
        row[x0 >> 3] |= (uint8_t) (0x80 >> (x0 & 7));
        x0++;
    }
}

void t4_changes_to_row(const uint16_t *changes, int width, uint8_t *row)
{
    int i = 0;

    memset(row, 0, (size_t) ((width + 7) >> 3));
    while ((int) changes[i] < width) {
        int x1 = changes[i + 1];

        if (x1 > width) {
            x1 = width;
        }
        set_black(row, changes[i], x1);
        i += 2;
    }
}
