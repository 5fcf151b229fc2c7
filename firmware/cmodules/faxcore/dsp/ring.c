/*
 * ring.c - lock-free single-producer/single-consumer rings (see ring.h).
 */
#include <string.h>
#include "ring.h"

/* Orders the element copies against the index stores (and loads): a DMB on
   Cortex-M, a full fence on the host. */
#define FX_RING_BARRIER()   __atomic_thread_fence(__ATOMIC_SEQ_CST)

int fx_ring_init(fx_ring_t *r, void *storage, uint32_t cap, uint32_t elem_octets)
{
    if (cap == 0u || (cap & (cap - 1u)) != 0u || cap > 0x80000000u || elem_octets == 0u) {
        return -1;
    }
    r->buf = (uint8_t *) storage;
    r->cap = cap;
    r->mask = cap - 1u;
    r->elem_octets = elem_octets;
    r->head = 0u;
    r->tail = 0u;
    r->dropped = 0u;
    return 0;
}

void fx_ring_reset(fx_ring_t *r)
{
    r->tail = r->head;
}

uint32_t fx_ring_count(const fx_ring_t *r)
{
    return r->head - r->tail;
}

uint32_t fx_ring_space(const fx_ring_t *r)
{
    return r->cap - (r->head - r->tail);
}

/* Copies n elements from src into the ring at element index `at` (masked), in
   at most two pieces around the end of the storage. */
static void copy_in(fx_ring_t *r, uint32_t at, const uint8_t *src, uint32_t n)
{
    uint32_t i = at & r->mask;
    uint32_t first = r->cap - i;

    if (first > n) {
        first = n;
    }
    memcpy(r->buf + i * r->elem_octets, src, first * r->elem_octets);
    if (n > first) {
        memcpy(r->buf, src + first * r->elem_octets, (n - first) * r->elem_octets);
    }
}

static void copy_out(const fx_ring_t *r, uint32_t at, uint8_t *dst, uint32_t n)
{
    uint32_t i = at & r->mask;
    uint32_t first = r->cap - i;

    if (first > n) {
        first = n;
    }
    memcpy(dst, r->buf + i * r->elem_octets, first * r->elem_octets);
    if (n > first) {
        memcpy(dst + first * r->elem_octets, r->buf, (n - first) * r->elem_octets);
    }
}

uint32_t fx_ring_write(fx_ring_t *r, const void *src, uint32_t n)
{
    uint32_t head = r->head;
    uint32_t tail = r->tail;

    FX_RING_BARRIER();
    if (r->cap - (head - tail) < n) {
        r->dropped += n;
        return 0u;
    }
    copy_in(r, head, (const uint8_t *) src, n);
    FX_RING_BARRIER();
    r->head = head + n;
    return n;
}

uint32_t fx_ring_write_some(fx_ring_t *r, const void *src, uint32_t n)
{
    uint32_t head = r->head;
    uint32_t tail = r->tail;
    uint32_t space;

    FX_RING_BARRIER();
    space = r->cap - (head - tail);
    if (n > space) {
        r->dropped += n - space;
        n = space;
    }
    if (n == 0u) {
        return 0u;
    }
    copy_in(r, head, (const uint8_t *) src, n);
    FX_RING_BARRIER();
    r->head = head + n;
    return n;
}

uint32_t fx_ring_read(fx_ring_t *r, void *dst, uint32_t n)
{
    uint32_t tail = r->tail;
    uint32_t head = r->head;

    FX_RING_BARRIER();
    if (head - tail < n) {
        return 0u;
    }
    copy_out(r, tail, (uint8_t *) dst, n);
    FX_RING_BARRIER();
    r->tail = tail + n;
    return n;
}

uint32_t fx_ring_read_some(fx_ring_t *r, void *dst, uint32_t n)
{
    uint32_t tail = r->tail;
    uint32_t head = r->head;

    FX_RING_BARRIER();
    if (n > head - tail) {
        n = head - tail;
    }
    if (n == 0u) {
        return 0u;
    }
    copy_out(r, tail, (uint8_t *) dst, n);
    FX_RING_BARRIER();
    r->tail = tail + n;
    return n;
}

uint32_t fx_ring_skip(fx_ring_t *r, uint32_t n)
{
    uint32_t tail = r->tail;
    uint32_t head = r->head;

    FX_RING_BARRIER();
    if (n > head - tail) {
        n = head - tail;
    }
    r->tail = tail + n;
    return n;
}
