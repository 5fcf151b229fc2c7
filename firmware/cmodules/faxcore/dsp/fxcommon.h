/*
 * fxcommon.h - definitions shared by every file of the fixed-point fax core.
 *
 * Integer only: the RP2040 (Cortex-M0+) has no FPU, no SSAT and no 64-bit
 * multiply instruction. Nothing here allocates.
 */
#ifndef FXCOMMON_H
#define FXCOMMON_H

#include <stdint.h>

#define FX_SAMPLE_RATE_HZ   8000

/* get_bit() returns this when the transmitter has no more data. */
#define FX_BIT_END          (-1)

/* Negative values passed to put_bit() report receiver status, not data. */
#define FX_STATUS_CARRIER_UP        (-2)
#define FX_STATUS_CARRIER_DOWN      (-3)
#define FX_STATUS_TRAINING_OK       (-4)
#define FX_STATUS_TRAINING_FAILED   (-5)

typedef int (*fx_get_bit_t)(void *user);
typedef void (*fx_put_bit_t)(void *user, int bit);

/* Saturate a 32-bit value to int16 (there is no SSAT on the M0+). */
static inline int16_t fx_sat16(int32_t x)
{
    if (x > 32767) {
        return 32767;
    }
    if (x < -32768) {
        return -32768;
    }
    return (int16_t) x;
}

/* Q15 x Q15 -> Q15 product, rounded; the >> 15 rescales Q30 to Q15. */
static inline int16_t fx_mul_q15(int16_t a, int16_t b)
{
    return fx_sat16(((int32_t) a * b + (1 << 14)) >> 15);
}

#endif
