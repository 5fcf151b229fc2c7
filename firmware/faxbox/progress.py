# Call progress: what the line says between going off hook and a fax machine
# answering. Sources: ITU-T E.180 (03/1998) and its Supplement 2 for the tones and
# cadences (see countries.py), Q.35 for SIT, T.30 (09/2005) §4.1 and Table 2/T.30
# for the answering fax machine's signals (CED 2100 Hz, ANSam, or a V.21 frame
# with a good FCS: DIS, CSI, NSF).
#
# Two layers:
#   Classifier   pure logic: fed tone-presence changes (from the C core's
#                ToneDetector: (on, ms of the state that ended)), fax signals and one
#                receive level per block, with the clock's time; decides an outcome.
#                Runs on recorded change lists in the unit tests.
#   CallProgress feeds received audio blocks to the detectors and the modem and
#                hands what they report to a Classifier.
#
# Outcomes end the dialling phase of a call. Each has the API status and an error
# code and message (OUTCOMES). Busy and no-answer use Twilio's 34002/34003; the
# others are box-specific codes in the 392xx block (errors.py keeps 39xxx for
# the box).
from micropython import const

from . import countries
from . import errors

R_DIAL_TONE = const(1)
R_NO_DIAL_TONE = const(2)
R_BUSY = const(3)
R_REORDER = const(4)
R_SIT = const(5)
R_FAX = const(6)
R_VOICE = const(7)
R_NO_ANSWER = const(8)
R_ANSWERED = const(9)  # the ringing stopped and nothing followed: let T.30 try
R_EXTENSION = const(10)
R_BAD_NUMBER = const(11)
R_UNOBTAINABLE = const(12)

NAMES = {
    R_DIAL_TONE: "dial tone", R_NO_DIAL_TONE: "no dial tone", R_BUSY: "busy",
    R_REORDER: "reorder", R_SIT: "SIT", R_FAX: "fax answer", R_VOICE: "voice answer",
    R_NO_ANSWER: "no answer", R_ANSWERED: "answered (silent)",
    R_EXTENSION: "extension off hook", R_BAD_NUMBER: "bad number",
    R_UNOBTAINABLE: "continuous tone",
}

# Outcomes that end a call before T.30: (API status, error code, message).
OUTCOMES = {
    R_BUSY: ("busy", errors.FAX_BUSY, "Fax: Callee Busy (busy tone)"),
    R_NO_ANSWER: ("no-answer", errors.FAX_NO_ANSWER, "Fax: Callee did not answer"),
    R_REORDER: ("failed", errors.LINE_REORDER, errors.message(errors.LINE_REORDER)),
    R_SIT: ("failed", errors.LINE_SIT, errors.message(errors.LINE_SIT)),
    R_VOICE: ("failed", errors.LINE_VOICE, errors.message(errors.LINE_VOICE)),
    R_NO_DIAL_TONE: ("failed", errors.LINE_NO_DIAL_TONE,
                     errors.message(errors.LINE_NO_DIAL_TONE)),
    R_EXTENSION: ("failed", errors.LINE_EXTENSION, errors.message(errors.LINE_EXTENSION)),
    R_BAD_NUMBER: ("failed", errors.LINE_BAD_NUMBER, errors.message(errors.LINE_BAD_NUMBER)),
    R_UNOBTAINABLE: ("failed", errors.LINE_UNOBTAINABLE,
                     errors.message(errors.LINE_UNOBTAINABLE)),
}

# Fax signals (Classifier.fax kinds).
FAX_CED = const(1)
FAX_ANSAM = const(2)
FAX_V21 = const(3)

# Detector roles, in the order CallProgress creates detectors for them.
ROLE_DIAL = const(0)
ROLE_RINGBACK = const(1)
ROLE_BUSY = const(2)
ROLE_REORDER = const(3)
ROLE_SIT = const(4)
# A two-frequency dial tone is also checked one frequency at a time, so that one
# sound in its bins (a held musical note) is not taken for it.
ROLE_DIAL_F1 = const(5)
ROLE_DIAL_F2 = const(6)
_N_ROLES = const(7)
_ROLE_KEYS = ("dial", "ringback", "busy", "reorder")

