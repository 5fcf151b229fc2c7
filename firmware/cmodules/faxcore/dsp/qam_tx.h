/*
 * qam_tx.h - pulse shaper and carrier modulator shared by the V.29 and
 * V.27ter transmitters.
 *
 * Symbols (Q12 co-ordinates) go through a polyphase root-raised-cosine filter
 * at baseband and are then moved up to the carrier:
 *     out = gain * (I cos(wt) - Q sin(wt)).
 * With P phases per symbol and a step of D phases per 8 kHz sample, one
 * symbol lasts P / D samples (10/3 at 2400 Bd, 5 at 1600 Bd, 20/3 at 1200 Bd).
 */
#ifndef QAM_TX_H
#define QAM_TX_H

#include <stdint.h>
#include "fxcommon.h"

#define QAM_TX_MAX_SPAN 9

typedef struct {
    int16_t re;     /* Q12 */
    int16_t im;     /* Q12 */
} qam_point_t;

typedef struct {
    int16_t hist_re[QAM_TX_MAX_SPAN];   /* last symbols, Q12, ring buffer */
    int16_t hist_im[QAM_TX_MAX_SPAN];
    int newest;                         /* ring index of the newest symbol */
    int span;                           /* taps per phase */
    int phases;                         /* P: filter phases per symbol */
    int step;                           /* D: phases advanced per sample */
    int baud_phase;                     /* 0..P-1: time since the newest symbol */
    const int16_t *rrc;                 /* Q14 [phase][tap] */
    uint32_t carrier_phase;             /* turn fraction, 2^32 = one cycle */
    uint32_t carrier_rate;              /* per sample */
    int32_t gain_q13;                   /* Q12 passband -> output samples, Q13 */
} qam_tx_t;

/* Set up for one symbol rate; gain0_q13 is the 0 dBm0 gain of the mode. */
void qam_tx_init(qam_tx_t *m, const int16_t *rrc, int phases, int step, int span,
                 uint32_t carrier_rate, int32_t gain0_q13, int level_dbm0);

/*
 * One output sample. Returns 1 when a new symbol must be supplied with
 * qam_tx_push() before the call to qam_tx_sample() that follows.
 */
int qam_tx_need_symbol(qam_tx_t *m);
void qam_tx_push(qam_tx_t *m, qam_point_t p);
int16_t qam_tx_sample(qam_tx_t *m);

/* True when every symbol in the filter memory is zero (the tail has drained). */
int qam_tx_drained(const qam_tx_t *m);

#endif
