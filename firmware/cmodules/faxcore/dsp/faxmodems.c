/*
 * faxmodems.c - the modem set: transmit segment queue, data ring, V.21 and
 * fast receivers in parallel ("first to lock wins"), tone detectors, events.
 *
 * T.30 (09/2005) §5.3.1: V.21 HDLC transmissions start with a flag preamble
 * of 1 s +- 15 %; the caller chooses its length in ms. While a fast-modem
 * message is expected (TCF, image data) the sender may instead repeat a V.21
 * command, so both receivers run on the same samples until one of them locks:
 * the fast receiver by reporting training success, V.21 by a frame with a
 * good FCS (the same rule as SpanDSP's modem set). In that mode carrier
 * events are reported only for the receiver that has won: EV_CARRIER(on)
 * just before its EV_TRAINED(True) or its first frame, EV_CARRIER(off) when
 * its carrier goes. A fast training failure is reported unless V.21 has won.
 *
 * Events are queued here and read by the binding. EV_DATA events are merged
 * while unread, so the queue does not fill with one event per block. The
 * queue is written and read from one thread on the host; on the device the
 * binding must not read it from another core while fm_rx() runs.
 */
#include <string.h>
#include "faxmodems.h"

#define V21_PREAMBLE_BITS_PER_FLAG  8

/* ---- events ---- */

static void payload_put(fm_state_t *s, const uint8_t *data, int len)
{
    int i;
    int tail = s->pl_head + s->pl_count;

    for (i = 0; i < len; i++) {
        if (tail >= FM_PAYLOAD_OCTETS) {
            tail -= FM_PAYLOAD_OCTETS;
        }
        s->payload[tail++] = data[i];
    }
    s->pl_count += len;
}

static void push_event(fm_state_t *s, int type, int a, int b, const uint8_t *data, int len)
{
    fm_event_t *e;

    if (s->ev_count >= FM_EVENTS || len > FM_PAYLOAD_OCTETS - s->pl_count) {
        s->ev_overruns++;
        return;
    }
    e = &s->ev[(s->ev_head + s->ev_count) % FM_EVENTS];
    e->type = (uint8_t) type;
    e->a = (int16_t) a;
    e->b = (int16_t) b;
    e->len = (uint16_t) len;
    payload_put(s, data, len);
    s->ev_count++;
}

static void push_data_octet(fm_state_t *s, uint8_t octet)
{
    if (s->ev_count > 0) {
        fm_event_t *last = &s->ev[(s->ev_head + s->ev_count - 1) % FM_EVENTS];

        if (last->type == FM_EV_DATA && s->pl_count < FM_PAYLOAD_OCTETS) {
            payload_put(s, &octet, 1);
            last->len++;
            return;
        }
    }
    push_event(s, FM_EV_DATA, 0, 0, &octet, 1);
}

const fm_event_t *fm_event_peek(const fm_state_t *s)
{
    return s->ev_count > 0 ? &s->ev[s->ev_head] : 0;
}

void fm_event_payload(const fm_state_t *s, uint8_t *dst)
{
    int i;
    int pos = s->pl_head;
    const fm_event_t *e = &s->ev[s->ev_head];

    for (i = 0; i < e->len; i++) {
        dst[i] = s->payload[pos];
        if (++pos >= FM_PAYLOAD_OCTETS) {
            pos = 0;
        }
    }
}

void fm_event_pop(fm_state_t *s)
{
    const fm_event_t *e;

    if (s->ev_count == 0) {
        return;
    }
    e = &s->ev[s->ev_head];
    s->pl_head = (s->pl_head + e->len) % FM_PAYLOAD_OCTETS;
    s->pl_count -= e->len;
    s->ev_head = (s->ev_head + 1) % FM_EVENTS;
    s->ev_count--;
}

/* ---- fast modem dispatch ---- */

static int fast_rate_ok(int modem, int bit_rate)
{
    if (modem == FM_V29) {
        return bit_rate == 9600 || bit_rate == 7200;
    }
    if (modem == FM_V27TER) {
        return bit_rate == 4800 || bit_rate == 2400;
    }
    if (modem == FM_V17) {
        return bit_rate == 14400 || bit_rate == 12000 || bit_rate == 9600 || bit_rate == 7200;
    }
    return 0;
}

