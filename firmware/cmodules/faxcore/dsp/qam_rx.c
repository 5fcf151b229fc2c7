/*
 * qam_rx.c - receiver front end for the fast modems (see qam_rx.h).
 */
#include "qam_rx.h"
#include "qam_dds.h"
#include "qam_tables.h"

/* Signed halves of a packed word (uint16 -> int16 wraps in two's complement, as on every target here). */
#define LOW16(w)    ((int32_t) (int16_t) (uint16_t) ((w) & 0xFFFFu))
#define HIGH16(w)   ((int32_t) (int16_t) (uint16_t) ((w) >> 16))

/* Power meter time constant: 2^5 = 32 samples (4 ms). */
#define POWER_SHIFT         5
/* Gardner loop: proportional error is 2^-timing_shift; frequency 2^-(that + TIMING_FREQ_EXTRA). */
#define TIMING_FREQ_EXTRA   QAM_RX_TIMING_FREQ_EXTRA
/* Symbols per coarse timing decision during acquisition. */
#define ACQ_SYMBOLS         8
/* A clock offset of more than about 1000 ppm is not tracked. */
#define STEP_LIMIT_SHIFT    10

void qam_rx_init(qam_rx_t *m, const int32_t *rrc, int taps, uint32_t carrier_rate,
                 int32_t half_symbol_q16, int timing_shift)
{
    m->rrc = rrc;
    m->taps = (taps > QAM_RX_MAX_TAPS) ? QAM_RX_MAX_TAPS : taps;
    /* Turn fraction (2^32 = one turn) -> whole 1/QAM_CARRIER_STEPS turns,
       rounded: (rate >> 8) < 2^24, times 80 < 2^31, then >> 24. */
    m->carrier_step = (int) ((((carrier_rate >> 8) * QAM_CARRIER_STEPS) + (1u << 23)) >> 24)
                      % QAM_CARRIER_STEPS;
    m->half_symbol_q16 = half_symbol_q16;
    m->timing_shift = timing_shift;
    m->power = 0;
    qam_rx_restart(m);
}

void qam_rx_restart(qam_rx_t *m)
{
    int i;

    m->carrier_idx = 0;
    for (i = 0; i < 2 * QAM_RX_MAX_TAPS; i++) {
        m->bb[i] = 0;
    }
    m->bb_pos = 0;
    m->next_t_q16 = m->half_symbol_q16;
    m->step_q16 = m->half_symbol_q16;
    m->timing_integ = 0;
    m->timing_err = 0;
    m->timing_pair = 0;
    m->timing_on = 0;
    m->timing_track = 0;
    m->acquire = 1;
    m->acq_n = 0;
    m->acq_sym = 0;
    m->acq_mid = 0;
    m->timing_rate_shift = 0;
    m->half = 0;
    m->agc_q12 = 4096;
    m->agc_lim = 0x7FFFFFFF / 4096;
    for (i = 0; i < 2 * QAM_RX_EQ_LEN; i++) {
        m->x[i] = 0;
    }
    m->x_pos = 0;
    for (i = 0; i < QAM_RX_EQ_LEN; i++) {
        m->c_re[i] = 0;
        m->c_im[i] = 0;
    }
    /* Centre tap 1.0 (Q28). */
    m->c_re[QAM_RX_EQ_CENTRE] = 1 << 28;
    m->prev_sym.re = 0;
    m->prev_sym.im = 0;
    m->mid_sym = m->prev_sym;
    m->eq_phase = 0;
    m->eq_freq = 0;
    m->z = m->prev_sym;
}

/* Integer square root of a non-negative int32 (bit by bit, for set-up only). */
static int32_t isqrt32(int32_t v)
{
    uint32_t x = (uint32_t) v;
    uint32_t r = 0;
    uint32_t bit = 1u << 30;

    while (bit > x) {
        bit >>= 2;
    }
    while (bit != 0) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return (int32_t) r;
}

void qam_rx_set_agc(qam_rx_t *m, int32_t agc_num)
{
    int32_t rms = isqrt32(m->power);

    if (rms < 1) {
        rms = 1;
    }
    m->agc_q12 = agc_num / rms;
    if (m->agc_q12 < 1) {
        m->agc_q12 = 1;
    }
    /* Largest filter output whose product with the gain fits an int32. */
    m->agc_lim = 0x7FFFFFFF / m->agc_q12;
}

/* Filter output (Q15) x AGC (Q12) >> 12 -> Q12, saturated. */
static int16_t apply_agc(const qam_rx_t *m, int32_t y)
{
    if (y > m->agc_lim) {
        return 32767;
    }
    if (y < -m->agc_lim) {
        return -32768;
    }
    return fx_sat16((y * m->agc_q12) >> 12);
}

