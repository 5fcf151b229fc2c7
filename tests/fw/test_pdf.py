# faxbox.pdf: file structure (xref table, xref stream with PNG predictor, object
# streams, /Prev chains and their loops), the single-image page rule and the image
# kinds that need no codec. Runs under CPython and MicroPython: the PDFs are written
# here by hand, Flate data as stored deflate blocks (RFC 1951 §3.2.4), so neither
# zlib nor Pillow is needed.
import io
import struct

from faxbox.document import Limits, MediaError
from faxbox.pdf import NeedsRender, PdfFile, Ref


def adler32(data):
    # RFC 1950 §8
    a, b = 1, 0
    for c in data:
        a = (a + c) % 65521
        b = (b + a) % 65521
    return (b << 16) | a


def zlib_stored(data, block=1000):
    out = bytearray(b"\x78\x01")
    i = 0
    while True:
        part = data[i:i + block]
        i += block
        final = 1 if i >= len(data) else 0
        out.append(final)
        out += struct.pack("<HH", len(part), len(part) ^ 0xFFFF) + part
        if final:
            break
    out += struct.pack(">I", adler32(data))
    return bytes(out)


def stream_obj(num, dict_text, data):
    return (b"%d 0 obj\n<<%s /Length %d>>\nstream\n" % (num, dict_text, len(data)) +
            data + b"\nendstream\nendobj\n")


def build_pdf(pages, objstm=False, extra_trailer=b""):
    """pages: list of (image dict text, image data, (media w, h), content bytes).
    Objects: 1 catalog, 2 page tree, then per page: page, content, image. With
    objstm the catalog, tree and pages go into an object stream and the
    cross-reference is a stream with a PNG Up predictor (ISO 32000-1 §7.5.7-8)."""
    n = len(pages)
    kids = b" ".join(b"%d 0 R" % (3 + 3 * k) for k in range(n))
    plain = {1: b"<</Type /Catalog /Pages 2 0 R>>",
             2: b"<</Type /Pages /Kids [%s] /Count %d>>" % (kids, n)}
    streams = {}
    for k, (img, data, box, content) in enumerate(pages):
        p = 3 + 3 * k
        plain[p] = (b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
                    b"/Resources <</XObject <</Im0 %d 0 R>>>> /Contents %d 0 R>>"
                    % (box[0], box[1], p + 2, p + 1))
        streams[p + 1] = (b"", content)
        streams[p + 2] = (b"/Type /XObject /Subtype /Image " + img, data)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    where = {}
    for num in sorted(streams):
        where[num] = len(out)
        out += stream_obj(num, streams[num][0], streams[num][1])
    size = 3 + 3 * n
    if not objstm:
        for num in sorted(plain):
            where[num] = len(out)
            out += b"%d 0 obj\n%s\nendobj\n" % (num, plain[num])
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for num in range(1, size):
            out += b"%010d 00000 n \n" % where[num]
        out += b"trailer\n<</Size %d /Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (
            size, extra_trailer, xref)
        return bytes(out)
    stm = size
    head = bytearray()
    body = bytearray()
    index = {}
    for i, num in enumerate(sorted(plain)):
        head += b"%d %d " % (num, len(body))
        body += plain[num] + b"\n"
        index[num] = i
    where[stm] = len(out)
    out += stream_obj(stm, b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode"
                      % (len(plain), len(head)), zlib_stored(bytes(head + body)))
    xnum = stm + 1
    xref = len(out)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for num in range(1, xnum + 1):
        if num in index:
            rows.append(struct.pack(">BIH", 2, stm, index[num]))
        elif num == xnum:
            rows.append(struct.pack(">BIH", 1, xref, 0))
        else:
            rows.append(struct.pack(">BIH", 1, where[num], 0))
    # PNG Up predictor (type 2): each octet minus the one above it.
    pred = bytearray()
    prev = bytes(7)
    for r in rows:
        pred.append(2)
        pred += bytes((r[i] - prev[i]) & 0xFF for i in range(7))
        prev = r
    out += stream_obj(xnum, b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R "
                      b"/Filter /FlateDecode /DecodeParms <</Predictor 12 /Columns 7>>%s"
                      % (xnum + 1, extra_trailer), zlib_stored(bytes(pred)))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def draw(w_pt, h_pt, x=0, y=0):
    return b"q\n%d 0 0 %d %d %d cm\n/Im0 Do\nQ\n" % (w_pt, h_pt, x, y)


