/*
 * tones.c - tone generators and detectors, fixed point.
 *
 * Detectors work on 10 ms blocks. For each wanted frequency the block is
 * correlated with cos and sin (one DFT bin, N = 80, 100 Hz wide); a pure tone
 * of peak A on the bin gives |I + jQ| = N A / 2 while the block energy is
 * N A^2 / 2, so (I^2 + Q^2) / (N / 2 * sum x^2) is the fraction of the block's
 * energy in the bin (1 for a pure tone, about 1/40 per bin for white noise).
 */
#include "tones.h"
#include "power.h"

#define AM_HZ_ANSAM             15      /* V.8: ANSam AM rate */
#define AM_DEPTH_ANSAM_PCT      20      /* V.8: 20 % +- 1 % */
#define CNG_HZ                  1100    /* T.30 phase A: calling tone */
#define CNG_ON_MS               500
#define CNG_OFF_MS              3000
#define CED_HZ                  2100    /* T.30 phase A, V.25: answer tone */
#define MS_PER_BLOCK            (TONE_BLOCK_SAMPLES * 1000 / FX_SAMPLE_RATE_HZ)

/* Bin-energy fraction needed for "tone present": 40 %. With the scaling in
   tone_block_det() the test is E' >= (P' >> 4) * ratio_q4 where
   ratio_q4 = 0.40 * (N / 2) * 2^8 / 2^12 * 16 = 16 (see the derivation there). */
#define TONE_RATIO_Q4           16
/* Block floor for CED/CNG: -43 dBm0 (T.30 does not give one; SpanDSP's fax
   receivers cut off around -43 to -45 dBm0). */
#define FAX_TONE_MIN_DBM0       (-43)
/* ANSam: blocks whose bin energy is below 7/10 of the maximum ("dips");
   at least 5 of the 32 counted blocks of the 400 ms decision window. */
#define ANSAM_DIP_NUM           7
#define ANSAM_DIP_DEN           10
#define ANSAM_SETTLE_BLOCKS     8
#define ANSAM_MIN_DIPS          5
/* A CNG burst must be followed by this much silence before it counts. */
#define CNG_GAP_BLOCKS          3

/* ---- generators ---- */

void tone_gen_init(tone_gen_t *s, int f1_hz, int f1_dbm0, int f2_hz, int f2_dbm0,
                   int on_ms, int off_ms)
{
    s->phase[0] = 0;
    s->phase[1] = 0;
    s->inc[0] = tone_phase_inc(f1_hz);
    s->inc[1] = tone_phase_inc(f2_hz);
    s->peak[0] = f1_hz > 0 ? power_dbm0_to_peak(f1_dbm0) : 0;
    s->peak[1] = f2_hz > 0 ? power_dbm0_to_peak(f2_dbm0) : 0;
    s->am_phase = 0;
    s->am_inc = 0;
    s->am_depth_q15 = 0;
    s->am_scale_q15 = 32767;
    s->on_samples = (int32_t) on_ms * (FX_SAMPLE_RATE_HZ / 1000);
    s->off_samples = (int32_t) off_ms * (FX_SAMPLE_RATE_HZ / 1000);
    s->pos = 0;
}

void tone_gen_set_am(tone_gen_t *s, int am_hz, int depth_percent)
{
    s->am_inc = tone_phase_inc(am_hz);
    s->am_depth_q15 = (int16_t) (depth_percent * 32767 / 100);
    s->am_scale_q15 = (int32_t) 32767 * 32767 / (32767 + s->am_depth_q15);
}

int tone_gen(tone_gen_t *s, int16_t amp[], int max_len)
{
    int i;

    for (i = 0; i < max_len; i++) {
        int32_t v = 0;
        int on = 1;

        if (s->on_samples > 0) {
            on = s->pos < s->on_samples;
            if (++s->pos >= s->on_samples + s->off_samples) {
                s->pos = 0;
            }
        }
        if (on) {
            /* Q15 sine times peak; >> 15 back to sample units. */
            v = ((int32_t) tone_sin_q15(s->phase[0]) * s->peak[0]) >> 15;
            v += ((int32_t) tone_sin_q15(s->phase[1]) * s->peak[1]) >> 15;
            if (s->am_inc != 0) {
                /* V.8 envelope (1 + m sin), scaled by 1 / (1 + m) so the
                   peak stays at the set level: (2^15 + m_q15) * scale_q15 is
                   Q30 (< 2^31); >> 15 back to Q15. */
                int32_t m_q15 = ((int32_t) s->am_depth_q15 * tone_sin_q15(s->am_phase)) >> 15;
                int32_t gain_q15 = ((32767 + m_q15) * s->am_scale_q15) >> 15;

                v = ((int32_t) fx_sat16(v) * gain_q15) >> 15;
                s->am_phase += s->am_inc;
            }
        }
        amp[i] = fx_sat16(v);
        s->phase[0] += s->inc[0];
        s->phase[1] += s->inc[1];
    }
    return max_len;
}

