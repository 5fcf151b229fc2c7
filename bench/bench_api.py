"""The box's HTTP API: latency of create (POST /v1/Faxes) and fetch
(GET /v1/Faxes/{Sid}) served by CPython and by the MicroPython unix interpreter
(tests/mpy/serve_api.py), median and p95 over N requests on loopback; and the
heap a multi-page job and its TIFF/PDF media take under MicroPython
(bench/mpy_heap_job.py).

Usage: python bench/bench_api.py OUT.json
"""
import asyncio
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

from faxbox import api
from faxbox.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
MPY_PATH = ":".join([os.path.join(ROOT, "firmware"), os.path.join(ROOT, "build", "mpy-lib"),
                     ".frozen"])
ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "bench-token"
N = 200
HEAP_PAGES = 3
HEAP_ROWS = 1100  # a standard-resolution A4 page is about 1,145 rows


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listen(port, proc=None):
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(proc.stdout.read())
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen")


class Media(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        body = b"%PDF-1.4\n" + b"0" * 1500
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Outcome:
    def __init__(self, pages):
        self.status = "delivered"
        self.num_pages = pages
        self.remote_station_id = "BENCH"
        self.error_code = 0
        self.error_message = ""
        self.duration_s = 1.0


def percentiles(ms):
    ms = sorted(ms)
    return ms[len(ms) // 2], ms[min(len(ms) - 1, (len(ms) * 95 + 99) // 100 - 1)]


def measure(base, media_url, n):
    http = requests.Session()
    http.trust_env = False
    http.auth = (ACCOUNT, TOKEN)
    create, fetch, sids = [], [], []
    for i in range(n):
        t0 = time.perf_counter()
        r = http.post(base + "/v1/Faxes", data={"To": "+1555%07d" % i, "MediaUrl": media_url})
        create.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 201, r.text
        sids.append(r.json()["sid"])
    for sid in sids:
        t0 = time.perf_counter()
        r = http.get(base + "/v1/Faxes/" + sid)
        fetch.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200
    return create, fetch


def cpython_box(data, media_url, n):
    async def send(job, spool_dir):
        return Outcome(job["num_pages"])
    cfg = Config(data_dir=data, account_sid=ACCOUNT, auth_token=TOKEN,
                 media_types=["application/pdf"])
    box = api.Box(cfg, lambda job, m, s: 2, send)
    port = free_port()
    loop = asyncio.new_event_loop()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(box.serve("127.0.0.1", port))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_listen(port)
    try:
        return measure("http://127.0.0.1:%d" % port, media_url, n)
    finally:
        loop.call_soon_threadsafe(box.app.shutdown)
        t.join(10)


def micropython_box(data, media_url, n):
    cfg = os.path.join(data, "box.json")
    os.makedirs(data, exist_ok=True)
    with open(cfg, "w") as f:
        json.dump({"data_dir": os.path.join(data, "d"), "account_sid": ACCOUNT,
                   "auth_token": TOKEN, "media_types": ["application/pdf"]}, f)
    port = free_port()
    proc = subprocess.Popen([MICROPYTHON, "-X", "heapsize=150000w",
                             os.path.join(ROOT, "tests", "mpy", "serve_api.py"), cfg, str(port)],
                            env=dict(os.environ, MICROPYPATH=MPY_PATH), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listen(port, proc)
        return measure("http://127.0.0.1:%d" % port, media_url, n)
    finally:
        proc.kill()
        proc.wait()


def heap(data):
    res = subprocess.run([MICROPYTHON, "-X", "heapsize=150000w",
                          os.path.join(ROOT, "bench", "mpy_heap_job.py"), data,
                          str(HEAP_PAGES), str(HEAP_ROWS)],
                         env=dict(os.environ, MICROPYPATH=MPY_PATH), cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    m = re.search(r"heap: (.*)", res.stdout)
    if not m:
        raise RuntimeError(res.stdout[-2000:] + res.stderr[-2000:])
    words = m.group(1).split()
    return {words[i]: (int(words[i + 1]) if words[i + 1].isdigit() else words[i + 1])
            for i in range(0, len(words), 2)}


def main():
    out_path = sys.argv[1]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Media)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    media_url = "http://127.0.0.1:%d/doc.pdf" % srv.server_port
    rows = []
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("CPython", cpython_box), ("MicroPython unix", micropython_box)):
            create, fetch = fn(os.path.join(tmp, name.split()[0]), media_url, N)
            cm, cp = percentiles(create)
            fm, fp = percentiles(fetch)
            rows.append([name, N, round(cm, 2), round(cp, 2), round(fm, 2), round(fp, 2)])
            key = name.split()[0].lower()
            summary[key + "_create_median_ms"] = round(cm, 2)
            summary[key + "_fetch_median_ms"] = round(fm, 2)
        h = heap(os.path.join(tmp, "heap"))
    srv.shutdown()
    summary["mpy_job_live_heap_bytes"] = h["job_live"]
    summary["mpy_media_live_heap_bytes"] = h["media_live"]
    report = {
        "title": "Box API latency and MicroPython heap",
        "summary": summary,
        "tables": [
            {"title": "API latency on loopback, ms (the job runner works in the background)",
             "columns": ["server", "requests", "create median", "create p95",
                         "fetch median", "fetch p95"], "rows": rows},
            {"title": "MicroPython heap, bytes (gc.mem_alloc; %d pages x %d rows)"
                      % (HEAP_PAGES, HEAP_ROWS),
             "columns": ["phase", "allocated at most (incl. garbage)",
                         "live at most (after gc, every 64 rows/chunks)"],
             "rows": [["before the job", h["base"], h["base"]],
                      ["job: prepare + send", h["job_peak"], h["job_live"]],
                      ["received media: TIFF %d B + PDF %d B" % (h["tiff"], h["pdf"]),
                       h["media_peak"], h["media_live"]]]}],
        "notes": ["heap total (MicroPython -X heapsize=150000w): %d bytes" % h["total"],
                  "MicroPython has no faxt4 here: pages are raw and the media "
                  "uncompressed, the largest case for the streams"],
    }
    with open(out_path, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
