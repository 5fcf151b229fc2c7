# Received faxes as downloadable media: TIFF Class F and PDF, streamed from the
# spool page files (spool.PageWriter format) without holding a page in RAM.
#
# Coding of the image data, page by page:
#   spool page MMR coded      the page's T.6 data is copied as it is (TIFF
#                             Compression 4, FillOrder 2); for PDF its octets are
#                             bit-reversed (PDF's CCITTFaxDecode reads the first
#                             code bit from the MSB, ISO 32000-1 §7.4.6);
#   raw rows, faxt4 present   coded to T.6 MMR with faxt4, twice: once to count the
#                             octets (TIFF and PDF announce lengths before the data),
#                             once to send them;
#   raw rows, no faxt4        sent uncompressed (TIFF Compression 1; PDF image with no
#                             filter and /Decode [1 0]). This is the path the
#                             MicroPython unix interpreter takes (no faxt4 there).
#
# TIFF: TIFF 6.0 with the Class F fields (TIFF Class F, Cygnet 1990: one IFD per
# page, NewSubfileType 2, PhotometricInterpretation 0 = WhiteIsZero so 1 = black,
# XResolution 204 / YResolution 98, 196 or 392 per inch, PageNumber), little-endian.
# Each page is laid out as its IFD, its two resolution RATIONALs, then its strip.
# PDF: PDF 1.4, one page per fax page, MediaBox from the pels and the resolution
# (width 1728 / 204 * 72 pt), the page image drawn over the whole box.
import struct

try:
    import faxt4
except ImportError:
    faxt4 = None

from faxbox import spool

TIFF = "image/tiff"
PDF = "application/pdf"
_Y_DPI = {"standard": 98, "fine": 196, "superfine": 392}
_X_DPI = 204
_CHUNK_OCTETS = 2048


def _rev8(b):
    r = 0
    for _ in range(8):
        r = (r << 1) | (b & 1)
        b >>= 1
    return r


_REV = bytes(_rev8(i) for i in range(256))

# How the data of a page is produced
_COPY_MMR = 0
_CODE_MMR = 1
_RAW = 2


def page_paths(spool_dir):
    """Paths of the page files in a spool folder, page 1 first."""
    out = []
    i = 1
    while True:
        p = spool.page_path(spool_dir, i)
        try:
            open(p, "rb").close()
        except OSError:
            return out
        out.append(p)
        i += 1


class _Page:
    def __init__(self, path):
        r = spool.PageReader(path)
        self.path = path
        self.width = r.width
        self.height = r.height
        self.y_dpi = _Y_DPI[r.y_res]
        if r.coding == spool.CODING_MMR:
            self.kind = _COPY_MMR
            self.octets = r.data_octets
        elif faxt4 is not None:
            self.kind = _CODE_MMR
            self.octets = 0
            for _ in _mmr_chunks(r):
                self.octets += _
        else:
            self.kind = _RAW
            self.octets = ((self.width + 7) >> 3) * self.height
        self.mmr = self.kind != _RAW

    def chunks(self, msb_first):
        """The page's image data in pieces (bytes or a reused memoryview:
        consume each piece before taking the next)."""
        if self.kind == _COPY_MMR:
            f = open(self.path, "rb")
            try:
                f.seek(spool.HEADER_OCTETS)
                left = self.octets
                while left > 0:
                    data = f.read(_CHUNK_OCTETS if left > _CHUNK_OCTETS else left)
                    if not data:
                        raise ValueError("spool page truncated")
                    left -= len(data)
                    yield _reverse(data) if msb_first else data
            finally:
                f.close()
        elif self.kind == _CODE_MMR:
            for data in _mmr_chunks(spool.PageReader(self.path), True):
                yield _reverse(data) if msb_first else data
        else:
            # the same 216-octet view each time, overwritten by the next
            # row: the HTTP writer sends each piece before asking for the next
            for row in spool.PageReader(self.path).rows():
                yield row


def _reverse(data):
    return bytes(_REV[b] for b in data)


def _mmr_chunks(reader, data=False):
    """T.6 coding of a raw page with faxt4: yields octet counts, or (data=True)
    the coded octets."""
    enc = faxt4.Encoder(reader.width, faxt4.MMR)
    out = bytearray(faxt4.max_row_octets(reader.width))
    for row in reader.rows():
        n = enc.encode(row, out)
        if n:
            yield bytes(out[:n]) if data else n
    n = enc.finish(out)
    if n:
        yield bytes(out[:n]) if data else n


def pages_of(spool_dir):
    """The pages of a received fax, read for their sizes (raises ValueError
    for a damaged page file)."""
    return [_Page(p) for p in page_paths(spool_dir)]


# -- TIFF Class F

_IFD_ENTRIES = 16
_IFD_OCTETS = 2 + _IFD_ENTRIES * 12 + 4
_RATIONALS_OCTETS = 16
_SHORT = 3
_LONG = 4
_RATIONAL = 5


def _entry(tag, typ, value):
    if typ == _SHORT:
        return struct.pack("<HHIHH", tag, typ, 1, value, 0)
    return struct.pack("<HHII", tag, typ, 1, value)


