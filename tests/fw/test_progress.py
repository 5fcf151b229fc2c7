# Call progress, dial strings and ring counting as pure logic: recorded detector
# change lists in, outcomes out. Runs under CPython and MicroPython.
#
# A detector reports (on, ms of the state that ended) at each change; `play`
# turns a list of segments into those reports at the right clock times and ticks
# the classifier every 20 ms block, as CallProgress does.
from faxbox import countries
from faxbox import dialer
from faxbox import progress as pg
from faxbox import ring

BLOCK_MS = 20
QUIET_DBM0 = -70


def changes(segments, t0=0):
    """[(on, ms), ...] starting from silence at t0 -> [(t, on, prev_ms)]."""
    out = []
    t = t0
    state = False
    since = t0
    for on, ms in segments:
        if on != state:
            out.append((t, on, t - since))
            state = on
            since = t
        t += ms
    if state:
        out.append((t, False, t - since))
    return out


def play(cls, role_changes, until_ms, levels=None, t0=0):
    """Feeds (t, role, on, prev_ms) reports in time order, one level per block
    (levels(t) or quiet) and a tick per block; returns (result, time) of the first
    result, or (None, until_ms)."""
    evs = sorted(role_changes)
    i = 0
    t = t0
    while t <= until_ms:
        while i < len(evs) and evs[i][0] <= t:
            _, role, on, prev = evs[i]
            cls.tone(role, on, prev, t)
            i += 1
        cls.level(levels(t) if levels else QUIET_DBM0, t)
        r = cls.tick(t)
        if r is not None:
            return r, t
        t += BLOCK_MS
    return None, until_ms


def on_role(role, segments, t0=0):
    return [(t, role, on, prev) for t, on, prev in changes(segments, t0)]


