/*
 * v27tertx.c - ITU-T V.27 ter (11/88) transmitter, 4800 and 2400 bit/s,
 * fixed point.
 *
 * Constellation co-ordinates are Q12 on the unit circle (1.0 = 4096). The line
 * signal is built by qam_tx (root-raised-cosine shaping, 1800 Hz carrier,
 * V.27 ter §1, from the generated modulator table).
 */
#include "v27tertx.h"
#include "qam_tables.h"

/*
 * Training sequence lengths in symbol intervals (V.27 ter §7, Table 3).
 * Segment 1 (the optional echo-protection tone) is not sent, as in fax use.
 */
#define V27_SEG2_SYMBOLS        32      /* no transmitted energy */
#define V27_SEG3_LONG_SYMBOLS   50      /* continuous 180 degree reversals */
#define V27_SEG3_SHORT_SYMBOLS  14
#define V27_SEG4_LONG_SYMBOLS   1074    /* equaliser conditioning */
#define V27_SEG4_SHORT_SYMBOLS  58
#define V27_SEG5_SYMBOLS        8       /* scrambled binary ones */
/* V.27 ter defines no turn-off sequence; scrambled ones flush the last data bits. */
#define V27_TURNOFF_SYMBOLS     32

/* The scrambler guard inverts the output after this many bits of a repeating pattern. */
#define V27_GUARD_LIMIT         33

enum {
    V27_TX_SEG2,
    V27_TX_SEG3,
    V27_TX_SEG4,
    V27_TX_SEG5,
    V27_TX_DATA,
    V27_TX_TURNOFF,
    V27_TX_DRAIN,
    V27_TX_DONE
};

/* cos, sin of k * 45 degrees, Q12. */
static const qam_point_t v27_points[8] = {
    {4096, 0}, {2896, 2896}, {0, 4096}, {-2896, 2896},
    {-4096, 0}, {-2896, -2896}, {0, -4096}, {2896, -2896}
};

/*
 * Phase change in 45 degree steps. 4800 bit/s, tribit Q1 Q2 Q3 (Q1 first, the
 * MSB of the index): 001 -> 0, 000 -> 45, 010 -> 90, 011 -> 135, 111 -> 180,
 * 110 -> 225, 100 -> 270, 101 -> 315 degrees (V.27 ter §2.3, Table 1).
 * 2400 bit/s, dibit: 00 -> 0, 01 -> 90, 11 -> 180, 10 -> 270 degrees
 * (V.27 ter §2.3, Table 2).
 */
static const uint8_t v27_step_4800[8] = {1, 0, 2, 3, 6, 7, 5, 4};
static const uint8_t v27_step_2400[4] = {0, 2, 6, 4};

static const qam_point_t v27_zero = {0, 0};

static void set_stage(v27ter_tx_state_t *s, int stage, int symbols)
{
    s->stage = stage;
    s->symbols_left = symbols;
}

/* Next data bit; binary ones during training and once the data has ended. */
static int next_bit(v27ter_tx_state_t *s)
{
    return qam_tx_data_bit(s->get_bit, s->user, &s->data_ended, s->stage == V27_TX_DATA);
}

/*
 * Scrambler 1 + x^-6 + x^-7 with the guard against repetitive patterns
 * (V.27 ter §3): when the output has matched itself 8, 9 and 12 bits earlier
 * for V27_GUARD_LIMIT bits in a row, the next output bit is inverted.
 */
static int scramble(v27ter_tx_state_t *s, int bit)
{
    uint32_t reg = s->scramble_reg;
    int out = (bit ^ (int) (reg >> 5) ^ (int) (reg >> 6)) & 1;

    if (s->guard_count >= V27_GUARD_LIMIT) {
        out ^= 1;
        s->guard_count = 0;
    } else if (((reg >> 7) ^ (uint32_t) out) & ((reg >> 8) ^ (uint32_t) out)
               & ((reg >> 11) ^ (uint32_t) out) & 1u) {
        s->guard_count = 0;
    } else {
        s->guard_count++;
    }
    s->scramble_reg = (uint16_t) (((reg << 1) | (uint32_t) out) & 0xFFFu);
    return out;
}

