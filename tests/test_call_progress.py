"""Call progress on audio: the simulated exchange's tones for every country, played
at the edges of their tolerances with noise 20 dB below the tone, through the C
core's detectors (faxmodem.ToneDetector, the modem's CED detector and level) and
faxbox.progress; and false alarms: synthesised speech and music must not be taken
for busy, dial tone or a fax answer.

The signals are made here with numpy from the numbers in the national
specifications (or by picofax.pstn's tone player, itself checked against a DFT
below); the code under test only listens."""
import os
import shutil
import subprocess
import wave

import numpy as np
import pytest

import faxmodem as fm
from faxbox import countries
from faxbox import progress as pg
from picofax import pstn

RATE = 8000
BLOCK = 160
PEAK_0DBM0 = 22767.0
COUNTRIES = ("US", "UK", "DE", "FR", "AU", "JP")
# Cadence edges: national specs allow about +-10 % on cadences; frequencies are
# tested +-1.5 % off (E.180 §2: +-1 to 2 % in the national entries).
EDGES = ((1.0, 1.0), (0.985, 0.9), (1.015, 1.1))


def sine_peak(dbm0):
    return PEAK_0DBM0 * 10 ** (dbm0 / 20.0)


def noise(n, dbm0, seed):
    """White noise with the power of a sine at `dbm0`."""
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, sine_peak(dbm0) / np.sqrt(2), n)


def tone(freqs, cadence_ms, level_dbm0, seconds, fscale=1.0, tscale=1.0, start_ms=200):
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    x = np.zeros(n)
    for f in freqs:
        x += sine_peak(level_dbm0) * np.sin(2 * np.pi * f * fscale * t)
    gate = np.zeros(n, dtype=bool)
    pos = int(start_ms * RATE / 1000)
    if not cadence_ms:
        gate[pos:] = True
    else:
        i = 0
        while pos < n:
            length = int(round(cadence_ms[i % len(cadence_ms)] * tscale * RATE / 1000))
            if i % 2 == 0:
                gate[pos:pos + length] = True
            pos += length
            i += 1
    return np.where(gate, x, 0.0)