def pattern(w, h):
    """Packed 1-bit rows, 1 = black: a diagonal, a frame and a checker corner."""
    stride = (w + 7) >> 3
    rows = []
    for y in range(h):
        r = bytearray(stride)
        for x in range(w):
            black = x == y or x == 0 or y == h - 1 or (x < 8 and y < 8 and (x + y) % 2)
            if black:
                r[x >> 3] |= 0x80 >> (x & 7)
        rows.append(bytes(r))
    return rows


def read_all(data):
    pf = PdfFile(io.BytesIO(data), Limits())
    return [(p, [bytes(r) for r in p.rows()]) for p in pf.pages()]


def expect_error(data, cls=MediaError, code=None):
    try:
        read_all(data)
    except MediaError as e:
        assert isinstance(e, cls), e
        if code is not None:
            assert e.code == code, e
        return e.message
    assert False, "no MediaError"


def test_uncompressed_1bit_page_black_is_zero():
    w, h = 20, 12
    want = pattern(w, h)
    # DeviceGray 1 bit: sample 0 is black (§8.9.5.2), so the file stores ~pattern.
    data = b"".join(bytes(c ^ 0xFF for c in r) for r in want)
    img = b"/Width %d /Height %d /BitsPerComponent 1 /ColorSpace /DeviceGray" % (w, h)

    (page, rows), = read_all(build_pdf([(img, data, (200, 100), draw(144, 72))]))

    assert (page.width, page.height) == (20, 12)
    # 20 pels over 144 pt = 2 in: 10 pels/in = 393.7 pels/m
    assert page.xres[0] * 254 == 20 * 72 * 10000000 * 254
    assert page.xres[0] * 100 // page.xres[1] == 39370
    assert page.yres[0] * 100 // page.yres[1] == 12 * 72 * 10000000 * 100 // (72000 * 254)
    last = 0xFF << 4 & 0xFF  # 20 pels: the last octet keeps 4 pels
    assert rows == [r[:2] + bytes([r[2] & last]) for r in want]


def test_flate_image_mask_with_decode_inverted_in_object_stream():
    w, h = 13, 9
    want = pattern(w, h)
    # /ImageMask paints 0 samples; /Decode [1 0] paints the 1 samples instead, so
    # the file stores the pattern as it is (§8.9.6.2).
    img = b"/Width %d /Height %d /ImageMask true /Decode [1 0] /Filter /FlateDecode" % (
        w, h)
    pdf = build_pdf([(img, zlib_stored(b"".join(want)), (100, 100), draw(100, 70))] * 2,
                    objstm=True)

    got = read_all(pdf)

    assert len(got) == 2
    assert got[0][1] == got[1][1] == want


def test_flate_grey_png_predictor():
    w, h = 10, 6
    grey = [bytes((x * 29 + y * 40) % 256 for x in range(w)) for y in range(h)]
    filtered = bytearray()
    prev = bytes(w)
    for y, r in enumerate(grey):
        ft = y % 3  # None, Sub, Up in turn (PNG §9.2)
        filtered.append(ft)
        for x in range(w):
            if ft == 0:
                v = r[x]
            elif ft == 1:
                v = r[x] - (r[x - 1] if x else 0)
            else:
                v = r[x] - prev[x]
            filtered.append(v & 0xFF)
        prev = r
    img = (b"/Width %d /Height %d /BitsPerComponent 8 /ColorSpace /DeviceGray "
           b"/Filter /FlateDecode /DecodeParms <</Predictor 15 /Colors 1 /Columns %d>>"
           % (w, h, w))

    (page, rows), = read_all(build_pdf([(img, zlib_stored(bytes(filtered)), (72, 72),
                                         draw(72, 72))]))

    for y in range(h):
        bits = 0
        for x in range(w):
            bits = bits << 1 | (1 if grey[y][x] < 128 else 0)
        bits <<= 6
        assert rows[y] == bytes([bits >> 8, bits & 0xFF]), y


