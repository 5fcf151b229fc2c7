"""Calls that do not reach a fax machine, through the box's HTTP API on the simulated
board: the box dials into the simulated exchange (dial tone, DTMF, ringback) and
the exchange connects the number to a busy line, a line nobody answers, a person,
or a number out of service. Each fax must end with the right status, error code
and message, in the API and in the status callbacks, and the box must hang up
without sending fax signals at a person.

Ttl=1 (minute): busy and no-answer would otherwise be redialled after 180/300 s
(jobs.py redial policy); a redial beyond the Ttl ends the fax at once."""
import glob
import os
import re

import pytest

from simrig import SimRig



class Rig(SimRig):
    """The box wired to one kind of far end (tests/simrig.py), sending one page:
    1728 x 100 pels with a black bar across the middle (PBM, P4)."""

    def __init__(self, tmp_path, far, country=None):
        super().__init__(tmp_path, far, noise_dbm0=-55.0, country=country)
        row_white = bytes(216)
        row_black = bytes([0xFF]) * 216
        rows = [row_black if 40 <= i < 60 else row_white for i in range(100)]
        (self.media_dir / "page.pbm").write_bytes(b"P4\n1728 100\n" + b"".join(rows))

    def send(self, to="+15550123"):
        return super().send("page.pbm", To=to, Ttl="1")

    def callbacks_until_final(self, timeout_s=300):
        return super().callbacks_until_final(timeout_s)


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
    # The exchange heard every digit of the number as DTMF: +1 555 0123 is dialled
    # as 1 5550123 in the US and with the international prefix 00 elsewhere.
    expected = "15550123" if country in (None, "US") else "0015550123"
    assert rig.log_lines(r"exchange: %s dialled" % expected)
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


@pytest.mark.parametrize("far,country", [("box", "US"), ("box", "FR"), ("spandsp", "UK"),
                                         ("spandsp", "JP")])
def test_fax_answer_through_the_exchange(rig_factory, far, country):
    # A fax machine (the box's own T.30 receiver, or SpanDSP's) answers after two
    # rings with CED: the box recognises the fax answer and sends the page.
    rig = rig_factory(far, country)

    created, cbs, final = run_one(rig)

    statuses = [p["FaxStatus"] for p, ok in cbs]
    assert statuses == ["queued", "processing", "sending", "delivered"]
    assert cbs[-1][0]["NumPages"] == "1"
    assert rig.log_lines(r"line: fax answer \(2 rings\)")
    if far == "box":
        _check_bar_page(rig.rx_dir)


def _check_bar_page(rx_dir):
    """The far box stored the page: 1728 wide, every row white or black across its
    middle (a source without a resolution is taken as Letter width, so the page
    sits between narrow white margins), and the black rows one band where the 20-row
    bar of the 100-row source lands after scaling to 7.7 lines/mm (about 19 rows
    from about row 38)."""
    from faxbox import spool
    pages = sorted(glob.glob(os.path.join(rx_dir, "*-pages", "page001.pg")))
    assert pages, os.listdir(rx_dir)
    r = spool.PageReader(pages[-1])
    assert r.width == 1728
    black = []
    for i, row in enumerate(r.rows()):
        b = bytes(row)
        mid = b[8:-8]
        assert b == bytes(216) or mid == bytes([0xFF]) * len(mid), \
            "row %d is neither white nor black across the middle" % i
        if b[100]:
            black.append(i)
    assert 18 <= len(black) <= 20 and black == list(range(black[0], black[0] + len(black)))
    assert 36 <= black[0] <= 40


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
             max_wait_ms=120000, caller="box", tx_file=None):
    import asyncio

    import faxmodem
    from board import SimBoard
    from faxbox import answer
    from picofax import pstn

    lines = []
    ex = pstn.Exchange("silent", country=country, rx_dir=str(tmp_path), log=lines.append)
    board = SimBoard(str(tmp_path / "data"), ex, noise_dbm0=-55.0)
    ex.call_box(caller, start_ms=1000, max_rings=8, pages=1, cadence_ms=cadence_ms,
                tx_file=tx_file)
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


def test_inbound_from_spandsp(tmp_path):
    # SpanDSP's calling terminal sends a two-page TIFF (G4, 1728 pels, fine),
    # drawn here; the box answers after 2 US rings and receives both pages.
    from PIL import Image, ImageDraw
    frames = []
    for k in range(2):
        im = Image.new("1", (1728, 600), 1)
        d = ImageDraw.Draw(im)
        for i in range(0, 600, 30):
            d.line([(0, i), (1727, 599 - i)], fill=0, width=2 + k)
        frames.append(im)
    tx = str(tmp_path / "tx.tif")
    frames[0].save(tx, compression="group4", dpi=(204, 196), save_all=True,
                   append_images=frames[1:])

    out, sink, lines, board = _inbound(tmp_path, "US", 2, caller="spandsp", tx_file=tx)

    assert out is not None and out.status == "received", lines[-10:]
    assert out.num_pages == 2 and len(sink.pages) == 2
    assert out.remote_station_id == "SPANDSP"
    assert "line: answering after 2 rings (pattern 1)" in lines


