/*
 * qam_rx.h - receiver front end shared by the V.29 and V.27 ter receivers:
 * power meter, carrier demodulation, interpolating matched filter, Gardner
 * symbol timing recovery, T/2 fractionally spaced LMS equaliser and a
 * decision-directed carrier phase loop.
 *
 * Q formats: input samples Q15 (full scale 1.0); complex baseband Q15;
 * equaliser input and output in constellation units Q12 (3.0 = 12288);
 * equaliser coefficients Q28 held in int32 (the filter uses their top 16 bits,
 * Q14); phases are uint32_t turn fractions (2^32 = one cycle).
 */
#ifndef QAM_RX_H
#define QAM_RX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_tx.h"
#include "qam_tables.h"

#define QAM_RX_MAX_TAPS     41      /* longest receive filter, samples */
#define QAM_RX_EQ_LEN       17      /* equaliser taps, T/2 spaced */
#define QAM_RX_EQ_CENTRE    8
/* timing_integ holds the period correction at 2^QAM_RX_TIMING_FREQ_EXTRA times the resolution of step_q16. */
#define QAM_RX_TIMING_FREQ_EXTRA 8

typedef struct {
    int32_t re;
    int32_t im;
} qam_cplx32_t;

typedef struct {
    /* Configuration */
    const int32_t *rrc;             /* Q15 [phase][tap] interpolating matched filter */
    int taps;
    int carrier_step;               /* carrier advance per sample, 1/QAM_CARRIER_STEPS turns */
    int32_t half_symbol_q16;        /* nominal T/2 in samples, Q16 */
    int timing_shift;               /* Gardner error (Q24) -> Q16 samples */

    /* Power meter: mean square of the input, leaky average over ~32 samples. */
    int32_t power;

    /* Demodulator */
    int carrier_idx;                /* carrier phase, 0..QAM_CARRIER_STEPS-1 (1/80 turns) */
    /* Q15 baseband, doubled ring for linear reads; one word per sample:
       re in the low 16 bits, im in the high 16 bits (two's complement). */
    uint32_t bb[2 * QAM_RX_MAX_TAPS];
    int bb_pos;

    /* Symbol timing */
    int32_t next_t_q16;             /* time of the next T/2 sample, samples after the newest, Q16 */
    int32_t step_q16;               /* current T/2 in samples, Q16 (tracks clock offset) */
    int32_t timing_integ;           /* period correction, Q16 << TIMING_FREQ_EXTRA */
    int32_t timing_err;             /* Gardner error summed over a pair of symbols, Q22 */
    int timing_pair;                /* 1 after the first symbol of a pair */
    int timing_on;                  /* Gardner loop running */
    int timing_track;               /* also integrate the clock offset (after training) */
    int acquire;                    /* coarse half-symbol timing steps allowed (hunting) */
    int acq_n;                      /* symbols in the current coarse timing decision */
    int32_t acq_sym;                /* energy at symbol instants, Q16 */
    int32_t acq_mid;                /* energy half a symbol later, Q16 */
    int timing_rate_shift;          /* extra shift of the timing loop (higher = slower) */
    int half;                       /* 0: next T/2 sample is mid-symbol, 1: symbol instant */
    int32_t agc_q12;                /* baseband (Q15) -> constellation units (Q12), Q12 */
    int32_t agc_lim;                /* largest |filter output| the gain can take without overflow */

    /* Equaliser: T/2 spaced input ring (Q12, doubled for linear reads, one
       word per input: re in the low 16 bits, im in the high), coefficients Q28 */
    uint32_t x[2 * QAM_RX_EQ_LEN];
    int x_pos;
    int32_t c_re[QAM_RX_EQ_LEN];
    int32_t c_im[QAM_RX_EQ_LEN];
    qam_point_t prev_sym;           /* equaliser input at the last symbol instant */
    qam_point_t mid_sym;            /* equaliser input half a symbol earlier */

    /* Carrier phase after the equaliser */
    uint32_t eq_phase;              /* rotation removed from the equaliser output */
    int32_t eq_freq;                /* per-symbol phase drift, turn fraction x 64 */
    qam_point_t z;                  /* last equaliser output before rotation, Q12 */
} qam_rx_t;

/*
 * rrc, taps: a qam_rx_rrc_* table and its QAM_RX_*_TAPS.
 * carrier_rate: QAM_DDS_RATE(hz) of the carrier, which must be a multiple of
 * 100 Hz (1700 and 1800 Hz here): the mixer steps through the exact
 * qam_carrier_q15 table. The residual phase and frequency offset of the far
 * end is removed after the equaliser (eq_phase, eq_freq).
 */
