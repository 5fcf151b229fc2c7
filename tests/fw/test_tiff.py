# faxbox.tiff: container parsing, strips, PackBits, fill order, photometric, grey
# thresholding and malformed files. Runs under CPython (pytest) and MicroPython
# (tests/mpy/mprun.py), so: plain asserts, no fixtures, no Pillow. The TIFFs are built
# here by a small writer that follows TIFF 6.0 §2 directly, and the expected rows
# come from the same pattern functions the files were made from.
import io
import struct

from faxbox.document import Limits, MediaError
from faxbox.tiff import TiffFile


def pattern(x, y):
    # An arbitrary mix of isolated dots and runs crossing octet boundaries.
    return (x * 7 + y * 3) % 11 == 0 or (x // 5 + y // 3) % 4 == 0


def grey(x, y):
    return (x * 37 + y * 11) % 256


def packed(width, y, fn=pattern):
    row = bytearray((width + 7) // 8)
    for x in range(width):
        if fn(x, y):
            row[x >> 3] |= 0x80 >> (x & 7)
    return bytes(row)


def rev8(b):
    r = 0
    for k in range(8):
        if b & (1 << k):
            r |= 0x80 >> k
    return r


def packbits(data):
    # TIFF 6.0 §9: n in 0..127 = n+1 literal octets; 257-n (129..255) = repeat the
    # next octet n times (2..128).
    out = bytearray()
    i = 0
    while i < len(data):
        r = 1
        while i + r < len(data) and r < 128 and data[i + r] == data[i]:
            r += 1
        if r >= 2:
            out.append(257 - r)
            out.append(data[i])
            i += r
            continue
        j = i
        while j < len(data) and j - i < 128 and not (j + 1 < len(data) and
                                                     data[j + 1] == data[j]):
            j += 1
        if j == i:
            j = i + 1
        out.append(j - i - 1)
        out += data[i:j]
        i = j
    return bytes(out)


class Page:
    def __init__(self, width, height, strips, rps, tags):
        self.width = width
        self.height = height
        self.strips = strips  # list of bytes
        self.rps = rps
        self.tags = tags  # {tag: (type, [values])}


def build(pages, e="<", loop=False):
    """A TIFF file: header, then per page its strips, its IFD and the IFD's values.
    loop=True points the last IFD back at the first one."""
    out = bytearray(b"II*\x00" if e == "<" else b"MM\x00*")
    out += b"\x00\x00\x00\x00"
    link = 4  # where the next IFD offset goes
    first = None
    for p in pages:
        offs = []
        for s in p.strips:
            offs.append(len(out))
            out += s
        if len(out) & 1:
            out.append(0)
        tags = dict(p.tags)
        tags[256] = (4, [p.width])
        tags[257] = (4, [p.height])
        tags[273] = (4, offs)
        tags[278] = (4, [p.rps])
        tags[279] = (4, [len(s) for s in p.strips])
        ifd = len(out)
        if first is None:
            first = ifd
        struct.pack_into(e + "I", out, link, ifd)
        keys = sorted(tags)
        extra = ifd + 2 + 12 * len(keys) + 4
        body = bytearray(struct.pack(e + "H", len(keys)))
        values = bytearray()
        for k in keys:
            typ, vals = tags[k]
            if typ == 3:
                raw = b"".join(struct.pack(e + "H", v) for v in vals)
            elif typ == 4:
                raw = b"".join(struct.pack(e + "I", v) for v in vals)
            else:  # 5 RATIONAL, vals = [(num, den)]
                raw = b"".join(struct.pack(e + "II", n, d) for n, d in vals)
            if len(raw) <= 4:
                field = raw + bytes(4 - len(raw))
            else:
                field = struct.pack(e + "I", extra + len(values))
                values += raw
            body += struct.pack(e + "HHI", k, typ, len(vals)) + field
        link = ifd + len(body)
        body += b"\x00\x00\x00\x00"
        out += body + values
    if loop:
        struct.pack_into(e + "I", out, link, first)
    return bytes(out)


def plain_page(width, height, rps, tags=None, encode=None, fn=pattern, invert=False):
    rows = []
    for y in range(height):
        r = packed(width, y, fn)
        if invert:
            r = bytes(b ^ 0xFF for b in r)
        rows.append(r)
    strips = []
    for y in range(0, height, rps):
        s = b"".join(rows[y:y + rps])
        strips.append(encode(s) if encode else s)
    t = {259: (3, [32773 if encode else 1])}
    t.update(tags or {})
    return Page(width, height, strips, rps, t)


def decode(data, limits=None):
    tf = TiffFile(io.BytesIO(data), limits or Limits())
    out = []
    for p in tf.pages():
        out.append((p, [bytes(r) for r in p.rows()]))
    return out


def expect_error(data, code, limits=None):
    try:
        decode(data, limits)
    except MediaError as e:
        assert e.code == code, (e.code, e.message)
        return e.message
    raise AssertionError("no MediaError")


def check_rows(rows, width, height, fn=pattern):
    assert len(rows) == height
    for y in range(height):
        assert rows[y] == packed(width, y, fn), y


def test_uncompressed_white_is_zero_strips():
    # width 37: rows end inside an octet; 10 rows in strips of 3 (3+3+3+1).
    data = build([plain_page(37, 10, 3, {262: (3, [0])})])

    (page, rows), = decode(data)

    assert (page.width, page.height) == (37, 10)
    check_rows(rows, 37, 10)


def test_big_endian_black_is_zero():
    # BlackIsZero: stored 0 = black, so the file holds the inverted pattern.
    data = build([plain_page(45, 7, 4, {262: (3, [1])}, invert=True)], e=">")

    (page, rows), = decode(data)

    check_rows(rows, 45, 7)


def test_fill_order_2_reverses_bits():
    page = plain_page(24, 5, 5, {262: (3, [0]), 266: (3, [2])})
    page.strips = [bytes(rev8(b) for b in s) for s in page.strips]

    (_, rows), = decode(build([page]))

    check_rows(rows, 24, 5)


def test_packbits_runs_cross_rows():
    # One strip of 12 rows coded as one PackBits stream, so runs span row ends.
    data = build([plain_page(50, 12, 12, {262: (3, [0])}, encode=packbits)])

    (_, rows), = decode(data)

    check_rows(rows, 50, 12)


def test_packbits_known_answer():
    # TIFF 6.0 §9 example: FE AA 02 80 00 2A FD AA 03 80 00 2A 22 F7 AA unpacks to
    # AA AA AA 80 00 2A AA AA AA AA 80 00 2A 22 AA AA AA AA AA AA AA AA AA AA (24).
    coded = bytes([0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00,
                   0x2A, 0x22, 0xF7, 0xAA])
    want = bytes([0xAA] * 3 + [0x80, 0x00, 0x2A] + [0xAA] * 4 + [0x80, 0x00, 0x2A,
                                                                   0x22] + [0xAA] * 10)
    page = Page(8 * 24, 1, [coded], 1, {259: (3, [32773]), 262: (3, [0])})

    (_, rows), = decode(build([page]))

    assert rows[0] == want


def test_grey_8bit_thresholded():
    # BlackIsZero grey: black when the sample is below 128.
    w, h = 19, 6
    raw = bytes(grey(x, y) for y in range(h) for x in range(w))
    page = Page(w, h, [raw], h, {258: (3, [8]), 259: (3, [1]), 262: (3, [1])})
    inv = Page(w, h, [bytes(255 - b for b in raw)], h,
               {258: (3, [8]), 259: (3, [32773]), 262: (3, [0])})
    inv.strips = [packbits(inv.strips[0])]

    pages = decode(build([page, inv]))

    for _, rows in pages:
        check_rows(rows, w, h, lambda x, y: grey(x, y) < 128)


def test_multi_page_resolution_units():
    p1 = plain_page(16, 4, 4, {282: (5, [(200, 1)]), 283: (5, [(100, 1)]),
                               296: (3, [2])})
    p2 = plain_page(24, 3, 2, {282: (5, [(80, 1)]), 283: (5, [(80, 1)]),
                               296: (3, [3])})
    p3 = plain_page(8, 2, 1, {282: (5, [(72, 1)]), 283: (5, [(72, 1)]),
                              296: (3, [1])})

    pages = decode(build([p1, p2, p3]))

    assert [(p.width, p.height) for p, _ in pages] == [(16, 4), (24, 3), (8, 2)]
    # 200 dpi = 200 / 0.0254 pels/m = 2,000,000 / 254; 80 per cm = 8000 per m.
    assert pages[0][0].xres == (2000000, 254) and pages[0][0].yres == (1000000, 254)
    assert pages[1][0].xres == (8000, 1)
    # ResolutionUnit 1 (no absolute unit): unknown size.
    assert pages[2][0].xres is None
    check_rows(pages[1][1], 24, 3)


def test_ifd_loop_is_malformed():
    data = build([plain_page(8, 2, 2), plain_page(8, 2, 2)], loop=True)

    msg = expect_error(data, 39007)

    assert "loop" in msg


def test_truncated_strip_is_malformed():
    # StripByteCounts says 320 octets (64 x 40 / 8); point StripOffsets 100 octets
    # before the end of the file, as if the file had been cut short.
    data = bytearray(build([plain_page(64, 40, 40, {262: (3, [0])})]))
    entry = data.index(struct.pack("<HHII", 273, 4, 1, 8))
    struct.pack_into("<I", data, entry + 8, len(data) - 100)

    expect_error(bytes(data), 39007)


def test_truncated_header_is_malformed():
    expect_error(build([plain_page(8, 2, 2)])[:20], 39007)


def test_huge_declared_size_is_too_large():
    page = plain_page(8, 2, 2)
    page.width = 100000  # the strip is far too short; the size check comes first

    expect_error(build([page]), 39001)


def test_decoded_octets_limit():
    data = build([plain_page(800, 100, 100)])

    expect_error(data, 39001, Limits(max_decoded=5000))


def test_page_limit():
    data = build([plain_page(8, 1, 1) for _ in range(3)])

    expect_error(data, 39001, Limits(max_pages=2))


def test_lzw_and_colour_are_unsupported():
    lzw = plain_page(8, 2, 2)
    lzw.tags[259] = (3, [5])
    rgb = plain_page(8, 2, 2, {262: (3, [2]), 277: (3, [3])})

    assert "LZW" in expect_error(build([lzw]), 12300)
    expect_error(build([rgb]), 12300)


def test_g4_known_answer_or_clear_refusal():
    # T.6 §2.2: one all-white 8-pel row is the single vertical-mode code V0 ("1")
    # against the imaginary white reference line, then EOFB (EOL EOL,
    # 000000000001 000000000001). FillOrder 1 (MSB first), padded with zeros:
    # 1000 0000  0000 1000  0000 0000  1000 0000 -> 80 08 00 80.
    # A second page with one all-black row: horizontal mode 001, white run 0
    # (00110101), black run 8 (000101), then EOFB -> 26 A2 80 08 00 80.
    page = Page(8, 1, [bytes([0x80, 0x08, 0x00, 0x80])], 1,
                {259: (3, [4]), 262: (3, [0]), 266: (3, [1])})
    black = Page(8, 1, [bytes([0x26, 0xA2, 0x80, 0x08, 0x00, 0x80])], 1,
                 {259: (3, [4]), 262: (3, [0]), 266: (3, [1])})
    try:
        import faxt4  # noqa: F401  (absent in the MicroPython unix interpreter)
    except ImportError:
        msg = expect_error(build([page]), 12300)
        assert "Group 3/4" in msg
        return

    (_, white), (_, dark) = decode(build([page, black]))

    assert white == [b"\x00"] and dark == [b"\xff"]