static void fast_tx_init(fm_fast_tx_t *t, int modem, int bit_rate, int long_train,
                         int level_dbm0, fx_get_bit_t get_bit, void *user)
{
    if (modem == FM_V29) {
        v29_tx_init(&t->v29, bit_rate, long_train, level_dbm0, get_bit, user);
    } else if (modem == FM_V17) {
        v17_tx_init(&t->v17, bit_rate, long_train, level_dbm0, get_bit, user);
    } else {
        v27ter_tx_init(&t->v27ter, bit_rate, long_train, level_dbm0, get_bit, user);
    }
}

static int fast_tx(fm_fast_tx_t *t, int modem, int16_t amp[], int n)
{
    if (modem == FM_V29) {
        return v29_tx(&t->v29, amp, n);
    }
    if (modem == FM_V17) {
        return v17_tx(&t->v17, amp, n);
    }
    return v27ter_tx(&t->v27ter, amp, n);
}

static void fast_rx_init(fm_fast_rx_t *r, int modem, int bit_rate, int short_train,
                         fx_put_bit_t put_bit, void *user)
{
    if (modem == FM_V29) {
        v29_rx_init(&r->v29, bit_rate, put_bit, user);
    } else if (modem == FM_V17) {
        v17_rx_init(&r->v17, bit_rate, put_bit, user);
        if (short_train) {
            v17_rx_restart(&r->v17, bit_rate, 1);
        }
    } else {
        v27ter_rx_init(&r->v27ter, bit_rate, put_bit, user);
    }
}

static void fast_rx(fm_fast_rx_t *r, int modem, const int16_t amp[], int len)
{
    if (modem == FM_V29) {
        v29_rx(&r->v29, amp, len);
    } else if (modem == FM_V17) {
        v17_rx(&r->v17, amp, len);
    } else {
        v27ter_rx(&r->v27ter, amp, len);
    }
}

static int fast_rx_level(const fm_fast_rx_t *r, int modem)
{
    if (modem == FM_V17) {
        return v17_rx_level_dbm0(&r->v17);
    }
    return modem == FM_V29 ? v29_rx_level_dbm0(&r->v29) : v27ter_rx_level_dbm0(&r->v27ter);
}

static int fast_rx_snr(const fm_fast_rx_t *r, int modem)
{
    if (modem == FM_V17) {
        return v17_rx_snr_db(&r->v17);
    }
    return modem == FM_V29 ? v29_rx_snr_db(&r->v29) : v27ter_rx_snr_db(&r->v27ter);
}

/* ---- transmit ---- */

static int data_get_bit(void *user)
{
    fm_state_t *s = (fm_state_t *) user;
    int bit;

    if (s->data_count == 0) {
        if (s->data_end) {
            s->data_end = 0;
            return FX_BIT_END;
        }
        s->underruns++;
        return 0;
    }
    /* Line order: LSB of each octet first. */
    bit = (s->data[s->data_head] >> s->data_bit) & 1;
    if (++s->data_bit == 8) {
        s->data_bit = 0;
        s->data_head = (s->data_head + 1) % FM_TX_DATA_OCTETS;
        s->data_count--;
    }
    return bit;
}

static int queue_segment(fm_state_t *s, int kind, int32_t param, int long_train)
{
    fm_segment_t *g;

    if (s->seg_count >= FM_TX_SEGMENTS) {
        return -1;
    }
    g = &s->seg[(s->seg_head + s->seg_count) % FM_TX_SEGMENTS];
    g->kind = (int16_t) kind;
    g->param = param;
    g->long_train = (int16_t) long_train;
    g->hdlc_preamble_ms = 0;
    s->seg_count++;
    return 0;
}

int fm_tx_silence(fm_state_t *s, int ms)
{
    if (ms < 0) {
        return -1;
    }
    return queue_segment(s, FM_SILENCE, ms, 0);
}

int fm_tx_tone(fm_state_t *s, int kind, int ms)
{
    if (ms < 0 || (kind != FM_CNG && kind != FM_CED && kind != FM_ANSAM)) {
        return -1;
    }
    return queue_segment(s, kind, ms, 0);
}

int fm_tx_dtmf(fm_state_t *s, char digit, int ms)
{
    tone_gen_t probe;

    if (ms < 0 || tone_gen_init_dtmf(&probe, digit, 0) != 0) {
        return -1;
    }
    return queue_segment(s, FM_DTMF, ms, digit);
}

