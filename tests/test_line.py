"""picofax.line, the simulated phone line: every expected figure is computed here from
first principles (RMS levels, tone phase slopes, numpy reference arithmetic)."""
from array import array

import numpy as np
import pytest

from picofax.line import BlockEndpoint, Channel, Line, dbm0_to_rms, measure_dbm0

FS_HZ = 8000
BLOCK = 160


def tone(freq_hz, seconds, amplitude=10000.0):
    t = np.arange(int(FS_HZ * seconds))
    return np.rint(amplitude * np.sin(2 * np.pi * freq_hz * t / FS_HZ)).astype(np.int16)


def run(channel, x, block=BLOCK):
    return np.concatenate([channel.process(x[k:k + block]) for k in range(0, len(x), block)])


def tone_frequency_hz(x, nominal_hz):
    """Frequency from the slope of the tone's phase: mix down by the nominal
    frequency, average over 10 ms (10 whole cycles at 1000 Hz, which cancels the
    sum term), unwrap, fit a line."""
    t = np.arange(len(x))
    z = x * np.exp(-2j * np.pi * nominal_hz * t / FS_HZ)
    chunk = 80
    m = len(z) // chunk
    zc = z[:m * chunk].reshape(m, chunk).mean(axis=1)
    phase = np.unwrap(np.angle(zc))
    slope = np.polyfit(np.arange(m) * chunk, phase, 1)[0]   # rad per sample
    return nominal_hz + slope * FS_HZ / (2 * np.pi)


def test_level_convention_matches_faxcore_readme():
    # 0 dBm0 is a sine of peak 22,767: RMS 22767 / sqrt(2) = 16,098.70.
    assert dbm0_to_rms(0.0) == pytest.approx(16098.70, abs=0.01)
    assert dbm0_to_rms(-20.0) == pytest.approx(1609.870, abs=0.001)
    # A full-scale sine is +3.14 dBm0 (20 log10(32767 / 22767) = 3.163).
    assert measure_dbm0(tone(1000, 1, amplitude=32767)) == pytest.approx(3.16, abs=0.02)
    assert measure_dbm0(np.zeros(100)) == -np.inf


@pytest.mark.parametrize("level", [-60.0, -40.0, -20.0])
def test_noise_level_within_0_2_db(level):
    ch = Channel(noise_dbm0=level, seed=5)

    out = run(ch, np.zeros(FS_HZ * 5, dtype=np.int16))

    assert abs(measure_dbm0(out) - level) < 0.2
    # White: the upper and lower halves of the band carry the same power (within 0.3 dB).
    spec = np.abs(np.fft.rfft(out.astype(float))) ** 2
    half = len(spec) // 2
    assert abs(10 * np.log10(spec[1:half].sum() / spec[half:].sum())) < 0.3


@pytest.mark.parametrize("gain_db", [-6.0, -20.0, 3.5])
def test_gain_is_exact(gain_db):
    rng = np.random.default_rng(0)
    x = rng.integers(-12000, 12000, FS_HZ, dtype=np.int16)
    ch = Channel(gain_db=gain_db)

    out = run(ch, x)

    expected = np.clip(np.rint(x * 10 ** (gain_db / 20.0)), -32768, 32767).astype(np.int16)
    assert np.array_equal(out, expected)


def test_gain_clips_and_counts():
    x = np.array([30000, -30000, 100], dtype=np.int16)
    ch = Channel(gain_db=6.0)

    out = ch.process(x)

    assert out.tolist() == [32767, -32768, 200]
    assert ch.clipped == 2


@pytest.mark.parametrize("freq_hz,limit_db", [(100, -20.0), (3900, -20.0)])
def test_bandpass_stops_out_of_band(freq_hz, limit_db):
    x = tone(freq_hz, 2)

    out = run(Channel(bandpass=True), x)

    assert measure_dbm0(out[FS_HZ:]) - measure_dbm0(x[FS_HZ:]) < limit_db


