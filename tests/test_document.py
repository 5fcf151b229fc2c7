"""document.prepare() on CPython with the faxt4 codec: every page is compared pel by
pel with Pillow's decoding of the same file, scaled here with numpy by the documented
rule (reduction: a fax pel is black if any source pel mapping to it is; enlargement:
nearest source pel), at a size worked out here in floating point."""
import io
import os
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

from faxbox import document, spool
from faxbox.document import Limits, MediaError

LINES_PER_MM = {"standard": 3.85, "fine": 7.7, "superfine": 15.4}


def expect_size(w, h, xdpi, ydpi, quality):
    # T.4 §2: 8 pels/mm across; within 1 % of 1:1 counts as 1:1; wider than 1728
    # pels is reduced to 1728 keeping the aspect ratio.
    ow = w * 25.4 / xdpi * 8
    oh = h * 25.4 / ydpi * LINES_PER_MM[quality]
    ow = w if abs(ow - w) <= 0.01 * w else round(ow)
    oh = h if abs(oh - h) <= 0.01 * h else round(oh)
    if ow > 1728:
        oh = round(oh * 1728 / ow)
        ow = 1728
    return ow, oh, (1728 - ow) // 2


def _index(n_src, n_out):
    """For each output index, the source indices it takes (as reduceat starts or a
    gather index) following the scaling rule."""
    if n_out <= n_src:
        groups = (np.arange(n_src) * n_out) // n_src
        return "or", np.searchsorted(groups, np.arange(n_out))
    return "take", (np.arange(n_out) * n_src) // n_out


def scale(black, ow, oh, off):
    sh, sw = black.shape
    kind, idx = _index(sw, ow)
    b = black.astype(np.uint8)
    b = np.add.reduceat(b, idx, axis=1) > 0 if kind == "or" else b[:, idx] > 0
    kind, idx = _index(sh, oh)
    b = b.astype(np.uint8)
    b = np.add.reduceat(b, idx, axis=0) > 0 if kind == "or" else b[idx, :] > 0
    page = np.zeros((oh, 1728), bool)
    page[:, off:off + ow] = b
    return page


def read_page(path):
    rd = spool.PageReader(path)
    rows = [np.unpackbits(np.frombuffer(bytes(r), np.uint8)) for r in rd.rows()]
    return rd, np.array(rows, bool).reshape(rd.height, 1728)


def pil_black(im):
    """Black pels of a Pillow image by the box's rule: luminance (BT.601, integer)
    after compositing alpha over white, black below 128."""
    if im.mode == "1":
        return ~np.array(im)
    if im.mode in ("L", "I;16", "I;16B"):
        a = np.array(im).astype(np.int64)
        if im.mode != "L":
            a >>= 8
        return a < 128
    rgba = np.array(im.convert("RGBA")).astype(np.int64)
    alpha = rgba[..., 3]
    c = (rgba[..., :3] * alpha[..., None] + 255 * (255 - alpha[..., None])) // 255
    luma = (c[..., 0] * 299 + c[..., 1] * 587 + c[..., 2] * 114) // 1000
    return luma < 128


def check_document(path, tmp_path, quality, dpis=None):
    """prepare() the file and compare every page with Pillow's pels; dpis is a list
    of (xdpi, ydpi) per page (None: read from the file by Pillow)."""
    spool_dir = tmp_path / ("spool-" + quality)
    spool_dir.mkdir(exist_ok=True)

    n = document.prepare(str(path), str(spool_dir), quality)

    im = Image.open(path)
    assert n == getattr(im, "n_frames", 1)
    for i in range(n):
        im.seek(i)
        xdpi, ydpi = dpis[i] if dpis else im.info["dpi"]
        ow, oh, off = expect_size(im.width, im.height, xdpi, ydpi, quality)
        rd, got = read_page(spool.page_path(str(spool_dir), i + 1))
        assert (rd.width, rd.height, rd.y_res) == (1728, oh, quality)
        want = scale(pil_black(im), ow, oh, off)
        diff = int((got != want).sum())
        assert diff == 0, "page %d: %d pels differ" % (i + 1, diff)
    return n