def repeat(cadence, times, scale_pct=100, add_ms=0):
    segs = []
    for _ in range(times):
        for i, ms in enumerate(cadence):
            segs.append((i % 2 == 0, ms * scale_pct // 100 + add_ms))
    return segs


def progress_cls(country="US", **kw):
    cls = pg.Classifier(countries.get(country), **kw)
    cls.after_dialling(0)
    return cls


# ---- busy, reorder ----

def test_us_busy_decided_after_two_periods():
    cls = progress_cls()
    # 480+620 Hz 0.5 s on / 0.5 s off (Precise Tone Plan), from t = 200 ms.
    evs = on_role(pg.ROLE_BUSY, [(False, 200)] + repeat((500, 500), 4))

    r, t = play(cls, evs, 6000)

    # Segments on/off/on/off complete when the third burst starts: 200 + 4 * 500.
    assert r == pg.R_BUSY
    assert t == 2200


def test_busy_accepted_at_both_tolerance_edges():
    # Tolerance: 20 % + 60 ms of 500 ms = 160 ms -> 340..660 ms.
    for on_ms, off_ms in ((340, 660), (660, 340), (340, 340), (660, 660)):
        cls = progress_cls()
        evs = on_role(pg.ROLE_BUSY, [(False, 100)] + [(True, on_ms), (False, off_ms)] * 3)

        r, _ = play(cls, evs, 5000)

        assert r == pg.R_BUSY, (on_ms, off_ms)


def test_busy_rejected_outside_tolerance():
    for on_ms, off_ms in ((320, 500), (500, 680)):
        cls = progress_cls(no_answer_ms=60000)
        evs = on_role(pg.ROLE_BUSY, [(False, 100)] + [(True, on_ms), (False, off_ms)] * 4)

        r, _ = play(cls, evs, 4000)

        assert r != pg.R_BUSY, (on_ms, off_ms)


def test_us_reorder_is_not_busy():
    cls = progress_cls()
    evs = on_role(pg.ROLE_REORDER, [(False, 100)] + repeat((250, 250), 4))

    r, t = play(cls, evs, 5000)

    assert r == pg.R_REORDER
    assert t == 100 + 4 * 250


def test_uk_busy_and_congestion_told_apart():
    # BT SIN 350: busy 0.375/0.375; congestion 0.4/0.35/0.225/0.525 (both 400 Hz,
    # so both roles see the same changes).
    busy = repeat((375, 375), 3)
    cong = repeat((400, 350, 225, 525), 2)
    for segs, want in ((busy, pg.R_BUSY), (cong, pg.R_REORDER)):
        cls = progress_cls("UK")
        evs = (on_role(pg.ROLE_BUSY, [(False, 100)] + segs)
               + on_role(pg.ROLE_REORDER, [(False, 100)] + segs))

        r, _ = play(cls, evs, 5000)

        assert r == want


# ---- ringback, answer, no answer ----

def test_us_rings_counted_then_no_answer():
    cls = progress_cls(no_answer_ms=30000)
    # 440+480 Hz 2 s on / 4 s off, first ring at 1 s: rings end at 3, 9, 15, 21, 27 s.
    evs = on_role(pg.ROLE_RINGBACK, [(False, 1000)] + repeat((2000, 4000), 6))

    r, t = play(cls, evs, 40000)

    assert r == pg.R_NO_ANSWER
    assert t == 30000
    assert cls.rings == 5


def test_uk_double_ring_counts_once():
    cls = progress_cls("UK", no_answer_ms=60000)
    # 0.4 on 0.2 off 0.4 on 2.0 off, three rings.
    evs = on_role(pg.ROLE_RINGBACK, [(False, 500)] + repeat((400, 200, 400, 2000), 3))

    play(cls, evs, 500 + 3 * 3000 - 100)

    assert cls.rings == 3


def test_answer_when_ringing_stops():
    cls = progress_cls()
    evs = on_role(pg.ROLE_RINGBACK, [(False, 1000)] + repeat((2000, 4000), 2))

    r, t = play(cls, evs, 30000)

    # Last ring ends at 1000 + 6000 + 2000 = 9000 ms; answered after the longest
    # gap + 20 % + 1 s margin = 4800 + 1000 ms of quiet.
    assert r == pg.R_ANSWERED
    assert t == 9000 + 5800
    assert cls.rings == 2


def test_voice_after_ringing_hangs_up_before_answered():
    cls = progress_cls()
    evs = on_role(pg.ROLE_RINGBACK, [(False, 1000)] + repeat((2000, 4000), 1))

    # Speech at -20 dBm0 from 5 s on (noise floor -65 dBm0 before).
    r, t = play(cls, evs, 30000, levels=lambda t: -20 if t >= 5000 else -65)

    # 800 ms of loud blocks = 40 blocks: the 40th block is at 5000 + 39 * 20.
    assert r == pg.R_VOICE
    assert t == 5000 + 39 * BLOCK_MS


def test_steady_noise_is_not_voice():
    cls = progress_cls(no_answer_ms=20000)
    # Noise at -40 dBm0, the estimate wandering +-3 dB block to block.
    wobble = (0, 2, -1, 3, -3, 1, -2, 0, 2, -3)

    r, _ = play(cls, [], 19000, levels=lambda t: -40 + wobble[(t // BLOCK_MS) % 10])

    assert r != pg.R_VOICE


def test_speech_during_a_tone_is_not_counted():
    cls = progress_cls(no_answer_ms=20000)
    # A continuous tone on the ringback detector explains the loud blocks.
    evs = on_role(pg.ROLE_RINGBACK, [(False, 100), (True, 15000)])

    # (5 s: a steady tone of 6 s would be "unobtainable".)
    r, _ = play(cls, evs, 5000, levels=lambda t: -15)

    assert r is None


def test_fax_signal_wins():
    cls = progress_cls()
    evs = on_role(pg.ROLE_RINGBACK, [(False, 1000)] + repeat((2000, 4000), 1))
    play(cls, evs, 7000)

    r = cls.fax(pg.FAX_CED, 7020)

    assert r == pg.R_FAX


def test_fax_signal_ignored_before_dialling_ends():
    cls = pg.Classifier(countries.get("US"))
    cls.wait_dial_tone(0)

    assert cls.fax(pg.FAX_CED, 100) is None


def test_silence_without_any_tone_counts_as_answered():
    cls = progress_cls()

    r, t = play(cls, [], 20000)

    assert r == pg.R_ANSWERED
    assert t == 8000


def test_extension_off_hook_ends_the_call():
    cls = progress_cls()

    assert cls.extension_off_hook() == pg.R_EXTENSION
    assert cls.tick(100) == pg.R_EXTENSION


# ---- SIT ----

def test_sit_three_tones():
    cls = progress_cls()
    # 950/1400/1800 Hz, 330 ms each: the detector sees one burst (gaps of 0-30 ms
    # are under its 20 ms debounce or merged), here with two 20 ms gaps.
    segs = [(False, 400), (True, 330), (False, 20), (True, 330), (False, 20), (True, 330),
            (False, 1000)]

    r, t = play(cls, on_role(pg.ROLE_SIT, segs), 5000)

    assert r == pg.R_SIT
    # Burst ends at 400 + 1030 = 1430, seen at the next block (1440); decided at the
    # first block when the gap exceeds 100 ms.
    assert t == 1440 + 100 + BLOCK_MS


def test_single_short_tone_is_not_sit():
    cls = progress_cls(no_answer_ms=4000)
    segs = [(False, 400), (True, 330), (False, 3000)]

    r, _ = play(cls, on_role(pg.ROLE_SIT, segs), 4000)

    assert r != pg.R_SIT


# ---- dial tone ----

def test_dial_tone_after_one_second_steady():
    cls = pg.Classifier(countries.get("DE"))
    cls.wait_dial_tone(0)
    evs = on_role(pg.ROLE_DIAL, [(False, 300), (True, 9000)])

    r, t = play(cls, evs, 6000)

    assert r == pg.R_DIAL_TONE
    assert t == 1300


def test_interrupted_tone_is_not_dial_tone():
    cls = pg.Classifier(countries.get("DE"), dial_tone_wait_ms=5000)
    cls.wait_dial_tone(0)
    # Busy-like bursts on the dial detector never last 1 s.
    evs = on_role(pg.ROLE_DIAL, [(False, 100)] + repeat((480, 480), 8))

    r, t = play(cls, evs, 9000)

    assert r == pg.R_NO_DIAL_TONE
    assert t == 5000


# ---- outcomes ----

def test_outcomes_have_api_status_and_distinct_codes():
    assert pg.OUTCOMES[pg.R_BUSY][:2] == ("busy", 34002)
    assert pg.OUTCOMES[pg.R_NO_ANSWER][:2] == ("no-answer", 34003)
    codes = [pg.OUTCOMES[r][1] for r in pg.OUTCOMES]
    assert len(set(codes)) == len(codes)
    for r in pg.OUTCOMES:
        status, code, msg = pg.OUTCOMES[r]
        assert status in ("busy", "no-answer", "failed")
        assert len(msg) > 10
    assert pg.R_FAX not in pg.OUTCOMES and pg.R_ANSWERED not in pg.OUTCOMES


def test_tone_roles_share_detectors_by_frequency():
    # UK: dial 350+450, ringback 400+450, busy and congestion both 400 -> 3 + SIT,
    # then the dial tone's two frequencies on their own (each listed twice).
    roles = pg.tone_roles(countries.get("UK"))

    assert roles == [((350, 450), [pg.ROLE_DIAL]), ((400, 450), [pg.ROLE_RINGBACK]),
                     ((400,), [pg.ROLE_BUSY, pg.ROLE_REORDER]),
                     ((950, 1400, 1800), [pg.ROLE_SIT]),
                     ((350, 350), [pg.ROLE_DIAL_F1]), ((450, 450), [pg.ROLE_DIAL_F2])]


# ---- dial strings ----

def test_parse_dial_string():
    ops = dialer.parse("9W,+1 (555) 012-3#")

    assert ops[0] == (dialer.OP_DIGIT, "9")
    assert ops[1] == (dialer.OP_WAIT, None)
    assert ops[2] == (dialer.OP_PAUSE, None)
    assert dialer.digits_of(ops) == "915550123#"


def test_parse_pulse_and_tone_switch():
    ops = dialer.parse("P90T12")

    # Pulse: 9 -> 9 breaks, 0 -> 10 breaks.
    assert ops[:2] == [(dialer.OP_PULSE, 9), (dialer.OP_PULSE, 10)]
    assert ops[2:] == [(dialer.OP_DIGIT, "1"), (dialer.OP_DIGIT, "2")]


def test_parse_rejects_bad_characters():
    for bad in ("555x123", "P*"):
        try:
            dialer.parse(bad)
        except ValueError:
            continue
        assert False, bad


def test_settings_overlay_country_and_config():
    st = dialer.settings({"country": "de", "dial_prefix": "0W", "no_answer_s": 45})

    assert st["name"] == "Germany"
    assert st["dtmf_on_ms"] == 80          # the German profile's value
    assert st["dial_prefix"] == "0W"
    assert st["no_answer_ms"] == 45000
    assert st["blind_dial"] is False


def test_settings_config_timing_beats_country():
    st = dialer.settings({"country": "DE", "dtmf_on_ms": 65, "dtmf_off_ms": 70})

    assert (st["dtmf_on_ms"], st["dtmf_off_ms"]) == (65, 70)


# ---- inbound rings ----

def ring_feed(counter, segments):
    answer = False
    for t, on, prev in changes(segments):
        answer = counter.change(on, prev, t) or answer
    return answer


def test_answer_after_n_rings_us():
    c = ring.RingCounter(countries.get("US"), rings_to_answer=3)

    assert not ring_feed(c, [(False, 100)] + repeat((2000, 4000), 2))
    assert c.rings == 2
    assert ring_feed(c, repeat((2000, 4000), 1))
    assert c.rings == 3 and c.pattern == 1


def test_distinctive_ring_ignored_when_not_accepted():
    c = ring.RingCounter(countries.get("US"), rings_to_answer=1, distinctive="1")

    # Pattern 2 (GR-506): 0.8 on 0.4 off 0.8 on 4.0 off.
    answer = ring_feed(c, [(False, 100)] + repeat((800, 400, 800, 4000), 3))

    assert not answer
    assert c.rings == 0 and c.ignored == 3 and c.pattern == 2


def test_distinctive_ring_accepted_with_any():
    c = ring.RingCounter(countries.get("US"), rings_to_answer=2)

    answer = ring_feed(c, [(False, 100)] + repeat((400, 200, 400, 200, 800, 4000), 2))

    assert answer and c.pattern == 3


def test_uk_double_ring():
    c = ring.RingCounter(countries.get("UK"), rings_to_answer=2)

    assert ring_feed(c, [(False, 100)] + repeat((400, 200, 400, 2000), 2))
    assert c.rings == 2


def test_ringing_stopped():
    c = ring.RingCounter(countries.get("US"))
    ring_feed(c, [(False, 100), (True, 2000)])

    # Longest gap of any US pattern is 4000 ms, plus 2000 ms margin.
    assert not c.stopped(2100 + 6000)
    assert c.stopped(2100 + 6001)


def test_single_frequency_dial_tone_must_be_steady():
    # France, 440 Hz. A sound on the dial detector whose level falls 1 dB per 100 ms (a decaying
    # note: the 200 ms means span > 4 dB within the second) is not dial tone; one
    # that swings +-3 dB block to block around a steady mean (a beating dual tone)
    # is.
    steady = [(False, 300), (True, 9000)]
    for levels, want in ((lambda t: -20 - (t % 1000) // 100, pg.R_NO_DIAL_TONE),
                         (lambda t: -20 - 6 * ((t // 20) % 2), pg.R_DIAL_TONE)):
        cls = pg.Classifier(countries.get("FR"), dial_tone_wait_ms=5000)
        cls.wait_dial_tone(0)

        r, _ = play(cls, on_role(pg.ROLE_DIAL, steady), 6000, levels=levels)

        assert r == want


def test_two_frequency_dial_tone_needs_both_parts():
    # US dial tone is 350 + 440 Hz: a sound that trips the pair detector and the
    # 440 Hz detector but not the 350 Hz one (a held A4) is not dial tone.
    steady = [(False, 300), (True, 9000)]
    evs = on_role(pg.ROLE_DIAL, steady) + on_role(pg.ROLE_DIAL_F2, steady)
    cls = pg.Classifier(countries.get("US"), dial_tone_wait_ms=5000)
    cls.wait_dial_tone(0)

    r, _ = play(cls, evs, 6000)

    assert r == pg.R_NO_DIAL_TONE

    cls = pg.Classifier(countries.get("US"), dial_tone_wait_ms=5000)
    cls.wait_dial_tone(0)

    r, t = play(cls, evs + on_role(pg.ROLE_DIAL_F1, steady), 6000)

    assert r == pg.R_DIAL_TONE and t == 1300


def test_steady_tone_after_dialling_is_unobtainable():
    # UK number unobtainable: continuous 400 Hz (busy/congestion detector) from
    # 500 ms after dialling; no cadence can match, decided 6 s after it starts.
    cls = progress_cls("UK")
    evs = (on_role(pg.ROLE_BUSY, [(False, 500), (True, 20000)])
           + on_role(pg.ROLE_REORDER, [(False, 500), (True, 20000)]))

    r, t = play(cls, evs, 10000)

    assert r == pg.R_UNOBTAINABLE
    assert t == 6500
    assert pg.OUTCOMES[r][:2] == ("failed", 39207)
