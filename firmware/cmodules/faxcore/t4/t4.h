/*
 * t4.h - T.4 (07/2003) MH/MR and T.6 (11/1988) MMR row coder and decoder.
 *
 * One bitmap row at a time; the state is the reference row and the current row,
 * both kept as lists of changing elements (T.4 §4.2.1.3.1) in caller memory,
 * plus, for the decoder, a bounded input ring. No heap, no I/O, integer only,
 * re-entrant: every call works on a caller-owned state struct.
 *
 * Rows: packed, 1 bit per pel, MSB of the first octet = leftmost pel, 1 = black.
 * Coded data from the encoder are in line order: the first code bit is the LSB of
 * each octet (TIFF FillOrder 2). The decoder accepts either fill order.
 */
#ifndef T4_H
#define T4_H

#include <stdint.h>

#define T4_CODING_MH        0   /* T.4 §4.1, one-dimensional */
#define T4_CODING_MR        1   /* T.4 §4.2, two-dimensional with K */
#define T4_CODING_MMR       2   /* T.6, no EOL, EOFB at the end */

#define T4_MAX_WIDTH_PELS   16384

/* Changing-element lists: each holds at most `width` strictly increasing positions
 * (< width) followed by 3 sentinels equal to width. Two lists per coder. */
#define T4_CHANGES_LEN(width)   ((width) + 4)
#define T4_WORK_WORDS(width)    (2 * T4_CHANGES_LEN(width))

/* Decoder input ring; must be a power of two. A row whose code needs more than
 * this is treated as bad (the worst MMR row at 4864 pels fits well inside). */
#define T4_RING_OCTETS      8192

/* Error returns. */
#define T4_ERR_ARG          (-1)    /* bad width, coding, k or buffer size */
#define T4_ERR_SPACE        (-2)    /* output buffer below t4_enc_max_octets() */

typedef struct {
    int width;
    int coding;
    int k;                  /* MR: one 1-D row every k rows */
    int k_left;             /* MR: 2-D rows still due before the next 1-D row */
    int min_row_bits;       /* T.30 minimum scan-line time in bits, EOL included */
    uint16_t *ref;          /* previous row (T4_CHANGES_LEN entries) */
    uint16_t *cur;          /* row being coded */
    uint32_t acc;           /* bit writer: next bit to send is bit 0 */
    int acc_bits;
    int out_pos;            /* octets written by the current call */
    int row_bits;           /* bits of the previous row, from its EOL on */
    long rows;              /* rows coded on this page */
} t4_enc_state_t;

/* Worst-case octets one t4_enc_row() or t4_enc_finish() call may write. */
int t4_enc_max_octets(int width, int min_row_bits);

/* work: T4_WORK_WORDS(width) words owned by the caller for the state's lifetime. */
int t4_enc_init(t4_enc_state_t *s, int width, int coding, int k, int min_row_bits,
                uint16_t *work, int work_words);

/* Start a new page with the same settings. */
void t4_enc_restart(t4_enc_state_t *s);

/* Code one row ((width + 7) / 8 octets). Returns whole octets written to out (a
 * partial octet is carried into the next call), or T4_ERR_SPACE if out_len is below
 * t4_enc_max_octets(). */
int t4_enc_row(t4_enc_state_t *s, const uint8_t *row, uint8_t *out, int out_len);

/* End the page: fill for the last row, then RTC (MH, MR) or EOFB (MMR), padded to a
 * whole octet. Returns octets written or T4_ERR_SPACE. Restarts the page. */
int t4_enc_finish(t4_enc_state_t *s, uint8_t *out, int out_len);

/* Decoder states. */
#define T4_D_HUNT   0   /* looking for an EOL: before the page, or after an error */
#define T4_D_EOL    1   /* expecting fill and the EOL that ends the previous row */
#define T4_D_TAG    2   /* MR: expecting the tag bit after an EOL */
#define T4_D_ROW    3   /* at the start of a row's codes */
#define T4_D_END    4   /* RTC or EOFB seen */
#define T4_D_FAIL   5   /* MMR error: T.6 has no EOL to resynchronise on */

typedef struct {
    uint32_t rd;            /* octets taken from the ring (count, not index) */
    uint32_t acc;           /* bits taken but not consumed, next bit in bit 0 */
    int acc_bits;
} t4_bitpos_t;

typedef struct {
    int width;
    int coding;
    int fill_order;         /* 1: first bit in the MSB of each octet; 2: in the LSB */
    uint16_t *ref;          /* last good row */
    uint16_t *cur;
    int state;
    int row_1d;             /* MR: tag bit of the row about to be decoded */
    int zeros;              /* zeros counted while looking for an EOL */
    int eol_run;            /* consecutive EOLs: 2 end the page (RTC is 6) */
    long rows;              /* rows written on this page */
    long bad_rows;          /* rows that failed to decode */
    uint32_t wr;            /* octets written into the ring (count) */
    t4_bitpos_t pos;        /* committed read position */
    uint8_t ring[T4_RING_OCTETS];
} t4_dec_state_t;

int t4_dec_init(t4_dec_state_t *s, int width, int coding, int fill_order,
                uint16_t *work, int work_words);

/* Start a new page with the same settings; any buffered input is dropped. */
void t4_dec_restart(t4_dec_state_t *s);

/* Copy up to len octets into the ring; returns how many were taken. */
int t4_dec_feed(t4_dec_state_t *s, const uint8_t *data, int len);

/* Free space in the ring, in octets. */
int t4_dec_free(const t4_dec_state_t *s);

/* Write the next row ((width + 7) / 8 octets). Returns 1 when a row was written
 * (a bad row is replaced by the last good one and counted in bad_rows), 0 when
 * more input is needed or the page has ended (see t4_dec_ended()). */
int t4_dec_row(t4_dec_state_t *s, uint8_t *row);

/* True after RTC/EOFB, or after an MMR error (bad_rows says which). */
int t4_dec_ended(const t4_dec_state_t *s);

#endif
