# faxbox.png: every colour type, the five filters, pHYs, multi-IDAT streams and the
# failure cases. Runs under CPython and MicroPython: the PNGs are built here with
# stored (uncompressed) deflate blocks (RFC 1951 §3.2.4) and filters applied by this
# file's own forward filter, so neither zlib nor Pillow is needed to make them.
import io
import struct

from faxbox.document import Limits, MediaError
from faxbox.png import PngFile


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
        out.append(final)  # BFINAL, BTYPE 00 (stored)
        out += struct.pack("<HH", len(part), len(part) ^ 0xFFFF) + part
        if final:
            break
    return bytes(out + struct.pack(">I", adler32(data)))


def chunk(typ, data):
    # CRCs are not checked by the reader; zero is written.
    return struct.pack(">I", len(data)) + typ + data + b"\x00\x00\x00\x00"


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(ftype, row, prev, bpp):
    # PNG §9.2 forward filters.
    out = bytearray([ftype])
    for i in range(len(row)):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) >> 1, paeth(a, b, c))[ftype]
        out.append((row[i] - pred) & 0xFF)
    return out


def make_png(width, height, depth, ctype, rows, extra=b"", interlace=0, idat_split=0,
             filters=(0, 1, 2, 3, 4)):
    """rows: unfiltered scanlines (bytes). Row y uses filters[y % len(filters)]."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp = max(1, channels * depth // 8)
    raw = bytearray()
    prev = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        raw += filter_row(filters[y % len(filters)], row, prev, bpp)
        prev = row
    z = zlib_stored(bytes(raw))
    out = bytearray(b"\x89PNG\r\n\x1a\n")
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0,
                                      interlace))
    out += extra
    if idat_split:
        for i in range(0, len(z), idat_split):
            out += chunk(b"IDAT", z[i:i + idat_split])
    else:
        out += chunk(b"IDAT", z)
    out += chunk(b"IEND", b"")
    return bytes(out)


def luma_black(r, g, b, a=255):
    # white paper under alpha, BT.601 weights, threshold 128 (the documented rule)
    r = (r * a + 255 * (255 - a)) // 255
    g = (g * a + 255 * (255 - a)) // 255
    b = (b * a + 255 * (255 - a)) // 255
    return (299 * r + 587 * g + 114 * b) // 1000 < 128


def packed(width, black):
    row = bytearray((width + 7) // 8)
    for x in range(width):
        if black[x]:
            row[x >> 3] |= 0x80 >> (x & 7)
    return bytes(row)


def decode(data, limits=None):
    pf = PngFile(io.BytesIO(data), limits or Limits())
    (page,) = list(pf.pages())
    return page, [bytes(r) for r in page.rows()]


def expect_error(data, code, limits=None):
    try:
        decode(data, limits)
    except MediaError as e:
        assert e.code == code, (e.code, e.message)
        return e.message
    raise AssertionError("no MediaError")


def g8(x, y):
    return (x * 29 + y * 53 + (x * y) % 7) % 256


def test_grey8_all_filters_and_phys():
    w, h = 33, 10
    rows = [bytes(g8(x, y) for x in range(w)) for y in range(h)]
    # pHYs 7874 pels/m (200 dpi), unit 1 = metre
    phys = chunk(b"pHYs", struct.pack(">IIB", 7874, 3937, 1))

    page, got = decode(make_png(w, h, 8, 0, rows, extra=phys, idat_split=37))

    assert page.xres == (7874, 1) and page.yres == (3937, 1)
    for y in range(h):
        assert got[y] == packed(w, [g8(x, y) < 128 for x in range(w)]), y


def test_grey1_and_grey4():
    w, h = 21, 5
    bits = [[(x + 2 * y) % 3 == 0 for x in range(w)] for y in range(h)]
    # 1-bit grey: 0 = black
    rows1 = [packed(w, [not b for b in bits[y]]) for y in range(h)]
    # 4-bit grey, two pels per octet, high nibble first; level v is v * 17 in 8 bits
    lv = [[(x * 5 + y) % 16 for x in range(w)] for y in range(h)]
    rows4 = []
    for y in range(h):
        r = bytearray((w + 1) // 2)
        for x in range(w):
            r[x // 2] |= lv[y][x] << (4 if x % 2 == 0 else 0)
        rows4.append(bytes(r))

    _, got1 = decode(make_png(w, h, 1, 0, rows1))
    _, got4 = decode(make_png(w, h, 4, 0, rows4))

    for y in range(h):
        assert got1[y] == packed(w, bits[y])
        assert got4[y] == packed(w, [v * 17 < 128 for v in lv[y]])


def test_palette_2bit_with_trns():
    w, h = 11, 4
    pal = bytes([255, 255, 255, 0, 0, 0, 200, 30, 30, 0, 0, 0])
    trns = bytes([255, 255, 255, 40])  # entry 3: black at alpha 40 -> light
    idx = [[(x + y) % 4 for x in range(w)] for y in range(h)]
    rows = []
    for y in range(h):
        r = bytearray((w * 2 + 7) // 8)
        for x in range(w):
            r[x // 4] |= idx[y][x] << (6 - 2 * (x % 4))
        rows.append(bytes(r))
    black = [luma_black(pal[3 * i], pal[3 * i + 1], pal[3 * i + 2], trns[i])
             for i in range(4)]
    # worked: 0 white; 1 black; 2 -> L = (299*200 + 587*30 + 114*30)//1000 = 80, black;
    # 3 -> 255*(215)//255 = 215 each channel, white.
    assert black == [False, True, True, False]

    _, got = decode(make_png(w, h, 2, 3, rows, extra=chunk(b"PLTE", pal) +
                             chunk(b"tRNS", trns)))

    for y in range(h):
        assert got[y] == packed(w, [black[i] for i in idx[y]])


def test_rgb8_rgba16_grey_alpha():
    w, h = 9, 6

    def rgb(x, y):
        return ((x * 40) % 256, (y * 50) % 256, (x * y * 30) % 256)

    def alpha(x, y):
        return (x * 31 + y * 17) % 256

    rows_rgb = [bytes(c for x in range(w) for c in rgb(x, y)) for y in range(h)]
    rows_rgba16 = []
    for y in range(h):
        r = bytearray()
        for x in range(w):
            for c in rgb(x, y) + (alpha(x, y),):
                r += bytes([c, (c * 7) & 0xFF])  # 16-bit big-endian samples
        rows_rgba16.append(bytes(r))
    rows_ga = [bytes(c for x in range(w) for c in (g8(x, y), alpha(x, y)))
               for y in range(h)]

    _, got_rgb = decode(make_png(w, h, 8, 2, rows_rgb))
    _, got_rgba = decode(make_png(w, h, 16, 6, rows_rgba16))
    _, got_ga = decode(make_png(w, h, 8, 4, rows_ga))

    for y in range(h):
        assert got_rgb[y] == packed(w, [luma_black(*rgb(x, y)) for x in range(w)])
        assert got_rgba[y] == packed(w, [luma_black(*(rgb(x, y) + (alpha(x, y),)))
                                         for x in range(w)])
        assert got_ga[y] == packed(w, [luma_black(g8(x, y), g8(x, y), g8(x, y),
                                                  alpha(x, y)) for x in range(w)])


def test_interlaced_is_unsupported():
    rows = [bytes(4)] * 4

    msg = expect_error(make_png(4, 4, 8, 0, rows, interlace=1), 12300)

    assert "interlac" in msg


def test_truncated_image_data_is_malformed():
    data = make_png(40, 30, 8, 0, [bytes(40)] * 30)
    cut = data[:len(data) - 12 - 12 - 300]  # drop IEND, the CRC and 300 data octets

    expect_error(cut, 39007)


def test_bad_filter_type_is_malformed():
    data = bytearray(make_png(4, 2, 8, 0, [bytes(4)] * 2, filters=(0,)))
    # stored block starts after IHDR (8 + 25) + IDAT header (8) + zlib header (2) +
    # block header (5): the first filter-type octet
    data[8 + 25 + 8 + 2 + 5] = 9

    expect_error(bytes(data), 39007)


def test_huge_declared_size_is_too_large():
    data = make_png(4, 2, 8, 0, [bytes(4)] * 2)
    big = data[:16] + struct.pack(">II", 200000, 2) + data[24:]

    expect_error(big, 39001)


def test_decoded_octets_limit_checked_before_inflating():
    # 100 x 100 grey is 10,100 octets with filter octets: over a 5,000 octet budget.
    data = make_png(100, 100, 8, 0, [bytes(100)] * 100)

    expect_error(data, 39001, Limits(max_decoded=5000))


def test_extra_image_data_is_ignored():
    # More deflated data than the rows need (a stream that would inflate far beyond
    # the declared size is read only as far as the declared rows).
    w, h = 8, 2
    rows = [bytes([0] * w), bytes([255] * w)]
    raw = b"".join(b"\x00" + r for r in rows) + bytes(5000)
    z = zlib_stored(raw)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0,
                                                              0, 0, 0)) +
            chunk(b"IDAT", z) + chunk(b"IEND", b""))

    _, got = decode(data)

    assert got == [b"\xff", b"\x00"]


def test_corrupt_deflate_is_malformed():
    data = bytearray(make_png(40, 30, 8, 0, [bytes(range(40))] * 30))
    # first stored-block header after PNG signature (8), IHDR (25), IDAT header (8)
    # and the zlib header (2): BFINAL 1, BTYPE 11 (reserved, RFC 1951 §3.2.3)
    data[8 + 25 + 8 + 2] = 0x07

    expect_error(bytes(data), 39007)