void tone_gen_init_cng(tone_gen_t *s, int level_dbm0)
{
    tone_gen_init(s, CNG_HZ, level_dbm0, 0, 0, CNG_ON_MS, CNG_OFF_MS);
}

void tone_gen_init_ced(tone_gen_t *s, int level_dbm0)
{
    tone_gen_init(s, CED_HZ, level_dbm0, 0, 0, 0, 0);
}

void tone_gen_init_ansam(tone_gen_t *s, int level_dbm0)
{
    tone_gen_init(s, CED_HZ, level_dbm0, 0, 0, 0, 0);
    tone_gen_set_am(s, AM_HZ_ANSAM, AM_DEPTH_ANSAM_PCT);
}

int tone_gen_init_dtmf(tone_gen_t *s, char digit, int level_dbm0)
{
    /* Q.23: rows 697/770/852/941 Hz, columns 1209/1336/1477/1633 Hz. */
    static const char keys[] = "123A456B789C*0#D";
    static const int16_t row_hz[4] = { 697, 770, 852, 941 };
    static const int16_t col_hz[4] = { 1209, 1336, 1477, 1633 };
    int k;

    for (k = 0; k < 16; k++) {
        if (keys[k] == digit) {
            tone_gen_init(s, row_hz[k >> 2], level_dbm0, col_hz[k & 3], level_dbm0, 0, 0);
            return 0;
        }
    }
    return -1;
}

/* ---- block detector ---- */

void tone_block_det_init(tone_block_det_t *s, const int freqs_hz[], int nfreq, int min_dbm0)
{
    int k;

    if (nfreq > TONE_MAX_FREQS) {
        nfreq = TONE_MAX_FREQS;
    }
    s->nfreq = nfreq;
    for (k = 0; k < nfreq; k++) {
        s->inc[k] = tone_phase_inc(freqs_hz[k]);
        s->phase[k] = 0;
        s->i_sum[k] = 0;
        s->q_sum[k] = 0;
    }
    s->energy = 0;
    s->n = 0;
    /* Floor: a sine at min_dbm0 has mean square ms; the block holds
       N * ms >> 8 in `energy` units. */
    s->min_energy = (power_dbm0_to_ms(min_dbm0) >> 8) * TONE_BLOCK_SAMPLES;
    s->ratio_q4 = TONE_RATIO_Q4;
    s->last_bin_energy = 0;
    s->present = 0;
}

static void block_end(tone_block_det_t *s)
{
    uint32_t e_bins = 0;
    int k;

    /* |I|, |Q| <= N * 32767 < 2^21.4; >> 6 leaves < 2^15.4, so each square is
       < 2^30.8 and the sum of two fits uint32. E' = (I^2 + Q^2) / 2^12.
       Tone present when E' >= fraction * (N / 2) * (sum x^2) / 2^12, and with
       P' = sum x^2 >> 8: fraction * 40 * P' * 2^8 / 2^12 = fraction * 2.5 * P'
       = (P' >> 4) * (fraction * 40) -> ratio_q4 = 16 for 40 %.
       Summed over several bins E' stays in range: by Parseval the bins
       together hold no more than the block's energy. */
    for (k = 0; k < s->nfreq; k++) {
        int32_t a = s->i_sum[k] >> 6;
        int32_t b = s->q_sum[k] >> 6;

        e_bins += (uint32_t) (a * a) + (uint32_t) (b * b);
        s->i_sum[k] = 0;
        s->q_sum[k] = 0;
    }
    s->last_bin_energy = e_bins;
    s->present = s->energy >= s->min_energy
                 && e_bins >= (uint32_t) (s->energy >> 4) * (uint32_t) s->ratio_q4;
    s->energy = 0;
    s->n = 0;
}

int tone_block_det(tone_block_det_t *s, const int16_t amp[], int len)
{
    int blocks = 0;
    int i;
    int k;

    for (i = 0; i < len; i++) {
        int32_t x = amp[i];

        for (k = 0; k < s->nfreq; k++) {
            /* x * Q15 >> 15: sample units. */
            s->i_sum[k] += (x * tone_sin_q15(s->phase[k] + 0x40000000u)) >> 15;
            s->q_sum[k] += (x * tone_sin_q15(s->phase[k])) >> 15;
            s->phase[k] += s->inc[k];
        }
        s->energy += (x * x) >> 8;      /* <= 2^22 per sample, 80 of them < 2^29 */
        if (++s->n >= TONE_BLOCK_SAMPLES) {
            block_end(s);
            blocks++;
        }
    }
    return blocks;
}

/* ---- cadence detector ---- */

void tone_cadence_init(tone_cadence_det_t *s, const int freqs_hz[], int nfreq, int min_dbm0)
{
    tone_block_det_init(&s->det, freqs_hz, nfreq, min_dbm0);
    s->state = 0;
    s->pending = 0;
    s->state_blocks = 0;
    s->q_head = 0;
    s->q_count = 0;
}

