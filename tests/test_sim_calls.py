"""Calls that do not reach a fax machine, through the box's HTTP API on the simulated
board: the box dials into the simulated exchange (dial tone, DTMF, ringback) and
the exchange connects the number to a busy line, a line nobody answers, a person,
or a number out of service. Each fax must end with the right status, error code
and message, in the API and in the status callbacks, and the box must hang up
without sending fax signals at a person.

Ttl=1 (minute): busy and no-answer would otherwise be redialled after 180/300 s
(jobs.py redial policy); a redial beyond the Ttl ends the fax at once."""
import re
import secrets

import pytest
import requests

from picofax import demo

FINAL = ("delivered", "failed", "busy", "no-answer", "canceled")


class Rig:
    """The box (`picofax sim` in its own process) wired to one kind of far end, a
    media server and a callback receiver (the pattern of tests/test_e2e_sim.py)."""

    def __init__(self, tmp_path, far, country=None):
        self.sid_acct = "AC" + secrets.token_hex(16)
        self.token = secrets.token_hex(16)
        self.media_dir = tmp_path / "media"
        self.media_dir.mkdir()
        self.media_srv, self.media_base = demo.serve_media(str(self.media_dir))
        self.cb = demo.CallbackReceiver(self.token)
        self.box = demo.BoxProcess(str(tmp_path / "data"), str(tmp_path / "received"),
                                   self.sid_acct, self.token, far=far, noise_dbm0=-55.0,
                                   log_path=str(tmp_path / "box.log"), country=country)
        # One page, 1728 x 100 pels, a black bar across the middle (PBM, P4).
        row_white = bytes(216)
        row_black = bytes([0xFF]) * 216
        rows = [row_black if 40 <= i < 60 else row_white for i in range(100)]
        (self.media_dir / "page.pbm").write_bytes(b"P4\n1728 100\n" + b"".join(rows))

    def send(self, to="+15550123"):
        data = {"To": to, "From": "+15550100", "StatusCallback": self.cb.url,
                "MediaUrl": self.media_base + "/page.pbm", "Ttl": "1"}
        r = requests.post(self.box.url + "/v1/Faxes", data=data,
                          auth=(self.sid_acct, self.token), timeout=30)
        assert r.status_code == 201, r.text
        return r.json()

    def callbacks_until_final(self, timeout_s=300):
        got = []
        while True:
            params, ok = self.cb.q.get(timeout=timeout_s)
            got.append((params, ok))
            if params["FaxStatus"] in FINAL:
                return got

    def get(self, sid):
        r = requests.get(self.box.url + "/v1/Faxes/" + sid, auth=(self.sid_acct, self.token),
                         timeout=30)
        assert r.status_code == 200
        return r.json()

    def log_lines(self, pattern):
        return [ln for ln in self.box.lines if re.search(pattern, ln)]

    def close(self):
        self.box.stop()
        self.cb.close()
        self.media_srv.shutdown()


@pytest.fixture
def rig_factory(tmp_path):
    rigs = []

    def make(far, country=None):
        rig = Rig(tmp_path, far, country)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


def run_one(rig):
    created = rig.send()
    cbs = rig.callbacks_until_final()
    return created, cbs, rig.get(created["sid"])


@pytest.mark.parametrize("far,country,status,code,words,rings", [
    # busy: no ringback, busy tone at once.
    ("busy", None, "busy", "34002", "Busy", 0),
    ("busy", "UK", "busy", "34002", "Busy", 0),
    # A person answers after two rings (the exchange's default): hang up.
    ("voice", None, "failed", "39203", "person", 2),
    ("sit", "DE", "failed", "39202", "not in service", 0),
])
def test_call_ends_before_fax(rig_factory, far, country, status, code, words, rings):
    rig = rig_factory(far, country)

    created, cbs, final = run_one(rig)

    statuses = [p["FaxStatus"] for p, ok in cbs]
    assert statuses[0] == "queued" and statuses[-1] == status
    assert all(ok for p, ok in cbs)
    last = cbs[-1][0]
    assert last["ErrorCode"] == code
    assert words in last["ErrorMessage"]
    # The Fax resource has no error fields (twilio-fax-api §1.5): status only.
    assert final["status"] == status
    # The exchange heard every digit of the number as DTMF.
    assert rig.log_lines(r"exchange: 15550123 dialled")
    assert rig.log_lines(r"line: %s \(%d rings\)" % (
        {"busy": "busy", "voice": "voice answer", "sit": "SIT"}[far], rings))
    # No T.30 started: the box sent no fax signal.
    assert not rig.log_lines(r"t30: calling")


