/*
 * faxmodems.h - the modem set behind the `faxmodem.Modem` Python API: one end
 * of a phone line with a transmit segment queue, a transmit data ring, the
 * V.21 and fast receivers ("first to lock wins"), the tone detectors and an
 * event queue. Also raw modem access (fm_raw_tx_t / fm_raw_rx_t) for tests
 * and benchmarks. Caller-owned state, no heap.
 */
#ifndef FAXMODEMS_H
#define FAXMODEMS_H

#include <stdint.h>
#include "fxcommon.h"
#include "fsk.h"
#include "hdlc.h"
#include "tones.h"
#include "power.h"
#include "v29tx.h"
#include "v29rx.h"
#include "v17tx.h"
#include "v17rx.h"
#include "v27tertx.h"
#include "v27terrx.h"

/* One namespace for modems, tones and segment kinds (EV_TX_DONE reports them). */
#define FM_SILENCE      0
#define FM_V21          1
#define FM_V27TER       2
#define FM_V29          3
#define FM_V17          4
#define FM_CNG          5
#define FM_CED          6
#define FM_ANSAM        7
#define FM_DTMF         8

#define FM_RX_OFF       0
#define FM_RX_V21       1
#define FM_RX_FAST      2

#define FM_EV_FRAME     1
#define FM_EV_CARRIER   2
#define FM_EV_TRAINED   3
#define FM_EV_DATA      4
#define FM_EV_TONE      5
#define FM_EV_TX_DONE   6

/* Sizes: the trade-off is RAM (the MicroPython heap holds this struct)
   against how often Python must service the rings. At 9600 bit/s 2048
   octets last 1.7 s. */
#define FM_TX_SEGMENTS          8
#define FM_TX_DATA_OCTETS       2048
#define FM_EVENTS               32
#define FM_PAYLOAD_OCTETS       2048
#define FM_DEFAULT_LEVEL_DBM0   (-10)
/* fm_rx() works on a stack copy of this many samples at a time (DC removal). */
#define FM_RX_CHUNK_SAMPLES     160

typedef struct {
    uint8_t type;               /* FM_EV_* */
    int16_t a;                  /* FRAME: crc_ok; CARRIER: on; TRAINED: ok; TONE, TX_DONE: kind */
    int16_t b;                  /* CARRIER: which modem */
    uint16_t len;               /* payload octets (FRAME, DATA) */
} fm_event_t;

typedef struct {
    int16_t kind;               /* FM_SILENCE, FM_CNG, FM_CED, FM_ANSAM, FM_V21 or a fast modem */
    int16_t long_train;         /* fast modems; the digit for FM_DTMF */
    int32_t param;              /* ms for silence/tones, preamble ms for V.21, bit rate for fast */
    int16_t hdlc_preamble_ms;   /* fast modems: 0 = data ring; > 0 = HDLC frames (ECM) after
                                   this many ms of flags */
} fm_segment_t;

typedef union {
    v29_tx_state_t v29;
    v27ter_tx_state_t v27ter;
    v17_tx_state_t v17;
} fm_fast_tx_t;

typedef union {
    v29_rx_state_t v29;
    v27ter_rx_state_t v27ter;
    v17_rx_state_t v17;
} fm_fast_rx_t;

typedef struct {
    int level_dbm0;

    /* transmit */
    fm_segment_t seg[FM_TX_SEGMENTS];
    int seg_head;
    int seg_count;
    int cur_active;
    fm_segment_t cur;
    int32_t cur_left;           /* samples left (silence, tones) */
    tone_gen_t tone;
    fsk_tx_state_t fsk_tx;
    hdlc_tx_state_t hdlc_tx;
    fm_fast_tx_t fast_tx;
    uint8_t data[FM_TX_DATA_OCTETS];
    int data_head;
    int data_count;
    int data_end;               /* tx_data_end() called and not yet consumed */
    int data_bit;               /* next bit of data[data_head], 0..7 */
    int32_t underruns;          /* bits sent as 0 because the ring ran dry */

    /* receive */
    int rx_mode;
    int fast_modem;
    int fast_rate;
    int fast_short_train;
    int fast_hdlc;              /* fast receiver's bits go to the HDLC framer (ECM) */
    int32_t block_ms;           /* mean square of the last fm_rx() block, sample units^2 */
    int lock;                   /* 0, FM_V21 or the fast modem that won */
    int fast_carrier;
    int fast_restart;           /* re-init the fast receiver after this block */
    fsk_rx_state_t fsk_rx;
    hdlc_rx_state_t hdlc_rx;
    fm_fast_rx_t fast_rx;
    fax_tone_det_t tone_det;
    dc_block_t dc;
    uint8_t rx_octet;
    int rx_bits;

    /* events, and their payloads in the same order */
    fm_event_t ev[FM_EVENTS];
    int ev_head;
    int ev_count;
    uint8_t payload[FM_PAYLOAD_OCTETS];
    int pl_head;
    int pl_count;
    int32_t ev_overruns;        /* events or payload octets lost to full queues */
} fm_state_t;

void fm_init(fm_state_t *s);

