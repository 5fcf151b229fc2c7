/*
 * v29tx.h - ITU-T V.29 (11/88) transmitter at 9600 and 7200 bit/s, fixed point.
 *
 * 2400 Bd, 1700 Hz carrier, root-raised-cosine shaping (25 % excess
 * bandwidth). Sends the synchronizing signals (segments 1-4), then data pulled
 * with get_bit(), then, once get_bit() returns FX_BIT_END, a short turn-off of
 * scrambled ones before the carrier stops.
 */
#ifndef V29TX_H
#define V29TX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_tx.h"

typedef struct {
    qam_tx_t mod;
    int bit_rate;                   /* 9600 or 7200 */
    fx_get_bit_t get_bit;
    void *user;
    int stage;                      /* V29_TX_* in v29tx.c */
    int symbols_left;               /* in the current stage */
    uint32_t scramble_reg;          /* 1 + x^-18 + x^-23 data scrambler, last 23 bits */
    uint8_t train_reg;              /* 1 + x^-6 + x^-7 segment 3 generator, 7 bits */
    uint8_t phase;                  /* absolute phase of the last symbol, 45 degree steps */
    uint8_t data_ended;             /* get_bit() has returned FX_BIT_END */
} v29_tx_state_t;

/*
 * bit_rate: 9600 or 7200 (anything else is treated as 9600). long_train is
 * accepted for a uniform modem interface: V.29 has one training sequence.
 * level_dbm0: mean transmit power, clamped to -63..0 dBm0.
 */
void v29_tx_init(v29_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                 fx_get_bit_t get_bit, void *user);

/* Fills amp[] and returns the samples produced; fewer than max_len when finished. */
int v29_tx(v29_tx_state_t *s, int16_t amp[], int max_len);

#endif
