"""faxbox.pdf through document.prepare on CPython with the faxt4 codec. Every page
is compared pel for pel with an independent decoding: Pillow (libtiff) decoding the
same CCITT data wrapped in a TIFF, or pypdfium2 rendering the PDF at the image's own
resolution; both are scaled to the fax page by test_document's numpy rule."""
import io
import re
import struct
import zlib

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_document import check_damaged_file
from PIL import Image

from faxbox import document, spool
from faxbox.document import Limits
from fw.test_pdf import build_pdf, draw
from test_document import bilevel, expect_error, expect_size, read_page, scale, text_like


def g4_strip(black, compression="group4", options=None, inverted=False):
    """(coded data, Pillow's decoding as a bool array) of a one-strip TIFF made by
    Pillow (libtiff). Pillow writes mode "1" as BlackIsZero, so the coded "black"
    runs are the white pels; inverted=True saves the negative instead."""
    im = bilevel(~black if inverted else black)
    buf = io.BytesIO()
    kw = {"tiffinfo": {292: options}} if options is not None else {}
    im.save(buf, "TIFF", compression=compression, strip_size=1 << 30, **kw)
    t = Image.open(buf)
    assert len(t.tag_v2[273]) == 1
    data = buf.getvalue()[t.tag_v2[273][0]:t.tag_v2[273][0] + t.tag_v2[279][0]]
    pels = ~np.array(t)
    return data, (~pels if inverted else pels)


def ccitt_dict(w, h, k, black_is_1, extra=b""):
    return (b"/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray "
            b"/Filter /CCITTFaxDecode /DecodeParms <</K %d /Columns %d /Rows %d "
            b"/BlackIs1 %s>>%s" % (w, h, k, w, h, b"true" if black_is_1 else b"false",
                                   extra))


def prepare_pages(path, tmp_path, quality="fine"):
    spool_dir = tmp_path / ("spool-" + quality)
    spool_dir.mkdir(exist_ok=True)
    n = document.prepare(str(path), str(spool_dir), quality)
    return [read_page(spool.page_path(str(spool_dir), i + 1)) for i in range(n)]


def check_page(got, black, dpi, quality):
    rd, pels = got
    ow, oh, off = expect_size(black.shape[1], black.shape[0], dpi[0], dpi[1], quality)
    assert (rd.width, rd.height) == (1728, oh)
    diff = int((pels != scale(black, ow, oh, off)).sum())
    assert diff == 0, "%d pels differ" % diff


