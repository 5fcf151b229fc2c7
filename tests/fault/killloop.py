"""The kill-and-restart loop shared by tests/test_faults.py (30 rounds) and
bench/bench_faults.py (more): crashbox.py is started, given a few faxes through
the API, SIGKILLed after a random pause, and started again; at the end it runs
until every fax is final and the outbox is empty. check() lists every broken
promise (none expected)."""
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
CRASHBOX = os.path.join(HERE, "crashbox.py")
ACCOUNT = "AC" + "1" * 32
TOKEN = "tok"
FINAL = ("delivered", "failed", "canceled", "busy", "no-answer")
RANK = {"queued": 0, "processing": 1, "sending": 2}


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _wait(cond, what, timeout_s):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Receiver:
    """Callback receiver: (url, form, signature) per POST, answers 200."""

    def __init__(self):
        self.got = []
        rx = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                url = "http://127.0.0.1:%d%s" % (self.server.server_port, self.path)
                rx.got.append((url, form, self.headers.get("X-Twilio-Signature")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, args=(0.05,), daemon=True).start()
        self.url = "http://127.0.0.1:%d/cb?x=1" % self.srv.server_port

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def _start(data, port, seed):
    proc = subprocess.Popen([sys.executable, CRASHBOX, str(data), str(port), str(seed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up():
        if proc.poll() is not None:
            raise AssertionError("crashbox exited")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            return False
    _wait(up, "crashbox to listen", 20)
    return proc


def kill_loop(data, rounds, seed, max_pause_s=0.3):
    """Returns a result dict: created [(sid, to)], faxes {sid: resource},
    records {sid: job record or None}, callbacks [(url, form, sig)],
    tmp_files (names left in jobs/)."""
    rx = Receiver()
    rnd = random.Random(seed)
    http = requests.Session()
    http.trust_env = False
    http.auth = (ACCOUNT, TOKEN)
    created = []
    port = _free_port()
    try:
        for it in range(rounds):
            proc = _start(data, port, seed * 100000 + it)
            base = "http://127.0.0.1:%d" % port
            for _ in range(rnd.randint(0, 2)):
                to = "+1555%04d" % rnd.randint(0, 9999)
                r = http.post(base + "/v1/Faxes", data={
                    "To": to, "MediaUrl": "http://m.example/%d.pdf" % it,
                    "StatusCallback": rx.url})
                if r.status_code != 201:
                    raise AssertionError(r.text)
                created.append((r.json()["sid"], to))
            time.sleep(rnd.random() * max_pause_s)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        tmp_files = [n for n in os.listdir(os.path.join(str(data), "jobs"))
                     if n.endswith(".tmp")]
        proc = _start(data, port, seed * 100000 + rounds)
        base = "http://127.0.0.1:%d" % port
        try:
            def settled():
                faxes = http.get(base + "/v1/Faxes?PageSize=1000").json()["faxes"]
                return (all(f["status"] in FINAL for f in faxes) and
                        not [n for n in os.listdir(os.path.join(str(data), "outbox"))
                             if n.endswith(".json")])
            _wait(settled, "every job to end and every callback to go", 120)
            faxes = {f["sid"]: f for f in
                     http.get(base + "/v1/Faxes?PageSize=1000").json()["faxes"]}
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    finally:
        rx.close()
    records = {}
    for sid, _ in created:
        try:
            with open(os.path.join(str(data), "jobs", sid + ".json")) as f:
                records[sid] = json.load(f)
        except (OSError, ValueError):
            records[sid] = None
    return {"created": created, "faxes": faxes, "records": records,
            "callbacks": rx.got, "tmp_files": tmp_files}


def check(res):
    """Every broken promise in a kill_loop result, as text (empty: none)."""
    problems = []
    created = res["created"]
    faxes = res["faxes"]
    if sorted(faxes) != sorted(s for s, _ in created):
        problems.append("faxes lost or invented: %d created, %d listed"
                        % (len(created), len(faxes)))
    by_sid = {}
    for _, form, _ in res["callbacks"]:
        by_sid.setdefault(form.get("FaxSid"), []).append(form.get("FaxStatus"))
    for sid, to in created:
        rec = res["records"].get(sid)
        if rec is None or rec.get("to") != to:
            problems.append("%s: record missing or damaged" % sid)
            continue
        status = rec["status"]
        if status not in FINAL or faxes.get(sid, {}).get("status") != status:
            problems.append("%s: not final or API disagrees (%s)" % (sid, status))
        seen = by_sid.get(sid, [])
        finals = [s for s in seen if s in FINAL]
        if not finals or set(finals) != {status} or seen[-1] != status:
            problems.append("%s: callbacks %s, record %s" % (sid, seen, status))
        if not seen or seen[0] != "queued":
            problems.append("%s: first callback is not queued: %s" % (sid, seen))
        ranks = [RANK.get(s, 3) for s in seen]
        if ranks != sorted(ranks):
            problems.append("%s: callbacks out of order: %s" % (sid, seen))
        want = ("busy", "failed") if to.endswith("0") else \
            ("failed",) if to.endswith("1") else ("delivered", "failed")
        if status not in want:
            problems.append("%s: to %s ended %s" % (sid, to, status))
        if status == "failed" and not to.endswith("1") and rec.get("error_code") != 39004:
            problems.append("%s: failed with %s" % (sid, rec.get("error_code")))
    return problems


def duplicates(res):
    """Callbacks delivered more than once (allowed: at-least-once)."""
    seen = set()
    dup = 0
    for _, form, _ in res["callbacks"]:
        key = (form.get("FaxSid"), form.get("FaxStatus"))
        if key in seen:
            dup += 1
        seen.add(key)
    return dup
