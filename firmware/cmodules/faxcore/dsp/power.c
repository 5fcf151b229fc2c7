/*
 * power.c - power meter in dBm0 and DC removal, fixed point.
 */
#include "power.h"
#include "dsptab.h"
#include "fxcommon.h"

#define DC_SHIFT    9       /* DC estimate time constant: 2^9 samples = 64 ms */

void power_meter_init(power_meter_t *s, int shift)
{
    s->ms = 0;
    s->shift = shift;
}

int32_t power_meter_update(power_meter_t *s, int16_t amp)
{
    int32_t sq = (int32_t) amp * amp;   /* <= 2^30, and ms stays in [0, 2^30] */

    s->ms += (sq - s->ms) >> s->shift;
    return s->ms;
}

int32_t power_meter_ms(const power_meter_t *s)
{
    return s->ms;
}

int power_meter_dbm0(const power_meter_t *s)
{
    return power_ms_to_dbm0(s->ms);
}

int32_t power_dbm0_to_ms(int dbm0)
{
    if (dbm0 < DSPTAB_DBM0_MIN) {
        dbm0 = DSPTAB_DBM0_MIN;
    }
    if (dbm0 > DSPTAB_DBM0_MAX) {
        dbm0 = DSPTAB_DBM0_MAX;
    }
    return dsptab_dbm0_ms[dbm0 - DSPTAB_DBM0_MIN];
}

int16_t power_dbm0_to_peak(int dbm0)
{
    if (dbm0 < DSPTAB_DBM0_MIN) {
        dbm0 = DSPTAB_DBM0_MIN;
    }
    if (dbm0 > DSPTAB_DBM0_MAX) {
        dbm0 = DSPTAB_DBM0_MAX;
    }
    return dsptab_dbm0_peak[dbm0 - DSPTAB_DBM0_MIN];
}

int power_ms_to_dbm0(int32_t ms)
{
    /* Binary search for the highest table level whose mean square is <= ms. */
    int lo = 0;
    int hi = DSPTAB_DBM0_MAX - DSPTAB_DBM0_MIN;

    if (ms < dsptab_dbm0_ms[0]) {
        return DSPTAB_DBM0_MIN;
    }
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;

        if (dsptab_dbm0_ms[mid] <= ms) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return DSPTAB_DBM0_MIN + lo;
}

void dc_block_init(dc_block_t *s)
{
    s->dc_q8 = 0;
}

void dc_block(dc_block_t *s, int16_t amp[], int len)
{
    int i;

    for (i = 0; i < len; i++) {
        int32_t x_q8 = (int32_t) amp[i] * 256;              /* Q0 -> Q8 */

        s->dc_q8 += (x_q8 - s->dc_q8) >> DC_SHIFT;
        amp[i] = fx_sat16((x_q8 - s->dc_q8) >> 8);          /* Q8 -> Q0 */
    }
}