@pytest.mark.parametrize("freq_hz", [600, 1800, 3000])
def test_bandpass_passes_in_band(freq_hz):
    x = tone(freq_hz, 2)

    out = run(Channel(bandpass=True), x)

    assert abs(measure_dbm0(out[FS_HZ:]) - measure_dbm0(x[FS_HZ:])) < 1.0


@pytest.mark.parametrize("ppm", [200.0, -200.0, 50.0])
def test_clock_offset_shifts_tone_frequency(ppm):
    x = tone(1000, 4)
    ch = Channel(ppm=ppm)

    out = run(ch, x)

    # Skip the 100 ms FIFO priming; 3 s of tone left.
    f = tone_frequency_hz(out[FS_HZ:].astype(float), 1000.0)
    assert f == pytest.approx(1000.0 * (1 + ppm * 1e-6), abs=0.005)
    assert ch.slips == 0


def test_clock_offset_returns_exact_lengths_and_slips_when_drained():
    # ppm = +1 % takes 1 sample in 101 away; the 800-sample FIFO lasts about
    # 80,800 input samples, after which the shortfall is filled by slips.
    ch = Channel(ppm=10000.0)
    sizes = [BLOCK, 1, 999, 37] * 60 + [BLOCK] * 500
    x = tone(1000, sum(sizes) / FS_HZ + 1)

    outs, k = [], 0
    for n in sizes:
        outs.append(ch.process(x[k:k + n]))
        k += n

    assert [len(o) for o in outs] == sizes
    produced = k / 1.01
    expected_slips = k - 800 - produced
    assert abs(ch.slips - expected_slips) < 40


def test_same_seed_same_output_different_seed_differs():
    x = tone(1800, 1)
    cfg = dict(gain_db=-3, noise_dbm0=-30, bandpass=True, ppm=30, echo=(12, 15))

    a = run(Channel(seed=9, **cfg), x)
    b = run(Channel(seed=9, **cfg), x)
    c = run(Channel(seed=10, **cfg), x)

    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_block_boundaries_are_seamless():
    x = tone(1300, 2)
    cfg = dict(gain_db=-2, noise_dbm0=-50, bandpass=True, echo=(7, 10))
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 400, 60)   # about 12,000 of the 16,000 samples

    whole = Channel(seed=4, **cfg).process(x)
    ch = Channel(seed=4, **cfg)
    parts, k = [], 0
    for n in sizes:
        parts.append(ch.process(x[k:k + n]))
        k += n
    parts.append(ch.process(x[k:]))

    assert np.array_equal(np.concatenate(parts), whole)


def test_block_boundaries_seamless_with_clock_offset():
    # The resampler's positions are summed per block, so float rounding may differ
    # in the last place: allow one LSB.
    x = tone(1300, 2)
    sizes = np.random.default_rng(5).integers(1, 400, 60)

    whole = Channel(ppm=-70).process(x)
    ch = Channel(ppm=-70)
    parts, k = [], 0
    for n in sizes:
        parts.append(ch.process(x[k:k + n]))
        k += n
    parts.append(ch.process(x[k:]))

    assert np.max(np.abs(np.concatenate(parts).astype(int) - whole)) <= 1


def test_listener_echo_delay_and_level():
    x = np.zeros(400, dtype=np.int16)
    x[10] = 10000
    ch = Channel(echo=(5.0, 20.0))     # 40 samples later, 20 dB down (x 0.1)

    out = run(ch, x, block=64)

    assert out[10] == 10000
    assert out[50] == 1000
    assert np.count_nonzero(out) == 2


class Stub:
    """An endpoint sending a fixed ramp and recording what it hears."""

    def __init__(self, base):
        self.base = base
        self.sent = 0
        self.heard = []

    def tx(self, n):
        out = (np.arange(self.sent, self.sent + n) % 1000 + self.base).astype("<i2")
        self.sent += n
        return out.tobytes()

    def rx(self, data):
        self.heard.append(np.frombuffer(data, dtype="<i2").copy())


