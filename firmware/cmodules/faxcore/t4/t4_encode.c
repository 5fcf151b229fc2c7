/*
 * t4_encode.c - T.4 (07/2003) MH and MR, T.6 (11/1988) MMR row coder.
 *
 * Output is in line order: the first code bit goes into the LSB of each octet.
 */
#include <string.h>

#include "t4.h"
#include "t4_rows.h"
#include "t4_tables.h"

/* EOL, T.4 §4.1.2: 000000000001; with the first bit in bit 0 the 1 is bit 11. */
#define EOL_CODE        0x800u
#define EOL_BITS        12
#define RTC_EOLS        6       /* T.4 §4.1.4 */
#define EOFB_EOLS       2       /* T.6 §2.4: EOFB = EOL + EOL */
#define EXT_MAKEUP_MAX  2560    /* Table 3/T.4: longest make-up code */

/* Pass, horizontal and vertical mode codes, Table 4/T.4, first bit in bit 0. */
#define PASS_CODE       0x8u    /* 0001 */
#define PASS_BITS       4
#define HORIZ_CODE      0x4u    /* 001 */
#define HORIZ_BITS      3

static const t4_enc_code_t vert_codes[7] = {
    {0x20, 7},  /* VL3 0000010 */
    {0x10, 6},  /* VL2 000010 */
    {0x2, 3},   /* VL1 010 */
    {0x1, 1},   /* V0  1 */
    {0x6, 3},   /* VR1 011 */
    {0x30, 6},  /* VR2 000011 */
    {0x60, 7},  /* VR3 0000011 */
};

int t4_enc_max_octets(int width, int min_row_bits)
{
    /* Bound on one row. A run of r >= 1 pels costs at most 12 r bits (a terminating
     * code is at most 12 bits, Table 2/T.4; make-up codes cover 64 or more pels).
     * 1-D: at most 12 bits per pel, plus 10 for a leading run of 0. 2-D: pass codes
     * take 4 bits per pair of reference changes (2 per pel); a vertical code (at
     * most 7 bits) or a horizontal code with its runs (3 + 12 per pel) covers at
     * least one pel per code, so at most 15 per pel, plus 20 for two runs of 0 at
     * the row ends. Add the previous row's fill, EOL + tag, a carried partial octet
     * and some slack. RTC or EOFB with the last fill is far below this. */
    return (min_row_bits + EOL_BITS + 1 + 17 * width + 64 + 7) / 8 + 2;
}

int t4_enc_init(t4_enc_state_t *s, int width, int coding, int k, int min_row_bits,
                uint16_t *work, int work_words)
{
    if (width < 1 || width > T4_MAX_WIDTH_PELS) {
        return T4_ERR_ARG;
    }
    if (coding != T4_CODING_MH && coding != T4_CODING_MR && coding != T4_CODING_MMR) {
        return T4_ERR_ARG;
    }
    if ((coding == T4_CODING_MR && k < 1) || k < 0) {
        return T4_ERR_ARG;
    }
    if (min_row_bits < 0 || min_row_bits > 65535 || work == 0
        || work_words < T4_WORK_WORDS(width)) {
        return T4_ERR_ARG;
    }
    memset(s, 0, sizeof(*s));
    s->width = width;
    s->coding = coding;
    s->k = k;
    s->min_row_bits = (coding == T4_CODING_MMR) ? 0 : min_row_bits;
    s->ref = work;
    s->cur = work + T4_CHANGES_LEN(width);
    t4_enc_restart(s);
    return 0;
}

void t4_enc_restart(t4_enc_state_t *s)
{
    s->acc = 0;
    s->acc_bits = 0;
    s->row_bits = -1;
    s->rows = 0;
    s->k_left = 0;
    /* T.6 §2.2.1: the reference for the first row is an imaginary white row. */
    t4_changes_white(s->ref, s->width);
}

/* Append len (<= 24) bits, first bit in bit 0 of code; flush whole octets. */
static void put_bits(t4_enc_state_t *s, uint8_t *out, uint32_t code, int len)
{
    s->acc |= code << s->acc_bits;
    s->acc_bits += len;
    while (s->acc_bits >= 8) {
        out[s->out_pos++] = (uint8_t) s->acc;
        s->acc >>= 8;
        s->acc_bits -= 8;
    }
}

static void put_zeros(t4_enc_state_t *s, uint8_t *out, int n)
{
    while (n > 16) {
        put_bits(s, out, 0, 16);
        n -= 16;
    }
    put_bits(s, out, 0, n);
}

static int put_code(t4_enc_state_t *s, uint8_t *out, const t4_enc_code_t *c)
{
    put_bits(s, out, c->code, c->len);
    return c->len;
}

/* One run of pels, T.4 §4.1.1 and Table 3/T.4: while 2624 or more pels are left
 * the 2560 make-up code is repeated; then a run of 64 or more takes one make-up
 * code for its multiple of 64; every run ends with a terminating code (0..63).
 * Returns the bits written. */
