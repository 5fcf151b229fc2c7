"""The simulated phone line: 8 kHz, 16-bit audio in both directions with impairments.

A `Channel` impairs one direction; a `Line` holds two and moves blocks between two
endpoints that have `tx(n) -> bytes` and `rx(bytes)` (the SpanDSP peer and our
modem block interface both do). Host only (numpy); every impairment is
stateful across blocks so block boundaries leave no trace, and the noise is seeded
so a run repeats exactly.

Levels follow the faxcore convention (as G.711 and SpanDSP): a full-scale sine is
+3.14 dBm0, so 0 dBm0 is a sine of peak 22,767, RMS 16,099.

Processing order in a Channel, block by block:
    input -> band-pass (optional) -> + listener echo (optional) -> gain
          -> sample-clock offset (optional) -> + noise (optional) -> round, clip
"""
from array import array

import numpy as np

FS_HZ = 8000
PEAK_0DBM0 = 22767.0
RMS_0DBM0 = PEAK_0DBM0 / np.sqrt(2.0)

# Telephone band (the 300-3400 Hz channel of G.712): a linear-phase FIR band-pass,
# windowed sinc with a Kaiser window (beta 5, about 50 dB stop band), 161 taps
# (80 samples = 10 ms of delay), designed once at import. The band edges are its
# -6 dB points; 1800 Hz passes flat, 100 Hz and 3900 Hz are in the stop band. It has
# no group-delay distortion, unlike a real line.
BAND_LOW_HZ = 300.0
BAND_HIGH_HZ = 3400.0
_BAND_TAPS = 161


def _band_taps():
    n = np.arange(_BAND_TAPS) - (_BAND_TAPS - 1) / 2.0
    lo, hi = BAND_LOW_HZ / FS_HZ, BAND_HIGH_HZ / FS_HZ
    ideal = 2.0 * hi * np.sinc(2.0 * hi * n) - 2.0 * lo * np.sinc(2.0 * lo * n)
    return ideal * np.kaiser(_BAND_TAPS, 5.0)


_BAND_FIR = _band_taps()

# Sample-clock offset: windowed-sinc interpolation, 32 taps (Kaiser, beta 6), 512
# phases with linear interpolation between them. For tones of 300-3400 Hz the
# interpolation error measured -68 dB or less, far under any modem's needs.
_INTERP_TAPS = 32
_INTERP_PHASES = 512
_INTERP_HALF = _INTERP_TAPS // 2


def _interp_table():
    # Row p holds the taps for position i + p / _INTERP_PHASES: tap j weights
    # input sample i + j - (_INTERP_HALF - 1).
    frac = np.arange(_INTERP_PHASES + 1) / _INTERP_PHASES
    j = np.arange(_INTERP_TAPS) - (_INTERP_HALF - 1)
    t = j[None, :] - frac[:, None]
    # Kaiser window (beta 6) evaluated at each tap's distance from the position,
    # spanning +/- _INTERP_HALF.
    w = np.i0(6.0 * np.sqrt(np.clip(1.0 - (t / _INTERP_HALF) ** 2, 0.0, 1.0))) / np.i0(6.0)
    taps = np.sinc(t) * w
    return taps / taps.sum(axis=1, keepdims=True)


_INTERP_TABLE = _interp_table()

# With a clock offset the output is read from a FIFO primed with this much silence,
# so that a fast far clock (fewer samples out than in) has slack to draw on:
# 800 samples (100 ms) absorb 100 ppm for 8 million samples (1000 s of call).
_FIFO_PRIME_SAMPLES = 800


def dbm0_to_rms(dbm0):
    """RMS sample value of a signal at `dbm0` (0 dBm0 = RMS 16,099)."""
    return RMS_0DBM0 * 10.0 ** (dbm0 / 20.0)


def measure_dbm0(samples):
    """Level of `samples` (any int or float array) in dBm0, from its RMS."""
    x = np.asarray(samples, dtype=np.float64)
    ms = np.mean(x * x) if x.size else 0.0
    if ms <= 0.0:
        return -np.inf
    return 10.0 * np.log10(ms) - 20.0 * np.log10(RMS_0DBM0)


