/*
 * qam_dds.h - direct digital synthesis of the carrier for the fast modems.
 *
 * Phase is a uint32_t turn fraction (2^32 = one cycle), so it wraps freely.
 * The sine comes from a 256-step Q15 table with linear interpolation between
 * entries (error below 2^-12 of full scale, about -75 dB).
 */
#ifndef QAM_DDS_H
#define QAM_DDS_H

#include <stdint.h>
#include "qam_tables.h"

/* Phase increment per 8 kHz sample for a carrier of hz: hz / 8000 * 2^32. */
#define QAM_DDS_RATE(hz)    ((uint32_t) (((uint64_t) (hz) << 32) / 8000u))

/* sin(2 pi phase / 2^32), Q15. */
static inline int16_t qam_dds_sin(uint32_t phase)
{
    uint32_t idx = phase >> 24;                     /* top 8 bits: table step */
    int32_t frac = (int32_t) ((phase >> 9) & 0x7FFF); /* next 15 bits: Q15 fraction */
    int32_t a = qam_sin_q15[idx];
    int32_t b = qam_sin_q15[idx + 1];

    /* (b - a) * frac is at most 2 * 804 * 32767: no overflow; >> 15 drops Q15. */
    return (int16_t) (a + (((b - a) * frac) >> 15));
}

/* cos(2 pi phase / 2^32), Q15: a quarter turn ahead of the sine. */
static inline int16_t qam_dds_cos(uint32_t phase)
{
    return qam_dds_sin(phase + 0x40000000u);
}

#endif
