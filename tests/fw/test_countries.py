# Country profiles: the values are checked against the sources cited in
# countries.py, typed in again here from those documents, and every profile is
# checked for the shape the detectors and the simulated exchange rely on.
from faxbox import countries
from faxbox import progress as pg

COUNTRIES = ("US", "UK", "DE", "FR", "AU", "JP")
TONE_KEYS = ("dial", "ringback", "busy", "reorder")


def test_every_country_has_every_key():
    keys = ("name", "dial", "ringback", "busy", "reorder", "ring_cadence_ms", "dtmf_on_ms",
            "dtmf_off_ms", "dial_tone_min_ms", "dial_tone_wait_ms", "no_answer_ms",
            "comma_pause_ms")
    for c in COUNTRIES:
        p = countries.get(c)
        for k in keys:
            assert k in p, (c, k)


def test_tone_shapes():
    for c in COUNTRIES:
        p = countries.get(c)
        for k in TONE_KEYS:
            tone = p[k]
            if tone is None:
                continue
            freqs, cadence, level = tone
            assert 1 <= len(freqs) <= 2, (c, k)
            for f in freqs:
                assert 300 <= f <= 700, (c, k, f)
            assert len(cadence) % 2 == 0, (c, k)
            assert -30 <= level <= -5, (c, k)
        assert p["dial"][1] == (), c  # dial tone is continuous everywhere listed


def test_values_from_the_sources():
    # ANSI T1.401 Precise Tone Plan.
    us = countries.get("US")
    assert us["dial"][:2] == ((350, 440), ())
    assert us["ringback"][:2] == ((440, 480), (2000, 4000))
    assert us["busy"][:2] == ((480, 620), (500, 500))
    assert us["reorder"][:2] == ((480, 620), (250, 250))
    # BT SIN 350.
    uk = countries.get("UK")
    assert uk["dial"][0] == (350, 450)
    assert uk["ringback"][:2] == ((400, 450), (400, 200, 400, 2000))
    assert uk["busy"][:2] == ((400,), (375, 375))
    # 1 TR 110: everything 425 Hz.
    de = countries.get("DE")
    assert de["ringback"][:2] == ((425,), (1000, 4000))
    assert de["busy"][:2] == ((425,), (480, 480))
    # STI 1: 440 Hz.
    fr = countries.get("FR")
    assert fr["ringback"][:2] == ((440,), (1500, 3500))
    # S002: 425 Hz, double ring.
    assert countries.get("AU")["ringback"][:2] == ((425,), (400, 200, 400, 2000))
    # NTT: 400 Hz, 1 s on 2 s off.
    assert countries.get("JP")["ringback"][:2] == ((400,), (1000, 2000))


def test_busy_reorder_and_ringback_are_told_apart_by_cadence():
    # Within each country, no two call-progress cadences may match each other at
    # the detectors' tolerance, or busy could be reported as ringback.
    for c in COUNTRIES:
        p = countries.get(c)
        cads = [(k, p[k][1]) for k in ("ringback", "busy", "reorder") if p[k] is not None]
        for i in range(len(cads)):
            for j in range(len(cads)):
                if i == j:
                    continue
                a = cads[i][1]
                b = cads[j][1]
                segs = [(n % 2 == 0, ms) for n, ms in enumerate(a + a)]
                k = max(4, len(b))
                assert not pg.fits_any(segs, b, k), (c, cads[i][0], cads[j][0])


def test_aliases_and_unknown():
    assert countries.get("ca") is countries.get("US")
    assert countries.get("GB") is countries.get("UK")
    try:
        countries.get("XX")
    except ValueError:
        return
    assert False, "unknown country accepted"


def test_dtmf_timing_meets_q24_minimum():
    # Q.24: tone >= 40 ms, pause >= 40 ms.
    for c in COUNTRIES:
        p = countries.get(c)
        assert p["dtmf_on_ms"] >= 40 and p["dtmf_off_ms"] >= 40, c


def test_sit_window_covers_q35_tolerances():
    # Q.35: three segments of 330 +- 70 ms with gaps of up to 30 ms.
    shortest = 3 * (330 - 70)
    longest = 3 * (330 + 70) + 2 * 30
    assert countries.SIT_MIN_MS <= shortest
    assert countries.SIT_MAX_MS >= longest


def test_cadence_total():
    assert countries.cadence_total_ms((400, 200, 400, 2000)) == 3000
    assert countries.cadence_total_ms(()) == 0


def test_e164_numbers_are_dialled_as_from_the_box_country():
    from faxbox import countries
    us = countries.get("US")
    uk = countries.get("UK")
    jp = countries.get("JP")

    # Same country: trunk prefix + national number; other countries: the
    # international prefix + country code + number; not E.164: as written.
    assert countries.dial_string("+44 20 7946 0000", uk) == "02079460000"
    assert countries.dial_string("+44 20 7946 0000", us) == "011442079460000"
    assert countries.dial_string("+1 555 0123", us) == "15550123"
    assert countries.dial_string("+1 212 555 0123", jp) == "01012125550123"
    assert countries.dial_string("9W5550123", us) == "9W5550123"
