# A frame-level stand-in for the modem set and a scripted far-end receiver, so the
# T.30 engine runs without audio, under CPython and MicroPython alike.
#
# Time is moved by the test in 20 ms blocks. Segments the engine queues take the
# time they take on a real line (V.21 at 300 bit/s, training, data at the bit rate);
# the far end hears a frame when its last bit is sent, and answers after the 75 ms
# turnaround, 1 s of flags and the frame itself. A frame that arrives while our V.21
# receiver is off is lost, as on a real half-duplex line.

V21 = 1
V27TER = 2
V29 = 3
V17 = 4
CNG = 10
CED = 11
ANSAM = 12
RX_OFF = 0
RX_V21 = 1
RX_FAST = 2
EV_FRAME = 1
EV_CARRIER = 2
EV_TRAINED = 3
EV_DATA = 4
EV_TONE = 5
EV_TX_DONE = 6

_RING_OCTETS = 2048
_TRAIN_MS = {V29: 253, V27TER: 943, V17: 1393}
_HDLC_OVERHEAD_OCTETS = 3  # FCS + one flag
_HDLC_QUEUE_OCTETS = 526  # the C frame queue: two 260-octet frames + 3 each
_ECM_PREAMBLE_MS = 250


class Clock:
    def __init__(self):
        self.now = 0

    def ms(self):
        return self.now


def frame_ms(frame):
    return (len(frame) + _HDLC_OVERHEAD_OCTETS) * 8 * 1000 // 300


