# faxbox.pages (geometry, "any black pel" scaling), faxbox.spool (page files) and a
# whole document.prepare() run with its heap use. Runs under CPython and MicroPython:
# plain asserts, no fixtures. Expected sizes are worked by hand in the comments;
# expected bitmaps come from a brute-force evaluation of the scaling definition.
import gc
import os

from faxbox import document, pages, spool

_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
SCRATCH = _HERE + "/../../build/fwtest"


def scratch():
    for d in (_HERE + "/../../build", SCRATCH):
        try:
            os.mkdir(d)
        except OSError:
            pass
    return SCRATCH


def dpi(d):
    # d pels per inch as pels per metre: d / 0.0254 = d * 10000 / 254
    return (d * 10000, 254)


def test_fit_fax_page_passes_through():
    # 1728 x 2292 at 204 x 196 dpi ("fine" TIFF-F). Width 1728 * 8000 / (204 / 0.0254)
    # = 1721.2 and height 2292 * 7700 / (196 / 0.0254) = 2287.1 are within 1 % of
    # 1:1, so the page is kept as it is.
    assert pages.fit(1728, 2292, dpi(204), dpi(196), "fine") == (1728, 2292, 0)
    # standard: 2292 * 3850 * 0.0254 / 196 = 1143.5 -> 1144 rows
    assert pages.fit(1728, 2292, dpi(204), dpi(196), "standard") == (1728, 1144, 0)


def test_fit_a4_400dpi_is_centred():
    # 3307 pels at 400 dpi = 209.97 mm -> 3307 * 8000 * 0.0254 / 400 = 1679.96 -> 1680
    # pels, centred: (1728 - 1680) / 2 = 24. Rows: 4677 * 7700 * 0.0254 / 400 = 2286.8.
    assert pages.fit(3307, 4677, dpi(400), dpi(400), "fine") == (1680, 2287, 24)


def test_fit_unknown_resolution_uses_page_width():
    # 1000 x 1414 is A4-shaped (1.414): 210 mm wide -> 1680 pels; the pel is
    # 0.21 mm, so 1414 rows are 296.9 mm -> 296.94 * 7.7 = 2286.4 -> 2286 rows.
    assert pages.fit(1000, 1414, None, None, "fine") == (1680, 2286, 24)
    # 850 x 1100 is Letter-shaped (1.294): 215.9 mm -> 1727.2 -> 1727 pels.
    assert pages.fit(850, 1100, None, None, "standard")[0] == 1727


def test_fit_wide_page_is_reduced_not_rotated():
    # 11 x 8.5 in at 200 dpi: 2200 pels = 2235.2 fax pels, too wide; rows at standard
    # 1700 * 3850 * 0.0254 / 200 = 831.2 -> 831, then 831 * 1728 / 2235 = 642.5 -> 642.
    assert pages.fit(2200, 1700, dpi(200), dpi(200), "standard") == (1728, 642, 0)


class Lcg:
    # deterministic pseudo-random bits (Numerical Recipes LCG constants)
    def __init__(self, seed):
        self.s = seed

    def bit(self, permille):
        self.s = (self.s * 1664525 + 1013904223) & 0xFFFFFFFF
        return (self.s >> 8) % 1000 < permille


def bitmap(w, h, seed, permille):
    r = Lcg(seed)
    return [[r.bit(permille) for _ in range(w)] for _ in range(h)]


