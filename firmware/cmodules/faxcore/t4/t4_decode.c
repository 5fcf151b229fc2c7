/*
 * t4_decode.c - T.4 (07/2003) MH and MR, T.6 (11/1988) MMR row decoder.
 *
 * Input is copied into a bounded ring. A row is decoded from a private copy of
 * the read position and committed only when it is complete, so a row that needs
 * more input is simply retried after the next feed. After an error in MH/MR the
 * decoder hunts for the next EOL bit by bit (T.4 §4.1.2), counts the row as bad
 * and writes the last good row in its place; that row stays the 2-D reference.
 * T.6 has no EOL, so an MMR error ends the page.
 *
 * The standard leaves the receiver's end-of-page rule open; RTC is six EOLs
 * (T.4 §4.1.4). Here two consecutive EOLs end the page once a row has been
 * decoded: no row can begin with eleven zeros, so EOL EOL only occurs in RTC (or
 * in a corrupted row), and a burst of zeros is one EOL with fill. Extra EOLs
 * before the first row are skipped; six of them (RTC alone) end an empty page.
 */
#include <string.h>

#include "t4.h"
#include "t4_rows.h"
#include "t4_tables.h"

#define RING_MASK       (T4_RING_OCTETS - 1)
#define EOL_ZEROS       11      /* EOL = 11 zeros then a 1, any extra zeros are fill */
#define MAX_CODE_BITS   13      /* longest code word, Table 3/T.4 black make-up */
#define RTC_EOLS        6       /* T.4 §4.1.4 */

/* Results of the decoding steps. */
#define R_OK        0
#define R_NEED      1           /* ran out of input */
#define R_ERR       2           /* invalid code or wrong row length */

int t4_dec_init(t4_dec_state_t *s, int width, int coding, int fill_order,
                uint16_t *work, int work_words)
{
    if (width < 1 || width > T4_MAX_WIDTH_PELS) {
        return T4_ERR_ARG;
    }
    if (coding != T4_CODING_MH && coding != T4_CODING_MR && coding != T4_CODING_MMR) {
        return T4_ERR_ARG;
    }
    if ((fill_order != 1 && fill_order != 2) || work == 0
        || work_words < T4_WORK_WORDS(width)) {
        return T4_ERR_ARG;
    }
    s->width = width;
    s->coding = coding;
    s->fill_order = fill_order;
    s->ref = work;
    s->cur = work + T4_CHANGES_LEN(width);
    t4_dec_restart(s);
    return 0;
}

void t4_dec_restart(t4_dec_state_t *s)
{
    s->state = (s->coding == T4_CODING_MMR) ? T4_D_ROW : T4_D_HUNT;
    s->row_1d = (s->coding != T4_CODING_MMR);
    s->zeros = 0;
    s->eol_run = 0;
    s->rows = 0;
    s->bad_rows = 0;
    s->wr = 0;
    s->pos.rd = 0;
    s->pos.acc = 0;
    s->pos.acc_bits = 0;
    t4_changes_white(s->ref, s->width);
}

int t4_dec_free(const t4_dec_state_t *s)
{
    return T4_RING_OCTETS - (int) (s->wr - s->pos.rd);
}

static uint8_t reverse8(uint8_t b)
{
    b = (uint8_t) (((b & 0xF0u) >> 4) | ((b & 0x0Fu) << 4));
    b = (uint8_t) (((b & 0xCCu) >> 2) | ((b & 0x33u) << 2));
    b = (uint8_t) (((b & 0xAAu) >> 1) | ((b & 0x55u) << 1));
    return b;
}

int t4_dec_feed(t4_dec_state_t *s, const uint8_t *data, int len)
{
    int room = t4_dec_free(s);
    int i;

    if (len < 0) {
        len = 0;
    }
    if (len > room) {
        len = room;
    }
    for (i = 0; i < len; i++) {
        uint8_t b = data[i];

        s->ring[(s->wr + (uint32_t) i) & RING_MASK] = (s->fill_order == 1) ? reverse8(b) : b;
    }
    s->wr += (uint32_t) len;
    return len;
}

int t4_dec_ended(const t4_dec_state_t *s)
{
    return s->state == T4_D_END || s->state == T4_D_FAIL;
}

/* Top up the bit accumulator to at least 25 bits, or all that is left. */
static void refill(const t4_dec_state_t *s, t4_bitpos_t *p)
{
    while (p->acc_bits <= 24 && p->rd != s->wr) {
        p->acc |= (uint32_t) s->ring[p->rd & RING_MASK] << p->acc_bits;
        p->rd++;
        p->acc_bits += 8;
    }
}

static void consume(t4_bitpos_t *p, int n)
{
    p->acc >>= n;
    p->acc_bits -= n;
}

