/*
 * host.h - calls from a bare-metal Cortex-M0+ image to the cycle-counting runner
 * (run.mjs). Each call is a BKPT whose immediate names the request, with arguments
 * in r0 and r1; the runner's break handler reads them and notes core.cycles, then
 * execution continues after the BKPT. On a real chip with no debugger attached a
 * BKPT would fault: these images are for the emulator only.
 */
#ifndef HOST_H
#define HOST_H

#include <stdint.h>

#define HOST_EXIT       0x00    /* r0 = exit code; the runner stops */
#define HOST_BEGIN      0x01    /* r0 = name (NUL-terminated), r1 = samples per block */
#define HOST_LAP        0x02    /* r0 = samples processed since the last mark */
#define HOST_END        0x03    /* r0 = result word, r1 = flags word */
#define HOST_MARK       0x04    /* restart the block clock without recording */
#define HOST_FAULT      0xFE    /* from the HardFault handler */

#define HOST_CALL(imm, a, b) \
    do { \
        register uint32_t r0_ __asm("r0") = (uint32_t) (a); \
        register uint32_t r1_ __asm("r1") = (uint32_t) (b); \
        __asm volatile ("bkpt #" #imm : : "r" (r0_), "r" (r1_) : "memory"); \
    } while (0)

static inline void host_begin(const char *name, int block_samples)
{
    HOST_CALL(0x01, name, block_samples);
}

static inline void host_lap(int samples)
{
    HOST_CALL(0x02, samples, 0);
}

static inline void host_mark(void)
{
    HOST_CALL(0x04, 0, 0);
}

static inline void host_end(uint32_t result, uint32_t flags)
{
    HOST_CALL(0x03, result, flags);
}

static inline void host_exit(int code)
{
    HOST_CALL(0x00, code, 0);
}

#endif
