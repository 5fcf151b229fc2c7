"""The rp2 audio path (firmware/cmodules/audio) without a pico-sdk.

- Cross build: the SDK-free files (block engine, PCM PIO program, the SPSC ring)
  compiled for Cortex-M0+ and Cortex-M33 through picofax.crossbuild, with its
  float/heap/libm/I/O checks. pcm_rp2.c and mod_faxaudio.c need the pico-sdk and
  MicroPython headers: `python -m picofax.firmware --board pico_w` compiles them.
- Host: the same files built into a shared object for ctypes: the PIO program is
  decoded and run by a small PIO model written here from the RP2040 datasheet
  (§3.4), so the frame timing on the pins is checked, not the encoder's own
  words; the clock divider; the engine's rings, under/overruns and stall handling.
"""
import array
import asyncio
import ctypes
import os
import shutil
import struct
import subprocess

import pytest

from conftest import ROOT
from picofax import crossbuild

AUDIO = os.path.join(ROOT, "firmware", "cmodules", "audio")
DSP = os.path.join(ROOT, "firmware", "cmodules", "faxcore", "dsp")
SDK_FREE = [os.path.join(AUDIO, "fa_engine.c"), os.path.join(AUDIO, "pcm_prog.c"),
            os.path.join(DSP, "ring.c")]
CC = shutil.which("cc") or shutil.which("gcc")

BLOCK = 160         # FA_BLOCK_SAMPLES, Python's block (20 ms)
DMA_BLOCK = 128     # FA_DMA_BLOCK_SAMPLES (16 ms)
RING = 2048         # FA_RING_SAMPLES
PRIME = 2           # FA_TX_PRIME_BLOCKS


@pytest.mark.parametrize("cpu", ["m0plus", "m33"])
def test_sdk_free_part_cross_compiles_clean(tmp_path, cpu):
    objects, failures = crossbuild.compile_objects(SDK_FREE, cpu, str(tmp_path),
                                                   include_dirs=[AUDIO, DSP])
    findings = crossbuild.check_objects(objects, cpu)
    for src in SDK_FREE + [os.path.join(AUDIO, f) for f in ("pcm_rp2.c", "mod_faxaudio.c")]:
        findings.extend(crossbuild.source_findings(src))
    undefined = set()
    for obj in objects:
        undefined.update(crossbuild.undefined_symbols(obj))
    undefined -= {"fx_ring_init", "fx_ring_count", "fx_ring_read", "fx_ring_read_some",
                  "fx_ring_write", "fx_ring_skip"}     # defined by ring.o
    sizes = crossbuild.sizes(objects)

    assert failures == []
    assert findings == []
    # Only the C library's block copies and the M0+'s division helper.
    assert undefined <= {"memcpy", "memset", "__aeabi_uidiv", "__aeabi_uidivmod", "__aeabi_memcpy",
                         "__aeabi_memset", "__aeabi_memclr"}, undefined
    # No static RAM: the engine's state is the caller's (the binding's one .bss struct).
    assert sum(data + bss for _text, data, bss in sizes.values()) == 0, sizes


def _pio_fields(word):
    return word >> 13, (word >> 8) & 0x1F, word & 0xFF


