# Peak heap of one multi-page job under the MicroPython unix interpreter, for
# bench/bench_api.py. Usage: micropython mpy_heap_job.py DATA_DIR PAGES ROWS
# Runs a job through faxbox.jobs.JobRunner (fake fetch; prepare writes PAGES
# raw spool pages of ROWS rows; send reads every row back as the T.30 sender
# does), then serves the same pages as a received fax in TIFF and PDF through
# faxbox.faxmedia, sampling gc.mem_alloc() after every row or chunk.
import asyncio
import gc
import sys

from faxbox import faxmedia, jobs, spool
from faxbox.callbacks import Outbox
from faxbox.config import Config
from faxbox.store import Store

peak = [0]
live = [0]
steps = [0]
_LIVE_EVERY = 64  # steps between collections for the live-heap sample


def sample():
    """peak: most allocated, garbage included (what the heap must hold
    between collections); live: most allocated right after a collection,
    every _LIVE_EVERY rows or chunks."""
    a = gc.mem_alloc()
    if a > peak[0]:
        peak[0] = a
    steps[0] += 1
    if steps[0] % _LIVE_EVERY == 0:
        gc.collect()
        a = gc.mem_alloc()
        if a > live[0]:
            live[0] = a


class Outcome:
    status = "delivered"
    error_code = 0
    error_message = ""
    remote_station_id = "BENCH"
    duration_s = 1.0

    def __init__(self, pages):
        self.num_pages = pages


def main():
    data, pages, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cfg = Config(data_dir=data)
    store = Store(data)

    async def post(url, body, headers, timeout_s):
        return 204

    async def fetch(url, path, config):
        f = open(path, "wb")
        f.write(b"%PDF-1.4 bench")
        f.close()
        return "application/pdf", 14

    row = bytearray(216)

    def prepare(job, media_path, spool_dir):
        for p in range(pages):
            w = spool.PageWriter(spool.page_path(spool_dir, p + 1), y_res="fine")
            for r in range(rows):
                for k in range(0, 216, 9):
                    row[k] = (r * 7 + k + p) & 0xFF
                w.row(row)
                sample()
            w.close()
        return pages

    async def send(job, spool_dir):
        for p in range(job["num_pages"]):
            for _ in spool.PageReader(spool.page_path(spool_dir, p + 1)).rows():
                sample()
        return Outcome(job["num_pages"])

    outbox = Outbox(store, cfg, post)
    runner = jobs.JobRunner(cfg, store, outbox, prepare, send, fetch=fetch)
    gc.collect()
    base = gc.mem_alloc()
    job = runner.jobs.create({"account_sid": cfg.account_sid, "to": "+15550001",
                              "media_url": "http://m/a.pdf", "ttl_min": 60})
    asyncio.run(runner.run_pending())
    job_peak = peak[0]
    job_live = live[0]
    peak[0] = 0
    live[0] = 0
    spool_dir = store.path("spool/" + job["sid"])
    out = {}
    for mt in (faxmedia.TIFF, faxmedia.PDF):
        gc.collect()
        size, gen = faxmedia.render(spool_dir, mt)
        n = 0
        for chunk in gen:
            n += len(chunk)
            sample()
        assert n == size
        out[mt] = size
    print("heap: base %d job_peak %d job_live %d media_peak %d media_live %d "
          "tiff %d pdf %d total %d status %s" % (
        base, job_peak, job_live, peak[0], live[0], out[faxmedia.TIFF], out[faxmedia.PDF],
        gc.mem_alloc() + gc.mem_free(), runner.jobs.get(job["sid"])["status"]))


main()