int fm_tx_v21(fm_state_t *s, int preamble_ms)
{
    if (preamble_ms < 0) {
        return -1;
    }
    return queue_segment(s, FM_V21, preamble_ms, 0);
}

int fm_tx_frame(fm_state_t *s, const uint8_t *data, int len, int final)
{
    return hdlc_tx_frame(&s->hdlc_tx, data, len, final);
}

int fm_tx_fast(fm_state_t *s, int modem, int bit_rate, int long_train)
{
    if (!fast_rate_ok(modem, bit_rate)) {
        return -1;
    }
    return queue_segment(s, modem, bit_rate, long_train);
}

int fm_tx_fast_hdlc(fm_state_t *s, int modem, int bit_rate, int long_train, int preamble_ms)
{
    fm_segment_t *g;

    if (!fast_rate_ok(modem, bit_rate) || preamble_ms <= 0 || preamble_ms > 10000) {
        return -1;
    }
    if (queue_segment(s, modem, bit_rate, long_train) != 0) {
        return -1;
    }
    g = &s->seg[(s->seg_head + s->seg_count - 1) % FM_TX_SEGMENTS];
    g->hdlc_preamble_ms = (int16_t) preamble_ms;
    return 0;
}

int fm_tx_frame_free(const fm_state_t *s)
{
    return hdlc_tx_free(&s->hdlc_tx);
}

int fm_tx_data(fm_state_t *s, const uint8_t *data, int len)
{
    int n = FM_TX_DATA_OCTETS - s->data_count;
    int tail = (s->data_head + s->data_count) % FM_TX_DATA_OCTETS;
    int i;

    if (len < n) {
        n = len;
    }
    for (i = 0; i < n; i++) {
        s->data[tail] = data[i];
        if (++tail >= FM_TX_DATA_OCTETS) {
            tail = 0;
        }
    }
    s->data_count += n;
    return n;
}

void fm_tx_data_end(fm_state_t *s)
{
    s->data_end = 1;
}

int fm_tx_free(const fm_state_t *s)
{
    return FM_TX_DATA_OCTETS - s->data_count;
}

void fm_tx_flush(fm_state_t *s)
{
    /* Drop everything queued and stop the current segment at once (a call being
       abandoned or cancelled); the next fm_tx() starts from silence. */
    s->seg_count = 0;
    s->cur_active = 0;
    s->data_head = 0;
    s->data_count = 0;
    s->data_end = 0;
    s->data_bit = 0;
    hdlc_tx_init(&s->hdlc_tx);
}

int fm_tx_idle(const fm_state_t *s)
{
    return !s->cur_active && s->seg_count == 0;
}

static void start_segment(fm_state_t *s)
{
    s->cur = s->seg[s->seg_head];
    s->seg_head = (s->seg_head + 1) % FM_TX_SEGMENTS;
    s->seg_count--;
    s->cur_active = 1;
    s->cur_left = s->cur.param * (FX_SAMPLE_RATE_HZ / 1000);
    switch (s->cur.kind) {
    case FM_CNG:
        tone_gen_init_cng(&s->tone, s->level_dbm0);
        break;
    case FM_CED:
        tone_gen_init_ced(&s->tone, s->level_dbm0);
        break;
    case FM_ANSAM:
        tone_gen_init_ansam(&s->tone, s->level_dbm0);
        break;
    case FM_DTMF:
        /* Each tone of the pair 3 dB below the set level (total = level). */
        tone_gen_init_dtmf(&s->tone, (char) s->cur.long_train, s->level_dbm0 - 3);
        break;
    case FM_V21:
        /* Preamble flags rounded up: 300 bit/s, 8 bits a flag. */
        hdlc_tx_start(&s->hdlc_tx, (int) (((int32_t) s->cur.param * FSK_V21_BAUD
                                           + 1000 * V21_PREAMBLE_BITS_PER_FLAG - 1)
                                          / (1000 * V21_PREAMBLE_BITS_PER_FLAG)));
        fsk_tx_init(&s->fsk_tx, s->level_dbm0, hdlc_tx_get_bit, &s->hdlc_tx);
        break;
    case FM_V29:
    case FM_V27TER:
    case FM_V17:
        s->data_bit = 0;
        if (s->cur.hdlc_preamble_ms > 0) {
            /* ECM: flags for the preamble, rounded up to whole flags of 8 bits. */
            hdlc_tx_start(&s->hdlc_tx, (int) ((s->cur.param * s->cur.hdlc_preamble_ms + 7999)
                                              / 8000));
            fast_tx_init(&s->fast_tx, s->cur.kind, (int) s->cur.param, s->cur.long_train,
                         s->level_dbm0, hdlc_tx_get_bit, &s->hdlc_tx);
        } else {
            fast_tx_init(&s->fast_tx, s->cur.kind, (int) s->cur.param, s->cur.long_train,
                         s->level_dbm0, data_get_bit, s);
        }
        break;
    default:
        break;
    }
}

