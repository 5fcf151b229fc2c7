# T.30 sending terminal (calling, non-ECM): phases A to E.
#
# Standard: ITU-T T.30 (09/2005); section and table numbers below are from it.
# Numbers not found in the standard's text here come from fax-protocol.md, which
# collects what SpanDSP, HylaFAX and efax do; each such choice says so.
#
# The engine is fed events from the modem set (frames, carrier, tones) and polled
# once per audio block; it drives the modem through the `faxmodem.Modem` API and
# reads time only from the clock the board gives it, so on the sim board a call
# runs in sample time and always the same way. It never touches samples.
from micropython import const

from . import t30frames as fr

# Timers, ms (T.30 §5.4.3.1 and Annex; values as fax-protocol.md §2.3).
_T1_MS = const(35000)  # phase A: no DIS from a fax machine within T1 -> give up
_T4_MS = const(3000)  # response timeout; repeat the command
_TURNAROUND_MS = const(75)  # silence between different modulations, 75 +/- 20 ms
_PREAMBLE_MS = const(1000)  # V.21 flags before the first frame, 1 s +/- 15 %
_TCF_MS = const(1500)  # TCF: zeros for 1.5 s +/- 10 % (T.30 §5.3.6.2.3)
_MAX_COMMAND_TRIES = const(3)  # a command is sent at most 3 times (T.30 §5.4.3.1)
_MAX_PAGE_RETRIES = const(3)  # a page after RTN: resent at most 3 times (efax: 2)
# ECM (T.30 Annex A): a block is at most 256 frames; after 4 PPRs for the same block
# the sender changes speed (CTC) or gives up on the block (EOR) (fax-protocol.md
# §2.8, as SpanDSP); RR polling after RNR for at most T5 = 60 s (T.30 §5.4.3.1).
_ECM_FRAMES = const(256)
_PPR_LIMIT = const(4)
_T5_MS = const(60000)
_RCP_COUNT = const(3)

# CNG cadence: 1100 Hz for 0.5 s, then 3 s silence (T.30 §4.2.2). Queued piece by
# piece so that a DIS is answered within 500 ms of arriving rather than after a
# whole cycle.
_CNG_ON_MS = const(500)
_CNG_OFF_MS = const(3000)
_CNG_STEP_MS = const(100)

# One coded row at most: faxt4.max_row_octets(1728, 576) is 3,756 (alternating pels,
# MH, plus fill for 40 ms at 14400 bit/s). Allocated once per call.
_CODED_ROW_OCTETS = const(3840)

# States, named after the phases of T.30 Figure 5-2.
S_PHASE_A = const(0)  # calling: CNG out, waiting for DIS
S_PHASE_B_TX = const(1)  # sending TSI, DCS and then TCF
S_PHASE_B_WAIT = const(2)  # waiting for CFR / FTT
S_PHASE_C = const(3)  # sending page data
S_PHASE_D_TX = const(4)  # sending MPS / EOP
S_PHASE_D_WAIT = const(5)  # waiting for MCF / RTN / RTP
S_PHASE_E = const(6)  # sending DCN
S_DONE = const(7)

_STATE_NAMES = ("phase A", "phase B (DCS/TCF)", "phase B (wait CFR)", "phase C",
                "phase D (post-page)", "phase D (wait MCF)", "phase E", "done")


class Outcome:
    """The result of a call, in the API's terms (status, error code and message)."""

    def __init__(self, status, error_code=None, error_message=None, num_pages=0,
                 remote_station_id=None, duration_s=0, bit_rate=0, modem=None):
        self.status = status
        self.error_code = error_code
        self.error_message = error_message
        self.num_pages = num_pages
        self.remote_station_id = remote_station_id
        self.duration_s = duration_s
        self.bit_rate = bit_rate
        self.modem = modem


