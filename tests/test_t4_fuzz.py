"""T.4/T.6 decoder robustness (faxt4): random, truncated and corrupted streams never
crash, always give whole rows, stop, and count bad rows; random rows of any width
round-trip through every coding. Bounded example counts keep this to seconds."""
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
