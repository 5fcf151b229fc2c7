/*
 * fa_engine.c - the block engine between the PCM DMA interrupt and MicroPython
 * (see fa_engine.h).
 */
#include <string.h>
#include "fa_engine.h"

void fa_engine_init(fa_engine_t *e)
{
    static const int16_t silence[FA_BLOCK_SAMPLES];
    int i;

    fx_ring_init(&e->rx, e->rx_store, FA_RING_SAMPLES, sizeof(int16_t));
    fx_ring_init(&e->tx, e->tx_store, FA_RING_SAMPLES, sizeof(int16_t));
    e->blocks = 0u;
    e->rx_overruns = 0u;
    e->tx_underruns = 0u;
    e->tx_overruns = 0u;
    e->lost = 0u;
    for (i = 0; i < FA_TX_PRIME_BLOCKS; i++) {
        fx_ring_write(&e->tx, silence, FA_BLOCK_SAMPLES);
    }
}

void fa_engine_block(fa_engine_t *e, const int16_t *rx_done, int16_t *tx_next, int n)
{
    uint32_t got;

    if (n <= 0 || n > FA_DMA_BLOCK_SAMPLES) {
        return;
    }
    if (fx_ring_write(&e->rx, rx_done, (uint32_t) n) == 0u) {
        e->rx_overruns = e->rx_overruns + 1u;
    }
    /* Python's blocks (160) and the DMA's (128) differ: take what is queued and
       pad the rest with silence, counting the block as an underrun. */
    got = fx_ring_read_some(&e->tx, tx_next, (uint32_t) n);
    if (got < (uint32_t) n) {
        memset(tx_next + got, 0, ((size_t) n - got) * sizeof(int16_t));
        e->tx_underruns = e->tx_underruns + 1u;
    }
    e->blocks = e->blocks + 1u;
}

void fa_engine_lost(fa_engine_t *e, uint32_t blocks)
{
    static const int16_t silence[FA_DMA_BLOCK_SAMPLES];
    uint32_t i;

    if (blocks > FA_RING_SAMPLES / FA_DMA_BLOCK_SAMPLES) {
        blocks = FA_RING_SAMPLES / FA_DMA_BLOCK_SAMPLES;
    }
    for (i = 0u; i < blocks; i++) {
        if (fx_ring_write(&e->rx, silence, FA_DMA_BLOCK_SAMPLES) == 0u) {
            e->rx_overruns = e->rx_overruns + 1u;
        }
    }
    fx_ring_skip(&e->tx, blocks * FA_DMA_BLOCK_SAMPLES);
    e->lost = e->lost + blocks;
}

int fa_engine_pick_half(int done0, int done1, int busy0, uint32_t gap_us, uint32_t *lost)
{
    uint32_t elapsed = (gap_us + FA_DMA_BLOCK_US / 2u) / FA_DMA_BLOCK_US;
    int half;

    *lost = 0u;
    if (done0 == 0 && done1 == 0) {
        return -1;
    }
    if (done0 != 0 && done1 != 0) {
        /* Both completed since the last run, so the chain has restarted the
           older one, which is being overwritten: only the idle half is whole. */
        half = busy0 != 0 ? 1 : 0;
        if (elapsed < 2u) {
            elapsed = 2u;
        }
    } else {
        half = done0 != 0 ? 0 : 1;
    }
    if (elapsed > 1u) {
        *lost = elapsed - 1u;
    }
    return half;
}

int fa_engine_exchange(fa_engine_t *e, const int16_t *out, int16_t *inp, int n)
{
    if (n != FA_BLOCK_SAMPLES) {
        return -1;
    }
    if (fx_ring_count(&e->rx) < (uint32_t) n) {
        return 0;
    }
    if (fx_ring_write(&e->tx, out, (uint32_t) n) == 0u) {
        e->tx_overruns = e->tx_overruns + 1u;
    }
    fx_ring_read(&e->rx, inp, (uint32_t) n);
    return 1;
}

uint32_t fa_engine_ready(const fa_engine_t *e)
{
    return fx_ring_count(&e->rx) / (uint32_t) FA_BLOCK_SAMPLES;
}
