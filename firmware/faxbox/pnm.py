# PBM and PGM reader (Netpbm formats: P1/P4 bitmap, P2/P5 grey map), streamed row by
# row. Netpbm files carry no resolution, so pages.fit() assumes the image spans the
# page width. Several images concatenated in one file are several pages.
from faxbox.document import ERR_MALFORMED, MediaError

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

_MAX_HEADER_OCTETS = const(4096)


def _malformed(what):
    return MediaError(ERR_MALFORMED, "malformed PBM/PGM: " + what)


class _Bytes:
    """Byte-at-a-time reader with one octet of push-back, for headers and the ASCII
    forms (P1, P2)."""

    def __init__(self, f):
        self.f = f
        self._one = bytearray(1)

    def getc(self):
        if self.f.readinto(self._one) != 1:
            return -1
        return self._one[0]


def _token(rd, limit):
    # A header token: skips white space and '#' comments (to end of line).
    c = rd.getc()
    n = 0
    while True:
        n += 1
        if n > limit:
            raise _malformed("header too long")
        if c == 0x23:
            while c not in (-1, 0x0A, 0x0D):
                c = rd.getc()
        elif c in (0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C):
            c = rd.getc()
        else:
            break
    v = 0
    digits = 0
    while 0x30 <= c <= 0x39:
        v = v * 10 + c - 0x30
        digits += 1
        if digits > 9:
            raise _malformed("number too large")
        c = rd.getc()
    if not digits:
        raise _malformed("number expected")
    return v, c  # c: the octet after the number (one white space before binary data)


class PnmPage:
    def __init__(self, pf, magic):
        self._pf = pf
        rd = pf.rd
        self.magic = magic
        self.width, _ = _token(rd, _MAX_HEADER_OCTETS)
        self.height, c = _token(rd, _MAX_HEADER_OCTETS)
        self.maxval = 1
        if magic in (b"P2", b"P5"):
            self.maxval, c = _token(rd, _MAX_HEADER_OCTETS)
            if not 0 < self.maxval < 65536:
                raise _malformed("bad maxval")
        if self.width <= 0 or self.height <= 0:
            raise _malformed("zero image size")
        if c == -1:
            raise _malformed("file truncated")
        pf.limits.check_size(self.width, self.height)
        self.xres = None
        self.yres = None
        wide = 2 if self.maxval > 255 else 1
        if magic == b"P4":
            self.row_octets = (self.width + 7) >> 3
        elif magic == b"P5":
            self.row_octets = self.width * wide
        else:
            self.row_octets = self.width
        pf.limits.check_row(self.row_octets)

    def rows(self):
        """Generator of packed rows, 1 = black (a reused bytearray)."""
        pf = self._pf
        f = pf.f
        out = bytearray((self.width + 7) >> 3)
        raw = out if self.magic == b"P4" else bytearray(self.row_octets)
        wide = self.maxval > 255
        for _ in range(self.height):
            if self.magic in (b"P4", b"P5"):
                if f.readinto(raw) != len(raw):
                    raise _malformed("file truncated")
            else:
                for x in range(self.width):
                    if self.magic == b"P1":
                        raw[x] = _bit(pf.rd)
                    else:
                        v, _ = _token(pf.rd, 64)
                        raw[x] = min(v * 255 // self.maxval, 255)
            pf.limits.take(self.row_octets)
            if self.magic == b"P4":
                pass
            elif self.magic == b"P1":
                _pack_bits(raw, out, self.width)
            else:
                _threshold(raw, out, self.width, self.maxval if self.magic == b"P5"
                           else 255, wide and self.magic == b"P5")
            yield out


def _bit(rd):
    # P1 raster: '0'/'1' digits, white space optional between them, '#' comments.
    n = 0
    while True:
        c = rd.getc()
        if c == 0x30 or c == 0x31:
            return c - 0x30
        if c == 0x23:
            while c not in (-1, 0x0A, 0x0D):
                c = rd.getc()
        elif c == -1 or c not in (0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C):
            raise _malformed("bad P1 raster")
        n += 1
        if n > 4096:
            raise _malformed("bad P1 raster")


def _pack_bits(raw, out, width):
    for i in range(len(out)):
        out[i] = 0
    for x in range(width):
        if raw[x]:
            out[x >> 3] |= 0x80 >> (x & 7)


def _threshold(raw, out, width, maxval, wide):
    # Grey is luminance (0 = black): black below half of maxval (P2 values were
    # already scaled to 0..255 when read).
    for i in range(len(out)):
        out[i] = 0
    if wide:
        half = (maxval + 1) >> 1
        for x in range(width):
            if (raw[2 * x] << 8 | raw[2 * x + 1]) < half:
                out[x >> 3] |= 0x80 >> (x & 7)
        return
    half = (maxval + 1) >> 1
    for x in range(width):
        if raw[x] < half:
            out[x >> 3] |= 0x80 >> (x & 7)


class PnmFile:
    def __init__(self, f, limits):
        self.f = f
        self.limits = limits
        self.rd = _Bytes(f)

    def pages(self):
        f = self.f
        f.seek(0)
        n = 0
        while True:
            magic = f.read(2)
            if n and len(magic) < 2:
                return
            if magic not in (b"P1", b"P2", b"P4", b"P5"):
                if n:
                    return  # trailing data after the last image
                raise _malformed("bad magic")
            if n >= self.limits.max_pages:
                self.limits.too_many_pages()
            n += 1
            page = PnmPage(self, magic)
            yield page
            # after the rows: skip white space before a following image (P1/P2)
