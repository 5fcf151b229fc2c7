/*
 * v17tx.c - ITU-T V.17 (02/91) transmitter, fixed point.
 *
 * Constellation co-ordinates are Q12 (v17_tables.h: the standard's divided
 * by 4). Each output sample is a 9-tap sum over the last symbols with the
 * generated shaper-times-carrier table: no separate baseband or carrier DDS.
 */
#include "v17tx.h"
#include "qam_tables.h"
#include "v17_tables.h"

#define V17_CARRIER_HZ          1800

/* Synchronizing signal lengths in symbol intervals (V.17, synchronizing signals; as SpanDSP 0.0.6 sends them). */
#define V17_SEG1_SYMBOLS        256     /* ABAB... */
#define V17_SEG2_LONG_SYMBOLS   2976    /* CDBA... from the scrambler, long training */
#define V17_SEG2_SHORT_SYMBOLS  38      /* the same, short training */
#define V17_SEG3_SYMBOLS        64      /* bridge: the rate word, long training only */
#define V17_SEG4_SYMBOLS        48      /* scrambled binary ones, trellis coded */
#define V17_TURNOFF_SYMBOLS     32      /* scrambled ones after the data */
/* Segment 1 symbols already in the shaper when a short training starts (see v17_tx_init). */
#define V17_SHORT_PREROLL_SYMBOLS   5

/* Segment 3 sends this 16-bit pattern, LSB first, eight dibits per repeat. */
#define V17_BRIDGE_WORD         0x8880u

enum {
    V17_TX_SEG1,
    V17_TX_SEG2,
    V17_TX_SEG3,
    V17_TX_SEG4,
    V17_TX_DATA,
    V17_TX_TURNOFF,
    V17_TX_DRAIN,
    V17_TX_DONE
};

/* Segment 2: scrambled dibit (first bit the MSB) -> training point C, D, B, A
   (the generator's SEG2_POINT, which also writes v17_seg2_seq from it). */
static const uint8_t v17_seg2_point[4] = {2, 3, 1, 0};
/* Segment 3: scrambled dibit -> phase step in quarter turns through A B C D. */
static const uint8_t v17_seg3_step[4] = {1, 0, 2, 3};

static const qam_point_t v17_zero = {0, 0};

/* Signed halves of a packed word (uint16 -> int16 wraps in two's complement, as on every target here). */
#define LOW16(w)    ((int32_t) (int16_t) (uint16_t) ((w) & 0xFFFFu))
#define HIGH16(w)   ((int32_t) (int16_t) (uint16_t) ((w) >> 16))

static void push_symbol(v17_tx_state_t *s, qam_point_t p)
{
    uint32_t w = ((uint32_t) (uint16_t) p.re) | ((uint32_t) (uint16_t) p.im << 16);

    s->newest++;
    if (s->newest >= V17_TX_SPAN) {
        s->newest = 0;
    }
    s->hist[s->newest] = w;
    s->hist[s->newest + V17_TX_SPAN] = w;
}

static void set_stage(v17_tx_state_t *s, int stage, int symbols)
{
    s->stage = stage;
    s->symbols_left = symbols;
    s->count = 0;
}

/* Self-synchronising scrambler 1 + x^-18 + x^-23 (V.17, scrambler clause). */
static int scramble(v17_tx_state_t *s, int bit)
{
    int out = (bit ^ (int) (s->scramble_reg >> 17) ^ (int) (s->scramble_reg >> 22)) & 1;

    s->scramble_reg = ((s->scramble_reg << 1) | (uint32_t) out) & 0x7FFFFFu;
    return out;
}

/* Next data bit; ones in segment 4, in the turn-off and once the data has ended. */
static int next_bit(v17_tx_state_t *s)
{
    return qam_tx_data_bit(s->get_bit, s->user, &s->data_ended, s->stage == V17_TX_DATA);
}

