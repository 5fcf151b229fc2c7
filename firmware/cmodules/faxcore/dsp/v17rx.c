/*
 * v17rx.c - ITU-T V.17 (02/91) receiver, fixed point (see v17rx.h).
 *
 * Training follows the synchronizing signals of the transmitter (v17tx.c):
 * segment 1 (ABAB: +-90 degree steps every symbol) gives gain, phase and
 * timing; its end is a 180 degree jump into segment 2, whose points come from
 * the scrambler started at a known state, so the receiver finds where
 * segment 2 began by matching its decisions to that sequence (v17_seg2_seq),
 * then trains the equaliser on known points. After 38 segment 2 symbols it
 * tests whether the known sequence goes on (long training: 2976 symbols, the
 * 64-symbol bridge, then segment 4) or has stopped (short training: segment 4
 * follows at once). Segment 4 (48 symbols of scrambled ones) and the data are
 * trellis coded: the Viterbi decoder (v17_trellis.c) decides the symbols, the
 * differential decoder and the descrambler give the bits.
 */
#include "v17rx.h"
#include "qam_dds.h"
#include "qam_tables.h"
#include "v17_tables.h"

#define V17_CARRIER_HZ          1800
/* T/2 at 2400 Bd: 8000 / 4800 samples, Q16. */
#define V17_HALF_SYMBOL_Q16     ((8000 * 65536 + 2400) / 4800)

#define V17_SEG2_LONG_SYMBOLS   2976
#define V17_SEG2_SHORT_SYMBOLS  38
#define V17_SEG3_SYMBOLS        64
#define V17_SEG4_SYMBOLS        48
#define V17_BRIDGE_WORD         0x8880u

/* Segment 1 steps in a row before the AGC stops tracking the power meter. */
#define V17_AGC_FREEZE_RUN      8
/* Further steps left for the timing loop before averaging for gain and phase. */
#define V17_TIMING_SYMBOLS      16
/* Segment 1 symbols averaged for gain and phase (even: A and B weigh the same). */
#define V17_ABAB_AVERAGE        32
/* Training passes when the mean error power is below 0.25 units^2, Q20. */
#define V17_TRAIN_MAX_ERR_Q20   (1 << 18)

/* Gardner timing gain (see qam_rx.c): 2^-V17_TIMING_SHIFT while hunting, then
   2^-(V17_TIMING_SHIFT + V17_TIMING_TRAIN_SHIFT) with the clock offset
   integrated from the segment 1 lock on, and + V17_TIMING_TRACK_SHIFT in data. */
#define V17_TIMING_SHIFT        11
#define V17_TIMING_TRAIN_SHIFT  5
#define V17_TIMING_TRACK_SHIFT  5
/* Segment 2 must have begun this many symbols after the segment 1 lock
   (segment 1 is 256 symbols long), else training has failed. */
#define V17_ALIGN_MAX_SYMBOLS   300

/* LMS steps 2^-mu (qam_rx_adapt): training on known points, data, the first
   V17_FAST_ADAPT_SYMBOLS after training (after short training the equaliser
   has seen only 38 known symbols), and "hold" (steps below one LSB of the Q14
   taps the filter uses). Carrier loop gains for training and data. */
#define V17_MU_TRAIN_SHIFT      8
#define V17_MU_DATA_SHIFT       10
#define V17_MU_FAST_SHIFT       8
#define V17_FAST_ADAPT_SYMBOLS  256
#define V17_MU_HOLD_SHIFT       31
#define V17_PLL_TRAIN           64
#define V17_PLL_DATA            24

/* Equaliser de-rotation (eq_derotate): every this many data symbols (a power
   of 2); largest step, radians Q14 (0.05); radians Q14 -> turn fraction of 2^32. */
#define V17_DEROTATE_SYMBOLS    16
#define V17_DEROTATE_MAX_Q14    819
#define V17_RAD_Q14_TO_TURN     41722

enum {
    V17_RX_IDLE,        /* no carrier */
    V17_RX_SEG1,        /* hunting for ABAB: timing, then gain and phase */
    V17_RX_ALIGN,       /* ABAB locked: waiting for segment 2 to begin */
    V17_RX_SEG2,        /* CDBA: equaliser training on known points */
    V17_RX_LENGTH,      /* symbols after segment 2 symbol 38 held: long or short? */
    V17_RX_SEG3,        /* bridge (long training) */
    V17_RX_SEG4,        /* scrambled ones through the Viterbi decoder, no output */
    V17_RX_DATA
};