def test_text_page_needs_render():
    img = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray"
    text = draw(72, 72) + b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET\n"
    path = b"q 1 0 0 1 0 0 cm 10 10 m 100 100 l S Q\n" + draw(72, 72)

    m1 = expect_error(build_pdf([(img, b"\x00", (72, 72), text)]), NeedsRender, 12300)
    m2 = expect_error(build_pdf([(img, b"\x00", (72, 72), path)]), NeedsRender, 12300)

    assert "text or drawings" in m1 and "render_service_url" in m1
    assert m1 == m2


def test_invisible_ocr_text_is_allowed():
    # A searchable scan: the image plus its OCR text in mode 3 (invisible); the
    # same text in mode 0 is visible and needs a renderer.
    w, h = 16, 4
    want = pattern(w, h)
    img = b"/Width %d /Height %d /ImageMask true /Decode [1 0]" % (w, h)
    ocr = b"BT 3 Tr /F1 10 Tf 1 0 0 1 5 5 Tm (scan) Tj [(te) 5 (xt)] TJ T* (x) ' ET\n"
    shown = ocr.replace(b" 3 Tr", b" 0 Tr")
    restored = b"q 3 Tr Q BT (x) Tj ET\n"  # Q restores mode 0

    (page, rows), = read_all(build_pdf([(img, b"".join(want), (72, 72),
                                         draw(72, 18) + ocr)]))
    assert rows == want
    for content in (shown, restored):
        expect_error(build_pdf([(img, b"".join(want), (72, 72), draw(72, 18) + content)]),
                     NeedsRender, 12300)


def test_undecodable_and_encrypted():
    jb = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray " \
         b"/Filter /JBIG2Decode"
    dct = b"/Width 8 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceGray " \
          b"/Filter /DCTDecode"
    plain = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray"

    assert "JBIG2" in expect_error(build_pdf([(jb, b"\x00", (72, 72), draw(72, 72))]),
                                   NeedsRender)
    assert "JPEG" in expect_error(build_pdf([(dct, b"\x00", (72, 72), draw(72, 72))]),
                                  NeedsRender)
    enc = build_pdf([(plain, b"\x00", (72, 72), draw(72, 72))],
                    extra_trailer=b" /Encrypt <</Filter /Standard /V 1 /R 2>>")
    assert "encrypted" in expect_error(enc, MediaError, 12300)


def test_prev_loop_and_bad_startxref_fail_cleanly():
    img = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray"
    pdf = build_pdf([(img, b"\x00", (72, 72), draw(72, 72))])
    xref = int(pdf[pdf.rindex(b"startxref") + 10:].split(b"\n")[0])
    looped = pdf.replace(b"/Root 1 0 R>>", b"/Root 1 0 R /Prev %d>>" % xref)
    cut = pdf[:len(pdf) // 2]
    bad_offset = pdf[:pdf.rindex(b"startxref")] + b"startxref\n%d\n%%%%EOF\n" % (xref + 3)

    assert "loop" in expect_error(looped, MediaError, 39007)
    assert "cross-reference" in expect_error(cut, NeedsRender, 12300)
    expect_error(bad_offset, MediaError, 39007)


def test_object_stream_inside_itself_fails_cleanly():
    img = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray"
    pdf = build_pdf([(img, b"\x00", (72, 72), draw(72, 72))], objstm=True)
    pf = PdfFile(io.BytesIO(pdf), Limits())
    # Object 6 is the object stream holding objects 1-3; point its own entry into
    # itself (what a damaged xref stream says) and drop the decoded copy.
    pf._xref[6] = ~(6 << 16)
    pf._objstm_num = -1

    try:
        pf.get(Ref(2, 0))
    except MediaError as e:
        assert e.code == 39007 and "object stream" in e.message
    else:
        assert False, "no MediaError"


def test_page_tree_loop_and_page_limit():
    img = b"/Width 8 /Height 1 /BitsPerComponent 1 /ColorSpace /DeviceGray"
    pdf = build_pdf([(img, b"\x00", (72, 72), draw(72, 72))] * 3)
    # Make page 3's object a page tree node whose kid is the root (a cycle).
    looped = pdf.replace(b"/Kids [3 0 R 6 0 R 9 0 R]", b"/Kids [3 0 R 2 0 R 9 0 R]")

    assert "loop" in expect_error(looped, MediaError, 39007)
    try:
        PdfFile(io.BytesIO(pdf), Limits(max_pages=2)).pages().__next__()
    except MediaError as e:
        assert e.code == 39001
    else:
        assert False, "page limit not enforced"
