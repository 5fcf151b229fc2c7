/*
 * pcm_rp2.h - the rp2 PCM port: one PIO state machine clocking the DAA's PCM
 * port (pcm_prog.h), four DMA channels moving 16 ms blocks in and out, and a
 * shared DMA_IRQ_1 handler feeding fa_engine. The only file of this module that
 * needs the pico-sdk.
 */
#ifndef PCM_RP2_H
#define PCM_RP2_H

#include <stdint.h>
#include "fa_engine.h"

/* Called from the DMA interrupt after each block (the binding schedules a
   Python callback with it). Must be interrupt-safe and short. */
typedef void (*fa_wake_fn_t)(void *arg);

#define FA_PCM_OK               0
#define FA_PCM_ERR_RUNNING      (-1)
#define FA_PCM_ERR_NO_SM        (-2)    /* no free state machine or program space */
#define FA_PCM_ERR_NO_DMA       (-3)    /* fewer than 4 free DMA channels */
#define FA_PCM_ERR_ARG          (-4)

/* pclk_pin: PCLK, pclk_pin + 1 = FSYNC; dout_pin to the DAA, din_pin from it. */
int fa_pcm_start(fa_engine_t *e, unsigned pio_index, unsigned pclk_pin, unsigned dout_pin,
                 unsigned din_pin, fa_wake_fn_t wake, void *wake_arg);
void fa_pcm_stop(void);
int fa_pcm_running(void);

#endif