/* One trellis-coded symbol: the first bit is Q1. */
static qam_point_t data_symbol(v17_tx_state_t *s)
{
    int q = 0;
    int i;

    for (i = 0; i < s->bits_per_symbol; i++) {
        q |= scramble(s, next_bit(s)) << i;
    }
    return s->points[v17_encode(&s->enc, q)];
}

static qam_point_t training_symbol(v17_tx_state_t *s)
{
    int bits;
    int shift;

    switch (s->stage) {
    case V17_TX_SEG1:
        /* A first, then B, A, B... */
        s->abcd = (uint8_t) (s->count & 1);
        break;
    case V17_TX_SEG2:
        bits = scramble(s, 1);
        bits = (bits << 1) | scramble(s, 1);
        s->abcd = v17_seg2_point[bits];
        break;
    default:
        /* Segment 3: the bridge word, scrambled, moves the phase. */
        shift = (s->count & 7) << 1;
        bits = scramble(s, (int) (V17_BRIDGE_WORD >> shift) & 1);
        bits = (bits << 1) | scramble(s, (int) (V17_BRIDGE_WORD >> (shift + 1)) & 1);
        s->abcd = (uint8_t) ((s->abcd + v17_seg3_step[bits]) & 3);
        break;
    }
    return v17_abcd[s->abcd];
}

/* Move on when the current stage has sent its symbols. */
static void advance(v17_tx_state_t *s)
{
    if (s->stage == V17_TX_DATA) {
        if (s->data_ended) {
            set_stage(s, V17_TX_TURNOFF, V17_TURNOFF_SYMBOLS);
        }
        return;
    }
    s->count++;
    if (--s->symbols_left > 0) {
        return;
    }
    switch (s->stage) {
    case V17_TX_SEG1:
        set_stage(s, V17_TX_SEG2, s->short_train ? V17_SEG2_SHORT_SYMBOLS : V17_SEG2_LONG_SYMBOLS);
        break;
    case V17_TX_SEG2:
        if (s->short_train) {
            set_stage(s, V17_TX_SEG4, V17_SEG4_SYMBOLS);
        } else {
            set_stage(s, V17_TX_SEG3, V17_SEG3_SYMBOLS);
        }
        break;
    case V17_TX_SEG3:
        set_stage(s, V17_TX_SEG4, V17_SEG4_SYMBOLS);
        break;
    case V17_TX_SEG4:
        set_stage(s, V17_TX_DATA, 0);
        break;
    case V17_TX_TURNOFF:
        set_stage(s, V17_TX_DRAIN, V17_TX_SPAN);
        break;
    default:
        set_stage(s, V17_TX_DONE, 0);
        break;
    }
}

static qam_point_t next_symbol(v17_tx_state_t *s)
{
    qam_point_t p;

    switch (s->stage) {
    case V17_TX_SEG1:
    case V17_TX_SEG2:
    case V17_TX_SEG3:
        p = training_symbol(s);
        break;
    case V17_TX_SEG4:
    case V17_TX_DATA:
    case V17_TX_TURNOFF:
        p = data_symbol(s);
        break;
    default:
        p = v17_zero;
        break;
    }
    advance(s);
    return p;
}