static void cadence_block(tone_cadence_det_t *s)
{
    s->state_blocks++;
    if (s->det.present == s->state) {
        s->pending = 0;
        return;
    }
    if (++s->pending < 2) {
        return;
    }
    /* Two agreeing blocks: the change happened at the first of them. */
    if (s->q_count < 8) {
        int tail = (s->q_head + s->q_count) & 7;

        s->q_on[tail] = (int8_t) !s->state;
        s->q_ms[tail] = (s->state_blocks - s->pending) * MS_PER_BLOCK;
        s->q_count++;
    }
    s->state = !s->state;
    s->state_blocks = s->pending;
    s->pending = 0;
}

void tone_cadence_rx(tone_cadence_det_t *s, const int16_t amp[], int len)
{
    while (len > 0) {
        int chunk = TONE_BLOCK_SAMPLES - s->det.n;

        if (chunk > len) {
            chunk = len;
        }
        if (tone_block_det(&s->det, amp, chunk)) {
            cadence_block(s);
        }
        amp += chunk;
        len -= chunk;
    }
}

int tone_cadence_get(tone_cadence_det_t *s, int *on, int32_t *prev_ms)
{
    if (s->q_count == 0) {
        return 0;
    }
    *on = s->q_on[s->q_head];
    *prev_ms = s->q_ms[s->q_head];
    s->q_head = (s->q_head + 1) & 7;
    s->q_count--;
    return 1;
}

/* ---- CED / ANSam / CNG ---- */

void fax_tone_det_init(fax_tone_det_t *s)
{
    static const int ced_hz[1] = { CED_HZ };
    static const int cng_hz[1] = { CNG_HZ };

    tone_block_det_init(&s->ced, ced_hz, 1, FAX_TONE_MIN_DBM0);
    tone_block_det_init(&s->cng, cng_hz, 1, FAX_TONE_MIN_DBM0);
    s->ced_blocks = 0;
    s->ced_emax = 0;
    s->ced_dips = 0;
    s->ced_reported = 0;
    s->cng_blocks = 0;
    s->cng_gap_blocks = 0;
}

static int ced_block(fax_tone_det_t *s)
{
    uint32_t e = s->ced.last_bin_energy;

    if (!s->ced.present) {
        s->ced_blocks = 0;
        s->ced_reported = 0;
        return TONE_RESULT_NONE;
    }
    /* The first block may be partly silence: the envelope starts after it.
       After one AM period (ANSAM_SETTLE_BLOCKS) the maximum is known, and
       each block more than 30 % below it counts as a dip. 15 Hz AM at 20 %
       dips in about 45 % of the blocks; a phase reversal (ANS/, ANSam/) makes
       one or two dips per 450 ms, and noise at 10 dB SNR almost none. */
    if (s->ced_blocks == 1) {
        s->ced_emax = e;
        s->ced_dips = 0;
    } else if (s->ced_blocks > 1) {
        if (e > s->ced_emax) {
            s->ced_emax = e;
        }
        /* e / emax < 7 / 10; each side >> 4 so the products fit uint32. */
        if (s->ced_blocks > ANSAM_SETTLE_BLOCKS
            && (e >> 4) * ANSAM_DIP_DEN < (s->ced_emax >> 4) * ANSAM_DIP_NUM) {
            s->ced_dips++;
        }
    }
    s->ced_blocks++;
    if (s->ced_reported || s->ced_blocks * MS_PER_BLOCK < TONE_CED_MIN_MS) {
        return TONE_RESULT_NONE;
    }
    s->ced_reported = 1;
    return s->ced_dips >= ANSAM_MIN_DIPS ? TONE_RESULT_ANSAM : TONE_RESULT_CED;
}

static int cng_block(fax_tone_det_t *s)
{
    if (s->cng.present) {
        s->cng_blocks++;
        s->cng_gap_blocks = 0;
        return TONE_RESULT_NONE;
    }
    if (s->cng_blocks == 0) {
        return TONE_RESULT_NONE;
    }
    if (++s->cng_gap_blocks < CNG_GAP_BLOCKS) {
        return TONE_RESULT_NONE;     /* a dropout inside the burst is tolerated */
    }
    {
        int32_t on_ms = s->cng_blocks * MS_PER_BLOCK;

        s->cng_blocks = 0;
        s->cng_gap_blocks = 0;
        if (on_ms >= TONE_CNG_MIN_MS && on_ms <= TONE_CNG_MAX_MS) {
            return TONE_RESULT_CNG;
        }
    }
    return TONE_RESULT_NONE;
}

int fax_tone_det(fax_tone_det_t *s, const int16_t amp[], int len)
{
    int result = TONE_RESULT_NONE;

    while (len > 0) {
        int chunk = TONE_BLOCK_SAMPLES - s->ced.n;
        int r;

        if (chunk > len) {
            chunk = len;
        }
        tone_block_det(&s->cng, amp, chunk);
        if (tone_block_det(&s->ced, amp, chunk)) {
            r = ced_block(s);
            if (r != TONE_RESULT_NONE) {
                result = r;
            }
            r = cng_block(s);
            if (r != TONE_RESULT_NONE) {
                result = r;
            }
        }
        amp += chunk;
        len -= chunk;
    }
    return result;
}
