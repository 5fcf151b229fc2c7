/*
 * harness.c - cycles per sample of the C core's modems on a Cortex-M0+ (RP2040),
 * counted by the rp2040js emulator (run.mjs).
 *
 * Every benchmark in the table below is run the same way: prepare() (not counted)
 * sets up its state and, for receivers, fills the shared signal buffer with the
 * matching transmitter's output; then run() is called on BENCH_BLOCK_SAMPLES
 * samples at a time, and each call is timed on its own (20 ms blocks, as the boards
 * deliver audio), so the runner sees the mean and the worst block. Transmitted bits
 * come from a PN9 generator (x^9 + x^5 + 1, as V.52), so the modems carry varied
 * data. result() reports a figure that shows the modem did its work (bits received,
 * samples produced), and flags carries status bits (training seen, carrier seen).
 *
 * A modem appears only if its header exists (__has_include), so the harness builds
 * on whatever part of the core is there; its sources are linked by the Python side.
 * The first entry, a plain 32-tap Q15 FIR, validates the runner: GCC 12 -O2 makes
 * its inner loop LDRSH, LDRSH, ADDS, MULS, ADDS, CMP, BNE, which the Cortex-M0+
 * timing table puts at 2+2+1+1+1+1+2 = 10 cycles per tap, about 338 per sample with
 * the outer loop; the runner must agree.
 */
#include <stdint.h>
#include <string.h>

#include "fxcommon.h"
#include "host.h"

#ifndef BENCH_SAMPLES
#define BENCH_SAMPLES           8000    /* one second at 8 kHz per benchmark */
#endif
#define BENCH_BLOCK_SAMPLES     160     /* 20 ms, the boards' audio block */
/* V.17's long training alone lasts about 1.4 s (segments 2-4: 256 + 2976 + 64
   symbols at 2400 baud): its benchmarks run three seconds so that they include data. */
#define BENCH_V17_SAMPLES       (3 * BENCH_SAMPLES)
#define BENCH_MAX_SAMPLES       BENCH_V17_SAMPLES
#define BENCH_LEVEL_DBM0        (-10)   /* the core's default transmit level */

#define FLAG_CARRIER_UP         1u
#define FLAG_TRAINING_OK        2u
#define FLAG_TRAINING_FAILED    4u

/* The shared signal: transmitter output, receiver input. */
static int16_t signal[BENCH_MAX_SAMPLES + 32];

/* ---- data source and sink --------------------------------------------- */

static uint32_t pn9_state_q0;
static uint32_t rx_bits;
static uint32_t rx_flags;

static void pn9_reset(void)
{
    pn9_state_q0 = 0x1FF;
}

/* PN9 (x^9 + x^5 + 1): next bit out. */
static int pn9_bit(void *user)
{
    (void) user;
    uint32_t bit = ((pn9_state_q0 >> 8) ^ (pn9_state_q0 >> 4)) & 1u;
    pn9_state_q0 = ((pn9_state_q0 << 1) | bit) & 0x1FF;
    return (int) bit;
}

static void sink_reset(void)
{
    rx_bits = 0;
    rx_flags = 0;
}

static void sink_bit(void *user, int bit)
{
    (void) user;
    if (bit >= 0) {
        rx_bits++;
    } else if (bit == FX_STATUS_CARRIER_UP) {
        rx_flags |= FLAG_CARRIER_UP;
    } else if (bit == FX_STATUS_TRAINING_OK) {
        rx_flags |= FLAG_TRAINING_OK;
    } else if (bit == FX_STATUS_TRAINING_FAILED) {
        rx_flags |= FLAG_TRAINING_FAILED;
    }
}

/* ---- reference: a plain 32-tap Q15 FIR ---------------------------------- */

#define FIR_TAPS 32

static int16_t fir_taps_q15[FIR_TAPS];
static int16_t fir_out[BENCH_BLOCK_SAMPLES];
static int fir_pos;

static void fir_prepare(void)
{
    /* Triangular low-pass: taps 1..16..1 times 60, sum 16,320 (< 1.0 in Q15), so
       the Q30 accumulator cannot overflow for any int16 input. */
    for (int k = 0; k < FIR_TAPS; k++) {
        int tri = (k < FIR_TAPS / 2) ? k + 1 : FIR_TAPS - k;
        fir_taps_q15[k] = (int16_t) (tri * 60);
    }
    pn9_reset();
    for (int n = 0; n < BENCH_SAMPLES + FIR_TAPS; n++) {
        signal[n] = (int16_t) (pn9_bit(0) ? 8000 : -8000);
    }
    fir_pos = 0;
}

