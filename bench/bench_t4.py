"""Page coding on real documents: octets per page for our MH, MR and MMR coders side by
side with libtiff's output for the same bitmaps, and the box's conversion time per page
(document.prepare: decode, scale, code to the spool).

Usage: python bench/bench_t4.py OUT.json
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

import faxt4
from faxbox import document
from picofax import corpus, render

DOCS = [("T01_indirect-rotation.pdf", 3), ("F01_viewfax.tif", 1), ("F04_pport_g4.tif", 1)]


def bitmaps(name, n, tmp):
    """The first n pages as fax bitmaps (1728 wide, fine), True = black."""
    src = corpus.fetch(name)
    if src.endswith(".pdf"):
        tif = os.path.join(tmp, name + ".tif")
        render.render_pdf(src, tif, quality="fine", pages=range(n))
    else:
        tif = os.path.join(tmp, name + ".fax.tif")
        spool = os.path.join(tmp, name + ".spool")
        os.makedirs(spool, exist_ok=True)
        document.prepare(src, spool, "fine")
        # the box's own normalised page, read back as a bitmap
        from faxbox import spool as sp
        rd = sp.PageReader(sp.page_path(spool, 1))
        rows = [np.unpackbits(np.frombuffer(bytes(r), np.uint8)) for r in rd.rows()]
        Image.fromarray((np.array(rows) == 0).astype(np.uint8) * 255).convert("1").save(
            tif, compression="group4", dpi=(204, 196))
    out = []
    with Image.open(tif) as im:
        for i in range(min(n, getattr(im, "n_frames", 1))):
            im.seek(i)
            out.append(np.array(im.convert("1")) == 0)
    return out, src


def ours(page, coding, k):
    enc = faxt4.Encoder(page.shape[1], coding, k, 0)
    buf = bytearray(faxt4.max_row_octets(page.shape[1]))
    total = 0
    for row in np.packbits(page, axis=1):
        total += enc.encode(row.tobytes(), buf)
    return total + enc.finish(buf)


def libtiff(page, tmp, mode):
    """Size of libtiff's coded strip for the page (tiffcp -c g3:1d, g3:2d, g4)."""
    src = os.path.join(tmp, "p.tif")
    # WhiteIsZero, as fax pages are (Pillow writes mode "1" pels inverted for it).
    Image.fromarray(~page).convert("1").save(src, dpi=(204, 196), tiffinfo={262: 0})
    dst = os.path.join(tmp, "q.tif")
    subprocess.run(["tiffcp", "-r", str(page.shape[0]), "-c", mode, src, dst], check=True)
    with Image.open(dst) as im:
        return sum(im.tag_v2.get(279))  # StripByteCounts


def main(path):
    rows = []
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, n in DOCS:
            pages, src = bitmaps(name, n, tmp)
            for i, page in enumerate(pages):
                rows.append([name, i + 1,
                             ours(page, faxt4.MH, 0), libtiff(page, tmp, "g3:1d"),
                             ours(page, faxt4.MR, 4), libtiff(page, tmp, "g3:2d"),
                             ours(page, faxt4.MMR, 0), libtiff(page, tmp, "g4")])
            spool = os.path.join(tmp, name + ".timing")
            os.makedirs(spool, exist_ok=True)
            t0 = time.perf_counter()
            try:
                got = document.prepare(src, spool, "fine")
                per = (time.perf_counter() - t0) / max(got, 1)
                times.append([name, got, round(per * 1000, 1)])
            except document.MediaError as e:
                times.append([name, 0, "refused: %s" % e.message[:60]])
    res = {
        "title": "Page coding: octets per page (ours vs libtiff) and conversion time",
        "summary": {"pages": len(rows),
                    "MMR octets ours / libtiff": round(sum(r[6] for r in rows)
                                                        / sum(r[7] for r in rows), 4)},
        "tables": [
            {"title": "octets per fine page (ours include the RTC/EOFB; libtiff's strips "
                      "have none; MR with K = 4)",
             "columns": ["document", "page", "MH ours", "MH libtiff", "MR ours",
                         "MR libtiff", "MMR ours", "MMR libtiff"], "rows": rows},
            {"title": "document.prepare on the host (CPython): decode, scale, code to MMR",
             "columns": ["document", "pages", "ms per page"], "rows": times}],
    }
    with open(path, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
