# The board's audio stream on rp2: `await board.audio.exchange(out, inp)` as
# faxbox/call.py uses it, over the `faxaudio` C module (cmodules/audio: PIO PCM
# port, DMA, SPSC rings). The DMA interrupt schedules `_wake` after every 16 ms
# DMA block; exchange() waits on a ThreadSafeFlag until a whole 20 ms block has
# been received, then swaps one block each way. Nothing is allocated per block.
import asyncio


class PcmAudio:
    """faxaudio: the C module (injected so tests can fake it); pio_id and pins as
    in boards/pico_w/board.py (FSYNC is pclk_pin + 1); flag: an object with
    set() and an awaitable wait() that clears it (asyncio.ThreadSafeFlag)."""

    def __init__(self, faxaudio, pio_id, pclk_pin, dout_pin, din_pin, flag=None):
        self._fa = faxaudio
        self._args = (pio_id, pclk_pin, dout_pin, din_pin)
        self._flag = asyncio.ThreadSafeFlag() if flag is None else flag
        self._wake_cb = self._wake      # one bound method, made once
        self.block_samples = faxaudio.BLOCK_SAMPLES

    def start(self):
        pio_id, pclk, dout, din = self._args
        self._fa.start(pio_id, pclk, dout, din, callback=self._wake_cb)

    def stop(self):
        self._fa.stop()

    def _wake(self, _arg):
        self._flag.set()

    async def exchange(self, out, inp):
        """Queues `out` (block_samples int16) to send and fills `inp` with the
        oldest block received, waiting for it when none is ready."""
        fa = self._fa
        while not fa.exchange(out, inp):
            await self._flag.wait()

    def stats(self):
        """Counters since start(): DMA blocks, received blocks dropped (Python
        too slow), blocks padded with silence (Python too slow), blocks refused
        (Python too fast), DMA blocks lost to interrupt stalls."""
        blocks, rx_over, tx_under, tx_over, lost = self._fa.stats()
        return {"blocks": blocks, "rx_overruns": rx_over, "tx_underruns": tx_under,
                "tx_overruns": tx_over, "lost": lost}
