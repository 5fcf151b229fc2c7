/*
 * v29rx.c - ITU-T V.29 (11/88) receiver, 9600 and 7200 bit/s, fixed point.
 *
 * Training follows the synchronizing signals of the transmitter (v29tx.c):
 * segment 2 (ABAB) gives the gain, carrier phase and symbol timing, the first
 * symbol of segment 3 (C after B, a 45 degree step where ABAB only has
 * +-135 degree steps) marks the segment boundary, segment 3 (CDCD from the
 * known 1 + x^-6 + x^-7 sequence) trains the equaliser against known symbols,
 * segment 4 (48 symbols of scrambled ones) fills the descrambler, then data.
 */
#include "v29rx.h"
#include "qam_dds.h"
#include "qam_tables.h"

#define V29_CARRIER_HZ          1700
/* T/2 at 2400 Bd: 8000 / 4800 samples, Q16. */
#define V29_HALF_SYMBOL_Q16     ((8000 * 65536 + 2400) / 4800)

#define V29_SEG3_SYMBOLS        384
#define V29_SEG4_SYMBOLS        48

/* ABAB steps seen in a row before the AGC stops tracking the power meter. */
#define V29_AGC_FREEZE_RUN      8
/* Further ABAB steps left for the timing loop before averaging for phase. */
#define V29_TIMING_SYMBOLS      16
/* Fewest ABAB steps in a row, and symbols averaged, before segment 3 may start. */
#define V29_MIN_ABAB_RUN        40
#define V29_MIN_ABAB_SYMBOLS    16
/* Segment 3 symbols over which the training error is judged (its end). */
#define V29_JUDGE_SYMBOLS       128
/* Training passes when the mean error power is below 0.3 (squared constellation units), Q24. */
#define V29_TRAIN_MAX_ERR_Q24   (3 * (1 << 24) / 10)

/* Gardner timing gain (see qam_rx.c) and LMS / carrier loop gains. */
#define V29_TIMING_SHIFT        12
#define V29_MU_TRAIN_SHIFT      8
#define V29_MU_DATA_SHIFT       10
#define V29_PLL_TRAIN           64
#define V29_PLL_DATA            24

enum {
    V29_RX_IDLE,        /* no carrier */
    V29_RX_SEG2,        /* hunting for ABAB: timing, then gain and phase */
    V29_RX_SEG3,        /* CDCD: equaliser training on known symbols */
    V29_RX_SEG4,        /* scrambled ones: descrambler fill, no output */
    V29_RX_DATA
};

#define Q12(x)  ((int16_t) ((x) * 4096))

/* Points by absolute phase (45 degree steps); + 8 is the outer ring (V.29 Figure 1). */
static const qam_point_t v29_points[16] = {
    {Q12(3), Q12(0)}, {Q12(1), Q12(1)}, {Q12(0), Q12(3)}, {Q12(-1), Q12(1)},
    {Q12(-3), Q12(0)}, {Q12(-1), Q12(-1)}, {Q12(0), Q12(-3)}, {Q12(1), Q12(-1)},
    {Q12(5), Q12(0)}, {Q12(3), Q12(3)}, {Q12(0), Q12(5)}, {Q12(-3), Q12(3)},
    {Q12(-5), Q12(0)}, {Q12(-3), Q12(-3)}, {Q12(0), Q12(-5)}, {Q12(3), Q12(-3)}
};

/* Mean of segment 2 points A (-3, 0) and B: (3, -3) at 9600, (1, -1) at 7200. */
static const qam_point_t v29_abab_mean_9600 = {0, -6144};      /* (0, -1.5) */
static const qam_point_t v29_abab_mean_7200 = {-4096, -2048};  /* (-1, -0.5) */
static const qam_point_t v29_seg3_c = {Q12(3), Q12(0)};
static const qam_point_t v29_seg3_d_9600 = {Q12(-3), Q12(3)};
static const qam_point_t v29_seg3_d_7200 = {Q12(-1), Q12(1)};

/* Q2 Q3 Q4 (Q2 the MSB) for each phase change in 45 degree steps: the
   inverse of v29tx.c's v29_phase_step (V.29, Table 1). */
static const uint8_t v29_bits_for_step[8] = {1, 0, 2, 3, 7, 6, 4, 5};

static void set_state(v29_rx_state_t *s, int state)
{
    s->state = state;
    s->count = 0;
}

static int train_bit(v29_rx_state_t *s)
{
    int bit = s->train_reg & 1;

    s->train_reg = (uint8_t) (s->train_reg >> 1);
    s->train_reg = (uint8_t) (s->train_reg | (((bit ^ s->train_reg) & 1) << 6));
    return bit;
}

static qam_point_t seg3_point(v29_rx_state_t *s)
{
    if (!train_bit(s)) {
        return v29_seg3_c;
    }
    return (s->bit_rate == 9600) ? v29_seg3_d_9600 : v29_seg3_d_7200;
}

