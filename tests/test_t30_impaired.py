"""Whole calls over an impaired line: the box against SpanDSP (our sender and our
receiver) and the box against itself, with line noise, talker echo of our own
transmission and sample-clock offset (picofax.line.Channel / Line). Pages that
arrive damaged must lead to the right T.30 answers (RTN/RTP without ECM, PPR and
resends with ECM) and the call must end delivered with exact pages, or fail with
the right reason.

SNR here is our transmit level (-10 dBm0) over the noise level over 0-4 kHz.
"""
import os

import numpy as np
import pytest

import faxmodem
import faxt4
from faxbox import rxpages, spool, t30, t30rx
from faxbox import t30frames as fr
from picofax.line import Channel, Line

import test_t30_matrix as mx

LEVEL_DBM0 = -10
LIMIT_S = 900


def box_to_box(tmp, snr_db, rate, modem, ecm=False, coding="MR", res="fine", pages=2,
               echo=None, ppm=0.0, seed=1, rows=None):
    """Our sender calls our receiver over a line with continuous noise at snr_db
    (None: clean) both ways. Returns a dict like test_t30_matrix.run_cell."""
    os.makedirs(tmp, exist_ok=True)
    paths = mx.write_spool_pages(os.path.join(tmp, "tx"), res, pages)
    sink_dir = os.path.join(tmp, "rx")
    os.makedirs(sink_dir, exist_ok=True)
    sink = rxpages.SpoolSink(sink_dir, faxt4)
    ours = mx.ALL_MODEMS if modem == fr.MODEM_V17 else (fr.MODEM_V27TER, fr.MODEM_V29)

    def sender(m, clock, log):
        from faxbox import call
        return t30.Sender(m, faxmodem, call.SpoolPages(paths, spool.PageReader), clock, log,
                          None, ident="BOX A", our_modems=ours, t4=faxt4, max_rate=rate,
                          codings=(coding,), ecm=ecm)

    def receiver(m, clock, log):
        return t30rx.Receiver(m, faxmodem, sink, clock, log, ident="BOX B", our_modems=ours,
                              ecm=ecm)
    a = mx.BoxEnd(sender)
    b = mx.BoxEnd(receiver)
    noise = None if snr_db is None else LEVEL_DBM0 - snr_db
    line = Line(Channel(noise_dbm0=noise, ppm=ppm, seed=seed),
                Channel(noise_dbm0=noise, ppm=-ppm, seed=seed + 1), hybrid_echo=echo)
    while line.samples < LIMIT_S * 8000 and not (a.done and b.done):
        line.step(a, b, mx.BLOCK)
    so, ro = a.term.outcome, b.term.outcome
    out = {"status": so.status if so else "timeout", "rx_status": ro.status if ro else "timeout",
           "pages": so.num_pages if so else 0, "rx_pages": ro.num_pages if ro else 0,
           "rate": so.bit_rate if so else 0, "modem": so.modem if so else None,
           "error": so.error_message if so else None, "line_s": round(line.samples / 8000.0, 1),
           "log_a": a.log, "log_b": b.log}
    got = []
    if ro is not None and ro.num_pages and sink.pages == ro.num_pages:
        got = mx.read_spool_pages(sink_dir, ro.num_pages)
    out["stored"] = sink.pages
    out["match"] = len(got) == pages and all(
        np.array_equal(got[i][0], mx.make_page(i, res)) for i in range(pages))
    return out


def _count(lines, text):
    return sum(1 for ln in lines if text in ln)


def _assert_exact(r):
    assert r["status"] == "delivered", "\n".join(r["log_a"][-20:])
    assert r["rx_status"] == "received"
    assert r["pages"] == 2 and r["rx_pages"] == 2 and r["stored"] == 2
    assert r["match"]


# --- the box against itself, continuous noise on the line both ways ---------------
# The seeds and SNRs below were chosen from a sweep (bench_t30_matrix.py) so that
# each test lands on the behaviour it names; the noise is seeded, so every run is
# the same.

