/*
 * v29rx.h - ITU-T V.29 (11/88) receiver at 9600 and 7200 bit/s, fixed point.
 *
 * Carrier detection with hysteresis (on at -43 dBm0, off at -48 dBm0),
 * training on the synchronizing signals (segments 2-4), T/2 fractionally
 * spaced LMS equaliser, carrier phase and symbol timing tracking,
 * differential decoding and descrambling.
 *
 * put_bit(user, 0/1) for each data bit after segment 4; put_bit(user,
 * FX_STATUS_*) for carrier up/down and training ok/failed.
 */
#ifndef V29RX_H
#define V29RX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_rx.h"

typedef struct {
    qam_rx_t dem;
    int bit_rate;                   /* 9600 or 7200 */
    fx_put_bit_t put_bit;
    void *user;
    int state;                      /* V29_RX_* in v29rx.c */
    int carrier_on;
    int count;                      /* symbols in the current state */
    int run;                        /* segment 2 steps of about 135 degrees in a row */
    qam_cplx32_t abab_sum;          /* sum of segment 2 symbols, Q12 */
    qam_point_t abab_last;          /* last symbol added to abab_sum */
    int abab_n;
    int32_t power_ref;              /* power meter at the end of training */
    int32_t power_floor;            /* power meter when the carrier was last lost, 0 if quiet */
    qam_point_t prev_y;             /* last equaliser output, Q12 */
    uint8_t train_reg;              /* segment 3 generator, as the transmitter's */
    uint8_t phase;                  /* absolute phase of the last symbol, 45 degree steps */
    uint32_t scramble_reg;          /* descrambler: last 23 received line bits */
    int32_t err_acc;                /* training error power sum, Q24 */
    int32_t err_avg;                /* error power sum over a block, Q24 >> 8 each */
    int32_t sig_avg;                /* symbol power sum over a block, Q24 >> 8 each */
    int block;                      /* data symbols since training */
    int snr_db;
} v29_rx_state_t;

void v29_rx_init(v29_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user);
void v29_rx(v29_rx_state_t *s, const int16_t amp[], int len);
/* Input level in dBm0 (power meter, about 4 ms). */
int v29_rx_level_dbm0(const v29_rx_state_t *s);
/* Signal to noise+distortion at the decision point in dB, after training; 0 before. */
int v29_rx_snr_db(const v29_rx_state_t *s);

#endif
