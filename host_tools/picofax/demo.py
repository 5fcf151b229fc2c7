"""`picofax demo`: a real document sent end to end on the simulated board.

What runs, all on loopback:
- a media server (the document, rendered to a fax TIFF by `picofax render`),
- a callback receiver that checks each X-Twilio-Signature and prints the callback,
- the box (`picofax sim` in a child process) with SpanDSP answering the call,
and this program, which sends the fax through the API as any Twilio Fax client would,
then compares every page SpanDSP received with the page that was sent.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import numpy as np
import requests
from PIL import Image

FINAL = ("delivered", "failed", "busy", "no-answer", "canceled")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def twilio_signature(token, url, params):
    """X-Twilio-Signature as Twilio computes it, written here from the published
    algorithm (stdlib hmac), independently of the box's own code."""
    s = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def serve_media(folder):
    """A static file server for `folder` on a free loopback port; returns its base URL."""
    port = free_port()

    def handler(*a, **kw):
        return _Quiet(*a, directory=folder, **kw)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % port


class CallbackReceiver:
    """Receives the box's status callbacks; every one is checked and queued."""

    def __init__(self, token):
        self.token = token
        self.received = []
        self.q = queue.Queue()
        recv = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                url = "http://127.0.0.1:%d%s" % (recv.port, self.path)
                sig = self.headers.get("X-Twilio-Signature", "")
                ok = hmac.compare_digest(sig, twilio_signature(recv.token, url, params))
                recv.received.append((params, ok))
                recv.q.put((params, ok))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.port = free_port()
        self.url = "http://127.0.0.1:%d/" % self.port
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()


