/*
 * power.h - power meter in dBm0 and DC removal, fixed point.
 *
 * Level convention (see README): a sine of peak 22767 is 0 dBm0, so its mean
 * square 22767^2 / 2 = 259,168,144 is the 0 dBm0 reference.
 */
#ifndef POWER_H
#define POWER_H

#include <stdint.h>

/* One-pole mean-square estimator: ms += (x^2 - ms) >> shift per sample. */
typedef struct {
    int32_t ms;             /* mean square, sample units squared (x^2 <= 2^30) */
    int shift;              /* time constant 2^shift samples */
} power_meter_t;

void power_meter_init(power_meter_t *s, int shift);
/* Updates with one sample and returns the new mean square. */
int32_t power_meter_update(power_meter_t *s, int16_t amp);
int32_t power_meter_ms(const power_meter_t *s);
/* The estimate in whole dBm0 (rounded down; DSPTAB_DBM0_MIN for silence). */
int power_meter_dbm0(const power_meter_t *s);

/* Mean square of a sine at `dbm0` (clamped to the table range), for thresholds. */
int32_t power_dbm0_to_ms(int dbm0);
/* Whole dBm0 of a mean square (rounded down, clamped to the table range). */
int power_ms_to_dbm0(int32_t ms);
/* Peak amplitude of a sine at `dbm0` (clamped to the table range). */
int16_t power_dbm0_to_peak(int dbm0);

/* DC blocker: y = x - dc, dc follows the input with a 2^9-sample time constant. */
typedef struct {
    int32_t dc_q8;          /* running DC estimate, Q8 sample units */
} dc_block_t;

void dc_block_init(dc_block_t *s);
void dc_block(dc_block_t *s, int16_t amp[], int len);

#endif
