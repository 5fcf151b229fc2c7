# Documents to fax pages: sniff the type of a downloaded file from its bytes, decode
# it row by row and write one spool page per document page, normalised to 1728 pels
# at 8 pels/mm and the chosen row resolution (T.4 (07/2003) §2).
#
# Error codes, from the box's one table (errors.py; the 34xxx fax codes are for the
# call, never for media). MediaError.code is one of these:
#
#   code   meaning                         when
#   12300  invalid content type (Twilio)   not a type the box decodes (JPEG, PDF
#                                          with text or drawings (pdf.NeedsRender),
#                                          colour TIFF, interlaced PNG, LZW TIFF, ...)
#   39007  media unreadable (box)          truncated, inconsistent or corrupt file
#   39001  media too large (box)           a limit below was exceeded
#
# Only the first two messages tell the user what to do instead; all are one line.
import os

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

from faxbox.errors import CONTENT_TYPE as ERR_UNSUPPORTED
from faxbox.errors import MEDIA_TOO_LARGE as ERR_TOO_LARGE
from faxbox.errors import MEDIA_UNREADABLE as ERR_MALFORMED

# Limits (trade-offs):
# - pages: each spooled page is ~10-60 KB of MMR in ~850 KB of flash, and a long job
#   ties up the line; 50 pages is a thick document and still fits the spool.
MAX_PAGES = const(50)
# - input size: 8000 x 16000 pels holds A4 at 600 dpi and Legal at 1000 dpi; beyond
#   that decoding on the board takes many minutes for nothing a fax can show.
MAX_WIDTH_PELS = const(8000)
MAX_HEIGHT_PELS = const(16000)
# - one decoded source row (all channels) is held in RAM, twice for PNG filters:
#   16 KB each keeps the worst case near 32 KB of a ~150 KB heap (RGB up to 5461 pels).
MAX_ROW_OCTETS = const(16384)
# - decoded octets over the whole document bound the CPU time a small compressed file
#   can cost (a "zip bomb" or a huge blank page): 64 MiB is ~50 A4 pages of 8-bit
#   grey at 200 dpi.
MAX_DECODED_OCTETS = const(64 * 1024 * 1024)

QUALITIES = ("standard", "fine", "superfine")


class MediaError(Exception):
    """A document the box cannot turn into fax pages: .code (table above) and
    .message, a one-line text for the user."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self):
        return "%d: %s" % (self.code, self.message)


class Limits:
    """Resource limits for one prepare() call; the defaults are the constants above."""

    def __init__(self, max_pages=MAX_PAGES, max_width=MAX_WIDTH_PELS,
                 max_height=MAX_HEIGHT_PELS, max_row_octets=MAX_ROW_OCTETS,
                 max_decoded=MAX_DECODED_OCTETS):
        self.max_pages = max_pages
        self.max_width = max_width
        self.max_height = max_height
        self.max_row_octets = max_row_octets
        self.max_decoded = max_decoded
        self.decoded = 0

    def check_size(self, width, height):
        if width > self.max_width or height > self.max_height:
            raise MediaError(ERR_TOO_LARGE, "page of %d x %d pels is larger than the "
                             "box accepts (%d x %d)" % (width, height, self.max_width,
                                                        self.max_height))

    def check_row(self, octets):
        if octets > self.max_row_octets:
            raise MediaError(ERR_TOO_LARGE, "image rows of %d octets are larger than "
                             "the box accepts (%d)" % (octets, self.max_row_octets))

    def reserve(self, octets):
        """Fails early when a page declares more octets than the document has left."""
        if self.decoded + octets > self.max_decoded:
            raise MediaError(ERR_TOO_LARGE, "document decodes to more than %d octets"
                             % self.max_decoded)

    def take(self, octets):
        """Counts decoded octets; raises once the document has decoded too many."""
        self.decoded += octets
        if self.decoded > self.max_decoded:
            raise MediaError(ERR_TOO_LARGE, "document decodes to more than %d octets"
                             % self.max_decoded)

    def too_many_pages(self):
        raise MediaError(ERR_TOO_LARGE, "document has more than %d pages" %
                         self.max_pages)


def sniff(head):
    """Type of a document from its first bytes (16 are enough): "tiff", "png",
    "pbm", "pgm", "pdf" or None."""
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:5] == b"%PDF-":
        return "pdf"
    if len(head) >= 3 and head[0] == 0x50 and head[2] in b" \t\r\n#":
        if head[1] in b"14":
            return "pbm"
        if head[1] in b"25":
            return "pgm"
    return None


def _unsupported_message(head):
    if head[:3] == b"\xff\xd8\xff":
        return ("JPEG is not supported: the box sends black-and-white pages. Render "
                "it to a fax TIFF with `picofax render` or send a PNG")
    if head[:4] == b"%!PS":
        return ("PostScript is not supported: convert it to PDF and render it with "
                "`picofax render`, or point the box at a render service")
    if head[:2] == b"PK" or head[:5] == b"<?xml" or head[:5].lower() == b"<html":
        return ("office and web documents are not supported: print to PDF and render "
                "it with `picofax render`")
    return "unknown document type: send TIFF, PNG, PBM, PGM or a scanned PDF"


def _open_reader(kind, f, limits):
    if kind == "pdf":
        from faxbox import pdf
        return pdf.PdfFile(f, limits)
    if kind == "tiff":
        from faxbox import tiff
        return tiff.TiffFile(f, limits)
    if kind == "png":
        from faxbox import png
        return png.PngFile(f, limits)
    from faxbox import pnm
    return pnm.PnmFile(f, limits)


def _remove(paths):
    for p in paths:
        try:
            os.remove(p)
        except OSError:
            pass


def prepare(src_path, spool_dir, quality, limits=None):
    """Decodes the document at src_path into spool pages spool_dir/page001.pg, ...
    (spool.page_path) at the quality "standard", "fine" or "superfine"; returns the
    number of pages. Raises MediaError; on error no page file is left behind."""
    from faxbox import pages, spool

    if quality not in QUALITIES:
        raise ValueError("quality must be standard, fine or superfine")
    if limits is None:
        limits = Limits()
    limits.decoded = 0
    written = []
    with open(src_path, "rb") as f:
        head = f.read(16)
        kind = sniff(head)
        if kind is None:
            raise MediaError(ERR_UNSUPPORTED, _unsupported_message(head))
        try:
            reader = _open_reader(kind, f, limits)
            for page in reader.pages():
                out_w, out_h, x_off = pages.fit(page.width, page.height, page.xres,
                                                page.yres, quality)
                scaler = pages.Scaler(page.width, page.height, out_w, out_h, x_off)
                path = spool.page_path(spool_dir, len(written) + 1)
                w = spool.PageWriter(path, y_res=quality)
                try:
                    for row in scaler.rows(page.rows()):
                        w.row(row)
                except BaseException:
                    w.abort()
                    raise
                w.close()
                written.append(path)
        except MediaError:
            _remove(written)
            raise
        except BaseException:
            _remove(written)
            raise
    return len(written)
