"""Whole T.30 calls over audio between the box's engines (C modems, faxbox.t30 /
faxbox.t30rx) and SpanDSP 0.0.6's fax terminal, in both directions, with every page
compared bit for bit with its source.

Each cell pins one value of each axis: modem/rate (through the sender's max_rate
when we send, or the modems our DIS offers when we receive), coding (MH, MR) and
vertical resolution (standard, fine, superfine). The pages are generated here
(no media files): two pages of text-like blocks and lines, different per page.

`make test` runs a covering subset (every value of every axis at least once in each
direction); bench/bench_t30_matrix.py runs the whole product through `run_cell`.
MMR cells always use ECM (T.6 needs it, Table 2/T.30 bit 31).
"""
import os

import numpy as np
import pytest

import faxmodem
import faxt4
import spandsp_peer
from faxbox import call, rxpages, spool, t30, t30rx
from faxbox import t30frames as fr
from picofax.line import Channel, Line

WIDTH = 1728
# Rows per page at standard resolution; fine doubles it, superfine quadruples it.
# Short pages keep the suite fast; every row still goes through coder and modem.
ROWS_STANDARD = 60
RES_ROW_FACTOR = {"standard": 1, "fine": 2, "superfine": 4}
# TIFF resolution for SpanDSP, dots per inch (R8 x 3.85 / 7.7 / 15.4 lines/mm).
RES_DPI = {"standard": (204, 98), "fine": (204, 196), "superfine": (204, 391)}
RATES = {2400: fr.MODEM_V27TER, 4800: fr.MODEM_V27TER, 7200: fr.MODEM_V29,
         9600: fr.MODEM_V29, 12000: fr.MODEM_V17, 14400: fr.MODEM_V17}
ALL_MODEMS = (fr.MODEM_V27TER, fr.MODEM_V29, fr.MODEM_V17)
BLOCK = 160
LIMIT_S = 400  # line time; every cell here ends well within it


def make_page(index, res):
    """A deterministic page: rows of black blocks like words, a frame and a
    diagonal, so that MH, MR and the row skipping all have work to do. Returns a
    uint8 array (rows, 1728) of 0/1, 1 = black."""
    rows = ROWS_STANDARD * RES_ROW_FACTOR[res]
    rng = np.random.default_rng(1000 + 17 * index + rows)
    img = np.zeros((rows, WIDTH), dtype=np.uint8)
    img[:, 40:44] = 1
    img[:, WIDTH - 44:WIDTH - 40] = 1
    for y in range(4, rows - 4, 6 * RES_ROW_FACTOR[res]):
        x = 80
        while x < WIDTH - 120:
            w = int(rng.integers(8, 60))
            h = max(1, 3 * RES_ROW_FACTOR[res])
            img[y:y + h, x:x + w] = 1
            x += w + int(rng.integers(6, 30))
    for y in range(rows):
        img[y, (y * 7 + index * 100) % WIDTH] = 1
    return img


def write_spool_pages(dirname, res, count=2):
    os.makedirs(dirname, exist_ok=True)
    paths = []
    for i in range(count):
        img = make_page(i, res)
        path = spool.page_path(dirname, i + 1)
        w = spool.PageWriter(path, width=WIDTH, y_res=res)
        for r in np.packbits(img, axis=1):
            w.row(r.tobytes())
        w.close()
        paths.append(path)
    return paths


def write_tiff(path, res, count=2):
    from PIL import Image
    frames = []
    for i in range(count):
        img = make_page(i, res)
        frames.append(Image.fromarray(((1 - img) * 255).astype(np.uint8)).convert("1"))
    frames[0].save(path, compression="group4", dpi=RES_DPI[res], save_all=True,
                   append_images=frames[1:])


def read_tiff_pages(path):
    from PIL import Image, ImageSequence
    out = []
    with Image.open(path) as im:
        for frame in ImageSequence.Iterator(im):
            a = np.array(frame.convert("L"))
            out.append((a < 128).astype(np.uint8))
    return out


