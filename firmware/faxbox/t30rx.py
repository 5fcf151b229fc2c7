# T.30 receiving terminal (answering, non-ECM): phases A to E.
#
# Standard: ITU-T T.30 (09/2005). Timer values and the TCF and copy-quality rules
# the standard leaves to the implementer follow fax-protocol.md §2.3, §2.6 and §2.7;
# each choice is named where it is made.
#
# Like the sender (t30.py) it is fed modem events, polled once per audio block, and
# reads time only from the board's clock. Received page data goes to a sink:
#   sink.start_page(width, res, coding) ; sink.data(octets) ;
#   sink.end_page() -> (rows, bad_rows)
# where res is the resolution level (0 standard, 1 fine, 2 superfine: true when finer
# than standard, as the old `fine` flag was) and coding "MH", "MR" or "MMR", both as
# the DCS selected them.
# which decodes and stores the page (the box's spool, a TIFF on the host).
from micropython import const

from . import t30frames as fr
from .t30 import Outcome

_T1_MS = const(35000)  # no DCS from the caller within T1 -> give up
_T2_MS = const(6000)  # waiting for a command (T.30 §5.4.3.1: 6 +/- 1 s)
_T4_MS = const(3000)  # DIS repeated if no answer within T4
# TCF lasts 1.5 s (T.30 §5.3.6.2.3): judged when the carrier drops, or at the latest
# this long after training, for a line whose noise keeps carrier detection on.
_TCF_JUDGE_MS = const(2000)
# No training at all within this time after the DCS (75 ms + the longest training,
# V.17 1.4 s, + 1.5 s of TCF): the TCF was not received;
# answer FTT so that the caller falls back (rather than leave it to T4).
_TCF_WAIT_MS = const(3200)
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
_ECM_FRAMES = const(256)  # frames per ECM block at most (T.30 Annex A)
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
                 our_modems=(fr.MODEM_V27TER, fr.MODEM_V29), codings=("MH", "MR", "MMR"),
                 superfine=True, max_rate=None, ecm=True):
        self.m = modem
        self.fm = fm
        self.sink = sink
        self.clock = clock
        self._log = log
        self.ident = ident
        self.our_modems = our_modems
        self.codings = codings
        self.superfine = superfine
        # Highest rate accepted: a TCF above it gets FTT, so the sender steps down
        # (a test and configuration knob; T.30 §5.3.6.1.5 leaves FTT to the receiver).
        self.max_rate = max_rate
        self.want_ecm = ecm
        self._ecm = False  # negotiated by the DCS
        self._frame_size = 256
        self._block = None  # ECM block buffer: allocated when a DCS asks for ECM
        self._have = bytearray(32)  # frames of the block received (bitmap, as PPR's)
        self._last_len = 0  # octets of the highest-numbered frame received
        self._ecm_page_open = False
        self._ecm_bad = 0
        self._last_pps = None  # (page, block) of the last block delivered
        self._last_resp = None  # our last ECM response, resent for a repeated command
        self._long_next = False
        self._top = -1
        self._block_count = 0
        self._page_attempt = False
        self._last_post = None  # (response, next state) to the last post-page command
        self._coding = "MH"
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
        self._tcf_trained = 0
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
        frames.append(fr.make_frame(fr.FCF_DIS, fr.make_dis(
            self.our_modems, fine=True, mr="MR" in self.codings, superfine=self.superfine,
            ecm=self.want_ecm, mmr=self.want_ecm and "MMR" in self.codings)))
        self._send(frames, R_WAIT_DCS)

    def on_event(self, ev):
        fm = self.fm
        kind = ev[0]
        st = self.state
        if kind == fm.EV_FRAME:
            if not ev[2]:
                self.log("<- frame with bad FCS (%d octets) ignored" % len(ev[1]))
                return
            fcf = fr.fcf_of(ev[1])
            if fcf != fr.FCF_FCD and fcf != fr.FCF_RCP:  # image frames: too many to log
                self.log("<- " + fr.describe(ev[1]))
            self._t1_end = self.clock.ms() + _T1_MS
            self._on_frame(ev[1])
        elif kind == fm.EV_DATA:
            if st == R_TCF:
                self._tcf_data(ev[1])
            elif st == R_PAGE and self._in_page:
                self.sink.data(ev[1])
                ended = getattr(self.sink, "ended", None)
                if ended is not None and ended():
                    # RTC decoded: the page is over even if noise keeps the
                    # carrier detector on; listen for the post-page command.
                    self._end_page()
        elif kind == fm.EV_TRAINED:
            if st == R_TCF and ev[1]:
                self._tcf_trained = self.clock.ms()
            if st == R_PAGE:
                self._page_attempt = True
            if self._ecm:
                return
            if st == R_PAGE and ev[1] and not self._in_page:
                self._in_page = True
                self.log("page %d: trained, receiving" % (self._pages + 1))
                self.sink.start_page(1728, self._fine, self._coding)
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
        elif self._ecm and name in ("FCD", "RCP", "PPS", "CTC", "EOR", "RR"):
            self._on_ecm_frame(name, f)
        elif name in ("MPS", "EOP", "EOM") and st in (R_POST, R_PAGE):
            if self._in_page:
                self._end_page()
            elif st == R_PAGE and not self._page_attempt and self._last_post is not None:
                # Nothing came on the fast modem since our answer: the caller did
                # not hear it and repeats its command (T.30 §5.4.3.1). Answer again.
                self.log("repeated %s: answering again" % name)
                self._reply(self._last_post[0], self._last_post[1])
                return
            elif st == R_PAGE:
                # A page was attempted but never trained: it did not arrive.
                self._page_rows = 0
                self._page_bad = 0
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
        self._fine = fr.dcs_res(fif)
        self._coding = fr.dcs_coding(fif)
        self._ecm = bool(fr.get_bit(fif, fr.BIT_ECM)) and self.want_ecm
        if self._ecm:
            # DCS bit 28 = 1: 64-octet frames, 0: 256 (Table 2/T.30).
            self._frame_size = 64 if fr.get_bit(fif, fr.BIT_ECM_64) else 256
            if self._block is None or len(self._block) < _ECM_FRAMES * self._frame_size:
                self._block = None
                self._block = bytearray(_ECM_FRAMES * self._frame_size)
            self._new_block()
        self._tcf_run = 0
        self._tcf_best = 0
        self._tcf_trained = 0
        self.m.rx_mode(self.fm.RX_FAST, self._modem_id(self._modem), self._rate)
        self._deadline = self.clock.ms() + _TCF_WAIT_MS
        self._set_state(R_TCF)

    # --- ECM (T.30 Annex A) --------------------------------------------------------
    def _new_block(self):
        have = self._have
        for i in range(32):
            have[i] = 0
        self._last_len = 0
        self._top = -1
        self._block_count = 0

    def _on_ecm_frame(self, name, f):
        st = self.state
        if name == "FCD":
            if st != R_PAGE or len(f) < 5:
                return
            k = f[3]
            n = len(f) - 4
            fs = self._frame_size
            if n > fs:
                return
            self._block[k * fs:k * fs + n] = memoryview(f)[4:]
            self._have[k >> 3] |= 1 << (k & 7)
            if k >= self._top:
                self._top = k
                self._last_len = n
            # Frames keep coming: T2 runs from the last one (a 256-frame block at
            # 2400 bit/s lasts about 4 minutes).
            self._deadline = self.clock.ms() + _T2_MS
            return
        if name == "RCP":
            # The burst is over: listen on V.21 alone for the PPS, whatever the
            # fast receiver's carrier detector makes of line noise.
            if st == R_PAGE:
                self.m.rx_mode(self.fm.RX_V21)
            return
        fif = f[3:]
        if name == "RR":
            if self._last_resp is not None:
                self._send((self._last_resp,), self._after_reply)
            return
        if name == "CTC":
            code = fr.get_field(fif, fr.BIT_RATE_1, 4)
            for rate, modem, c in fr.FALLBACK:
                if c == code and modem in self.our_modems:
                    self._rate, self._modem = rate, modem
            self.log("continuing at %d bit/s %s after CTC" % (self._rate, self._modem))
            self._long_next = True
            self._respond(fr.make_frame(fr.FCF_CTR), R_PAGE)
            return
        if len(fif) < 1:
            return
        fcf2 = fr.fcf2_of(fif[0])
        if name == "PPS":
            if len(fif) < 4:
                return
            key = (fif[1], fif[2])
            if key == self._last_pps:
                # Our MCF was lost: the block is already in (T.30 Annex A).
                self._respond(self._last_resp, self._after_reply)
                return
            # The frame count of a PPS after a resend is the block's for some senders
            # and the resent burst's for others (SpanDSP 0.0.6): keep the largest
            # seen for this block, and never less than the frames received.
            count = max(fif[3] + 1, self._block_count, self._top + 1)
            self._block_count = count
            have = self._have
            missing = bytearray(32)
            bad = 0
            for k in range(count):
                if not (have[k >> 3] >> (k & 7)) & 1:
                    missing[k >> 3] |= 1 << (k & 7)
                    bad += 1
            if bad:
                self.log("block %d: %d of %d frames missing" % (fif[2], bad, count))
                self._respond(fr.make_frame(fr.FCF_PPR, missing), R_PAGE)
                return
            self._deliver_block(count)
            self._last_pps = key
        else:  # EOR: keep what came, the block stays imperfect
            self._ecm_bad += 1
            self._deliver_block(self._top + 1)
            self._last_pps = None
        self._after_block(fcf2, fr.FCF_MCF if name == "PPS" else fr.FCF_ERR)

    def _deliver_block(self, count):
        fs = self._frame_size
        if not self._ecm_page_open:
            self._ecm_page_open = True
            self.log("page %d: receiving (ECM)" % (self._pages + 1))
            self.sink.start_page(1728, self._fine, self._coding)
        have = self._have
        blk = memoryview(self._block)
        for k in range(count):
            if (have[k >> 3] >> (k & 7)) & 1:
                self.sink.data(blk[k * fs:k * fs + (self._last_len if k == count - 1 else fs)])
        self._new_block()

    def _after_block(self, fcf2, resp):
        if fcf2 == fr.FCF_NULL:
            self._respond(fr.make_frame(resp), R_PAGE)
            return
        rows, bad = self.sink.end_page() if self._ecm_page_open else (0, 0)
        self._ecm_page_open = False
        self.log("page %d: %d rows, %d bad (ECM)" % (self._pages + 1, rows, bad))
        if rows:
            self._pages += 1
        self._ecm_bad = 0
        if fcf2 == fr.FCF_EOP:
            then = R_WAIT_DCN
        elif fcf2 == fr.FCF_EOM:
            then = R_DIS
        else:
            then = R_PAGE
        self._respond(fr.make_frame(resp), then)

    def _respond(self, frame, then):
        self._last_resp = frame
        self._send((frame,), then)

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
        self._tcf_trained = 0
        need = self._rate * _TCF_MIN_RUN_MS // 8000
        ok = self._tcf_best >= need
        if ok and self.max_rate and self._rate > self.max_rate:
            ok = False
            self.log("TCF at %d bit/s is above our limit of %d" % (self._rate, self.max_rate))
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
        elif self._page_rows:
            # A rejected page is not kept: the caller sends it again.
            reject = getattr(self.sink, "reject_page", None)
            if reject is not None:
                reject()
        if name == "EOP":
            then = R_WAIT_DCN
        elif name == "EOM":
            then = R_DIS
        elif fcf == fr.FCF_RTN:
            # The sender retrains (new DCS + TCF) and resends (T.30 §5.3.6.1.8).
            then = R_WAIT_DCS
        else:
            then = R_PAGE
        self._last_post = (fcf, then)
        self._reply(fcf, then)

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
            if st == R_TCF and self._tcf_trained and now >= self._tcf_trained + _TCF_JUDGE_MS:
                self._judge_tcf()
            elif now >= self._t1_end and st == R_WAIT_DCS:
                # T1 without a DCS (or without anything since the last frame):
                # the caller has gone (T.30 §5.4.3.1).
                if self._pages:
                    self._finish("received")
                else:
                    self._finish("failed", ERR_NO_DCS)
            elif now >= self._deadline and not self._in_page:
                self._timeout(st)

    def _listen(self, st):
        m = self.m
        if st == R_DIS:
            self._send_dis()
            return
        if st == R_PAGE:
            self._page_attempt = False
        if st == R_PAGE and self._ecm:
            # ECM phase C: HDLC frames on the fast carrier; V.21 (PPS and the other
            # commands) is heard in the same mode. V.17 image data trains short
            # after TCF and long after CTC.
            short = self._modem == fr.MODEM_V17 and not self._long_next
            self._long_next = False
            m.rx_mode(self.fm.RX_FAST, self._modem_id(self._modem), self._rate, short, True)
            self._deadline = self.clock.ms() + _T2_MS
        elif st == R_PAGE:
            # V.17 image data after a TCF comes with the short training (T.30 §5.3.2).
            m.rx_mode(self.fm.RX_FAST, self._modem_id(self._modem), self._rate,
                      self._modem == fr.MODEM_V17)
            self._deadline = self.clock.ms() + _T2_MS
        elif st == R_WAIT_DCS:
            m.rx_mode(self.fm.RX_V21)
            self._deadline = self.clock.ms() + _T4_MS
        else:
            m.rx_mode(self.fm.RX_V21)
            self._deadline = self.clock.ms() + _T2_MS
        self._set_state(st)

    def _timeout(self, st):
        if st == R_TCF:
            if not self._tcf_trained:
                self.log("no TCF: the fast receiver did not train")
                self._judge_tcf()
            return
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
