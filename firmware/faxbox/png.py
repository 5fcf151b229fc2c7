# PNG reader that streams bilevel rows: PNG (ISO/IEC 15948:2004, W3C 2nd ed.).
#
# Supported: every colour type and bit depth of §11.2.2 (grey 1-16, RGB 8/16, palette
# 1-8, grey+alpha and RGBA 8/16), all five filters (§9.2), pHYs (§11.3.5.3) for the page
# size, tRNS for palettes. Not supported: Adam7 interlace (needs the whole image; it
# raises MediaError). Chunk CRCs are not checked: zlib's Adler-32 guards the image data.
#
# Colour to black and white: luminance L = (299 R + 587 G + 114 B) / 1000 (ITU-R
# BT.601 weights, integer), alpha composited over white paper, black when L < 128.
#
# Memory: two row buffers (current and previous, for the filters) of the decoded row
# size, one 512-octet input buffer and the inflater's window (32 KB with MicroPython's
# deflate module). Decompression only ever produces the octets the rows need, so a
# "zip bomb" costs time bounded by the declared size, never memory.
import struct

from faxbox.document import ERR_MALFORMED, ERR_UNSUPPORTED, MediaError

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

try:
    import io

    _IOBase = io.IOBase
except ImportError:
    _IOBase = object

from faxbox.inflate import Inflater

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK_OCTETS = const(512)
_GREY_THRESHOLD = const(128)
_PHYS_UNIT_METRE = const(1)
_MAX_CHUNK_OCTETS = const(0x7FFFFFFF)  # §5.3: chunk lengths are 31-bit

# Colour type -> (channels, allowed bit depths), §11.2.2 Table 11.1.
_COLOUR = {0: (1, (1, 2, 4, 8, 16)), 2: (3, (8, 16)), 3: (1, (1, 2, 4, 8)),
           4: (2, (8, 16)), 6: (4, (8, 16))}


def _malformed(what):
    return MediaError(ERR_MALFORMED, "malformed PNG: " + what)


class _Idat(_IOBase):
    """The concatenated data of consecutive IDAT chunks as a readable stream."""

    def __init__(self, f, first_len):
        self.f = f
        self._left = first_len
        self._hdr = bytearray(8)
        self._done = False

    def readinto(self, buf):
        while self._left == 0:
            if self._done:
                return 0
            # skip CRC, read the next chunk header
            self.f.read(4)
            if self.f.readinto(self._hdr) != 8:
                raise _malformed("file truncated in image data")
            n, typ = struct.unpack(">I4s", self._hdr)
            if typ != b"IDAT":
                self._done = True
                return 0
            self._left = n
        n = min(len(buf), self._left)
        got = self.f.readinto(memoryview(buf)[:n]) if n < len(buf) else self.f.readinto(buf)
        if not got:
            raise _malformed("file truncated in image data")
        self._left -= got
        return got


def _paeth(a, b, c):
    # §9.4
    p = a + b - c
    pa = abs(p - a)
    pb = abs(p - b)
    pc = abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


class PngPage:
    """The image of a PNG file: width, height, xres, yres ((num, den) pels per metre
    or None) and rows()."""

    def __init__(self, pf):
        self._pf = pf
        self.width = pf.width
        self.height = pf.height
        self.xres = pf.xres
        self.yres = pf.yres

    def rows(self):
        return self._pf.rows()