def test_inbound_person_calling_is_told_from_a_fax(tmp_path):
    # A person calls the fax number and says hello: no CNG, no V.21. The box answers,
    # hears speech while it listens between its DIS frames, and hangs up well before
    # T1 (35 s) instead of sending DIS at the person.
    out, sink, lines, board = _inbound(tmp_path, "US", 2, caller="voice")

    assert out is not None and out.status == "failed", lines[-10:]
    assert out.error_code == 39208
    assert "person called" in out.error_message
    assert out.duration_s < 20
    assert not sink.pages
    assert any("speech and no fax signal" in ln for ln in lines)


def test_inbound_distinctive_ring_not_accepted_is_never_answered(tmp_path):
    # GR-506 pattern 2 (0.8/0.4/0.8/4.0 s) while only the normal ring is accepted:
    # the caller rings 8 times and gives up; the box never goes off hook.
    out, sink, lines, board = _inbound(tmp_path, "US", 2, cadence_ms=(800, 400, 800, 4000),
                                       distinctive="1", max_wait_ms=60000)

    assert out is None
    assert not sink.pages
    assert "line: ringing stopped after 0 rings (8 ignored)" in lines


# ---- dialling details, in process ----

def _dial(tmp_path, far, cfg, number="555 0123", setup=None, **exchange_kw):
    import asyncio

    import faxmodem
    from board import SimBoard
    from faxbox import dialer
    from picofax import pstn

    ex = pstn.Exchange(far, country=cfg.get("country", "US"), rx_dir=str(tmp_path),
                       **exchange_kw)
    board = SimBoard(str(tmp_path / "data"), ex, noise_dbm0=-55.0)
    if setup:
        setup(board)
    lines = []

    async def go():
        board.line.off_hook()
        try:
            call = dialer.Call(board, faxmodem, faxmodem.Modem(), dialer.settings(cfg),
                               lines.append)
            return await call.run(number)
        finally:
            board.line.on_hook()

    return asyncio.run(go()), ex, lines


def test_pulse_dialling_with_prefix_and_second_dial_tone(tmp_path):
    from faxbox import progress as pg

    r, ex, lines = _dial(tmp_path, "busy", {"dial_prefix": "9W", "pulse_dial": True},
                         outside_prefix="9")

    assert r == pg.R_BUSY
    # "9" pulsed, the PBX's second dial tone waited for, then the number pulsed.
    assert ex.calls[0].digits == "95550123"
    assert ex.calls[0].number == "5550123"
    assert lines.count("line: dial tone") == 1  # the first; "W" waits silently
    assert "line: dialling 95550123" in lines


def test_dtmf_at_the_q24_minimum_timing(tmp_path):
    from faxbox import progress as pg

    r, ex, _ = _dial(tmp_path, "busy", {"country": "DE", "dtmf_on_ms": 40,
                                        "dtmf_off_ms": 40})

    assert r == pg.R_BUSY
    assert ex.calls[0].digits == "5550123"


def test_blind_dial_without_dial_tone(tmp_path):
    from faxbox import progress as pg

    r, ex, lines = _dial(tmp_path, "busy", {"blind_dial": True})

    assert r == pg.R_BUSY
    assert "line: dial tone" not in lines


def test_extension_picked_up_while_ringing(tmp_path):
    from faxbox import progress as pg

    def setup(board):
        board.line.extension_pickup_ms = 8000

    r, ex, lines = _dial(tmp_path, "noanswer", {}, setup=setup)

    assert r == pg.R_EXTENSION
    assert pg.OUTCOMES[r][:2] == ("failed", 39205)


def test_line_in_use_before_dialling(tmp_path):
    import asyncio

    import faxmodem
    from board import SimBoard
    from faxbox import call
    from picofax import pstn

    ex = pstn.Exchange("busy", rx_dir=str(tmp_path))
    board = SimBoard(str(tmp_path / "data"), ex)
    board.line.extension = True

    out = asyncio.run(call.send_fax(board, faxmodem, None, None, "5550123", lambda s: None))

    assert out.status == "failed" and out.error_code == call.ERR_LINE_IN_USE[0]
    assert ex.calls == []  # never went off hook


def test_number_that_cannot_be_dialled(tmp_path):
    from faxbox import progress as pg

    r, ex, lines = _dial(tmp_path, "busy", {}, number="sip:fax@example.com")

    assert r == pg.R_BAD_NUMBER
    assert pg.OUTCOMES[r][:2] == ("failed", 39206)
    assert ex.calls[0].digits == ""  # off hook, nothing dialled