void v17_tx_init(v17_tx_state_t *s, int bit_rate, int long_train, int level_dbm0,
                 fx_get_bit_t get_bit, void *user)
{
    int32_t gain0;
    int att_db;
    int i;

    switch (bit_rate) {
    case 12000:
        s->bits_per_symbol = 5;
        s->points = v17_points_12000;
        gain0 = V17_TX_GAIN_12000;
        break;
    case 9600:
        s->bits_per_symbol = 4;
        s->points = v17_points_9600;
        gain0 = V17_TX_GAIN_9600;
        break;
    case 7200:
        s->bits_per_symbol = 3;
        s->points = v17_points_7200;
        gain0 = V17_TX_GAIN_7200;
        break;
    default:
        bit_rate = 14400;
        s->bits_per_symbol = 6;
        s->points = v17_points_14400;
        gain0 = V17_TX_GAIN_14400;
        break;
    }
    s->bit_rate = bit_rate;
    s->short_train = !long_train;
    s->get_bit = get_bit;
    s->user = user;
    s->scramble_reg = V17_SCRAMBLER_SEED;
    s->abcd = 0;
    s->data_ended = 0;
    /* The differential encoder starts from Y1 Y2 = 01 after long training
       and 00 after short (as SpanDSP; the first symbols are segment 4 ones,
       which the receiver discards, so either start works). */
    v17_encoder_init(&s->enc, long_train ? 1 : 0);
    for (i = 0; i < 2 * V17_TX_SPAN; i++) {
        s->hist[i] = 0;
    }
    s->newest = 0;
    s->n = 0;
    s->baud_phase = 0;
    /* Levels above 0 dBm0 are clamped to 0; below the table to its end. */
    att_db = -level_dbm0;
    if (att_db < 0) {
        att_db = 0;
    }
    if (att_db >= QAM_LEVEL_STEPS) {
        att_db = QAM_LEVEL_STEPS - 1;
    }
    /* Q13 x Q15 -> Q28; >> 15 gives Q13. */
    s->gain_q13 = (gain0 * qam_level_q15[att_db]) >> 15;
    set_stage(s, V17_TX_SEG1, V17_SEG1_SYMBOLS);
    if (!long_train) {
        /* Short training starts near full amplitude: the newest
           V17_SHORT_PREROLL_SYMBOLS of the shaper history hold segment 1's
           pattern (ABAB..., V.17 synchronizing signals) as if it had already
           been running, ending with B so that the first counted symbol, A,
           follows. The burst keeps its length and its symbols; the shaper's
           ramp-up is only shortened. Why: SpanDSP 0.0.6 restarts its carrier
           phase at the sample where it detects energy and, in short training,
           tells A from B by an angle step that comes out wrong when A and B
           lie either side of 180 degrees (tests/test_v17.py). With the full
           ramp its detection sample, hence the phase it meets, moved with the
           received level (failing at -10 dBm0 on a clean line); with this
           onset it is the same sample from -6 to -26 dBm0, at a phase clear of
           that fault. */
        for (i = V17_TX_SPAN - V17_SHORT_PREROLL_SYMBOLS; i < V17_TX_SPAN; i++) {
            push_symbol(s, v17_abcd[((V17_TX_SPAN - 1 - i) & 1) ? 0 : 1]);
        }
    }
}

int v17_tx(v17_tx_state_t *s, int16_t amp[], int max_len)
{
    int n;

    for (n = 0; n < max_len; n++) {
        const uint32_t *tab = &v17_mod_q14[s->n * V17_TX_SPAN];
        const uint32_t *h;
        int32_t acc = 0;    /* Q12 x Q14 = Q26 */
        int i;

        /* Shaper phase 3 n mod 10 (2400 Bd at 8000 samples/s): a symbol
           starts at each sample where it wraps, i.e. is below 3. */
        if (s->baud_phase < 3) {
            if (s->stage == V17_TX_DONE) {
                break;
            }
            push_symbol(s, next_symbol(s));
        }
        /* Symbols and taps both from the oldest to the newest; each word
           holds two signed 16-bit halves (low: re / cos, high: im / sin). */
        h = &s->hist[s->newest + 1];
        for (i = 0; i < V17_TX_SPAN; i++) {
            uint32_t x = h[i];
            uint32_t t = tab[i];

            acc += LOW16(x) * LOW16(t) - HIGH16(x) * HIGH16(t);
        }
        if (++s->n >= V17_MOD_PERIOD) {
            s->n = 0;
        }
        s->baud_phase += 3;
        if (s->baud_phase >= 10) {
            s->baud_phase -= 10;
        }
        /* >> 14: Q26 -> Q12 passband; x Q13 gain >> 13 -> samples; saturate. */
        amp[n] = fx_sat16(((acc >> 14) * s->gain_q13) >> QAM_TX_GAIN_Q);
    }
    return n;
}