_PH_IDLE = const(0)
_PH_DIAL = const(1)
_PH_PROGRESS = const(2)

_MAX_SEGMENTS = const(8)
_DIAL_SETTLE_MS = const(60)
_DIAL_MEAN_BLOCKS = const(10)
_LEVEL_FLOOR_DBM0 = const(-70)
# SIT: three tones with gaps of <= 30 ms (Q.35 §5); a longer gap ends the burst.
_SIT_GAP_MAX_MS = const(100)
# Voice: this much speech-like energy (loud blocks not explained by a tone)
# within the last _VOICE_BUCKETS seconds. CED is recognised after 400 ms
# (tones.h TONE_CED_MIN_MS), so 800 ms leaves a fax machine time to show itself.
_VOICE_MIN_MS = const(800)
_VOICE_BUCKET_MS = const(1000)
_VOICE_BUCKETS = const(4)
# A block is loud when it is this far above the tracked noise floor and above
# an absolute floor. The floor falls at once and rises 1 dB per 500 ms.
_LOUD_OVER_FLOOR_DB = const(12)
_LOUD_MIN_DBM0 = const(-45)
_FLOOR_RISE_MS = const(500)
# After dialling: silence this long with no progress tone ever heard means the
# exchange connected the call without ringback (or an answering fax is silent).
_SILENT_ANSWER_MS = const(8000)
# After ringback: silence this much longer than the longest ringback gap means
# the call was answered.
_ANSWER_MARGIN_MS = const(1000)
# After dialling, a call-progress tone on this long without a break is no cadence:
# number unobtainable (UK, E.180: continuous 400 Hz) or dial tone still there.
_STEADY_TONE_MS = const(6000)


def within(ms, nominal_ms):
    """True if a measured duration fits a nominal one (countries.py tolerance)."""
    tol = nominal_ms * countries.CADENCE_TOL_PCT // 100 + countries.CADENCE_SLACK_MS
    return nominal_ms - tol <= ms <= nominal_ms + tol


def fits(segs, cadence, end_idx, k):
    """True if the last k segments of `segs` ((on, ms), oldest first) are the
    pattern positions of `cadence` ending at index end_idx (wrapping)."""
    n = len(cadence)
    if n == 0 or len(segs) < k:
        return False
    base = len(segs) - k
    for j in range(k):
        idx = (end_idx - (k - 1) + j) % n
        on, ms = segs[base + j]
        if on != (idx % 2 == 0) or not within(ms, cadence[idx]):
            return False
    return True


def fits_any(segs, cadence, k):
    """True if the last k segments fit the cadence at some phase."""
    for end_idx in range(len(cadence)):
        if fits(segs, cadence, end_idx, k):
            return True
    return False


class _Det:
    """Debounced state and recent whole segments of one tone detector."""

    def __init__(self):
        self.on = False
        self.since_ms = 0
        self.started = False  # the first "on" seen: earlier silence is no segment
        self.segs = []

    def change(self, on, prev_ms, now_ms):
        if self.started:
            self.segs.append((self.on, prev_ms))
            if len(self.segs) > _MAX_SEGMENTS:
                self.segs.pop(0)
        elif on:
            self.started = True
        self.on = on
        self.since_ms = now_ms