def read_spool_pages(dirname, count):
    out = []
    for i in range(count):
        r = spool.PageReader(spool.page_path(dirname, i + 1))
        rows = [np.unpackbits(np.frombuffer(bytes(row), dtype=np.uint8))[:r.width]
                for row in r.rows()]
        out.append((np.array(rows, dtype=np.uint8), r.y_res))
    return out


class _SampleClock:
    def __init__(self):
        self.samples = 0

    def ms(self):
        return self.samples // 8


class BoxEnd:
    """One of our engines on a faxmodem.Modem, as a Line endpoint."""

    def __init__(self, engine_factory):
        from array import array
        self.clock = _SampleClock()
        self.modem = faxmodem.Modem()
        self.log = []
        self.term = engine_factory(self.modem, self.clock, self.log.append)
        self.term.start()
        self._tx = array("h", bytes(2 * BLOCK))
        self._rx = array("h", bytes(2 * BLOCK))

    def rx(self, data):
        from array import array
        self.modem.rx(array("h", data))
        ev = self.modem.event()
        while ev is not None:
            self.term.on_event(ev)
            ev = self.modem.event()

    def tx(self, n):
        self.modem.tx(self._tx)
        self.clock.samples += n
        self.term.poll()
        return self._tx.tobytes()

    @property
    def done(self):
        return self.term.done


def run_cell(tmp, direction, rate, coding, res, ecm=False, pages=2, ab=None, ba=None,
             box_log=None, modem=None, echo=None, ecm_frame_size=256):
    """One call. direction "send": the box sends `pages` generated pages at `res` to
    SpanDSP, pinned to `rate` and `coding`; "receive": SpanDSP sends them to the box,
    whose DIS offers only the modem of `rate` and only `coding`, and whose receiver
    answers FTT to a TCF above `rate` (Receiver max_rate) so SpanDSP steps down.
    Returns a dict: status, pages, rate, modem, coding, res, match (all pages equal
    to their sources), line_s."""
    os.makedirs(tmp, exist_ok=True)
    want = modem or RATES[rate]
    # Which modems our end offers: V.17 cells offer all three (V.17 at 9600/7200
    # comes before V.29 in the fallback order); the others leave V.17 out. A
    # receiving box offers only the cell's modem (V.27ter + V.29 for V.29).
    ours = ALL_MODEMS if want == fr.MODEM_V17 else (fr.MODEM_V27TER, fr.MODEM_V29)
    ours_rx = ours if want != fr.MODEM_V27TER else (fr.MODEM_V27TER,)
    if direction == "send":
        paths = write_spool_pages(os.path.join(tmp, "tx"), res, pages)
        rx_tif = os.path.join(tmp, "far.tif")
        far = spandsp_peer.FaxTerminal(calling=False, ident="SPANDSP", rx_file=rx_tif, ecm=ecm)
        codings = (coding,)

        def factory(modem, clock, log):
            return t30.Sender(modem, faxmodem, call.SpoolPages(paths, spool.PageReader), clock,
                              log, None, ident="PICOFAX", our_modems=ours,
                              fine=True, t4=faxt4, max_rate=rate, codings=codings, ecm=ecm,
                              ecm_frame_size=ecm_frame_size)
    else:
        tx_tif = os.path.join(tmp, "far-tx.tif")
        write_tiff(tx_tif, res, pages)
        far = spandsp_peer.FaxTerminal(calling=True, ident="SPANDSP", tx_file=tx_tif, ecm=ecm)
        sink_dir = os.path.join(tmp, "rx")
        os.makedirs(sink_dir, exist_ok=True)
        sink = rxpages.SpoolSink(sink_dir, faxt4)

        def factory(modem, clock, log):
            return t30rx.Receiver(modem, faxmodem, sink, clock, log, ident="PICOFAX",
                                  our_modems=ours_rx,
                                  codings=(coding,) if coding == "MH"
                                  else ("MH", coding), superfine=True, max_rate=rate,
                                  ecm=ecm)
    box = BoxEnd(factory)
    line = Line(ab or Channel(noise_dbm0=-65.0, seed=3), ba or Channel(noise_dbm0=-65.0, seed=4),
                hybrid_echo=echo)
    limit = LIMIT_S * 8000
    while line.samples < limit and not (box.done and far.done):
        line.step(box, far, BLOCK)
    out = box.term.outcome
    if box_log is not None:
        box_log.extend(box.log)
    res_out = {"far": far, "status": out.status if out else "timeout",
               "pages": out.num_pages if out else 0,
               "rate": out.bit_rate if out else 0, "modem": out.modem if out else None,
               "line_s": round(line.samples / 8000.0, 1), "log": box.log}
    if out is None or out.num_pages != pages:
        res_out["match"] = False
        return res_out
    got_coding = [ln for ln in box.log if "DCS " in ln]
    res_out["dcs"] = got_coding[-1] if got_coding else ""
    if direction == "send":
        got = read_tiff_pages(rx_tif)
        match = len(got) == pages and all(
            np.array_equal(got[i], make_page(i, res)) for i in range(pages))
    else:
        got = read_spool_pages(sink_dir, pages)
        match = len(got) == pages and all(
            got[i][1] == res and np.array_equal(got[i][0], make_page(i, res))
            for i in range(pages))
    res_out["match"] = bool(match)
    return res_out


