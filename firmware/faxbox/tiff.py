# TIFF reader that streams bilevel rows: baseline TIFF 6.0 (Adobe, 1992) with the
# fax extensions of TIFF 6.0 §11 (CCITT T.4 / T.6 compression) and TIFF Class F.
#
# The file is never read whole: the IFD chain is walked with seek, tag arrays
# (StripOffsets, StripByteCounts) are read one entry at a time when a strip starts,
# and strip data goes through one 512-octet chunk buffer. Per page the heap holds one
# source row and the chunk buffer.
#
# Supported: II and MM byte order; multi-page IFD chains (with a loop guard and the
# page limit); strips (not tiles); BitsPerSample 1 (uncompressed, PackBits, G3 1-D and
# 2-D, G4) and 8 (uncompressed, PackBits; thresholded at mid grey); FillOrder 1 and 2;
# PhotometricInterpretation 0 (WhiteIsZero) and 1 (BlackIsZero). G3/G4 need the C
# codec `faxt4`. Everything else raises MediaError with a user-facing message.
import struct

from faxbox.document import ERR_MALFORMED, ERR_TOO_LARGE, ERR_UNSUPPORTED, MediaError

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

# Tags (TIFF 6.0 §8 and §11).
_TAG_WIDTH = const(256)
_TAG_LENGTH = const(257)
_TAG_BITS = const(258)
_TAG_COMPRESSION = const(259)
_TAG_PHOTOMETRIC = const(262)
_TAG_FILL_ORDER = const(266)
_TAG_STRIP_OFFSETS = const(273)
_TAG_SAMPLES = const(277)
_TAG_ROWS_PER_STRIP = const(278)
_TAG_STRIP_COUNTS = const(279)
_TAG_XRES = const(282)
_TAG_YRES = const(283)
_TAG_T4_OPTIONS = const(292)
_TAG_RES_UNIT = const(296)
_TAG_TILE_WIDTH = const(322)
_TAGS_KEPT = (256, 257, 258, 259, 262, 266, 273, 277, 278, 279, 282, 283, 292, 296,
              322)

# Field types (TIFF 6.0 §2) and their sizes in octets.
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8}

_COMP_NONE = const(1)
_COMP_G3 = const(3)
_COMP_G4 = const(4)
_COMP_PACKBITS = const(32773)
_COMP_NAMES = {5: "LZW", 6: "old JPEG", 7: "JPEG", 8: "Deflate", 32946: "Deflate",
               34712: "JPEG 2000", 2: "CCITT RLE (no EOLs)"}

_T4_2D = const(1)  # T4Options bit 0: 2-D coding
_T4_UNCOMPRESSED = const(2)  # T4Options bit 1: uncompressed mode

_MAX_IFD_ENTRIES = const(512)
_CHUNK_OCTETS = const(512)
_GREY_THRESHOLD = const(128)  # luminance below this is black
_RES_UNIT_INCH = const(2)
_RES_UNIT_CM = const(3)
# G3/G4: rows the codec may repair (bad_rows) before the page counts as malformed.
_MAX_BAD_ROWS_PERMILLE = const(20)


def _malformed(what):
    return MediaError(ERR_MALFORMED, "malformed TIFF: " + what)


def _rev_table():
    t = bytearray(256)
    for i in range(256):
        r = 0
        for k in range(8):
            if i & (1 << k):
                r |= 0x80 >> k
        t[i] = r
    return t