class Classifier:
    """Turns detector reports into one outcome (`result`, an R_* or None).

    `tone(role, on, prev_ms, now_ms)` for each change a detector reports;
    `fax(kind, now_ms)` for CED/ANSam/V.21; `level(dbm0, now_ms)` once per block;
    `tick(now_ms)` once per block for the time-outs. Each returns the result
    once there is one (and keeps returning it)."""

    def __init__(self, profile, no_answer_ms=None, dial_tone_wait_ms=None):
        self.p = profile
        self.no_answer_ms = no_answer_ms or profile["no_answer_ms"]
        self.dial_tone_wait_ms = dial_tone_wait_ms or profile["dial_tone_wait_ms"]
        self.dets = [_Det() for _ in range(_N_ROLES)]
        self._dial_parts = len(profile["dial"][0]) == 2
        self._dial_lvl_min = 0
        self._dial_lvl_max = 0
        self._dial_lvl_sum = 0
        self._dial_lvl_n = 0
        self.phase = _PH_IDLE
        self.result = None
        self.rings = 0
        self._t0 = 0
        self._ringback_seen = False
        self._tone_seen = False
        self._last_tone_ms = 0  # last tone change or unexplained sound
        self._sit_burst_ms = 0
        self._floor_dbm0 = 0
        self._floor_ms = 0
        self._buckets = [0] * _VOICE_BUCKETS
        self._bucket_start = 0
        self._ring_gap_max_ms = 0
        rb = profile["ringback"]
        if rb is not None:
            for i in range(1, len(rb[1]), 2):
                self._ring_gap_max_ms = max(self._ring_gap_max_ms, rb[1][i])

    # -- phases --

    def wait_dial_tone(self, now_ms):
        self.phase = _PH_DIAL
        self.result = None
        self._t0 = now_ms

    def dialling(self):
        """Dial tone found: digits are going out; nothing to decide until
        after_dialling() (an extension picked up still counts)."""
        self.phase = _PH_IDLE
        self.result = None

    def after_dialling(self, now_ms):
        """Dialling is complete: watch for the far end's answer from now."""
        self.phase = _PH_PROGRESS
        self.result = None
        self._t0 = now_ms
        self._last_tone_ms = now_ms
        self._bucket_start = now_ms
        for d in self.dets:
            d.segs = []
            d.started = d.on

    # -- inputs --

    def tone(self, role, on, prev_ms, now_ms):
        d = self.dets[role]
        d.change(on, prev_ms, now_ms)
        if role == ROLE_DIAL and on:
            self._dial_lvl_min = 0
            self._dial_lvl_max = -200
            self._dial_lvl_sum = 0
            self._dial_lvl_n = 0
        if self.result is not None:
            return self.result
        if self.phase == _PH_PROGRESS:
            self._tone_seen = True
            self._last_tone_ms = now_ms
            if role == ROLE_SIT:
                self._sit_change(on, prev_ms)
            else:
                self._cadence_check(role, on)
        return self.result

    def fax(self, kind, now_ms):
        if self.result is None and self.phase == _PH_PROGRESS:
            self.result = R_FAX
        return self.result

    def level(self, dbm0, now_ms):
        """One receive level per block: tracks the noise floor and speech."""
        if dbm0 < self._floor_dbm0:
            self._floor_dbm0 = dbm0
            self._floor_ms = now_ms
        elif now_ms - self._floor_ms >= _FLOOR_RISE_MS:
            self._floor_dbm0 += 1
            self._floor_ms = now_ms
        if self.phase == _PH_DIAL:
            self._dial_level(dbm0, now_ms)
        if self.phase != _PH_PROGRESS or self.result is not None:
            return self.result
        while now_ms - self._bucket_start >= _VOICE_BUCKET_MS:
            self._buckets.pop(0)
            self._buckets.append(0)
            self._bucket_start += _VOICE_BUCKET_MS
        loud = dbm0 >= _LOUD_MIN_DBM0 and dbm0 >= self._floor_dbm0 + _LOUD_OVER_FLOOR_DB
        if loud and not self._any_tone_on():
            # Sound that is no known tone: not the quiet of an unanswered line.
            self._last_tone_ms = now_ms
            self._buckets[-1] += 1
            total = 0
            for b in self._buckets:
                total += b
            if total * 20 >= _VOICE_MIN_MS:
                self.result = R_VOICE
        return self.result

    def extension_off_hook(self):
        if self.result is None:
            self.result = R_EXTENSION
        return self.result

    def tick(self, now_ms):
        if self.result is not None:
            return self.result
        elapsed = now_ms - self._t0
        if self.phase == _PH_DIAL:
            steady_db = self.p["dial_steady_db"]
            if self._steady(ROLE_DIAL, now_ms) and (not self._dial_parts or (
                    self._steady(ROLE_DIAL_F1, now_ms) and self._steady(ROLE_DIAL_F2, now_ms))) \
                    and (steady_db is None
                         or self._dial_lvl_max - self._dial_lvl_min <= steady_db):
                self.result = R_DIAL_TONE
            elif elapsed >= self.dial_tone_wait_ms:
                self.result = R_NO_DIAL_TONE
        elif self.phase == _PH_PROGRESS:
            self._progress_tick(now_ms, elapsed)
        return self.result

    # -- decisions --

    def _dial_level(self, dbm0, now_ms):
        """Range of the 200 ms means of the level while the dial detector is on.
        One level per block is a 2 ms snapshot; the mean of 10 of them is steady
        for a steady tone. Skips the first blocks (the tone may start mid-block)."""
        d = self.dets[ROLE_DIAL]
        if not d.on or now_ms - d.since_ms < _DIAL_SETTLE_MS:
            return
        self._dial_lvl_sum += max(dbm0, _LEVEL_FLOOR_DBM0)
        self._dial_lvl_n += 1
        if self._dial_lvl_n == _DIAL_MEAN_BLOCKS:
            mean = self._dial_lvl_sum // _DIAL_MEAN_BLOCKS
            self._dial_lvl_sum = 0
            self._dial_lvl_n = 0
            if mean < self._dial_lvl_min:
                self._dial_lvl_min = mean
            if mean > self._dial_lvl_max:
                self._dial_lvl_max = mean

    def _steady(self, role, now_ms):
        d = self.dets[role]
        return d.on and now_ms - d.since_ms >= self.p["dial_tone_min_ms"]

    def _any_tone_on(self):
        # The dial tone's parts (ROLE_DIAL_F1/F2) are not fed after dialling.
        for role in range(ROLE_DIAL_F1):
            if self.dets[role].on:
                return True
        return False

    def _progress_tick(self, now_ms, elapsed):
        sit = self.dets[ROLE_SIT]
        if not sit.on and self._sit_burst_ms and now_ms - sit.since_ms > _SIT_GAP_MAX_MS:
            self._sit_end()
            if self.result is not None:
                return
        if elapsed >= self.no_answer_ms:
            self.result = R_NO_ANSWER
            return
        if self._any_tone_on():
            for role in (ROLE_DIAL, ROLE_RINGBACK, ROLE_BUSY, ROLE_REORDER):
                d = self.dets[role]
                if d.on and d.since_ms >= self._t0 and now_ms - d.since_ms >= _STEADY_TONE_MS:
                    self.result = R_UNOBTAINABLE
            return
        quiet_ms = now_ms - self._last_tone_ms
        if self._ringback_seen:
            if quiet_ms >= self._ring_gap_max_ms * (100 + countries.CADENCE_TOL_PCT) // 100 \
                    + _ANSWER_MARGIN_MS:
                self.result = R_ANSWERED
        elif not self._tone_seen and elapsed >= _SILENT_ANSWER_MS:
            self.result = R_ANSWERED

    def _cadence_check(self, role, on):
        """A change on a call-progress tone detector: match the cadences that use
        this detector's frequencies (the caller maps each role to one detector)."""
        p = self.p
        segs = self.dets[role].segs
        if role == ROLE_BUSY or role == ROLE_REORDER:
            # Two periods of a two-part cadence, one of a four-part one.
            key = _ROLE_KEYS[role]
            cad = p[key][1]
            if fits_any(segs, cad, max(4, len(cad))):
                self.result = R_BUSY if role == ROLE_BUSY else R_REORDER
        elif role == ROLE_RINGBACK and not on:
            cad = p["ringback"][1]
            # A ring ends with the last "on" part of the pattern (UK: the second
            # 0.4 s burst); the whole ring before it must fit too.
            k = len(cad) - 1
            if len(segs) >= k and fits(segs, cad, len(cad) - 2, k):
                self.rings += 1
                self._ringback_seen = True

    def _sit_change(self, on, prev_ms):
        if not on:
            self._sit_burst_ms += prev_ms  # an "on" part ended
        elif self._sit_burst_ms and prev_ms <= _SIT_GAP_MAX_MS:
            self._sit_burst_ms += prev_ms  # a gap between the three tones

    def _sit_end(self):
        ms = self._sit_burst_ms
        self._sit_burst_ms = 0
        if countries.SIT_MIN_MS <= ms <= countries.SIT_MAX_MS:
            self.result = R_SIT