/* Descrambler 1 + x^-18 + x^-23 (V.29, scrambler clause). */
static int descramble(v29_rx_state_t *s, int in)
{
    int out = (in ^ (int) (s->scramble_reg >> 17) ^ (int) (s->scramble_reg >> 22)) & 1;

    s->scramble_reg = ((s->scramble_reg << 1) | (uint32_t) in) & 0x7FFFFFu;
    return out;
}

/*
 * Candidates for the nearest point once y is turned into the sector
 * re >= |im| (V.29 Figure 1 is symmetric under quarter turns): by reflection
 * about the axes and diagonals, every other point is at least as far as one of
 * these. [im < 0][k]; 7200 bit/s uses the first two (the inner ring).
 */
static const uint8_t v29_sector_points[2][4] = {{0, 1, 8, 9}, {0, 7, 8, 15}};

/* Nearest point (index into v29_points) to y. */
static int slice(const v29_rx_state_t *s, qam_point_t y)
{
    int n = (s->bit_rate == 9600) ? 4 : 2;
    int32_t re = y.re;
    int32_t im = y.im;
    int32_t t;
    int quarter;
    const uint8_t *cand;
    int best = 0;
    int32_t best_d = 0x7FFFFFFF;
    int i;

    /* Turn y by -90 degrees (multiply by -j) until re >= |im|. */
    for (quarter = 0; quarter < 3; quarter++) {
        if (re >= im && re >= -im) {
            break;
        }
        t = re;
        re = im;
        im = -t;
    }
    cand = v29_sector_points[im < 0];
    for (i = 0; i < n; i++) {
        const qam_point_t *p = &v29_points[cand[i]];
        /* Differences in Q12 >> 2 (Q10) so that the squares fit. */
        int32_t dr = (re - p->re) >> 2;
        int32_t di = (im - p->im) >> 2;
        int32_t d = dr * dr + di * di;

        if (d < best_d) {
            best_d = d;
            best = cand[i];
        }
    }
    /* Turn the decision back: a quarter turn is two 45 degree steps, same ring. */
    return (best & 8) | ((best + 2 * quarter) & 7);
}

/* Decode one data symbol to bits; output them when out is set. */
static void decode(v29_rx_state_t *s, int idx, int out)
{
    int phase = idx & 7;
    int bits = v29_bits_for_step[(phase - s->phase) & 7];
    int b;

    s->phase = (uint8_t) phase;
    if (s->bit_rate == 9600) {
        b = descramble(s, idx >> 3);
        if (out) {
            s->put_bit(s->user, b);
        }
    }
    b = descramble(s, (bits >> 2) & 1);
    if (out) {
        s->put_bit(s->user, b);
    }
    b = descramble(s, (bits >> 1) & 1);
    if (out) {
        s->put_bit(s->user, b);
    }
    b = descramble(s, bits & 1);
    if (out) {
        s->put_bit(s->user, b);
    }
}

/* Back to hunting for segment 2 with a fresh demodulator (carrier still on). */
static void hunt(v29_rx_state_t *s)
{
    qam_rx_restart(&s->dem);
    s->dem.timing_on = 1;
    s->train_reg = 0x2A;
    s->run = 0;
    s->abab_sum.re = 0;
    s->abab_sum.im = 0;
    s->abab_n = 0;
    set_state(s, V29_RX_SEG2);
}

/*
 * Segment 2 hunt. ABAB steps by +-135 degrees every symbol: count a run of
 * such steps (noise rarely gives many), track the AGC until the run is long
 * enough to trust, then average the symbols (their mean is (A + B) / 2 at
 * any sampling phase). A step of less than about 70 degrees after a long run
 * is C following B: the first symbol of segment 3.
 */
static void on_seg2(v29_rx_state_t *s, qam_point_t y)
{
    int step = qam_rx_step_sign(s->prev_y, y, 3);
    qam_point_t ref;

    if (s->run < V29_AGC_FREEZE_RUN && (s->count & 3) == 0) {
        qam_rx_set_agc(&s->dem, (s->bit_rate == 9600) ? QAM_RX_AGC_V29_9600
                                                       : QAM_RX_AGC_V29_7200);
    }
    if (step < 0) {
        s->run++;
        if (s->run > V29_AGC_FREEZE_RUN + V29_TIMING_SYMBOLS) {
            s->abab_sum.re += y.re;
            s->abab_sum.im += y.im;
            s->abab_n++;
            s->abab_last = y;
        }
        return;
    }
    if (step > 0 && s->run >= V29_MIN_ABAB_RUN && s->abab_n >= V29_MIN_ABAB_SYMBOLS) {
        /* An even count, so that A and B weigh the same in the mean. */
        if (s->abab_n & 1) {
            s->abab_sum.re -= s->abab_last.re;
            s->abab_sum.im -= s->abab_last.im;
            s->abab_n--;
        }
        s->abab_sum.re /= s->abab_n;
        s->abab_sum.im /= s->abab_n;
        ref = (s->bit_rate == 9600) ? v29_abab_mean_9600 : v29_abab_mean_7200;
        qam_rx_set_centre(&s->dem, s->abab_sum, ref);
        s->dem.acquire = 0;
        (void) train_bit(s);    /* the C just received */
        s->dem.timing_rate_shift = 5;
        s->err_acc = 0;
        set_state(s, V29_RX_SEG3);
        s->count = 1;
        return;
    }
    s->run = 0;
    s->abab_sum.re = 0;
    s->abab_sum.im = 0;
    s->abab_n = 0;
}