/* Produces up to n samples of the current segment; returns how many, and
   marks the segment finished when it ends. */
static int run_segment(fm_state_t *s, int16_t amp[], int n)
{
    int k;
    int finished;

    switch (s->cur.kind) {
    case FM_SILENCE:
    case FM_CNG:
    case FM_CED:
    case FM_ANSAM:
    case FM_DTMF:
        k = s->cur_left < n ? (int) s->cur_left : n;
        if (s->cur.kind == FM_SILENCE) {
            memset(amp, 0, (size_t) k * sizeof(amp[0]));
        } else {
            tone_gen(&s->tone, amp, k);
        }
        s->cur_left -= k;
        finished = s->cur_left <= 0;
        break;
    case FM_V21:
        k = fsk_tx(&s->fsk_tx, amp, n);
        finished = k < n;
        break;
    default:
        k = fast_tx(&s->fast_tx, s->cur.kind, amp, n);
        finished = k < n;
        break;
    }
    if (finished) {
        s->cur_active = 0;
        push_event(s, FM_EV_TX_DONE, s->cur.kind, 0, 0, 0);
    }
    return k;
}

int fm_tx(fm_state_t *s, int16_t amp[], int n)
{
    int done = 0;

    while (done < n) {
        if (!s->cur_active) {
            if (s->seg_count == 0) {
                memset(amp + done, 0, (size_t) (n - done) * sizeof(amp[0]));
                break;
            }
            start_segment(s);
        }
        done += run_segment(s, amp + done, n - done);
    }
    return n;
}

/* ---- receive ---- */

static void fast_put_bit(void *user, int bit);

static void frame_handler(void *user, const uint8_t *data, int len, int crc_ok)
{
    fm_state_t *s = (fm_state_t *) user;

    if (s->rx_mode == FM_RX_FAST && s->lock == 0) {
        if (!crc_ok) {
            return;     /* not locked: a bad frame may be the fast signal */
        }
        s->lock = FM_V21;
        push_event(s, FM_EV_CARRIER, 1, FM_V21, 0, 0);
    }
    push_event(s, FM_EV_FRAME, crc_ok, 0, data, len);
}

static void v21_put_bit(void *user, int bit)
{
    fm_state_t *s = (fm_state_t *) user;

    if (bit >= 0) {
        hdlc_rx_put_bit(&s->hdlc_rx, bit);
        return;
    }
    hdlc_rx_put_bit(&s->hdlc_rx, bit);
    if (s->rx_mode == FM_RX_V21) {
        if (bit == FX_STATUS_CARRIER_UP || bit == FX_STATUS_CARRIER_DOWN) {
            push_event(s, FM_EV_CARRIER, bit == FX_STATUS_CARRIER_UP, FM_V21, 0, 0);
        }
        return;
    }
    /* RX_FAST: V.21 carrier is reported only once V.21 has won. */
    if (bit == FX_STATUS_CARRIER_DOWN && s->lock == FM_V21) {
        push_event(s, FM_EV_CARRIER, 0, FM_V21, 0, 0);
        s->lock = 0;
        /* The fast receiver was frozen while V.21 held the line: start it
           afresh (this runs inside fsk_rx(), not inside the fast receiver). */
        s->fast_carrier = 0;
        fast_rx_init(&s->fast_rx, s->fast_modem, s->fast_rate, s->fast_short_train, fast_put_bit,
                     s);
    }
}