def tone_roles(profile):
    """The detectors a profile needs: [(freqs_hz, [roles])], one per distinct set of
    frequencies, then SIT, then a two-frequency dial tone's frequencies one by one."""
    out = []
    for role in (ROLE_DIAL, ROLE_RINGBACK, ROLE_BUSY, ROLE_REORDER):
        tone = profile[_ROLE_KEYS[role]]
        if tone is None:
            continue
        for freqs, roles in out:
            if freqs == tone[0]:
                roles.append(role)
                break
        else:
            out.append((tone[0], [role]))
    out.append((countries.SIT_FREQS_HZ, [ROLE_SIT]))
    dial = profile["dial"][0]
    if len(dial) == 2:
        # Each frequency of the pair on its own, listed twice: the core's detector
        # wants 40 % of a block's energy in the sum of its bins, so a doubled bin
        # asks for 20 % in that one bin. Each tone of the pair holds about half
        # the energy (less what leaks between bins 90-100 Hz apart, which at 40 %
        # made the detector flicker 1.5 % off nominal); one sound that is not
        # near that frequency gives the bin only leakage.
        out.append(((dial[0], dial[0]), [ROLE_DIAL_F1]))
        out.append(((dial[1], dial[1]), [ROLE_DIAL_F2]))
    return out