class _ClockOffset:
    """Resamples a stream as heard by a receiver whose clock differs by `ppm`.

    ppm > 0: the sender's clock is fast relative to the receiver's, so a tone of f Hz
    is heard at f * (1 + ppm * 1e-6) and fewer samples come out than went in. Output
    sample k is the input interpolated at input position k * (1 + ppm * 1e-6),
    plus the fixed delay below.

    `process` always returns as many samples as it was given: the resampled stream
    goes through a FIFO primed with `prime` samples of silence (that much added
    delay). When a fast sender drains it empty, the FIFO repeats its last sample
    (a slip, counted in `slips`); when a slow sender fills it, the delay just grows
    (by 1 sample per 1e6 / ppm samples). Nothing is dropped.
    """

    def __init__(self, ppm, prime=_FIFO_PRIME_SAMPLES):
        self.step = 1.0 + ppm * 1e-6
        # Input history: the last _INTERP_TAPS samples before the current block, so a
        # position near a block edge still sees its full window.
        self.hist = np.zeros(_INTERP_TAPS, dtype=np.float64)
        # Next output position, relative to hist[0] (in input samples); every block
        # ends with it in this same range, just after the full-window limit.
        self.pos = float(_INTERP_TAPS - _INTERP_HALF)
        self.fifo = np.zeros(prime, dtype=np.float64)
        self.last = 0.0
        self.slips = 0

    def _resample(self, x):
        buf = np.concatenate([self.hist, x])
        # Positions usable: the window must end inside buf (index i + _INTERP_HALF).
        limit = len(buf) - _INTERP_HALF
        count = int(np.floor((limit - 1e-9 - self.pos) / self.step)) + 1
        if count <= 0:
            out = np.zeros(0)
        else:
            p = self.pos + self.step * np.arange(count)
            i = np.floor(p).astype(np.int64)
            f = (p - i) * _INTERP_PHASES
            ph = np.floor(f).astype(np.int64)
            w = f - ph
            taps = (_INTERP_TABLE[ph] * (1.0 - w)[:, None] + _INTERP_TABLE[ph + 1] * w[:, None])
            idx = i[:, None] + np.arange(_INTERP_TAPS)[None, :] - (_INTERP_HALF - 1)
            out = np.einsum("ij,ij->i", buf[idx], taps)
            self.pos += self.step * count
        # Keep the last _INTERP_TAPS samples as history; rebase the position.
        drop = len(buf) - _INTERP_TAPS
        self.hist = buf[drop:].copy()
        self.pos -= drop
        return out

    def process(self, x):
        n = len(x)
        self.fifo = np.concatenate([self.fifo, self._resample(x)])
        if len(self.fifo) >= n:
            out = self.fifo[:n]
            self.fifo = self.fifo[n:]
        else:
            short = n - len(self.fifo)
            last = self.fifo[-1] if len(self.fifo) else self.last
            out = np.concatenate([self.fifo, np.full(short, last)])
            self.fifo = self.fifo[:0]
            self.slips += short
        if n:
            self.last = out[-1]
        return out


class Channel:
    """One direction of a phone line.

    gain_db     gain (negative = loss) applied to the signal, not to the noise
    noise_dbm0  white Gaussian noise over 0-4 kHz at this level, or None
    bandpass    True: 300-3400 Hz telephone band filter (80 samples of delay)
    ppm         sample-clock offset of the sender relative to the receiver
                (see _ClockOffset; when non-zero it adds 816 samples, 102 ms, of
                delay: the FIFO's 800 plus half the interpolator)
    echo        None, or (delay_ms, loss_db): a listener echo, the signal again
                delay_ms later and loss_db weaker (a reflection on the line)
    seed        seed of the noise generator: the same seed gives the same output
    """

    def __init__(self, gain_db=0.0, noise_dbm0=None, bandpass=False, ppm=0.0, echo=None, seed=1):
        self.gain = 10.0 ** (gain_db / 20.0)
        self.noise_rms = None if noise_dbm0 is None else dbm0_to_rms(noise_dbm0)
        self.rng = np.random.default_rng(seed)
        # Band-pass state: the last _BAND_TAPS - 1 input samples.
        self.band_hist = np.zeros(_BAND_TAPS - 1) if bandpass else None
        self.clock = _ClockOffset(ppm) if ppm else None
        self.echo_tail = None
        if echo is not None:
            delay_ms, loss_db = echo
            delay = int(round(delay_ms * FS_HZ / 1000.0))
            if delay < 1:
                raise ValueError("echo delay must be at least one sample")
            self.echo_gain = 10.0 ** (-abs(loss_db) / 20.0)
            self.echo_tail = np.zeros(delay, dtype=np.float64)
        self.clipped = 0

    @property
    def slips(self):
        """Samples repeated because a fast sender drained the clock-offset FIFO."""
        return self.clock.slips if self.clock else 0

    def process(self, samples):
        """Impair one block (int16 array); returns an int16 array of the same length."""
        x = np.asarray(samples, dtype=np.float64)
        if self.band_hist is not None:
            both = np.concatenate([self.band_hist, x])
            self.band_hist = both[len(x):]
            x = np.convolve(both, _BAND_FIR, mode="valid")
        if self.echo_tail is not None:
            # The echo of sample t is added at t + delay: a delay line across blocks.
            both = np.concatenate([self.echo_tail, x])
            x = x + self.echo_gain * both[:len(x)]
            self.echo_tail = both[len(x):]
        x = x * self.gain
        if self.clock is not None:
            x = self.clock.process(x)
        if self.noise_rms is not None:
            x = x + self.rng.standard_normal(len(x)) * self.noise_rms
        y = np.rint(x)
        over = (y > 32767) | (y < -32768)
        if over.any():
            self.clipped += int(np.count_nonzero(over))
            y = np.clip(y, -32768, 32767)
        return y.astype(np.int16)


