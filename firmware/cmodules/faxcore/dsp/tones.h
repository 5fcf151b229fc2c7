/*
 * tones.h - tone generators (CNG, CED, ANSam, DTMF, generic dual tones with
 * cadence) and tone detectors (CED/ANSam, CNG, generic tone + cadence for call
 * progress), fixed point.
 *
 * T.30 (09/2005) phase A and V.25: CNG is 1100 Hz, 0.5 s on / 3 s off; CED is
 * 2100 Hz. V.8 / V.25: ANSam is 2100 Hz amplitude-modulated by a 15 Hz
 * sine to 20 % depth. Q.23: DTMF frequency pairs.
 */
#ifndef TONES_H
#define TONES_H

#include <stdint.h>
#include "fxcommon.h"
#include "dsptab.h"

/* Phase increment of f_hz at 8 kHz: 2^32 / 8000 = 536870.912 per Hz. */
static inline uint32_t tone_phase_inc(int32_t f_hz)
{
    return (uint32_t) f_hz * 536871u;
}

/* Sine of a 2^32-per-cycle phase, Q15, linearly interpolated in the table. */
static inline int16_t tone_sin_q15(uint32_t phase)
{
    uint32_t idx = phase >> (32 - DSPTAB_SINE_BITS);
    int32_t frac_q16 = (int32_t) ((phase >> (16 - DSPTAB_SINE_BITS)) & 0xFFFF);
    int32_t s0 = dsptab_sine_q15[idx];
    int32_t s1 = dsptab_sine_q15[idx + 1];

    /* (s1 - s0) <= 804, times Q16 fraction fits; >> 16 drops the Q16. */
    return (int16_t) (s0 + (((s1 - s0) * frac_q16) >> 16));
}

/* ---- generators ---- */

typedef struct {
    uint32_t phase[2];
    uint32_t inc[2];
    int16_t peak[2];            /* sample units; 0 = unused */
    uint32_t am_phase;
    uint32_t am_inc;            /* 0 = no AM */
    int16_t am_depth_q15;
    int32_t am_scale_q15;       /* 1 / (1 + depth), keeps the peak in range */
    int32_t on_samples;         /* 0 = continuous */
    int32_t off_samples;
    int32_t pos;                /* position in the on/off cycle */
} tone_gen_t;

void tone_gen_init(tone_gen_t *s, int f1_hz, int f1_dbm0, int f2_hz, int f2_dbm0,
                   int on_ms, int off_ms);
void tone_gen_set_am(tone_gen_t *s, int am_hz, int depth_percent);
/* Always fills max_len samples (tones do not end by themselves). */
int tone_gen(tone_gen_t *s, int16_t amp[], int max_len);

void tone_gen_init_cng(tone_gen_t *s, int level_dbm0);
void tone_gen_init_ced(tone_gen_t *s, int level_dbm0);
void tone_gen_init_ansam(tone_gen_t *s, int level_dbm0);
/* digit in "0123456789*#ABCD"; returns -1 for another character.
   Each of the two tones is sent at level_dbm0 (continuous; the caller times it). */
int tone_gen_init_dtmf(tone_gen_t *s, char digit, int level_dbm0);

/* ---- detectors ---- */

/* Blocks of 80 samples (10 ms): bins 100 Hz wide, so CNG's +-38 Hz tolerance
   keeps >= 60 % of the energy in the bin. */
#define TONE_BLOCK_SAMPLES      80
#define TONE_MAX_FREQS          4

/* Per-block single/dual tone presence: the energy of the wanted DFT bins
   must be at least `ratio` of the block's total energy, and the block level
   above a floor. */
typedef struct {
    int nfreq;
    uint32_t inc[TONE_MAX_FREQS];
    uint32_t phase[TONE_MAX_FREQS];
    int32_t i_sum[TONE_MAX_FREQS];  /* sum of x * cos >> 15 (sample units) */
    int32_t q_sum[TONE_MAX_FREQS];
    int32_t energy;                 /* sum of x^2 >> 8 over the block */
    int n;
    int32_t min_energy;             /* block floor on `energy` */
    int ratio_q4;                   /* see tones.c */
    uint32_t last_bin_energy;       /* wanted-bin energy of the last block */
    int present;                    /* result of the last whole block */
} tone_block_det_t;

void tone_block_det_init(tone_block_det_t *s, const int freqs_hz[], int nfreq,
                         int min_dbm0);
/* Feeds samples; returns the number of whole blocks completed in this call
   (callers feed at most one block at a time to see every result). */
int tone_block_det(tone_block_det_t *s, const int16_t amp[], int len);

/* Generic tone + cadence detector for call progress: reports every change of
   presence after two agreeing blocks (20 ms debounce), with the duration of
   the state that ended. */
typedef struct {
    tone_block_det_t det;
    int state;                  /* debounced presence */
    int pending;                /* blocks disagreeing with state */
    int32_t state_blocks;       /* blocks in the current state */
    /* Change queue, read by the caller: (on, duration_ms of the previous state). */
    int8_t q_on[8];
    int32_t q_ms[8];
    int q_head;
    int q_count;
} tone_cadence_det_t;

void tone_cadence_init(tone_cadence_det_t *s, const int freqs_hz[], int nfreq, int min_dbm0);
void tone_cadence_rx(tone_cadence_det_t *s, const int16_t amp[], int len);
/* Pops one change: returns 1 and fills *on and *prev_ms, or 0 if none. */
int tone_cadence_get(tone_cadence_det_t *s, int *on, int32_t *prev_ms);

/* Fax answer / calling tone detector (CED, ANSam, CNG in one pass). */
#define TONE_RESULT_NONE        0
#define TONE_RESULT_CED         1
#define TONE_RESULT_ANSAM       2
#define TONE_RESULT_CNG         3

/* T.30 phase A: CED lasts 2.6-4 s; 400 ms of steady 2100 Hz is plenty to call it. */
#define TONE_CED_MIN_MS         400
/* CNG burst: 0.5 s +-15 % (425-575 ms), widened by one block each way. */
#define TONE_CNG_MIN_MS         410
#define TONE_CNG_MAX_MS         590

typedef struct {
    tone_block_det_t ced;
    tone_block_det_t cng;
    int32_t ced_blocks;
    uint32_t ced_emax;          /* largest 2100 Hz bin energy of this tone */
    int32_t ced_dips;           /* blocks well below it (AM) */
    int ced_reported;
    int32_t cng_blocks;
    int32_t cng_gap_blocks;
} fax_tone_det_t;

void fax_tone_det_init(fax_tone_det_t *s);
/* Feeds samples; returns a TONE_RESULT_* when a tone is recognised in this
   call (at most one per call; feed blocks of <= 80 samples to see them all). */
int fax_tone_det(fax_tone_det_t *s, const int16_t amp[], int len);

#endif