class BoxProcess:
    """`picofax sim` as a child process; its log lines are kept and optionally shown."""

    def __init__(self, data, rx_dir, account_sid, token, far="spandsp", noise_dbm0=-60.0,
                 show=None, log_path=None, wav=None, country=None, rings=None,
                 extra_args=(), page_header=False):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        cmd = [sys.executable, "-u", "-m", "picofax.cli", "sim", "--port", str(self.port),
               "--data", data, "--rx-dir", rx_dir, "--far", far,
               "--noise-dbm0", str(noise_dbm0), "--account-sid", account_sid,
               "--auth-token", token]
        if wav:
            cmd += ["--wav", wav]
        if not page_header:
            # Pages go out exactly as given, so they can be compared bit for bit.
            cmd.append("--no-page-header")
        cmd += list(extra_args)
        if country:
            cmd += ["--country", country]
        if rings is not None:
            cmd += ["--rings", str(rings)]
        env = dict(os.environ)
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = here + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env)
        self.lines = []
        self._show = show
        self._log = open(log_path, "w") if log_path else None
        threading.Thread(target=self._pump, daemon=True).start()
        self._wait_listening()

    def _pump(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if self._log:
                self._log.write(line + "\n")
                self._log.flush()
            if self._show:
                self._show(line)

    def _wait_listening(self, timeout_s=60):
        end = time.time() + timeout_s
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("the box exited at start:\n" + "\n".join(self.lines[-30:]))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the box did not start listening")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self._log:
            self._log.close()


def tiff_pages(path):
    """Every page of a TIFF as a boolean numpy array (True = black)."""
    out = []
    with Image.open(path) as im:
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            out.append(np.array(im.convert("1")) == 0)
    return out


def compare_pages(sent_tiff, received_tiff, out_dir):
    """Writes page-N-sent.png and page-N-received.png; returns per page
    (rows, differing rows) and the page counts."""
    sent = tiff_pages(sent_tiff)
    got = tiff_pages(received_tiff) if os.path.exists(received_tiff) else []
    results = []
    for i, a in enumerate(sent):
        Image.fromarray(~a).save(os.path.join(out_dir, "page-%d-sent.png" % (i + 1)))
        if i >= len(got):
            results.append((a.shape[0], None))
            continue
        b = got[i]
        Image.fromarray(~b).save(os.path.join(out_dir, "page-%d-received.png" % (i + 1)))
        h = min(a.shape[0], b.shape[0])
        w = min(a.shape[1], b.shape[1])
        diff = int(np.any(a[:h, :w] != b[:h, :w], axis=1).sum()) + abs(a.shape[0] - b.shape[0])
        results.append((a.shape[0], diff))
    return results, len(sent), len(got)


def prepare_document(document, pages, quality, out_dir):
    """The document as a fax TIFF in out_dir; returns its file name."""
    from picofax import corpus, render
    src = document if os.path.exists(document) else corpus.fetch(document)
    if src.lower().endswith(".pdf"):
        first, _, last = pages.partition("-")
        rng = range(int(first) - 1, int(last or first))
        name = "document.tif"
        render.render_pdf(src, os.path.join(out_dir, name), quality=quality, pages=rng)
        return name, src
    name = os.path.basename(src)
    dst = os.path.join(out_dir, name)
    with open(src, "rb") as f, open(dst, "wb") as g:
        g.write(f.read())
    return name, src


def run_demo(out_dir, document=None, pages="1-3", quality="fine", far="spandsp",
             noise_dbm0=-60.0, say=print, show_box=None, timeout_s=900):
    """The whole demo; returns a dict of what happened (used by the tests too)."""
    from picofax import corpus
    document = document or corpus.DEMO_DOCUMENT
    out_dir = os.path.abspath(out_dir)
    # A fresh box every run: records and callbacks of an earlier demo stay out.
    shutil.rmtree(os.path.join(out_dir, "box-data"), ignore_errors=True)
    for sub in ("media", "received", "box-data"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    for name in os.listdir(os.path.join(out_dir, "received")):
        os.remove(os.path.join(out_dir, "received", name))
    media_name, src = prepare_document(document, pages, quality, os.path.join(out_dir, "media"))
    say("document: %s (pages %s) -> media/%s" % (os.path.basename(src), pages, media_name))

    account_sid = "AC" + secrets.token_hex(16)
    token = secrets.token_hex(16)
    media_srv, media_base = serve_media(os.path.join(out_dir, "media"))
    cb = CallbackReceiver(token)
    box = BoxProcess(os.path.join(out_dir, "box-data"), os.path.join(out_dir, "received"),
                     account_sid, token, far=far, noise_dbm0=noise_dbm0, show=show_box,
                     log_path=os.path.join(out_dir, "box.log"),
                     wav=os.path.join(out_dir, "call.wav"))
    result = {"callbacks": [], "box_url": box.url}
    try:
        media_url = media_base + "/" + media_name
        r = requests.post(box.url + "/v1/Faxes", auth=(account_sid, token), timeout=30, data={
            "To": "+15550123", "From": "+15550100", "MediaUrl": media_url,
            "StatusCallback": cb.url, "Quality": quality})
        result["create_status"] = r.status_code
        result["created"] = r.json()
        if r.status_code != 201:
            say("the box refused the fax: %d %s" % (r.status_code, r.text))
            return result
        sid = result["created"]["sid"]
        say("POST /v1/Faxes -> 201, %s %s" % (sid, result["created"]["status"]))
        t0 = time.time()
        while True:
            try:
                params, ok = cb.q.get(timeout=max(1, timeout_s - (time.time() - t0)))
            except queue.Empty:
                say("timed out waiting for the final callback")
                break
            result["callbacks"].append((params, ok))
            extra = ""
            if params.get("ErrorCode"):
                extra = "  ErrorCode %s: %s" % (params["ErrorCode"], params.get("ErrorMessage"))
            say("callback %-10s signature %s%s" % (params.get("FaxStatus"),
                                                  "ok" if ok else "BAD", extra))
            if params.get("FaxStatus") in FINAL:
                break
        result["wall_s"] = time.time() - t0
        g = requests.get(box.url + "/v1/Faxes/" + sid, auth=(account_sid, token), timeout=30)
        result["final_get"] = g.json()
        received = sorted(n for n in os.listdir(os.path.join(out_dir, "received"))
                          if n.endswith(".tif"))
        far_json = [n for n in os.listdir(os.path.join(out_dir, "received"))
                    if n.endswith(".json")]
        result["far"] = {}
        if far_json:
            with open(os.path.join(out_dir, "received", sorted(far_json)[-1])) as f:
                result["far"] = json.load(f)
        if received:
            rows, n_sent, n_got = compare_pages(
                os.path.join(out_dir, "media", media_name),
                os.path.join(out_dir, "received", received[-1]), out_dir)
            result["pages"] = rows
            result["pages_sent"], result["pages_received"] = n_sent, n_got
        result["box_lines"] = list(box.lines)
        return result
    finally:
        box.stop()
        cb.close()
        media_srv.shutdown()


def summarise(res, say=print):
    fax = res.get("final_get", {})
    far = res.get("far", {})
    trained = [line for line in res.get("box_lines", []) if "training accepted at" in line]
    say("")
    say("summary")
    say("  status            %s" % fax.get("status"))
    say("  pages             %s" % fax.get("num_pages"))
    say("  rate, modem       %s" % (trained[-1].split("training accepted at ")[1]
                                    if trained else "-"))
    say("  duration          %s s of line time (%.1f s wall)" % (fax.get("duration"),
                                                                  res.get("wall_s", 0)))
    say("  remote CSI        %s" % (res["callbacks"][-1][0].get("RemoteStationId", "-")
                                    if res.get("callbacks") else "-"))
    say("  far end (SpanDSP) %s" % ", ".join("%s=%s" % kv for kv in sorted(far.items())
                                            if not isinstance(kv[1], (list, dict))))
    for i, (rows, diff) in enumerate(res.get("pages", [])):
        say("  page %d           %d rows, %s" % (
            i + 1, rows, "not received" if diff is None else "%d differing rows" % diff))


_print_lock = threading.Lock()


def say_line(text):
    """One whole line to stdout: the box's log and the demo's own lines come from two
    threads and must not interleave inside a line."""
    with _print_lock:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _show_box(line):
    if " t30: " in line or "job " in line or "exchange:" in line or "line:" in line:
        say_line("  box | " + line)


def main(args):
    out = args.out
    res = run_demo(out, document=args.document, pages=args.pages, quality=args.quality,
                   say=say_line, show_box=_show_box)
    summarise(res, say=say_line)
    say_line("  files             %s (page-N-sent.png, page-N-received.png, box.log, "
             "call.wav)" % os.path.abspath(out))
    ok = (res.get("final_get", {}).get("status") == "delivered"
          and res.get("pages") and all(d == 0 for _, d in res["pages"]))
    return 0 if ok else 1
