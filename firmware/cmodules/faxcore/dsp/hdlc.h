/*
 * hdlc.h - HDLC framing for T.30: flags, bit stuffing, CRC-16 FCS, abort.
 *
 * T.30 (09/2005) §5.3 and ISO/IEC 13239 (formerly ISO 3309): frames are
 * delimited by flags 01111110; after five consecutive 1 bits the sender
 * inserts a 0; the FCS is the 16-bit CRC of ITU-T V.41 / ISO 3309
 * (x^16 + x^12 + x^5 + 1, preset to all ones, ones-complemented, sent
 * LSB first); seven or more 1 bits abort a frame.
 *
 * Octets in memory are in transmission order, LSB first (see README).
 */
#ifndef HDLC_H
#define HDLC_H

#include <stdint.h>
#include "fxcommon.h"

/* Largest frame without FCS: an ECM FCD frame (address, control, FCF, frame
   number, 256 data octets) is 260 octets (T.30 Annex A). */
#define HDLC_MAX_FRAME_OCTETS   260
/* CRC register after a frame and its FCS have been clocked in (good frame). */
#define HDLC_CRC_GOOD           0xF0B8u
#define HDLC_CRC_INIT           0xFFFFu

/* Byte-wise CRC-16 (reflected, polynomial 0x8408): start with HDLC_CRC_INIT;
   the FCS to send is ~crc, low octet first. */
uint16_t hdlc_crc16(uint16_t crc, const uint8_t *data, int len);

/* ---- transmitter ---- */

/* Queue of frames waiting to be sent: [len lo][len hi][final][data...] each. */
#define HDLC_TX_QUEUE_OCTETS    (2 * (HDLC_MAX_FRAME_OCTETS + 3))
/* Flags sent after the final frame's closing flag, before FX_BIT_END. */
#define HDLC_TX_CLOSING_FLAGS   2

typedef struct {
    uint8_t queue[HDLC_TX_QUEUE_OCTETS];
    int q_head;                 /* index of the oldest queued octet */
    int q_count;                /* queued octets */
    int q_frames;               /* whole frames queued */

    int state;                  /* HDLC_TX_* in hdlc.c */
    int32_t flag_bits_left;     /* preamble / closing flag bits still to send */
    int bit_in_octet;           /* 0..7 of `octet` */
    uint8_t octet;              /* octet being sent */
    int frame_left;             /* data octets of the current frame not yet loaded */
    int fcs_left;               /* FCS octets not yet loaded */
    int final;                  /* current frame is the final one */
    uint16_t crc;
    int ones;                   /* consecutive 1 bits sent (for stuffing) */
    int abort_bits;             /* abort bits still to send */
} hdlc_tx_state_t;

void hdlc_tx_init(hdlc_tx_state_t *s);
/* Starts a transmission: `preamble_flags` flags first. Queued frames are kept. */
void hdlc_tx_start(hdlc_tx_state_t *s, int preamble_flags);
/* Queues a frame (without FCS); returns 0, or -1 if it does not fit. */
int hdlc_tx_frame(hdlc_tx_state_t *s, const uint8_t *data, int len, int final);
/* Octets of queue space left for frame data. */
int hdlc_tx_free(const hdlc_tx_state_t *s);
/* Aborts the frame being sent (seven 1 bits, then flags) and drops it. */
void hdlc_tx_abort(hdlc_tx_state_t *s);
/* fx_get_bit_t: flags while waiting for frames; FX_BIT_END after the closing
   flags that follow the final frame. */
int hdlc_tx_get_bit(void *user);

/* ---- receiver ---- */

/* Called for each frame with its data (FCS removed) and the FCS verdict.
   Frames shorter than 3 octets + FCS or not a whole number of octets are
   dropped silently (counted), as T.30 frames are at least 3 octets. */
typedef void (*hdlc_frame_handler_t)(void *user, const uint8_t *data, int len, int crc_ok);

#define HDLC_MIN_FRAME_OCTETS   3

typedef struct {
    hdlc_frame_handler_t handler;
    void *user;
    uint8_t buf[HDLC_MAX_FRAME_OCTETS + 2];
    int len;
    int bits;                   /* bits in `octet` */
    uint8_t octet;
    int ones;                   /* consecutive 1 bits received */
    int in_frame;               /* a flag has opened a frame */
    int overflow;
    int32_t flags_seen;         /* consecutive flags (reset by frame data) */
    int32_t frames_ok;
    int32_t frames_bad;
    int32_t frames_dropped;     /* runts, partial octets, overlong */
    int32_t aborts;
} hdlc_rx_state_t;

void hdlc_rx_init(hdlc_rx_state_t *s, hdlc_frame_handler_t handler, void *user);
/* Feeds one line bit (0/1); negative status values reset the framer. */
void hdlc_rx_put_bit(hdlc_rx_state_t *s, int bit);

#endif