def test_box_to_box_9600_at_26_db_snr(tmp_path):
    # Goal of issue 6: SpanDSP 0.0.6 calling itself fails at 33 dB (its carrier
    # detection stays on in the noise); two boxes must get through at 26 dB at 9600.
    r = box_to_box(str(tmp_path), 26, 9600, fr.MODEM_V29)

    _assert_exact(r)
    assert (r["rate"], r["modem"]) == (9600, fr.MODEM_V29)
    assert _count(r["log_b"], "-> FTT") == 0


def test_box_to_box_ecm_9600_at_17_db_survives_with_ppr(tmp_path):
    r = box_to_box(str(tmp_path), 17, 9600, fr.MODEM_V29, ecm=True)

    _assert_exact(r)
    assert r["rate"] == 9600
    assert _count(r["log_b"], "-> PPR") >= 1  # damaged frames asked for again
    assert _count(r["log_a"], "-> CTC") == 0


def test_box_to_box_ecm_ctc_to_a_lower_rate(tmp_path):
    # At 13 dB the image frames keep failing: four PPRs for a block, then CTC and
    # the rest of the call at 4800; every page still arrives exact.
    r = box_to_box(str(tmp_path), 13, 9600, fr.MODEM_V29, ecm=True)

    _assert_exact(r)
    assert _count(r["log_a"], "-> CTC") >= 1
    assert _count(r["log_b"], "-> CTR") == _count(r["log_a"], "-> CTC")
    assert _count(r["log_b"], "-> PPR") >= 4
    assert r["rate"] < 9600


def test_box_to_box_non_ecm_rtn_and_resend(tmp_path):
    # At 11 dB a page arrives with too many bad rows: RTN, retrain, resend; the
    # rejected copy is dropped from the spool, the resent one matches the source.
    r = box_to_box(str(tmp_path), 11, 9600, fr.MODEM_V29)

    assert _count(r["log_b"], "-> RTN") >= 1
    _assert_exact(r)


def test_box_to_box_non_ecm_rtp_keeps_the_page(tmp_path):
    # At 12 dB pages arrive with a few bad rows: RTP (kept, retrain before the next).
    r = box_to_box(str(tmp_path), 12, 9600, fr.MODEM_V29)

    assert _count(r["log_b"], "-> RTP") >= 1
    assert r["status"] == "delivered" and r["rx_pages"] == 2 and r["stored"] == 2
    # After RTP the sender retrains: one more DCS than FTTs and RTNs call for.
    assert _count(r["log_a"], "-> DCS") > 1 + _count(r["log_b"], "-> FTT")


def test_box_to_box_hopeless_line_fails_with_training_error(tmp_path):
    r = box_to_box(str(tmp_path), 2, 9600, fr.MODEM_V29)

    assert r["status"] == "failed" and r["rx_status"] == "failed"
    assert r["error"] == t30.ERR_TRAINING[1]
    assert _count(r["log_b"], "-> FTT") == 4  # 9600, 7200, 4800, 2400


def test_box_to_box_echo_clock_offset_and_noise(tmp_path):
    r = box_to_box(str(tmp_path), 24, 9600, fr.MODEM_V29, ecm=True, echo=(30, 15), ppm=100)

    _assert_exact(r)


# --- the box against SpanDSP: echo of our own signal, clock offset ----------------

@pytest.mark.parametrize("direction", ["send", "receive"])
@pytest.mark.parametrize("ecm", [False, True])
def test_spandsp_with_talker_echo(tmp_path, direction, ecm):
    # Each end hears its own signal back 30 ms later at -15 dB (hybrid echo).
    r = mx.run_cell(str(tmp_path), direction, 9600, "MR", "fine", ecm=ecm, echo=(30, 15))

    assert r["status"] == ("delivered" if direction == "send" else "received")
    assert r["pages"] == 2 and r["match"]


@pytest.mark.parametrize("direction", ["send", "receive"])
@pytest.mark.parametrize("ppm", [100, -100])
def test_spandsp_with_clock_offset(tmp_path, direction, ppm):
    ab = Channel(noise_dbm0=-65.0, ppm=ppm, seed=3)
    ba = Channel(noise_dbm0=-65.0, ppm=-ppm, seed=4)
    r = mx.run_cell(str(tmp_path), direction, 9600, "MR", "fine", ecm=True, ab=ab, ba=ba)

    assert r["status"] == ("delivered" if direction == "send" else "received")
    assert r["pages"] == 2 and r["match"]