/* Interpolated matched-filter output delayed by frac_q16 samples from the newest input. */
static qam_point_t interpolate(const qam_rx_t *m, int32_t frac_q16)
{
    int phase = (int) ((frac_q16 * QAM_RX_PHASES) >> 16);
    const int32_t *h;
    const int32_t *h_end;
    const uint32_t *x;
    int32_t acc_re = 0;     /* Q15 x Q15 = Q30 */
    int32_t acc_im = 0;
    qam_point_t out;

    if (phase >= QAM_RX_PHASES) {
        phase = QAM_RX_PHASES - 1;
    }
    if (phase < 0) {
        phase = 0;
    }
    h = m->rrc + phase * m->taps;
    h_end = h + m->taps;
    /* Newest sample at index bb_pos + taps of the doubled ring; tap k looks k back. */
    x = &m->bb[m->bb_pos + m->taps];
    while (h < h_end) {
        uint32_t x0 = *x--;
        int32_t h0 = *h++;

        acc_re += LOW16(x0) * h0;
        acc_im += HIGH16(x0) * h0;
    }
    /* >> 15: Q30 -> Q15; then the AGC takes it to Q12 constellation units. */
    out.re = apply_agc(m, acc_re >> 15);
    out.im = apply_agc(m, acc_im >> 15);
    return out;
}

static void push_eq(qam_rx_t *m, qam_point_t p)
{
    uint32_t w;

    m->x_pos++;
    if (m->x_pos >= QAM_RX_EQ_LEN) {
        m->x_pos = 0;
    }
    w = (uint32_t) (uint16_t) p.re | ((uint32_t) (uint16_t) p.im << 16);
    m->x[m->x_pos] = w;
    m->x[m->x_pos + QAM_RX_EQ_LEN] = w;
}

/*
 * Gardner timing error: Re{(y[k-1] - y[k]) conj(y[k-1/2])}, Q22, positive
 * when the symbol instants are sampled early.
 */
static void gardner(qam_rx_t *m, qam_point_t now)
{
    int32_t d_re = (int32_t) m->prev_sym.re - now.re;
    int32_t d_im = (int32_t) m->prev_sym.im - now.im;
    /* (Q12 >> 1) x (Q12 >> 1) products: Q22, no overflow for |values| < 2^15. */
    int32_t err = (d_re >> 1) * (m->mid_sym.re >> 1) + (d_im >> 1) * (m->mid_sym.im >> 1);
    int32_t adj;
    int32_t lim = m->half_symbol_q16 >> STEP_LIMIT_SHIFT;

    /* Periodic training patterns with a non-zero mean (V.29 ABAB) add an
       error term that alternates in sign from symbol to symbol; applying the
       sum over each pair of symbols cancels it. Each error is halved first. */
    m->timing_err += err >> 1;
    m->timing_pair ^= 1;
    if (m->timing_pair) {
        return;
    }
    adj = m->timing_err >> (m->timing_shift + m->timing_rate_shift);
    m->timing_err = 0;

    /* Positive: the instants are early; take the next samples later. The
       period correction is integrated at 2^TIMING_FREQ_EXTRA times the
       resolution of step_q16, so that the rounding of >> does not accumulate. */
    m->next_t_q16 += adj;
    if (!m->timing_track) {
        /* Acquisition: proportional only, so that pull-in does not wind up
           the period estimate. */
        return;
    }
    m->timing_integ += adj;
    if (m->timing_integ > (lim << TIMING_FREQ_EXTRA)) {
        m->timing_integ = lim << TIMING_FREQ_EXTRA;
    }
    if (m->timing_integ < -(lim << TIMING_FREQ_EXTRA)) {
        m->timing_integ = -(lim << TIMING_FREQ_EXTRA);
    }
    m->step_q16 = m->half_symbol_q16 + (m->timing_integ >> TIMING_FREQ_EXTRA);
}

/*
 * Coarse timing for acquisition: the Gardner loop pulls in slowly when the
 * symbol instants start near the zero crossings of a training pattern. Over
 * ACQ_SYMBOLS symbols compare the energy of the symbol-instant samples with
 * that of the mid-symbol samples; if the mid samples are stronger by a
 * quarter, move the symbol instants by half a symbol.
 */
