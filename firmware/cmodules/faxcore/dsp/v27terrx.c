/*
 * v27terrx.c - ITU-T V.27 ter (11/88) receiver, 4800 and 2400 bit/s, fixed point.
 *
 * Training follows the transmitter's sequence (v27tertx.c): segment 3
 * (180 degree reversals) gives symbol timing and the carrier phase (modulo
 * 180 degrees, which differential coding makes harmless); the first symbol
 * without a reversal starts segment 4, whose 0/180 degree pattern comes from
 * the scrambler fed with ones, so the receiver regenerates it and trains the
 * equaliser on known symbols. Segment 3's length tells the long sequence
 * from the short one. Segment 5 (scrambled ones) and the data follow.
 */
#include "v27terrx.h"
#include "qam_dds.h"
#include "qam_tables.h"

#define V27_CARRIER_HZ          1800
/* T/2 in samples, Q16: 8000 / 3200 at 1600 Bd, 8000 / 2400 at 1200 Bd. */
#define V27_HALF_SYMBOL_4800_Q16    ((8000 * 65536 + 1600) / 3200)
#define V27_HALF_SYMBOL_2400_Q16    ((8000 * 65536 + 1200) / 2400)

#define V27_SEG4_LONG_SYMBOLS   1074    /* V.27 ter §7, Table 3 */
#define V27_SEG4_SHORT_SYMBOLS  58
#define V27_SEG5_SYMBOLS        8
/* Segment 3 is 50 symbols long, 14 short: a longer run of reversals means long. */
#define V27_LONG_SEG3_MIN       24

#define V27_GUARD_LIMIT         33
#define V27_SCRAMBLER_INIT      0x3C

/* Reversals seen in a row before the AGC stops tracking the power meter. */
#define V27_AGC_FREEZE_RUN      4
/* Fewest reversals in a row, and reversals averaged, before segment 4 may start. */
#define V27_MIN_REV_RUN         10
#define V27_MIN_REV_SYMBOLS     4
/* Segment 4 symbols at its end over which the training error is judged. */
#define V27_JUDGE_LONG          256
#define V27_JUDGE_SHORT         32
/* Training passes when the mean error power is below 0.1 (unit circle), Q24. */
#define V27_TRAIN_MAX_ERR_Q24   ((1 << 24) / 10)

/* Gardner acquisition gain (see qam_rx.c); 1200 Bd needs larger corrections in samples. */
#define V27_TIMING_SHIFT_4800   9
#define V27_TIMING_SHIFT_2400   8
#define V27_MU_TRAIN_SHIFT      5
#define V27_MU_DATA_SHIFT       7
#define V27_PLL_TRAIN           800
#define V27_PLL_DATA            300

enum {
    V27_RX_IDLE,        /* no carrier */
    V27_RX_SEG3,        /* hunting for reversals: timing, then gain and phase */
    V27_RX_SEG4,        /* equaliser training on the regenerated pattern */
    V27_RX_SEG5,        /* scrambled ones: no output */
    V27_RX_DATA
};

/* cos, sin of k * 45 degrees, Q12. */
static const qam_point_t v27_points[8] = {
    {4096, 0}, {2896, 2896}, {0, 4096}, {-2896, 2896},
    {-4096, 0}, {-2896, -2896}, {0, -4096}, {2896, -2896}
};

/* Tribit (first bit the MSB) for each phase change in 45 degree steps: the
   inverse of v27tertx.c's 4800 bit/s table (V.27 ter §2.3, Table 1). */
static const uint8_t v27_bits_4800[8] = {1, 0, 2, 3, 7, 6, 4, 5};
/* Dibit for phase changes 0, 90, 180, 270 degrees (V.27 ter §2.3, Table 2). */
static const uint8_t v27_bits_2400[4] = {0, 1, 3, 2};

static void set_state(v27ter_rx_state_t *s, int state)
{
    s->state = state;
    s->count = 0;
}

/*
 * One step of the transmitter's scrambler with the repetition guard
 * (V.27 ter §3), run here on ones to regenerate segment 4. Returns the line bit.
 */
