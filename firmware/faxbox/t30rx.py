# T.30 receiving terminal (answering, non-ECM): phases A to E.
#
# Standard: ITU-T T.30 (09/2005). Timer values and the TCF and copy-quality rules
# the standard leaves to the implementer follow fax-protocol.md §2.3, §2.6 and §2.7;
# each choice is named where it is made.
#
# Like the sender (t30.py) it is fed modem events, polled once per audio block, and
# reads time only from the board's clock. Received page data goes to a sink:
#   sink.start_page(width, fine, coding) ; sink.data(octets) ;
#   sink.end_page() -> (rows, bad_rows)
# which decodes and stores the page (the box's spool, a TIFF on the host).
from micropython import const

from . import t30frames as fr
from .t30 import Outcome

_T1_MS = const(35000)  # no DCS from the caller within T1 -> give up
_T2_MS = const(6000)  # waiting for a command (T.30 §5.4.3.1: 6 +/- 1 s)
_T4_MS = const(3000)  # DIS repeated if no answer within T4
_TURNAROUND_MS = const(75)
_PREAMBLE_MS = const(1000)
_CED_DELAY_MS = const(200)  # silence after answering, then CED (T.30 §4.3.1)
_CED_MS = const(3300)  # CED 2100 Hz for 2.6 to 4 s
# TCF passes with a run of zero octets lasting 1 s of the 1.5 s sent (SpanDSP and
# HylaFAX both ask for about 1 s; T.30 leaves the judgement to the receiver).
_TCF_MIN_RUN_MS = const(1000)
# Copy quality (non-ECM): MCF up to 5 % bad rows, RTP up to 15 %, RTN beyond
# (SpanDSP's thresholds, from the TSB-85 test pages). A page with no rows is bad.
_GOOD_BAD_PERCENT = const(5)
_RTP_BAD_PERCENT = const(15)

R_ANSWER = const(0)  # silence, CED
R_DIS = const(1)  # sending CSI + DIS
R_WAIT_DCS = const(2)  # waiting for TSI/DCS
R_TCF = const(3)  # receiving TCF
R_REPLY = const(4)  # sending CFR/FTT/MCF/RTP/RTN
R_PAGE = const(5)  # receiving page data
R_POST = const(6)  # waiting for MPS/EOP/EOM
R_WAIT_DCN = const(7)
R_DONE = const(8)

_NAMES = ("answer", "phase B (DIS)", "phase B (wait DCS)", "phase B (TCF)", "reply",
          "phase C", "phase D (wait post-page)", "phase E (wait DCN)", "done")

ERR_NO_DCS = (34004, "The calling machine sent no DCS within 35 s")
ERR_NO_PAGE = (34004, "The calling machine stopped before sending a page")
ERR_REMOTE_HANGUP = (34004, "The calling machine hung up (DCN) during the call")


