/*
 * v17tx.h - ITU-T V.17 (02/91) transmitter at 14400, 12000, 9600 and 7200
 * bit/s, trellis coded, fixed point.
 *
 * 2400 Bd, 1800 Hz carrier (V.17, line signal clauses), root-raised-cosine shaping
 * (25 % excess bandwidth, as V.29's). Shaper and carrier are one generated
 * table (v17_mod_q14): the pattern repeats every 40 samples. Sends the synchronizing signals
 * (long or short training), then data pulled with get_bit(), then, once
 * get_bit() returns FX_BIT_END, 32 symbols of scrambled ones before the
 * carrier stops. The optional talker echo protection tone is not sent.
 * A short training starts with part of the shaper already holding the ABAB
 * pattern (a quick onset, see v17_tx_init) for SpanDSP's sake.
 */
#ifndef V17TX_H
#define V17TX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_tx.h"
#include "v17_trellis.h"

#define V17_TX_SPAN     9           /* shaper taps per phase (symbols), V17_MOD_SPAN */

typedef struct {
    /* Last symbols, Q12, packed re (low 16 bits) and im (high 16 bits) as the
       modulator table is; doubled ring: entries newest + 1 .. newest + span are
       always the last span symbols, oldest first. */
    uint32_t hist[2 * V17_TX_SPAN];
    int newest;
    int n;                          /* sample index modulo V17_MOD_PERIOD */
    int baud_phase;                 /* 3 n mod 10: tenths of a symbol since the newest */
    int32_t gain_q13;               /* Q12 passband -> output samples */
    int bit_rate;                   /* 14400, 12000, 9600 or 7200 */
    int bits_per_symbol;            /* 6, 5, 4, 3 */
    const qam_point_t *points;      /* signal-space map of the rate */
    int short_train;
    fx_get_bit_t get_bit;
    void *user;
    int stage;                      /* V17_TX_* in v17tx.c */
    int symbols_left;               /* in the current stage */
    int count;                      /* symbols sent in the current stage */
    uint32_t scramble_reg;          /* 1 + x^-18 + x^-23 scrambler, last 23 bits */
    uint8_t abcd;                   /* training point of the last symbol, 0..3 = A..D */
    uint8_t data_ended;             /* get_bit() has returned FX_BIT_END */
    v17_encoder_t enc;
} v17_tx_state_t;

/*
 * bit_rate: 14400, 12000, 9600 or 7200 (anything else is treated as 14400).
 * long_train: 1 for the long training (first TCF of a call), 0 for the
 * short one (image data after a long-trained TCF at the same rate).
 * level_dbm0: mean transmit power of the data, clamped to -63..0 dBm0.
 */
void v17_tx_init(v17_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                 fx_get_bit_t get_bit, void *user);

/* Fills amp[] and returns the samples produced; fewer than max_len when finished. */
int v17_tx(v17_tx_state_t *s, int16_t amp[], int max_len);

#endif
