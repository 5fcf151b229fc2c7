"""Tone generators and detectors (dsp/tones.c) through the `faxmodem` binding:
the generated CNG/CED/ANSam/DTMF measured by FFT, our detectors against
SpanDSP's tones and SpanDSP's detectors against ours, false-alarm checks on
white noise and synthetic speech, and the generic cadence detector.

T.30 (09/2005) phase A / V.25: CNG 1100 Hz +-38 Hz, 0.5 s on / 3 s off; CED
2100 Hz +-15 Hz for 2.6-4 s; V.8: ANSam is CED with 15 Hz AM at 20 %.
"""
import shutil
import subprocess
import wave

import numpy as np
import pytest

import faxmodem as fm
import spandsp_peer as sp

BLOCK = 160
FS = 8000
PEAK_0DBM0 = 22767.0


def modem_tx(segments, level_dbm0=-10):
    """Plays [(kind, ms)] (kind None = silence, a str = DTMF digit) to the end."""
    m = fm.Modem(level_dbm0=level_dbm0)
    for kind, ms in segments:
        if kind is None:
            m.tx_silence(ms)
        elif isinstance(kind, str):
            m.tx_dtmf(kind, ms)
        else:
            m.tx_tone(kind, ms)
    buf = np.zeros(BLOCK, dtype=np.int16)
    out = []
    while not m.tx_idle():
        m.tx(buf)
        out.append(buf.copy())
    return np.concatenate(out)


def our_tones(samples):
    """Feeds our Modem in 20 ms blocks; returns [(kind, sample at the end of
    the block where it was reported)]."""
    m = fm.Modem()
    found = []
    for i in range(0, len(samples), BLOCK):
        m.rx(samples[i:i + BLOCK].tobytes())
        ev = m.event()
        while ev is not None:
            if ev[0] == fm.EV_TONE:
                found.append((ev[1], min(i + BLOCK, len(samples))))
            ev = m.event()
    return found


def spandsp_tones(kind, samples):
    rx = sp.ToneRx(kind)
    rx.rx(samples.tobytes())
    return [(t, n) for t, n in rx.detected() if t != "none"]


def sine(f_hz, ms, dbm0, phase=0.0):
    t = np.arange(ms * FS // 1000) / FS
    return PEAK_0DBM0 * 10 ** (dbm0 / 20) * np.sin(2 * np.pi * f_hz * t + phase)


def to_int16(x):
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def white_noise(seconds, dbm0, seed):
    # Mean square of a 0 dBm0 sine is PEAK^2 / 2.
    sigma = PEAK_0DBM0 / np.sqrt(2) * 10 ** (dbm0 / 20)
    return np.random.default_rng(seed).normal(0.0, sigma, int(seconds * FS))


def spectrum_peaks(x, count):
    """The `count` strongest FFT bins (Hz) of up to 1 s of x, zero-padded to
    1 s for 1 Hz bins."""
    seg = x[:FS].astype(np.float64)
    mag = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n=FS))
    peaks = []
    for idx in np.argsort(mag)[::-1]:
        if all(abs(idx - p) > 5 for p in peaks):
            peaks.append(int(idx))
        if len(peaks) == count:
            break
    return sorted(peaks)


def level_dbm0(x):
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) / (PEAK_0DBM0 ** 2 / 2))


# ---- generators ----

def test_cng_frequency_level_and_cadence():
    x = modem_tx([(fm.CNG, 7000)])

    # Samples at zero inside a burst (zero crossings) are bridged by looking
    # for any non-zero sample within 2 ms.
    active = np.convolve(np.abs(x.astype(np.int32)) > 0, np.ones(16), mode="same") > 0
    starts = np.flatnonzero(np.diff(active.astype(np.int8)) == 1) + 1
    stops = np.flatnonzero(np.diff(active.astype(np.int8)) == -1) + 1

    assert spectrum_peaks(x[:4000], 1)[0] in range(1099, 1102)
    assert abs(level_dbm0(x[:4000]) - (-10)) < 0.2
    # First burst 0 .. 0.5 s, second at 3.5 s (T.30: 0.5 s on, 3 s off).
    assert abs(stops[0] - 4000) <= 8
    assert abs(starts[0] - 28000) <= 8


def test_ced_frequency_and_level():
    x = modem_tx([(fm.CED, 1000)], level_dbm0=-12)

    assert len(x) == 8000
    assert spectrum_peaks(x, 1)[0] in range(2099, 2102)
    assert abs(level_dbm0(x) - (-12)) < 0.2


