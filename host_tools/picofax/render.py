"""PDF to fax TIFF on the host (`picofax render`): the box cannot rasterise PDF, so a
laptop renders it into a multi-page TIFF the box (or SpanDSP) sends as it is.

Output (TIFF Class F shape, T.4 (07/2003) §2 sizes): every page exactly 1728 pels
wide (SpanDSP refuses other widths), BitsPerSample 1, Group 4 compression,
XResolution 204 dpi (8 pels/mm) and YResolution 98, 196 or 391 dpi for standard
(3.85 l/mm), fine (7.7 l/mm) and superfine (15.4 l/mm).

How a page is made: landscape pages are turned to portrait (rotated a quarter turn
counter-clockwise: the top of the landscape page ends on the left); the page is
rendered in grey with pypdfium2 so that its width spans 204 dpi, or less when a page
wider than 1728 pels (e.g. Letter at 8.5 in = 1734 pels) must be reduced to fit; it
is thresholded at mid grey, reduced to the row resolution with the box's "any black
pel" rule (so thin rules survive), and centred on the 1728-pel line.

The render service (`picofax render-service`) does the same over HTTP for a box that
meets a PDF it cannot draw itself (render_service_url in the box's config):
  POST /render?quality=fine   body: the PDF           -> 200 image/tiff
  GET  /render?url=U&quality=fine  (the service fetches U) -> 200 image/tiff
Errors answer 400 (bad request), 413 (too large), 422 (not a PDF it can render) or
502 (the URL could not be fetched) with a one-line text/plain body.

Usage: python -m picofax.render IN.pdf OUT.tif [standard|fine|superfine]
"""
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, TiffImagePlugin

FAX_WIDTH_PELS = 1728
X_DPI = 204
Y_DPI = {"standard": 98, "fine": 196, "superfine": 391}
GREY_THRESHOLD = 128  # luminance below this is black, as on the box
_POINTS_PER_INCH = 72


class RenderError(Exception):
    """The PDF cannot be opened or rendered."""