class TiffPage:
    """One IFD: size, resolution and a row generator. Attributes: width, height,
    xres, yres ((num, den) pels per metre, or None)."""

    def __init__(self, tf, tags):
        self._tf = tf
        self._tags = tags
        g = self._int
        if _TAG_WIDTH not in tags or _TAG_LENGTH not in tags:
            raise _malformed("missing image size")
        self.width = g(_TAG_WIDTH)
        self.height = g(_TAG_LENGTH)
        self.bits = g(_TAG_BITS, 1)
        self.compression = g(_TAG_COMPRESSION, _COMP_NONE)
        self.photometric = g(_TAG_PHOTOMETRIC, 0)
        self.fill_order = g(_TAG_FILL_ORDER, 1)
        self.rows_per_strip = g(_TAG_ROWS_PER_STRIP, self.height)
        self.t4_options = g(_TAG_T4_OPTIONS, 0)
        self._check()
        self.xres, self.yres = self._resolution()

    def _get(self, tag, default=None, i=0):
        e = self._tags.get(tag)
        if e is None:
            return default
        return self._tf.value(e, i)

    def _int(self, tag, default=None):
        """A tag that must hold an integer (a RATIONAL there is a damaged file)."""
        v = self._get(tag, default)
        if not isinstance(v, int):
            raise _malformed("tag %d is not an integer" % tag)
        return v

    def _check(self):
        lim = self._tf.limits
        if self.width <= 0 or self.height <= 0:
            raise _malformed("zero image size")
        lim.check_size(self.width, self.height)
        if _TAG_TILE_WIDTH in self._tags:
            raise MediaError(ERR_UNSUPPORTED, "tiled TIFF is not supported: save it with "
                             "strips, or send a PDF rendered with `picofax render`")
        samples = self._get(_TAG_SAMPLES, 1)
        if samples != 1 or self.photometric not in (0, 1):
            raise MediaError(ERR_UNSUPPORTED, "colour TIFF is not supported: send a "
                             "black-and-white or greyscale TIFF, a PNG, or a PDF "
                             "rendered with `picofax render`")
        if self.bits not in (1, 8):
            raise MediaError(ERR_UNSUPPORTED, "TIFF with %d bits per sample is not "
                             "supported (1 or 8 are)" % self.bits)
        c = self.compression
        if c in (_COMP_G3, _COMP_G4) and self.bits != 1:
            raise _malformed("CCITT compression needs 1 bit per sample")
        if c not in (_COMP_NONE, _COMP_PACKBITS, _COMP_G3, _COMP_G4):
            name = _COMP_NAMES.get(c, str(c))
            raise MediaError(ERR_UNSUPPORTED, "TIFF compression %s is not supported: "
                             "use Group 4, Group 3, PackBits or none" % name)
        if c == _COMP_G3 and self.t4_options & _T4_UNCOMPRESSED:
            raise MediaError(ERR_UNSUPPORTED, "TIFF G3 uncompressed mode is not supported")
        if self.fill_order not in (1, 2):
            raise _malformed("bad FillOrder")
        if _TAG_STRIP_OFFSETS not in self._tags:
            raise _malformed("no strips")
        if self.rows_per_strip <= 0:
            self.rows_per_strip = self.height
        self.row_octets = (self.width * self.bits + 7) >> 3
        lim.check_row(self.row_octets)
        lim.reserve(self.row_octets * self.height)
        nstrips = (self.height + self.rows_per_strip - 1) // self.rows_per_strip
        if self._tags[_TAG_STRIP_OFFSETS][1] < nstrips:
            raise _malformed("too few strips")
        if c != _COMP_NONE and _TAG_STRIP_COUNTS not in self._tags:
            raise _malformed("no StripByteCounts")

    def _resolution(self):
        # XResolution/YResolution with ResolutionUnit (TIFF 6.0 §8): pels per inch (2)
        # or per centimetre (3). Unit 1 (none) gives no size: treated as unknown.
        unit = self._get(_TAG_RES_UNIT, _RES_UNIT_INCH)
        if _TAG_XRES not in self._tags or _TAG_YRES not in self._tags:
            return None, None
        if unit not in (_RES_UNIT_INCH, _RES_UNIT_CM):
            return None, None
        out = []
        for tag in (_TAG_XRES, _TAG_YRES):
            v = self._get(tag)
            if not isinstance(v, tuple):
                return None, None  # not a RATIONAL: a damaged tag, size unknown
            num, den = v
            if num <= 0 or den <= 0:
                return None, None
            if unit == _RES_UNIT_INCH:
                out.append((num * 10000, den * 254))  # 1 in = 0.0254 m
            else:
                out.append((num * 100, den))
        return out[0], out[1]

    def _strip(self, i):
        """(offset, byte count) of strip i; count is None when the file has none."""
        off = self._get(_TAG_STRIP_OFFSETS, 0, i)
        count = self._get(_TAG_STRIP_COUNTS, 0, i) if _TAG_STRIP_COUNTS in self._tags else None
        if not isinstance(off, int) or not (count is None or isinstance(count, int)):
            raise _malformed("strip offsets or counts are not integers")
        return off, count

    def rows(self):
        """Generator of packed rows, 1 = black, MSB = leftmost pel. Yields the same
        bytearray every time: it is overwritten by the next row."""
        if self.compression in (_COMP_G3, _COMP_G4):
            return self._rows_ccitt()
        return self._rows_plain()

    def _rows_plain(self):
        tf = self._tf
        out = bytearray((self.width + 7) >> 3)
        raw = out if self.bits == 1 else bytearray(self.row_octets)
        rev = _rev_table() if self.bits == 1 and self.fill_order == 2 else None
        invert = self.photometric == 1
        rps = self.rows_per_strip
        nrow = self.row_octets
        packbits = self.compression == _COMP_PACKBITS
        strip = -1
        for y in range(self.height):
            if y // rps != strip:
                strip = y // rps
                off, count = self._strip(strip)
                if count is None:
                    count = min(rps, self.height - y) * nrow
                src = tf.source(off, count)
                pb = _PackBits(src) if packbits else None
            if packbits:
                pb.read(raw, nrow)
            else:
                src.read_into(raw, nrow)
            tf.limits.take(nrow)
            if self.bits == 8:
                _threshold(raw, out, self.width, invert)
            else:
                if rev is not None:
                    for i in range(nrow):
                        raw[i] = rev[raw[i]]
                if invert:
                    for i in range(nrow):
                        raw[i] ^= 0xFF
            yield out

    def _rows_ccitt(self):
        try:
            import faxt4
        except ImportError:
            raise MediaError(ERR_UNSUPPORTED, "this build cannot decode Group 3/4 TIFF "
                             "(no faxt4 codec)")
        if self.compression == _COMP_G4:
            coding = faxt4.MMR
        elif self.t4_options & _T4_2D:
            coding = faxt4.MR
        else:
            coding = faxt4.MH
        tf = self._tf
        out = bytearray((self.width + 7) >> 3)
        rps = self.rows_per_strip
        nrow = len(out)
        try:
            dec = faxt4.Decoder(self.width, coding, self.fill_order)
        except ValueError:
            raise MediaError(ERR_TOO_LARGE, "Group 3/4 pages wider than the codec "
                             "handles (%d pels)" % self.width)
        # The codec writes 1 for pels coded as black runs. As in libtiff, the runs
        # hold sample values: with BlackIsZero a "black" run is value 1 = white.
        invert = self.photometric == 1
        bad = 0
        y = 0
        strip = 0
        while y < self.height:
            # Each strip is coded on its own (TIFF 6.0 §11): restart the decoder.
            dec.reset()
            off, count = self._strip(strip)
            src = tf.source(off, count)
            n = min(rps, self.height - y)
            pend = None  # input the codec's ring has not accepted yet
            padded = False
            while n > 0:
                if dec.row(out):
                    if invert:
                        for i in range(nrow):
                            out[i] ^= 0xFF
                    tf.limits.take(nrow)
                    y += 1
                    n -= 1
                    yield out
                    continue
                if dec.end():
                    raise _malformed("coded strip %d has too few rows" % strip)
                if pend is None:
                    pend = src.chunk()
                if pend is None and not padded:
                    # A strip may end without RTC/EOFB: a few zero octets let the
                    # codec finish the last code word, and cannot form a row.
                    pend = b"\x00\x00\x00\x00"
                    padded = True
                elif pend is None:
                    raise _malformed("coded strip %d ends early" % strip)
                k = dec.feed(pend)
                pend = pend[k:] if k < len(pend) else None
            bad += dec.bad_rows
            strip += 1
        if bad * 1000 > self.height * _MAX_BAD_ROWS_PERMILLE:
            raise _malformed("%d rows could not be decoded" % bad)


