"""Simulated-call speed: whole calls from the box's T.30 sender to SpanDSP's answering
terminal on the sim board (no HTTP), line time against wall time, per modem rate.

Usage: python bench/bench_sim_call.py OUT.json
"""
import asyncio
import json
import os
import sys
import tempfile
import time

import numpy as np

import faxmodem
import faxt4
from board import SimBoard
from faxbox import call
from picofax.exchange import Exchange

PAGES = 3
PAGE_ROWS = 2200  # a fine A4 page is about 2,290 rows


class TextLikePage:
    """Rows with runs like printed text: deterministic pseudo-random words."""

    def __init__(self, height, seed):
        self.height = height
        self.width = 1728
        self.y_res = "fine"
        self.seed = seed

    def rows(self):
        rng = np.random.default_rng(self.seed)
        row = bytearray(216)
        for i in range(self.height):
            line = (i // 40) % 2 == 0 and (i % 40) < 24
            bits = (rng.random(1728) < 0.18) if line else np.zeros(1728, bool)
            row[:] = np.packbits(bits).tobytes()
            yield row


class Pages:
    count = PAGES

    def open(self, i):
        return TextLikePage(PAGE_ROWS, i)


def one_call(rates_limit, tmp):
    lines = []
    ex = Exchange("spandsp", os.path.join(tmp, "rx"))
    board = SimBoard(tmp, ex, noise_dbm0=-60.0)

    def enc(width, min_row_bits):
        return faxt4.Encoder(width, faxt4.MH, 0, min_row_bits)
    t0 = time.perf_counter()
    out = asyncio.run(call.send_fax(board, faxmodem, enc, Pages(), "+15550123", lines.append,
                                    ident="BENCH"))
    wall = time.perf_counter() - t0
    line_s = board.clock.ms() / 1000.0
    return out, wall, line_s


def main(path):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out, wall, line_s = one_call(None, tmp)
        rows.append([out.modem, out.bit_rate, out.status, out.num_pages, round(line_s, 1),
                     round(wall, 2), round(line_s / wall, 1)])
    res = {
        "title": "Simulated call speed (box sender -> SpanDSP, sim board, -60 dBm0 noise)",
        "summary": {"times_real_time": rows[0][-1], "line_seconds": rows[0][4],
                    "wall_seconds": rows[0][5]},
        "tables": [{"title": "%d pages of %d fine rows each" % (PAGES, PAGE_ROWS),
                    "columns": ["modem", "bit/s", "status", "pages", "line s", "wall s",
                                "x real time"], "rows": rows}],
    }
    with open(path, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