class Pio:
    """One PIO state machine: side-set 2 bits (not optional, so 3 delay bits),
    OUT/IN shifting left with autopull/autopush at 16 bits. Only the
    instructions the PCM program may use: JMP (always, X--), IN/OUT PINS,
    MOV Y,Y (nop), SET X."""

    def __init__(self, prog, tx_words, din_bits):
        self.prog, self.tx, self.din = prog, list(tx_words), din_bits
        self.pc, self.x, self.osr, self.osr_count = 0, 0, 0, 32
        self.isr, self.isr_count, self.rx = 0, 0, []
        self.dout = 0

    def run(self, cycles):
        trace = []      # per cycle: (pclk, fsync, dout)
        pclk = fsync = 0
        while len(trace) < cycles:
            op, ds, arg = _pio_fields(self.prog[self.pc])
            side, delay = ds >> 3, ds & 7
            pclk, fsync = side & 1, side >> 1
            nxt = self.pc + 1
            if op == 0:                                 # JMP
                cond, addr = arg >> 5, arg & 0x1F
                assert cond in (0, 2)
                if cond == 0:
                    nxt = addr
                else:
                    if self.x != 0:
                        nxt = addr
                    self.x = (self.x - 1) & 0xFFFFFFFF
            elif op == 3:                               # OUT PINS, 1 (autopull)
                assert arg == 0x01
                if self.osr_count >= 16:
                    self.osr, self.osr_count = self.tx.pop(0), 0
                self.dout = (self.osr >> 31) & 1
                self.osr = (self.osr << 1) & 0xFFFFFFFF
                self.osr_count += 1
            elif op == 2:                               # IN PINS, 1 (autopush)
                assert arg == 0x01
                self.isr = ((self.isr << 1) | self.din(len(trace))) & 0xFFFFFFFF
                self.isr_count += 1
                if self.isr_count == 16:
                    self.rx.append(self.isr)
                    self.isr, self.isr_count = 0, 0
            elif op == 5:                               # MOV Y, Y
                assert arg == 0x42
            elif op == 7:                               # SET X, n
                assert arg >> 5 == 1
                self.x = arg & 0x1F
            else:
                raise AssertionError("unexpected opcode %d" % op)
            for _ in range(1 + delay):
                trace.append((pclk, fsync, self.dout))
            # .wrap 11 -> .wrap_target 0, unless the instruction jumped.
            self.pc = 0 if (self.pc == 11 and nxt == 12) else nxt
        return trace[:cycles]


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    if CC is None:
        pytest.fail("no C compiler (cc/gcc) on PATH")
    so = str(tmp_path_factory.mktemp("audio") / "libfaxaudio_host.so")
    subprocess.run([CC, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    "-I" + AUDIO, "-I" + DSP] + SDK_FREE + ["-o", so], check=True)
    lib = ctypes.CDLL(so)
    lib.fa_pcm_clkdiv_q8.restype = ctypes.c_uint32
    lib.fa_engine_ready.restype = ctypes.c_uint32
    return lib


def program(lib):
    words = (ctypes.c_uint16 * 12)()
    lib.fa_pcm_program(words)
    return list(words)


def test_pcm_program_words(lib):
    # Worked by hand from RP2040 datasheet §3.4: opcode in bits 15:13, side-set
    # (FSYNC, PCLK) in 12:11, delay in 10:8.
    #   out pins,1 side 3      011 11 000 | 000 00001 = 0x7801
    #   set x,14 side 3        111 11 000 | 001 01110 = 0xF82E
    #   in pins,1 side 2       010 10 000 | 000 00001 = 0x5001
    #   mov y,y side 0         101 00 000 | 010 00 010 = 0xA042
    #   out pins,1 side 1      011 01 000 | 00000001 = 0x6801
    #   mov y,y side 1                                  = 0xA842
    #   in pins,1 side 0                                 = 0x4001
    #   jmp x-- 4 side 0       000 00 000 | 010 00100 = 0x0044
    #   set x,14 side 1 [1]    111 01 001 | 001 01110 = 0xE92E
    #   mov y,y side 0 [1]     101 00 001 | 0x42       = 0xA142
    #   mov y,y side 1 [1]                              = 0xA942
    #   jmp x-- 10 side 0 [1]  000 00 001 | 010 01010 = 0x014A
    assert program(lib) == [0x7801, 0xF82E, 0x5001, 0xA042, 0x6801, 0xA842, 0x4001, 0x0044,
                            0xE92E, 0xA142, 0xA942, 0x014A]


def test_pcm_frame_timing_and_bits_on_the_pins(lib):
    samples = [0xA5C3, 0x0001, 0x8000]
    # A 16-bit DMA write to the TX FIFO is replicated into both halves.
    tx_words = [(s << 16) | s for s in samples] + [0] * 4
    heard = [0x1234, 0xFFFF, 0x7FFE]
    # The DAA drives DIN for period p of frame f with bit 15-p of heard[f].

    def din(cycle):
        frame, period = divmod(cycle, 128)
        period //= 4
        return (heard[frame] >> (15 - period)) & 1 if period < 16 and frame < 3 else 0

    sim = Pio(program(lib), tx_words, din)
    trace = sim.run(3 * 128)

    pclk = [t[0] for t in trace]
    rises = [i for i in range(1, len(pclk)) if pclk[i] and not pclk[i - 1]]
    fsync_cycles = [i for i, t in enumerate(trace) if t[1]]
    # PCLK: 32 periods of 4 cycles per 128-cycle frame, high 2, low 2.
    assert rises[:3] == [4, 8, 12] and len(rises) == 3 * 32 - 1    # cycle 0 starts high
    assert pclk[:8] == [1, 1, 0, 0, 1, 1, 0, 0]
    # FSYNC high from the first rising edge of a frame to just after its falling edge.
    assert fsync_cycles == [0, 1, 2, 128, 129, 130, 256, 257, 258]
    # DOUT during period p of frame f carries bit 15-p of samples[f].
    for f, s in enumerate(samples):
        got = [trace[128 * f + 4 * p + 1][2] for p in range(16)]
        assert got == [(s >> (15 - p)) & 1 for p in range(16)], f
    # Each frame's 16 sampled DIN bits are pushed as one word, sample in bits 15:0.
    assert sim.rx == heard