def test_line_step_routes_both_ways():
    a, b = Stub(0), Stub(5000)
    line = Line(Channel(gain_db=-6.0), Channel())

    for _ in range(3):
        line.step(a, b, block=100)

    heard_b = np.concatenate(b.heard)
    heard_a = np.concatenate(a.heard)
    assert np.array_equal(heard_b, np.rint(np.arange(300) * 10 ** (-6 / 20)).astype(np.int16))
    assert np.array_equal(heard_a, np.arange(300) + 5000)
    assert line.samples == 300


def test_line_hybrid_echo_returns_own_signal():
    a, b = Stub(0), Stub(0)
    b.tx = lambda n: bytes(2 * n)      # b silent
    line = Line(hybrid_echo=(2.5, 20.0))   # 20 samples, x 0.1

    for _ in range(2):
        line.step(a, b, block=50)

    heard_a = np.concatenate(a.heard).astype(int)
    assert heard_a[:20].tolist() == [0] * 20
    assert heard_a[20:100].tolist() == np.rint(np.arange(80) * 0.1).astype(int).tolist()


# SpanDSP 0.0.6's modems through an impaired channel: band-pass, 10 dB loss, a
# 50 ppm clock offset, noise 40 dB under the signal. (At 100 ppm its V.27ter
# receiver loses symbol timing while V.29 and V.17 stay error free: a limit of the
# peer, so the sweep stops at 50 ppm.)
@pytest.mark.parametrize("kind,rate", [("v27ter", 2400), ("v27ter", 4800), ("v29", 9600),
                                       ("v17", 14400), ("v21", 300)])
@pytest.mark.parametrize("ppm", [50.0, -50.0])
def test_spandsp_modems_error_free_through_impaired_channel(kind, rate, ppm):
    import random

    import spandsp_peer as sp

    rng = random.Random(rate)
    data = bytes(rng.getrandbits(8) for _ in range(600 if kind == "v21" else 2500))
    want = np.array([(b >> i) & 1 for b in data for i in range(8)], dtype=np.uint8)
    tx, rx = sp.ModemTx(kind, rate, level_dbm0=-13), sp.ModemRx(kind, rate)
    ch = Channel(gain_db=-10, noise_dbm0=-63, bandpass=True, ppm=ppm, seed=rate)
    tx.push(data)
    tx.end()

    n = 0
    while not tx.finished and n < FS_HZ * 60:
        rx.rx(ch.process(np.frombuffer(tx.tx(BLOCK), dtype=np.int16)).tobytes())
        n += BLOCK
    rx.rx(ch.process(np.zeros(FS_HZ // 2, dtype=np.int16)).tobytes())   # drain the FIFO
    got = np.frombuffer(rx.bits(), dtype=np.uint8)

    start = got.tobytes().find(want[:64].tobytes())
    assert start >= 0
    assert np.count_nonzero(got[start:start + len(want)] != want) == 0
    assert len(got) - start >= len(want)


class BufferModem:
    """A fake modem with the faxmodem block API: tx fills the caller's buffer."""

    def __init__(self):
        self.count = 0
        self.heard = array("h")

    def tx(self, buf):
        for i in range(len(buf)):
            buf[i] = (self.count + i) % 3000
        self.count += len(buf)
        return len(buf)

    def rx(self, buf):
        self.heard.extend(buf)


def test_block_endpoint_adapts_buffer_api_and_bare_ends():
    modem = BufferModem()
    far = Stub(100)
    line = Line()

    for _ in range(4):
        line.step(BlockEndpoint(modem), far, block=80)
    line.step(object(), far, block=80)        # a bare end sends silence, hears nothing

    assert np.array_equal(np.concatenate(far.heard)[:320], np.arange(320))
    assert np.array_equal(np.concatenate(far.heard)[320:], np.zeros(80))
    assert list(modem.heard) == list(range(100, 420))