def text_like(w, h, seed):
    """A page of 'text': rows of short black runs, some one-pel lines."""
    rng = np.random.default_rng(seed)
    black = np.zeros((h, w), bool)
    for top in range(20, h - 30, 28):
        n = rng.integers(5, 40)
        for x in rng.integers(10, w - 40, n):
            black[top:top + rng.integers(6, 18), x:x + rng.integers(1, 30)] = True
    black[h // 2, :] = True
    black[:, w // 3] = True
    return black


def bilevel(black):
    return Image.fromarray(~black).convert("1")


@pytest.mark.parametrize("quality", ["standard", "fine", "superfine"])
def test_g4_fax_width_all_qualities(tmp_path, quality):
    path = tmp_path / "g4.tif"
    bilevel(text_like(1728, 600, 1)).save(path, compression="group4", dpi=(204, 196))

    check_document(path, tmp_path, quality)


@pytest.mark.parametrize("info", [{292: 0}, {292: 1}, {292: 5, 266: 2}],
                         ids=["mh", "mr", "mr-fill-lsb"])
def test_g3_variants(tmp_path, info):
    path = tmp_path / "g3.tif"
    bilevel(text_like(1728, 300, 2)).save(path, compression="group3", dpi=(204, 98),
                                          tiffinfo=info)

    check_document(path, tmp_path, "standard")


def test_g4_white_is_zero_fill_order_2(tmp_path):
    path = tmp_path / "g4.tif"
    bilevel(text_like(1000, 700, 3)).save(path, compression="group4", dpi=(150, 150),
                                          tiffinfo={262: 0, 266: 2})

    check_document(path, tmp_path, "fine")


def test_multi_page_mixed_sizes_and_codings(tmp_path):
    # A4 at 300 dpi (reduced and centred), Letter at 200 dpi PackBits, a small
    # uncompressed 8-bit grey page at 72 dpi (enlarged).
    path = tmp_path / "multi.tif"
    p1 = bilevel(text_like(2480, 3508, 4))
    p2 = bilevel(text_like(1700, 2200, 5))
    grey = (np.add.outer(np.arange(200), np.arange(150)) * 3 % 256).astype(np.uint8)
    p3 = Image.fromarray(grey, "L")
    # Pillow's save_all applies one set of options to all frames: append by hand.
    with open(path, "w+b") as f:
        with TiffImagePlugin.AppendingTiffWriter(f, True) as tf:
            for im, kw in ((p1, dict(compression="group4", dpi=(300, 300))),
                           (p2, dict(compression="packbits", dpi=(200, 200))),
                           (p3, dict(compression="raw", dpi=(72, 72)))):
                im.save(tf, format="TIFF", **kw)
                tf.newFrame()

    assert check_document(path, tmp_path, "fine") == 3


def test_png_types_with_phys(tmp_path):
    rng = np.random.default_rng(6)
    rgb = (rng.random((300, 400, 3)) * 255).astype(np.uint8)
    cases = [
        Image.fromarray(rgb, "RGB"),
        Image.fromarray(rgb, "RGB").convert("P", palette=Image.Palette.ADAPTIVE),
        Image.fromarray(rgb[..., 1], "L"),
        bilevel(text_like(400, 300, 7)),
        Image.fromarray(np.dstack([rgb, rgb[..., :1]]), "RGBA"),
    ]
    for k, im in enumerate(cases):
        path = tmp_path / ("p%d.png" % k)
        im.save(path, dpi=(100, 100))

        check_document(path, tmp_path, "fine", dpis=[(100, 100)])


def test_pgm_pbm_without_resolution(tmp_path):
    # 630 x 891 is A4-shaped: spans 210 mm = 1680 pels; 630 pels / 210 mm = 76.2 dpi.
    black = text_like(630, 891, 8)
    bilevel(black).save(tmp_path / "a.pbm")
    Image.fromarray(np.where(black, 40, 220).astype(np.uint8), "L").save(
        tmp_path / "a.pgm")

    for name in ("a.pbm", "a.pgm"):
        check_document(tmp_path / name, tmp_path, "standard", dpis=[(76.2, 76.2)])


def test_real_fax_tiffs(tmp_path):
    from picofax import corpus

    # F01: 1728 wide fax page (passes 1:1); F05: 3 A4 pages at 400 dpi (reduced,
    # centred); F04: 2548 x 3296 at 200 dpi, dense text, wider than the line.
    pages = [check_document(corpus.fetch(name), tmp_path, "fine")
             for name in ("F01_viewfax.tif", "F05_g4-multi.tiff", "F04_pport_g4.tif")]

    assert pages == [1, 3, 1]


def expect_error(path, code, tmp_path, limits=None):
    spool_dir = tmp_path / "errspool"
    spool_dir.mkdir(exist_ok=True)
    with pytest.raises(MediaError) as ei:
        document.prepare(str(path), str(spool_dir), "fine", limits)
    assert ei.value.code == code, ei.value.message
    assert os.listdir(spool_dir) == [], "pages left behind"
    return ei.value.message


def test_sniff():
    assert document.sniff(b"II*\x00\x08\x00\x00\x00") == "tiff"
    assert document.sniff(b"MM\x00*\x00\x00\x00\x08") == "tiff"
    assert document.sniff(b"\x89PNG\r\n\x1a\n\x00\x00") == "png"
    assert document.sniff(b"P4\n1728 100\n") == "pbm"
    assert document.sniff(b"P1 # c\n") == "pbm"
    assert document.sniff(b"P5\n") == "pgm"
    assert document.sniff(b"%PDF-1.7\n") == "pdf"
    assert document.sniff(b"\xff\xd8\xff\xe0") is None
    assert document.sniff(b"P6\n") is None
    assert document.sniff(b"") is None


def test_pdf_and_jpeg_are_refused_with_advice(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    jpg = tmp_path / "a.jpg"
    Image.new("L", (50, 50), 128).save(jpg)

    assert "picofax render" in expect_error(pdf, 12300, tmp_path)
    assert "JPEG" in expect_error(jpg, 12300, tmp_path)


def test_failure_on_a_late_page_leaves_no_pages(tmp_path):
    path = tmp_path / "bad.tif"
    pages = [bilevel(text_like(1728, 400, k)) for k in range(3)]
    pages[0].save(path, compression="group4", dpi=(204, 196), save_all=True,
                  append_images=pages[1:])
    data = bytearray(path.read_bytes())
    im = Image.open(path)
    im.seek(2)
    off, count = im.tag_v2[273][0], im.tag_v2[279][0]
    data[off + count // 2:off + count] = b"\x00" * (count - count // 2)
    path.write_bytes(bytes(data))

    expect_error(path, 39007, tmp_path)


def test_truncated_g4_file(tmp_path):
    path = tmp_path / "cut.tif"
    bilevel(text_like(1728, 800, 9)).save(path, compression="group4", dpi=(204, 196))
    data = path.read_bytes()
    im = Image.open(path)
    off = im.tag_v2[273][0]
    # keep the header and IFD if it comes first; cut the strip to a third
    if off > 100:
        path.write_bytes(data[:off + (len(data) - off) // 3])
    else:
        path.write_bytes(data[:len(data) // 3])

    expect_error(path, 39007, tmp_path)


def _png(width, height, ctype, depth, idat):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(
            ">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, 0)) +
            chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def test_zip_bomb_png_is_bounded(tmp_path):
    # 64 MB of zeros deflate to ~64 KB. Declared 500 x 300 grey: only the
    # 150,300 octets of the declared rows are ever inflated, in small pieces.
    bomb = zlib.compress(bytes(64 * 1024 * 1024), 9)
    small = tmp_path / "bomb.png"
    small.write_bytes(_png(500, 300, 0, 8, bomb))
    # Declared 8000 x 8000 RGB: a 24,000-octet row is over the row limit.
    huge = tmp_path / "huge.png"
    huge.write_bytes(_png(8000, 8000, 2, 8, bomb))
    spool_dir = tmp_path / "s"
    spool_dir.mkdir()

    tracemalloc.start()
    n = document.prepare(str(small), str(spool_dir), "standard")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert n == 1 and peak < 2 * 1024 * 1024, peak
    _, got = read_page(spool.page_path(str(spool_dir), 1))
    assert got.any()  # all-zero grey is black
    expect_error(huge, 39001, tmp_path)
    # A declared 8000 x 8000 grey page decodes to 64 MB: over a 16 MB budget.
    big = tmp_path / "big.png"
    big.write_bytes(_png(8000, 8000, 0, 8, bomb))
    expect_error(big, 39001, tmp_path, Limits(max_decoded=16 * 1024 * 1024))


def test_interlaced_png_refused(tmp_path):
    path = tmp_path / "i.png"
    Image.new("L", (30, 30), 0).save(path)
    data = bytearray(path.read_bytes())
    data[8 + 8 + 12] = 1  # IHDR interlace method (CRC not checked by the box)
    path.write_bytes(bytes(data))

    assert "interlac" in expect_error(path, 12300, tmp_path)


def test_page_limit(tmp_path):
    path = tmp_path / "many.tif"
    pages = [Image.new("1", (200, 100), 1) for _ in range(4)]
    pages[0].save(path, compression="group4", save_all=True, append_images=pages[1:])

    assert "3 pages" in expect_error(path, 39001, tmp_path, Limits(max_pages=3))


def test_media_error_str():
    e = MediaError(12300, "nope")

    assert (e.code, e.message, str(e)) == (12300, "nope", "12300: nope")
    assert isinstance(e, Exception)


def _fuzz_inputs():
    """Small valid files of each kind, as bytes."""
    out = {}
    black = text_like(120, 90, 11)
    for name, kw in (("g4.tif", dict(compression="group4", dpi=(100, 100))),
                     ("g3.tif", dict(compression="group3", tiffinfo={292: 1})),
                     ("pb.tif", dict(compression="packbits")),
                     ("a.png", {}), ("a.pbm", {})):
        buf = io.BytesIO()
        fmt = {"tif": "TIFF", "png": "PNG", "pbm": "PPM"}[name.rsplit(".", 1)[1]]
        bilevel(black).save(buf, format=fmt, **kw)
        out[name] = buf.getvalue()
    grey = Image.fromarray((np.arange(60 * 50).reshape(50, 60) % 256).astype(np.uint8))
    buf = io.BytesIO()
    grey.save(buf, format="PNG")
    out["g.png"] = buf.getvalue()
    return out


_FUZZ = _fuzz_inputs()


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(_FUZZ)), cuts=st.lists(
    st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), min_size=1, max_size=6),
    truncate=st.integers(0, 10 ** 6))
def test_damaged_files_fail_only_with_media_error(tmp_path, name, cuts, truncate):
    # Any damage (overwritten octets, a cut) either still decodes or raises
    # MediaError: never another exception, and never a page file left behind.
    check_damaged_file(tmp_path, name, _FUZZ[name], cuts, truncate)


def check_damaged_file(tmp_path, name, original, cuts, truncate):
    """Damage `original` (overwritten octets at `cuts`, a cut at `truncate` one time in
    three) and prepare it: it still decodes, or it raises MediaError with a media code
    and leaves no page file. Shared with the PDF tests."""
    data = bytearray(original)
    for pos, val in cuts:
        data[pos % len(data)] = val
    if truncate % 3 == 0:
        data = data[:truncate % len(data)]
    path = tmp_path / ("f-" + name)
    path.write_bytes(bytes(data))
    spool_dir = tmp_path / "fuzz"
    spool_dir.mkdir(exist_ok=True)
    for f in os.listdir(spool_dir):
        os.remove(spool_dir / f)

    try:
        n = document.prepare(str(path), str(spool_dir), "standard",
                             Limits(max_decoded=4 * 1024 * 1024))
    except MediaError as e:
        assert e.code in (12300, 39007, 39001)
        assert os.listdir(spool_dir) == []
    else:
        assert len(os.listdir(spool_dir)) == n