def test_clock_divider_16_8(lib):
    # PIO clock = 8000 x 32 x 4 = 1.024 MHz.
    # 125 MHz / 1.024 MHz = 122.0703125 = 122 + 18/256   -> 0x7A12 (exact)
    # 133 MHz / 1.024 MHz = 129.8828125 = 129 + 226/256  -> 0x81E2 (exact)
    # 150 MHz / 1.024 MHz = 146.484375  = 146 + 124/256  -> 0x927C (exact)
    # 48 MHz / 1.024 MHz = 46.875 = 46 + 224/256         -> 0x2EE0
    # 1 MHz / 1.024 MHz < 1: out of range -> 0
    got = [lib.fa_pcm_clkdiv_q8(ctypes.c_uint32(hz), ctypes.c_uint32(8000))
           for hz in (125_000_000, 133_000_000, 150_000_000, 48_000_000, 1_000_000)]

    assert got == [0x7A12, 0x81E2, 0x927C, 0x2EE0, 0]


class Engine:
    def __init__(self, lib):
        self.lib = lib
        # fx_ring_t: pointer + 6 x uint32 (+ padding to pointer alignment).
        ring_size = ctypes.sizeof(ctypes.c_void_p) + 6 * 4
        ring_size += -ring_size % ctypes.sizeof(ctypes.c_void_p)
        self.ring_size = ring_size
        self.size = 2 * ring_size + 2 * 2 * RING + 5 * 4
        self.mem = ctypes.create_string_buffer(self.size + 64)
        lib.fa_engine_init(self.mem)

    def stats(self):
        return struct.unpack_from("<5I", self.mem.raw, 2 * self.ring_size + 4 * RING)

    def block(self, samples):
        rx = (ctypes.c_int16 * len(samples))(*samples)
        tx = (ctypes.c_int16 * len(samples))()
        self.lib.fa_engine_block(self.mem, rx, tx, len(samples))
        return list(tx)

    def exchange(self, out):
        o = (ctypes.c_int16 * len(out))(*out)
        i = (ctypes.c_int16 * len(out))()
        rc = self.lib.fa_engine_exchange(self.mem, o, i, len(out))
        return rc, list(i)


def ramp(start, n):
    return [(start + k) % 30000 for k in range(n)]


def test_engine_moves_blocks_both_ways_with_the_prime_delay(lib):
    e = Engine(lib)

    early = e.exchange([7] * BLOCK)
    sent = [e.block(ramp(0, DMA_BLOCK)) for _ in range(2)]     # 256 samples heard
    rc1, got1 = e.exchange([1000 + k for k in range(BLOCK)])
    rc2, _ = e.exchange([9] * BLOCK)                            # 96 left: not a block
    sent += [e.block(ramp(DMA_BLOCK * (b + 2), DMA_BLOCK)) for b in range(3)]
    out = [s for blk in sent for s in blk]

    assert early[0] == 0
    assert rc1 == 1 and got1 == ramp(0, DMA_BLOCK) + ramp(0, 32)
    assert rc2 == 0
    # Two primed blocks of silence (320 samples) go out first, then Python's block.
    assert out[:PRIME * BLOCK] == [0] * (PRIME * BLOCK)
    assert out[PRIME * BLOCK:PRIME * BLOCK + BLOCK] == [1000 + k for k in range(BLOCK)]
    # 640 samples sent, 480 queued in all: the last 160 are underrun silence.
    assert out[3 * BLOCK:] == [0] * (5 * DMA_BLOCK - 3 * BLOCK)
    blocks, rx_over, tx_under, tx_over, lost = e.stats()
    assert (blocks, rx_over, tx_over, lost) == (5, 0, 0, 0)
    assert tx_under == 2       # blocks 4 and 5 found fewer than 128 samples queued