static void coarse_timing(qam_rx_t *m, qam_point_t sym)
{
    /* Q12 >> 4 = Q8 co-ordinates: squares below 2^22, 16 of them below 2^26. */
    int32_t sr = sym.re >> 4;
    int32_t si = sym.im >> 4;
    int32_t mr = m->mid_sym.re >> 4;
    int32_t mi = m->mid_sym.im >> 4;

    m->acq_sym += sr * sr + si * si;
    m->acq_mid += mr * mr + mi * mi;
    if (++m->acq_n < ACQ_SYMBOLS) {
        return;
    }
    if (m->acq_mid > m->acq_sym + (m->acq_sym >> 2)) {
        /* The next T/2 sample becomes a symbol instant. */
        m->half = 1;
    }
    m->acq_n = 0;
    m->acq_sym = 0;
    m->acq_mid = 0;
}

int qam_rx_sample(qam_rx_t *m, int16_t x)
{
    int32_t sq = ((int32_t) x * x) >> 1;    /* Q30 >> 1: fits with headroom */
    int16_t c;
    int16_t s;
    uint32_t w;
    qam_point_t p;

    m->power += (sq - m->power) >> POWER_SHIFT;

    /* Mix down: x cos - j x sin, Q15 x Q15 >> 15 -> Q15. */
    c = qam_carrier_q15[m->carrier_idx + QAM_CARRIER_QUARTER];
    s = qam_carrier_q15[m->carrier_idx];
    m->carrier_idx += m->carrier_step;
    if (m->carrier_idx >= QAM_CARRIER_STEPS) {
        m->carrier_idx -= QAM_CARRIER_STEPS;
    }
    /* Doubled ring: each sample is stored at bb_pos and bb_pos + taps, so the
       last taps samples are always bb[bb_pos + 1 .. bb_pos + taps], newest last. */
    m->bb_pos++;
    if (m->bb_pos >= m->taps) {
        m->bb_pos = 0;
    }
    w = (uint32_t) (uint16_t) (int16_t) (((int32_t) x * c) >> 15)
        | ((uint32_t) (uint16_t) (int16_t) (-(((int32_t) x * s) >> 15)) << 16);
    m->bb[m->bb_pos] = w;
    m->bb[m->bb_pos + m->taps] = w;

    m->next_t_q16 -= 1 << 16;
    if (m->next_t_q16 > 0) {
        return 0;
    }
    /* A T/2 instant fell within the last sample: -next_t samples ago. */
    p = interpolate(m, -m->next_t_q16);
    m->next_t_q16 += m->step_q16;
    push_eq(m, p);
    m->half ^= 1;
    if (m->half) {
        m->mid_sym = p;
        return 0;
    }
    if (m->timing_on) {
        gardner(m, p);
        if (m->acquire) {
            coarse_timing(m, p);
        }
    }
    m->prev_sym = p;
    return 1;
}

qam_point_t qam_rx_raw_symbol(const qam_rx_t *m)
{
    return m->prev_sym;
}

qam_point_t qam_rx_symbol(qam_rx_t *m)
{
    const uint32_t *x = &m->x[m->x_pos + 1];
    const int32_t *pr = m->c_re;
    const int32_t *pi = m->c_im;
    const int32_t *pr_end = pr + QAM_RX_EQ_LEN;
    int32_t acc_re = 0;     /* Q12 x Q14 = Q26 */
    int32_t acc_im = 0;
    int16_t c;
    int16_t s;
    qam_point_t y;

    /* x[0] is the oldest input, x[QAM_RX_EQ_LEN - 1] the newest. */
    while (pr < pr_end) {
        uint32_t w = *x++;
        int32_t xr = LOW16(w);
        int32_t xi = HIGH16(w);
        int32_t cr = *pr++ >> 14;     /* Q28 -> Q14 */
        int32_t ci = *pi++ >> 14;

        acc_re += xr * cr - xi * ci;
        acc_im += xr * ci + xi * cr;
    }
    /* >> 14: Q26 -> Q12. */
    m->z.re = fx_sat16(acc_re >> 14);
    m->z.im = fx_sat16(acc_im >> 14);

    /* Rotate by -eq_phase: Q12 x Q15 >> 15 -> Q12. */
    c = qam_dds_cos(m->eq_phase);
    s = qam_dds_sin(m->eq_phase);
    y.re = fx_sat16(((int32_t) m->z.re * c + (int32_t) m->z.im * s) >> 15);
    y.im = fx_sat16(((int32_t) m->z.im * c - (int32_t) m->z.re * s) >> 15);
    return y;
}

/* floor(n 2^bits / d) for n >= 0, 0 < d < 2^30, by restoring division. */
static int32_t div_frac(int32_t n, int32_t d, int bits)
{
    int32_t q = n / d;
    int32_t r = n % d;
    int i;

    for (i = 0; i < bits; i++) {
        r <<= 1;
        q <<= 1;
        if (r >= d) {
            r -= d;
            q |= 1;
        }
    }
    return q;
}

