# Country profiles of the telephone line: the call-progress tones an exchange plays,
# the ring cadence it sends, and the dialling and answer timings the box uses there.
#
# Data only. Each tone is (freqs_hz, cadence_ms, level_dbm0):
#   freqs_hz    tuple of 1 or 2 frequencies sent together; a tone "modulated by m Hz"
#               (425 x 25 Hz in Australia, 400 x 16 Hz in Japan) is listed as its
#               carrier: its side bands lie within one 100 Hz detector bin of it.
#   cadence_ms  () for a continuous tone, else (on, off, on, off, ...) repeated.
#   level_dbm0  the level per frequency that the simulated exchange plays.
#
# Main source: ITU-T E.180 Supplement 2 "Various tones used in national networks"
# (the list kept in the ITU Operational Bulletin), with the national specifications
# named per country. Clause numbers are left out where they were not checked
# against the current edition of the document: check the values against it before
# a national approval. The detectors accept a cadence within
# CADENCE_TOL_PCT percent plus CADENCE_SLACK_MS (the 10 ms detector block and its
# 20 ms debounce), which is wider than every national tolerance below, so a tone
# inside its spec is never missed; frequencies are accepted within about +-40 Hz of
# the nominal one (the tone detectors' 100 Hz bins, dsp/tones.h).
#
# SIT (special information tone, ITU-T Q.35 and E.180): three tones
# 950 +-50, 1400 +-50, 1800 +-50 Hz in that order, each 330 +-70 ms with up to 30 ms
# between them, then up to 1 s of silence (or an announcement). NANP uses coded
# variants of the same three tones (first 913.8 or 985.2 Hz, second 1370.6 or
# 1428.5 Hz, third 1776.7 Hz; segments 274 or 380 ms; Telcordia GR-1162) that fall
# inside the ITU ranges, so one detector serves both.

CADENCE_TOL_PCT = 20
CADENCE_SLACK_MS = 60

SIT_FREQS_HZ = (950, 1400, 1800)
SIT_SEGMENT_MS = 330
SIT_GAP_MS = 30
# A SIT burst is recognised when the three segments together last this long
# (3 x 260 .. 3 x 400 ms, plus gaps and the detector's slack).
SIT_MIN_MS = 700
SIT_MAX_MS = 1400

# Defaults every profile starts from; a profile overrides what its country differs in.
_COMMON = {
    # Q.24 (Annex A lists each administration's values) asks for DTMF tones of
    # >= 40 ms with >= 40 ms pauses; 100/100 ms dials a 10-digit number in 2 s and is
    # accepted everywhere. The level is the modem's (faxmodem: level - 3 dB per tone).
    "dtmf_on_ms": 100,
    "dtmf_off_ms": 100,
    # Dial tone must be steady this long before dialling starts (1 s: long enough
    # not to dial into a click or a burst of another tone).
    "dial_tone_min_ms": 1000,
    # Give up waiting for dial tone after this (then fail, or dial blind).
    "dial_tone_wait_ms": 5000,
    # `,` in a dial string pauses this long (Hayes S8 default 2 s).
    "comma_pause_ms": 2000,
    # No answer after this much time from the end of dialling. Automatic-dialling
    # rules (FCC 47 CFR 68.318; ETSI ES 203 021 for Europe) bound unanswered
    # automatic calls to about a minute of ringing.
    "no_answer_ms": 60000,
    # Pulse dialling (Q.23 does not cover it; national specs agree on 10 pulses/s,
    # break/make 60/40 ms in most of Europe, 61/39 ms in NANP).
    "pulse_break_ms": 60,
    "pulse_make_ms": 40,
    "pulse_interdigit_ms": 700,
    # A single-frequency dial tone is steady: its level, averaged over 200 ms,
    # varies by less than this while it is heard; a held musical note decays or is
    # struck again. None where the check cannot work: a two-frequency tone beats
    # (its 2 ms level snapshots alias to slow swings; progress.py checks its two
    # frequencies instead) and Australia's dial tone is amplitude-modulated.
    "dial_steady_db": 4,
}


def _profile(**kw):
    p = dict(_COMMON)
    p.update(kw)
    return p