class FakeModem:
    def __init__(self, clock):
        self.clock = clock
        self.segs = []  # [kind, ms_left, payload]
        self.ring = 0  # octets buffered for the current fast segment
        self.events = []
        self.rx = RX_OFF
        self.rx_fast = None  # (modem, rate) the fast receiver listens for
        self.far = None  # a scripted far end, or
        self.peer = None  # another FakeModem (two engines talking)
        self.trains = []  # (modem, rate, long_train, hdlc) of every tx_fast
        self.incoming = []  # (time_ms, frame) from the far end
        self.rx_hdlc = False
        self._fast_hdlc = None  # (modem, rate) while an HDLC fast segment takes frames
        self.drop = None  # callable(frame) -> True to lose a frame on the line
        self.sent_fast = []  # header (4 octets) of every frame sent on a fast carrier
        self.sent_fast_len = []  # and its length

    # transmit
    def tx_silence(self, ms):
        self.segs.append(["silence", ms, None])

    def tx_tone(self, kind, ms):
        self.segs.append(["tone", ms, kind])

    def tx_v21(self, preamble_ms):
        self._fast_hdlc = None
        self.segs.append(["flags", preamble_ms, None])

    def tx_frame(self, data, final):
        fast = self._fast_hdlc
        if fast is None:
            self.segs.append(["frame", frame_ms(data), bytes(data)])
            return
        ms = (len(data) + _HDLC_OVERHEAD_OCTETS) * 8 * 1000 // fast[1] + 1
        self.segs.append(["fframe", ms, (bytes(data), fast)])
        if final:
            self.segs.append(["fast_end", 1, None])
            self._fast_hdlc = None

    def tx_frame_free(self):
        used = 0
        for s in self.segs:
            if s[0] == "fframe":
                used += len(s[2][0]) + 3
        return max(0, _HDLC_QUEUE_OCTETS - used)

    def tx_fast(self, modem, rate, long_train, hdlc=False):
        self.trains.append((modem, rate, bool(long_train), bool(hdlc)))
        self.segs.append(["train", _TRAIN_MS[modem], (modem, rate)])
        if hdlc:
            self.segs.append(["flags", _ECM_PREAMBLE_MS, None])
            self._fast_hdlc = (modem, rate)
            return
        self.segs.append(["data", 0, {"rate": rate, "got": 0, "end": False, "bytes": [],
                                      "modem": modem, "queue": bytearray()}])

    def _data_seg(self):
        for s in reversed(self.segs):
            if s[0] == "data":
                return s[2]
        return None

    def tx_data(self, buf):
        d = self._data_seg()
        n = min(len(buf), _RING_OCTETS - self.ring)
        if n > 0:
            self.ring += n
            d["bytes"].append(bytes(buf[:n]))
            d["queue"] += bytes(buf[:n])
        return n

    def tx_data_end(self):
        self._data_seg()["end"] = True

    def tx_free(self):
        return _RING_OCTETS - self.ring

    def tx_idle(self):
        return not self.segs

    def tx_flush(self):
        self.segs = []
        self.ring = 0
        self._fast_hdlc = None

    def tx(self, samples):
        return len(samples)

    # receive
    def rx_mode(self, mode, modem=None, rate=None, short_train=False, hdlc=False):
        self.rx = mode
        self.rx_fast = (modem, rate) if mode == RX_FAST else None
        self.rx_hdlc = bool(hdlc) and mode == RX_FAST
        self._locked = None

    # what the peer hears of our transmission
    def _hear(self, kind, what):
        p = self.peer
        if p is None:
            return
        if kind == "frame" and p.rx != RX_OFF:
            if self.drop is not None and self.drop(what):
                return
            p.events.append((EV_FRAME, what, True))
        elif kind == "fframe":
            data, fast = what
            self.sent_fast.append(data[:4])
            self.sent_fast_len.append(len(data))
            if self.drop is not None and self.drop(data):
                return
            if p.rx_hdlc and getattr(p, "_locked", None) == fast and p.rx_fast == fast:
                p.events.append((EV_FRAME, data, True))
        elif kind == "tone":
            p.events.append((EV_TONE, what))
        elif kind == "train" and p.rx_fast == what:
            p.events.append((EV_CARRIER, 1, what[0]))
            p.events.append((EV_TRAINED, 1))
            p._locked = what
        elif kind == "data" and getattr(p, "_locked", None) and p.rx_fast == p._locked:
            p.events.append((EV_DATA, what))
        elif kind == "carrier_off" and getattr(p, "_locked", None):
            p.events.append((EV_CARRIER, 0, p._locked[0]))
            p._locked = None

    def event(self):
        return self.events.pop(0) if self.events else None

    # the line
    def advance(self, ms):
        now = self.clock.now
        while ms > 0 and self.segs:
            seg = self.segs[0]
            if seg[0] == "data":
                d = seg[2]
                per_ms = d["rate"] / 8000.0
                take = min(self.ring, int(per_ms * ms + 0.5))
                self.ring -= take
                d["got"] += take
                if take:
                    self._hear("data", bytes(d["queue"][:take]))
                    d["queue"] = d["queue"][take:]
                if self.ring == 0 and d["end"]:
                    self.segs.pop(0)
                    self._hear("carrier_off", None)
                    if self.far:
                        self.far.heard_data(b"".join(d["bytes"]), now)
                ms = 0
                break
            step = min(ms, seg[1])
            seg[1] -= step
            ms -= step
            if seg[1] <= 0:
                self.segs.pop(0)
                if seg[0] in ("frame", "train", "tone", "fframe"):
                    self._hear(seg[0], seg[2])
                elif seg[0] == "fast_end":
                    self._hear("carrier_off", None)
                if self.far is None:
                    continue
                if seg[0] == "frame":
                    self.far.heard_frame(seg[2], now)
                elif seg[0] == "train":
                    self.far.heard_training(seg[2], now)
        for item in list(self.incoming):
            t, frame = item
            if t <= now:
                self.incoming.remove(item)
                if self.rx != RX_OFF:
                    self.events.append((EV_FRAME, frame, True))

    def far_sends(self, frames, now, extra_ms=0):
        t = now + 75 + 1000 + extra_ms
        for f in frames:
            t += frame_ms(f)
            self.incoming.append((t, bytes(f)))


class ScriptedReceiver:
    """The far machine: answers with CSI + DIS after CED, judges TCF by a script, and
    answers each post-page command from `page_answers` (default MCF)."""

    def __init__(self, modem, dis_frames, tcf_answers=(), page_answers=(), silent=False):
        self.m = modem
        modem.far = self
        self.dis_frames = dis_frames
        self.tcf_answers = list(tcf_answers)
        self.page_answers = list(page_answers)
        self.silent = silent
        self.log = []
        self.pages = []
        self.training = None
        self.dcs = None
        self.after_dcs = None

    def answer(self, now):
        if not self.silent:
            # CED lasts 3.3 s, then 75 ms, then DIS (T.30 §4.3.1)
            self.m.far_sends(self.dis_frames, now, extra_ms=3300)

    def heard_frame(self, f, now):
        from faxbox import t30frames as fr
        name = fr.name_of(f)
        self.log.append(name)
        if name == "DCS":
            self.dcs = f
        elif name in ("MPS", "EOP", "EOM"):
            ans = self.page_answers.pop(0) if self.page_answers else "MCF"
            if ans:
                self.m.far_sends([fr.make_frame(_FCF[ans])], now)
        elif name == "DCN":
            pass

    def heard_training(self, what, now):
        self.training = what

    def heard_data(self, data, now):
        from faxbox import t30frames as fr
        if self.log and self.log[-1] == "DCS" and self.after_dcs != len(self.log):
            self.after_dcs = len(self.log)
            self.log.append("TCF")
            ans = self.tcf_answers.pop(0) if self.tcf_answers else "CFR"
            ok = len(data) > 0 and max(data) == 0
            if ans == "CFR" and not ok:
                ans = "FTT"
            if ans:
                self.m.far_sends([fr.make_frame(_FCF[ans])], now)
        else:
            self.log.append("PAGE")
            self.pages.append(data)