# The covering subset: each direction meets every rate, both codings and every
# resolution at least once.
CELLS = [
    ("send", 2400, "MH", "standard", False),
    ("send", 4800, "MR", "fine", False),
    ("send", 7200, "MR", "superfine", False),
    ("send", 9600, "MH", "superfine", False),
    ("send", 9600, "MMR", "fine", True),
    ("send", 4800, "MR", "standard", True),
    ("send", 7200, "MH", "fine", True),
    ("receive", 2400, "MR", "fine", False),
    ("receive", 4800, "MH", "superfine", False),
    ("receive", 7200, "MH", "standard", False),
    ("receive", 9600, "MR", "superfine", False),
    ("receive", 9600, "MMR", "fine", True),
    ("receive", 4800, "MR", "standard", True),
    ("receive", 7200, "MH", "superfine", True),
    ("receive", 14400, "MMR", "superfine", True),
    ("receive", 12000, "MR", "fine", False),
]
# Sending at V.17 is not in the subset: SpanDSP's V.17 receiver does not train on
# our V.17 short training before the image (bench_t30_matrix.py records those cells).


@pytest.mark.parametrize("direction,rate,coding,res,ecm", CELLS)
def test_matrix_cell(tmp_path, direction, rate, coding, res, ecm):
    r = run_cell(str(tmp_path), direction, rate, coding, res, ecm=ecm)

    ok_status = "delivered" if direction == "send" else "received"
    assert r["status"] == ok_status, "\n".join(r["log"][-30:])
    assert r["pages"] == 2
    assert (r["rate"], r["modem"]) == (rate, RATES[rate])
    # The DCS in the trace names the coding and resolution the cell pinned.
    assert (", %s, %s," % (res, coding)) in r["dcs"], r["dcs"]
    assert ("ECM" in r["dcs"]) == ecm
    assert r["match"]


def test_ecm_64_octet_frames_to_spandsp(tmp_path):
    # DCS bit 28 = 1 asks for 64-octet frames (Table 2/T.30); SpanDSP's log reads it
    # back as "Frame size: 64 octets".
    r = run_cell(str(tmp_path), "send", 9600, "MMR", "fine", ecm=True, ecm_frame_size=64)

    assert r["status"] == "delivered" and r["match"]
    assert "ECM 64-octet frames" in r["dcs"]
    assert any("Frame size: 64 octets" in ln for ln in r["far"].log())
