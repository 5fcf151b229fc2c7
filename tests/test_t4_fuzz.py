"""T.4/T.6 decoder robustness (faxt4): random, truncated and corrupted streams never
crash, always give whole rows, stop, and keep the rows before the damage; random rows
of any width round-trip through every coding; and the C code, built here with
AddressSanitizer and UBSan, survives the same abuse. Bounded example counts keep this
to seconds."""
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import faxt4
from test_t4_codec import decode, encode, random_runs_page, row_octets, text_page

CODINGS = [(faxt4.MH, 0), (faxt4.MR, 2), (faxt4.MR, 4), (faxt4.MMR, 0)]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_PAGE = text_page(height=60, seed=11)
_STREAMS = {c: encode(_PAGE, 1728, c[0], c[1]) for c in CODINGS}


def _row_ends(coding, k):
    """Octet count after each row of _PAGE is coded: row i is complete within the
    first ends[i] + 1 octets (the +1 is the partial octet carried on)."""
    e = faxt4.Encoder(1728, coding, k)
    out = bytearray(faxt4.max_row_octets(1728))
    ends = []
    total = 0
    for r in _PAGE:
        total += e.encode(r, out)
        ends.append(total)
    return ends


_ENDS = {c: _row_ends(*c) for c in CODINGS}


def _check_decoder(data, width, coding, fill_order=2, chunk=None):
    # Each row costs at least one coded bit (an MMR row of V0 at width 1), so no
    # stream of n octets can give more than 8n + 1 rows; more would be a loop.
    got, d = decode(data, width, coding, fill_order, chunk=chunk)
    assert all(len(r) == row_octets(width) for r in got)
    assert d.rows == len(got)
    assert 0 <= d.bad_rows <= len(got) + 8 * len(data) + 1
    assert len(got) <= 8 * len(data) + 1
    return got, d


@FAST
@given(data=st.binary(max_size=3000), which=st.sampled_from(CODINGS),
       width=st.sampled_from([1, 13, 1728, 4864]), fill_order=st.sampled_from([1, 2]))
def test_random_bytes_never_break_the_decoder(data, which, width, fill_order):
    _check_decoder(data, width, which[0], fill_order)


@FAST
@given(which=st.sampled_from(CODINGS), cut=st.integers(min_value=0, max_value=100000),
       flips=st.lists(st.integers(min_value=0, max_value=10 ** 6), min_size=1, max_size=6),
       chunk=st.sampled_from([None, 1, 97]))
def test_corrupted_streams_keep_the_rows_before_the_damage(which, cut, flips, chunk):
    coding, k = which
    data = bytearray(_STREAMS[which])
    positions = [f % (len(data) * 8) for f in flips]
    for pos in positions:
        data[pos >> 3] ^= 1 << (pos & 7)
    cut = cut % (len(data) + 1)
    data = bytes(data[:cut])
    first_damage_bit = min([cut * 8] + positions)

    got, d = _check_decoder(data, 1728, coding, chunk=chunk)

    # Rows coded entirely before the first damaged bit come out exactly.
    intact = sum(1 for end in _ENDS[which] if (end + 1) * 8 <= first_damage_bit)
    assert got[:intact] == _PAGE[:intact]


def test_single_bit_errors_in_mh_are_detected_or_harmless():
    # Flip one bit in each of 200 places of an MH page: every decode either gives
    # the page exactly, or reports at least one bad row, or differs only in one row.
    rnd = random.Random(12)
    data = _STREAMS[(faxt4.MH, 0)]
    undetected = 0
    for _ in range(200):
        pos = rnd.randrange(len(data) * 8)
        bad = bytearray(data)
        bad[pos >> 3] ^= 1 << (pos & 7)

        got, d = _check_decoder(bytes(bad), 1728, faxt4.MH)

        if d.bad_rows == 0 and got != _PAGE:
            undetected += 1
            assert len(got) == len(_PAGE)
            assert sum(a != b for a, b in zip(got, _PAGE)) == 1
    # A bit error nearly always breaks the row length or a code word (T.4 §4.1.1);
    # at most a few per cent may slip through as a wrong but well-formed row.
    assert undetected <= 10


@FAST
@given(width=st.integers(min_value=1, max_value=5200), seed=st.integers(0, 10 ** 6),
       which=st.sampled_from(CODINGS), mean_run=st.sampled_from([1, 4, 50, 3000]),
       min_row_bits=st.sampled_from([0, 96, 1200]))
def test_random_rows_round_trip(width, seed, which, mean_run, min_row_bits):
    rows = random_runs_page(width, 5, seed, mean_run=mean_run)

    got, d = decode(encode(rows, width, which[0], which[1], min_row_bits), width, which[0])

    assert got == rows
    assert d.end() and d.bad_rows == 0


# A C harness for the sanitizer run: random pages of random widths and codings are
# coded, then decoded intact, with bit flips, truncated or replaced by noise, in
# random feed chunks and both fill orders. Intact pages must come back whole.
_ASAN_HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t4.h"

static uint32_t seed = 12345;
static uint32_t rnd(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }

static uint8_t rev8(uint8_t v)
{
    uint8_t r = 0;
    for (int q = 0; q < 8; q++) { if (v & (1 << q)) { r |= (uint8_t) (0x80 >> q); } }
    return r;
}

static long decode_all(const uint8_t *data, int len, int width, int coding, int fo,
                       int chunk, long *bad)
{
    t4_dec_state_t *d = malloc(sizeof(*d));
    uint16_t *work = malloc(sizeof(uint16_t) * T4_WORK_WORDS(width));
    uint8_t *row = malloc((size_t) (width + 7) / 8);
    int i = 0;
    long rows = 0;

    if (t4_dec_init(d, width, coding, fo, work, T4_WORK_WORDS(width)) != 0) { abort(); }
    for (;;) {
        if (t4_dec_row(d, row)) {
            if (++rows > 8L * len + 1) { printf("runaway\n"); abort(); }
            continue;
        }
        if (t4_dec_ended(d) || i >= len) { break; }
        int n = len - i;
        if (chunk && n > chunk) { n = chunk; }
        i += t4_dec_feed(d, data + i, n);
    }
    *bad = d->bad_rows;
    free(d); free(work); free(row);
    return rows;
}

int main(int argc, char **argv)
{
    static const int widths[] = {1, 7, 13, 1728, 2432, 4864, 6000};
    int iters = argc > 1 ? atoi(argv[1]) : 1000;
    for (int it = 0; it < iters; it++) {
        int width = widths[rnd() % 7], coding = (int) (rnd() % 3);
        int k = coding == T4_CODING_MR ? 1 + (int) (rnd() % 8) : 0;
        int nrows = 1 + (int) (rnd() % 20), ro = (width + 7) / 8, mean = 1 + (int) (rnd() % 200);
        int mrb = (rnd() % 2) ? 0 : (int) (rnd() % 2000);
        uint8_t *rows = calloc((size_t) ro, (size_t) nrows);
        for (int r = 0; r < nrows; r++) {
            int colour = 0;
            for (int x = 0; x < width; x++) {
                if (rnd() % mean == 0) { colour ^= 1; }
                if (colour) { rows[r * ro + (x >> 3)] |= (uint8_t) (0x80 >> (x & 7)); }
            }
        }
        uint16_t *work = malloc(sizeof(uint16_t) * T4_WORK_WORDS(width));
        t4_enc_state_t e;
        if (t4_enc_init(&e, width, coding, k, mrb, work, T4_WORK_WORDS(width)) != 0) { abort(); }
        int maxo = t4_enc_max_octets(width, mrb), len = 0;
        uint8_t *out = malloc((size_t) maxo * (size_t) (nrows + 1));
        for (int r = 0; r < nrows; r++) {
            /* each call gets exactly maxo octets so an overrun is caught */
            uint8_t *one = malloc((size_t) maxo);
            int n = t4_enc_row(&e, rows + r * ro, one, maxo);
            if (n < 0 || n > maxo) { abort(); }
            memcpy(out + len, one, (size_t) n);
            free(one);
            len += n;
        }
        len += t4_enc_finish(&e, out + len, maxo);
        int mode = (int) (rnd() % 4);
        if (mode == 1) {
            for (int f = 0; f < 1 + (int) (rnd() % 5); f++) {
                int p = (int) (rnd() % (uint32_t) (len * 8));
                out[p >> 3] ^= (uint8_t) (1 << (p & 7));
            }
        } else if (mode == 2) {
            len = (int) (rnd() % (uint32_t) (len + 1));
        } else if (mode == 3) {
            for (int b = 0; b < len; b++) { out[b] = (uint8_t) rnd(); }
        }
        int fo = 1 + (int) (rnd() % 2);
        if (fo == 1) { for (int b = 0; b < len; b++) { out[b] = rev8(out[b]); } }
        long bad;
        long got = decode_all(out, len, width, coding, fo,
                              (rnd() % 2) ? 1 + (int) (rnd() % 50) : 0, &bad);
        if (mode == 0 && (got != nrows || bad != 0)) {
            printf("round trip failed: width %d coding %d rows %ld/%d\n", width, coding, got, nrows);
            return 1;
        }
        free(rows); free(work); free(out);
    }
    printf("ok\n");
    return 0;
}
"""


def test_codec_under_address_sanitizer(tmp_path):
    # Built here with -fsanitize=address,undefined (setup.py builds without it):
    # any out-of-bounds access, overflow or undefined shift aborts the run.
    import os
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    t4_dir = os.path.join(root, "firmware", "cmodules", "faxcore", "t4")
    src = tmp_path / "asan_t4.c"
    exe = tmp_path / "asan_t4"
    src.write_text(_ASAN_HARNESS)
    sources = sorted(os.path.join(t4_dir, f) for f in os.listdir(t4_dir) if f.endswith(".c"))
    subprocess.run(["gcc", "-std=c99", "-O1", "-g", "-fsanitize=address,undefined",
                    "-fno-sanitize-recover=all", "-I", t4_dir, "-o", str(exe), str(src)]
                   + sources, check=True, capture_output=True)

    res = subprocess.run([str(exe), "1500"], capture_output=True, text=True, timeout=300)

    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stdout + res.stderr[-3000:]