def _fcf_table():
    from faxbox import t30frames as fr
    return {"CFR": fr.FCF_CFR, "FTT": fr.FCF_FTT, "MCF": fr.FCF_MCF, "RTN": fr.FCF_RTN,
            "RTP": fr.FCF_RTP, "DCN": fr.FCF_DCN, "PIN": fr.FCF_PIN, "PIP": fr.FCF_PIP,
            "CRP": fr.FCF_CRP}


_FCF = _fcf_table()


class RawPage:
    """A page of packed rows for tests: row i has pel i % width black."""

    def __init__(self, height, width=1728, y_res="fine"):
        self.height = height
        self.width = width
        self.y_res = y_res
        self._row = bytearray(width // 8)

    def rows(self):
        row = self._row
        for i in range(self.height):
            for k in range(len(row)):
                row[k] = 0
            p = i % self.width
            row[p >> 3] = 0x80 >> (p & 7)
            yield row


class Pages:
    def __init__(self, heights, y_res="fine"):
        self.heights = heights
        self.count = len(heights)
        self.y_res = y_res

    def open(self, i):
        return RawPage(self.heights[i], y_res=self.y_res)


class CopyEncoder:
    """Stands in for faxt4's MH encoder: a row 'codes' to its own 216 octets and the
    RTC to six 0x80 octets, so tests can check what reached the far end."""

    def __init__(self, width, min_row_bits):
        self.min_row_bits = min_row_bits

    def encode(self, row, out):
        n = len(row)
        out[:n] = row
        return n

    def finish(self, out):
        out[:6] = b"\x80\x80\x80\x80\x80\x80"
        return 6


def run(sender, modem, far, clock, limit_ms=600000, block_ms=20):
    sender.start()
    far.answer(clock.now)
    while not sender.done and clock.now < limit_ms:
        clock.now += block_ms
        modem.advance(block_ms)
        while True:
            ev = modem.event()
            if ev is None:
                break
            sender.on_event(ev)
        sender.poll()
    return sender.outcome


class RecordingSink:
    """Page sink for the receiver: keeps each page's octets; `bad` scripts the bad-row
    count reported for each page (rows are counted as 216-octet chunks)."""

    def __init__(self, bad=()):
        self.pages = []
        self.bad = list(bad)
        self._cur = None

    def start_page(self, width, fine, coding):
        self._cur = []  # chunks, joined once at the end (a growing bytearray
        # fragments the MicroPython heap)

    def data(self, octets):
        self._cur.append(bytes(octets))

    def end_page(self):
        page = b"".join(self._cur)
        self._cur = None
        self.pages.append(page)
        rows = len(page) // 216
        return rows, (self.bad.pop(0) if self.bad else 0)


def run_pair(sender, receiver, clock, limit_ms=600000, block_ms=20):
    """Two engines on two FakeModems joined back to back."""
    import gc
    a, b = sender.m, receiver.m
    a.peer, b.peer = b, a
    sender.start()
    receiver.start()
    steps = 0
    while not (sender.done and receiver.done) and clock.now < limit_ms:
        steps += 1
        if steps % 100 == 0:
            # Both ends' ECM blocks share one MicroPython heap here: collect often
            # so that the fake line's garbage does not fragment it.
            gc.collect()
        clock.now += block_ms
        a.advance(block_ms)
        b.advance(block_ms)
        for eng in (sender, receiver):
            while True:
                ev = eng.m.event()
                if ev is None:
                    break
                eng.on_event(ev)
            eng.poll()
    return sender.outcome, receiver.outcome


class FakeT4:
    """Stands in for the faxt4 module: Encoder(width, coding, k, min_row_bits) copies
    rows like CopyEncoder and records the coding and K it was made with."""
    MH = 0
    MR = 1
    MMR = 2
    made = []

    class Encoder(CopyEncoder):
        def __init__(self, width, coding, k=0, min_row_bits=0):
            self.coding = coding
            self.k = k
            self.min_row_bits = min_row_bits
            FakeT4.made.append((coding, k, min_row_bits))
