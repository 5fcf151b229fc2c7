/*
 * fsk.c - V.21 channel 2 FSK modem (300 bit/s), fixed point.
 *
 * Transmitter: one oscillator whose increment switches between mark and space
 * at each bit, so the phase is continuous (V.21 does not ask for it; it keeps
 * the spectrum narrow).
 *
 * Receiver: a non-coherent correlator. The input is mixed with mark and space
 * references; sliding sums over one bit (27 samples) give each tone's complex
 * amplitude, and the larger energy is the decision. A baud clock samples the
 * decision once per bit; each decision transition pulls the clock towards the
 * point half a bit before the sampling instant (the window is then centred on
 * the bit). Carrier detect compares the in-band power with the total.
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
#define INBAND_SHIFT            4       /* in-band power average, 16 samples */
#define SNR_MAX_DB              40
/* 2 / 27 in Q16: a window sum of a tone of peak A is 27 A / 2. */
#define WINDOW_TO_PEAK_Q16      4855

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
    s->inband_ms = 0;
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

/* Peak amplitude of one tone from its window sums, using |z| ~ max + 3/8 min
   (error < 7 %) to avoid squaring 20-bit values. */
static int32_t tone_peak(int32_t i_sum, int32_t q_sum)
{
    int32_t a = i_sum < 0 ? -i_sum : i_sum;
    int32_t b = q_sum < 0 ? -q_sum : q_sum;
    int32_t mag = a > b ? a + ((3 * b) >> 3) : b + ((3 * a) >> 3);    /* < 2^20.3 */

    /* (mag >> 4) < 2^16.3, times Q16 2/27 (< 2^12.3) fits; >> 12 completes
       the >> 16 of the Q16 factor. */
    return ((mag >> 4) * WINDOW_TO_PEAK_Q16) >> 12;
}

/* Mean square of the two V.21 tones in the window (sample units squared,
   capped at 2^30 like the power meter). */
static int32_t inband_ms(const fsk_rx_state_t *s)
{
    uint32_t pm = (uint32_t) tone_peak(s->sum[0], s->sum[1]);
    uint32_t ps = (uint32_t) tone_peak(s->sum[2], s->sum[3]);
    uint32_t ms = ((pm * pm) >> 1) + ((ps * ps) >> 1);   /* peaks < 2^16: fits */

    return ms > (1u << 30) ? (int32_t) (1u << 30) : (int32_t) ms;
}

/* Carrier: in-band power above the threshold and at least half the total
   power (on), or below the off threshold or a quarter of the total (off).
   White noise puts about 15 % of its power in the two tone bins, so noise
   alone never holds the carrier on, however loud. */
static void update_carrier(fsk_rx_state_t *s, int32_t ms)
{
    int32_t in = s->inband_ms;
    int beyond;

    if (s->carrier) {
        beyond = in < s->off_ms || in < (ms >> 2);
    } else {
        beyond = in > s->on_ms && in >= (ms >> 1);
    }

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

        s->inband_ms += (inband_ms(s) - s->inband_ms) >> INBAND_SHIFT;
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
    int32_t noise = power_meter_ms(&s->power) - s->inband_ms;
    int db;

    if (noise <= 0) {
        return SNR_MAX_DB;
    }
    db = power_ms_to_dbm0(s->inband_ms) - power_ms_to_dbm0(noise);
    return db > SNR_MAX_DB ? SNR_MAX_DB : db;
}