/* Mean of segment 1 points A (-6, -2) and B (2, -6), Q12 (standard / 4). */
static const qam_point_t v17_abab_mean = {-2048, -4096};
/* Segment 2 and 3 dibit mappings, as the transmitter's. */
static const uint8_t v17_seg2_point[4] = {2, 3, 1, 0};
static const uint8_t v17_seg3_step[4] = {1, 0, 2, 3};

static void set_state(v17_rx_state_t *s, int state)
{
    s->state = state;
    s->count = 0;
}

/* One step of the transmitter's scrambler 1 + x^-18 + x^-23 on register *reg. */
static int scramble_step(uint32_t *reg, int bit)
{
    int out = (bit ^ (int) (*reg >> 17) ^ (int) (*reg >> 22)) & 1;

    *reg = ((*reg << 1) | (uint32_t) out) & 0x7FFFFFu;
    return out;
}

static int scramble(v17_rx_state_t *s, int bit)
{
    return scramble_step(&s->scramble_reg, bit);
}

/* Descrambler 1 + x^-18 + x^-23 (V.17, scrambler clause): fed with the line bits. */
static int descramble(v17_rx_state_t *s, int in)
{
    int out = (in ^ (int) (s->scramble_reg >> 17) ^ (int) (s->scramble_reg >> 22)) & 1;

    s->scramble_reg = ((s->scramble_reg << 1) | (uint32_t) in) & 0x7FFFFFu;
    return out;
}

/* The next segment 2 point from the local generator. */
static int seg2_next(v17_rx_state_t *s)
{
    int bits = scramble(s, 1);

    bits = (bits << 1) | scramble(s, 1);
    s->abcd = v17_seg2_point[bits];
    return s->abcd;
}

/* The next bridge point (segment 3). */
static int seg3_next(v17_rx_state_t *s, int k)
{
    int shift = (k & 7) << 1;
    int bits = scramble(s, (int) (V17_BRIDGE_WORD >> shift) & 1);

    bits = (bits << 1) | scramble(s, (int) (V17_BRIDGE_WORD >> (shift + 1)) & 1);
    s->abcd = (uint8_t) ((s->abcd + v17_seg3_step[bits]) & 3);
    return s->abcd;
}

/* Squared distance of y to p, Q16 (differences taken to Q8). */
static int32_t dist2(qam_point_t y, qam_point_t p)
{
    int32_t dr = ((int32_t) y.re - p.re) >> 4;
    int32_t di = ((int32_t) y.im - p.im) >> 4;

    return dr * dr + di * di;
}

