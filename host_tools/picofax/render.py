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

Usage: python -m picofax.render IN.pdf OUT.tif [standard|fine|superfine]
"""
import os
import sys

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
