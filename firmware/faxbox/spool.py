# Page files in the spool: one file per fax page, written once by document.prepare()
# and read row by row by the T.30 sender, which re-codes each row to what the far
# machine accepted.
#
# File layout (all integers little-endian), 20-octet header then the rows:
#
#   0  4  magic b"PFXP"
#   4  1  version (1)
#   5  1  coding: 0 = raw rows, (width + 7) // 8 octets each, 1 bit per pel, MSB =
#         leftmost pel, 1 = black;  1 = T.6 MMR (T.6 (11/1988) §2), line order
#         (first code bit = LSB of the first octet), ended by EOFB
#   6  1  row resolution: 0 standard (3.85 l/mm), 1 fine (7.7), 2 superfine (15.4)
#   7  1  reserved, 0
#   8  2  width in pels (1728)
#  10  2  reserved, 0
#  12  4  height in rows
#  16  4  octets of row data after the header
#
# The writer codes MMR when the C codec `faxt4` can be imported, raw rows otherwise
# (MicroPython builds without the codec, tests); PageReader reads both. A page is
# written to "<path>.tmp" and renamed over <path> on close(), so a power cut leaves
# either no page or a whole one.
import os
import struct

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

try:
    import faxt4
except ImportError:
    faxt4 = None

_MAGIC = b"PFXP"
_VERSION = const(1)
HEADER_OCTETS = const(20)
CODING_RAW = const(0)
CODING_MMR = const(1)
Y_RES_CODES = ("standard", "fine", "superfine")
_READ_CHUNK_OCTETS = const(512)


def page_path(spool_dir, index):
    """Path of page `index` (1-based) of a job in spool_dir."""
    return "%s/page%03d.pg" % (spool_dir, index)


class PageWriter:
    """Writes one page: call row(rowbuf) once per row (width // 8 octets, packed,
    1 = black), then close(); abort() drops the page."""

    def __init__(self, path, width=1728, y_res="fine", coding=None):
        if y_res not in Y_RES_CODES:
            raise ValueError("bad y_res")
        if coding is None:
            coding = CODING_MMR if faxt4 is not None else CODING_RAW
        self.path = path
        self.width = width
        self.y_res = y_res
        self.height = 0
        self._coding = coding
        self._octets = 0
        self._row_octets = (width + 7) >> 3
        self._tmp = path + ".tmp"
        self._f = open(self._tmp, "wb")
        self._f.write(bytes(HEADER_OCTETS))  # filled in by close()
        if coding == CODING_MMR:
            self._enc = faxt4.Encoder(width, faxt4.MMR)
            # the codec's worst case for one row (3679 octets at 1728 pels)
            self._out = bytearray(faxt4.max_row_octets(width))
            self._outv = memoryview(self._out)

    def row(self, rowbuf):
        if self._coding == CODING_MMR:
            n = self._enc.encode(rowbuf, self._out)
            self._put(n)
        else:
            self._f.write(rowbuf[:self._row_octets] if len(rowbuf) != self._row_octets
                          else rowbuf)
            self._octets += self._row_octets
        self.height += 1

    def _put(self, n):
        if n:
            self._f.write(self._outv[:n])
            self._octets += n

    def close(self):
        if self._coding == CODING_MMR:
            self._put(self._enc.finish(self._out))
        hdr = struct.pack("<4sBBBBHHII", _MAGIC, _VERSION, self._coding,
                          Y_RES_CODES.index(self.y_res), 0, self.width, 0, self.height,
                          self._octets)
        self._f.seek(0)
        self._f.write(hdr)
        self._f.flush()
        self._f.close()
        try:
            os.rename(self._tmp, self.path)  # atomic replace on littlefs and POSIX
        except OSError:
            # FAT refuses to rename over an existing file: drop the old page first
            # (a power cut just then leaves no page rather than half of one).
            os.remove(self.path)
            os.rename(self._tmp, self.path)

    def abort(self):
        self._f.close()
        try:
            os.remove(self._tmp)
        except OSError:
            pass


class PageReader:
    """Reads a spooled page: .width, .height, .y_res ("standard"/"fine"/"superfine"),
    .coding; rows() yields every row in turn."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            hdr = f.read(HEADER_OCTETS)
        if len(hdr) != HEADER_OCTETS or hdr[:4] != _MAGIC or hdr[4] != _VERSION:
            raise ValueError("not a spool page")
        _, _, coding, yres, _, width, _, height, octets = struct.unpack("<4sBBBBHHII",
                                                                        hdr)
        if coding not in (CODING_RAW, CODING_MMR) or yres >= len(Y_RES_CODES):
            raise ValueError("bad spool page header")
        self.coding = coding
        self.y_res = Y_RES_CODES[yres]
        self.width = width
        self.height = height
        self.data_octets = octets

    def rows(self):
        """Generator of the page's rows. Each row is the same reused memoryview of a
        (width + 7) // 8 = 216-octet buffer, overwritten by the next row: copy it to
        keep it."""
        buf = bytearray((self.width + 7) >> 3)
        view = memoryview(buf)
        with open(self.path, "rb") as f:
            f.seek(HEADER_OCTETS)
            if self.coding == CODING_RAW:
                for _ in range(self.height):
                    if f.readinto(buf) != len(buf):
                        raise ValueError("spool page truncated")
                    yield view
                return
            if faxt4 is None:
                raise ValueError("spool page is MMR coded and faxt4 is missing")
            dec = faxt4.Decoder(self.width, faxt4.MMR, 2)
            chunk = bytearray(_READ_CHUNK_OCTETS)
            cview = memoryview(chunk)
            left = self.data_octets
            pend = None  # read but not yet accepted by the codec's input ring
            for _ in range(self.height):
                while not dec.row(buf):
                    if dec.end():
                        raise ValueError("spool page: coded data ends early")
                    if pend is None:
                        n = f.readinto(chunk) if left >= _READ_CHUNK_OCTETS else \
                            f.readinto(cview[:left])
                        if not n:
                            raise ValueError("spool page truncated")
                        left -= n
                        pend = cview[:n]
                    k = dec.feed(pend)
                    pend = pend[k:] if k < len(pend) else None
                yield view