/* Transmit queue; each returns 0, or -1 (queue full / bad argument). */
int fm_tx_silence(fm_state_t *s, int ms);
int fm_tx_tone(fm_state_t *s, int kind, int ms);
/* One DTMF digit ('0'-'9', '*', '#', 'A'-'D') for ms; gaps are tx_silence. */
int fm_tx_dtmf(fm_state_t *s, char digit, int ms);
int fm_tx_v21(fm_state_t *s, int preamble_ms);
int fm_tx_frame(fm_state_t *s, const uint8_t *data, int len, int final);
int fm_tx_fast(fm_state_t *s, int modem, int bit_rate, int long_train);
/* A fast-modem segment carrying HDLC frames (T.30 Annex A, ECM phase C): after
   training, preamble_ms (>= 200) of flags, then the frames queued with
   fm_tx_frame() with flags between them (flags while the queue is empty); after
   the frame queued as final, closing flags and the modem's turn-off. Frames
   queued while a V.21 transmission is still before its final frame would go out
   on V.21: queue them after that final frame. */
#define FM_HDLC_FAST_PREAMBLE_MS    250     /* T.30 Annex A: at least 200 ms of flags */
int fm_tx_fast_hdlc(fm_state_t *s, int modem, int bit_rate, int long_train, int preamble_ms);
/* Octets of HDLC frame queue space left (a frame takes its length + 3). */
int fm_tx_frame_free(const fm_state_t *s);
int fm_tx_data(fm_state_t *s, const uint8_t *data, int len);   /* returns octets accepted */
void fm_tx_data_end(fm_state_t *s);
int fm_tx_free(const fm_state_t *s);
int fm_tx_idle(const fm_state_t *s);
/* Drops every queued segment, frame and data octet and stops transmitting now. */
void fm_tx_flush(fm_state_t *s);
/* Always fills n samples (silence when idle). */
int fm_tx(fm_state_t *s, int16_t amp[], int n);

/* Receive; fm_rx_mode returns 0 or -1 for a bad modem/rate. short_train
   (V.17 only: image data after a long-trained TCF) is ignored by V.29/V.27ter. */
int fm_rx_mode(fm_state_t *s, int mode, int modem, int bit_rate, int short_train);
/* After fm_rx_mode(FM_RX_FAST, ...): hdlc = 1 sends the fast receiver's bits to
   the HDLC framer, so frames on the fast carrier arrive as FM_EV_FRAME (ECM). */
void fm_rx_set_hdlc(fm_state_t *s, int hdlc);
void fm_rx(fm_state_t *s, const int16_t amp[], int len);
int fm_rx_level_dbm0(const fm_state_t *s);
/* Level of the whole last block given to fm_rx() (after DC removal), whole dBm0
   rounded down; DSPTAB_DBM0_MIN for silence. For line monitoring. */
int fm_rx_block_dbm0(const fm_state_t *s);
int fm_rx_snr_db(const fm_state_t *s);

/* Events: peek the oldest, copy its payload, then pop it. */
const fm_event_t *fm_event_peek(const fm_state_t *s);
void fm_event_payload(const fm_state_t *s, uint8_t *dst);
void fm_event_pop(fm_state_t *s);

/* Call-progress tone detector option: the share of a block's energy (percent,
   1..100) that the wanted bins must hold for "tone present" (default 40 %,
   tones.c). Resolution 2.5 %. Returns 0, or -1 out of range. */
int fm_tone_min_share_pct(tone_cadence_det_t *s, int pct);

/* ---- raw modems for tests and benchmarks ---- */

#define FM_RAW_TX_OCTETS        4096
#define FM_RAW_RX_BITS          16384
#define FM_RAW_EVENTS           16

/* Raw transmitter: bits from a ring (LSB of each octet first) into one modem. */
typedef struct {
    int kind;
    int finished;
    union {
        fsk_tx_state_t fsk;
        fm_fast_tx_t fast;
    } m;
    uint8_t data[FM_RAW_TX_OCTETS];
    int head;
    int count;
    int bit;
    int ended;
} fm_raw_tx_t;

int fm_raw_tx_init(fm_raw_tx_t *s, int kind, int bit_rate, int long_train, int level_dbm0);
int fm_raw_tx_push(fm_raw_tx_t *s, const uint8_t *data, int len);  /* octets accepted */
void fm_raw_tx_end(fm_raw_tx_t *s);
/* Always fills n samples; zeros once finished. */
int fm_raw_tx(fm_raw_tx_t *s, int16_t amp[], int n);

/* Raw receiver: one modem; bits and FX_STATUS_* events (with the sample
   index at which they happened) into rings. */
typedef struct {
    int kind;
    union {
        fsk_rx_state_t fsk;
        fm_fast_rx_t fast;
    } m;
    uint8_t bits[FM_RAW_RX_BITS];   /* one octet (0/1) per data bit */
    int head;
    int count;
    int32_t lost_bits;
    int8_t ev_code[FM_RAW_EVENTS];  /* FX_STATUS_* */
    int32_t ev_sample[FM_RAW_EVENTS];
    int ev_head;
    int ev_count;
    int32_t sample_index;
} fm_raw_rx_t;

int fm_raw_rx_init(fm_raw_rx_t *s, int kind, int bit_rate);
void fm_raw_rx(fm_raw_rx_t *s, const int16_t amp[], int len);
/* Drains up to max bits into dst; returns the number. */
int fm_raw_rx_bits(fm_raw_rx_t *s, uint8_t *dst, int max);
/* Pops one status event: returns 1 and fills code/sample, or 0. */
int fm_raw_rx_event(fm_raw_rx_t *s, int *code, int32_t *sample);
int fm_raw_rx_level_dbm0(const fm_raw_rx_t *s);
int fm_raw_rx_snr_db(const fm_raw_rx_t *s);

#endif
