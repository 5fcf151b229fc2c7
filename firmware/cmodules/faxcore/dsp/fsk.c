/*
 * fsk.c - V.21 channel 2 FSK modem (300 bit/s), fixed point.
 *
 * Transmitter: one continuous-phase oscillator whose increment switches between
 * mark and space at each bit (V.21 §2, §3: phase-continuous FSK).
 *
 * Receiver: a non-coherent correlator. The input is mixed with mark and space
 * references; sliding sums over one bit (27 samples) give each tone's complex
 * amplitude, and the larger energy is the decision. A baud clock samples the
 * decision once per bit; each decision transition pulls the clock towards the
 * point half a bit before the sampling instant (the window is then centred on
 * the bit). Carrier detect is a power meter with hysteresis.
 */
#include "fsk.h"
#include "tones.h"

#define BAUD_ACC_WRAP           FX_SAMPLE_RATE_HZ       /* baud clock units per bit */
#define BAUD_HALF               (BAUD_ACC_WRAP / 2)
/* Clock correction per transition: fast while acquiring on the preamble,
   slower once locked (shift of the phase error). */
#define BAUD_ACQUIRE_SHIFT      1
#define BAUD_TRACK_SHIFT        3
#define BAUD_ACQUIRE_BITS       24
/* Carrier must stay beyond a threshold this long to change state (2 ms). */
#define CARRIER_HOLD_SAMPLES    16
#define POWER_SHIFT             4       /* power meter time constant 16 samples */

/* ---- transmitter ---- */

void fsk_tx_init(fsk_tx_state_t *s, int level_dbm0, fx_get_bit_t get_bit, void *user)
{
    s->get_bit = get_bit;
    s->user = user;
    s->phase = 0;
    s->inc_mark = tone_phase_inc(FSK_V21_MARK_HZ);
    s->inc_space = tone_phase_inc(FSK_V21_SPACE_HZ);
    s->inc = s->inc_mark;
    s->baud_acc = BAUD_ACC_WRAP;        /* fetch a bit on the first sample */
    s->peak = power_dbm0_to_peak(level_dbm0);
    s->done = 0;
}

int fsk_tx(fsk_tx_state_t *s, int16_t amp[], int max_len)
{
    int i;

    for (i = 0; i < max_len; i++) {
        if (s->done) {
            break;
        }
        if (s->baud_acc >= BAUD_ACC_WRAP) {
            int bit = s->get_bit(s->user);

            s->baud_acc -= BAUD_ACC_WRAP;
            if (bit == FX_BIT_END) {
                s->done = 1;
                break;
            }
            s->inc = bit ? s->inc_mark : s->inc_space;
        }
        s->baud_acc += FSK_V21_BAUD;
        /* Q15 sine times peak: the >> 15 rescales to sample units. */
        amp[i] = (int16_t) (((int32_t) tone_sin_q15(s->phase) * s->peak) >> 15);
        s->phase += s->inc;
    }
    return i;
}

/* ---- receiver ---- */

void fsk_rx_init(fsk_rx_state_t *s, fx_put_bit_t put_bit, void *user)
{
    int i;
    int j;

    s->put_bit = put_bit;
    s->user = user;
    s->phase_mark = 0;
    s->phase_space = 0;
    s->inc_mark = tone_phase_inc(FSK_V21_MARK_HZ);
    s->inc_space = tone_phase_inc(FSK_V21_SPACE_HZ);
    for (j = 0; j < 4; j++) {
        s->sum[j] = 0;
        for (i = 0; i < FSK_WINDOW_SAMPLES; i++) {
            s->hist[j][i] = 0;
        }
    }
    s->pos = 0;
    s->baud_phase = 0;
    s->last_decision = 1;
    s->bits_since_up = 0;
    power_meter_init(&s->power, POWER_SHIFT);
    s->on_ms = power_dbm0_to_ms(FSK_RX_ON_DBM0);
    s->off_ms = power_dbm0_to_ms(FSK_RX_OFF_DBM0);
    s->carrier = 0;
    s->hold = 0;
}

/* Squared magnitude of a window sum pair after `shift`; fits uint32. */
static uint32_t mag2(int32_t i_sum, int32_t q_sum, int shift)
{
    int32_t a = i_sum >> shift;
    int32_t b = q_sum >> shift;

    return (uint32_t) (a * a) + (uint32_t) (b * b);
}

/* Mark energy minus space energy over the window, sign only matters. The sums
   are at most 27 * 32767 < 2^20; they are shifted until each fits 15 bits so
   the squares fit uint32 without a 64-bit multiply. */