static void fast_put_bit(void *user, int bit)
{
    fm_state_t *s = (fm_state_t *) user;

    if (bit >= 0) {
        if (s->lock != s->fast_modem) {
            return;
        }
        if (s->fast_hdlc) {
            hdlc_rx_put_bit(&s->hdlc_rx, bit);
            return;
        }
        s->rx_octet |= (uint8_t) (bit << s->rx_bits);       /* line order: LSB first */
        if (++s->rx_bits == 8) {
            push_data_octet(s, s->rx_octet);
            s->rx_octet = 0;
            s->rx_bits = 0;
        }
        return;
    }
    switch (bit) {
    case FX_STATUS_CARRIER_UP:
        s->fast_carrier = 1;
        break;
    case FX_STATUS_TRAINING_OK:
        /* The fast modem has won: its carrier is reported from here on. */
        s->lock = s->fast_modem;
        s->rx_octet = 0;
        s->rx_bits = 0;
        if (s->fast_hdlc) {
            /* The framer now takes the fast bits; V.21 is frozen meanwhile. */
            hdlc_rx_init(&s->hdlc_rx, frame_handler, s);
        }
        push_event(s, FM_EV_CARRIER, 1, s->fast_modem, 0, 0);
        push_event(s, FM_EV_TRAINED, 1, 0, 0, 0);
        break;
    case FX_STATUS_TRAINING_FAILED:
        if (s->lock == 0) {
            push_event(s, FM_EV_TRAINED, 0, 0, 0, 0);
        }
        break;
    case FX_STATUS_CARRIER_DOWN:
        if (s->lock == s->fast_modem) {
            push_event(s, FM_EV_CARRIER, 0, s->fast_modem, 0, 0);
            s->lock = 0;
            if (s->fast_hdlc) {
                hdlc_rx_init(&s->hdlc_rx, frame_handler, s);
            }
        }
        s->fast_carrier = 0;
        s->fast_restart = 1;
        break;
    default:
        break;
    }
}

int fm_rx_mode(fm_state_t *s, int mode, int modem, int bit_rate, int short_train)
{
    if (mode == FM_RX_FAST && !fast_rate_ok(modem, bit_rate)) {
        return -1;
    }
    if (mode != FM_RX_OFF && mode != FM_RX_V21 && mode != FM_RX_FAST) {
        return -1;
    }
    s->rx_mode = mode;
    s->lock = 0;
    s->fast_carrier = 0;
    s->fast_restart = 0;
    s->fast_modem = mode == FM_RX_FAST ? modem : 0;
    s->fast_rate = bit_rate;
    s->fast_short_train = short_train;
    s->fast_hdlc = 0;
    fsk_rx_init(&s->fsk_rx, v21_put_bit, s);
    hdlc_rx_init(&s->hdlc_rx, frame_handler, s);
    if (mode == FM_RX_FAST) {
        fast_rx_init(&s->fast_rx, modem, bit_rate, short_train, fast_put_bit, s);
    }
    return 0;
}

void fm_rx_set_hdlc(fm_state_t *s, int hdlc)
{
    s->fast_hdlc = s->rx_mode == FM_RX_FAST && hdlc;
}

static void detect_tones(fm_state_t *s, const int16_t amp[], int len)
{
    static const int16_t kinds[4] = { 0, FM_CED, FM_ANSAM, FM_CNG };

    while (len > 0) {
        int chunk = len < TONE_BLOCK_SAMPLES ? len : TONE_BLOCK_SAMPLES;
        int r = fax_tone_det(&s->tone_det, amp, chunk);

        if (r != TONE_RESULT_NONE) {
            push_event(s, FM_EV_TONE, kinds[r], 0, 0, 0);
        }
        amp += chunk;
        len -= chunk;
    }
}

static void rx_chunk(fm_state_t *s, const int16_t amp[], int len)
{
    detect_tones(s, amp, len);
    if (s->rx_mode == FM_RX_V21) {
        fsk_rx(&s->fsk_rx, amp, len);
    } else if (s->rx_mode == FM_RX_FAST) {
        if (s->lock != FM_V21) {
            fast_rx(&s->fast_rx, s->fast_modem, amp, len);
            if (s->fast_restart) {
                s->fast_restart = 0;
                fast_rx_init(&s->fast_rx, s->fast_modem, s->fast_rate, s->fast_short_train, fast_put_bit,
                     s);
            }
        }
        if (s->lock != s->fast_modem) {
            fsk_rx(&s->fsk_rx, amp, len);
        }
    }
}