def _threshold(raw, out, width, black_is_zero):
    # 8-bit grey to packed bits. BlackIsZero: sample is luminance; WhiteIsZero: the
    # sample is darkness, so luminance = 255 - sample.
    o = 0
    acc = 0
    k = 0
    for x in range(width):
        v = raw[x]
        if not black_is_zero:
            v = 255 - v
        acc = (acc << 1) | (1 if v < _GREY_THRESHOLD else 0)
        k += 1
        if k == 8:
            out[o] = acc
            o += 1
            acc = 0
            k = 0
    if k:
        out[o] = acc << (8 - k)


class _Source:
    """Reads one strip (offset, count) through the file's shared chunk buffer."""

    def __init__(self, tf, off, count):
        self._tf = tf
        self._pos = off
        self._left = count
        self._buf = tf.chunk
        self._view = memoryview(tf.chunk)
        self._i = 0
        self._n = 0

    def _fill(self):
        n = min(self._left, _CHUNK_OCTETS)
        if n <= 0:
            return 0
        f = self._tf.f
        f.seek(self._pos)
        got = f.readinto(self._view[:n]) if n < _CHUNK_OCTETS else f.readinto(self._buf)
        if not got:
            raise _malformed("file truncated")
        self._pos += got
        self._left -= got
        self._i = 0
        self._n = got
        return got

    def chunk(self):
        """Next piece of the strip as a memoryview (valid until the next call), or
        None at its end."""
        if self._i < self._n:
            v = self._view[self._i:self._n]
            self._i = self._n
            return v
        if not self._fill():
            return None
        self._i = self._n
        return self._view[:self._n]

    def getc(self):
        if self._i >= self._n and not self._fill():
            raise _malformed("strip data ends early")
        c = self._buf[self._i]
        self._i += 1
        return c

    def read_into(self, dst, n):
        i = 0
        while i < n:
            if self._i >= self._n and not self._fill():
                raise _malformed("strip data ends early")
            k = min(n - i, self._n - self._i)
            dst[i:i + k] = self._view[self._i:self._i + k]
            self._i += k
            i += k