def listen(country, x, dial_phase=False, no_answer_ms=60000):
    """Feeds x block by block; returns (result, ms, CallProgress)."""
    m = fm.Modem()
    cp = pg.CallProgress(fm, m, countries.get(country), no_answer_ms=no_answer_ms)
    if dial_phase:
        cp.cls.wait_dial_tone(0)
    else:
        cp.cls.after_dialling(0)
    pcm = np.clip(np.round(x), -32768, 32767).astype(np.int16)
    for i in range(len(pcm) // BLOCK):
        t = (i + 1) * BLOCK * 1000 // RATE
        r = cp.feed(pcm[i * BLOCK:(i + 1) * BLOCK].tobytes(), t)
        if r is not None:
            return r, t, cp
    return None, len(pcm) * 1000 // RATE, cp


def with_noise(x, level_dbm0, seed=3):
    return x + noise(len(x), level_dbm0 - 20, seed)


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("fscale,tscale", EDGES)
def test_busy(country, fscale, tscale):
    freqs, cad, level = countries.get(country)["busy"]
    x = with_noise(tone(freqs, cad, level, 6, fscale, tscale), level)

    r, t, _ = listen(country, x)

    assert r == pg.R_BUSY
    # Two periods (4 segments) after the 200 ms start, plus detector latency.
    assert t <= 200 + 2 * sum(cad) * tscale + 200


@pytest.mark.parametrize("country", ("US", "UK", "DE", "FR"))
@pytest.mark.parametrize("fscale,tscale", EDGES)
def test_reorder(country, fscale, tscale):
    freqs, cad, level = countries.get(country)["reorder"]
    x = with_noise(tone(freqs, cad, level, 6, fscale, tscale), level)

    r, _, _ = listen(country, x)

    assert r == pg.R_REORDER


@pytest.mark.parametrize("country", ("AU", "JP"))
def test_congestion_reported_as_busy_where_cadences_are_the_same(country):
    # countries.py: AU congestion and JP congestion use the busy cadence.
    assert countries.get(country)["reorder"] is None


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("fscale,tscale", EDGES)
def test_ringback_counted_until_no_answer(country, fscale, tscale):
    freqs, cad, level = countries.get(country)["ringback"]
    x = with_noise(tone(freqs, cad, level, 25, fscale, tscale), level)

    r, t, cp = listen(country, x, no_answer_ms=20000)

    assert r == pg.R_NO_ANSWER
    assert t == 20000
    # Whole rings that ended by 20 s: ring k (from 0) ends at
    # 200 + k * period + (period - last gap), all scaled by tscale.
    period = sum(cad) * tscale
    ring_len = (sum(cad) - cad[-1]) * tscale
    want = int((20000 - 200 - ring_len) // period) + 1
    assert cp.cls.rings in (want - 1, want)
    assert cp.cls.rings >= 3


@pytest.mark.parametrize("country", COUNTRIES)
@pytest.mark.parametrize("fscale", (0.985, 1.0, 1.015))
def test_dial_tone(country, fscale):
    freqs, cad, level = countries.get(country)["dial"]
    x = with_noise(tone(freqs, cad, level, 4, fscale), level)

    r, t, _ = listen(country, x, dial_phase=True)

    assert r == pg.R_DIAL_TONE
    assert 1200 <= t <= 1300


def test_no_dial_tone_on_a_dead_line():
    x = noise(8 * RATE, -60, 5)

    r, t, _ = listen("US", x, dial_phase=True)

    assert r == pg.R_NO_DIAL_TONE
    assert t == 5000


def sit(freqs, seg_ms, gap_ms, level, seconds, fscale=1.0):
    parts = [np.zeros(int(0.2 * RATE))]
    while sum(len(p) for p in parts) < seconds * RATE:
        for f in freqs:
            n = int(seg_ms * RATE / 1000)
            parts.append(sine_peak(level) * np.sin(2 * np.pi * f * fscale * np.arange(n) / RATE))
            parts.append(np.zeros(int(gap_ms * RATE / 1000)))
        parts.append(np.zeros(RATE))
    return np.concatenate(parts)[:int(seconds * RATE)]


@pytest.mark.parametrize("freqs,seg_ms,gap_ms", [
    ((950, 1400, 1800), 330, 0),        # Q.35 nominal
    ((950, 1400, 1800), 260, 30),       # Q.35 shortest segments, longest gaps
    ((950, 1400, 1800), 400, 30),       # Q.35 longest segments
    ((913.8, 1370.6, 1776.7), 274, 0),  # NANP coded SIT, low frequencies, short
    ((985.2, 1428.5, 1776.7), 380, 0),  # NANP coded SIT, high frequencies, long
])
def test_sit(freqs, seg_ms, gap_ms):
    x = with_noise(sit(freqs, seg_ms, gap_ms, -24, 4), -24)

    r, t, _ = listen("US", x)

    assert r == pg.R_SIT
    assert t < 200 + 3 * (seg_ms + gap_ms) + 400


@pytest.mark.parametrize("am", (False, True))
def test_fax_answer_after_ringback(am):
    freqs, cad, level = countries.get("US")["ringback"]
    rb = tone(freqs, cad, level, 6.2)
    rb[int(6.0 * RATE):] = 0
    n = int(3.3 * RATE)
    t = np.arange(n) / RATE
    ced = sine_peak(-12) * np.sin(2 * np.pi * 2100 * t)
    if am:
        # V.8 ANSam: 2100 Hz amplitude-modulated 20 % by 15 Hz.
        ced *= (1 + 0.2 * np.sin(2 * np.pi * 15 * t)) / 1.2
    x = with_noise(np.concatenate([rb, np.zeros(int(0.5 * RATE)), ced]), -12)

    r, ms, cp = listen("US", x)

    assert r == pg.R_FAX
    # CED starts at 6.7 s; the detector needs 400 ms of it.
    assert 6700 + 400 <= ms <= 6700 + 600
    assert cp.cls.rings == 1
    kinds = [ev[1] for ev in cp.held if ev[0] == fm.EV_TONE]
    assert kinds == [fm.ANSAM if am else fm.CED]


def test_pstn_tone_player_frequencies_and_cadence():
    # The exchange's own tone player, checked with a DFT: US busy 480+620 Hz,
    # 0.5 s on, 0.5 s off at -24 dBm0 per tone.
    src = pstn.ToneSource((480, 620), (500, 500), -24)
    x = src.gen(2 * RATE)
    on = x[:4000]
    spec = np.abs(np.fft.rfft(on)) / (len(on) / 2)
    peaks = sorted(np.argsort(spec)[-2:] * RATE / len(on))

    assert peaks == [480.0, 620.0]
    assert np.allclose(spec[[240, 310]], sine_peak(-24), rtol=0.01)
    assert np.all(x[4000:8000] == 0)
    assert np.sqrt(np.mean(x[8000:12000] ** 2)) > sine_peak(-24) / 2


# ---- false alarms ----

def espeak(text, tmp_path):
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)")
    path = os.path.join(str(tmp_path), "speech.wav")
    subprocess.run([exe, "-w", path, text], check=True, capture_output=True)
    with wave.open(path) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
    y = pstn.resample_to_8k(x, rate)
    rms = np.sqrt(np.mean(y[np.abs(y) > 100] ** 2))
    return y * (sine_peak(-18) / np.sqrt(2) / rms)


SPEECH = ("Hello? Hello, this is Doctor Miller's office. Who is calling please? "
          "I can't hear you. Hello? Is anybody there?")


@pytest.mark.parametrize("voice", ("en", "de", "fr"))
def test_speech_is_voice_not_busy_or_fax(voice, tmp_path):
    if voice == "en":
        x = espeak(SPEECH, tmp_path)
    else:
        x = espeak({"de": "Hallo? Wer ist da bitte? Hallo, hören Sie mich?",
                    "fr": "Allô? Qui est à l'appareil? Allô, vous m'entendez?"}[voice],
                   tmp_path)
    x = np.concatenate([np.zeros(RATE // 2), x])
    x = x + noise(len(x), -60, 9)

    for country in COUNTRIES:
        r, _, cp = listen(country, x)

        assert r == pg.R_VOICE, country
        assert not [ev for ev in cp.held if ev[0] == fm.EV_TONE], country


def test_speech_is_not_dial_tone(tmp_path):
    x = espeak(SPEECH + " " + SPEECH, tmp_path)

    for country in COUNTRIES:
        r, _, _ = listen(country, x, dial_phase=True)

        assert r == pg.R_NO_DIAL_TONE, country


def melody(seconds, seed):
    """Music-like: notes of an A major scale around 440 Hz with harmonics and a
    decaying envelope, 125-750 ms each, some held across bar lines."""
    rng = np.random.default_rng(seed)
    scale = 440.0 * 2 ** (np.array([-12, -10, -8, -7, -5, -3, -1, 0, 2, 4, 5, 7]) / 12.0)
    out = []
    total = 0
    while total < seconds * RATE:
        n = int(rng.choice([125, 250, 375, 500, 750]) * RATE / 1000)
        f = rng.choice(scale)
        t = np.arange(n) / RATE
        note = sum(np.sin(2 * np.pi * f * h * t) / h for h in (1, 2, 3, 4))
        note *= np.exp(-t * 3.0) * sine_peak(-15)
        out.append(note)
        total += n
    return np.concatenate(out)[:int(seconds * RATE)]


@pytest.mark.parametrize("seed", (1, 2, 3, 4))
def test_music_is_not_busy_dial_tone_or_fax(seed):
    x = melody(12, seed) + noise(12 * RATE, -55, seed)

    for country in COUNTRIES:
        r, _, cp = listen(country, x)
        rd, _, _ = listen(country, x, dial_phase=True)

        assert r not in (pg.R_BUSY, pg.R_REORDER, pg.R_SIT, pg.R_FAX), (country, r)
        assert not [ev for ev in cp.held if ev[0] == fm.EV_TONE], country
        assert rd == pg.R_NO_DIAL_TONE, country