class Receiver:
    """Answers a call and receives pages into `sink`."""

    def __init__(self, modem, fm, sink, clock, log, ident="",
                 our_modems=(fr.MODEM_V27TER, fr.MODEM_V29)):
        self.m = modem
        self.fm = fm
        self.sink = sink
        self.clock = clock
        self._log = log
        self.ident = ident
        self.our_modems = our_modems
        self.state = R_ANSWER
        self.outcome = None
        self.remote_id = None
        self._t0 = clock.ms()
        self._t1_end = self._t0 + _T1_MS
        self._deadline = 0
        self._after_reply = R_WAIT_DCS
        self._rate = 0
        self._modem = None
        self._fine = False
        self._tcf_run = 0
        self._tcf_best = 0
        self._pages = 0
        self._page_rows = 0
        self._page_bad = 0
        self._in_page = False

    def _t(self):
        return self.clock.ms() - self._t0

    def log(self, text):
        t = self._t()
        self._log("%4d.%03d t30: %s" % (t // 1000, t % 1000, text))

    def _set_state(self, st):
        if st != self.state:
            self.log("%s -> %s" % (_NAMES[self.state], _NAMES[st]))
        self.state = st

    @property
    def done(self):
        return self.state == R_DONE and self.m.tx_idle()

    def _modem_id(self, modem):
        return self.fm.V29 if modem == fr.MODEM_V29 else (
            self.fm.V17 if modem == fr.MODEM_V17 else self.fm.V27TER)

    def _send(self, frames, then):
        m = self.m
        m.rx_mode(self.fm.RX_OFF)
        m.tx_silence(_TURNAROUND_MS)
        m.tx_v21(_PREAMBLE_MS)
        n = len(frames)
        for i in range(n):
            m.tx_frame(frames[i], i == n - 1)
            self.log("-> " + fr.describe(frames[i]))
        self._after_reply = then
        self._set_state(R_REPLY)

    def _reply(self, fcf, then):
        self._send((fr.make_frame(fcf),), then)

    def _finish(self, status, err=None):
        code, msg = err if err else (None, None)
        self.outcome = Outcome(status, code, msg, self._pages, self.remote_id,
                               (self._t() + 500) // 1000, self._rate, self._modem)
        self.log("call %s: %d page(s)%s" % (status, self._pages, ": " + msg if msg else ""))
        self.m.rx_mode(self.fm.RX_OFF)
        self._set_state(R_DONE)

    # --- engine ------------------------------------------------------------------
    def start(self):
        m = self.m
        self.log("answering: CED")
        m.rx_mode(self.fm.RX_OFF)
        m.tx_silence(_CED_DELAY_MS)
        m.tx_tone(self.fm.CED, _CED_MS)

    def _send_dis(self):
        frames = []
        if self.ident:
            frames.append(fr.make_frame(fr.FCF_CSI, fr.encode_ident(self.ident), final=False))
        frames.append(fr.make_frame(fr.FCF_DIS, fr.make_dis(self.our_modems, fine=True)))
        self._send(frames, R_WAIT_DCS)

    def on_event(self, ev):
        fm = self.fm
        kind = ev[0]
        st = self.state
        if kind == fm.EV_FRAME:
            if not ev[2]:
                self.log("<- frame with bad FCS (%d octets) ignored" % len(ev[1]))
                return
            self.log("<- " + fr.describe(ev[1]))
            self._on_frame(ev[1])
        elif kind == fm.EV_DATA:
            if st == R_TCF:
                self._tcf_data(ev[1])
            elif st == R_PAGE and self._in_page:
                self.sink.data(ev[1])
        elif kind == fm.EV_TRAINED:
            if st == R_PAGE and ev[1] and not self._in_page:
                self._in_page = True
                self.log("page %d: trained, receiving" % (self._pages + 1))
                self.sink.start_page(1728, self._fine, "MH")
        elif kind == fm.EV_CARRIER:
            on, which = ev[1], ev[2]
            if on or which == fm.V21:
                return
            if st == R_TCF:
                self._judge_tcf()
            elif st == R_PAGE and self._in_page:
                self._end_page()

    def _on_frame(self, f):
        name = fr.name_of(f)
        st = self.state
        if name == "TSI":
            self.remote_id = fr.decode_ident(f[3:])
        elif name == "DCS":
            self._on_dcs(f)
        elif name in ("MPS", "EOP", "EOM") and st in (R_POST, R_PAGE):
            if self._in_page:
                self._end_page()
            self._post_page(name)
        elif name == "DCN":
            if self._pages and st in (R_WAIT_DCN, R_POST, R_PAGE):
                self._finish("received")
            else:
                self._finish("failed", ERR_REMOTE_HANGUP)

    def _on_dcs(self, f):
        fif = f[3:]
        code = fr.get_field(fif, fr.BIT_RATE_1, 4)
        self._rate = 0
        for rate, modem, c in fr.FALLBACK:
            if c == code and modem in self.our_modems:
                self._rate, self._modem = rate, modem
        if not self._rate:
            self.log("DCS asks for a modem this box lacks")
            self._reply(fr.FCF_FTT, R_WAIT_DCS)
            return
        self._fine = bool(fr.get_bit(fif, fr.BIT_FINE))
        self._tcf_run = 0
        self._tcf_best = 0
        self.m.rx_mode(self.fm.RX_FAST, self._modem_id(self._modem), self._rate)
        self._deadline = self.clock.ms() + _T2_MS
        self._set_state(R_TCF)

    def _tcf_data(self, data):
        run = self._tcf_run
        best = self._tcf_best
        for b in data:
            if b == 0:
                run += 1
                if run > best:
                    best = run
            else:
                run = 0
        self._tcf_run = run
        self._tcf_best = best

    def _judge_tcf(self):
        need = self._rate * _TCF_MIN_RUN_MS // 8000
        ok = self._tcf_best >= need
        self.log("TCF: longest run of zeros %d octets, need %d: %s" % (
            self._tcf_best, need, "good" if ok else "bad"))
        if ok:
            self._reply(fr.FCF_CFR, R_PAGE)
        else:
            self._reply(fr.FCF_FTT, R_WAIT_DCS)

    def _end_page(self):
        self._in_page = False
        rows, bad = self.sink.end_page()
        self._page_rows = rows
        self._page_bad = bad
        self.log("page %d: %d rows, %d bad" % (self._pages + 1, rows, bad))
        self.m.rx_mode(self.fm.RX_V21)
        self._deadline = self.clock.ms() + _T2_MS
        self._set_state(R_POST)

    def _quality(self):
        rows, bad = self._page_rows, self._page_bad
        if rows == 0:
            return fr.FCF_RTN
        if bad * 100 <= rows * _GOOD_BAD_PERCENT:
            return fr.FCF_MCF
        if bad * 100 <= rows * _RTP_BAD_PERCENT:
            return fr.FCF_RTP
        return fr.FCF_RTN

    def _post_page(self, name):
        fcf = self._quality()
        if fcf != fr.FCF_RTN:
            self._pages += 1
        if name == "EOP":
            self._reply(fcf, R_WAIT_DCN)
        elif name == "EOM":
            self._reply(fcf, R_DIS)
        elif fcf == fr.FCF_RTN:
            # The sender retrains (new DCS + TCF) and resends (T.30 §5.3.6.1.8).
            self._reply(fcf, R_WAIT_DCS)
        else:
            self._reply(fcf, R_PAGE)

    def poll(self):
        st = self.state
        if st == R_DONE:
            return
        now = self.clock.ms()
        m = self.m
        if st == R_ANSWER:
            if m.tx_idle():
                self._send_dis()
        elif st == R_REPLY:
            if m.tx_idle():
                self._listen(self._after_reply)
        elif st in (R_WAIT_DCS, R_TCF, R_PAGE, R_POST, R_WAIT_DCN):
            if now >= self._t1_end and self._rate == 0 and st == R_WAIT_DCS:
                self._finish("failed", ERR_NO_DCS)
            elif now >= self._deadline and not self._in_page:
                self._timeout(st)

    def _listen(self, st):
        m = self.m
        if st == R_DIS:
            self._send_dis()
            return
        if st == R_PAGE:
            m.rx_mode(self.fm.RX_FAST, self._modem_id(self._modem), self._rate)
            self._deadline = self.clock.ms() + _T2_MS
        elif st == R_WAIT_DCS:
            m.rx_mode(self.fm.RX_V21)
            self._deadline = self.clock.ms() + _T4_MS
        else:
            m.rx_mode(self.fm.RX_V21)
            self._deadline = self.clock.ms() + _T2_MS
        self._set_state(st)

    def _timeout(self, st):
        if st == R_WAIT_DCS:
            self.log("no DCS within T4: DIS again")
            self._send_dis()
        elif st == R_WAIT_DCN:
            # The line dropped after our MCF to EOP: the pages are in (T.30 §5.3.6.1.7
            # leaves this to the receiver; SpanDSP counts the call as received).
            self._finish("received")
        elif st == R_PAGE and self._pages:
            self._finish("received")
        elif st == R_PAGE:
            self._finish("failed", ERR_NO_PAGE)
        else:
            self.log("no command within T2")
            self._listen(R_WAIT_DCS)
