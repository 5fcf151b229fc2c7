/*
 * v27terrx.h - ITU-T V.27 ter (11/88) receiver at 4800 and 2400 bit/s, fixed
 * point.
 *
 * Carrier detection with hysteresis (on at -43 dBm0, off at -48 dBm0),
 * training on the long or short training sequence (segments 3-5), T/2
 * fractionally spaced LMS equaliser, carrier phase and symbol timing
 * tracking, differential decoding and descrambling (with the repetition
 * guard of V.27 ter §3).
 *
 * put_bit(user, 0/1) for each data bit after segment 5; put_bit(user,
 * FX_STATUS_*) for carrier up/down and training ok/failed.
 */
#ifndef V27TERRX_H
#define V27TERRX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_rx.h"

typedef struct {
    qam_rx_t dem;
    int bit_rate;                   /* 4800 or 2400 */
    fx_put_bit_t put_bit;
    void *user;
    int state;                      /* V27_RX_* in v27terrx.c */
    int carrier_on;
    int count;                      /* symbols in the current state */
    int seg4_symbols;               /* long or short training, found from segment 3 */
    int run;                        /* segment 3 reversals in a row */
    qam_cplx32_t rev_sum;           /* alternating sum of segment 3 symbols, Q12 */
    int rev_n;
    int32_t power_ref;              /* power meter at the end of training */
    int32_t power_floor;            /* power meter when the carrier was last lost, 0 if quiet */
    qam_point_t prev_y;             /* last equaliser output, Q12 */
    uint16_t scramble_reg;          /* last 12 line bits (segment 4: the transmitter's clone) */
    uint8_t guard_count;            /* repetition guard counter, as the transmitter's */
    uint8_t phase;                  /* absolute phase of the last symbol, 45 degree steps */
    int32_t err_acc;                /* training error power, mean over the judged symbols, Q24 */
    int32_t err_avg;                /* error power sum over a block, Q24 >> 8 each */
    int32_t sig_avg;                /* symbol power sum over a block, Q24 >> 8 each */
    int block;                      /* data symbols since training */
    int snr_db;
} v27ter_rx_state_t;

void v27ter_rx_init(v27ter_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user);
void v27ter_rx(v27ter_rx_state_t *s, const int16_t amp[], int len);
/* Input level in dBm0 (power meter, about 4 ms). */
int v27ter_rx_level_dbm0(const v27ter_rx_state_t *s);
/* Signal to noise+distortion at the decision point in dB, after training; 0 before. */
int v27ter_rx_snr_db(const v27ter_rx_state_t *s);

#endif