@pytest.mark.parametrize("quality", ["standard", "fine"])
def test_ccitt_g4_g3_pages_match_libtiff(tmp_path, quality):
    # Four pages, one per CCITT variant: G4 with BlackIs1 (as tiff2pdf writes it),
    # G4 without, G3 2-D (K > 0) and G3 1-D (K = 0); 1728 x 1100 at 204 x 196 dpi
    # except the last, 1000 x 700 placed over 5 x 3.5 in (200 dpi).
    pages = []
    want = []
    for i, (comp, opt, k, b1, (w, h)) in enumerate((
            ("group4", None, -1, True, (1728, 1100)),
            ("group4", None, -1, False, (1728, 1100)),
            ("group3", 1, 4, True, (1728, 1100)),
            ("group3", 0, 0, False, (1000, 700)))):
        black = text_like(w, h, 30 + i)
        data, pels = g4_strip(black, comp, opt, inverted=not b1)
        assert (pels == black).all()
        wpt, hpt = (w * 72 * 10 // 2040, h * 72 * 10 // 1960) if w == 1728 else (360, 252)
        pages.append((ccitt_dict(w, h, k, b1), data, (612, 792), draw(wpt, hpt)))
        want.append((pels, (w * 72 / wpt, h * 72 / hpt)))
    path = tmp_path / "ccitt.pdf"
    path.write_bytes(build_pdf(pages))

    got = prepare_pages(path, tmp_path, quality)

    assert len(got) == 4
    for g, (pels, dpi) in zip(got, want):
        check_page(g, pels, dpi, quality)


def test_decode_inverted_and_object_streams(tmp_path):
    black = text_like(800, 500, 7)
    data, pels = g4_strip(black)
    img = ccitt_dict(800, 500, -1, True, b" /Decode [1 0]")
    path = tmp_path / "inv.pdf"
    path.write_bytes(build_pdf([(img, data, (400, 300), draw(288, 180))], objstm=True))

    (got,) = prepare_pages(path, tmp_path)

    check_page(got, ~pels, (200, 200), "fine")


def pdfium_black(path, page_index, w_pels):
    """pypdfium2's rendering of a page whose image fills it, at the image's own
    resolution, thresholded like the box."""
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[page_index]
    grey = page.render(scale=w_pels / page.get_size()[0], grayscale=True).to_pil()
    out = np.asarray(grey.convert("L")) < 128
    pdf.close()
    return out


def test_flate_pages_match_pdfium(tmp_path):
    # 1-bit Flate (no predictor) and 8-bit grey Flate with /Predictor 15 (the PNG
    # filter chosen per row by zlib-free code below: Paeth on every row), each
    # filling its page at 100 dpi.
    w, h = 850, 1100
    black = text_like(w, h, 3)
    one_bit = zlib.compress(np.packbits(~black, axis=1).tobytes())
    yy, xx = np.mgrid[0:h, 0:w]
    grey = ((xx * 7 + yy * 3) % 256).astype(np.uint8)
    grey[black] = 20
    raw = np.zeros((h, w + 1), np.int32)
    raw[:, 0] = 4  # Paeth (PNG §9.4)
    g = grey.astype(np.int32)
    a = np.pad(g, ((0, 0), (1, 0)))[:, :-1]
    b = np.pad(g, ((1, 0), (0, 0)))[:-1, :]
    c = np.pad(g, ((1, 0), (1, 0)))[:-1, :-1]
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    raw[:, 1:] = (g - pred) & 0xFF
    eight = zlib.compress(raw.astype(np.uint8).tobytes())
    pages = [
        (b"/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray "
         b"/Filter /FlateDecode" % (w, h), one_bit, (612, 792), draw(612, 792)),
        (b"/Width %d /Height %d /BitsPerComponent 8 /ColorSpace /DeviceGray "
         b"/Filter /FlateDecode /DecodeParms <</Predictor 15 /Colors 1 /Columns %d>>"
         % (w, h, w), eight, (612, 792), draw(612, 792))]
    path = tmp_path / "flate.pdf"
    path.write_bytes(build_pdf(pages))

    got = prepare_pages(path, tmp_path)

    assert len(got) == 2
    for i, src in enumerate((black, grey < 128)):
        ref = pdfium_black(path, i, w)
        assert ref.shape == (h, w)
        assert (ref == src).all()  # pdfium agrees with the source image
        check_page(got[i], ref, (100, 100), "fine")


def ccitt_streams(path):
    """[(coded data, Columns, Rows, BlackIs1)] of every CCITT image of a PDF in file
    order, found with regular expressions, not with the code under test."""
    raw = path.read_bytes()
    out = []
    for m in re.finditer(rb"/Filter\s*/CCITTFaxDecode", raw):
        start = raw.rfind(b" obj", 0, m.start())
        dict_text = raw[start:raw.index(b"stream", m.start())]
        m_len = re.search(rb"/Length\s+(\d+)(\s+0\s+R)?", dict_text)
        length = int(m_len.group(1))
        if m_len.group(2):  # an indirect length: the object holds the number
            length = int(re.search(rb"\s%d\s+0\s+obj\s*(\d+)" % length, raw).group(1))
        cols = int(re.search(rb"/Columns\s+(\d+)", dict_text).group(1))
        rows = int(re.search(rb"/Rows\s+(\d+)", dict_text).group(1))
        b1 = re.search(rb"/BlackIs1\s+true", dict_text) is not None
        s = raw.index(b"stream", m.start()) + 6
        s += 2 if raw[s:s + 2] == b"\r\n" else 1
        out.append((raw[s:s + length], cols, rows, b1))
    return out


def libtiff_pels(data, w, h, b1):
    # Coded black runs are black unless BlackIs1: as a TIFF, WhiteIsZero (0) shows
    # them black, BlackIsZero (1) white.
    im = Image.open(io.BytesIO(tiff_wrap(data, w, h, 1 if b1 else 0)))
    return ~np.array(im.convert("1"))


def tiff_wrap(data, w, h, photometric):
    """A one-strip G4 TIFF around coded data (TIFF 6.0 §8, §11), II order."""
    tags = [(256, 4, w), (257, 4, h), (258, 3, 1), (259, 3, 4), (262, 3, photometric),
            (273, 4, 8 + 2 + 12 * 7 + 4), (279, 4, len(data))]
    ifd = struct.pack("<H", len(tags))
    for tag, typ, val in tags:
        ifd += struct.pack("<HHII", tag, typ, 1, val) if typ == 4 else \
            struct.pack("<HHIHH", tag, typ, 1, val, 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00" + data


@pytest.mark.parametrize("name", ["P02_epson.pdf", "P03_ccitt.pdf"])
def test_real_scanner_pdfs(tmp_path, name):
    from picofax import corpus

    path = corpus.fetch(name)
    ((data, w, h, b1),) = ccitt_streams(type(tmp_path)(path))
    pels = libtiff_pels(data, w, h, b1)
    pdf = pdfium.PdfDocument(str(path))
    wpt, hpt = pdf[0].get_size()
    pdf.close()

    (got,) = prepare_pages(path, tmp_path)

    # Both scans fill their page: the image's resolution is its size over the page.
    check_page(got, pels, (w * 72 / wpt, h * 72 / hpt), "fine")


def test_searchable_scan_with_invisible_ocr_text(tmp_path):
    # T01: five Letter pages, each a 300 dpi G4 scan under an invisible OCR text
    # layer (3 Tr). The images are matched to pages by pdfium's rendering (not pel
    # exact after its resampling, but far closer to the right image than to others).
    from picofax import corpus

    path = corpus.fetch("T01_indirect-rotation.pdf")
    images = [libtiff_pels(*s) for s in ccitt_streams(type(tmp_path)(path))]
    pdf = pdfium.PdfDocument(str(path))
    order = []
    for i in range(len(pdf)):
        ref = np.asarray(pdf[i].render(scale=2550 / 612, grayscale=True).to_pil()
                         .convert("L"))[:3300] < 128
        order.append(int(np.argmin([(ref != im).sum() for im in images])))
    pdf.close()

    got = prepare_pages(path, tmp_path, "standard")

    assert len(got) == len(images) == 5
    assert sorted(order) == list(range(5))
    for g, k in zip(got, order):
        check_page(g, images[k], (300, 300), "standard")


@pytest.mark.parametrize("name,what", [
    ("P06_cardinal.pdf", "JBIG2"), ("D02_usrguide.pdf", "text or drawings"),
    ("P05_encrypted_doc_no_id.pdf", "encrypted")])
def test_real_pdfs_refused_clearly(tmp_path, name, what):
    from picofax import corpus

    msg = expect_error(corpus.fetch(name), 12300, tmp_path)

    assert what in msg
    assert "picofax render" in msg


def _fuzz_inputs():
    black = text_like(120, 90, 5)
    data, _ = g4_strip(black)
    one = zlib.compress(np.packbits(~black, axis=1).tobytes())
    g4 = (ccitt_dict(120, 90, -1, True), data, (100, 80), draw(100, 80))
    fl = (b"/Width 120 /Height 90 /BitsPerComponent 1 /ColorSpace /DeviceGray "
          b"/Filter /FlateDecode", one, (100, 80), draw(90, 70, 5, 5))
    return {"g4.pdf": build_pdf([g4, fl]), "objstm.pdf": build_pdf([fl, g4], objstm=True)}


_FUZZ = _fuzz_inputs()


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(_FUZZ)), cuts=st.lists(
    st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)), min_size=1, max_size=6),
    truncate=st.integers(0, 10 ** 6))
