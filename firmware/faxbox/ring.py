# Inbound ringing: counts rings from the board's ring detector and says when to
# answer. The board reports ring-signal changes as (on, ms of the state that ended),
# the same shape as the tone detectors' changes (debounced by the board: the ring
# voltage itself alternates at 20-25 Hz inside each burst).
#
# Cadences: pattern 1 is the country's normal ring (countries.py ring_cadence_ms);
# patterns 2, 3, ... are the country's distinctive-ring cadences
# (countries.py distinctive_ms, so far NANP's only).
from . import progress as pg

# Ringing stopped (the caller gave up) when the line is quiet this much longer than
# the longest gap of the pattern.
_STOP_MARGIN_MS = 2000


class RingCounter:
    """`change(on, prev_ms, now_ms)` per ring-detector change; returns True once
    `rings_to_answer` rings of an accepted pattern have been counted.
    `distinctive` is "any" (answer every pattern) or a string of the accepted
    pattern numbers, e.g. "1" (normal ring only) or "13"."""

    def __init__(self, profile, rings_to_answer=2, distinctive="any"):
        self.rings_to_answer = rings_to_answer
        self.patterns = {1: profile["ring_cadence_ms"]}
        n = 2
        for cad in profile.get("distinctive_ms", ()):
            self.patterns[n] = cad
            n += 1
        if distinctive == "any":
            self.accepted = tuple(self.patterns)
        else:
            self.accepted = tuple(int(c) for c in distinctive if c in "123456789")
        self._gap_max_ms = 0
        for cad in self.patterns.values():
            for i in range(1, len(cad), 2):
                self._gap_max_ms = max(self._gap_max_ms, cad[i])
        self.reset()

    def reset(self):
        self.rings = 0
        self.ignored = 0
        self.pattern = None
        self._segs = []
        self._on = False
        self._started = False
        self._since_ms = 0

    def change(self, on, prev_ms, now_ms):
        if self._started:
            self._segs.append((self._on, prev_ms))
            if len(self._segs) > 12:
                self._segs.pop(0)
        elif on:
            self._started = True
        self._on = on
        self._since_ms = now_ms
        if not on:
            self._ring_end()
        return self.rings >= self.rings_to_answer

    def _ring_end(self):
        # The longest pattern that fits wins (pattern 1 in the US is one 2 s burst and
        # would also match the last burst of nothing else).
        best = None
        for n in self.patterns:
            cad = self.patterns[n]
            k = len(cad) - 1
            if len(self._segs) >= k and pg.fits(self._segs, cad, k - 1, k):
                if best is None or len(cad) > len(self.patterns[best]):
                    best = n
        if best is None:
            return
        self.pattern = best
        if best in self.accepted:
            self.rings += 1
        else:
            self.ignored += 1
        self._segs = []

    def stopped(self, now_ms):
        """True when ringing has stopped (the caller hung up before we answered)."""
        return (self._started and not self._on
                and now_ms - self._since_ms > self._gap_max_ms + _STOP_MARGIN_MS)