static qam_point_t data_symbol(v27ter_tx_state_t *s)
{
    int bits = scramble(s, next_bit(s));

    bits = (bits << 1) | scramble(s, next_bit(s));
    if (s->bit_rate == 4800) {
        bits = (bits << 1) | scramble(s, next_bit(s));
        s->phase = (uint8_t) ((s->phase + v27_step_4800[bits]) & 7);
    } else {
        s->phase = (uint8_t) ((s->phase + v27_step_2400[bits]) & 7);
    }
    return v27_points[s->phase];
}

/*
 * Segment 4: the scrambled ones pick 0 or 180 degree phase changes, one
 * scrambler bit of every three driving the symbol (V.27 ter §7, segment 4).
 */
static qam_point_t conditioning_symbol(v27ter_tx_state_t *s)
{
    int bit = scramble(s, 1);

    (void) scramble(s, 1);
    (void) scramble(s, 1);
    s->phase = (uint8_t) ((s->phase + (bit << 2)) & 7);
    return v27_points[s->phase];
}

static void next_stage(v27ter_tx_state_t *s)
{
    switch (s->stage) {
    case V27_TX_SEG2:
        set_stage(s, V27_TX_SEG3,
                  s->long_train ? V27_SEG3_LONG_SYMBOLS : V27_SEG3_SHORT_SYMBOLS);
        break;
    case V27_TX_SEG3:
        set_stage(s, V27_TX_SEG4,
                  s->long_train ? V27_SEG4_LONG_SYMBOLS : V27_SEG4_SHORT_SYMBOLS);
        break;
    case V27_TX_SEG4:
        set_stage(s, V27_TX_SEG5, V27_SEG5_SYMBOLS);
        break;
    case V27_TX_SEG5:
        set_stage(s, V27_TX_DATA, 0);
        break;
    case V27_TX_TURNOFF:
        set_stage(s, V27_TX_DRAIN, QAM_TX_SPAN);
        break;
    default:
        set_stage(s, V27_TX_DONE, 0);
        break;
    }
}

static qam_point_t next_symbol(v27ter_tx_state_t *s)
{
    qam_point_t p;

    switch (s->stage) {
    case V27_TX_SEG3:
        s->phase = (uint8_t) ((s->phase + 4) & 7);
        p = v27_points[s->phase];
        break;
    case V27_TX_SEG4:
        p = conditioning_symbol(s);
        break;
    case V27_TX_SEG5:
    case V27_TX_DATA:
    case V27_TX_TURNOFF:
        p = data_symbol(s);
        break;
    default:
        p = v27_zero;
        break;
    }

    if (s->stage == V27_TX_DATA) {
        if (s->data_ended) {
            set_stage(s, V27_TX_TURNOFF, V27_TURNOFF_SYMBOLS);
        }
        return p;
    }
    s->symbols_left--;
    if (s->symbols_left <= 0) {
        next_stage(s);
    }
    return p;
}

void v27ter_tx_init(v27ter_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                    fx_get_bit_t get_bit, void *user)
{
    s->bit_rate = (bit_rate == 2400) ? 2400 : 4800;
    s->long_train = long_train;
    s->get_bit = get_bit;
    s->user = user;
    s->scramble_reg = 0x3C;
    s->guard_count = 0;
    s->phase = 0;
    s->data_ended = 0;
    if (s->bit_rate == 4800) {
        qam_tx_init(&s->mod, qam_tx_mod_v27_4800, QAM_TX_V27_4800_PERIOD,
                    QAM_TX_V27_4800_PHASES, QAM_TX_V27_4800_STEP,
                    QAM_TX_GAIN_V27_4800, level_dbm0);
    } else {
        qam_tx_init(&s->mod, qam_tx_mod_v27_2400, QAM_TX_V27_2400_PERIOD,
                    QAM_TX_V27_2400_PHASES, QAM_TX_V27_2400_STEP,
                    QAM_TX_GAIN_V27_2400, level_dbm0);
    }
    set_stage(s, V27_TX_SEG2, V27_SEG2_SYMBOLS);
}

/* qam_tx_next_t: the next symbol, or 0 once the tail has been sent. */
static int supply_symbol(void *user, qam_point_t *p)
{
    v27ter_tx_state_t *s = (v27ter_tx_state_t *) user;

    if (s->stage == V27_TX_DONE) {
        return 0;
    }
    *p = next_symbol(s);
    return 1;
}

int v27ter_tx(v27ter_tx_state_t *s, int16_t amp[], int max_len)
{
    return qam_tx_block(&s->mod, amp, max_len, supply_symbol, s);
}
