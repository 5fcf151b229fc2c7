"""The simulated telephone exchange, per country: what the sim board's line hears
from the moment it goes off hook.

Off hook -> dial tone until the first digit; DTMF digits are detected in the audio
the box sends (Goertzel filters, Q.24 frequencies), pulse digits arrive from the
board's hook switch; after an inter-digit pause the number is complete -> ringback
for the number of rings chosen -> the far end chosen for the number: SpanDSP's
answering fax terminal, a silent line, synthesised speech, busy, reorder, SIT, or
ringing forever. Tones and cadences come from the firmware's country profiles
(firmware/faxbox/countries.py), played at their levels.

Every far end is an object with rx(bytes) and tx(n) -> bytes (int16 little-endian,
8 kHz), the block interface of the SpanDSP wrappers in picofax.exchange.
"""
import json
import os

import numpy as np

from picofax.exchange import SilentAnswerer, SpanDspAnswerer

SAMPLE_RATE_HZ = 8000
# 0 dBm0 is a sine of peak 22,767 (faxcore README, as G.711).
_PEAK_0DBM0 = 22767.0

FAR_KINDS = ("spandsp", "box", "silent", "voice", "busy", "reorder", "sit", "noanswer")

# DTMF, Q.23: row and column frequencies.
_DTMF_ROWS_HZ = (697, 770, 852, 941)
_DTMF_COLS_HZ = (1209, 1336, 1477, 1633)
_DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
# Detector block: 10 ms. Q.24 tones last >= 40 ms, so at least three whole blocks
# fall inside a tone; two agreeing blocks make a digit.
_DTMF_BLOCK = 80
# Q.24 §2 sensitivity: accept tones down to about -30 dBm0 per frequency; a tone
# pair must hold this share of the block's energy (the rest is noise or twist).
_DTMF_MIN_DBM0 = -30.0
_DTMF_MIN_SHARE = 0.6
# Number complete after this long without a new digit (the exchange's
# inter-digit time-out; real exchanges use 4-15 s, shortened to save sim time).
_DIGIT_TIMEOUT_MS = 3000


def _profiles():
    from faxbox import countries
    return countries


class _SpanDspCaller:
    def __init__(self, term):
        self.term = term

    def rx(self, samples):
        self.term.rx(samples)

    def tx(self, n):
        return self.term.tx(n)

    def result(self):
        return self.term.result()


class ToneSource:
    """A call-progress tone with its cadence, phase-continuous across blocks."""

    def __init__(self, freqs_hz, cadence_ms, level_dbm0, freq_scale=1.0, time_scale=1.0):
        self.freqs = np.array(freqs_hz, dtype=float) * freq_scale
        self.amp = _PEAK_0DBM0 * 10 ** (level_dbm0 / 20.0)
        self.on_off = [int(round(ms * time_scale * SAMPLE_RATE_HZ / 1000)) for ms in cadence_ms]
        self.period = sum(self.on_off)
        self.pos = 0

    def gen(self, n):
        t = (self.pos + np.arange(n)) / SAMPLE_RATE_HZ
        x = np.zeros(n)
        for f in self.freqs:
            x += self.amp * np.sin(2 * np.pi * f * t)
        if self.period:
            ph = (self.pos + np.arange(n)) % self.period
            gate = np.zeros(n, dtype=bool)
            start = 0
            for i, length in enumerate(self.on_off):
                if i % 2 == 0:
                    gate |= (ph >= start) & (ph < start + length)
                start += length
            x = np.where(gate, x, 0.0)
        self.pos += n
        return x


class SitSource:
    """Special information tone (Q.35 §5): 950, 1400, 1800 Hz, 330 ms each, then
    1 s of silence, repeated."""

    def __init__(self, level_dbm0=-24, freq_scale=1.0, segment_ms=330):
        seg = segment_ms * SAMPLE_RATE_HZ // 1000
        amp = _PEAK_0DBM0 * 10 ** (level_dbm0 / 20.0)
        t = np.arange(seg) / SAMPLE_RATE_HZ
        parts = [amp * np.sin(2 * np.pi * f * freq_scale * t) for f in (950, 1400, 1800)]
        parts.append(np.zeros(SAMPLE_RATE_HZ))
        self.loop = np.concatenate(parts)
        self.pos = 0

    def gen(self, n):
        idx = (self.pos + np.arange(n)) % len(self.loop)
        self.pos += n
        return self.loop[idx]