/* n / d as Q28 with the sign of n; magnitudes above 7.99 are clamped. */
static int32_t ratio_q28(int32_t n, int32_t d)
{
    int32_t a = (n < 0) ? -n : n;
    int32_t q;

    if (a / d >= 8) {
        q = 0x7FFFFFFF;
    } else {
        q = div_frac(a, d, 28);
    }
    return (n < 0) ? -q : q;
}

void qam_rx_set_centre(qam_rx_t *m, qam_cplx32_t obs, qam_point_t ref)
{
    /* c = ref conj(obs) / |obs|^2, with obs taken down to Q8 (>> 4) so that
       |obs|^2 (Q16) and ref conj(obs) (Q20) fit; the ratio is then
       (num / 2^20) / (mag / 2^16) = num / (16 mag). */
    int32_t o_re = obs.re >> 4;
    int32_t o_im = obs.im >> 4;
    int32_t mag = o_re * o_re + o_im * o_im;
    int32_t num_re = (int32_t) ref.re * o_re + (int32_t) ref.im * o_im;
    int32_t num_im = (int32_t) ref.im * o_re - (int32_t) ref.re * o_im;
    int k;

    for (k = 0; k < QAM_RX_EQ_LEN; k++) {
        m->c_re[k] = 0;
        m->c_im[k] = 0;
    }
    if (mag < 1) {
        mag = 1;
    }
    /* ratio_q28(num, 16 mag) is the coefficient in Q28. */
    m->c_re[QAM_RX_EQ_CENTRE] = ratio_q28(num_re, mag << 4);
    m->c_im[QAM_RX_EQ_CENTRE] = ratio_q28(num_im, mag << 4);
    m->eq_phase = 0;
    m->eq_freq = 0;
}

void qam_rx_scale_eq(qam_rx_t *m, qam_cplx32_t obs, qam_point_t ref)
{
    /* g = ref conj(obs) / |obs|^2 in Q28, worked as in qam_rx_set_centre. */
    int32_t o_re = obs.re >> 4;
    int32_t o_im = obs.im >> 4;
    int32_t mag = o_re * o_re + o_im * o_im;
    int32_t g_re;
    int32_t g_im;
    int k;

    if (mag < 1) {
        mag = 1;
    }
    g_re = ratio_q28((int32_t) ref.re * o_re + (int32_t) ref.im * o_im, mag << 4);
    g_im = ratio_q28((int32_t) ref.im * o_re - (int32_t) ref.re * o_im, mag << 4);
    for (k = 0; k < QAM_RX_EQ_LEN; k++) {
        /* Q28 x Q28 = Q56; >> 28 back to Q28. */
        int64_t re = (int64_t) m->c_re[k] * g_re - (int64_t) m->c_im[k] * g_im;
        int64_t im = (int64_t) m->c_re[k] * g_im + (int64_t) m->c_im[k] * g_re;

        re >>= 28;
        im >>= 28;
        m->c_re[k] = (int32_t) ((re > (1 << 30)) ? (1 << 30) : ((re < -(1 << 30)) ? -(1 << 30) : re));
        m->c_im[k] = (int32_t) ((im > (1 << 30)) ? (1 << 30) : ((im < -(1 << 30)) ? -(1 << 30) : im));
    }
    m->eq_phase = 0;
    m->eq_freq = 0;
}

/* Keep a Q28 coefficient within +-4.0 so that the filter sums cannot overflow. */
static inline int32_t clamp_coeff(int32_t c)
{
    /* In range exactly when c + 2^30 lies in 0..2^31 (unsigned): one test on the usual path. */
    if ((uint32_t) c + (1u << 30) > (1u << 31)) {
        return (c < 0) ? -(1 << 30) : (1 << 30);
    }
    return c;
}