static void fir_run(int16_t *amp, int n)
{
    (void) amp;
    const int16_t *x = &signal[fir_pos];
    for (int i = 0; i < n; i++) {
        int32_t acc_q30 = 0;
        for (int k = 0; k < FIR_TAPS; k++) {
            acc_q30 += (int32_t) fir_taps_q15[k] * x[i + k];
        }
        /* >> 15: Q30 back to Q15 (sample units). */
        fir_out[i] = fx_sat16(acc_q30 >> 15);
    }
    fir_pos += n;
}

/* Sum of the last block's output: reading fir_out keeps the filter from being
   optimised away. */
static uint32_t fir_result(void)
{
    uint32_t sum = 0;
    for (int i = 0; i < BENCH_BLOCK_SAMPLES; i++) {
        sum += (uint32_t) fir_out[i];
    }
    return sum;
}

/* ---- modems --------------------------------------------------------------- */

/*
 * BENCH_TX(name, type, init, tx, rate): a transmitter at one bit rate.
 * BENCH_RX(name, txname, type, init, rx, rate): its receiver, fed by that
 * transmitter's output, made in prepare().
 */
#define BENCH_TX(NAME, TYPE, INIT, TX, RATE) \
    static TYPE NAME##_state; \
    static int32_t NAME##_produced; \
    static void NAME##_prepare(void) \
    { \
        pn9_reset(); \
        INIT(&NAME##_state, RATE, 1, BENCH_LEVEL_DBM0, pn9_bit, 0); \
        NAME##_produced = 0; \
    } \
    static void NAME##_run(int16_t *amp, int n) \
    { \
        NAME##_produced += TX(&NAME##_state, amp, n); \
    } \
    static uint32_t NAME##_result(void) \
    { \
        return (uint32_t) NAME##_produced; \
    }

#define BENCH_RX(NAME, TXNAME, TYPE, INIT, RX, RATE, SAMPLES) \
    static TYPE NAME##_state; \
    static int NAME##_pos; \
    static void NAME##_prepare(void) \
    { \
        TXNAME##_prepare(); \
        for (int i = 0; i < (SAMPLES); i += BENCH_BLOCK_SAMPLES) { \
            TXNAME##_run(&signal[i], BENCH_BLOCK_SAMPLES); \
        } \
        sink_reset(); \
        INIT(&NAME##_state, RATE, sink_bit, 0); \
        NAME##_pos = 0; \
    } \
    static void NAME##_run(int16_t *amp, int n) \
    { \
        (void) amp; \
        RX(&NAME##_state, &signal[NAME##_pos], n); \
        NAME##_pos += n; \
    } \
    static uint32_t NAME##_result(void) \
    { \
        return rx_bits; \
    }

#define BENCH_ENTRY(NAME, SAMPLES) { #NAME, SAMPLES, NAME##_prepare, NAME##_run, NAME##_result }

#if __has_include("fsk.h")
#include "fsk.h"
#define HAVE_V21 1
/* V.21 has one rate (300 bit/s) and no training: adapt the uniform shape. */
static void v21_tx_init_any(fsk_tx_state_t *s, int rate, int long_train, int level_dbm0,
                            fx_get_bit_t get_bit, void *user)
{
    (void) rate;
    (void) long_train;
    fsk_tx_init(s, level_dbm0, get_bit, user);
}

static void v21_rx_init_any(fsk_rx_state_t *s, int rate, fx_put_bit_t put_bit, void *user)
{
    (void) rate;
    fsk_rx_init(s, put_bit, user);
}

BENCH_TX(v21_tx, fsk_tx_state_t, v21_tx_init_any, fsk_tx, 300)
BENCH_RX(v21_rx, v21_tx, fsk_rx_state_t, v21_rx_init_any, fsk_rx, 300, BENCH_SAMPLES)
#endif

#if __has_include("v27tertx.h")
#include "v27tertx.h"
#define HAVE_V27TER_TX 1
BENCH_TX(v27ter_tx_4800, v27ter_tx_state_t, v27ter_tx_init, v27ter_tx, 4800)
BENCH_TX(v27ter_tx_2400, v27ter_tx_state_t, v27ter_tx_init, v27ter_tx, 2400)
#if __has_include("v27terrx.h")
#include "v27terrx.h"
#define HAVE_V27TER_RX 1
BENCH_RX(v27ter_rx_4800, v27ter_tx_4800, v27ter_rx_state_t, v27ter_rx_init, v27ter_rx, 4800,
         BENCH_SAMPLES)
BENCH_RX(v27ter_rx_2400, v27ter_tx_2400, v27ter_rx_state_t, v27ter_rx_init, v27ter_rx, 2400,
         BENCH_SAMPLES)
#endif
#endif

#if __has_include("v29tx.h")
#include "v29tx.h"
#define HAVE_V29_TX 1
BENCH_TX(v29_tx_9600, v29_tx_state_t, v29_tx_init, v29_tx, 9600)
BENCH_TX(v29_tx_7200, v29_tx_state_t, v29_tx_init, v29_tx, 7200)
#if __has_include("v29rx.h")
#include "v29rx.h"
#define HAVE_V29_RX 1
BENCH_RX(v29_rx_9600, v29_tx_9600, v29_rx_state_t, v29_rx_init, v29_rx, 9600, BENCH_SAMPLES)
BENCH_RX(v29_rx_7200, v29_tx_7200, v29_rx_state_t, v29_rx_init, v29_rx, 7200, BENCH_SAMPLES)
#endif
#endif

#if __has_include("v17tx.h")
#include "v17tx.h"
#define HAVE_V17_TX 1
BENCH_TX(v17_tx_14400, v17_tx_state_t, v17_tx_init, v17_tx, 14400)
BENCH_TX(v17_tx_7200, v17_tx_state_t, v17_tx_init, v17_tx, 7200)
#if __has_include("v17rx.h")
#include "v17rx.h"
#define HAVE_V17_RX 1
BENCH_RX(v17_rx_14400, v17_tx_14400, v17_rx_state_t, v17_rx_init, v17_rx, 14400,
         BENCH_V17_SAMPLES)
BENCH_RX(v17_rx_7200, v17_tx_7200, v17_rx_state_t, v17_rx_init, v17_rx, 7200, BENCH_V17_SAMPLES)
#endif
#endif

#if __has_include("tones.h")
#include "tones.h"
#define HAVE_TONES 1
static tone_gen_t ced_tx_state;
static fax_tone_det_t tone_det_state;
static uint32_t tone_det_hits;
static int tone_det_pos;

static void ced_tx_prepare(void)
{
    tone_gen_init_ced(&ced_tx_state, BENCH_LEVEL_DBM0);
}

static void ced_tx_run(int16_t *amp, int n)
{
    tone_gen(&ced_tx_state, amp, n);
}

static uint32_t ced_tx_result(void)
{
    return 0;
}

/* The fax tone detector (CED/ANSam/CNG) listening to CED: fed 80 samples at a
   time, as its header asks, inside each 160-sample block. */
static void tone_det_prepare(void)
{
    ced_tx_prepare();
    for (int i = 0; i < BENCH_SAMPLES; i += BENCH_BLOCK_SAMPLES) {
        ced_tx_run(&signal[i], BENCH_BLOCK_SAMPLES);
    }
    fax_tone_det_init(&tone_det_state);
    tone_det_hits = 0;
    tone_det_pos = 0;
}

static void tone_det_run(int16_t *amp, int n)
{
    (void) amp;
    for (int i = 0; i < n; i += TONE_BLOCK_SAMPLES) {
        int len = (n - i < TONE_BLOCK_SAMPLES) ? n - i : TONE_BLOCK_SAMPLES;
        if (fax_tone_det(&tone_det_state, &signal[tone_det_pos + i], len) != TONE_RESULT_NONE) {
            tone_det_hits++;
        }
    }
    tone_det_pos += n;
}

static uint32_t tone_det_result(void)
{
    return tone_det_hits;
}
#endif

#if __has_include("faxmodems.h") && defined(HAVE_V29_TX)
#include "faxmodems.h"
#define HAVE_FM 1
/* The whole modem set receiving V.29 9600 in RX_FAST mode: the fast receiver, the
   V.21 receiver and the tone detectors all run, as during a page. Events are drained
   between blocks, outside the timed part (the firmware drains them from Python). */
static fm_state_t fm_state;
static int fm_pos;
static uint32_t fm_events;

static void fm_rx_v29_prepare(void)
{
    v29_tx_9600_prepare();
    for (int i = 0; i < BENCH_SAMPLES; i += BENCH_BLOCK_SAMPLES) {
        v29_tx_9600_run(&signal[i], BENCH_BLOCK_SAMPLES);
    }
    fm_init(&fm_state);
    fm_rx_mode(&fm_state, FM_RX_FAST, FM_V29, 9600, 0);
    fm_pos = 0;
    fm_events = 0;
}

static void fm_rx_v29_run(int16_t *amp, int n)
{
    (void) amp;
    fm_rx(&fm_state, &signal[fm_pos], n);
    fm_pos += n;
}

static void fm_rx_v29_drain(void)
{
    while (fm_event_peek(&fm_state) != 0) {
        fm_event_pop(&fm_state);
        fm_events++;
    }
}

static uint32_t fm_rx_v29_result(void)
{
    return fm_events;
}
#endif

typedef struct {
    const char *name;
    int samples;
    void (*prepare)(void);
    void (*run)(int16_t *amp, int n);
    uint32_t (*result)(void);
} bench_t;

static const bench_t benches[] = {
    { "fir32_q15", BENCH_SAMPLES, fir_prepare, fir_run, fir_result },
#ifdef HAVE_V21
    BENCH_ENTRY(v21_tx, BENCH_SAMPLES),
    BENCH_ENTRY(v21_rx, BENCH_SAMPLES),
#endif
#ifdef HAVE_V27TER_TX
    BENCH_ENTRY(v27ter_tx_4800, BENCH_SAMPLES),
    BENCH_ENTRY(v27ter_tx_2400, BENCH_SAMPLES),
#endif
#ifdef HAVE_V27TER_RX
    BENCH_ENTRY(v27ter_rx_4800, BENCH_SAMPLES),
    BENCH_ENTRY(v27ter_rx_2400, BENCH_SAMPLES),
#endif
#ifdef HAVE_V29_TX
    BENCH_ENTRY(v29_tx_9600, BENCH_SAMPLES),
    BENCH_ENTRY(v29_tx_7200, BENCH_SAMPLES),
#endif
#ifdef HAVE_V29_RX
    BENCH_ENTRY(v29_rx_9600, BENCH_SAMPLES),
    BENCH_ENTRY(v29_rx_7200, BENCH_SAMPLES),
#endif
#ifdef HAVE_V17_TX
    BENCH_ENTRY(v17_tx_14400, BENCH_V17_SAMPLES),
    BENCH_ENTRY(v17_tx_7200, BENCH_V17_SAMPLES),
#endif
#ifdef HAVE_V17_RX
    BENCH_ENTRY(v17_rx_14400, BENCH_V17_SAMPLES),
    BENCH_ENTRY(v17_rx_7200, BENCH_V17_SAMPLES),
#endif
#ifdef HAVE_TONES
    BENCH_ENTRY(ced_tx, BENCH_SAMPLES),
    BENCH_ENTRY(tone_det, BENCH_SAMPLES),
#endif
#ifdef HAVE_FM
    BENCH_ENTRY(fm_rx_v29, BENCH_SAMPLES),
#endif
};

/* Transmitters write here; receivers read the shared signal. */
static int16_t out_block[BENCH_BLOCK_SAMPLES];

int main(void)
{
    for (unsigned b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
        const bench_t *t = &benches[b];
        t->prepare();
        sink_reset();
        host_begin(t->name, BENCH_BLOCK_SAMPLES);
        for (int i = 0; i < t->samples; i += BENCH_BLOCK_SAMPLES) {
            host_mark();
            t->run(out_block, BENCH_BLOCK_SAMPLES);
            host_lap(BENCH_BLOCK_SAMPLES);
#ifdef HAVE_FM
            if (t->run == fm_rx_v29_run) {
                fm_rx_v29_drain();
            }
#endif
        }
        host_end(t->result(), rx_flags);
    }
    return 0;
}