def test_no_answer_after_the_configured_time(rig_factory):
    rig = rig_factory("noanswer")

    created, cbs, final = run_one(rig)

    last = cbs[-1][0]
    assert last["FaxStatus"] == "no-answer"
    assert last["ErrorCode"] == "34003"
    assert final["status"] == "no-answer"
    # 60 s of US ringback (2 s on, 4 s off) from the end of dialling: every whole
    # ring is counted, 10 of them.
    lines = rig.log_lines(r"line: no answer \((\d+) rings\)")
    assert lines
    assert int(re.search(r"\((\d+) rings\)", lines[-1]).group(1)) == 10


def test_silent_answer_goes_on_to_t30_and_times_out(rig_factory):
    # Ringing stops and nothing follows: maybe a fax machine that does not send
    # CED, so the box runs T.30, which gives up after T1 (35 s) without DIS.
    rig = rig_factory("silent")

    created, cbs, final = run_one(rig)

    last = cbs[-1][0]
    assert last["FaxStatus"] == "failed"
    assert last["ErrorCode"] == "34004"
    assert "No fax machine answered" in last["ErrorMessage"]
    assert rig.log_lines(r"line: answered \(silent\) \(2 rings\)")
    assert rig.log_lines(r"t30: calling")


@pytest.mark.parametrize("country", ("US", "FR"))
def test_fax_answer_through_the_exchange(rig_factory, country):
    # A fax machine (the box's own T.30 receiver) answers after two rings with
    # CED: the box recognises the fax answer and sends the page.
    rig = rig_factory("box", country)

    created, cbs, final = run_one(rig)

    statuses = [p["FaxStatus"] for p, ok in cbs]
    assert statuses == ["queued", "processing", "sending", "delivered"]
    assert cbs[-1][0]["NumPages"] == "1"
    assert rig.log_lines(r"line: fax answer \(2 rings\)")


# ---- inbound: the exchange rings the box ----

class _Sink:
    """Counts what the box's receiver stores (start_page / data / end_page)."""

    def __init__(self):
        self.pages = []

    def start_page(self, width, fine, coding):
        self.pages.append([width, fine, coding, 0])

    def data(self, octets):
        self.pages[-1][3] += len(octets)

    def end_page(self):
        return 400, 0


def _inbound(tmp_path, country, rings_to_answer, cadence_ms=None, distinctive="any",
             max_wait_ms=120000):
    import asyncio

    import faxmodem
    from board import SimBoard
    from faxbox import answer
    from picofax import pstn

    lines = []
    ex = pstn.Exchange("silent", country=country, rx_dir=str(tmp_path), log=lines.append)
    board = SimBoard(str(tmp_path / "data"), ex, noise_dbm0=-55.0)
    ex.call_box("box", start_ms=1000, max_rings=8, pages=1, cadence_ms=cadence_ms)
    sink = _Sink()
    cfg = {"country": country, "rings_to_answer": rings_to_answer,
           "distinctive_ring": distinctive}
    out = asyncio.run(answer.receive_fax(board, faxmodem, sink, lines.append, ident="BOX",
                                         line_cfg=cfg, max_wait_ms=max_wait_ms))
    return out, sink, lines, board


@pytest.mark.parametrize("country,rings", [("US", 2), ("UK", 3), ("JP", 1)])
def test_inbound_answered_after_n_rings_and_received(tmp_path, country, rings):
    out, sink, lines, board = _inbound(tmp_path, country, rings)

    assert out is not None and out.status == "received"
    assert out.num_pages == 1 and len(sink.pages) == 1
    assert sink.pages[0][0] == 1728 and sink.pages[0][3] > 0
    assert "line: answering after %d rings (pattern 1)" % rings in lines
    assert any("caller says" in ln and '"status": "delivered"' in ln for ln in lines)


def test_inbound_distinctive_ring_not_accepted_is_never_answered(tmp_path):
    # GR-506 pattern 2 (0.8/0.4/0.8/4.0 s) while only the normal ring is accepted:
    # the caller rings 8 times and gives up; the box never goes off hook.
    out, sink, lines, board = _inbound(tmp_path, "US", 2, cadence_ms=(800, 400, 800, 4000),
                                       distinctive="1", max_wait_ms=60000)

    assert out is None
    assert not sink.pages
    assert "line: ringing stopped after 0 rings (8 ignored)" in lines
