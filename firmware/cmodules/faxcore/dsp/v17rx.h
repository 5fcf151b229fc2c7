/*
 * v17rx.h - ITU-T V.17 (02/91) receiver at 14400, 12000, 9600 and 7200
 * bit/s, fixed point, with an 8-state Viterbi decoder.
 *
 * Carrier detection with hysteresis (on at -43 dBm0, off at -48 dBm0);
 * training on the synchronizing signals: segment 1 (ABAB) gives gain,
 * carrier phase and symbol timing, segment 2 (CDBA from the scrambler) is
 * matched to the known sequence and trains the T/2 equaliser, segment 3
 * (bridge, long training only) and segment 4 (scrambled ones) fill the
 * Viterbi decoder and the descrambler. The length of segment 2 (long 2976 or
 * short 38 symbols) is recognised from the signal, so one receiver takes a
 * long-trained TCF and then the short-trained image burst that follows: the
 * equaliser of the last successful training is kept from one carrier to the
 * next and only its gain and phase are corrected on segment 1.
 *
 * put_bit(user, 0/1) for each data bit after segment 4; put_bit(user,
 * FX_STATUS_*) for carrier up/down and training ok/failed.
 */
#ifndef V17RX_H
#define V17RX_H

#include <stdint.h>
#include "fxcommon.h"
#include "qam_rx.h"
#include "v17_trellis.h"

#define V17_RX_HELD 8               /* symbols held while the segment 2 length is decided */

typedef struct {
    qam_rx_t dem;
    int bit_rate;                   /* 14400, 12000, 9600 or 7200 */
    int bits_per_symbol;
    const qam_point_t *points;
    int n_points;
    fx_put_bit_t put_bit;
    void *user;
    int state;                      /* V17_RX_* in v17rx.c */
    int carrier_on;
    int count;                      /* symbols in the current state */
    int run;                        /* segment 1 alternations in a row */
    int have_eq;                    /* equaliser from an earlier training is kept */
    int32_t eq_re[QAM_RX_EQ_LEN];   /* that equaliser (Q28), saved every 256 data symbols */
    int32_t eq_im[QAM_RX_EQ_LEN];
    int32_t timing_integ;           /* and the clock offset estimate (qam_rx_t.timing_integ) */
    qam_cplx32_t abab_sum;          /* sum of segment 1 symbols, Q12 */
    qam_point_t abab_last;
    int abab_n;
    int32_t power_ref;              /* power meter at the end of training */
    int32_t power_floor;            /* power meter when the carrier was last lost, 0 if quiet */
    qam_point_t prev_y;             /* last equaliser output, Q12 */
    int last_cross;                 /* sign of the last segment 1 step */
    /* Segment 2 alignment: candidate starts (bit k: segment 2 began k symbols ago). */
    uint32_t cand;
    uint8_t hist[32];               /* decided training points, newest at [count & 31] */
    uint32_t scramble_reg;          /* training: generator; data: descrambler */
    uint8_t abcd;                   /* last training point (bridge) */
    int seg2_len;                   /* long or short, once decided */
    int miss;                       /* align: ABAB broken; length test: short training wins */
    uint32_t short_reg;             /* length test: scrambler as segment 4 would run it */
    v17_encoder_t short_enc[4];     /* length test: segment 4 encoder, each differential start */
    int32_t d_short[4];             /* length test: summed squared distances, Q12 */
    int32_t d_long;
    qam_point_t held[V17_RX_HELD];  /* equaliser outputs during the length test */
    int n_held;
    v17_viterbi_t vit;
    uint8_t diff;                   /* differential decoder: last Y1 + 2 Y2 */
    int32_t err_acc;                /* training error power sum, Q24 */
    int32_t err_avg;                /* error power sum over a block, Q24 >> 8 each */
    int32_t sig_avg;                /* symbol power sum over a block, Q24 >> 8 each */
    int block;
    int snr_db;
} v17_rx_state_t;

void v17_rx_init(v17_rx_state_t *s, int bit_rate, fx_put_bit_t put_bit, void *user);

/*
 * Restart for a new carrier at bit_rate. short_train = 1 keeps the equaliser
 * of the last successful training (image data after a long-trained TCF);
 * 0 forgets it. Either way the training length is recognised on the line.
 */
void v17_rx_restart(v17_rx_state_t *s, int bit_rate, int short_train);

void v17_rx(v17_rx_state_t *s, const int16_t amp[], int len);
/* Input level in dBm0 (power meter, about 4 ms). */
int v17_rx_level_dbm0(const v17_rx_state_t *s);
/* Signal to noise+distortion at the decision point in dB, after training; 0 before. */
int v17_rx_snr_db(const v17_rx_state_t *s);

#endif
