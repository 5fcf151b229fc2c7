/*
 * hdlc.c - HDLC framing for T.30 (flags, bit stuffing, CRC-16 FCS, abort).
 *
 * T.30 (09/2005) §5.3.1 (flag sequence, preamble), §5.3.7 (FCS); ISO/IEC
 * 13239 (transparency: zero insertion after five 1 bits; abort: seven or more
 * contiguous 1 bits). The section numbers were taken from secondary sources
 * (the ITU text was not at hand): check them against the Recommendation.
 */
#include "hdlc.h"

#define HDLC_FLAG_OCTET         0x7E
#define HDLC_CRC_POLY_REFLECTED 0x8408u
#define HDLC_STUFF_AFTER_ONES   5
#define HDLC_ABORT_ONES         7
#define HDLC_TX_ABORT_BITS      8       /* ones sent for an abort */

enum {
    HDLC_TX_FLAGS = 0,      /* preamble / inter-frame flags, waiting for frames */
    HDLC_TX_FRAME,          /* frame data and FCS, with zero insertion */
    HDLC_TX_CLOSING,        /* flags after the final frame */
    HDLC_TX_DONE
};

uint16_t hdlc_crc16(uint16_t crc, const uint8_t *data, int len)
{
    int i;
    int b;

    for (i = 0; i < len; i++) {
        crc ^= data[i];
        for (b = 0; b < 8; b++) {
            if (crc & 1u) {
                crc = (uint16_t) ((crc >> 1) ^ HDLC_CRC_POLY_REFLECTED);
            } else {
                crc = (uint16_t) (crc >> 1);
            }
        }
    }
    return crc;
}

/* ---- transmitter ---- */

void hdlc_tx_init(hdlc_tx_state_t *s)
{
    s->q_head = 0;
    s->q_count = 0;
    s->q_frames = 0;
    hdlc_tx_start(s, 0);
}

void hdlc_tx_start(hdlc_tx_state_t *s, int preamble_flags)
{
    s->state = HDLC_TX_FLAGS;
    s->flag_bits_left = 8 * (int32_t) preamble_flags;
    s->bit_in_octet = 0;
    s->octet = 0;
    s->frame_left = 0;
    s->fcs_left = 0;
    s->final = 0;
    s->crc = HDLC_CRC_INIT;
    s->ones = 0;
    s->abort_bits = 0;
}

static void q_put(hdlc_tx_state_t *s, uint8_t v)
{
    int tail = s->q_head + s->q_count;

    if (tail >= HDLC_TX_QUEUE_OCTETS) {
        tail -= HDLC_TX_QUEUE_OCTETS;
    }
    s->queue[tail] = v;
    s->q_count++;
}

static uint8_t q_get(hdlc_tx_state_t *s)
{
    uint8_t v = s->queue[s->q_head];

    if (++s->q_head >= HDLC_TX_QUEUE_OCTETS) {
        s->q_head = 0;
    }
    s->q_count--;
    return v;
}

int hdlc_tx_free(const hdlc_tx_state_t *s)
{
    int free_octets = HDLC_TX_QUEUE_OCTETS - s->q_count - 3;

    return free_octets < 0 ? 0 : free_octets;
}

int hdlc_tx_frame(hdlc_tx_state_t *s, const uint8_t *data, int len, int final)
{
    int i;

    if (len < 0 || len > HDLC_MAX_FRAME_OCTETS || len > hdlc_tx_free(s)) {
        return -1;
    }
    q_put(s, (uint8_t) (len & 0xFF));
    q_put(s, (uint8_t) (len >> 8));
    q_put(s, (uint8_t) (final ? 1 : 0));
    for (i = 0; i < len; i++) {
        q_put(s, data[i]);
    }
    s->q_frames++;
    return 0;
}

void hdlc_tx_abort(hdlc_tx_state_t *s)
{
    if (s->state != HDLC_TX_FRAME) {
        return;
    }
    while (s->frame_left > 0) {
        q_get(s);
        s->frame_left--;
    }
    s->fcs_left = 0;
    s->abort_bits = HDLC_TX_ABORT_BITS;
    s->state = HDLC_TX_FLAGS;
    s->flag_bits_left = 8;
    s->bit_in_octet = 0;
    s->ones = 0;
}

static void load_frame(hdlc_tx_state_t *s)
{
    int lo = q_get(s);
    int hi = q_get(s);

    s->frame_left = lo | (hi << 8);
    s->final = q_get(s);
    s->q_frames--;
    s->fcs_left = 2;
    s->crc = HDLC_CRC_INIT;
    s->ones = 0;
    s->bit_in_octet = 0;
    s->state = HDLC_TX_FRAME;
}

/* Loads the next octet of the frame (data, then FCS); 0 when the frame is done. */
static int load_octet(hdlc_tx_state_t *s)
{
    if (s->frame_left > 0) {
        s->octet = q_get(s);
        s->frame_left--;
        s->crc = hdlc_crc16(s->crc, &s->octet, 1);
        return 1;
    }
    if (s->fcs_left > 0) {
        uint16_t fcs = (uint16_t) ~s->crc;

        /* T.30 §5.3.7: the FCS is sent low-order octet first, LSB first. */
        s->octet = (uint8_t) (s->fcs_left == 2 ? (fcs & 0xFF) : (fcs >> 8));
        s->fcs_left--;
        return 1;
    }
    return 0;
}

