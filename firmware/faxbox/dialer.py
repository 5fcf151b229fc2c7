# Dialling: dial strings, DTMF (ITU-T Q.23 frequencies, Q.24 timing) and pulse
# digits, waiting for dial tone, then watching call progress until the far end
# answers or the call fails (progress.py).
#
# Dial string characters (Hayes-style, as fax software users know them):
#   0-9 * # A-D   a digit (tone mode sends DTMF; pulse mode sends 0-9 only)
#   ,             pause (comma_pause_ms)
#   W             wait for (a second) dial tone, e.g. "9W" behind a PBX
#   P / T         switch to pulse / tone dialling for the digits that follow
#   space - . ( ) + are layout and ignored ("+1 555-0123" dials 15550123)
from array import array

from micropython import const

from . import countries
from . import progress as pg

BLOCK_SAMPLES = const(160)  # 20 ms at 8 kHz, as call.py

OP_DIGIT = const(1)
OP_PULSE = const(2)
OP_PAUSE = const(3)
OP_WAIT = const(4)

_IGNORED = " -.()+"
_DTMF = "0123456789*#ABCD"

# Settings the line code reads from the box's config, with their defaults
# (country-dependent timings come from the country profile when unset).
SETTING_DEFAULTS = {
    "country": countries.DEFAULT_COUNTRY,
    "dial_prefix": "",          # put before every number, e.g. "9W" for a PBX
    "blind_dial": False,        # dial without waiting for dial tone
    "pulse_dial": False,        # start in pulse mode (a "T" in the string switches)
    "dtmf_on_ms": None,         # None: the country's default
    "dtmf_off_ms": None,
    "dial_tone_wait_ms": None,
    "no_answer_s": None,
    "rings_to_answer": 2,       # inbound (ring.py)
    "distinctive_ring": "any",  # inbound: "any", or the ring patterns to answer, e.g. "1"
}


def settings(cfg=None):
    """The line settings as a dict: the country profile, overlaid by the SETTING_DEFAULTS
    keys found on `cfg` (a config object or dict; missing keys keep defaults)."""
    s = {}
    for key in SETTING_DEFAULTS:
        value = SETTING_DEFAULTS[key]
        if cfg is not None:
            if isinstance(cfg, dict):
                value = cfg.get(key, value)
            else:
                value = getattr(cfg, key, value)
        s[key] = value
    profile = countries.get(s["country"])
    out = dict(profile)
    for key in s:
        if s[key] is not None:
            out[key] = s[key]
    if s["no_answer_s"] is not None:
        out["no_answer_ms"] = s["no_answer_s"] * 1000
    return out


def parse(dial_string, pulse=False):
    """A dial string as a list of (op, arg): (OP_DIGIT, "5"), (OP_PULSE, 5),
    (OP_PAUSE, None), (OP_WAIT, None). ValueError for a character that is neither
    a dial character nor layout."""
    ops = []
    for c in dial_string.upper():
        if c in _IGNORED:
            continue
        if c == "P":
            pulse = True
        elif c == "T":
            pulse = False
        elif c == ",":
            ops.append((OP_PAUSE, None))
        elif c == "W":
            ops.append((OP_WAIT, None))
        elif pulse and c in "0123456789":
            # Pulse dialling: digit n is n loop breaks, 0 is ten.
            ops.append((OP_PULSE, 10 if c == "0" else ord(c) - 48))
        elif c in _DTMF:
            if pulse:
                raise ValueError("%s cannot be pulse dialled" % c)
            ops.append((OP_DIGIT, c))
        else:
            raise ValueError("not a dial character: %r" % c)
    return ops


def digits_of(ops):
    """The digits a dial plan sends, as a string (for the log and the tests)."""
    out = []
    for op, arg in ops:
        if op == OP_DIGIT:
            out.append(arg)
        elif op == OP_PULSE:
            out.append("0" if arg == 10 else chr(48 + arg))
    return "".join(out)