class Line:
    """Two channels: `ab` carries what endpoint a sends to b, `ba` the reverse.

    hybrid_echo: None, or (delay_ms, loss_db): each end also hears its own signal
    back (talker echo from the far hybrid), delay_ms later and loss_db weaker.
    """

    def __init__(self, ab=None, ba=None, hybrid_echo=None):
        self.ab = ab if ab is not None else Channel()
        self.ba = ba if ba is not None else Channel(seed=2)
        self.hybrid_gain = 0.0
        if hybrid_echo is not None:
            delay_ms, loss_db = hybrid_echo
            delay = int(round(delay_ms * FS_HZ / 1000.0))
            if delay < 1:
                raise ValueError("echo delay must be at least one sample")
            self.hybrid_gain = 10.0 ** (-abs(loss_db) / 20.0)
            self._tail_a = np.zeros(delay, dtype=np.float64)
            self._tail_b = np.zeros(delay, dtype=np.float64)
        self.samples = 0

    def step(self, a, b, block=160):
        """Move one block each way: a.tx -> ab -> b.rx and b.tx -> ba -> a.rx.
        An endpoint without `tx` sends silence; one without `rx` hears nothing (so a
        bare transmitter or receiver can sit at either end).
        Returns (a_sent, b_sent) as int16 arrays, for recording."""
        sa = self._send(a, block)
        sb = self._send(b, block)
        to_b = self.ab.process(sa)
        to_a = self.ba.process(sb)
        if self.hybrid_gain:
            to_a, self._tail_a = self._add_echo(to_a, sa, self._tail_a, self.hybrid_gain)
            to_b, self._tail_b = self._add_echo(to_b, sb, self._tail_b, self.hybrid_gain)
        if hasattr(b, "rx"):
            b.rx(to_b.tobytes())
        if hasattr(a, "rx"):
            a.rx(to_a.tobytes())
        self.samples += block
        return sa, sb

    @staticmethod
    def _send(end, block):
        if not hasattr(end, "tx"):
            return np.zeros(block, dtype=np.int16)
        out = np.frombuffer(end.tx(block), dtype=np.int16)
        if len(out) != block:
            raise ValueError("endpoint returned %d samples for a block of %d" % (len(out), block))
        return out

    @staticmethod
    def _add_echo(heard, own, tail, gain):
        both = np.concatenate([tail, own * gain])
        mixed = np.clip(np.rint(heard + both[:len(heard)]), -32768, 32767)
        return mixed.astype(np.int16), both[len(heard):]


class BlockEndpoint:
    """Adapts a modem with the faxmodem block API (`tx(buf)` fills an int16 buffer,
    `rx(buf)` reads one) to the `tx(n) -> bytes` / `rx(bytes)` shape of `Line.step`.
    The buffer is allocated once per block size."""

    def __init__(self, modem):
        self.modem = modem
        self._buf = array("h")

    def tx(self, n):
        if len(self._buf) != n:
            self._buf = array("h", bytes(2 * n))
        self.modem.tx(self._buf)
        return self._buf.tobytes()

    def rx(self, data):
        self.modem.rx(array("h", data))
