/*
 * v27tertx.h - ITU-T V.27 ter (11/88) transmitter at 4800 and 2400 bit/s,
 * fixed point.
 *
 * 1800 Hz carrier; 8-phase at 1600 Bd (4800 bit/s) or 4-phase at 1200 Bd
 * (2400 bit/s), differentially encoded; root-raised-cosine shaping (50 %
 * excess bandwidth). Sends the long or short training sequence, then data
 * pulled with get_bit(), then, once get_bit() returns FX_BIT_END, a short
 * turn-off of scrambled ones before the carrier stops.
 */
#ifndef V27TERTX_H
#define V27TERTX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_tx.h"

typedef struct {
    qam_tx_t mod;
    int bit_rate;                   /* 4800 or 2400 */
    int long_train;
    fx_get_bit_t get_bit;
    void *user;
    int stage;                      /* V27_TX_* in v27tertx.c */
    int symbols_left;               /* in the current stage */
    uint16_t scramble_reg;          /* 1 + x^-6 + x^-7 scrambler, last 12 bits */
    uint8_t guard_count;            /* repetition guard counter */
    uint8_t phase;                  /* absolute phase of the last symbol, 45 degree steps */
    uint8_t data_ended;             /* get_bit() has returned FX_BIT_END */
} v27ter_tx_state_t;

/*
 * bit_rate: 4800 or 2400 (anything else is treated as 4800). long_train:
 * non-zero for the long training sequence (the one fax uses at the start of
 * TCF and image data), zero for the short one.
 * level_dbm0: mean transmit power, clamped to -63..0 dBm0.
 */
void v27ter_tx_init(v27ter_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                    fx_get_bit_t get_bit, void *user);

/* Fills amp[] and returns the samples produced; fewer than max_len when finished. */
int v27ter_tx(v27ter_tx_state_t *s, int16_t amp[], int max_len);

#endif