def _reduce_rows(black, n_out):
    """'Any black pel' row reduction: source row s goes to output row
    s * n_out // n_src (the rule of the box's scaler)."""
    n_src = black.shape[0]
    if n_out >= n_src:
        return black[(np.arange(n_out) * n_src) // n_out]
    starts = np.searchsorted((np.arange(n_src) * n_out) // n_src, np.arange(n_out))
    return np.add.reduceat(black.astype(np.uint16), starts, axis=0) > 0


def render_page(page, quality="fine"):
    """One pypdfium2 page as a 1728-pel wide bilevel Pillow image ("1" mode)."""
    if quality not in Y_DPI:
        raise RenderError("quality must be one of %s" % ", ".join(Y_DPI))
    w_pt, h_pt = page.get_size()
    rotation = 0
    if w_pt > h_pt:
        rotation = 270  # pdfium turns clockwise; 270 = a quarter turn back
        w_pt, h_pt = h_pt, w_pt
    # pels per point across: 204 dpi, reduced if the page is wider than the line
    scale = min(X_DPI / _POINTS_PER_INCH, FAX_WIDTH_PELS / w_pt)
    y_dpi = Y_DPI[quality]
    # Render at least as fine as the row resolution, then reduce rows.
    render_scale = scale * max(1, y_dpi / X_DPI)
    grey = page.render(scale=render_scale, rotation=rotation, grayscale=True,
                       may_draw_forms=True).to_pil().convert("L")
    black = np.asarray(grey) < GREY_THRESHOLD
    width = min(FAX_WIDTH_PELS, round(w_pt * scale))
    if black.shape[1] != width:
        black = _reduce_rows(black.T, width).T
    rows = max(1, round(h_pt * scale * y_dpi / X_DPI))
    black = _reduce_rows(black, rows)
    out = np.zeros((rows, FAX_WIDTH_PELS), bool)
    off = (FAX_WIDTH_PELS - width) // 2
    out[:, off:off + width] = black[:, :width]
    return Image.fromarray(~out)  # bool -> "1" mode, True = white


def render_pdf(pdf_path, out_tiff, quality="fine", pages=None):
    """Renders the PDF (all pages, or the 0-based page indices in `pages`, any
    iterable such as range(0, 3)) into a multi-page G4 fax TIFF at out_tiff; returns
    the number of pages written. The file appears whole or not at all (written
    beside it, then renamed)."""
    try:
        pdf = pdfium.PdfDocument(pdf_path)
    except pdfium.PdfiumError as e:
        raise RenderError("cannot open %s: %s" % (pdf_path, e))
    try:
        numbers = range(len(pdf)) if pages is None else list(pages)
        for n in numbers:
            if not 0 <= n < len(pdf):
                raise RenderError("no page %d (the PDF has %d)" % (n + 1, len(pdf)))
        tmp = out_tiff + ".part"
        with open(tmp, "w+b") as f:
            with TiffImagePlugin.AppendingTiffWriter(f, True) as tf:
                for n in numbers:
                    im = render_page(pdf[n], quality)
                    im.save(tf, format="TIFF", compression="group4",
                            dpi=(X_DPI, Y_DPI[quality]))
                    tf.newFrame()
        os.replace(tmp, out_tiff)
        return len(numbers)
    finally:
        pdf.close()


# Largest PDF the service accepts, posted or fetched: a long scanned filing is a few
# MB; past this the box's own media limit would refuse the fax anyway.
MAX_PDF_OCTETS = 32 * 1024 * 1024
FETCH_TIMEOUT_S = 60


class _ServiceError(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status = status


def _fetch_pdf(url, out):
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise _ServiceError(400, "url must be http or https")
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as r:
            total = 0
            while True:
                data = r.read(65536)
                if not data:
                    return
                total += len(data)
                if total > MAX_PDF_OCTETS:
                    raise _ServiceError(413, "document over %d octets" % MAX_PDF_OCTETS)
                out.write(data)
    except (urllib.error.URLError, OSError) as e:
        raise _ServiceError(502, "cannot fetch %s: %s" % (url, e))


class RenderHandler(BaseHTTPRequestHandler):
    """POST a PDF, or GET with ?url=, to /render; the reply is a G4 fax TIFF."""

    server_version = "picofax-render"

    def _query(self):
        parts = urllib.parse.urlsplit(self.path)
        if parts.path not in ("/render", "/"):
            raise _ServiceError(404, "no such path: use /render")
        q = urllib.parse.parse_qs(parts.query)
        quality = q.get("quality", ["fine"])[0]
        if quality not in Y_DPI:
            raise _ServiceError(400, "quality must be one of %s" % ", ".join(Y_DPI))
        return q.get("url", [None])[0], quality

    def _serve(self, read_pdf):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "in.pdf")
            out = os.path.join(tmp, "out.tif")
            try:
                url, quality = self._query()
                with open(src, "wb") as f:
                    read_pdf(url, f)
                with open(src, "rb") as f:
                    if f.read(5) != b"%PDF-":
                        raise _ServiceError(422, "not a PDF")
                try:
                    render_pdf(src, out, quality)
                except RenderError as e:
                    raise _ServiceError(422, str(e))
            except _ServiceError as e:
                body = (str(e) + "\n").encode()
                self.send_response(e.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/tiff")
            self.send_header("Content-Length", str(os.path.getsize(out)))
            self.end_headers()
            with open(out, "rb") as f:
                while True:
                    data = f.read(65536)
                    if not data:
                        break
                    self.wfile.write(data)

    def do_GET(self):
        def read_pdf(url, f):
            if url is None:
                raise _ServiceError(400, "GET needs ?url= (or POST the PDF)")
            _fetch_pdf(url, f)
        self._serve(read_pdf)

    def do_POST(self):
        def read_pdf(url, f):
            if url is not None:
                _fetch_pdf(url, f)
                return
            try:
                n = int(self.headers.get("Content-Length", ""))
            except ValueError:
                raise _ServiceError(400, "POST the PDF with a Content-Length")
            if n > MAX_PDF_OCTETS:
                raise _ServiceError(413, "document over %d octets" % MAX_PDF_OCTETS)
            while n > 0:
                data = self.rfile.read(min(n, 65536))
                if not data:
                    raise _ServiceError(400, "body cut short")
                f.write(data)
                n -= len(data)
        self._serve(read_pdf)

    def log_message(self, fmt, *args):
        sys.stderr.write("render-service: %s %s\n" % (self.address_string(), fmt % args))


def make_server(host="127.0.0.1", port=0):
    """The render service's HTTP server (not yet serving); port 0 picks a free port
    (server.server_address has it)."""
    return ThreadingHTTPServer((host, port), RenderHandler)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        n = render_pdf(args[0], args[1], args[2] if len(args) == 3 else "fine")
    except RenderError as e:
        print("render: %s" % e, file=sys.stderr)
        return 1
    print("%s: %d pages" % (args[1], n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