void fm_rx(fm_state_t *s, const int16_t amp[], int len)
{
    /* The line may carry a DC offset (codec, DAA): remove it on a copy, a
       chunk at a time, before every receiver. */
    int16_t buf[FM_RX_CHUNK_SAMPLES];
    int32_t done = 0;           /* samples of this block measured so far */

    while (len > 0) {
        int n = len < FM_RX_CHUNK_SAMPLES ? len : FM_RX_CHUNK_SAMPLES;
        uint64_t acc = 0;       /* sum of x^2 (each <= 2^30): 64-bit adds only */
        int32_t chunk_ms;
        int i;

        memcpy(buf, amp, (size_t) n * sizeof(buf[0]));
        dc_block(&s->dc, buf, n);
        for (i = 0; i < n; i++) {
            acc += (uint32_t) ((int32_t) buf[i] * buf[i]);
        }
        /* Mean square of the chunk, then the running mean over the block's chunks
           weighted by length: divisions once per chunk, not per sample. */
        chunk_ms = (int32_t) (acc / (uint32_t) n);
        if (done == 0) {
            s->block_ms = chunk_ms;
        } else {
            s->block_ms += (int32_t) (((int64_t) (chunk_ms - s->block_ms) * n) / (done + n));
        }
        done += n;
        rx_chunk(s, buf, n);
        amp += n;
        len -= n;
    }
}

int fm_rx_level_dbm0(const fm_state_t *s)
{
    if (s->rx_mode == FM_RX_FAST && s->lock != FM_V21 && s->fast_carrier) {
        return fast_rx_level(&s->fast_rx, s->fast_modem);
    }
    return fsk_rx_level_dbm0(&s->fsk_rx);
}

int fm_tone_min_share_pct(tone_cadence_det_t *s, int pct)
{
    if (pct < 1 || pct > 100) {
        return -1;
    }
    /* tone_block_det_t.ratio_q4 is 16 for 40 % (tones.c): 2/5 of a unit per
       percent, rounded, at least 1. */
    s->det.ratio_q4 = (pct * 2 + 2) / 5;
    if (s->det.ratio_q4 < 1) {
        s->det.ratio_q4 = 1;
    }
    return 0;
}

int fm_rx_block_dbm0(const fm_state_t *s)
{
    return power_ms_to_dbm0(s->block_ms);
}

int fm_rx_snr_db(const fm_state_t *s)
{
    if (s->rx_mode == FM_RX_FAST && s->lock != FM_V21 && s->fast_carrier) {
        return fast_rx_snr(&s->fast_rx, s->fast_modem);
    }
    return fsk_rx_snr_db(&s->fsk_rx);
}

void fm_init(fm_state_t *s)
{
    memset(s, 0, sizeof(*s));
    s->level_dbm0 = FM_DEFAULT_LEVEL_DBM0;
    hdlc_tx_init(&s->hdlc_tx);
    fax_tone_det_init(&s->tone_det);
    dc_block_init(&s->dc);
    fm_rx_mode(s, FM_RX_OFF, 0, 0, 0);
}

/* ---- raw modems ---- */

static int raw_get_bit(void *user)
{
    fm_raw_tx_t *s = (fm_raw_tx_t *) user;
    int bit;

    if (s->count == 0) {
        return s->ended ? FX_BIT_END : 0;
    }
    bit = (s->data[s->head] >> s->bit) & 1;
    if (++s->bit == 8) {
        s->bit = 0;
        s->head = (s->head + 1) % FM_RAW_TX_OCTETS;
        s->count--;
    }
    return bit;
}

int fm_raw_tx_init(fm_raw_tx_t *s, int kind, int bit_rate, int long_train, int level_dbm0)
{
    if (!(kind == FM_V21 && bit_rate == FSK_V21_BAUD) && !fast_rate_ok(kind, bit_rate)) {
        return -1;
    }
    s->kind = kind;
    s->finished = 0;
    s->head = 0;
    s->count = 0;
    s->bit = 0;
    s->ended = 0;
    if (kind == FM_V21) {
        fsk_tx_init(&s->m.fsk, level_dbm0, raw_get_bit, s);
    } else {
        fast_tx_init(&s->m.fast, kind, bit_rate, long_train, level_dbm0, raw_get_bit, s);
    }
    return 0;
}