static void on_symbol(v29_rx_state_t *s)
{
    qam_point_t y = qam_rx_symbol(&s->dem);
    qam_point_t d;
    int32_t e;
    int idx;

    s->count++;
    switch (s->state) {
    case V29_RX_SEG2:
        on_seg2(s, y);
        break;
    case V29_RX_SEG3:
        d = seg3_point(s);
        e = qam_rx_adapt(&s->dem, y, d, V29_MU_TRAIN_SHIFT, V29_PLL_TRAIN);
        if (s->count > V29_SEG3_SYMBOLS - V29_JUDGE_SYMBOLS) {
            s->err_acc += e >> 3;       /* Q20 << 4 = Q24, mean over 128 symbols (>> 7) */
        }
        if (s->count >= V29_SEG3_SYMBOLS) {
            if (s->err_acc < V29_TRAIN_MAX_ERR_Q24) {
                s->put_bit(s->user, FX_STATUS_TRAINING_OK);
                s->phase = 0;
                s->scramble_reg = 0;
                /* The training error gives the first estimate; segment 3
                   symbols have a mean power of 13.5 (9600) or 5.5 (7200),
                   i.e. 27 or 11 << 19 in Q24 >> 4. */
                s->snr_db = qam_rx_snr_db((s->bit_rate == 9600) ? (27 << 19) : (11 << 19),
                                          s->err_acc >> 4);
                s->err_avg = 0;
                s->sig_avg = 0;
                s->block = 0;
                s->dem.timing_rate_shift = 7;
                s->dem.timing_track = 1;
                set_state(s, V29_RX_SEG4);
                s->power_ref = s->dem.power;
            } else {
                s->put_bit(s->user, FX_STATUS_TRAINING_FAILED);
                hunt(s);
            }
        }
        break;
    case V29_RX_SEG4:
    case V29_RX_DATA:
        idx = slice(s, y);
        d = v29_points[idx];
        e = qam_rx_adapt(&s->dem, y, d, V29_MU_DATA_SHIFT, V29_PLL_DATA);
        /* Sums over blocks of 256 symbols of Q24 >> 8 each (the Q20 error
           >> 4), so they fit; the SNR is updated at the end of each whole
           block, so the carrier's decay at the end never counts. */
        s->err_avg += e >> 4;
        s->sig_avg += ((int32_t) d.re * d.re + (int32_t) d.im * d.im) >> 8;
        if ((++s->block & 255) == 0) {
            s->snr_db = qam_rx_snr_db(s->sig_avg, s->err_avg);
            s->err_avg = 0;
            s->sig_avg = 0;
        }
        decode(s, idx, s->state == V29_RX_DATA);
        if (s->state == V29_RX_SEG4 && s->count >= V29_SEG4_SYMBOLS) {
            set_state(s, V29_RX_DATA);
        }
        break;
    default:
        break;
    }
    s->prev_y = y;
}

void v29_rx_init(v29_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user)
{
    s->bit_rate = (bit_rate == 7200) ? 7200 : 9600;
    s->put_bit = put_bit;
    s->user = user;
    qam_rx_init(&s->dem, qam_rx_rrc_v29, QAM_RX_V29_TAPS, QAM_DDS_RATE(V29_CARRIER_HZ),
                V29_HALF_SYMBOL_Q16, V29_TIMING_SHIFT);
    s->carrier_on = 0;
    s->snr_db = 0;
    s->power_ref = 0;
    s->power_floor = 0;
    s->prev_y.re = 0;
    s->prev_y.im = 0;
    set_state(s, V29_RX_IDLE);
}

static void carrier_up(v29_rx_state_t *s)
{
    s->carrier_on = 1;
    s->snr_db = 0;
    s->put_bit(s->user, FX_STATUS_CARRIER_UP);
    hunt(s);
}

void v29_rx(v29_rx_state_t *s, const int16_t amp[], int len)
{
    int i;

    for (i = 0; i < len; i++) {
        int sym = qam_rx_sample(&s->dem, amp[i]);
        int change = qam_rx_carrier(&s->dem, &s->carrier_on, &s->power_floor, s->power_ref,
                                    s->state >= V29_RX_SEG4);

        if (change == QAM_CARRIER_UP) {
            carrier_up(s);
            continue;
        }
        if (change == QAM_CARRIER_DOWN) {
            s->put_bit(s->user, FX_STATUS_CARRIER_DOWN);
            set_state(s, V29_RX_IDLE);
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

int v29_rx_level_dbm0(const v29_rx_state_t *s)
{
    return qam_rx_level_dbm0(&s->dem);
}

int v29_rx_snr_db(const v29_rx_state_t *s)
{
    return s->snr_db;
}
