/*
 * fa_engine.h - the block engine between the PCM DMA interrupt and MicroPython:
 * two SPSC sample rings (dsp/ring.h) and the over/underrun counts. No SDK, no
 * MicroPython headers: it builds and runs on the host and on the M0+/M33.
 *
 * Context split (DESIGN.md §4):
 *   DMA interrupt (producer of line samples, consumer of samples to send):
 *       fa_engine_block() once per 20 ms DMA block;
 *   MicroPython (the other side): fa_engine_exchange() per block, the semantics
 *       of `board.audio.exchange(out, inp)` in faxbox/call.py: one block of
 *       samples out to the line, the oldest block heard from the line in.
 * The interrupt never waits: a missing block to send becomes silence (an
 * underrun), a received block with no room is dropped (an overrun). Python has
 * FA_TX_PRIME_BLOCKS of slack before it causes an underrun.
 */
#ifndef FA_ENGINE_H
#define FA_ENGINE_H

#include <stdint.h>
#include "ring.h"

#define FA_RATE_HZ              8000
#define FA_BLOCK_SAMPLES        160     /* Python's block: 20 ms at 8 kHz (call.py) */
/* The DMA's block: 16 ms. A power of two so that each half of the ping-pong
   buffer is a 256-octet DMA address ring that re-arms itself (pcm_rp2.c). */
#define FA_DMA_BLOCK_SAMPLES    128
/* Ring depth per direction (a power of two): 2048 samples = 256 ms = 4,096
   octets per direction. The longest Python may stall (GC, Wi-Fi, a littlefs
   write *without* a sector erase) before audio is lost. It does not cover a
   flash sector erase (up to 400 ms, see pcm_rp2.c): the interrupt itself
   stalls then. */
#define FA_RING_SAMPLES         2048
/* Blocks of silence queued to send at start: Python's jitter margin on the
   transmit side, and the fixed extra delay of the echo path (40 ms). */
#define FA_TX_PRIME_BLOCKS      2
#define FA_DMA_BLOCK_US         ((1000000 / FA_RATE_HZ) * FA_DMA_BLOCK_SAMPLES)

typedef struct {
    fx_ring_t rx;                           /* line -> Python */
    fx_ring_t tx;                           /* Python -> line */
    int16_t rx_store[FA_RING_SAMPLES];
    int16_t tx_store[FA_RING_SAMPLES];
    volatile uint32_t blocks;               /* DMA blocks serviced (interrupt) */
    volatile uint32_t rx_overruns;          /* received blocks dropped: Python too slow */
    volatile uint32_t tx_underruns;         /* blocks of silence sent: Python too slow */
    volatile uint32_t tx_overruns;          /* blocks Python gave with the ring full */
    volatile uint32_t lost;                 /* DMA blocks the interrupt missed (stalls) */
} fa_engine_t;

/* Either side, with the DMA stopped. */
void fa_engine_init(fa_engine_t *e);

/* Interrupt side, once per DMA block: rx_done holds n samples just received;
   fills tx_next with n samples to send (padded with silence, and counted as an
   underrun, when fewer are queued). n is 1..FA_DMA_BLOCK_SAMPLES. */
void fa_engine_block(fa_engine_t *e, const int16_t *rx_done, int16_t *tx_next, int n);

/* Interrupt side, after a stall in which `blocks` DMA blocks went by unserviced
   (their received samples were overwritten, the samples sent were stale): queues
   that much silence to Python and drops that much of what Python queued to send,
   so both directions keep their sample count (the modems' timing). */
void fa_engine_lost(fa_engine_t *e, uint32_t blocks);

/* Interrupt side: which half of the receive ping-pong holds the newest whole
   block, given which halves' channels signalled completion (done0, done1), whether
   half 0's channel is busy again, and the time since the last interrupt. Sets
   *lost to the DMA blocks that went by unserviced (for fa_engine_lost()); counted
   from the time, exact while the interrupt latency stays under half a block.
   Returns -1 when neither half is done. */
int fa_engine_pick_half(int done0, int done1, int busy0, uint32_t gap_us, uint32_t *lost);

/* Python side: when a whole received block is queued, queues n samples of out
   to send, copies the oldest received block into inp and returns 1; returns 0
   (and takes nothing) while no received block is ready. n must be
   FA_BLOCK_SAMPLES; returns -1 otherwise. */
int fa_engine_exchange(fa_engine_t *e, const int16_t *out, int16_t *inp, int n);

/* Python side: received blocks waiting (0 means exchange() would return 0). */
uint32_t fa_engine_ready(const fa_engine_t *e);

#endif