def test_engine_counts_overruns_when_python_stops(lib):
    e = Engine(lib)

    for b in range(RING // DMA_BLOCK + 3):
        e.block(ramp(b * DMA_BLOCK, DMA_BLOCK))
    ready = lib.fa_engine_ready(e.mem)
    rc, first = e.exchange([0] * BLOCK)

    assert e.stats()[1] == 3                    # 16 blocks fit in 2048 samples
    assert ready == RING // BLOCK               # 12 whole Python blocks
    assert rc == 1 and first == ramp(0, BLOCK)  # the oldest kept, the newest dropped


def test_engine_stall_keeps_sample_count(lib):
    e = Engine(lib)
    e.exchange([0] * BLOCK)                     # nothing heard yet: takes nothing

    e.block(ramp(1, DMA_BLOCK))
    lib.fa_engine_lost(e.mem, ctypes.c_uint32(2))   # 256 samples went by unserviced
    e.block(ramp(5000, DMA_BLOCK))
    got = []
    while True:
        rc, blk = e.exchange([3] * BLOCK)
        if rc != 1:
            break
        got += blk

    assert got == ramp(1, DMA_BLOCK) + [0] * (2 * DMA_BLOCK) + ramp(5000, 3 * BLOCK - 3 * DMA_BLOCK)
    assert e.stats()[4] == 2


class FakeFaxaudio:
    """The `faxaudio` module's Python API over the real engine (host build): start
    records its arguments, `dma_block` plays the DMA interrupt and the scheduler."""
    BLOCK_SAMPLES = BLOCK

    def __init__(self, lib):
        self.engine = Engine(lib)
        self.started = None
        self.callback = None

    def start(self, pio, pclk_pin, dout_pin, din_pin, callback=None):
        self.started = (pio, pclk_pin, dout_pin, din_pin)
        self.callback = callback

    def stop(self):
        self.started = None

    def exchange(self, out, inp):
        o = (ctypes.c_int16 * BLOCK)(*out)
        i = (ctypes.c_int16 * BLOCK)()
        rc = self.engine.lib.fa_engine_exchange(self.engine.mem, o, i, BLOCK)
        inp[:] = type(inp)("h", bytes(i))
        return rc == 1

    def stats(self):
        return self.engine.stats()

    def dma_block(self, samples):
        sent = self.engine.block(samples)
        self.callback(None)
        return sent


class Flag:
    """asyncio.ThreadSafeFlag's behaviour: wait() returns once set, and clears it."""

    def __init__(self):
        self.event = asyncio.Event()

    def set(self):
        self.event.set()

    async def wait(self):
        await self.event.wait()
        self.event.clear()


def test_pcmaudio_exchange_waits_for_a_whole_block(lib):
    from faxbox.drivers import pcmaudio
    fa = FakeFaxaudio(lib)

    async def scenario():
        audio = pcmaudio.PcmAudio(fa, 0, 10, 12, 13, flag=Flag())
        audio.start()
        inp = array.array("h", bytes(2 * BLOCK))
        out = array.array("h", range(BLOCK))
        task = asyncio.ensure_future(audio.exchange(out, inp))
        await asyncio.sleep(0)
        fa.dma_block(ramp(0, DMA_BLOCK))            # 128 < 160: still waiting
        await asyncio.sleep(0)
        waiting_after_one = not task.done()
        fa.dma_block(ramp(DMA_BLOCK, DMA_BLOCK))    # 256: a block is ready
        await asyncio.wait_for(task, 1)
        return audio, waiting_after_one, list(inp)

    audio, waiting_after_one, got = asyncio.run(scenario())

    assert fa.started == (0, 10, 12, 13)
    assert waiting_after_one is True
    assert got == ramp(0, BLOCK)
    assert audio.stats() == {"blocks": 2, "rx_overruns": 0, "tx_underruns": 0,
                             "tx_overruns": 0, "lost": 0}


def test_interrupt_picks_the_whole_half_and_counts_stalls(lib):
    lost = ctypes.c_uint32()

    def pick(done0, done1, busy0, gap_us):
        half = lib.fa_engine_pick_half(done0, done1, busy0, ctypes.c_uint32(gap_us),
                                       ctypes.byref(lost))
        return half, lost.value

    # A DMA block is 128 / 8000 s = 16,000 us.
    assert pick(1, 0, 0, 16_000) == (0, 0)
    assert pick(0, 1, 1, 15_000) == (1, 0)          # early by 1 ms: still one block
    assert pick(0, 0, 0, 16_000) == (-1, 0)
    # A 45 ms flash erase on top of a 16 ms block: 61 ms -> 4 blocks, 3 lost.
    assert pick(0, 1, 1, 61_000) == (1, 3)
    # Both halves done: the busy one is being overwritten, take the other; at least
    # one block is lost even if the clock says only one went by.
    assert pick(1, 1, 1, 17_000) == (1, 1)
    assert pick(1, 1, 0, 400_000 + 16_000) == (0, 25)   # 400 ms erase: 26 blocks
