"""The `sim` board: the firmware runs on the host (CPython) and its "hardware" is a
simulated phone line.

What a board supplies to the app (DESIGN.md §3): the line (hook, line-in-use,
dialling), the audio stream (8 kHz, 16-bit, full duplex, 20 ms blocks), a clock,
storage (a data folder) and the network (the host's loopback).

The clock counts samples moved over the line, so every protocol timer runs in
sample time: a simulated call runs much faster than real time and always the same way.
"""
import asyncio

import numpy as np

from picofax.line import Channel

SAMPLE_RATE_HZ = 8000
# Let the asyncio loop serve HTTP between blocks without slowing a call down much:
# one yield per 25 blocks (0.5 s of line time).
_YIELD_EVERY_BLOCKS = 25


class SampleClock:
    def __init__(self):
        self.samples = 0

    def ms(self):
        return self.samples * 1000 // SAMPLE_RATE_HZ


class SilentFarEnd:
    """A line that is answered but carries no fax signal (a person who says nothing,
    or a far end that is no fax machine)."""

    def rx(self, samples):
        pass

    def tx(self, n):
        return bytes(2 * n)

    def log(self):
        return []


class SimLine:
    """Hook switch, dialling and line-in-use of the simulated line.

    With an exchange that has `off_hook()` (picofax.pstn.Exchange) the far end is
    an audio endpoint from the moment the box goes off hook: it hears dial tone,
    sends DTMF in the audio, hears ringback. With a plain callable exchange
    (`exchange(number)` -> far end, picofax.exchange.Exchange) `dial(number)`
    connects at once, as before.

    An extension phone on the same line can be simulated: `extension` (off hook
    now) or `extension_pickup_ms` (picked up at that clock time)."""

    def __init__(self, exchange, log=None, clock=None):
        self._exchange = exchange
        self.far = None
        self.off = False
        self.log = log
        self.clock = clock
        self.extension = False
        self.extension_pickup_ms = None
        # Without an exchange that plays tones the number goes out of band.
        self.dial_direct = not hasattr(exchange, "off_hook")

    def extension_off_hook(self):
        """True when another phone on the line is off hook (the DAA sees the line
        voltage drop while we are on hook, or the loop current change during a call)."""
        if self.extension:
            return True
        t = self.extension_pickup_ms
        return t is not None and self.clock is not None and self.clock.ms() >= t

    def in_use(self):
        return self.extension_off_hook()

    def off_hook(self):
        self.off = True
        if hasattr(self._exchange, "off_hook"):
            self.far = self._exchange.off_hook()

    def on_hook(self):
        self.off = False
        if self.far is not None and hasattr(self._exchange, "hangup"):
            self._exchange.hangup(self.far)
        self.far = None

    async def dial(self, number):
        if self.far is not None and hasattr(self.far, "dialled"):
            self.far.dialled(number)
        else:
            self.far = self._exchange(number)

    def ring_changes(self):
        """Ring-signal changes since the last call: [(on, ms of the state that
        ended)], from an exchange that can ring the box (picofax.pstn)."""
        f = getattr(self._exchange, "ring_changes", None)
        if f is None or self.off or self.clock is None:
            return []
        return f(self.clock.ms())

    def call_coming(self):
        """True while the exchange is ringing the box (or about to)."""
        f = getattr(self._exchange, "call_coming", None)
        return bool(f and self.clock is not None and f(self.clock.ms()))

    def pulse(self, breaks, break_ms, make_ms):
        """One pulse-dialled digit (`breaks` loop breaks; 10 for 0)."""
        if self.far is not None and hasattr(self.far, "pulse"):
            self.far.pulse(breaks, break_ms, make_ms)


class SimAudio:
    """Moves one block each way through the two line channels and the far end."""

    def __init__(self, clock, line, to_far, from_far):
        self.clock = clock
        self.line = line
        self.to_far = to_far
        self.from_far = from_far
        self._blocks = 0
        self.recorder = None

    async def exchange(self, out, inp):
        n = len(out)
        far = self.line.far
        sent = np.frombuffer(bytes(out), dtype=np.int16)
        if far is not None:
            far.rx(self.to_far.process(sent).tobytes())
            heard = np.frombuffer(far.tx(n), dtype=np.int16)
        else:
            heard = np.zeros(n, dtype=np.int16)
        got = self.from_far.process(heard)
        memoryview(inp).cast("B")[:] = got.astype(np.int16).tobytes()
        if self.recorder is not None:
            self.recorder(sent, got)
        self.clock.samples += n
        self._blocks += 1
        if not self.line.off and not self.line.call_coming():
            # On hook with nothing ringing: idle line time passes in real time, so a
            # box that listens for calls does not spin the host's CPU. Calls (off
            # hook or ringing) still run as fast as the host allows.
            await asyncio.sleep(n / SAMPLE_RATE_HZ)
        elif self._blocks % _YIELD_EVERY_BLOCKS == 0:
            await asyncio.sleep(0)


class SimBoard:
    name = "sim"

    def __init__(self, data_dir, exchange, noise_dbm0=-60.0, gain_db=0.0, seed=1):
        self.data_dir = data_dir
        self.clock = SampleClock()
        self.line = SimLine(exchange, clock=self.clock)
        # Line settings (country, dial prefix, ...; faxbox.dialer.settings) for
        # call.send_fax when the app passes none.
        self.line_settings = None
        self.audio = SimAudio(
            self.clock, self.line,
            Channel(gain_db=gain_db, noise_dbm0=noise_dbm0, seed=seed),
            Channel(gain_db=gain_db, noise_dbm0=noise_dbm0, seed=seed + 1))