PROFILES = {
    # United States / Canada (NANP). Source: the "Precise Tone Plan" (ANSI T1.401,
    # Telcordia GR-506-CORE); E.180 Suppl. 2 (United States) agrees.
    # Reorder is 0.25/0.25 s in the Precise Tone Plan; older step-by-step and some
    # Canadian offices used 0.3/0.2 s (E.180 lists both), which the tolerance accepts.
    "US": _profile(
        name="United States / Canada (NANP)",
        dial_steady_db=None,
        dial=((350, 440), (), -13),
        ringback=((440, 480), (2000, 4000), -19),
        busy=((480, 620), (500, 500), -24),
        reorder=((480, 620), (250, 250), -24),
        ring_cadence_ms=(2000, 4000),
        # Distinctive ringing, Telcordia GR-506-CORE (patterns 2, 3, 4; the normal
        # 2/4 s ring is pattern 1).
        distinctive_ms=((800, 400, 800, 4000), (400, 200, 400, 200, 800, 4000),
                        (300, 200, 1000, 200, 300, 4000)),
        dtmf_on_ms=100, dtmf_off_ms=100,
    ),
    # United Kingdom. Source: BT SIN 350 (network tones); E.180 Suppl. 2 (United
    # Kingdom). "Reorder" here is BT's congestion ("equipment engaged") tone,
    # 400 Hz 0.4 on, 0.35 off, 0.225 on, 0.525 off. Number unobtainable is a
    # continuous 400 Hz tone in both sources (progress.py: R_UNOBTAINABLE).
    "UK": _profile(
        name="United Kingdom",
        dial_steady_db=None,
        dial=((350, 450), (), -22),
        ringback=((400, 450), (400, 200, 400, 2000), -19),
        busy=((400,), (375, 375), -19),
        reorder=((400,), (400, 350, 225, 525), -19),
        ring_cadence_ms=(400, 200, 400, 2000),
    ),
    # Germany. Source: Deutsche Telekom 1 TR 110-1 (interface description, analogue
    # lines); E.180 Suppl. 2 (Germany). All tones 425 Hz.
    # Congestion ("Gassenbesetztton") is 0.24/0.24 s in 1 TR 110; E.180's older entry
    # gives 0.25/0.25 s, inside the tolerance either way.
    "DE": _profile(
        name="Germany",
        dial=((425,), (), -10),
        ringback=((425,), (1000, 4000), -10),
        busy=((425,), (480, 480), -10),
        reorder=((425,), (240, 240), -10),
        ring_cadence_ms=(1000, 4000),
        dtmf_on_ms=80, dtmf_off_ms=80,
    ),
    # France. Source: Orange STI 1 (interface specification, analogue access);
    # E.180 Suppl. 2 (France). All tones 440 Hz. STI 1 names no separate congestion
    # tone: network congestion is signalled with the busy cadence (or an
    # announcement), so a French reorder is reported as busy. E.180 lists
    # 440 Hz 0.25/0.25 s "congestion" for older exchanges; that is kept here.
    "FR": _profile(
        name="France",
        dial=((440,), (), -10),
        ringback=((440,), (1500, 3500), -10),
        busy=((440,), (500, 500), -10),
        reorder=((440,), (250, 250), -10),
        ring_cadence_ms=(1500, 3500),
    ),
    # Australia. Source: Communications Alliance (ACIF) S002 (analogue customer
    # equipment); E.180 Suppl. 2 (Australia). Dial and ringback
    # are 425 Hz modulated by 25 Hz (400 + 425 + 450 Hz). Busy is 425 Hz 0.375/0.375 s;
    # congestion has the same cadence with alternate bursts 10 dB lower, which a
    # cadence detector cannot tell from busy: Australian congestion is reported as busy.
    "AU": _profile(
        name="Australia",
        dial_steady_db=None,
        dial=((425,), (), -13),
        ringback=((425,), (400, 200, 400, 2000), -13),
        busy=((425,), (375, 375), -13),
        reorder=None,
        ring_cadence_ms=(400, 200, 400, 2000),
    ),
    # Japan. Source: NTT's technical reference for analogue telephone network
    # interfaces; E.180 Suppl. 2 (Japan). 400 Hz; ringback is 400 Hz
    # modulated by 16 Hz, 1 s on 2 s off. Japanese exchanges play the busy tone for
    # congestion too (E.180 gives no separate entry), and announce unobtainable
    # numbers instead of playing SIT: SIT is still detected if it comes.
    "JP": _profile(
        name="Japan",
        dial=((400,), (), -13),
        ringback=((400,), (1000, 2000), -13),
        busy=((400,), (500, 500), -13),
        reorder=None,
        ring_cadence_ms=(1000, 2000),
    ),
}

# Aliases a user may type in the settings.
# Turning an E.164 number (+CC...) into what is dialled from this country: the
# country calling code, the international prefix, and the trunk prefix dialled
# before a national number (ITU-T E.164 assigned codes; national numbering plans
# as published by each regulator, e.g. ITU-T Operational Bulletin lists).
_E164 = {
    "US": ("1", "011", "1"),  # NANP: 1 + 10 digits within the plan
    "UK": ("44", "00", "0"),
    "DE": ("49", "00", "0"),
    "FR": ("33", "00", "0"),
    "AU": ("61", "0011", "0"),
    "JP": ("81", "010", "0"),
}
for _code in _E164:
    _cc, _intl, _trunk = _E164[_code]
    PROFILES[_code]["calling_code"] = _cc
    PROFILES[_code]["intl_prefix"] = _intl
    PROFILES[_code]["trunk_prefix"] = _trunk

_ALIASES = {"CA": "US", "NANP": "US", "GB": "UK"}

DEFAULT_COUNTRY = "US"


def get(code):
    """The profile for an ISO 3166 country code (or an alias); ValueError if unknown."""
    key = code.upper()
    key = _ALIASES.get(key, key)
    try:
        return PROFILES[key]
    except KeyError:
        raise ValueError("unknown country: " + code)


def dial_string(number, profile):
    """What to dial for `number` from the country of `profile`. An E.164 number
    ("+44 20 7946 0000") becomes a national number when it is in this country
    ("020 7946 0000" from the UK) and the international prefix plus the digits
    otherwise ("011 44 20 ..." from the US); anything else is dialled as written."""
    s = number.strip()
    if not s.startswith("+"):
        return s
    digits = "".join(c for c in s[1:] if c.isdigit())
    cc = profile["calling_code"]
    if digits.startswith(cc):
        return profile["trunk_prefix"] + digits[len(cc):]
    return profile["intl_prefix"] + digits


def cadence_total_ms(cadence_ms):
    """Length of one period of a cadence (0 for a continuous tone)."""
    total = 0
    for ms in cadence_ms:
        total += ms
    return total