void qam_rx_init(qam_rx_t *m, const int32_t *rrc, int taps, uint32_t carrier_rate,
                 int32_t half_symbol_q16, int timing_shift);

/* Restart the demodulator state (not the power meter) for a new carrier. */
void qam_rx_restart(qam_rx_t *m);

/*
 * Feed one sample. Returns 1 when a symbol is ready: then qam_rx_symbol()
 * gives the equaliser output, rotated by the carrier phase estimate.
 */
int qam_rx_sample(qam_rx_t *m, int16_t x);

qam_point_t qam_rx_symbol(qam_rx_t *m);

/* Equaliser input at the last symbol instant (Q12), for training before the equaliser is set. */
qam_point_t qam_rx_raw_symbol(const qam_rx_t *m);

/*
 * Set the equaliser to a single centre tap mapping the observed point obs to
 * ref (both Q12): removes gain and phase in one step.
 */
void qam_rx_set_centre(qam_rx_t *m, qam_cplx32_t obs, qam_point_t ref);

/*
 * Multiply every equaliser coefficient by ref / obs (both Q12): corrects the
 * gain and phase of an equaliser kept from an earlier training, keeping its
 * shape (V.17 short training). Set-up only (uses 64-bit products).
 */
void qam_rx_scale_eq(qam_rx_t *m, qam_cplx32_t obs, qam_point_t ref);

/*
 * Adapt after a decision: y is the rotated output returned by qam_rx_symbol(),
 * d the decided or known point. mu_shift sets the LMS step (2^-mu_shift in
 * constellation units, at least 5); pll_mul the carrier loop gain (0 holds the
 * phase, at most 1023). Returns the error power |d - y|^2, Q20.
 */
int32_t qam_rx_adapt(qam_rx_t *m, qam_point_t y, qam_point_t d, int mu_shift, int32_t pll_mul);

/*
 * Differential test of two successive symbols a (older) and b, rotation
 * independent: returns -1 when the step between them is more than about
 * 110 degrees (Re{b conj(a)} < -(|a|^2 + |b|^2) / 4 when shift is 2, / 8 when
 * 3), +1 when it is less than about 70 degrees (the mirror test), else 0.
 */
int qam_rx_step_sign(qam_point_t a, qam_point_t b, int shift);

/* Set the AGC from the current power meter: agc_num is QAM_RX_AGC_x. */
void qam_rx_set_agc(qam_rx_t *m, int32_t agc_num);

/* Input level in dBm0 (rounded down to 1 dB, -80 for silence). */
int qam_rx_level_dbm0(const qam_rx_t *m);

/* 10 log10(sig / err) in dB, 0..49. */
int qam_rx_snr_db(int32_t sig, int32_t err);

/* Carrier detection with hysteresis, the same for every QAM receiver (V.27ter,
   V.29, V.17). On when the mean-square input rises above QAM_POWER_ON_DBM0; off
   below QAM_POWER_OFF_DBM0 or, once `trained`, 9 dB below the level at the end of
   training (`power_ref`; >> 3 is -9 dB), so that loss is seen through line noise
   above -48 dBm0. After such a loss a new carrier must come 6 dB (>> 2) above the
   level it was lost at (`*floor`), until the line falls quiet. `*on` is the
   receiver's carrier flag. Returns QAM_CARRIER_UP/DOWN on a change, else 0. */
#define QAM_CARRIER_UP      1
#define QAM_CARRIER_DOWN    2

static inline int qam_rx_carrier(const qam_rx_t *dem, int *on, int32_t *floor,
                                 int32_t power_ref, int trained)
{
    int32_t p = dem->power << 1;    /* mean square input */

    if (!*on) {
        if (p < QAM_POWER_OFF_DBM0) {
            *floor = 0;
        }
        if (p > QAM_POWER_ON_DBM0 && (dem->power >> 2) > *floor) {
            *on = 1;
            return QAM_CARRIER_UP;
        }
        return 0;
    }
    if (p < QAM_POWER_OFF_DBM0 || (trained && dem->power < (power_ref >> 3))) {
        *floor = (p < QAM_POWER_OFF_DBM0) ? 0 : dem->power;
        *on = 0;
        return QAM_CARRIER_DOWN;
    }
    return 0;
}

#endif
