/*
 * qam_tx.h - pulse shaper and carrier modulator shared by the V.29 and
 * V.27ter transmitters.
 *
 * Symbols (Q12 co-ordinates) are shaped by a root-raised-cosine filter and
 * moved up to the carrier in one step:
 *     out = gain * (I cos(wt) - Q sin(wt)) = gain * sum_i (I_i hc_i - Q_i hs_i)
 * where hc, hs are the generated shaper-times-carrier table of the mode
 * (qam_tables.h, QAM_TX_*_PERIOD samples long), so no DDS runs per sample.
 * With P phases per symbol and a step of D phases per 8 kHz sample, one
 * symbol lasts P / D samples (10/3 at 2400 Bd, 5 at 1600 Bd, 20/3 at 1200 Bd).
 */
#ifndef QAM_TX_H
#define QAM_TX_H

#include <stdint.h>
#include "fxcommon.h"

/* Shaper taps (symbols) per output sample; every mode's table uses 9. */
#define QAM_TX_SPAN 9

typedef struct {
    int16_t re;     /* Q12 */
    int16_t im;     /* Q12 */
} qam_point_t;

typedef struct {
    /* Last QAM_TX_SPAN symbols, each written twice so that hist[newest + 1 ..
       newest + QAM_TX_SPAN] runs from the oldest to the newest without a wrap;
       one word per symbol: Q12 re in the low 16 bits, Q12 im in the high. */
    uint32_t hist[2 * QAM_TX_SPAN];
    int newest;                         /* ring index of the newest symbol */
    int phases;                         /* P: filter phases per symbol */
    int step;                           /* D: phases advanced per sample */
    int baud_phase;                     /* shaper phase of the next sample, 0..P-1 */
    int n;                              /* next sample index modulo period */
    int period;                         /* samples in the modulator table */
    const uint32_t *mod;                /* packed Q14 [n][tap, oldest first] */
    int32_t gain_q13;                   /* Q12 passband -> output samples, Q13 */
} qam_tx_t;

/* Set up for one mode's modulator table; gain0_q13 is the 0 dBm0 gain of the mode. */
void qam_tx_init(qam_tx_t *m, const uint32_t *mod, int period, int phases, int step,
                 int32_t gain0_q13, int level_dbm0);

/* Appends one symbol to the filter memory (qam_tx_block calls it for next()'s). */
void qam_tx_push(qam_tx_t *m, qam_point_t p);

/*
 * Supplies the next symbol in *p and returns 1, or returns 0 when the
 * transmitter has finished (no further samples are then produced).
 */
typedef int (*qam_tx_next_t)(void *user, qam_point_t *p);

/*
 * Fills amp[] with up to max_len samples, asking next() for each new symbol;
 * returns the samples produced (fewer than max_len once next() returns 0).
 * A symbol is due at each sample whose shaper phase has wrapped.
 */
int qam_tx_block(qam_tx_t *m, int16_t amp[], int max_len, qam_tx_next_t next, void *user);

/* The next data bit a QAM transmitter sends: from get_bit() while `in_data`, binary
   ones before (training, the segments of ones) and once get_bit() has returned
   FX_BIT_END (then *data_ended is set and stays set: the turn-off sends ones). */
static inline int qam_tx_data_bit(fx_get_bit_t get_bit, void *user, uint8_t *data_ended,
                                  int in_data)
{
    int bit;

    if (*data_ended || !in_data) {
        return 1;
    }
    bit = get_bit(user);
    if (bit == FX_BIT_END) {
        *data_ended = 1;
        return 1;
    }
    return bit & 1;
}

#endif