def babble(seconds, level_dbm0=-18.0, seed=7):
    """Speech-like audio without a speech synthesiser: a glottal pulse train with a
    wandering pitch (100-180 Hz) through three formant resonators that move per
    syllable (4-6 syllables/s), words separated by pauses. Used as the 'voice' far
    end: a person saying hello."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE_HZ)
    out = np.zeros(n)
    pos = 0
    formants = ((700, 1200, 2600), (300, 2300, 3000), (500, 900, 2400), (400, 1900, 2550))
    while pos < n:
        syl = int(rng.uniform(0.15, 0.25) * SAMPLE_RATE_HZ)
        f0 = rng.uniform(100, 180)
        period = SAMPLE_RATE_HZ / f0
        src = np.zeros(syl)
        src[(np.arange(0, syl, period)).astype(int)] = 1.0
        y = src
        for f in formants[rng.integers(len(formants))]:
            r = 0.97
            b, a = [1 - r], [1, -2 * r * np.cos(2 * np.pi * f / SAMPLE_RATE_HZ), r * r]
            y = y + 0.5 * _resonate(src, b[0], a[1], a[2])
        y *= np.hanning(syl)
        end = min(n, pos + syl)
        out[pos:end] = y[:end - pos]
        pos = end
        if rng.random() < 0.3:
            pos += int(rng.uniform(0.2, 0.5) * SAMPLE_RATE_HZ)
    rms = np.sqrt(np.mean(out[out != 0] ** 2)) if np.any(out) else 1.0
    return out * (_PEAK_0DBM0 / np.sqrt(2) * 10 ** (level_dbm0 / 20.0) / rms)


def _resonate(x, b0, a1, a2):
    """Two-pole resonator y[n] = b0 x[n] - a1 y[n-1] - a2 y[n-2]."""
    y = np.zeros(len(x))
    y1 = y2 = 0.0
    for i in range(len(x)):
        y0 = b0 * x[i] - a1 * y1 - a2 * y2
        y[i] = y0
        y2, y1 = y1, y0
    return y


def resample_to_8k(x, rate_hz):
    """Band-limited resampling by FFT (the spectrum above 4 kHz is dropped)."""
    x = np.asarray(x, dtype=float)
    n_out = int(round(len(x) * SAMPLE_RATE_HZ / rate_hz))
    spec = np.fft.rfft(x)
    keep = n_out // 2 + 1
    out_spec = np.zeros(keep, dtype=complex)
    m = min(keep, len(spec))
    out_spec[:m] = spec[:m]
    return np.fft.irfft(out_spec, n_out) * (n_out / len(x))


class VoiceAnswerer:
    """A person (or an answering machine) picking up: speech, then silence."""

    def __init__(self, samples=None):
        self.samples = babble(4.0) if samples is None else np.asarray(samples, dtype=float)
        self.pos = 0

    def rx(self, samples):
        pass

    def tx(self, n):
        seg = self.samples[self.pos:self.pos + n]
        self.pos += n
        out = np.zeros(n)
        out[:len(seg)] = seg
        return _pcm(out)

    def result(self):
        return {"answered_by": "voice"}


class _Clock:
    def __init__(self):
        self.samples = 0

    def ms(self):
        return self.samples * 1000 // SAMPLE_RATE_HZ


class BoxAnswerer:
    """A second instance of the box's own answering terminal (faxbox.t30rx with the
    C core's modems) as the far fax machine: an interop check that needs no
    SpanDSP. Pages are decoded and stored as the box's own spool page files in
    `spool_dir` (read them with faxbox.spool.PageReader)."""

    def __init__(self, spool_dir, ident="PICOFAX RX", log=None):
        import faxmodem as fm
        import faxt4
        from faxbox import rxpages, t30rx
        self.fm = fm
        self.clock = _Clock()
        self.modem = fm.Modem()
        os.makedirs(spool_dir, exist_ok=True)
        self.sink = rxpages.SpoolSink(spool_dir, faxt4, log)
        self.term = t30rx.Receiver(self.modem, fm, self.sink, self.clock,
                                      log or (lambda line: None), ident=ident)
        self.term.start()
        self._buf = None

    def rx(self, samples):
        from array import array
        self.modem.rx(array("h", samples))
        ev = self.modem.event()
        while ev is not None:
            self.term.on_event(ev)
            ev = self.modem.event()

    def tx(self, n):
        from array import array
        if self._buf is None or len(self._buf) != n:
            self._buf = array("h", bytes(2 * n))
        self.modem.tx(self._buf)
        self.clock.samples += n
        self.term.poll()
        return self._buf.tobytes()

    def result(self):
        o = self.term.outcome
        if o is None:
            return {"answered_by": "box", "status": "in progress", "pages": self.sink.pages}
        return {"answered_by": "box", "status": o.status, "pages": o.num_pages,
                "error": o.error_message}


class _TestPages:
    """Pages for the calling box: `count` pages of `height` rows, a diagonal line
    (row i has pel i % 1728 black), the shape t30.Sender reads."""

    class _Page:
        def __init__(self, height, y_res):
            self.height = height
            self.width = 1728
            self.y_res = y_res
            self._row = bytearray(216)

        def rows(self):
            row = self._row
            for i in range(self.height):
                row[:] = bytes(216)
                p = i % 1728
                row[p >> 3] = 0x80 >> (p & 7)
                yield row

    def __init__(self, count=1, height=400, y_res="fine"):
        self.count = count
        self.height = height
        self.y_res = y_res

    def open(self, i):
        return self._Page(self.height, self.y_res)


class BoxCaller(BoxAnswerer):
    """The box's own T.30 sender (faxbox.t30) calling in with generated pages: the
    far end of an inbound call when SpanDSP is not wanted."""

    def __init__(self, pages=1, ident="PICOFAX TX", log=None):
        import faxmodem as fm
        import faxt4
        from faxbox import call, t30

        def encoder(width, min_row_bits):
            return faxt4.Encoder(width, faxt4.MH, 0, min_row_bits)

        self.fm = fm
        self.clock = _Clock()
        self.modem = fm.Modem()
        self.term = t30.Sender(self.modem, fm, _TestPages(pages), self.clock,
                                  log or (lambda line: None), encoder, ident=ident,
                                  our_modems=call.our_modems(fm))
        self.term.start()
        self._buf = None

    def result(self):
        o = self.term.outcome
        if o is None:
            return {"called_by": "box", "status": "in progress"}
        return {"called_by": "box", "status": o.status, "pages": o.num_pages,
                "error": o.error_message}


class IncomingCall:
    """A call to the box: rings with the country's cadence from `start_ms` until the
    box answers (or `max_rings` rings have gone), then connects the caller."""

    def __init__(self, exchange, caller, start_ms, cadence_ms, max_rings):
        self.ex = exchange
        self.caller = caller
        self.start_ms = start_ms
        self.cadence = cadence_ms
        self.max_rings = max_rings
        self.answered = False
        self._on = False
        self._since_ms = start_ms

    def _ringing_at(self, t_ms):
        if t_ms < self.start_ms:
            return False
        period = sum(self.cadence)
        k, pos = divmod(t_ms - self.start_ms, period)
        if k >= self.max_rings:
            return False
        edge = 0
        for i, ms in enumerate(self.cadence):
            if pos < edge + ms:
                return i % 2 == 0
            edge += ms
        return False

    def changes(self, now_ms):
        on = self._ringing_at(now_ms)
        if on == self._on:
            return []
        prev = now_ms - self._since_ms
        self._on = on
        self._since_ms = now_ms
        return [(on, prev)]


class _TonePlayer:
    """A far end that is only a tone (busy, reorder, SIT, ringback forever)."""

    def __init__(self, source, name):
        self.source = source
        self.name = name

    def rx(self, samples):
        pass

    def tx(self, n):
        return _pcm(self.source.gen(n))

    def result(self):
        return {"answered_by": self.name}


def _pcm(x):
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


class DtmfReceiver:
    """DTMF digits in a stream (Goertzel filters over 10 ms blocks)."""

    def __init__(self):
        self.digits = ""
        self._buf = np.zeros(0)
        self._last = None
        self._count = 0
        n = _DTMF_BLOCK
        self._freqs = _DTMF_ROWS_HZ + _DTMF_COLS_HZ
        t = np.arange(n) / SAMPLE_RATE_HZ
        # Element-wise products, not a matrix product: a BLAS call per 10 ms block
        # costs more in thread wake-ups than it saves.
        self._cos = np.array([np.cos(2 * np.pi * f * t) for f in self._freqs])
        self._sin = np.array([np.sin(2 * np.pi * f * t) for f in self._freqs])
        self._min_ms = (_PEAK_0DBM0 * 10 ** (_DTMF_MIN_DBM0 / 20.0)) ** 2 / 2

    def feed(self, x):
        self._buf = np.concatenate([self._buf, x])
        while len(self._buf) >= _DTMF_BLOCK:
            blk = self._buf[:_DTMF_BLOCK]
            self._buf = self._buf[_DTMF_BLOCK:]
            self._block(blk)

    def _block(self, blk):
        n = len(blk)
        # A tone of amplitude A gives |X|^2 = (A n / 2)^2 -> power A^2/2 = 2 |X|^2 / n^2.
        p = 2 * ((self._cos * blk).sum(axis=1) ** 2 + (self._sin * blk).sum(axis=1) ** 2) / (n * n)
        total = np.mean(blk ** 2)
        r = int(np.argmax(p[:4]))
        c = int(np.argmax(p[4:]))
        key = None
        if (p[r] >= self._min_ms and p[4 + c] >= self._min_ms
                and p[r] + p[4 + c] >= _DTMF_MIN_SHARE * total):
            key = _DTMF_KEYS[r][c]
        if key is not None and key == self._last:
            self._count += 1
            if self._count == 2:
                self.digits += key
        else:
            self._count = 1 if key is not None else 0
        self._last = key


class PstnCall:
    """One call through the exchange, seen from the box's line: what the box hears
    (tx) and what it sends (rx), from off-hook to on-hook."""

    def __init__(self, exchange):
        self.ex = exchange
        c = exchange.country
        self.dtmf = DtmfReceiver()
        self.pulsed = ""
        self.far = None
        self.number = None
        self.state = "dialtone"
        self.samples = 0
        self._last_digit_at = 0
        self._ndigits = 0
        self._ring_left = 0
        self._dial = ToneSource(*c["dial"], **exchange.tone_skew)
        self._ringback = ToneSource(*c["ringback"], **exchange.tone_skew)

    @property
    def digits(self):
        return self.dtmf.digits + self.pulsed

    def pulse(self, breaks, break_ms=60, make_ms=40):
        self.pulsed += "0" if breaks == 10 else str(breaks)

    def dialled(self, number):
        """Out-of-band dialling (SimLine.dial): the number arrives at once."""
        self.pulsed += "".join(ch for ch in number if ch.isdigit())

    def rx(self, samples):
        x = np.frombuffer(samples, dtype="<i2").astype(float)
        if self.state in ("dialtone", "digits"):
            self.dtmf.feed(x)
        elif self.far is not None:
            self.far.rx(samples)

    def tx(self, n):
        self.samples += n
        ndig = len(self.digits)
        if ndig != self._ndigits:
            self._ndigits = ndig
            self._last_digit_at = self.samples
            if self.state == "dialtone":
                self.state = "digits"
            if self.digits == self.ex.outside_prefix:
                # A PBX: the outside-line digit gives a second dial tone.
                self.state = "dialtone"
        if self.state == "dialtone":
            return _pcm(self._dial.gen(n))
        if self.state == "digits":
            if self.samples - self._last_digit_at >= _DIGIT_TIMEOUT_MS * 8:
                self._route()
            return bytes(2 * n)
        if self.state == "ringing":
            out = self._ringback.gen(n)
            if self._ring_left is not None and self._ringback.pos >= self._ring_left:
                self._connect()
            return _pcm(out)
        return self.far.tx(n)

    def _route(self):
        self.number = self.digits
        prefix = self.ex.outside_prefix
        if prefix and self.number.startswith(prefix):
            self.number = self.number[len(prefix):]
        kind = self.ex.far_for(self.number)
        self.kind = kind
        self.ex.note("exchange: %s dialled, far end %s" % (self.number, kind))
        if kind in ("busy", "reorder", "sit"):
            self._connect()
            return
        self.state = "ringing"
        period = self._ringback.period
        self._ring_left = None if kind == "noanswer" else self.ex.rings * period

    def _connect(self):
        kind = self.kind
        self.state = "connected"
        self.far = self.ex.make_far(kind, self)


class Exchange:
    """The simulated exchange of one country. `off_hook()` gives the call the sim
    board's line carries; `hangup(call)` ends it. `far` is the far end for every
    number, `numbers` maps particular numbers (digits as dialled) to other kinds.

    `tone_skew` plays every tone off nominal, for tests at the tolerance edges:
    {"freq_scale": 1.02, "time_scale": 0.9}. `outside_prefix` makes it a PBX: that
    digit ("9") gives a second dial tone and is not part of the number."""

    def __init__(self, far="spandsp", country="US", rx_dir="build/sim-received", rings=2,
                 numbers=None, log=None, far_log=None, tone_skew=None, voice_samples=None,
                 outside_prefix=None):
        if far not in FAR_KINDS:
            raise ValueError("unknown far end: " + far)
        self.far = far
        self.country = _profiles().get(country)
        self.country_code = country
        self.rx_dir = rx_dir
        self.rings = rings
        self.numbers = dict(numbers or {})
        self.calls = []
        self.tone_skew = dict(tone_skew or {})
        self.voice_samples = voice_samples
        self.outside_prefix = outside_prefix
        self._log = log
        self._far_log = far_log

    def note(self, text):
        if self._log:
            self._log(text)

    def far_for(self, number):
        return self.numbers.get(number, self.far)

    def off_hook(self):
        inc = getattr(self, "incoming", None)
        if inc is not None and not inc.answered:
            inc.answered = True
            self.note("exchange: the box answered; caller connected")
            inc.caller.kind = "caller"
            return inc.caller
        call = PstnCall(self)
        self.calls.append(call)
        return call

    def call_box(self, caller="box", start_ms=0, max_rings=10, pages=1, cadence_ms=None,
                 tx_file=None):
        """Rings the box from `start_ms` (sim clock) with the country's ring cadence
        (or `cadence_ms`, e.g. a distinctive ring); the caller is the box's own
        T.30 sender ("box") or SpanDSP's calling terminal sending `tx_file`."""
        if caller == "box":
            log = self._far_log and (lambda ln: self._far_log("caller: " + ln))
            far = BoxCaller(pages, log=log)
        elif caller == "voice":
            # A person calling the fax number: "hello?" three times over 15 s.
            speech = babble(4.0)
            gap = np.zeros(SAMPLE_RATE_HZ)
            far = VoiceAnswerer(np.concatenate([speech, gap] * 3))
        elif caller == "spandsp":
            from picofax.exchange import _spandsp
            term = _spandsp().FaxTerminal(calling=True, ident="SPANDSP", tx_file=tx_file)
            far = _SpanDspCaller(term)
        else:
            raise ValueError("unknown caller: " + caller)
        self.incoming = IncomingCall(self, far, start_ms,
                                     cadence_ms or self.country["ring_cadence_ms"], max_rings)
        return self.incoming

    def call_coming(self, now_ms):
        """True from a call's first ring until it is answered or rings out."""
        inc = getattr(self, "incoming", None)
        if inc is None or inc.answered:
            return False
        return inc.start_ms <= now_ms < inc.start_ms + inc.max_rings * sum(inc.cadence)

    def ring_changes(self, now_ms):
        inc = getattr(self, "incoming", None)
        if inc is None or inc.answered:
            return []
        return inc.changes(now_ms)

    def make_far(self, kind, call):
        n = len(self.calls)
        base = os.path.join(self.rx_dir, "call%03d-%s" % (n, call.number or "anon"))
        c = self.country
        skew = self.tone_skew
        if kind == "spandsp":
            os.makedirs(self.rx_dir, exist_ok=True)
            end = SpanDspAnswerer(base + ".tif", log=self._far_log)
        elif kind == "box":
            os.makedirs(self.rx_dir, exist_ok=True)
            end = BoxAnswerer(base + "-pages",
                              log=self._far_log and (lambda ln: self._far_log("far box: " + ln)))
        elif kind == "silent":
            end = SilentAnswerer()
        elif kind == "voice":
            end = VoiceAnswerer(self.voice_samples)
        elif kind == "busy":
            end = _TonePlayer(ToneSource(*c["busy"], **skew), "busy")
        elif kind == "reorder":
            tone = c["reorder"] or c["busy"]
            end = _TonePlayer(ToneSource(*tone, **skew), "reorder")
        elif kind == "sit":
            end = _TonePlayer(SitSource(freq_scale=skew.get("freq_scale", 1.0)), "sit")
        else:
            raise ValueError(kind)
        end.base = base
        end.kind = kind
        self.note("exchange: %s answered by %s" % (call.number, kind))
        return end

    def __call__(self, number):
        """Out-of-band dialling for callers that use SimLine.dial: the far end at once."""
        call = self.off_hook()
        call.dialled(number)
        call._route()
        call._connect()
        return call

    def hangup(self, call):
        if getattr(call, "kind", None) == "caller":
            result = call.result()
            self.note("exchange: incoming call ended, caller says %s"
                      % json.dumps(result, sort_keys=True))
            return result
        end = getattr(call, "far", None)
        if end is None:
            self.note("exchange: on hook after dialling %r" % (call.digits if call else ""))
            return None
        result = end.result()
        if end.kind == "spandsp":
            with open(end.base + ".json", "w") as f:
                json.dump(result, f, indent=1, sort_keys=True)
        self.note("exchange: call ended, far end says %s" % json.dumps(result, sort_keys=True))
        return result