static int put_run(t4_enc_state_t *s, uint8_t *out, int colour, int run)
{
    const t4_enc_code_t *term = colour ? t4_black_term : t4_white_term;
    const t4_enc_code_t *makeup = colour ? t4_black_makeup : t4_white_makeup;
    int bits = 0;

    while (run >= EXT_MAKEUP_MAX + 64) {
        bits += put_code(s, out, &t4_ext_makeup[(EXT_MAKEUP_MAX - 1792) >> 6]);
        run -= EXT_MAKEUP_MAX;
    }
    if (run >= 64) {
        int m = run & ~63;

        if (m <= 1728) {
            bits += put_code(s, out, &makeup[(m >> 6) - 1]);
        } else {
            bits += put_code(s, out, &t4_ext_makeup[(m - 1792) >> 6]);
        }
        run -= m;
    }
    bits += put_code(s, out, &term[run]);
    return bits;
}

/* T.4 §4.1: alternating white and black runs, starting with white. */
static int code_1d(t4_enc_state_t *s, uint8_t *out)
{
    const uint16_t *c = s->cur;
    int bits = 0;
    int a0 = 0;
    int colour = 0;
    int i = 0;

    while (a0 < s->width) {
        int a1 = c[i++];

        bits += put_run(s, out, colour, a1 - a0);
        a0 = a1;
        colour ^= 1;
    }
    return bits;
}

/* T.4 §4.2.1.3.2 (Figure 7/T.4): pass, vertical and horizontal modes. */
static int code_2d(t4_enc_state_t *s, uint8_t *out)
{
    const uint16_t *c = s->cur;
    int width = s->width;
    int bits = 0;
    int a0 = -1;        /* imaginary white pel before the row */
    int i = 0;          /* index in cur of the first change right of a0 */
    int j = 0;
    int b1;
    int b2;

    while (a0 < width) {
        int colour = i & 1;
        int a1 = c[i];
        int a2 = c[i + 1];

        t4_find_b1b2(s->ref, a0, colour, &j, &b1, &b2);
        if (b2 < a1) {
            bits += PASS_BITS;
            put_bits(s, out, PASS_CODE, PASS_BITS);
            a0 = b2;
        } else if (a1 - b1 >= -3 && a1 - b1 <= 3) {
            bits += put_code(s, out, &vert_codes[a1 - b1 + 3]);
            a0 = a1;
            i++;
        } else {
            bits += HORIZ_BITS;
            put_bits(s, out, HORIZ_CODE, HORIZ_BITS);
            bits += put_run(s, out, colour, a1 - (a0 < 0 ? 0 : a0));
            bits += put_run(s, out, colour ^ 1, a2 - a1);
            a0 = a2;
            i += 2;
        }
        /* cur ends in sentinels equal to width, so i stops there. */
        if (a0 >= width) {
            break;
        }
        while ((int) c[i] <= a0) {
            i++;
        }
    }
    return bits;
}

/* FILL owed by the previous row, T.4 §4.1.3: zero bits between its data and the
 * next EOL so that the row, its EOL included, lasts at least the minimum scan-line
 * time (min_row_bits, from DIS/DCS bits 21-23). */
static void put_fill(t4_enc_state_t *s, uint8_t *out)
{
    if (s->row_bits >= 0 && s->row_bits < s->min_row_bits) {
        put_zeros(s, out, s->min_row_bits - s->row_bits);
    }
}

int t4_enc_row(t4_enc_state_t *s, const uint8_t *row, uint8_t *out, int out_len)
{
    int bits = 0;
    int two_d;
    uint16_t *t;

    if (out_len < t4_enc_max_octets(s->width, s->min_row_bits)) {
        return T4_ERR_SPACE;
    }
    s->out_pos = 0;
    t4_row_to_changes(row, s->width, s->cur);
    if (s->coding == T4_CODING_MMR) {
        two_d = 1;
    } else {
        put_fill(s, out);
        put_bits(s, out, EOL_CODE, EOL_BITS);
        bits = EOL_BITS;
        two_d = 0;
        if (s->coding == T4_CODING_MR) {
            /* T.4 §4.2.1: tag bit after EOL, 1 = next row 1-D, 0 = 2-D; one 1-D
             * row in every k. */
            two_d = s->k_left > 0;
            s->k_left = two_d ? s->k_left - 1 : s->k - 1;
            put_bits(s, out, two_d ? 0u : 1u, 1);
            bits++;
        }
    }
    if (two_d) {
        bits += code_2d(s, out);
    } else {
        bits += code_1d(s, out);
    }
    s->row_bits = bits;
    s->rows++;
    t = s->ref;
    s->ref = s->cur;
    s->cur = t;
    return s->out_pos;
}

int t4_enc_finish(t4_enc_state_t *s, uint8_t *out, int out_len)
{
    int i;
    int n;

    if (out_len < t4_enc_max_octets(s->width, s->min_row_bits)) {
        return T4_ERR_SPACE;
    }
    s->out_pos = 0;
    if (s->coding == T4_CODING_MMR) {
        for (i = 0; i < EOFB_EOLS; i++) {
            put_bits(s, out, EOL_CODE, EOL_BITS);
        }
    } else {
        put_fill(s, out);
        for (i = 0; i < RTC_EOLS; i++) {
            put_bits(s, out, EOL_CODE, EOL_BITS);
            if (s->coding == T4_CODING_MR) {
                put_bits(s, out, 1, 1);
            }
        }
    }
    if (s->acc_bits > 0) {
        put_bits(s, out, 0, 8 - s->acc_bits);
    }
    n = s->out_pos;
    t4_enc_restart(s);
    return n;
}
