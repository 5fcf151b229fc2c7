/*
 * ring.h - lock-free single-producer/single-consumer rings of fixed-size
 * elements (int16 samples, octets, event records) between an interrupt or the
 * other core and MicroPython. Integer only, no heap: the caller owns the state
 * struct and the storage, whose element count must be a power of two.
 *
 * Ownership: only the producer writes `head`, only the consumer writes `tail`.
 * Both are free-running uint32 counters (they wrap at 2^32; head - tail is the
 * fill level in modulo arithmetic, correct as long as the capacity is at most
 * 2^31 elements). A producer copies the elements in, then publishes them by
 * storing head after a memory barrier; a consumer reads head, a barrier, copies
 * the elements out, a barrier, then frees them by storing tail. On a single core
 * (ISR and thread) the barrier only has to stop the compiler reordering; between
 * the two RP2040/RP2350 cores it is a DMB, which the GCC builtin emits.
 *
 * Each function below may be called by one side only, named in its comment.
 */
#ifndef FX_RING_H
#define FX_RING_H

#include <stdint.h>

typedef struct {
    uint8_t *buf;               /* cap * elem_octets octets, caller-owned */
    uint32_t cap;               /* elements; a power of two */
    uint32_t mask;              /* cap - 1 */
    uint32_t elem_octets;       /* octets per element (2 for samples, 1 for octets) */
    volatile uint32_t head;     /* elements ever written (producer) */
    volatile uint32_t tail;     /* elements ever read (consumer) */
    volatile uint32_t dropped;  /* elements refused because the ring was full (producer) */
} fx_ring_t;

/* Any side, before use. Returns 0, or -1 when cap is not a power of two in
   1..2^31 or elem_octets is 0. */
int fx_ring_init(fx_ring_t *r, void *storage, uint32_t cap, uint32_t elem_octets);

/* Consumer, or either side when the other is stopped: forget everything queued. */
void fx_ring_reset(fx_ring_t *r);

/* Either side: elements queued / free now (a snapshot; the other side may change it). */
uint32_t fx_ring_count(const fx_ring_t *r);
uint32_t fx_ring_space(const fx_ring_t *r);

/* Producer: copy n elements in. All or nothing: returns n, or 0 and adds n to
   `dropped` when fewer than n are free (a block of audio is never half-queued). */
uint32_t fx_ring_write(fx_ring_t *r, const void *src, uint32_t n);

/* Producer: copy up to n elements in; returns how many (the rest are counted in
   `dropped`). For octet streams, where a part is better than nothing. */
uint32_t fx_ring_write_some(fx_ring_t *r, const void *src, uint32_t n);

/* Consumer: copy n elements out. All or nothing: returns n, or 0 when fewer are queued. */
uint32_t fx_ring_read(fx_ring_t *r, void *dst, uint32_t n);

/* Consumer: copy up to n elements out; returns how many. */
uint32_t fx_ring_read_some(fx_ring_t *r, void *dst, uint32_t n);

/* Consumer: drop up to n queued elements without copying; returns how many. */
uint32_t fx_ring_skip(fx_ring_t *r, uint32_t n);

#endif