int hdlc_tx_get_bit(void *user)
{
    hdlc_tx_state_t *s = (hdlc_tx_state_t *) user;
    int bit;

    if (s->abort_bits > 0) {
        s->abort_bits--;
        return 1;
    }
    if (s->state == HDLC_TX_FRAME) {
        if (s->ones == HDLC_STUFF_AFTER_ONES) {
            s->ones = 0;
            return 0;
        }
        if (s->bit_in_octet == 0 && !load_octet(s)) {
            /* Closing flag; after the final frame more flags, then the end. */
            s->state = s->final ? HDLC_TX_CLOSING : HDLC_TX_FLAGS;
            s->flag_bits_left = 8 * (s->final ? 1 + HDLC_TX_CLOSING_FLAGS : 1);
        } else {
            bit = (s->octet >> s->bit_in_octet) & 1;
            s->bit_in_octet = (s->bit_in_octet + 1) & 7;
            s->ones = bit ? s->ones + 1 : 0;
            return bit;
        }
    }
    if (s->state == HDLC_TX_FLAGS && s->bit_in_octet == 0 && s->flag_bits_left <= 0
        && s->q_frames > 0) {
        load_frame(s);
        return hdlc_tx_get_bit(user);
    }
    if (s->state == HDLC_TX_CLOSING && s->bit_in_octet == 0 && s->flag_bits_left <= 0) {
        s->state = HDLC_TX_DONE;
    }
    if (s->state == HDLC_TX_DONE) {
        return FX_BIT_END;
    }
    bit = (HDLC_FLAG_OCTET >> s->bit_in_octet) & 1;
    s->bit_in_octet = (s->bit_in_octet + 1) & 7;
    s->flag_bits_left--;
    return bit;
}

/* ---- receiver ---- */

void hdlc_rx_init(hdlc_rx_state_t *s, hdlc_frame_handler_t handler, void *user)
{
    s->handler = handler;
    s->user = user;
    s->len = 0;
    s->bits = 0;
    s->octet = 0;
    s->ones = 0;
    s->in_frame = 0;
    s->overflow = 0;
    s->flags_seen = 0;
    s->frames_ok = 0;
    s->frames_bad = 0;
    s->frames_dropped = 0;
    s->aborts = 0;
}

static void rx_data_bit(hdlc_rx_state_t *s, int bit)
{
    s->octet |= (uint8_t) (bit << s->bits);
    if (++s->bits < 8) {
        return;
    }
    if (s->len < (int) sizeof(s->buf)) {
        s->buf[s->len++] = s->octet;
    } else {
        s->overflow = 1;
    }
    s->bits = 0;
    s->octet = 0;
    s->flags_seen = 0;
}

static void rx_flag(hdlc_rx_state_t *s)
{
    /* The flag's leading 0 was taken as a data bit: a whole frame leaves
       exactly that one bit in the partial octet. */
    if (s->in_frame && (s->len > 0 || s->bits > 1)) {
        if (s->overflow || s->bits != 1 || s->len < HDLC_MIN_FRAME_OCTETS + 2) {
            s->frames_dropped++;
        } else {
            int ok = hdlc_crc16(HDLC_CRC_INIT, s->buf, s->len) == HDLC_CRC_GOOD;

            if (ok) {
                s->frames_ok++;
            } else {
                s->frames_bad++;
            }
            s->handler(s->user, s->buf, s->len - 2, ok);
        }
        s->flags_seen = 0;
    }
    s->flags_seen++;
    s->in_frame = 1;
    s->len = 0;
    s->bits = 0;
    s->octet = 0;
    s->overflow = 0;
}

void hdlc_rx_put_bit(hdlc_rx_state_t *s, int bit)
{
    int i;

    if (bit < 0) {
        s->in_frame = 0;
        s->ones = 0;
        s->len = 0;
        s->bits = 0;
        s->octet = 0;
        s->flags_seen = 0;
        return;
    }
    if (bit) {
        if (++s->ones == HDLC_ABORT_ONES) {
            if (s->in_frame && (s->len > 0 || s->bits > 0)) {
                s->aborts++;
            }
            s->in_frame = 0;
            s->flags_seen = 0;
        }
        return;
    }
    /* A 0: the pending run of ones decides what it means. */
    if (s->ones == HDLC_STUFF_AFTER_ONES + 1) {
        s->ones = 0;
        rx_flag(s);
        return;
    }
    if (s->ones > HDLC_STUFF_AFTER_ONES + 1) {
        s->ones = 0;            /* end of an abort / idle ones */
        return;
    }
    if (s->in_frame) {
        for (i = 0; i < s->ones; i++) {
            rx_data_bit(s, 1);
        }
        if (s->ones < HDLC_STUFF_AFTER_ONES) {
            rx_data_bit(s, 0);
        }
    }
    s->ones = 0;
}