# --- ECM frame loss against SpanDSP: its PPR to us, our PPR to it -----------------

class _Muted:
    """A far end whose hearing is cut for `mute_ms` once `trigger()` says so."""

    def __init__(self, far, trigger, delay_ms, mute_ms):
        self.far, self.trigger = far, trigger
        self.delay = delay_ms * 8
        self.left = mute_ms * 8
        self.armed = None
        self.samples = 0

    def tx(self, n):
        return self.far.tx(n)

    def rx(self, data):
        self.samples += len(data) // 2
        if self.armed is None and self.trigger():
            self.armed = self.samples + self.delay
        if self.armed is not None and self.samples >= self.armed and self.left > 0:
            self.left -= len(data) // 2
            data = bytes(len(data))
        self.far.rx(data)

    @property
    def done(self):
        return self.far.done


def _ecm_call_with_loss(tmp, direction):
    import spandsp_peer
    os.makedirs(tmp, exist_ok=True)
    res = "fine"
    if direction == "send":
        paths = mx.write_spool_pages(os.path.join(tmp, "tx"), res, 2)
        rx_tif = os.path.join(tmp, "far.tif")
        far = spandsp_peer.FaxTerminal(calling=False, rx_file=rx_tif, ecm=True)

        def factory(m, clock, log):
            from faxbox import call
            return t30.Sender(m, faxmodem, call.SpoolPages(paths, spool.PageReader), clock,
                              log, None, t4=faxt4, max_rate=9600, codings=("MMR",), ecm=True)
        box = mx.BoxEnd(factory)
        # SpanDSP hears nothing for 300 ms from 700 ms after our first image burst
        # starts (75 ms + V.29 training + 250 ms of flags): two or three frames lost.
        far_end = _Muted(far, lambda: any("-> block 0 of page 1" in ln for ln in box.log),
                         700, 300)
    else:
        tx_tif = os.path.join(tmp, "far-tx.tif")
        mx.write_tiff(tx_tif, res, 2)
        far_end = spandsp_peer.FaxTerminal(calling=True, tx_file=tx_tif, ecm=True)
        sink_dir = os.path.join(tmp, "rx")
        os.makedirs(sink_dir, exist_ok=True)
        sink = rxpages.SpoolSink(sink_dir, faxt4)

        def factory(m, clock, log):
            return t30rx.Receiver(m, faxmodem, sink, clock, log, ecm=True)
        box = mx.BoxEnd(factory)
        # Our receiver loses FCD frames 1 and 2 of the first burst (as a bad FCS).
        lost = {1: 1, 2: 1}
        on_event = box.term.on_event

        def filtered(ev):
            if ev[0] == faxmodem.EV_FRAME and len(ev[1]) > 4 and \
                    fr.fcf_of(ev[1]) == fr.FCF_FCD and lost.get(ev[1][3], 0):
                lost[ev[1][3]] -= 1
                return
            on_event(ev)
        box.term.on_event = filtered
    line = Line(Channel(noise_dbm0=-65.0, seed=3), Channel(noise_dbm0=-65.0, seed=4))
    while line.samples < 300 * 8000 and not (box.done and far_end.done):
        line.step(box, far_end, mx.BLOCK)
    out = box.term.outcome
    if direction == "send":
        got = mx.read_tiff_pages(rx_tif)
    else:
        got = [p for p, r in mx.read_spool_pages(sink_dir, out.num_pages)]
    match = len(got) == 2 and all(np.array_equal(got[i], mx.make_page(i, res)) for i in range(2))
    return out, box.log, match


def test_spandsp_asks_us_to_resend_lost_ecm_frames(tmp_path):
    out, log, match = _ecm_call_with_loss(str(tmp_path), "send")

    assert out.status == "delivered" and out.num_pages == 2
    assert _count(log, "<- PPR") >= 1
    assert match


def test_we_ask_spandsp_to_resend_lost_ecm_frames(tmp_path):
    out, log, match = _ecm_call_with_loss(str(tmp_path), "receive")

    assert out.status == "received" and out.num_pages == 2
    assert any("-> PPR, 2 frames to resend" in ln for ln in log)
    assert match
