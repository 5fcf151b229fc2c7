/*
 * v29tx.c - ITU-T V.29 (11/88) transmitter, 9600 and 7200 bit/s, fixed point.
 *
 * Constellation co-ordinates are Q12 (3.0 = 12288). The line signal is built
 * by qam_tx (root-raised-cosine shaping and the 1700 Hz carrier).
 */
#include "v29tx.h"
#include "qam_tables.h"

/* Synchronizing signal lengths in symbol intervals (V.29, Table 3). */
#define V29_SEG1_SYMBOLS        48      /* no transmitted energy */
#define V29_SEG2_SYMBOLS        128     /* alternations ABAB... */
#define V29_SEG3_SYMBOLS        384     /* equaliser conditioning CDCD... */
#define V29_SEG4_SYMBOLS        48      /* scrambled binary ones */
/* V.29 defines no turn-off sequence; scrambled ones flush the last data bits. */
#define V29_TURNOFF_SYMBOLS     32

enum {
    V29_TX_SEG1,
    V29_TX_SEG2,
    V29_TX_SEG3,
    V29_TX_SEG4,
    V29_TX_DATA,
    V29_TX_TURNOFF,
    V29_TX_DRAIN,
    V29_TX_DONE
};

#define Q12(x)  ((int16_t) ((x) * 4096))

/* The 16 points by absolute phase (45 degree steps); index + 8 is the outer ring. */
static const qam_point_t v29_points[16] = {
    {Q12(3), Q12(0)}, {Q12(1), Q12(1)}, {Q12(0), Q12(3)}, {Q12(-1), Q12(1)},
    {Q12(-3), Q12(0)}, {Q12(-1), Q12(-1)}, {Q12(0), Q12(-3)}, {Q12(1), Q12(-1)},
    {Q12(5), Q12(0)}, {Q12(3), Q12(3)}, {Q12(0), Q12(5)}, {Q12(-3), Q12(3)},
    {Q12(-5), Q12(0)}, {Q12(-3), Q12(-3)}, {Q12(0), Q12(-5)}, {Q12(3), Q12(-3)}
};

/* Segment 2, point A (180 degrees, amplitude 3) at both rates. */
static const qam_point_t v29_seg2_a = {Q12(-3), Q12(0)};
/* Segment 2, point B (315 degrees): amplitude 3 sqrt 2 at 9600, sqrt 2 at 7200. */
static const qam_point_t v29_seg2_b_9600 = {Q12(3), Q12(-3)};
static const qam_point_t v29_seg2_b_7200 = {Q12(1), Q12(-1)};
/* Segment 3, point C (0 degrees, amplitude 3) and D (135 degrees). */
static const qam_point_t v29_seg3_c = {Q12(3), Q12(0)};
static const qam_point_t v29_seg3_d_9600 = {Q12(-3), Q12(3)};
static const qam_point_t v29_seg3_d_7200 = {Q12(-1), Q12(1)};

/*
 * Phase change in 45 degree steps for Q2 Q3 Q4 (Q2 first, the MSB of the
 * index): 001 -> 0, 000 -> 45, 010 -> 90, 011 -> 135, 111 -> 180,
 * 110 -> 225, 100 -> 270, 101 -> 315 degrees (V.29, Table 1).
 */
static const uint8_t v29_phase_step[8] = {1, 0, 2, 3, 6, 7, 5, 4};

static const qam_point_t v29_zero = {0, 0};

static void set_stage(v29_tx_state_t *s, int stage, int symbols)
{
    s->stage = stage;
    s->symbols_left = symbols;
}

/* Next data bit; binary ones in segment 4 and once the data has ended. */
static int next_bit(v29_tx_state_t *s)
{
    return qam_tx_data_bit(s->get_bit, s->user, &s->data_ended, s->stage == V29_TX_DATA);
}

/* Self-synchronising scrambler 1 + x^-18 + x^-23 (V.29, scrambler clause). */
static int scramble(v29_tx_state_t *s, int bit)
{
    int out = (bit ^ (int) (s->scramble_reg >> 17) ^ (int) (s->scramble_reg >> 22)) & 1;

    s->scramble_reg = ((s->scramble_reg << 1) | (uint32_t) out) & 0x7FFFFFu;
    return out;
}

