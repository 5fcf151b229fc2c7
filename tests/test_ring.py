"""The lock-free SPSC ring of the C core (dsp/ring.c), built here into a temporary
shared object for ctypes and into a two-thread stress program (pthreads)."""
import ctypes
import os
import shutil
import subprocess
import struct

import pytest

from conftest import ROOT

DSP = os.path.join(ROOT, "firmware", "cmodules", "faxcore", "dsp")
CC = shutil.which("cc") or shutil.which("gcc")

# Producer writes 1,000,000 uint32 counters in bursts of 1..37 elements, the
# consumer reads them in bursts of 1..53 from a 64-element ring; the elements must
# arrive in order with none lost or repeated. Exit status: 0 good, 1 bad.
STRESS_C = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include "ring.h"

#define TOTAL 1000000u
static uint32_t storage[64];
static fx_ring_t ring;
static uint32_t errors;

static void *producer(void *arg)
{
    uint32_t next = 0u, burst = 1u, block[37];
    (void) arg;
    while (next < TOTAL) {
        uint32_t n = burst, i;
        if (n > TOTAL - next) { n = TOTAL - next; }
        for (i = 0u; i < n; i++) { block[i] = next + i; }
        if (burst & 1u) {
            if (fx_ring_write(&ring, block, n) == n) { next += n; }
        } else {
            next += fx_ring_write_some(&ring, block, n);
        }
        burst = burst % 37u + 1u;
    }
    return 0;
}