# Tone detector floor: progress tones arrive at -10 to -30 dBm0 (countries.py levels
# less line loss); -40 dBm0 keeps 10 dB of margin for a long local loop.
_TONE_MIN_DBM0 = const(-40)
_MAX_HELD_EVENTS = const(8)


class CallProgress:
    """Runs the detectors over received blocks and feeds a Classifier.

    `modem` is the call's faxmodem.Modem: its tone events (CED/ANSam) and V.21
    receiver show a fax answer, and its receive level shows speech. Modem events
    that the T.30 engine needs (frames) are kept in `held` for it."""

    def __init__(self, fm, modem, profile, no_answer_ms=None, dial_tone_wait_ms=None):
        self.fm = fm
        self.modem = modem
        self.cls = Classifier(profile, no_answer_ms, dial_tone_wait_ms)
        self._dets = []
        for freqs, roles in tone_roles(profile):
            self._dets.append((fm.ToneDetector(list(freqs), _TONE_MIN_DBM0), roles))
        self.held = []
        modem.rx_mode(fm.RX_V21)

    def feed(self, block, now_ms):
        """One received block; returns the outcome so far (an R_* or None)."""
        cls = self.cls
        for det, roles in self._dets:
            if roles[0] >= ROLE_DIAL_F1 and cls.phase != _PH_DIAL:
                continue  # the dial tone's parts matter only while waiting for it
            det.rx(block)
            for on, ms in det.changes():
                for role in roles:
                    cls.tone(role, on, ms, now_ms)
        m = self.modem
        m.rx(block)
        ev = m.event()
        while ev is not None:
            self._event(ev, now_ms)
            ev = m.event()
        cls.level(m.stats()["level_dbm0"], now_ms)
        return cls.tick(now_ms)

    def _event(self, ev, now_ms):
        fm = self.fm
        kind = ev[0]
        if kind == fm.EV_TONE:
            if ev[1] == fm.CED:
                self.cls.fax(FAX_CED, now_ms)
            elif ev[1] == fm.ANSAM:
                self.cls.fax(FAX_ANSAM, now_ms)
        elif kind == fm.EV_FRAME and ev[2]:
            # V.21 flags alone are no proof: the core's V.21 carrier detect is a
            # level detector that dial tone also trips. A frame with a good FCS
            # (DIS, CSI, NSF) is.
            self.cls.fax(FAX_V21, now_ms)
        if kind == fm.EV_FRAME or kind == fm.EV_TONE:
            if len(self.held) < _MAX_HELD_EVENTS:
                self.held.append(ev)
