/*
 * fsk.h - V.21 channel 2 FSK modem (300 bit/s), fixed point.
 *
 * V.21 (11/1988) §2: channel 2 has a mean frequency of 1750 Hz with a
 * deviation of +-100 Hz, the higher frequency for binary 0: 1650 Hz = 1
 * (mark), 1850 Hz = 0 (space); 300 bit/s.
 * T.30 uses channel 2 in both directions for the HDLC control frames.
 */
#ifndef FSK_H
#define FSK_H

#include <stdint.h>
#include "fxcommon.h"
#include "power.h"

#define FSK_V21_MARK_HZ         1650
#define FSK_V21_SPACE_HZ        1850
#define FSK_V21_BAUD            300
/* Correlator window: one bit is 8000 / 300 = 26.67 samples. */
#define FSK_WINDOW_SAMPLES      27

typedef struct {
    fx_get_bit_t get_bit;
    void *user;
    uint32_t phase;             /* carrier phase, 2^32 = one cycle */
    uint32_t inc_mark;
    uint32_t inc_space;
    uint32_t inc;               /* increment for the bit being sent */
    int baud_acc;               /* baud clock: +300 per sample, a bit per 8000 */
    int16_t peak;               /* output peak amplitude (sample units) */
    int done;
} fsk_tx_state_t;

void fsk_tx_init(fsk_tx_state_t *s, int level_dbm0, fx_get_bit_t get_bit, void *user);
/* Returns samples produced; fewer than max_len once get_bit() gave FX_BIT_END. */
int fsk_tx(fsk_tx_state_t *s, int16_t amp[], int max_len);

typedef struct {
    fx_put_bit_t put_bit;
    void *user;
    uint32_t phase_mark;
    uint32_t phase_space;
    uint32_t inc_mark;
    uint32_t inc_space;
    /* Per-sample products x * cos, x * sin (Q0: the >> 15 takes Q15 back to
       sample units), kept for the sliding window sums. */
    int16_t hist[4][FSK_WINDOW_SAMPLES];
    int32_t sum[4];             /* window sums: mark I, mark Q, space I, space Q */
    int pos;
    int baud_phase;             /* 0..7999; a bit is decided when it wraps */
    int last_decision;          /* 1 mark, 0 space */
    int bits_since_up;
    power_meter_t power;
    int32_t on_ms;              /* carrier-on threshold (mean square) */
    int32_t off_ms;             /* carrier-off threshold (mean square) */
    int carrier;
    int32_t hold;               /* samples the power has been on the other side */
    int32_t inband_ms;          /* mean square of the two tones (averaged) */
} fsk_rx_state_t;

/* Carrier thresholds on the in-band power: on above -45 dBm0, off below
   -48 dBm0 (hysteresis); see fsk.c for the in-band/total test. */
#define FSK_RX_ON_DBM0          (-45)
#define FSK_RX_OFF_DBM0         (-48)

void fsk_rx_init(fsk_rx_state_t *s, fx_put_bit_t put_bit, void *user);
void fsk_rx(fsk_rx_state_t *s, const int16_t amp[], int len);
int fsk_rx_level_dbm0(const fsk_rx_state_t *s);
/* In-band (both tones) power over the rest of the 0-4 kHz power, in whole dB
   (capped at 40). The in-band estimate is within about 1 dB and holds a
   fifth of white noise, so this is a figure for the logs, not a measurement. */
int fsk_rx_snr_db(const fsk_rx_state_t *s);

#endif