def test_ansam_is_2100_hz_with_15_hz_am_at_20_percent():
    x = modem_tx([(fm.ANSAM, 2000)]).astype(np.float64)

    # Envelope from the analytic signal, averaged over 2 ms.
    env = np.abs(np.fft.ifft(np.fft.fft(x) * np.r_[1, 2 * np.ones(len(x) // 2 - 1), 1,
                                                  np.zeros(len(x) // 2 - 1)]))
    env = np.convolve(env, np.ones(16) / 16, mode="same")[400:-400]
    depth = (env.max() - env.min()) / (env.max() + env.min())
    env_spec = np.abs(np.fft.rfft(env - env.mean(), n=FS * 4))
    am_hz = np.argmax(env_spec) / 4.0

    assert spectrum_peaks(x, 1)[0] in range(2099, 2102)
    assert abs(am_hz - 15) <= 0.25
    assert 0.19 <= depth <= 0.21            # V.8: 20 % +- 1 %


@pytest.mark.parametrize("digit, row_hz, col_hz", [("1", 697, 1209), ("5", 770, 1336),
                                                   ("9", 852, 1477), ("#", 941, 1477),
                                                   ("D", 941, 1633), ("0", 941, 1336)])
def test_dtmf_pairs(digit, row_hz, col_hz):
    x = modem_tx([(digit, 1000)], level_dbm0=-6)

    peaks = spectrum_peaks(x, 2)

    assert abs(peaks[0] - row_hz) <= 1 and abs(peaks[1] - col_hz) <= 1
    assert abs(level_dbm0(x) - (-6)) < 0.3      # each tone at -9 dBm0


# ---- our detectors ----

def test_our_detector_on_spandsp_tones():
    results = {}
    for kind in ("ced", "cng", "ansam"):
        tx = sp.ToneTx(kind)
        x = np.frombuffer(b"".join(tx.tx(BLOCK) for _ in range(300)), dtype=np.int16)
        onset = int(np.flatnonzero(np.abs(x) > 100)[0])
        results[kind] = [(k, (n - onset) * 1000 // FS) for k, n in our_tones(x)]

    # CED/ANSam: reported 0.4-0.5 s after the onset (T.30: CED lasts >= 2.6 s;
    # the onset is found to within a block).
    # CNG: reported when the 0.5 s burst ends, within 100 ms of its end.
    (k_ced, t_ced), = results["ced"]
    (k_ans, t_ans), = results["ansam"]
    (k_cng, t_cng), = results["cng"][:1]
    assert (k_ced, k_ans, k_cng) == (fm.CED, fm.ANSAM, fm.CNG)
    assert 390 <= t_ced <= 500 and 390 <= t_ans <= 500
    assert 500 <= t_cng <= 600
    assert len(results["cng"]) == 2         # 300 blocks = 6 s: bursts at 0 s and 3.5 s


@pytest.mark.parametrize("kind, hz", [(fm.CED, 2085), (fm.CED, 2115),
                                      (fm.CNG, 1062), (fm.CNG, 1138)])
def test_our_detector_across_frequency_tolerance(kind, hz):
    on_ms = 3000 if kind == fm.CED else 500
    x = np.concatenate([np.zeros(800), sine(hz, on_ms, -30), np.zeros(4000)])
    x = to_int16(x + white_noise(len(x) / FS, -50, seed=hz))

    assert [k for k, _ in our_tones(x)] == [kind]


def test_our_detector_level_floor():
    quiet = to_int16(np.concatenate([sine(2100, 1000, -46), sine(1100, 500, -46),
                                     np.zeros(4000)]))
    ok = to_int16(np.concatenate([sine(2100, 1000, -40), np.zeros(800),
                                  sine(1100, 500, -40), np.zeros(4000)]))

    assert our_tones(quiet) == []
    assert [k for k, _ in our_tones(ok)] == [fm.CED, fm.CNG]


def test_no_cng_from_continuous_1100_hz_nor_short_blips():
    # A steady 1100 Hz (not CNG's cadence) and 200 ms blips are not CNG.
    x = to_int16(np.concatenate([sine(1100, 2000, -20), np.zeros(4000),
                                 sine(1100, 200, -20), np.zeros(4000)]))

    assert our_tones(x) == []


def test_ced_with_noise_is_not_ansam():
    x = modem_tx([(None, 200), (fm.CED, 3000)], level_dbm0=-30)
    x = to_int16(x + white_noise(len(x) / FS, -40, seed=9))    # 10 dB SNR

    assert [k for k, _ in our_tones(x)] == [fm.CED]


def test_answer_tone_with_phase_reversals_is_not_ansam():
    # V.25 ANS with 180 degree phase reversals every 450 ms, no AM: still CED.
    # The first reversal comes 200 ms after the onset, inside the 400 ms the
    # detector looks at.
    t = np.arange(8000 * 2) / FS
    flips = np.where(((t + 0.25) // 0.45) % 2 == 1, np.pi, 0.0)
    tone = PEAK_0DBM0 * 10 ** (-12 / 20) * np.sin(2 * np.pi * 2100 * t + flips)
    x = to_int16(np.concatenate([np.zeros(1600), tone, np.zeros(800)]))

    assert [k for k, _ in our_tones(x)] == [fm.CED]


# ---- SpanDSP's detectors on our tones ----

def test_spandsp_detects_our_tones():
    ced = modem_tx([(None, 200), (fm.CED, 3000), (None, 500)])
    ansam = modem_tx([(None, 200), (fm.ANSAM, 3000), (None, 500)])
    cng = modem_tx([(None, 200), (fm.CNG, 4000)])     # bursts at 0.2 s and 3.7 s

    found_ced = spandsp_tones("ced", ced)
    found_ansam = spandsp_tones("ced", ansam)
    found_cng = spandsp_tones("cng", cng)

    # Onset at sample 1600. SpanDSP needs ~0.5 s of tone for CED.
    assert [t for t, _ in found_ced] == ["ced"] and found_ced[0][1] - 1600 <= 8000
    assert [t for t, _ in found_ansam] == ["ansam"]
    assert [t for t, _ in found_cng] == ["cng", "cng"] and found_cng[0][1] - 1600 <= 6000


# ---- false alarms ----

def test_no_tone_on_white_noise():
    for dbm0 in (-10, -30, -45):
        x = to_int16(white_noise(20, dbm0, seed=-dbm0))

        assert our_tones(x) == []


def resample(x, rate):
    """To 8 kHz: windowed-sinc low-pass at 3.6 kHz, then linear interpolation."""
    taps = np.arange(-50, 51)
    h = np.sinc(2 * 3600 / rate * taps) * np.hamming(len(taps))
    y = np.convolve(x, h / h.sum(), mode="same")
    t_out = np.arange(int(len(x) * FS / rate)) / FS
    return np.interp(t_out, np.arange(len(x)) / rate, y)


def _speech(tmp_path, text, pitch):
    out = tmp_path / ("speech_%d.wav" % pitch)
    subprocess.run(["espeak-ng", "-p", str(pitch), "-s", "150", "-w", str(out), text],
                   check=True, capture_output=True)
    with wave.open(str(out)) as w:
        rate = w.getframerate()
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    x = resample(raw.astype(np.float64), rate)
    # Active speech at about -15 dBm0.
    x *= (PEAK_0DBM0 / np.sqrt(2) * 10 ** (-15 / 20)) / np.sqrt(np.mean(x ** 2))
    return to_int16(x)


def test_no_tone_on_speech(tmp_path):
    assert shutil.which("espeak-ng"), "espeak-ng missing: `make sysdeps` installs it"
    text = ("Hello, this is the fax machine at the law office. Please hold the line "
            "while I transfer you. Oooooh, aaaah, eeeee, a long vowel, hmmmmmm. "
            "Thank you for calling, goodbye.")
    false_alarms = []
    for pitch in (10, 50, 99):
        x = _speech(tmp_path, text, pitch)
        false_alarms += our_tones(x)

    assert false_alarms == []


# ---- generic tone / cadence detector (call progress) ----

def test_cadence_detector_busy_tone():
    # North American busy: 480 + 620 Hz, 0.5 s on / 0.5 s off.
    cycle = np.concatenate([sine(480, 500, -20) + sine(620, 500, -20), np.zeros(4000)])
    x = to_int16(np.concatenate([np.zeros(4000)] + [cycle] * 4)
                 + white_noise(4.5, -50, seed=3))
    det = fm.ToneDetector([480, 620], min_dbm0=-40)

    for i in range(0, len(x), BLOCK):
        det.rx(x[i:i + BLOCK].tobytes())
    changes = det.changes()

    assert [on for on, _ in changes] == [True, False] * 4
    # Each reported duration (the state that ended) within one block of the truth.
    assert abs(changes[0][1] - 500) <= 10
    for on, ms in changes[1:]:
        assert abs(ms - 500) <= 10


def test_cadence_detector_ignores_other_tones():
    det = fm.ToneDetector([425], min_dbm0=-40)        # European ringback / busy
    x = to_int16(np.concatenate([sine(1000, 1000, -20), sine(350, 1000, -20)]))

    det.rx(x.tobytes())

    assert det.changes() == []