class PngFile:
    def __init__(self, f, limits):
        self.f = f
        self.limits = limits
        self.xres = None
        self.yres = None
        self._black = None  # palette index -> 1 if black
        f.seek(0)
        if f.read(8) != _SIGNATURE:
            raise _malformed("bad signature")
        self._read_header()

    def _chunk_header(self):
        h = self.f.read(8)
        if len(h) != 8:
            raise _malformed("file truncated")
        n, typ = struct.unpack(">I4s", h)
        if n > _MAX_CHUNK_OCTETS:
            raise _malformed("bad chunk length")
        return n, typ

    def _read_header(self):
        n, typ = self._chunk_header()
        if typ != b"IHDR" or n != 13:
            raise _malformed("IHDR missing")
        d = self.f.read(13)
        if len(d) != 13:
            raise _malformed("file truncated")
        self.width, self.height, self.depth, self.ctype, comp, filt, interlace = \
            struct.unpack(">IIBBBBB", d)
        self.f.read(4)
        if self.width == 0 or self.height == 0:
            raise _malformed("zero image size")
        self.limits.check_size(self.width, self.height)
        if self.ctype not in _COLOUR or self.depth not in _COLOUR[self.ctype][1]:
            raise _malformed("bad colour type / bit depth")
        if comp != 0 or filt != 0:
            raise _malformed("unknown compression or filter method")
        if interlace:
            raise MediaError(ERR_UNSUPPORTED, "interlaced PNG is not supported: save it "
                             "without interlacing")
        self.channels = _COLOUR[self.ctype][0]
        bits = self.channels * self.depth
        self.stride = (self.width * bits + 7) >> 3
        self.bpp = max(1, bits >> 3)
        self.limits.check_row(self.stride)
        self._palette = None
        # Walk the chunks up to the first IDAT.
        while True:
            n, typ = self._chunk_header()
            if typ == b"IDAT":
                self._idat_len = n
                break
            if typ == b"IEND":
                raise _malformed("no image data")
            self._ancillary(n, typ)
        if self.ctype == 3 and self._black is None:
            raise _malformed("palette missing")

    def _ancillary(self, n, typ):
        f = self.f
        if typ == b"pHYs" and n == 9:
            px, py, unit = struct.unpack(">IIB", f.read(9))
            if unit == _PHYS_UNIT_METRE and px and py:
                self.xres = (px, 1)
                self.yres = (py, 1)
        elif typ == b"PLTE" and n % 3 == 0 and 0 < n <= 768:
            pal = f.read(n)
            if len(pal) != n:
                raise _malformed("file truncated")
            self._black = bytearray(256)
            self._palette = pal
            for i in range(n // 3):
                self._black[i] = _is_black(pal[3 * i], pal[3 * i + 1], pal[3 * i + 2], 255)
        elif typ == b"tRNS" and self.ctype == 3 and self._palette is not None and \
                n <= 256:
            alpha = f.read(n)
            pal = self._palette
            for i in range(min(n, len(pal) // 3)):
                self._black[i] = _is_black(pal[3 * i], pal[3 * i + 1], pal[3 * i + 2],
                                           alpha[i])
        else:
            f.seek(n, 1)
            f.read(4)
            return
        f.read(4)  # CRC

    def pages(self):
        yield PngPage(self)

    def rows(self):
        """Generator of packed rows, 1 = black (a reused bytearray)."""
        stride = self.stride
        self.limits.reserve((stride + 1) * self.height)
        z = Inflater(_Idat(self.f, self._idat_len))
        cur = bytearray(stride + 1)  # filter type octet + row
        prev = bytearray(stride + 1)
        cview = memoryview(cur)
        out = bytearray((self.width + 7) >> 3)
        for _ in range(self.height):
            got = 0
            while got < stride + 1:
                try:
                    n = z.readinto(cview[got:])
                except (OSError, ValueError):
                    # Corrupt data (inflate.Inflater), or a read error of the local
                    # file (rare).
                    raise _malformed("bad image data")
                if not n:
                    raise _malformed("image data ends early")
                got += n
            self.limits.take(stride + 1)
            # Filters work on the row without its type octet; prev[0] is 0 and
            # stays below the row start since filters index from 1 here.
            _unfilter_row(cur, prev, stride, self.bpp)
            self._to_bits(cur, out)
            cur, prev = prev, cur
            cview = memoryview(cur)
            yield out

    def _to_bits(self, row, out):
        # row[1:] holds the unfiltered samples.
        w = self.width
        d = self.depth
        ct = self.ctype
        for i in range(len(out)):
            out[i] = 0
        if ct == 0 and d == 1:
            for i in range(len(out)):
                out[i] = row[1 + i] ^ 0xFF  # grey 0 = black
            if w & 7:
                out[-1] &= (0xFF << (8 - (w & 7))) & 0xFF
            return
        if d < 8:
            per = 8 // d
            mask = (1 << d) - 1
            top = mask  # maximum grey level
            for x in range(w):
                v = (row[1 + x // per] >> (8 - d * (1 + x % per))) & mask
                if ct == 3:
                    black = self._black[v]
                else:
                    black = v * 255 // top < _GREY_THRESHOLD
                if black:
                    out[x >> 3] |= 0x80 >> (x & 7)
            return
        step = d >> 3  # octets per sample; 16-bit samples use their high octet
        ch = self.channels
        blk = self._black
        for x in range(w):
            p = 1 + x * ch * step
            if ct == 3:
                black = blk[row[p]]
            elif ct == 0:
                black = row[p] < _GREY_THRESHOLD
            elif ct == 4:
                v = row[p]
                black = _is_black(v, v, v, row[p + step])
            elif ct == 2:
                black = _is_black(row[p], row[p + step], row[p + 2 * step], 255)
            else:
                black = _is_black(row[p], row[p + step], row[p + 2 * step],
                                  row[p + 3 * step])
            if black:
                out[x >> 3] |= 0x80 >> (x & 7)


def _unfilter_row(cur, prev, stride, bpp):
    # cur[0] is the filter type; samples are cur[1..stride], prev likewise.
    ftype = cur[0]
    if ftype == 0:
        return
    if ftype == 1:
        for i in range(1 + bpp, stride + 1):
            cur[i] = (cur[i] + cur[i - bpp]) & 0xFF
    elif ftype == 2:
        for i in range(1, stride + 1):
            cur[i] = (cur[i] + prev[i]) & 0xFF
    elif ftype == 3:
        for i in range(1, stride + 1):
            a = cur[i - bpp] if i > bpp else 0
            cur[i] = (cur[i] + ((a + prev[i]) >> 1)) & 0xFF
    elif ftype == 4:
        for i in range(1, stride + 1):
            if i > bpp:
                a = cur[i - bpp]
                c = prev[i - bpp]
            else:
                a = 0
                c = 0
            cur[i] = (cur[i] + _paeth(a, prev[i], c)) & 0xFF
    else:
        raise _malformed("bad filter type %d" % ftype)


def _is_black(r, g, b, a):
    # Composite over white (§12.4 with a white background), then BT.601 luminance.
    if a != 255:
        r = (r * a + 255 * (255 - a)) // 255
        g = (g * a + 255 * (255 - a)) // 255
        b = (b * a + 255 * (255 - a)) // 255
    return (r * 299 + g * 587 + b * 114) // 1000 < _GREY_THRESHOLD