def _ifd(page, number, total, at, next_at):
    """One page's IFD and its resolutions, placed at offset `at`; the strip
    follows right after them."""
    xres_at = at + _IFD_OCTETS
    strip_at = xres_at + _RATIONALS_OCTETS
    comp = 4 if page.mmr else 1
    fill = 2 if page.kind != _RAW else 1
    e = [
        _entry(254, _LONG, 2),               # NewSubfileType: page of a document
        _entry(256, _LONG, page.width),      # ImageWidth
        _entry(257, _LONG, page.height),     # ImageLength
        _entry(258, _SHORT, 1),              # BitsPerSample
        _entry(259, _SHORT, comp),           # Compression: 4 T.6, 1 none
        _entry(262, _SHORT, 0),              # Photometric: WhiteIsZero
        _entry(266, _SHORT, fill),           # FillOrder
        _entry(273, _LONG, strip_at),        # StripOffsets
        _entry(277, _SHORT, 1),              # SamplesPerPixel
        _entry(278, _LONG, page.height),     # RowsPerStrip: one strip
        _entry(279, _LONG, page.octets),     # StripByteCounts
        _entry(282, _RATIONAL, xres_at),     # XResolution
        _entry(283, _RATIONAL, xres_at + 8),  # YResolution
        _entry(293, _LONG, 0),               # T6Options: no uncompressed mode
        _entry(296, _SHORT, 2),              # ResolutionUnit: inch
        struct.pack("<HHIHH", 297, _SHORT, 2, number, total),  # PageNumber
    ]
    if not page.mmr:
        e[13] = _entry(292, _LONG, 0)        # T4Options (tags stay ascending)
    head = struct.pack("<H", _IFD_ENTRIES) + b"".join(e) + struct.pack("<I", next_at)
    return head + struct.pack("<IIII", _X_DPI, 1, page.y_dpi, 1)


def tiff_size(pages):
    n = 8
    for p in pages:
        n += _IFD_OCTETS + _RATIONALS_OCTETS + p.octets + (p.octets & 1)
    return n


def tiff_chunks(pages):
    """Generator of the TIFF file's octets."""
    yield b"II*\x00" + struct.pack("<I", 8)
    at = 8
    total = len(pages)
    for i, p in enumerate(pages):
        end = at + _IFD_OCTETS + _RATIONALS_OCTETS + p.octets + (p.octets & 1)
        yield _ifd(p, i, total, at, end if i + 1 < total else 0)
        for data in p.chunks(False):
            yield data
        if p.octets & 1:
            yield b"\x00"  # IFDs start on a word boundary (TIFF 6.0 §2)
        at = end


# -- PDF

def _pt(pels, dpi):
    """pels at dpi in PDF points (1/72 in) as text, truncated to 4 decimals
    (truncated, not rounded: a box a hair too tall makes renderers such as
    PDFium place the image one device row low at exactly 1 pel per pixel)."""
    v = (pels * 72 * 10000) // dpi
    return "%d.%04d" % (v // 10000, v % 10000)


def _pdf_pieces(pages):
    """The PDF as a list of pieces: bytes, or a page (its image data)."""
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    objs = []  # (number, pieces)
    n = len(pages)
    kids = " ".join("%d 0 R" % (3 + 3 * i) for i in range(n))
    objs.append((1, [b"<< /Type /Catalog /Pages 2 0 R >>"]))
    objs.append((2, [("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)).encode()]))
    for i, p in enumerate(pages):
        w = _pt(p.width, _X_DPI)
        h = _pt(p.height, p.y_dpi)
        num = 3 + 3 * i
        objs.append((num, [("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "
                            "/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                            % (w, h, num + 2, num + 1)).encode()]))
        content = ("q %s 0 0 %s 0 0 cm /Im0 Do Q\n" % (w, h)).encode()
        objs.append((num + 1, [("<< /Length %d >>\nstream\n" % len(content)).encode(), content,
                               b"\nendstream"]))
        if p.mmr:
            filt = ("/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /Rows %d "
                    "/BlackIs1 false >>" % (p.width, p.height))
        else:
            filt = "/Decode [1 0]"  # raw rows: 1 = black
        objs.append((num + 2, [("<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                                "/ColorSpace /DeviceGray /BitsPerComponent 1 %s /Length %d >>"
                                "\nstream\n" % (p.width, p.height, filt, p.octets)).encode(),
                               p, b"\nendstream"]))
    offsets = [0] * (len(objs) + 1)
    at = len(out[0])
    for num, pieces in objs:
        offsets[num] = at
        head = ("%d 0 obj\n" % num).encode()
        out.append(head)
        at += len(head)
        for x in pieces:
            out.append(x)
            at += x.octets if isinstance(x, _Page) else len(x)
        out.append(b"\nendobj\n")
        at += 8
    xref = ["xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)]
    for num in range(1, len(objs) + 1):
        xref.append("%010d 00000 n \n" % offsets[num])
    xref.append("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(objs) + 1, at))
    out.append("".join(xref).encode())
    return out


def pdf_size(pages):
    n = 0
    for x in _pdf_pieces(pages):
        n += x.octets if isinstance(x, _Page) else len(x)
    return n


def pdf_chunks(pages):
    """Generator of the PDF file's octets."""
    for x in _pdf_pieces(pages):
        if isinstance(x, _Page):
            for data in x.chunks(True):
                yield data
        else:
            yield x


def render(spool_dir, media_type):
    """(size in octets, generator of octets) of the received fax in spool_dir
    as media_type (TIFF or PDF)."""
    pages = pages_of(spool_dir)
    if media_type == TIFF:
        return tiff_size(pages), tiff_chunks(pages)
    return pdf_size(pages), pdf_chunks(pages)
