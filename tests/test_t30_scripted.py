"""Scripted far-end behaviours at the frame level (tests/fw/fakefax.py: frames and
carriers take the time they take on a line, a frame sent while the listener's
V.21 receiver is off is lost). Each test names the behaviour and checks what our
engine does about it against T.30's rules, counted by hand."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fw"))

import fakefax as ff  # noqa: E402
from faxbox import t30, t30rx  # noqa: E402
from faxbox import t30frames as fr  # noqa: E402


def _call(heights=(3, 2), tcf_answers=(), page_answers=(), dis_fif=None, **opts):
    clock = ff.Clock()
    modem = ff.FakeModem(clock)
    dis = fr.make_frame(fr.FCF_DIS, dis_fif if dis_fif is not None else fr.make_dis())
    far = ff.ScriptedReceiver(modem, [dis], tcf_answers, page_answers)
    log = []
    s = t30.Sender(modem, ff, ff.Pages(list(heights)), clock, log.append, ff.CopyEncoder,
                   **opts)
    out = ff.run(s, modem, far, clock)
    return out, far, log, modem


def _pair(sender_cls=t30.Sender, heights=(3, 2), drop_a=None, drop_b=None, ecm=False):
    clock = ff.Clock()
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    ma.drop, mb.drop = drop_a, drop_b
    sink = ff.RecordingSink()
    la, lb = [], []
    s = sender_cls(ma, ff, ff.Pages(list(heights)), clock, la.append, ff.CopyEncoder, ecm=ecm)
    r = t30rx.Receiver(mb, ff, sink, clock, lb.append, ecm=ecm)
    out_s, out_r = ff.run_pair(s, r, clock)
    return out_s, out_r, sink, la, lb, clock


def test_ftt_on_first_tcf_resends_dcs_with_long_training_one_rate_lower():
    out, far, log, modem = _call(tcf_answers=("FTT",))

    assert out.status == "delivered"
    assert far.log[:6] == ["DCS", "TCF", "DCS", "TCF", "PAGE", "MPS"]
    # The TCFs: V.29 9600 then V.29 7200, both with long training (T.30 §5.3.6.2.3).
    assert modem.trains[:2] == [(ff.V29, 9600, True, False), (ff.V29, 7200, True, False)]
    assert fr.get_field(far.dcs[3:], 11, 4) == 0b1100  # the second DCS says 7200


class _ExtraFrameSender(t30.Sender):
    """Sends one more V.21 frame (a non-standard NSS) after the DCS, before TCF."""

    def _send_frames(self, frames):
        if fr.name_of(frames[-1]) == "DCS":
            frames = list(frames)
            frames[-1] = fr.make_frame(fr.FCF_DCS, frames[-1][3:], final=False, x_bit=True)
            frames.append(fr.make_frame(fr.FCF_NSS, b"\x00\x11\x22\x33", x_bit=True))
        t30.Sender._send_frames(self, frames)


def test_extra_v21_frame_between_dcs_and_tcf():
    out_s, out_r, sink, la, lb, clock = _pair(sender_cls=_ExtraFrameSender)

    assert out_s.status == "delivered" and out_r.status == "received"
    assert any("<- NSS (4 octets)" in ln for ln in lb)
    assert sum(1 for ln in lb if "-> CFR" in ln) == 1
    assert len(sink.pages) == 2


def test_dis_with_many_extension_octets():
    # 12 FIF octets as SpanDSP 0.0.6 sends (extension bit set in octets 3 to 11),
    # superfine and 2-D offered, unknown bits set in the later octets.
    fif = fr.make_dis((fr.MODEM_V27TER, fr.MODEM_V29), fine=True, mr=True, superfine=True)
    fif.extend(bytes(12 - len(fif)))
    for octet in range(3, 12):
        fr.set_bit(fif, 8 * octet)  # extension bits 24, 32, ..., 88
    fif[7] |= 0x5A
    fif[10] |= 0x0F
    fr.set_bit(fif, 96, 0)  # last octet: no further extension
    caps = fr.Capabilities(fif)

    assert caps.superfine and caps.mr and caps.fine
    out, far, log, modem = _call(dis_fif=fif, heights=(2,))

    assert out.status == "delivered"
    assert fr.get_bit(far.dcs[3:], 15) == 1 and fr.get_bit(far.dcs[3:], 16) == 0
    assert any("<- DIS V.27ter+V.29, up to superfine, MH/MR" in ln for ln in log)


def test_pps_ignored_once_is_repeated_within_t4():
    state = {"dropped": 0, "sent_at": [], "clock": None}

    def drop_first_pps(f):
        if fr.name_of(f) == "PPS":
            state["sent_at"].append(state["clock"].now)
            if state["dropped"] == 0:
                state["dropped"] = 1
                return True
        return False

    clock = ff.Clock()
    state["clock"] = clock
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    ma.drop = drop_first_pps
    sink = ff.RecordingSink()
    la, lb = [], []
    s = t30.Sender(ma, ff, ff.Pages([3]), clock, la.append, ff.CopyEncoder, ecm=True)
    r = t30rx.Receiver(mb, ff, sink, clock, lb.append)
    out_s, out_r = ff.run_pair(s, r, clock)

    assert out_s.status == "delivered" and out_r.num_pages == 1
    first, second = state["sent_at"][:2]
    # The repeat starts T4 (3 s) after the first PPS has gone, and itself lasts
    # 75 ms + 1 s of flags + the frame: at most 3 s + 1.5 s later.
    assert 3000 <= second - first <= 4500
    assert sum(1 for ln in la if "-> PPS-EOP" in ln) == 2
    assert sink.pages and len(sink.pages) == 1


def test_pip_on_the_last_page_completes_the_fax():
    out, far, log, modem = _call(heights=(2,), page_answers=("PIP",))

    assert out.status == "delivered" and out.num_pages == 1
    assert far.log[-1] == "DCN"


def test_pip_before_the_last_page_ends_the_call_with_pages_counted():
    out, far, log, modem = _call(heights=(2, 2), page_answers=("PIP",))

    assert out.status == "failed" and out.num_pages == 1
    assert (out.error_code, out.error_message) == t30.ERR_INTERRUPT
    assert far.log[-1] == "DCN"


def test_pin_rejects_the_page_and_ends_the_call():
    out, far, log, modem = _call(heights=(2, 2), page_answers=("PIN",))

    assert out.status == "failed" and out.num_pages == 0
    assert (out.error_code, out.error_message) == t30.ERR_INTERRUPT


def test_line_drops_after_mcf_to_eop_counts_as_delivered_and_received():
    # The caller's DCN never arrives: our receiver waits T2 in phase E and keeps
    # the pages; the sender has had its MCF, so for it the fax is delivered.
    def drop_dcn(f):
        return fr.name_of(f) == "DCN"
    out_s, out_r, sink, la, lb, clock = _pair(drop_a=drop_dcn)

    assert out_s.status == "delivered" and out_s.num_pages == 2
    assert out_r.status == "received" and out_r.num_pages == 2
    assert len(sink.pages) == 2


def test_far_mcf_to_eop_then_silence_is_delivered():
    # The far machine answers MCF to EOP and then hangs up without DCN.
    out, far, log, modem = _call(heights=(2,), page_answers=("MCF",))

    assert out.status == "delivered" and out.num_pages == 1


def test_dcn_in_the_middle_of_phase_d():
    out, far, log, modem = _call(heights=(2, 2, 2), page_answers=("MCF", "DCN"))

    assert out.status == "failed"
    assert out.num_pages == 1
    assert (out.error_code, out.error_message) == t30.ERR_REMOTE_HANGUP


def test_dcn_from_the_caller_after_mps_ends_reception_with_pages_kept():
    class _QuitAfterFirstPage(t30.Sender):
        def _page_done(self, retrain=False):
            self._pages_sent += 1
            self._send_frames((fr.make_frame(fr.FCF_DCN, x_bit=True),))
            self._set_state(t30.S_PHASE_E)
    out_s, out_r, sink, la, lb, clock = _pair(sender_cls=_QuitAfterFirstPage, heights=(2, 2))

    assert out_r.status == "received" and out_r.num_pages == 1
    assert len(sink.pages) == 1


def test_crp_makes_us_repeat_the_post_page_command():
    out, far, log, modem = _call(heights=(2, 2), page_answers=("CRP", "MCF", "MCF"))

    assert out.status == "delivered" and out.num_pages == 2
    assert far.log.count("MPS") == 2 and far.log.count("EOP") == 1
    assert any("CRP: repeating the command" in ln for ln in log)