/* Nearest training point, 0..3 = A..D. */
static int slice_abcd(qam_point_t y)
{
    int best = 0;
    int32_t best_d = dist2(y, v17_abcd[0]);
    int i;

    for (i = 1; i < 4; i++) {
        int32_t d = dist2(y, v17_abcd[i]);

        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

/* Keep the equaliser and the clock offset for the next carrier, as they are
   at the end of training: trained on known points with the timing settled.
   (Saved later, during data, it has followed the timing loop's wander, and
   in the carrier's decay it adapts to noise.) */
static void save_eq(v17_rx_state_t *s)
{
    int k;

    for (k = 0; k < QAM_RX_EQ_LEN; k++) {
        s->eq_re[k] = s->dem.c_re[k];
        s->eq_im[k] = s->dem.c_im[k];
    }
    s->timing_integ = s->dem.timing_integ;
    s->have_eq = 1;
}

/* Back to hunting for segment 1 (carrier still on). The equaliser of a
   successful training is kept; the rest of the demodulator starts afresh. */
static void hunt(v17_rx_state_t *s)
{
    int k;

    qam_rx_restart(&s->dem);
    if (s->have_eq) {
        for (k = 0; k < QAM_RX_EQ_LEN; k++) {
            s->dem.c_re[k] = s->eq_re[k];
            s->dem.c_im[k] = s->eq_im[k];
        }
        /* The far end's clock is the same one: keep its offset too. */
        s->dem.timing_integ = s->timing_integ;
        s->dem.step_q16 = s->dem.half_symbol_q16 + (s->timing_integ >> QAM_RX_TIMING_FREQ_EXTRA);
    }
    s->dem.timing_on = 1;
    s->run = 0;
    s->last_cross = 0;
    s->abab_sum.re = 0;
    s->abab_sum.im = 0;
    s->abab_n = 0;
    set_state(s, V17_RX_SEG1);
}

/*
 * Segment 1 step test: A -> B turns +90 degrees, B -> A -90 degrees, so
 * Im{b conj(a)} is large and alternates in sign while Re{b conj(a)} is small.
 * Returns +1 or -1 for such a step, 0 otherwise.
 */
static int abab_step(qam_point_t a, qam_point_t b)
{
    /* Q12 >> 2 = Q10 co-ordinates so that the sums of squares fit. */
    int32_t ar = a.re >> 2;
    int32_t ai = a.im >> 2;
    int32_t br = b.re >> 2;
    int32_t bi = b.im >> 2;
    int32_t cross = ar * bi - ai * br;
    int32_t dot = ar * br + ai * bi;
    int32_t ref = (ar * ar + ai * ai + br * br + bi * bi) >> 2;

    if (dot > ref || dot < -ref) {
        return 0;
    }
    if (cross > ref) {
        return 1;
    }
    if (cross < -ref) {
        return -1;
    }
    return 0;
}

static void on_seg1(v17_rx_state_t *s, qam_point_t y)
{
    int step = abab_step(s->prev_y, y);

    if (s->run < V17_AGC_FREEZE_RUN && (s->count & 3) == 0) {
        qam_rx_set_agc(&s->dem, V17_RX_AGC);
    }
    if (step == 0 || step == s->last_cross) {
        s->last_cross = step;
        s->run = 0;
        s->abab_sum.re = 0;
        s->abab_sum.im = 0;
        s->abab_n = 0;
        return;
    }
    s->last_cross = step;
    s->run++;
    if (s->run <= V17_AGC_FREEZE_RUN + V17_TIMING_SYMBOLS) {
        return;
    }
    s->abab_sum.re += y.re;
    s->abab_sum.im += y.im;
    if (++s->abab_n < V17_ABAB_AVERAGE) {
        return;
    }
    s->abab_sum.re /= V17_ABAB_AVERAGE;
    s->abab_sum.im /= V17_ABAB_AVERAGE;
    if (s->have_eq) {
        qam_rx_scale_eq(&s->dem, s->abab_sum, v17_abab_mean);
    } else {
        qam_rx_set_centre(&s->dem, s->abab_sum, v17_abab_mean);
    }
    s->dem.acquire = 0;
    s->dem.timing_rate_shift = V17_TIMING_TRAIN_SHIFT;
    /* Track the clock offset from here on: the long segment 2 then leaves it
       settled, so the equaliser does not learn to follow a timing drift. */
    s->dem.timing_track = 1;
    s->cand = 0;
    s->miss = 0;    /* used here as "segment 1 has been broken" */
    set_state(s, V17_RX_ALIGN);
}

/* Start segment 2 training with the current symbol being segment 2 symbol k. */
static void start_seg2(v17_rx_state_t *s, int k)
{
    int i;

    s->scramble_reg = V17_SCRAMBLER_SEED;
    for (i = 0; i <= k; i++) {
        (void) seg2_next(s);
    }
    s->err_acc = V17_TRAIN_MAX_ERR_Q20;
    set_state(s, V17_RX_SEG2);
    s->count = k + 1;
}

/*
 * After the segment 1 lock: adapt on decisions while ABAB goes on, and
 * keep the candidate starts of segment 2 (bit k of cand: it began k symbols
 * ago) that agree with every decision since. Segment 2 has begun at the
 * latest at the first symbol that breaks the ABAB alternation.
 */
static void on_align(v17_rx_state_t *s, qam_point_t y)
{
    int d = slice_abcd(y);
    int prev = s->hist[(s->count - 1) & 31];
    uint32_t keep = 0;
    int k;

    /* A kept equaliser: phase only, as LMS on a two-point periodic pattern
       would bend it to fit just those two spectral lines. A fresh one (a
       single tap) can only gain from it. */
    (void) qam_rx_adapt(&s->dem, y, v17_abcd[d],
                        s->have_eq ? V17_MU_HOLD_SHIFT : V17_MU_TRAIN_SHIFT, V17_PLL_TRAIN);
    s->hist[s->count & 31] = (uint8_t) d;
    s->cand <<= 1;
    if (!s->miss) {
        s->cand |= 1;
    }
    if (s->count > 1 && !(d <= 1 && prev <= 1 && d != prev)) {
        s->miss = 1;
    }
    for (k = 0; k < 32; k++) {
        if ((s->cand >> k) & 1) {
            if (v17_seg2_seq[k] == d) {
                keep |= 1u << k;
            }
        }
    }
    s->cand = keep;
    if ((s->miss && keep == 0) || s->count > V17_ALIGN_MAX_SYMBOLS) {
        s->put_bit(s->user, FX_STATUS_TRAINING_FAILED);
        hunt(s);
        return;
    }
    if (s->miss && (keep & (keep - 1)) == 0) {
        /* One candidate left: bit k, segment 2 began k symbols ago. */
        k = 0;
        while ((keep >> k) != 1) {
            k++;
        }
        start_seg2(s, k);
    }
}

static void viterbi_symbol(v17_rx_state_t *s, qam_point_t y, int adapt);

static void start_seg4(v17_rx_state_t *s)
{
    /* s->err_acc is the training error power, Q20: judge it. */
    if (s->err_acc >= V17_TRAIN_MAX_ERR_Q20) {
        s->put_bit(s->user, FX_STATUS_TRAINING_FAILED);
        hunt(s);
        return;
    }
    s->put_bit(s->user, FX_STATUS_TRAINING_OK);
    save_eq(s);
    /* Training points have a mean power of 2.5 units^2 (Q20: 5 << 19). */
    s->snr_db = qam_rx_snr_db(5 << 19, s->err_acc);
    s->err_avg = 0;
    s->sig_avg = 0;
    s->block = 0;
    s->dem.timing_rate_shift = V17_TIMING_TRACK_SHIFT;
    s->dem.timing_track = 1;
    s->power_ref = s->dem.power;
    s->scramble_reg = 0;
    s->diff = 0;
    v17_viterbi_init(&s->vit);
    set_state(s, V17_RX_SEG4);
}

/* Training on a known point d: adapt, and keep a leaky mean of the error (16 symbols). */
static void train_on(v17_rx_state_t *s, qam_point_t y, int d)
{
    int32_t e = qam_rx_adapt(&s->dem, y, v17_abcd[d], V17_MU_TRAIN_SHIFT, V17_PLL_TRAIN);

    s->err_acc += (e - s->err_acc) >> 4;
}

static void on_seg2(v17_rx_state_t *s, qam_point_t y)
{
    /* s->count is the index of this symbol plus one. */
    train_on(s, y, seg2_next(s));
    if (s->count == V17_SEG2_SHORT_SYMBOLS && s->seg2_len == 0) {
        s->n_held = 0;
        s->miss = 0;
        set_state(s, V17_RX_LENGTH);
        return;
    }
    if (s->count >= V17_SEG2_LONG_SYMBOLS) {
        set_state(s, V17_RX_SEG3);
    }
}

/*
 * Length test. Long training: the known segment 2 sequence goes on. Short:
 * segment 4 has begun, scrambled ones through the trellis encoder, which is
 * just as predictable from the same scrambler (its differential encoder start
 * is not fixed by the standard, so all four are tried). The hypothesis with
 * the smaller summed squared distance over the held symbols wins.
 */
static void on_length(v17_rx_state_t *s, qam_point_t y)
{
    int d;
    int q;
    int k;
    int i;

    if (s->n_held == 0) {
        s->short_reg = s->scramble_reg;
        for (k = 0; k < 4; k++) {
            v17_encoder_init(&s->short_enc[k], k);
            s->d_short[k] = 0;
        }
        s->d_long = 0;
    }
    d = seg2_next(s);
    s->held[s->n_held++] = y;
    /* Q16 distances >> 4 so that V17_RX_HELD of them fit. */
    s->d_long += dist2(y, v17_abcd[d]) >> 4;
    q = 0;
    for (i = 0; i < s->bits_per_symbol; i++) {
        q |= scramble_step(&s->short_reg, 1) << i;
    }
    for (k = 0; k < 4; k++) {
        s->d_short[k] += dist2(y, s->points[v17_encode(&s->short_enc[k], q)]) >> 4;
    }
    s->miss = 0;
    for (k = 0; k < 4; k++) {
        if (s->d_short[k] < s->d_long) {
            s->miss = 1;
        }
    }
    if (s->n_held < V17_RX_HELD) {
        return;
    }
    if (s->miss) {
        /* Short training: the held symbols were segment 4. */
        start_seg4(s);
        if (s->state != V17_RX_SEG4) {
            return;
        }
        for (k = 0; k < V17_RX_HELD; k++) {
            viterbi_symbol(s, s->held[k], 0);
        }
        return;
    }
    /* Long training: the sequence goes on. */
    s->seg2_len = V17_SEG2_LONG_SYMBOLS;
    set_state(s, V17_RX_SEG2);
    s->count = V17_SEG2_SHORT_SYMBOLS + V17_RX_HELD;
}

/*
 * Keep the equaliser's centre tap at phase 0 by moving its phase to the
 * carrier loop (eq_phase): the equaliser and the loop after it can both
 * rotate the constellation, and left alone at low SNR they drift against
 * each other until the loop's frequency integrator runs away.
 */
static void eq_derotate(v17_rx_state_t *s)
{
    qam_rx_t *m = &s->dem;
    int32_t t_re = m->c_re[QAM_RX_EQ_CENTRE] >> 14;    /* Q28 -> Q14 */
    int32_t t_im = m->c_im[QAM_RX_EQ_CENTRE] >> 14;
    int32_t theta;          /* radians, Q14 (small: first-order rotation) */
    int k;

    if (t_re < (1 << 12)) {
        return;             /* centre tap below 0.25: leave it to training */
    }
    theta = (t_im << 14) / t_re;
    if (theta > V17_DEROTATE_MAX_Q14) {
        theta = V17_DEROTATE_MAX_Q14;
    }
    if (theta < -V17_DEROTATE_MAX_Q14) {
        theta = -V17_DEROTATE_MAX_Q14;
    }
    /* c e^{-j theta} ~ c (1 - j theta): Q28 x Q14 >> 14 -> Q28. */
    for (k = 0; k < QAM_RX_EQ_LEN; k++) {
        int32_t cr = m->c_re[k];
        int32_t ci = m->c_im[k];

        m->c_re[k] = cr + (ci >> 14) * theta;
        m->c_im[k] = ci - (cr >> 14) * theta;
    }
    /* The output keeps its rotation: eq_phase -= theta, radians Q14 to turn
       fraction (2^32 / 2 pi / 2^14 = 41721.5 per unit). */
    m->eq_phase -= (uint32_t) (theta * V17_RAD_Q14_TO_TURN);
}

/*
 * One symbol of segment 4 or data through the Viterbi decoder. adapt = 0 for
 * symbols held during the length test: the equaliser has moved on since.
 */
static void viterbi_symbol(v17_rx_state_t *s, qam_point_t y, int adapt)
{
    int nearest;
    int word = v17_viterbi_put(&s->vit, s->points, s->n_points, y, &nearest);
    qam_point_t d = s->points[nearest];
    int32_t e;
    int q;
    int i;
    int out;

    if (adapt) {
        e = qam_rx_adapt(&s->dem, y, d,
                         (s->block < V17_FAST_ADAPT_SYMBOLS) ? V17_MU_FAST_SHIFT : V17_MU_DATA_SHIFT,
                         V17_PLL_DATA);
        if ((s->count & (V17_DEROTATE_SYMBOLS - 1)) == 0) {
            eq_derotate(s);
        }
    } else {
        e = dist2(y, d) << 4;   /* Q16 -> Q20, as qam_rx_adapt's */
    }

    /* Sums over blocks of 256 symbols of Q24 >> 8 each (the Q20 error >> 4). */
    s->err_avg += e >> 4;
    s->sig_avg += ((int32_t) d.re * d.re + (int32_t) d.im * d.im) >> 8;
    if ((++s->block & 255) == 0) {
        s->snr_db = qam_rx_snr_db(s->sig_avg, s->err_avg);
        s->err_avg = 0;
        s->sig_avg = 0;
    }
    s->count++;
    if (word < 0) {
        return;
    }
    /* This word is symbol count - V17_VITERBI_DEPTH of segment 4 and data. */
    out = (s->count - V17_VITERBI_DEPTH) >= V17_SEG4_SYMBOLS;
    q = v17_decode_word(word, &s->diff);
    for (i = 0; i < s->bits_per_symbol; i++) {
        int b = descramble(s, (q >> i) & 1);

        if (out) {
            s->put_bit(s->user, b);
        }
    }
    if (out && s->state == V17_RX_SEG4) {
        s->state = V17_RX_DATA;
    }
}

static void on_symbol(v17_rx_state_t *s)
{
    qam_point_t y = qam_rx_symbol(&s->dem);

    switch (s->state) {
    case V17_RX_SEG1:
        s->count++;
        on_seg1(s, y);
        break;
    case V17_RX_ALIGN:
        s->count++;
        on_align(s, y);
        break;
    case V17_RX_SEG2:
        s->count++;
        on_seg2(s, y);
        break;
    case V17_RX_LENGTH:
        on_length(s, y);
        break;
    case V17_RX_SEG3:
        train_on(s, y, seg3_next(s, s->count));
        if (++s->count >= V17_SEG3_SYMBOLS) {
            start_seg4(s);
        }
        break;
    case V17_RX_SEG4:
    case V17_RX_DATA:
        viterbi_symbol(s, y, 1);
        break;
    default:
        break;
    }
    s->prev_y = y;
}

static void set_rate(v17_rx_state_t *s, int bit_rate)
{
    switch (bit_rate) {
    case 12000:
        s->bits_per_symbol = 5;
        s->points = v17_points_12000;
        s->n_points = 64;
        break;
    case 9600:
        s->bits_per_symbol = 4;
        s->points = v17_points_9600;
        s->n_points = 32;
        break;
    case 7200:
        s->bits_per_symbol = 3;
        s->points = v17_points_7200;
        s->n_points = 16;
        break;
    default:
        bit_rate = 14400;
        s->bits_per_symbol = 6;
        s->points = v17_points_14400;
        s->n_points = 128;
        break;
    }
    s->bit_rate = bit_rate;
}

void v17_rx_init(v17_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user)
{
    set_rate(s, bit_rate);
    s->put_bit = put_bit;
    s->user = user;
    qam_rx_init(&s->dem, qam_rx_rrc_v29, QAM_RX_V29_TAPS, QAM_DDS_RATE(V17_CARRIER_HZ),
                V17_HALF_SYMBOL_Q16, V17_TIMING_SHIFT);
    s->have_eq = 0;
    s->carrier_on = 0;
    s->snr_db = 0;
    s->power_ref = 0;
    s->power_floor = 0;
    s->prev_y.re = 0;
    s->prev_y.im = 0;
    s->seg2_len = 0;
    set_state(s, V17_RX_IDLE);
}

void v17_rx_restart(v17_rx_state_t *s, int bit_rate, int short_train)
{
    set_rate(s, bit_rate);
    if (!short_train) {
        s->have_eq = 0;
    }
    s->carrier_on = 0;
    s->seg2_len = 0;
    set_state(s, V17_RX_IDLE);
}

static void carrier_up(v17_rx_state_t *s)
{
    s->carrier_on = 1;
    s->snr_db = 0;
    s->seg2_len = 0;
    s->put_bit(s->user, FX_STATUS_CARRIER_UP);
    hunt(s);
}

void v17_rx(v17_rx_state_t *s, const int16_t amp[], int len)
{
    int i;

    for (i = 0; i < len; i++) {
        int sym = qam_rx_sample(&s->dem, amp[i]);
        int change = qam_rx_carrier(&s->dem, &s->carrier_on, &s->power_floor, s->power_ref,
                                    s->state >= V17_RX_SEG4);

        if (change == QAM_CARRIER_UP) {
            carrier_up(s);
            continue;
        }
        if (change == QAM_CARRIER_DOWN) {
            s->put_bit(s->user, FX_STATUS_CARRIER_DOWN);
            set_state(s, V17_RX_IDLE);
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

int v17_rx_level_dbm0(const v17_rx_state_t *s)
{
    return qam_rx_level_dbm0(&s->dem);
}

int v17_rx_snr_db(const v17_rx_state_t *s)
{
    return s->snr_db;
}
