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
    """Hook switch and dialling. `exchange(number)` returns the far end the simulated
    exchange connects that number to (an object with rx(bytes) and tx(n) -> bytes)."""

    def __init__(self, exchange, log=None):
        self._exchange = exchange
        self.far = None
        self.off = False
        self.log = log

    def in_use(self):
        # No extension phones on the simulated line.
        return False

    def off_hook(self):
        self.off = True

    def on_hook(self):
        self.off = False
        if self.far is not None and hasattr(self._exchange, "hangup"):
            self._exchange.hangup(self.far)
        self.far = None

    async def dial(self, number):
        self.far = self._exchange(number)


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
        if self._blocks % _YIELD_EVERY_BLOCKS == 0:
            await asyncio.sleep(0)


class SimBoard:
    name = "sim"

    def __init__(self, data_dir, exchange, noise_dbm0=-60.0, gain_db=0.0, seed=1):
        self.data_dir = data_dir
        self.clock = SampleClock()
        self.line = SimLine(exchange)
        self.audio = SimAudio(
            self.clock, self.line,
            Channel(gain_db=gain_db, noise_dbm0=noise_dbm0, seed=seed),
            Channel(gain_db=gain_db, noise_dbm0=noise_dbm0, seed=seed + 1))