static int clone_scramble(v27ter_rx_state_t *s)
{
    uint32_t reg = s->scramble_reg;
    int out = (1 ^ (int) (reg >> 5) ^ (int) (reg >> 6)) & 1;

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

/* Descrambler: the exact inverse of the transmitter's scrambler and guard. */
static int descramble(v27ter_rx_state_t *s, int line)
{
    uint32_t reg = s->scramble_reg;
    int out = (line ^ (int) (reg >> 5) ^ (int) (reg >> 6)) & 1;

    if (s->guard_count >= V27_GUARD_LIMIT) {
        out ^= 1;
        s->guard_count = 0;
    } else if (((reg >> 7) ^ (uint32_t) line) & ((reg >> 8) ^ (uint32_t) line)
               & ((reg >> 11) ^ (uint32_t) line) & 1u) {
        s->guard_count = 0;
    } else {
        s->guard_count++;
    }
    s->scramble_reg = (uint16_t) (((reg << 1) | (uint32_t) line) & 0xFFFu);
    return out;
}

/* Segment 4 reference: one bit of three picks a 0 or 180 degree step. */
static qam_point_t seg4_point(v27ter_rx_state_t *s)
{
    int bit = clone_scramble(s);

    (void) clone_scramble(s);
    (void) clone_scramble(s);
    s->phase = (uint8_t) ((s->phase + (bit << 2)) & 7);
    return v27_points[s->phase];
}

/* Nearest phase (45 degree steps; even steps only at 2400 bit/s). */
static int slice(const v27ter_rx_state_t *s, qam_point_t y)
{
    int stride = (s->bit_rate == 4800) ? 1 : 2;
    int best = 0;
    int32_t best_d = 0x7FFFFFFF;
    int i;

    for (i = 0; i < 8; i += stride) {
        int32_t dr = ((int32_t) y.re - v27_points[i].re) >> 2;  /* Q10 so squares fit */
        int32_t di = ((int32_t) y.im - v27_points[i].im) >> 2;
        int32_t d = dr * dr + di * di;

        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static void emit(v27ter_rx_state_t *s, int line, int out)
{
    int b = descramble(s, line);

    if (out) {
        s->put_bit(s->user, b);
    }
}

static void decode(v27ter_rx_state_t *s, int phase, int out)
{
    int step = (phase - s->phase) & 7;
    int bits;

    s->phase = (uint8_t) phase;
    if (s->bit_rate == 4800) {
        bits = v27_bits_4800[step];
        emit(s, (bits >> 2) & 1, out);
        emit(s, (bits >> 1) & 1, out);
        emit(s, bits & 1, out);
    } else {
        bits = v27_bits_2400[step >> 1];
        emit(s, (bits >> 1) & 1, out);
        emit(s, bits & 1, out);
    }
}

/* Back to hunting for segment 3 with a fresh demodulator (carrier still on). */
static void hunt(v27ter_rx_state_t *s)
{
    qam_rx_restart(&s->dem);
    s->dem.timing_on = 1;
    s->run = 0;
    s->rev_sum.re = 0;
    s->rev_sum.im = 0;
    s->rev_n = 0;
    set_state(s, V27_RX_SEG3);
}

/*
 * Segment 3 hunt. Count a run of 180 degree reversals (noise rarely gives
 * many), track the AGC until the run can be trusted, then sum the symbols with
 * alternating sign: the sum points at the phase of every other symbol. A step
 * of less than about 70 degrees after a run starts segment 4 (its first
 * symbol repeats the previous phase). The run length tells the long training
 * (segment 3 of 50 symbols) from the short one (14).
 */
static void on_seg3(v27ter_rx_state_t *s, qam_point_t y)
{
    int step = qam_rx_step_sign(s->prev_y, y, 2);
    static const qam_point_t ref = {4096, 0};

    if (s->run < V27_AGC_FREEZE_RUN) {
        qam_rx_set_agc(&s->dem, (s->bit_rate == 4800) ? QAM_RX_AGC_V27_4800
                                                       : QAM_RX_AGC_V27_2400);
    }
    if (step < 0) {
        s->run++;
        if (s->run > V27_AGC_FREEZE_RUN) {
            if (s->rev_n & 1) {
                s->rev_sum.re -= y.re;
                s->rev_sum.im -= y.im;
            } else {
                s->rev_sum.re += y.re;
                s->rev_sum.im += y.im;
            }
            s->rev_n++;
        }
        return;
    }
    if (step > 0 && s->run >= V27_MIN_REV_RUN && s->rev_n >= V27_MIN_REV_SYMBOLS) {
        s->rev_sum.re /= s->rev_n;
        s->rev_sum.im /= s->rev_n;
        qam_rx_set_centre(&s->dem, s->rev_sum, ref);
        s->dem.acquire = 0;
        /* Summed with + sign (even index) = 0 degrees; this symbol repeats
           the phase of the last one summed, whose index was rev_n - 1. */
        s->phase = (uint8_t) ((s->rev_n & 1) ? 0 : 4);
        s->seg4_symbols = (s->run >= V27_LONG_SEG3_MIN) ? V27_SEG4_LONG_SYMBOLS
                                                        : V27_SEG4_SHORT_SYMBOLS;
        /* The first segment 4 symbol (this one) used three scrambler bits. */
        s->scramble_reg = V27_SCRAMBLER_INIT;
        s->guard_count = 0;
        (void) clone_scramble(s);
        (void) clone_scramble(s);
        (void) clone_scramble(s);
        s->dem.timing_rate_shift = 3;
        s->err_acc = 0;
        set_state(s, V27_RX_SEG4);
        s->count = 1;
        return;
    }
    s->run = 0;
    s->rev_sum.re = 0;
    s->rev_sum.im = 0;
    s->rev_n = 0;
}

static void end_seg4(v27ter_rx_state_t *s)
{
    if (s->err_acc < V27_TRAIN_MAX_ERR_Q24) {
        s->put_bit(s->user, FX_STATUS_TRAINING_OK);
        /* Unit-circle symbols: power 1.0 = 2^24 (Q24). */
        s->snr_db = qam_rx_snr_db((1 << 24) >> 4, s->err_acc >> 4);
        s->err_avg = 0;
        s->sig_avg = 0;
        s->block = 0;
        s->dem.timing_rate_shift = 5;
        s->dem.timing_track = 1;
        set_state(s, V27_RX_SEG5);
        s->power_ref = s->dem.power;
    } else {
        s->put_bit(s->user, FX_STATUS_TRAINING_FAILED);
        hunt(s);
    }
}

static void on_symbol(v27ter_rx_state_t *s)
{
    qam_point_t y = qam_rx_symbol(&s->dem);
    qam_point_t d;
    int32_t e;
    int judge;
    int ph;

    s->count++;
    switch (s->state) {
    case V27_RX_SEG3:
        on_seg3(s, y);
        break;
    case V27_RX_SEG4:
        d = seg4_point(s);
        e = qam_rx_adapt(&s->dem, y, d, V27_MU_TRAIN_SHIFT, V27_PLL_TRAIN);
        judge = (s->seg4_symbols == V27_SEG4_LONG_SYMBOLS) ? V27_JUDGE_LONG : V27_JUDGE_SHORT;
        if (s->count > s->seg4_symbols - judge) {
            /* Q20 << 4 = Q24, mean over the judged symbols: >> 8 (long) or >> 5 (short). */
            s->err_acc += e >> ((judge == V27_JUDGE_LONG) ? 4 : 1);
        }
        if (s->count >= s->seg4_symbols) {
            end_seg4(s);
        }
        break;
    case V27_RX_SEG5:
    case V27_RX_DATA:
        ph = slice(s, y);
        d = v27_points[ph];
        e = qam_rx_adapt(&s->dem, y, d, V27_MU_DATA_SHIFT, V27_PLL_DATA);
        /* Sums over blocks of 256 symbols of Q24 >> 8 each (the Q20 error
           >> 4); SNR updated at each block's end. */
        s->err_avg += e >> 4;
        s->sig_avg += ((int32_t) d.re * d.re + (int32_t) d.im * d.im) >> 8;
        if ((++s->block & 255) == 0) {
            s->snr_db = qam_rx_snr_db(s->sig_avg, s->err_avg);
            s->err_avg = 0;
            s->sig_avg = 0;
        }
        decode(s, ph, s->state == V27_RX_DATA);
        if (s->state == V27_RX_SEG5 && s->count >= V27_SEG5_SYMBOLS) {
            set_state(s, V27_RX_DATA);
        }
        break;
    default:
        break;
    }
    s->prev_y = y;
}

void v27ter_rx_init(v27ter_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user)
{
    s->bit_rate = (bit_rate == 2400) ? 2400 : 4800;
    s->put_bit = put_bit;
    s->user = user;
    if (s->bit_rate == 4800) {
        qam_rx_init(&s->dem, qam_rx_rrc_v27_4800, QAM_RX_V27_4800_TAPS,
                    QAM_DDS_RATE(V27_CARRIER_HZ), V27_HALF_SYMBOL_4800_Q16, V27_TIMING_SHIFT_4800);
    } else {
        qam_rx_init(&s->dem, qam_rx_rrc_v27_2400, QAM_RX_V27_2400_TAPS,
                    QAM_DDS_RATE(V27_CARRIER_HZ), V27_HALF_SYMBOL_2400_Q16, V27_TIMING_SHIFT_2400);
    }
    s->carrier_on = 0;
    s->snr_db = 0;
    s->power_ref = 0;
    s->power_floor = 0;
    s->prev_y.re = 0;
    s->prev_y.im = 0;
    set_state(s, V27_RX_IDLE);
}

static void carrier_up(v27ter_rx_state_t *s)
{
    s->carrier_on = 1;
    s->snr_db = 0;
    s->put_bit(s->user, FX_STATUS_CARRIER_UP);
    hunt(s);
}

void v27ter_rx(v27ter_rx_state_t *s, const int16_t amp[], int len)
{
    int i;

    for (i = 0; i < len; i++) {
        int sym = qam_rx_sample(&s->dem, amp[i]);
        int change = qam_rx_carrier(&s->dem, &s->carrier_on, &s->power_floor, s->power_ref,
                                    s->state >= V27_RX_SEG5);

        if (change == QAM_CARRIER_UP) {
            carrier_up(s);
            continue;
        }
        if (change == QAM_CARRIER_DOWN) {
            s->put_bit(s->user, FX_STATUS_CARRIER_DOWN);
            set_state(s, V27_RX_IDLE);
            continue;
        }
        if (!s->carrier_on) {
            continue;
        }
        if (sym) {
            on_symbol(s);
        }
    }
}

int v27ter_rx_level_dbm0(const v27ter_rx_state_t *s)
{
    return qam_rx_level_dbm0(&s->dem);
}

int v27ter_rx_snr_db(const v27ter_rx_state_t *s)
{
    return s->snr_db;
}