/* One data symbol: Q1 (9600 only) picks the ring, Q2 Q3 Q4 the phase change. */
static qam_point_t data_symbol(v29_tx_state_t *s)
{
    int amp = 0;
    int bits;

    if (s->bit_rate == 9600) {
        amp = scramble(s, next_bit(s)) ? 8 : 0;
    }
    bits = scramble(s, next_bit(s));
    bits = (bits << 1) | scramble(s, next_bit(s));
    bits = (bits << 1) | scramble(s, next_bit(s));
    s->phase = (uint8_t) ((s->phase + v29_phase_step[bits]) & 7);
    return v29_points[amp | s->phase];
}

/* Segment 3 generator 1 + x^-6 + x^-7, started at 0101010 (V.29, Table 3 note). */
static int train_bit(v29_tx_state_t *s)
{
    int bit = s->train_reg & 1;

    s->train_reg = (uint8_t) (s->train_reg >> 1);
    s->train_reg = (uint8_t) (s->train_reg | (((bit ^ s->train_reg) & 1) << 6));
    return bit;
}

static qam_point_t next_symbol(v29_tx_state_t *s)
{
    qam_point_t p = v29_zero;
    int fast = (s->bit_rate == 9600);

    switch (s->stage) {
    case V29_TX_SEG1:
        p = v29_zero;
        break;
    case V29_TX_SEG2:
        /* Starts with A: an even count left means A, since 128 is even. */
        if ((s->symbols_left & 1) == 0) {
            p = v29_seg2_a;
        } else {
            p = fast ? v29_seg2_b_9600 : v29_seg2_b_7200;
        }
        break;
    case V29_TX_SEG3:
        if (train_bit(s)) {
            p = fast ? v29_seg3_d_9600 : v29_seg3_d_7200;
        } else {
            p = v29_seg3_c;
        }
        break;
    case V29_TX_SEG4:
    case V29_TX_DATA:
    case V29_TX_TURNOFF:
        p = data_symbol(s);
        break;
    default:
        p = v29_zero;
        break;
    }

    if (s->stage == V29_TX_DATA) {
        if (s->data_ended) {
            set_stage(s, V29_TX_TURNOFF, V29_TURNOFF_SYMBOLS);
        }
        return p;
    }
    s->symbols_left--;
    if (s->symbols_left > 0) {
        return p;
    }
    switch (s->stage) {
    case V29_TX_SEG1:
        set_stage(s, V29_TX_SEG2, V29_SEG2_SYMBOLS);
        break;
    case V29_TX_SEG2:
        set_stage(s, V29_TX_SEG3, V29_SEG3_SYMBOLS);
        break;
    case V29_TX_SEG3:
        /* Segment 4 and the data share one scrambler, started from zero. */
        s->scramble_reg = 0;
        s->phase = 0;
        set_stage(s, V29_TX_SEG4, V29_SEG4_SYMBOLS);
        break;
    case V29_TX_SEG4:
        set_stage(s, V29_TX_DATA, 0);
        break;
    case V29_TX_TURNOFF:
        set_stage(s, V29_TX_DRAIN, QAM_TX_SPAN);
        break;
    default:
        set_stage(s, V29_TX_DONE, 0);
        break;
    }
    return p;
}

void v29_tx_init(v29_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                 fx_get_bit_t get_bit, void *user)
{
    int32_t gain0;

    (void) long_train;  /* V.29 has a single training sequence */
    s->bit_rate = (bit_rate == 7200) ? 7200 : 9600;
    s->get_bit = get_bit;
    s->user = user;
    s->scramble_reg = 0;
    s->train_reg = 0x2A;    /* 0101010 */
    s->phase = 0;
    s->data_ended = 0;
    gain0 = (s->bit_rate == 9600) ? QAM_TX_GAIN_V29_9600 : QAM_TX_GAIN_V29_7200;
    /* The table carries the 1700 Hz carrier (V.29 §1). */
    qam_tx_init(&s->mod, qam_tx_mod_v29, QAM_TX_V29_PERIOD, QAM_TX_V29_PHASES,
                QAM_TX_V29_STEP, gain0, level_dbm0);
    set_stage(s, V29_TX_SEG1, V29_SEG1_SYMBOLS);
}

/* qam_tx_next_t: the next symbol, or 0 once the tail has been sent. */
static int supply_symbol(void *user, qam_point_t *p)
{
    v29_tx_state_t *s = (v29_tx_state_t *) user;

    if (s->stage == V29_TX_DONE) {
        return 0;
    }
    *p = next_symbol(s);
    return 1;
}

int v29_tx(v29_tx_state_t *s, int16_t amp[], int max_len)
{
    return qam_tx_block(&s->mod, amp, max_len, supply_symbol, s);
}