def pack(bits):
    row = bytearray((len(bits) + 7) // 8)
    for x, b in enumerate(bits):
        if b:
            row[x >> 3] |= 0x80 >> (x & 7)
    return row


def expected(src, sw, sh, ow, oh, off):
    # Definition: reduction ORs every source pel s with s * out // src == j;
    # enlargement copies source pel j * src // out. Brute force over all pels.
    def group(j, n_src, n_out):
        if n_out <= n_src:
            return [s for s in range(n_src) if s * n_out // n_src == j]
        return [j * n_src // n_out]

    cols = [group(i, sw, ow) for i in range(ow)]
    out = []
    for j in range(oh):
        rows = group(j, sh, oh)
        bits = [False] * 1728
        for i in range(ow):
            bits[off + i] = any(src[y][x] for y in rows for x in cols[i])
        out.append(bytes(pack(bits)))
    return out


def run_scaler(src, sw, sh, ow, oh, off):
    sc = pages.Scaler(sw, sh, ow, oh, off)
    return [bytes(r) for r in sc.rows(bytes(pack(row)) for row in src)]


def test_scaler_matches_definition():
    cases = [
        (101, 37, 40, 15, 7, 50),  # reduce both ways, odd offset
        (23, 9, 61, 30, 1, 3),  # enlarge both ways
        (70, 20, 70, 20, 3, 8),  # 1:1, offset not octet aligned
        (64, 12, 64, 12, 16, 5),  # 1:1 aligned: the copy path
        (90, 8, 41, 19, 0, 2),  # reduce across, enlarge down
    ]
    for sw, sh, ow, oh, off, seed in cases:
        src = bitmap(sw, sh, seed, 150)

        got = run_scaler(src, sw, sh, ow, oh, off)

        assert got == expected(src, sw, sh, ow, oh, off), (sw, sh, ow, oh, off)


def test_scaler_keeps_thin_lines():
    # A one-pel vertical line and a one-row horizontal line in a 400 x 400 image,
    # halved: both survive (nearest-neighbour sampling at even pels would lose an
    # odd column).
    sw = sh = 400
    line = bytes(pack([x == 201 for x in range(sw)]))
    full = bytes([0xFF] * 50)
    sc = pages.Scaler(sw, sh, 200, 200, 0)

    got = [bytes(r) for r in sc.rows(full if y == 77 else line for y in range(sh))]

    assert all(r[100 >> 3] & (0x80 >> (100 & 7)) for r in got)
    assert got[38] == bytes([0xFF] * 25) + bytes(216 - 25)


def test_spool_raw_round_trip_and_atomic_write():
    d = scratch()
    path = d + "/raw.pg"
    rows = [bytes(pack(bitmap(1728, 1, y, 300)[0])) for y in range(5)]

    w = spool.PageWriter(path, y_res="standard", coding=spool.CODING_RAW)
    for r in rows:
        w.row(r)
    w.close()

    rd = spool.PageReader(path)
    assert (rd.width, rd.height, rd.y_res, rd.coding) == (1728, 5, "standard", 0)
    assert [bytes(r) for r in rd.rows()] == rows
    assert "raw.pg.tmp" not in os.listdir(d)
    # header: 20 octets, then 5 rows of 216
    assert os.stat(path)[6] == 20 + 5 * 216


def test_spool_abort_leaves_nothing():
    d = scratch()
    path = d + "/aborted.pg"
    try:
        os.remove(path)
    except OSError:
        pass

    w = spool.PageWriter(path)
    w.row(bytes(216))
    w.abort()

    names = os.listdir(d)
    assert "aborted.pg" not in names and "aborted.pg.tmp" not in names


def test_spool_mmr_round_trip_when_codec_present():
    # The codec is a C module: present under CPython (build/ext), absent in the
    # MicroPython unix interpreter, where the writer must fall back to raw rows.
    path = scratch() + "/auto.pg"
    rows = [bytes(pack(bitmap(1728, 1, y + 9, 50)[0])) for y in range(12)]

    w = spool.PageWriter(path, y_res="superfine")
    for r in rows:
        w.row(r)
    w.close()

    rd = spool.PageReader(path)
    want = spool.CODING_MMR if spool.faxt4 is not None else spool.CODING_RAW
    assert rd.coding == want and rd.y_res == "superfine" and rd.height == 12
    assert [bytes(r) for r in rd.rows()] == rows


def write_pbm(path, pages_wh):
    # P4 pages, each black inside a 10-pel white margin.
    with open(path, "wb") as f:
        for w, h in pages_wh:
            f.write(b"P4\n# test page\n%d %d\n" % (w, h))
            row = pack([10 <= x < w - 10 for x in range(w)])
            blank = bytes(len(row))
            for y in range(h):
                f.write(row if 10 <= y < h - 10 else blank)


_mem_free = getattr(gc, "mem_free", None)  # MicroPython only


class _Probe(spool.PageWriter):
    """PageWriter that samples the live heap every 64 rows (after a collection);
    under CPython it measures nothing."""
    base = 0
    peak = 0

    def row(self, rowbuf):
        if _mem_free is not None and self.height & 63 == 0:
            gc.collect()
            used = _Probe.base - _mem_free()
            if used > _Probe.peak:
                _Probe.peak = used
        super().row(rowbuf)


def _prepare_measured(pages_wh, quality, tag):
    """document.prepare on a PBM of `pages_wh`, sampling the live heap as the rows
    are written; returns (page count, spool dir)."""
    d = scratch()
    src = d + "/%s.pbm" % tag
    write_pbm(src, pages_wh)
    spool_dir = d + "/" + tag
    try:
        os.mkdir(spool_dir)
    except OSError:
        pass
    real = spool.PageWriter
    spool.PageWriter = _Probe
    gc.collect()
    _Probe.base = _mem_free() if _mem_free else 0
    _Probe.peak = 0
    try:
        n = document.prepare(src, spool_dir, quality)
    finally:
        spool.PageWriter = real
    return n, spool_dir


def test_prepare_multi_page_pbm_and_heap():
    # three A4-shaped pages without resolution: 420 x 594 -> 1680 pels wide (A4),
    # 594 rows * 0.5 mm = 297 mm -> 297 * 3.85 = 1143.45 -> 1143 rows (standard).
    n, spool_dir = _prepare_measured([(420, 594)] * 3, "standard", "job")

    assert n == 3
    for i in range(1, 4):
        rd = spool.PageReader(spool.page_path(spool_dir, i))
        assert (rd.width, rd.height, rd.y_res) == (1728, 1143, "standard")
        counts = []
        for r in rd.rows():
            counts.append(sum(bin(b).count("1") for b in r))
        # Enlarged 4x across: source columns 10..409 -> pels ceil(10 * 1680 / 420) = 40
        # .. ceil(410 * 1680 / 420) - 1 = 1639, i.e. 1600 black pels per row. Down,
        # output row j shows source row j * 594 // 1143, black for source rows
        # 10 .. 583: 19 -> 9, 20 -> 10, 1123 -> 583, 1124 -> 584, so rows 20 .. 1123.
        assert counts[19] == 0 and counts[20] == 1600
        assert min(counts[20:1124]) == 1600 and max(counts[1124:]) == 0
    print("prepare: 3 pages, peak live heap %d octets" % _Probe.peak)
    assert _Probe.peak < 64 * 1024


def test_prepare_ten_fine_pages_in_bounded_heap():
    # Issue 5: ten fine pages converted under a 150,000-word heap without MemoryError;
    # the peak live heap is printed (and bounded). 420 x 594 pages without resolution
    # are A4: 594 rows * 0.5 mm = 297 mm -> 297 * 7.7 = 2286.9 -> 2287 rows at fine
    # (rounded to the nearest row, as 1143.45 -> 1143 at standard above).
    n, spool_dir = _prepare_measured([(420, 594)] * 10, "fine", "job10")

    assert n == 10
    for i in range(1, 11):
        rd = spool.PageReader(spool.page_path(spool_dir, i))
        assert (rd.width, rd.height, rd.y_res) == (1728, 2287, "fine")
    print("prepare: 10 fine pages, peak live heap %d octets" % _Probe.peak)
    assert _Probe.peak < 64 * 1024