def test_damaged_pdfs_fail_only_with_media_error(tmp_path, name, cuts, truncate):
    check_damaged_file(tmp_path, name, _FUZZ[name], cuts, truncate)


def test_decompression_limit(tmp_path):
    # A Flate image of 8000 x 16000 white pels compresses to ~16 KB; the document
    # budget stops it without decoding it all.
    w, h = 8000, 16000
    data = zlib.compress(b"\xff" * ((w + 7) // 8 * h), 9)
    img = b"/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray " \
          b"/Filter /FlateDecode" % (w, h)
    path = tmp_path / "big.pdf"
    path.write_bytes(build_pdf([(img, data, (612, 792), draw(612, 792))]))

    msg = expect_error(path, 39001, tmp_path, Limits(max_decoded=1000000))

    assert "1000000" in msg


def test_pillow_written_g4_pdf(tmp_path):
    # A third-party writer: Pillow saves "1" pages as CCITT G4 with BlackIs1 and
    # /Filter and /DecodeParms as one-element arrays, placed at 150 dpi.
    blacks = [text_like(1200, 1600, 21), text_like(900, 700, 22)]
    path = tmp_path / "pil.pdf"
    ims = [bilevel(b) for b in blacks]
    ims[0].save(path, "PDF", resolution=150, save_all=True, append_images=ims[1:])

    got = prepare_pages(path, tmp_path, "standard")

    assert len(got) == 2
    for g, b in zip(got, blacks):
        check_page(g, b, (150, 150), "standard")