/* Look up the next code word in a two-level table (see gen/gen_t4_tables.py). */
static int get_code(const t4_dec_state_t *s, t4_bitpos_t *p, const t4_dec_entry_t *tab,
                    int root_bits, t4_dec_entry_t *e)
{
    const t4_dec_entry_t *t;

    refill(s, p);
    t = &tab[p->acc & ((1u << root_bits) - 1u)];
    if (t->kind == T4_K_SUB) {
        t = &tab[t->value + (int) ((p->acc >> root_bits) & ((1u << t->len) - 1u))];
    }
    /* Bits past the end of the input read as zeros: a short result needs more input. */
    if (t->kind == T4_K_INVALID) {
        return (p->acc_bits < MAX_CODE_BITS) ? R_NEED : R_ERR;
    }
    if ((int) t->len > p->acc_bits) {
        return R_NEED;
    }
    *e = *t;
    if (t->kind != T4_K_EOL) {
        consume(p, t->len);
    }
    return R_OK;
}

/* One run: make-up codes then a terminating code, T.4 §4.1.1. */
static int get_run(const t4_dec_state_t *s, t4_bitpos_t *p, int colour, int *run)
{
    const t4_dec_entry_t *tab = colour ? t4_black_dec : t4_white_dec;
    int total = 0;

    for (;;) {
        t4_dec_entry_t e;
        int r = get_code(s, p, tab, T4_ROOT_BITS_RUN, &e);

        if (r != R_OK) {
            return r;
        }
        if (e.kind != T4_K_TERM && e.kind != T4_K_MAKEUP) {
            return R_ERR;
        }
        total += e.value;
        if (total > s->width) {
            return R_ERR;
        }
        if (e.kind == T4_K_TERM) {
            *run = total;
            return R_OK;
        }
    }
}

/* Append a change; two changes at one position cancel, so the list stays strictly
 * increasing (a zero-length run inside a row). Positions at the row end are not
 * changes. */
static void push_change(uint16_t *c, int *n, int x, int width)
{
    if (x >= width) {
        return;
    }
    if (*n > 0 && (int) c[*n - 1] == x) {
        (*n)--;
        return;
    }
    c[(*n)++] = (uint16_t) x;
}

static void end_changes(uint16_t *c, int n, int width)
{
    c[n] = (uint16_t) width;
    c[n + 1] = (uint16_t) width;
    c[n + 2] = (uint16_t) width;
}

/* T.4 §4.1.1: white and black runs alternate, the first white, total = width. */
static int decode_1d(t4_dec_state_t *s, t4_bitpos_t *p)
{
    int width = s->width;
    int a0 = 0;
    int colour = 0;
    int n = 0;

    while (a0 < width) {
        int run;
        int r = get_run(s, p, colour, &run);

        if (r != R_OK) {
            return r;
        }
        a0 += run;
        if (a0 > width) {
            return R_ERR;
        }
        push_change(s->cur, &n, a0, width);
        colour ^= 1;
    }
    end_changes(s->cur, n, width);
    return R_OK;
}

/* T.4 §4.2.1.3 and T.6 §2.2: pass, vertical and horizontal modes against the
 * reference row. Every step moves a0 right, so a row takes at most width + 1 steps. */
static int decode_2d(t4_dec_state_t *s, t4_bitpos_t *p)
{
    int width = s->width;
    int a0 = -1;        /* imaginary white pel before the row */
    int colour = 0;
    int n = 0;
    int j = 0;

    while (a0 < width) {
        t4_dec_entry_t e;
        int b1;
        int b2;
        int r;

        t4_find_b1b2(s->ref, a0, colour, &j, &b1, &b2);
        r = get_code(s, p, t4_mode_dec, T4_ROOT_BITS_MODE, &e);
        if (r != R_OK) {
            return r;
        }
        if (e.kind == T4_K_PASS) {
            a0 = b2;
        } else if (e.kind == T4_K_VERT) {
            int a1 = b1 + e.value;

            if (a1 <= a0 || a1 > width) {
                return R_ERR;
            }
            push_change(s->cur, &n, a1, width);
            a0 = a1;
            colour ^= 1;
        } else if (e.kind == T4_K_HORIZ) {
            int run1;
            int run2;
            int a1;
            int a2;

            r = get_run(s, p, colour, &run1);
            if (r == R_OK) {
                r = get_run(s, p, colour ^ 1, &run2);
            }
            if (r != R_OK) {
                return r;
            }
            a1 = (a0 < 0 ? 0 : a0) + run1;
            a2 = a1 + run2;
            if (a2 > width || a2 <= a0) {
                return R_ERR;
            }
            push_change(s->cur, &n, a1, width);
            push_change(s->cur, &n, a2, width);
            a0 = a2;
        } else {
            /* EOL inside a row, extension codes (uncompressed mode), or garbage. */
            return R_ERR;
        }
    }
    end_changes(s->cur, n, width);
    return R_OK;
}

/* Count zeros up to a 1. Returns R_OK with the 1 consumed (*zeros holds the run),
 * or R_NEED with everything consumed. Progress is committed to the state. */