/* Equaliser LMS step c += 2^-mu_shift e conj(x), e rotated back into the equaliser's frame. */
static void lms_update(qam_rx_t *m, int32_t e_re, int32_t e_im, int mu_shift)
{
    int16_t c = qam_dds_cos(m->eq_phase);
    int16_t s = qam_dds_sin(m->eq_phase);
    int32_t u_re;
    int32_t u_im;
    const uint32_t *x = &m->x[m->x_pos + 1];
    int32_t *pr = m->c_re;
    int32_t *pi = m->c_im;
    int32_t *pr_end = pr + QAM_RX_EQ_LEN;
    /* (Q12 >> 1) x Q12 = Q23 product into Q28 coefficients: << 5, less mu_shift. */
    int sh = mu_shift - 5;
    uint32_t range = 0;
    int k;

    /* Error back in the equaliser's frame: e * e^{+j eq_phase}, Q12, halved
       (>> 16 instead of >> 15) so that the products below fit. */
    u_re = (e_re * c - e_im * s) >> 16;
    u_im = (e_im * c + e_re * s) >> 16;
    /* c += mu u conj(x). Each coefficient must stay within +-2^30: the loop
       ORs c + 2^30 (as unsigned) of every result, which stays at or below
       2^31 only if every one is in range (any out of range sets a bit above
       2^31 or exceeds it); only then does a second pass clamp them. */
    while (pr < pr_end) {
        uint32_t w = *x++;
        int32_t xr = LOW16(w);
        int32_t xi = HIGH16(w);
        int32_t nr = *pr + ((u_re * xr + u_im * xi) >> sh);
        int32_t ni = *pi + ((u_im * xr - u_re * xi) >> sh);

        *pr++ = nr;
        *pi++ = ni;
        range |= ((uint32_t) nr + (1u << 30)) | ((uint32_t) ni + (1u << 30));
    }
    if (range > (1u << 31)) {
        for (k = 0; k < QAM_RX_EQ_LEN; k++) {
            m->c_re[k] = clamp_coeff(m->c_re[k]);
            m->c_im[k] = clamp_coeff(m->c_im[k]);
        }
    }
}

int32_t qam_rx_adapt(qam_rx_t *m, qam_point_t y, qam_point_t d, int mu_shift, int32_t pll_mul)
{
    int32_t e_re = fx_sat16((int32_t) d.re - y.re);     /* Q12, rotated frame */
    int32_t e_im = fx_sat16((int32_t) d.im - y.im);
    int32_t pe;

    lms_update(m, e_re, e_im, mu_shift);

    /* Phase error Im{y conj(d)}: each product Q24 >> 8 -> Q16, about
       |d|^2 x angle (rad); clamped to +-2^21 so that x pll_mul (at most 1023)
       fits. eq_freq integrates it at 64 times the resolution of the phase. */
    pe = (((int32_t) y.im * d.re) >> 8) - (((int32_t) y.re * d.im) >> 8);
    if (pe > (1 << 21)) {
        pe = 1 << 21;
    }
    if (pe < -(1 << 21)) {
        pe = -(1 << 21);
    }
    pe *= pll_mul;
    m->eq_freq += pe;
    if (m->eq_freq > (1 << 30)) {
        m->eq_freq = 1 << 30;
    }
    if (m->eq_freq < -(1 << 30)) {
        m->eq_freq = -(1 << 30);
    }
    m->eq_phase += (uint32_t) pe + (uint32_t) (m->eq_freq >> 6);

    /* Error power, Q12 >> 2 squared: Q20. */
    e_re >>= 2;
    e_im >>= 2;
    return e_re * e_re + e_im * e_im;
}

int qam_rx_step_sign(qam_point_t a, qam_point_t b, int shift)
{
    /* Q12 >> 2 = Q10 co-ordinates so that the sums of squares fit. */
    int32_t ar = a.re >> 2;
    int32_t ai = a.im >> 2;
    int32_t br = b.re >> 2;
    int32_t bi = b.im >> 2;
    int32_t dot = ar * br + ai * bi;
    int32_t ref = (ar * ar + ai * ai + br * br + bi * bi) >> shift;

    if (dot < -ref) {
        return -1;
    }
    if (dot > ref) {
        return 1;
    }
    return 0;
}

int qam_rx_level_dbm0(const qam_rx_t *m)
{
    int32_t p = m->power << 1;  /* undo the >> 1 of the meter */
    int k;

    for (k = 0; k < QAM_POWER_DB_STEPS; k++) {
        if (p >= qam_power_dbm0[k]) {
            return -k;
        }
    }
    return -QAM_POWER_DB_STEPS;
}

int qam_rx_snr_db(int32_t sig, int32_t err)
{
    int32_t ratio_q8;
    int k;

    if (err < 1) {
        err = 1;
    }
    /* sig / err in Q8 without overflow: scale both down when sig is large. */
    while (sig > (1 << 22)) {
        sig >>= 1;
        err >>= 1;
        if (err < 1) {
            err = 1;
        }
    }
    ratio_q8 = (sig << 8) / err;
    for (k = QAM_SNR_DB_STEPS - 1; k > 0; k--) {
        if (ratio_q8 >= qam_snr_ratio_q8[k]) {
            return k;
        }
    }
    return 0;
}