static int decide(const fsk_rx_state_t *s, uint32_t *e_mark, uint32_t *e_space)
{
    int32_t m = 0;
    int shift = 0;
    int j;

    for (j = 0; j < 4; j++) {
        int32_t a = s->sum[j] < 0 ? -s->sum[j] : s->sum[j];

        if (a > m) {
            m = a;
        }
    }
    while ((m >> shift) > 32767) {
        shift++;
    }
    *e_mark = mag2(s->sum[0], s->sum[1], shift);
    *e_space = mag2(s->sum[2], s->sum[3], shift);
    return *e_mark > *e_space;
}

static void update_carrier(fsk_rx_state_t *s, int32_t ms)
{
    int beyond = s->carrier ? (ms < s->off_ms) : (ms > s->on_ms);

    if (!beyond) {
        s->hold = 0;
        return;
    }
    if (++s->hold < CARRIER_HOLD_SAMPLES) {
        return;
    }
    s->hold = 0;
    s->carrier = !s->carrier;
    if (s->carrier) {
        s->bits_since_up = 0;
        s->baud_phase = 0;
        s->put_bit(s->user, FX_STATUS_CARRIER_UP);
    } else {
        s->put_bit(s->user, FX_STATUS_CARRIER_DOWN);
    }
}

void fsk_rx(fsk_rx_state_t *s, const int16_t amp[], int len)
{
    int i;

    for (i = 0; i < len; i++) {
        int16_t x = amp[i];
        int16_t p[4];
        uint32_t e_mark;
        uint32_t e_space;
        int d;
        int j;
        int32_t ms = power_meter_update(&s->power, x);

        /* Mix with both references; x * Q15 >> 15 leaves sample units. */
        p[0] = (int16_t) (((int32_t) x * tone_sin_q15(s->phase_mark + 0x40000000u)) >> 15);
        p[1] = (int16_t) (((int32_t) x * tone_sin_q15(s->phase_mark)) >> 15);
        p[2] = (int16_t) (((int32_t) x * tone_sin_q15(s->phase_space + 0x40000000u)) >> 15);
        p[3] = (int16_t) (((int32_t) x * tone_sin_q15(s->phase_space)) >> 15);
        s->phase_mark += s->inc_mark;
        s->phase_space += s->inc_space;
        for (j = 0; j < 4; j++) {
            s->sum[j] += p[j] - s->hist[j][s->pos];
            s->hist[j][s->pos] = p[j];
        }
        if (++s->pos >= FSK_WINDOW_SAMPLES) {
            s->pos = 0;
        }

        update_carrier(s, ms);
        if (!s->carrier) {
            continue;
        }

        d = decide(s, &e_mark, &e_space);
        if (d != s->last_decision) {
            /* The transition should fall half a bit before the sampling
               instant (baud_phase == BAUD_HALF); pull the clock towards it. */
            int err = s->baud_phase - BAUD_HALF;
            int sh = s->bits_since_up < BAUD_ACQUIRE_BITS ? BAUD_ACQUIRE_SHIFT : BAUD_TRACK_SHIFT;

            if (err >= 0) {
                s->baud_phase -= err >> sh;
            } else {
                s->baud_phase += (-err) >> sh;
            }
            s->last_decision = d;
        }
        s->baud_phase += FSK_V21_BAUD;
        if (s->baud_phase >= BAUD_ACC_WRAP) {
            s->baud_phase -= BAUD_ACC_WRAP;
            if (s->bits_since_up < BAUD_ACQUIRE_BITS) {
                s->bits_since_up++;
            }
            s->put_bit(s->user, d);
        }
    }
}

int fsk_rx_level_dbm0(const fsk_rx_state_t *s)
{
    return power_meter_dbm0(&s->power);
}

int fsk_rx_snr_db(const fsk_rx_state_t *s)
{
    uint32_t e_mark;
    uint32_t e_space;
    uint32_t hi;
    uint32_t lo;
    int db = 0;

    decide(s, &e_mark, &e_space);
    hi = e_mark > e_space ? e_mark : e_space;
    lo = e_mark > e_space ? e_space : e_mark;
    if (lo == 0) {
        lo = 1;
    }
    /* Whole dB steps: multiply lo by 10^0.1 until it passes hi, capped at 40 dB. */
    while (db < 40 && lo < hi) {
        /* lo * (1 + 66/256) ~ lo * 1.258; +1 so that tiny values grow. */
        lo = lo > 0x00FFFFFFu ? 0xFFFFFFFFu : lo + ((lo * 66u) >> 8) + 1u;
        db++;
    }
    return db;
}