# Call failures: (error code, message). The Twilio Fax API has 34004 for errors during
# transmission and 34108 for an incompatible far end (twilio-fax-api.md §3).
ERR_NO_FAX_ANSWER = (34004, "No fax machine answered: no fax signal (DIS) within 35 s")
ERR_CANNOT_RECEIVE = (34108, "The far machine cannot receive faxes")
ERR_INCOMPATIBLE = (34108, "The far machine has no modem in common with the box")
ERR_TRAINING = (34004, "Training failed at every rate the far machine accepts")
ERR_NO_RESPONSE_DCS = (34004, "No response to DCS/TCF after 3 tries")
ERR_NO_RESPONSE_PAGE = (34004, "No response after a page after 3 tries")
ERR_PAGE_REJECTED = (34004, "The far machine rejected a page 3 times (RTN): poor line")
ERR_REMOTE_HANGUP = (34004, "The far machine hung up (DCN) during the call")
ERR_UNEXPECTED = (34004, "Unexpected response from the far machine")
ERR_INTERRUPT = (34004, "The far machine asked for an operator (procedure interrupt)")
ERR_T5 = (34004, "The far machine stayed busy (RNR) for longer than T5 (60 s)")
ERR_CANCELED = (None, "Canceled")


class Sender:
    """Sends `pages` (an object with `count` and `open(i)` returning a page reader with
    `height`, `y_res` and `rows()`) as the calling terminal.

    modem: a faxmodem.Modem (or a frame-level stand-in with the same methods);
    fm: the module that defines its constants (faxmodem);
    encoder_factory(width, min_row_bits) -> object with encode(row, out)/finish(out),
    an MH encoder, used when `t4` is None; clock: object with ms(); log: callable(str).

    t4: the faxt4 module: with it the sender codes each page itself in the coding it
    chose (MH, MR with K = 2/4/8 at standard/fine/superfine, MMR only with ECM;
    T.4 §4.2.1.3.4); without it, MH through `encoder_factory`.
    fine: False keeps every call at standard resolution; True allows fine and, for a
    page prepared at superfine, superfine when the far machine has it.
    max_rate: the highest bit rate to try (None: no limit); codings: the codings we
    may choose; ecm: whether ECM may be used (needed for MMR).
    """

    def __init__(self, modem, fm, pages, clock, log, encoder_factory, ident="",
                 our_modems=(fr.MODEM_V27TER, fr.MODEM_V29), fine=True, t4=None,
                 max_rate=None, codings=("MH", "MR", "MMR"), ecm=True, ecm_frame_size=256):
        self.m = modem
        self.fm = fm
        self.pages = pages
        self.clock = clock
        self._log = log
        self._enc_factory = encoder_factory
        self.ident = ident
        self.our_modems = our_modems
        self.want_fine = fine
        self.t4 = t4
        self.max_rate = max_rate
        self.codings = codings if t4 is not None else ("MH",)
        self.want_ecm = ecm
        self.ecm = False  # negotiated
        self._frame_size = 64 if ecm_frame_size == 64 else 256
        self._block = None  # ECM block buffer, allocated once when ECM is chosen
        self._fcd = None
        self._carry = None
        self._block_len = 0
        self._block_frames = 0
        self._last_block = False
        self._block_no = 0
        self._ppr_count = 0
        self._to_send = ()
        self._send_i = 0
        self._rcp_left = 0
        self._long_train = False
        self._ecm_cmd = None  # the last phase D command, repeated on T4
        self._ecm_cmd_saved = None  # the command an RR poll stands in for
        self._t5_end = 0
        self._ecm_errors = 0
        self.coding = "MH"
        self._res = fr.RES_STANDARD
        self.state = S_PHASE_A
        self.outcome = None
        self.remote_id = None
        self.caps = None
        self._ladder = ()
        self._step = 0
        self._tries = 0
        self._page = 0
        self._page_retries = 0
        self._pages_sent = 0
        self._fine = False
        self._min_scan_ms = 20
        self._t0 = clock.ms()
        self._deadline = self._t0 + _T1_MS
        self._cng_phase_ms = 0
        self._pending = None  # memoryview of data not yet accepted by the modem
        self._rows = None  # row iterator of the page being sent
        self._enc = None
        self._tcf_left = 0
        self._out = bytearray(_CODED_ROW_OCTETS)
        self._zeros = bytes(256)
        self._post_fcf = 0

    # --- plumbing -----------------------------------------------------------
    def _t(self):
        return self.clock.ms() - self._t0

    def log(self, text):
        t = self._t()
        self._log("%4d.%03d t30: %s" % (t // 1000, t % 1000, text))

    def _set_state(self, state):
        if state != self.state:
            self.log("%s -> %s" % (_STATE_NAMES[self.state], _STATE_NAMES[state]))
        self.state = state

    def _rate(self):
        return self._ladder[self._step]

    def _modem_id(self, modem):
        return self.fm.V29 if modem == fr.MODEM_V29 else (
            self.fm.V17 if modem == fr.MODEM_V17 else self.fm.V27TER)

    def _send_frames(self, frames):
        """75 ms, flags, then the frames; the last one is final."""
        m = self.m
        m.rx_mode(self.fm.RX_OFF)
        m.tx_silence(_TURNAROUND_MS)
        m.tx_v21(_PREAMBLE_MS)
        n = len(frames)
        for i in range(n):
            m.tx_frame(frames[i], i == n - 1)
            self.log("-> " + fr.describe(frames[i]))

    def _listen(self):
        """Turn the line round: V.21 receiver on, T4 running."""
        self.m.rx_mode(self.fm.RX_V21)
        self._deadline = self.clock.ms() + _T4_MS

    def _finish(self, status, err=None):
        code, msg = err if err else (None, None)
        dur = (self._t() + 500) // 1000
        rate = modem = None
        if self._ladder:
            rate, modem, _ = self._ladder[min(self._step, len(self._ladder) - 1)]
        self.outcome = Outcome(status, code, msg, self._pages_sent, self.remote_id, dur,
                               rate or 0, modem)
        if err:
            self.log("call failed: %s" % msg)
        else:
            self.log("call complete: %d page(s) %s" % (self._pages_sent, status))
        self._set_state(S_DONE)

    def _fail(self, err):
        # Send DCN so the far machine does not wait for its own timeouts (T.30 §5.4.3).
        if self.state != S_PHASE_A:
            self.m.tx_flush()
            self._send_frames((fr.make_frame(fr.FCF_DCN, x_bit=True),))
        self._finish("failed", err)

    @property
    def done(self):
        return self.state == S_DONE and self.m.tx_idle()

    def cancel(self):
        if self.state != S_DONE:
            self._fail(ERR_CANCELED)
            self.outcome.status = "canceled"

    # --- the engine -----------------------------------------------------------
    def start(self):
        self.log("calling: CNG, waiting for DIS")
        self.m.rx_mode(self.fm.RX_V21)

    def on_event(self, ev):
        kind = ev[0]
        fm = self.fm
        if kind == fm.EV_FRAME:
            data, ok = ev[1], ev[2]
            if not ok:
                self.log("<- frame with bad FCS (%d octets) ignored" % len(data))
                return
            self.log("<- " + fr.describe(data))
            self._on_frame(data)
        elif kind == fm.EV_TONE:
            if self.state == S_PHASE_A:
                self.log("<- answer tone %s" % _tone_name(fm, ev[1]))

    def _on_frame(self, f):
        name = fr.name_of(f)
        st = self.state
        if name == "CSI":
            self.remote_id = fr.decode_ident(f[3:])
            return
        if name == "NSF":
            return
        if name == "DCN" and st != S_DONE:
            if st == S_PHASE_E:
                return
            self._finish("failed", ERR_REMOTE_HANGUP)
            return
        if st == S_PHASE_A or (st == S_PHASE_B_WAIT and name == "DIS"):
            if name == "DIS" and fr.is_final(f):
                self._on_dis(f)
            return
        if st == S_PHASE_B_WAIT:
            if name == "CFR":
                self.log("training accepted at %d bit/s %s" % self._rate()[:2])
                self._start_page()
            elif name == "FTT":
                if self._step + 1 >= len(self._ladder):
                    self._fail(ERR_TRAINING)
                else:
                    self._step += 1
                    self._tries = 0
                    self.log("training failed: falling back to %d bit/s %s" % self._rate()[:2])
                    self._send_dcs()
            return
        if st == S_PHASE_D_WAIT and name == "CRP":
            # Command repeat: the far end got our command damaged (T.30 §5.3.6.1.x).
            self.log("CRP: repeating the command")
            if self.ecm:
                self._ecm_repeat()
            else:
                self._post_page()
            return
        if st == S_PHASE_D_WAIT and self.ecm:
            self._ecm_response(name, f)
            return
        if st == S_PHASE_D_WAIT:
            if name == "MCF":
                self._page_done()
            elif name == "RTP":
                # Page good enough; retrain before the next one (T.30 §5.3.6.1.8).
                self._page_done(retrain=True)
            elif name == "RTN":
                self._page_retries += 1
                if self._page_retries > _MAX_PAGE_RETRIES:
                    self._fail(ERR_PAGE_REJECTED)
                    return
                # Retrain and resend the page, one rate lower when there is one
                # (SpanDSP steps down; the standard leaves the rate to the sender).
                if self._step + 1 < len(self._ladder):
                    self._step += 1
                self.log("page %d rejected (RTN): retraining at %d bit/s %s" % (
                    (self._page + 1,) + self._rate()[:2]))
                self._send_dcs()
            elif name in ("PIP", "PIN"):
                self._interrupt(name)
            return

    def _on_dis(self, f):
        caps = fr.Capabilities(f[3:])
        self.caps = caps
        if not caps.can_receive:
            self._fail(ERR_CANNOT_RECEIVE)
            return
        first = self._ladder == ()
        ladder = caps.rates(self.our_modems)
        if self.max_rate:
            ladder = [r for r in ladder if r[0] <= self.max_rate]
        self._ladder = ladder
        if not self._ladder:
            self._fail(ERR_INCOMPATIBLE)
            return
        if first:
            self._step = 0
            self._tries = 0
            self._choose(caps)
        self._send_dcs()

    def _choose(self, caps):
        """Resolution and coding for the call, from the DIS and the first page."""
        res = fr.RES_STANDARD
        if self.want_fine and self.pages.count:
            page_res = fr.RES_NAMES.index(self.pages.open(0).y_res)
            res = min(page_res, caps.best_res())
        self._res = res
        self._fine = res != fr.RES_STANDARD
        self._min_scan_ms = caps.min_scan_ms(res)
        self.ecm = bool(self.want_ecm and caps.ecm)
        if self.ecm:
            # With ECM the minimum scan-line time is 0 (T.4 Annex A; fax-protocol.md
            # §2.6). One block buffer for the call: 256 frames of 256 or 64 octets.
            self._min_scan_ms = 0
            if self._block is None or len(self._block) != _ECM_FRAMES * self._frame_size:
                self._block = bytearray(_ECM_FRAMES * self._frame_size)
                self._fcd = bytearray(4 + self._frame_size)
        # T.6 only with ECM (Table 2/T.30 bit 31); MR when the DIS offers 2-D.
        coding = "MH"
        if "MMR" in self.codings and caps.mmr and self.ecm:
            coding = "MMR"
        elif "MR" in self.codings and caps.mr:
            coding = "MR"
        self.coding = coding

    def _send_dcs(self):
        self._tries += 1
        if self._tries > _MAX_COMMAND_TRIES:
            self._fail(ERR_NO_RESPONSE_DCS)
            return
        rate, modem, code = self._rate()
        frames = []
        if self.ident:
            frames.append(fr.make_frame(fr.FCF_TSI, fr.encode_ident(self.ident),
                                        final=False, x_bit=True))
        dcs = fr.make_dcs(code, self._fine, self._min_scan_ms, mr=self.coding == "MR",
                          superfine=self._res == fr.RES_SUPERFINE, mmr=self.coding == "MMR",
                          ecm=self.ecm, frame64=self._frame_size == 64)
        frames.append(fr.make_frame(fr.FCF_DCS, dcs, x_bit=True))
        self._send_frames(frames)
        # TCF: 1.5 s of zeros on the chosen modem with long training (T.30 §5.3.6.2.3).
        self.m.tx_silence(_TURNAROUND_MS)
        self.m.tx_fast(self._modem_id(modem), rate, True)
        self._tcf_left = rate * _TCF_MS // 8000
        self.log("-> TCF %d bit/s %s, %d octets of zeros" % (rate, modem, self._tcf_left))
        self._set_state(S_PHASE_B_TX)

    def _start_page(self):
        rate, modem, _ = self._rate()
        self._tries = 0
        page = self.pages.open(self._page)
        self._page_reader = page
        # A page prepared finer than the call's resolution keeps every 2nd (or 4th)
        # row; _choose never picks a resolution finer than the first page's.
        page_res = fr.RES_NAMES.index(page.y_res)
        self._row_skip = 1 << max(0, page_res - self._res)
        min_bits = rate * self._min_scan_ms // 1000
        t4 = self.t4
        if t4 is None:
            self._enc = self._enc_factory(page.width, min_bits)
        elif self.coding == "MR":
            # K: rows per 1-D row, 2/4 at standard/fine (T.4 §4.2.1.3.4), 8 at
            # superfine (as SpanDSP and HylaFAX do).
            self._enc = t4.Encoder(page.width, t4.MR, 2 << self._res, min_bits)
        elif self.coding == "MMR":
            self._enc = t4.Encoder(page.width, t4.MMR, 0, 0)
        else:
            self._enc = t4.Encoder(page.width, t4.MH, 0, min_bits)
        self._rows = page.rows()
        self._row_index = 0
        self._rows_sent = 0
        self._data_ended = False
        if self.ecm:
            self._block_no = 0
            self._carry = None
            self._long_train = False
            self.log("page %d of %d: %s, %s, ECM %d-octet frames, %d bit/s %s" % (
                self._page + 1, self.pages.count, fr.RES_NAMES[self._res], self.coding,
                self._frame_size, rate, modem))
            self._next_block()
            return
        self.m.rx_mode(self.fm.RX_OFF)
        self.m.tx_silence(_TURNAROUND_MS)
        # Image data after a TCF: V.17 uses its short training; V.27ter and V.29 have
        # no short form in fax use (SpanDSP's V.27ter receiver fails on the V.27ter
        # short sequence), so they train long as for TCF.
        self.m.tx_fast(self._modem_id(modem), rate, modem != fr.MODEM_V17)
        self.log("page %d of %d: %d rows, %s, %s, %d bit/s %s, min scan %d ms" % (
            self._page + 1, self.pages.count, (page.height + self._row_skip - 1) // self._row_skip,
            fr.RES_NAMES[self._res], self.coding, rate, modem, self._min_scan_ms))
        self._set_state(S_PHASE_C)

    def _interrupt(self, name):
        """PIP / PIN after a page (T.30 §5.3.6.1.9): the far machine wants an
        operator, which a box does not have. PIP still confirms the page; on the
        last page that completes the fax, otherwise the call ends there."""
        if name == "PIP":
            self._pages_sent += 1
            if self._page + 1 >= self.pages.count:
                self._page += 1
                self._send_frames((fr.make_frame(fr.FCF_DCN, x_bit=True),))
                self._set_state(S_PHASE_E)
                return
        self._fail(ERR_INTERRUPT)

    def _page_done(self, retrain=False):
        self._pages_sent += 1
        self._page_retries = 0
        self._page += 1
        if self._page >= self.pages.count:
            self._send_frames((fr.make_frame(fr.FCF_DCN, x_bit=True),))
            self._set_state(S_PHASE_E)
            return
        if retrain:
            self._tries = 0
            self._send_dcs()
        else:
            self._start_page()

    def _post_page(self):
        last = self._page + 1 >= self.pages.count
        self._post_fcf = fr.FCF_EOP if last else fr.FCF_MPS
        self._tries += 1
        if self._tries > _MAX_COMMAND_TRIES:
            self._fail(ERR_NO_RESPONSE_PAGE)
            return
        self._send_frames((fr.make_frame(self._post_fcf, x_bit=True),))
        self._set_state(S_PHASE_D_TX)

    # --- per-block work --------------------------------------------------------
    def poll(self):
        """Timers and data feeding; call once per audio block."""
        st = self.state
        if st == S_DONE:
            return
        now = self.clock.ms()
        m = self.m
        if st == S_PHASE_A:
            if now >= self._deadline:
                self._finish("failed", ERR_NO_FAX_ANSWER)
            elif m.tx_idle():
                self._cng_step()
        elif st == S_PHASE_B_TX:
            if self._tcf_left > 0:
                self._tcf_left -= self._push(self._zeros, self._tcf_left)
                if self._tcf_left == 0:
                    m.tx_data_end()
            elif m.tx_idle():
                self._listen()
                self._set_state(S_PHASE_B_WAIT)
        elif st == S_PHASE_D_WAIT and self.ecm:
            if now >= self._deadline:
                self.log("no response within T4")
                self._ecm_repeat()
        elif st == S_PHASE_C and self.ecm:
            self._feed_frames()
        elif st == S_PHASE_B_WAIT or st == S_PHASE_D_WAIT:
            if now >= self._deadline:
                # No response within T4: repeat the command (T.30 §5.4.3.1).
                self.log("no response within T4")
                if st == S_PHASE_B_WAIT:
                    self._send_dcs()
                else:
                    self._post_page()
        elif st == S_PHASE_C:
            self._feed_page()
        elif st == S_PHASE_D_TX or st == S_PHASE_E:
            if m.tx_idle():
                if st == S_PHASE_E:
                    self._finish("delivered")
                else:
                    self._listen()
                    self._set_state(S_PHASE_D_WAIT)

    # --- ECM (T.30 Annex A; T.4 Annex A) ----------------------------------------------
    def _next_block(self):
        """Code the next block of the page into the block buffer and send it whole."""
        self._fill_block()
        self._ppr_count = 0
        n = self._block_frames
        self._send_block(range(n))

    def _fill_block(self):
        blk = self._block
        cap = len(blk)
        n = 0
        while n < cap:
            c = self._carry
            if c is None:
                if self._enc is None:
                    break
                c = memoryview(self._out)[:self._next_coded()]
            take = min(len(c), cap - n)
            if take:
                blk[n:n + take] = c[:take]
            n += take
            self._carry = c[take:] if take < len(c) else None
        self._block_len = n
        fs = self._frame_size
        self._block_frames = (n + fs - 1) // fs
        self._last_block = self._enc is None and self._carry is None

    def _send_block(self, frames):
        """Phase C of ECM: the listed frames (numbers) as FCD on the fast modem with
        HDLC framing, then RCP three times (T.30 Annex A, A.3.2)."""
        rate, modem, _ = self._rate()
        m = self.m
        m.rx_mode(self.fm.RX_OFF)
        m.tx_silence(_TURNAROUND_MS)
        # V.17 trains short for image data after TCF, long after CTC (T.30 Annex A).
        m.tx_fast(self._modem_id(modem), rate, modem != fr.MODEM_V17 or self._long_train, True)
        self._long_train = False
        self._to_send = frames
        self._send_i = 0
        self._rcp_left = _RCP_COUNT
        self.log("-> block %d of page %d: %d of %d frames, %d octets" % (
            self._block_no, self._page + 1, len(frames), self._block_frames, self._block_len))
        self._set_state(S_PHASE_C)

    def _feed_frames(self):
        m = self.m
        fs = self._frame_size
        while True:
            i = self._send_i
            if i < len(self._to_send):
                k = self._to_send[i]
                start = k * fs
                end = min(start + fs, self._block_len)
                n = end - start
                if m.tx_frame_free() < n + 7:
                    return
                f = self._fcd
                f[0] = fr.ADDRESS
                f[1] = fr.CTRL_NON_FINAL
                f[2] = fr.rev8(fr.FCF_FCD)
                f[3] = k
                f[4:4 + n] = memoryview(self._block)[start:end]
                m.tx_frame(memoryview(f)[:4 + n], False)
                self._send_i = i + 1
            elif self._rcp_left > 0:
                if m.tx_frame_free() < 6:
                    return
                self._rcp_left -= 1
                m.tx_frame(fr.make_frame(fr.FCF_RCP, final=False), self._rcp_left == 0)
            else:
                if m.tx_idle():
                    self._tries = 0
                    self._send_pps()
                return

    def _pps_fcf2(self):
        if not self._last_block:
            return fr.FCF_NULL
        return fr.FCF_EOP if self._page + 1 >= self.pages.count else fr.FCF_MPS

    def _send_pps(self):
        fif = bytes((fr.fcf2_octet(self._pps_fcf2()), self._pages_sent & 0xFF,
                     self._block_no & 0xFF, (self._block_frames - 1) & 0xFF))
        self._ecm_command(fr.make_frame(fr.FCF_PPS, fif, x_bit=True))

    def _ecm_command(self, frame):
        self._ecm_cmd = frame
        self._tries = 0
        self._ecm_repeat()

    def _ecm_repeat(self):
        self._tries += 1
        if self._tries > _MAX_COMMAND_TRIES:
            self._fail(ERR_NO_RESPONSE_PAGE)
            return
        self._send_frames((self._ecm_cmd,))
        self._set_state(S_PHASE_D_TX)

    def _ecm_response(self, name, f):
        cmd = fr.name_of(self._ecm_cmd)
        if name == "RNR":
            # Flow control: poll with RR until the receiver is ready, within T5.
            now = self.clock.ms()
            if self._t5_end == 0:
                self._t5_end = now + _T5_MS
            elif now >= self._t5_end:
                self._fail(ERR_T5)
                return
            self._ecm_cmd_saved = self._ecm_cmd if cmd != "RR" else self._ecm_cmd_saved
            self._ecm_command(fr.make_frame(fr.FCF_RR, x_bit=True))
            return
        self._t5_end = 0
        if cmd == "RR":
            cmd = fr.name_of(self._ecm_cmd_saved)
            self._ecm_cmd = self._ecm_cmd_saved
        if name == "MCF" and cmd == "PPS" or name == "ERR" and cmd == "EOR":
            self._block_done()
        elif name == "PPR" and cmd == "PPS":
            self._on_ppr(f[3:])
        elif name == "CTR" and cmd == "CTC":
            self._ppr_count = 0
            self._long_train = True
            self.log("CTR: continuing at %d bit/s %s" % self._rate()[:2])
            self._send_block(self._to_send)
        elif name in ("PIP", "PIN") and cmd == "PPS" and self._last_block:
            self._interrupt(name)
        elif name in ("PIP", "PIN", "RTN", "RTP", "PPR", "MCF", "CTR", "ERR", "CFR", "FTT"):
            self._fail(ERR_UNEXPECTED)

    def _on_ppr(self, bitmap):
        frames = []
        for k in range(self._block_frames):
            if k >> 3 < len(bitmap) and (bitmap[k >> 3] >> (k & 7)) & 1:
                frames.append(k)
        self._ppr_count += 1
        if not frames:
            # A PPR asking for nothing: the block is whole; ask again.
            self._send_pps()
            return
        self._to_send = frames
        if self._ppr_count < _PPR_LIMIT:
            self._send_block(frames)
            return
        if self._step + 1 < len(self._ladder):
            # Four PPRs for this block: continue to correct one rate lower (A.4.3).
            self._step += 1
            rate, modem, code = self._rate()
            fif = fr.make_dcs(code, self._fine, 0)[:2]
            self._ecm_command(fr.make_frame(fr.FCF_CTC, fif, x_bit=True))
        else:
            # Nothing slower to try: end retransmission, the block stays imperfect.
            self._ecm_errors += 1
            self._ecm_command(fr.make_frame(fr.FCF_EOR, bytes((fr.fcf2_octet(self._pps_fcf2()),)),
                                            x_bit=True))

    def _block_done(self):
        if not self._last_block:
            self._block_no += 1
            self._next_block()
            return
        self.log("page %d sent: %d rows in %d block(s)" % (
            self._page + 1, self._rows_sent, self._block_no + 1))
        self._page_done()

    def _cng_step(self):
        phase = self._cng_phase_ms
        if phase == 0:
            self.m.tx_tone(self.fm.CNG, _CNG_ON_MS)
            self._cng_phase_ms = _CNG_ON_MS
        else:
            self.m.tx_silence(_CNG_STEP_MS)
            self._cng_phase_ms = (phase + _CNG_STEP_MS) % (_CNG_ON_MS + _CNG_OFF_MS)

    def _push(self, data, limit):
        """Push up to `limit` octets of `data` (repeated if shorter) without blocking;
        returns how many the modem took."""
        n = min(len(data), limit)
        return self.m.tx_data(memoryview(data)[:n])

    def _feed_page(self):
        m = self.m
        while True:
            pend = self._pending
            if pend is not None:
                took = m.tx_data(pend)
                if took < len(pend):
                    self._pending = pend[took:]
                    return
                self._pending = None
            if self._enc is None:
                # The RTC is with the modem: end the data, then wait for the
                # carrier to drop before the post-page command.
                if not self._data_ended:
                    m.tx_data_end()
                    self._data_ended = True
                elif m.tx_idle():
                    self.log("page %d sent: %d rows" % (self._page + 1, self._rows_sent))
                    self._post_page()
                return
            # self._out is reused: a row is coded only once the last one was taken.
            self._pending = memoryview(self._out)[:self._next_coded()]

    def _next_coded(self):
        """Code the next row, or the RTC after the last row, into self._out and
        return the octet count."""
        enc = self._enc
        skip = self._row_skip
        for row in self._rows:
            i = self._row_index
            self._row_index = i + 1
            if i % skip:
                continue
            self._rows_sent += 1
            return enc.encode(row, self._out)
        self._enc = None
        return enc.finish(self._out)


def _tone_name(fm, kind):
    for name in ("CED", "ANSAM", "CNG"):
        if getattr(fm, name, None) == kind:
            return name
    return str(kind)