class _PackBits:
    """PackBits decoder (TIFF 6.0 §9). Runs may cross row boundaries (some writers
    do that), so the state of an unfinished run is kept between rows."""

    def __init__(self, src):
        self._src = src
        self._lit = 0  # literal octets still to copy
        self._rep = 0  # repeats still to write
        self._val = 0

    def read(self, dst, n):
        src = self._src
        i = 0
        while i < n:
            if self._lit:
                dst[i] = src.getc()
                self._lit -= 1
                i += 1
            elif self._rep:
                dst[i] = self._val
                self._rep -= 1
                i += 1
            else:
                h = src.getc()
                if h < 128:
                    self._lit = h + 1
                elif h > 128:
                    self._rep = 257 - h
                    self._val = src.getc()
                # 128 (-128) is a no-op


class TiffFile:
    """A TIFF on an open binary file `f` (seekable). pages() walks the IFD chain."""

    def __init__(self, f, limits):
        self.f = f
        self.limits = limits
        self.chunk = bytearray(_CHUNK_OCTETS)
        self._b12 = bytearray(12)
        f.seek(0)
        head = f.read(8)
        if len(head) < 8:
            raise _malformed("file truncated")
        if head[:4] == b"II*\x00":
            self._e = "<"
        elif head[:4] == b"MM\x00*":
            self._e = ">"
        elif head[:2] in (b"II", b"MM"):
            raise MediaError(ERR_UNSUPPORTED, "BigTIFF is not supported")
        else:
            raise _malformed("bad header")
        self._first = struct.unpack(self._e + "I", head[4:8])[0]

    def source(self, off, count):
        return _Source(self, off, count)

    def _read(self, off, n):
        self.f.seek(off)
        b = self.f.read(n)
        if len(b) != n:
            raise _malformed("file truncated")
        return b

    def value(self, entry, i=0):
        """Item i of a tag (type, count, 4 value octets): an int, or (num, den) for
        RATIONAL. Arrays longer than 4 octets are read from the file on demand."""
        typ, count, raw = entry
        if i >= count:
            raise _malformed("tag index out of range")
        size = _TYPE_SIZE.get(typ)
        if size is None:
            raise _malformed("bad field type")
        if size * count <= 4:
            b = raw[i * size:(i + 1) * size]
        else:
            base = struct.unpack(self._e + "I", raw)[0]
            b = self._read(base + i * size, size)
        e = self._e
        if typ == 3 or typ == 8:
            return struct.unpack(e + "H", b)[0]
        if typ == 4 or typ == 9:
            return struct.unpack(e + "I", b)[0]
        if typ == 5 or typ == 10:
            return struct.unpack(e + "II", b)
        return b[0]

    def _ifd(self, off):
        n = struct.unpack(self._e + "H", self._read(off, 2))[0]
        if n == 0 or n > _MAX_IFD_ENTRIES:
            raise _malformed("bad IFD entry count")
        tags = {}
        f = self.f
        f.seek(off + 2)
        b = self._b12
        for _ in range(n):
            if f.readinto(b) != 12:
                raise _malformed("file truncated")
            tag, typ, count = struct.unpack_from(self._e + "HHI", b, 0)
            if tag in _TAGS_KEPT:
                tags[tag] = (typ, count, bytes(b[8:12]))
        nxt = struct.unpack(self._e + "I", self._read(off + 2 + 12 * n, 4))[0]
        return tags, nxt

    def pages(self):
        """Generator of TiffPage, one per IFD. Raises MediaError on an IFD loop or
        when the page limit is passed."""
        seen = []
        off = self._first
        while off:
            if off in seen:
                raise _malformed("IFD chain loops")
            if len(seen) >= self.limits.max_pages:
                self.limits.too_many_pages()
            seen.append(off)
            tags, off = self._ifd(seen[-1])
            yield TiffPage(self, tags)
        if not seen:
            raise _malformed("no pages")