static int skip_to_one(t4_dec_state_t *s)
{
    t4_bitpos_t *p = &s->pos;

    for (;;) {
        refill(s, p);
        if (p->acc_bits == 0) {
            return R_NEED;
        }
        if (p->acc == 0) {
            s->zeros += p->acc_bits;
            if (s->zeros > EOL_ZEROS) {
                s->zeros = EOL_ZEROS;   /* only "enough" matters; avoids overflow */
            }
            p->acc_bits = 0;            /* acc is already 0; a 32-bit shift is undefined */
            continue;
        }
        while ((p->acc & 1u) == 0) {
            s->zeros++;
            consume(p, 1);
        }
        consume(p, 1);
        return R_OK;
    }
}

/* Output the last good row in place of a bad one. */
static int bad_row(t4_dec_state_t *s, uint8_t *row)
{
    s->bad_rows++;
    s->rows++;
    s->eol_run = 0;
    t4_changes_to_row(s->ref, s->width, row);
    return 1;
}

static int row_done(t4_dec_state_t *s, uint8_t *row)
{
    uint16_t *t = s->ref;

    s->ref = s->cur;
    s->cur = t;
    s->rows++;
    s->eol_run = 0;
    t4_changes_to_row(s->ref, s->width, row);
    return 1;
}

/* True if the next 11 bits are zeros (an EOL); R_NEED if that is not yet known. */
static int at_eol(t4_dec_state_t *s, int *yes)
{
    t4_bitpos_t *p = &s->pos;

    refill(s, p);
    if ((p->acc & ((1u << EOL_ZEROS) - 1u)) != 0) {
        *yes = 0;
        return R_OK;
    }
    if (p->acc_bits < EOL_ZEROS) {
        return R_NEED;
    }
    *yes = 1;
    return R_OK;
}

/* One row of a T.4 page (MH or MR). */
static int step_t4(t4_dec_state_t *s, uint8_t *row)
{
    for (;;) {
        int r;

        switch (s->state) {
        case T4_D_HUNT:
        case T4_D_EOL:
            r = skip_to_one(s);
            if (r == R_NEED) {
                return 0;
            }
            if (s->zeros < EOL_ZEROS) {
                s->zeros = 0;
                if (s->state == T4_D_EOL) {
                    /* The row just written was not followed by an EOL: it was
                     * probably decoded from corrupted data. */
                    s->bad_rows++;
                    s->state = T4_D_HUNT;
                }
                continue;
            }
            s->zeros = 0;
            s->eol_run = (s->state == T4_D_HUNT) ? 1 : s->eol_run + 1;
            if ((s->eol_run >= 2 && s->rows > 0) || s->eol_run >= RTC_EOLS) {
                s->state = T4_D_END;
                return 0;
            }
            s->state = (s->coding == T4_CODING_MR) ? T4_D_TAG : T4_D_ROW;
            break;
        case T4_D_TAG:
            refill(s, &s->pos);
            if (s->pos.acc_bits < 1) {
                return 0;
            }
            s->row_1d = (int) (s->pos.acc & 1u);
            consume(&s->pos, 1);
            s->state = T4_D_ROW;
            break;
        case T4_D_ROW: {
            t4_bitpos_t p;
            int eol;

            r = at_eol(s, &eol);
            if (r == R_NEED) {
                return 0;
            }
            if (eol) {
                s->state = T4_D_EOL;
                break;
            }
            p = s->pos;
            r = s->row_1d ? decode_1d(s, &p) : decode_2d(s, &p);
            if (r == R_NEED && t4_dec_free(s) > 0) {
                return 0;
            }
            s->pos = p;
            if (r == R_OK) {
                s->state = T4_D_EOL;
                return row_done(s, row);
            }
            /* Invalid code, wrong length, or a row longer than the ring. The bad
             * code itself is not consumed: if it is an EOL the hunt finds it. */
            s->state = T4_D_HUNT;
            return bad_row(s, row);
        }
        default:
            return 0;
        }
    }
}

/* One row of a T.6 page. */
static int step_t6(t4_dec_state_t *s, uint8_t *row)
{
    t4_bitpos_t p;
    int r;
    int eol;

    if (s->state != T4_D_ROW) {
        return 0;
    }
    r = at_eol(s, &eol);
    if (r == R_NEED) {
        return 0;
    }
    if (eol) {
        /* EOFB, T.6 §2.4: EOL EOL. */
        p = s->pos;
        refill(s, &p);
        if (p.acc_bits < 24 && t4_dec_free(s) > 0) {
            return 0;
        }
        s->state = ((p.acc & 0xFFFFFFu) == 0x800800u) ? T4_D_END : T4_D_FAIL;
        if (s->state == T4_D_FAIL) {
            s->bad_rows++;
        }
        return 0;
    }
    p = s->pos;
    r = decode_2d(s, &p);
    if (r == R_NEED && t4_dec_free(s) > 0) {
        return 0;
    }
    s->pos = p;
    if (r == R_OK) {
        return row_done(s, row);
    }
    s->state = T4_D_FAIL;
    return bad_row(s, row);
}

int t4_dec_row(t4_dec_state_t *s, uint8_t *row)
{
    if (s->coding == T4_CODING_MMR) {
        return step_t6(s, row);
    }
    return step_t4(s, row);
}