int main(void)
{
    pthread_t t;
    uint32_t expect = 0u, burst = 1u, block[53];
    fx_ring_init(&ring, storage, 64u, 4u);
    ring.head = ring.tail = 0xFFFFFF00u;    /* the counters wrap during the run */
    pthread_create(&t, 0, producer, 0);
    while (expect < TOTAL) {
        uint32_t got = fx_ring_read_some(&ring, block, burst), i;
        for (i = 0u; i < got; i++) {
            if (block[i] != expect + i) { errors++; }
        }
        expect += got;
        burst = burst % 53u + 1u;
    }
    pthread_join(t, 0);
    printf("received %u errors %u left %u\n", expect, errors, fx_ring_count(&ring));
    return errors != 0u || fx_ring_count(&ring) != 0u;
}
"""


class Ring(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("cap", ctypes.c_uint32),
                ("mask", ctypes.c_uint32), ("elem_octets", ctypes.c_uint32),
                ("head", ctypes.c_uint32), ("tail", ctypes.c_uint32),
                ("dropped", ctypes.c_uint32)]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if CC is None:
        pytest.fail("no C compiler (cc/gcc) on PATH")
    out = tmp_path_factory.mktemp("ring")
    so = str(out / "libring.so")
    subprocess.run([CC, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    "-I" + DSP, os.path.join(DSP, "ring.c"), "-o", so], check=True)
    stress_src = out / "stress.c"
    stress_src.write_text(STRESS_C)
    exe = str(out / "stress")
    subprocess.run([CC, "-std=gnu99", "-O2", "-Wall", "-I" + DSP, str(stress_src),
                    os.path.join(DSP, "ring.c"), "-o", exe, "-lpthread"], check=True)
    lib = ctypes.CDLL(so)
    for name in ("fx_ring_count", "fx_ring_space", "fx_ring_write", "fx_ring_write_some",
                 "fx_ring_read", "fx_ring_read_some", "fx_ring_skip"):
        getattr(lib, name).restype = ctypes.c_uint32
    return lib, exe


def make(lib, cap, elem_octets):
    r = Ring()
    store = ctypes.create_string_buffer(cap * elem_octets)
    rc = lib.fx_ring_init(ctypes.byref(r), store, ctypes.c_uint32(cap),
                          ctypes.c_uint32(elem_octets))
    assert rc == 0
    return r, store


def put(lib, r, values, fn="fx_ring_write"):
    raw = struct.pack("<%dh" % len(values), *values)
    return getattr(lib, fn)(ctypes.byref(r), raw, ctypes.c_uint32(len(values)))


def get(lib, r, n, fn="fx_ring_read"):
    buf = ctypes.create_string_buffer(2 * n)
    got = getattr(lib, fn)(ctypes.byref(r), buf, ctypes.c_uint32(n))
    return list(struct.unpack("<%dh" % got, buf.raw[:2 * got]))


def test_init_needs_a_power_of_two(build):
    lib, _ = build
    r = Ring()
    store = ctypes.create_string_buffer(64)

    results = [lib.fx_ring_init(ctypes.byref(r), store, ctypes.c_uint32(c), ctypes.c_uint32(e))
               for c, e in ((0, 2), (3, 2), (6, 2), (8, 0), (1, 2), (8, 2), (1 << 31, 1),
                            ((1 << 31) + 1, 1))]

    assert results == [-1, -1, -1, -1, 0, 0, 0, -1]


def test_samples_come_out_in_order_across_the_end_of_the_storage(build):
    lib, _ = build
    r, _store = make(lib, 8, 2)

    assert put(lib, r, [1, 2, 3, 4, 5]) == 5
    first = get(lib, r, 3)
    # 2 queued at indices 3, 4; six more go to 5, 6, 7, 0, 1, 2: the ring is full.
    assert put(lib, r, [-6, -7, 32767, -32768, 10, 11]) == 6
    count_full, space_full = lib.fx_ring_count(ctypes.byref(r)), lib.fx_ring_space(ctypes.byref(r))
    rest = get(lib, r, 8)

    assert first == [1, 2, 3]
    assert (count_full, space_full) == (8, 0)
    assert rest == [4, 5, -6, -7, 32767, -32768, 10, 11]
    assert lib.fx_ring_count(ctypes.byref(r)) == 0


def test_whole_block_write_and_read_are_all_or_nothing(build):
    lib, _ = build
    r, _store = make(lib, 8, 2)

    too_many = put(lib, r, list(range(9)))
    dropped_after_block = r.dropped
    some = put(lib, r, list(range(9)), "fx_ring_write_some")
    short_read = get(lib, r, 9)
    part = get(lib, r, 9, "fx_ring_read_some")

    assert too_many == 0 and dropped_after_block == 9
    assert some == 8 and r.dropped == 10        # 9 + the one element that did not fit
    assert short_read == []                      # 8 queued, 9 asked: nothing taken
    assert part == list(range(8))


def test_counters_wrap_at_two_to_the_32(build):
    lib, _ = build
    r, _store = make(lib, 8, 2)
    r.head = r.tail = 0xFFFFFFFC                 # 4 elements before the wrap

    put(lib, r, [7, 8, 9, 10, 11, 12])
    head_after = r.head
    count = lib.fx_ring_count(ctypes.byref(r))
    skipped = lib.fx_ring_skip(ctypes.byref(r), ctypes.c_uint32(2))
    out = get(lib, r, 4)

    assert head_after == 2                       # 0xFFFFFFFC + 6 mod 2^32
    assert count == 6
    assert skipped == 2 and out == [9, 10, 11, 12]


def test_event_records_of_12_octets(build):
    lib, _ = build
    r, _store = make(lib, 4, 12)
    records = [struct.pack("<iiI", k, -k, 1000 * k) for k in range(1, 6)]

    accepted = [lib.fx_ring_write(ctypes.byref(r), rec, ctypes.c_uint32(1)) for rec in records]
    buf = ctypes.create_string_buffer(12 * 4)
    got = lib.fx_ring_read(ctypes.byref(r), buf, ctypes.c_uint32(4))

    assert accepted == [1, 1, 1, 1, 0]
    assert got == 4 and buf.raw == b"".join(records[:4])


def test_two_threads_lose_and_repeat_nothing(build):
    _, exe = build

    res = subprocess.run([exe], capture_output=True, text=True, timeout=120)

    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == "received 1000000 errors 0 left 0"