int fm_raw_tx_push(fm_raw_tx_t *s, const uint8_t *data, int len)
{
    int n = FM_RAW_TX_OCTETS - s->count;
    int i;

    if (len < n) {
        n = len;
    }
    for (i = 0; i < n; i++) {
        s->data[(s->head + s->count + i) % FM_RAW_TX_OCTETS] = data[i];
    }
    s->count += n;
    return n;
}

void fm_raw_tx_end(fm_raw_tx_t *s)
{
    s->ended = 1;
}

int fm_raw_tx(fm_raw_tx_t *s, int16_t amp[], int n)
{
    int k = 0;

    if (!s->finished) {
        if (s->kind == FM_V21) {
            k = fsk_tx(&s->m.fsk, amp, n);
        } else {
            k = fast_tx(&s->m.fast, s->kind, amp, n);
        }
        if (k < n) {
            s->finished = 1;
        }
    }
    memset(amp + k, 0, (size_t) (n - k) * sizeof(amp[0]));
    return n;
}

static void raw_put_bit(void *user, int bit)
{
    fm_raw_rx_t *s = (fm_raw_rx_t *) user;

    if (bit >= 0) {
        if (s->count >= FM_RAW_RX_BITS) {
            s->lost_bits++;
            return;
        }
        s->bits[(s->head + s->count) % FM_RAW_RX_BITS] = (uint8_t) bit;
        s->count++;
        return;
    }
    if (s->ev_count < FM_RAW_EVENTS) {
        int tail = (s->ev_head + s->ev_count) % FM_RAW_EVENTS;

        s->ev_code[tail] = (int8_t) bit;
        s->ev_sample[tail] = s->sample_index;
        s->ev_count++;
    }
}

int fm_raw_rx_init(fm_raw_rx_t *s, int kind, int bit_rate)
{
    if (!(kind == FM_V21 && bit_rate == FSK_V21_BAUD) && !fast_rate_ok(kind, bit_rate)) {
        return -1;
    }
    s->kind = kind;
    s->head = 0;
    s->count = 0;
    s->lost_bits = 0;
    s->ev_head = 0;
    s->ev_count = 0;
    s->sample_index = 0;
    if (kind == FM_V21) {
        fsk_rx_init(&s->m.fsk, raw_put_bit, s);
    } else {
        fast_rx_init(&s->m.fast, kind, bit_rate, 0, raw_put_bit, s);
    }
    return 0;
}

void fm_raw_rx(fm_raw_rx_t *s, const int16_t amp[], int len)
{
    int i;

    /* One sample at a time so that events carry their exact sample index. */
    for (i = 0; i < len; i++) {
        if (s->kind == FM_V21) {
            fsk_rx(&s->m.fsk, amp + i, 1);
        } else {
            fast_rx(&s->m.fast, s->kind, amp + i, 1);
        }
        s->sample_index++;
    }
}

int fm_raw_rx_bits(fm_raw_rx_t *s, uint8_t *dst, int max)
{
    int n = s->count < max ? s->count : max;
    int i;

    for (i = 0; i < n; i++) {
        dst[i] = s->bits[s->head];
        s->head = (s->head + 1) % FM_RAW_RX_BITS;
    }
    s->count -= n;
    return n;
}

int fm_raw_rx_event(fm_raw_rx_t *s, int *code, int32_t *sample)
{
    if (s->ev_count == 0) {
        return 0;
    }
    *code = s->ev_code[s->ev_head];
    *sample = s->ev_sample[s->ev_head];
    s->ev_head = (s->ev_head + 1) % FM_RAW_EVENTS;
    s->ev_count--;
    return 1;
}

int fm_raw_rx_level_dbm0(const fm_raw_rx_t *s)
{
    if (s->kind == FM_V21) {
        return fsk_rx_level_dbm0(&s->m.fsk);
    }
    return fast_rx_level(&s->m.fast, s->kind);
}

int fm_raw_rx_snr_db(const fm_raw_rx_t *s)
{
    if (s->kind == FM_V21) {
        return fsk_rx_snr_db(&s->m.fsk);
    }
    return fast_rx_snr(&s->m.fast, s->kind);
}