class Call:
    """The audio loop of the dialling phase: one block out, one block in, the
    call-progress detectors fed with every block received.

    Result: `run()` returns an R_* of progress.py: R_FAX or R_ANSWERED mean go on
    with T.30 (the modem events already seen are in `prog.held`), anything else
    ends the call with progress.OUTCOMES[result]."""

    def __init__(self, board, fm, modem, st, log):
        self.board = board
        self.fm = fm
        self.modem = modem
        self.st = st
        self.log = log
        self.prog = pg.CallProgress(fm, modem, st, st["no_answer_ms"], st["dial_tone_wait_ms"])
        self._tx = array("h", bytes(2 * BLOCK_SAMPLES))
        self._rx = array("h", bytes(2 * BLOCK_SAMPLES))
        line = board.line
        self._ext = getattr(line, "extension_off_hook", None)

    async def _block(self):
        """Moves one block; returns the classifier's result so far."""
        self.modem.tx(self._tx)
        await self.board.audio.exchange(self._tx, self._rx)
        now = self.board.clock.ms()
        r = self.prog.feed(self._rx, now)
        if r is None and self._ext is not None and self._ext():
            r = self.prog.cls.extension_off_hook()
        return r

    async def _wait_dial_tone(self):
        cls = self.prog.cls
        cls.wait_dial_tone(self.board.clock.ms())
        r = None
        while r is None:
            r = await self._block()
        if r == pg.R_DIAL_TONE:
            cls.dialling()
        return r

    async def _play_until_idle(self):
        """Runs blocks until the transmit queue has played out; a result other than
        dial tone (busy, extension) ends dialling early."""
        while not self.modem.tx_idle():
            r = await self._block()
            if r is not None:
                return r
        return None

    async def _silent_ms(self, ms):
        end = self.board.clock.ms() + ms
        while self.board.clock.ms() < end:
            r = await self._block()
            if r is not None:
                return r
        return None

    async def dial(self, number):
        """Dials `number` (with the configured prefix); returns None when every digit
        has gone, or the R_* that stopped dialling."""
        st = self.st
        try:
            ops = parse(st["dial_prefix"] + countries.dial_string(number, st), st["pulse_dial"])
        except ValueError as e:
            self.log("line: cannot dial %s: %s" % (number, e))
            return pg.R_BAD_NUMBER
        self.log("line: dialling %s" % digits_of(ops))
        line = self.board.line
        if getattr(line, "dial_direct", False):
            # A line that takes the number out of band (the sim board wired to a
            # plain far end; an ISDN or SIP adapter): no dial tone, no digits.
            await line.dial(digits_of(ops))
            return None
        if not st["blind_dial"]:
            r = await self._wait_dial_tone()
            if r != pg.R_DIAL_TONE:
                return r
            self.log("line: dial tone")
        m = self.modem
        for op, arg in ops:
            r = None
            if op == OP_DIGIT:
                m.tx_dtmf(arg, st["dtmf_on_ms"])
                m.tx_silence(st["dtmf_off_ms"])
                r = await self._play_until_idle()
            elif op == OP_PULSE:
                r = await self._pulse(arg)
            elif op == OP_PAUSE:
                r = await self._silent_ms(st["comma_pause_ms"])
            elif op == OP_WAIT:
                r = await self._wait_dial_tone()
                if r == pg.R_DIAL_TONE:
                    r = None
            if r is not None:
                return r
        return None

    async def _pulse(self, breaks):
        """Pulse digit: the board's hook switch makes the breaks (line.pulse); the
        audio loop keeps running for the digit's length so the clock moves on."""
        st = self.st
        pulse = getattr(self.board.line, "pulse", None)
        if pulse is None:
            raise ValueError("this board cannot pulse dial")
        pulse(breaks, st["pulse_break_ms"], st["pulse_make_ms"])
        return await self._silent_ms(breaks * (st["pulse_break_ms"] + st["pulse_make_ms"])
                                     + st["pulse_interdigit_ms"])

    async def progress(self):
        """After dialling: runs until the far end answers or the call fails."""
        self.prog.cls.after_dialling(self.board.clock.ms())
        r = None
        while r is None:
            r = await self._block()
        return r

    async def run(self, number):
        r = await self.dial(number)
        if r is None:
            r = await self.progress()
        cls = self.prog.cls
        self.log("line: %s (%d rings)" % (pg.NAMES.get(r, str(r)), cls.rings))
        return r
