# The status LED: one blink pattern per state of the box, so the box can be
# read from across the room.
#
#   error       fast blink, 100 ms on / 100 ms off
#   wifi-down   one short flash a second, 100 ms on / 900 ms off
#   call        slow blink, 500 ms on / 500 ms off
#   idle        steady on
#
# The pin is injected (anything with .value(0/1): machine.Pin("LED") on the
# Pico W, whose LED hangs off the CYW43 chip; a fake in the tests), and so are
# the async sleep and the clock, so the patterns are tested without hardware.
import time

from micropython import const

STATE_ERROR = "error"
STATE_WIFI_DOWN = "wifi-down"
STATE_CALL = "call"
STATE_IDLE = "idle"

# (on_ms, off_ms) per state; off_ms 0 means steady on.
PATTERNS_MS = {
    STATE_ERROR: (100, 100),
    STATE_WIFI_DOWN: (100, 900),
    STATE_CALL: (500, 500),
    STATE_IDLE: (1000, 0),
}

# Longest time the LED task sleeps, so a state change shows within this.
_MAX_WAIT_MS = const(100)


def state_for(net_state, in_call=False, error=False):
    """The LED state from the box's condition; the first that applies wins:
    an error, then a call (a call needs no Wi-Fi), then Wi-Fi not up, else idle."""
    if error:
        return STATE_ERROR
    if in_call:
        return STATE_CALL
    if net_state != "up":
        return STATE_WIFI_DOWN
    return STATE_IDLE


def level_at(state, t_ms):
    """1 (on) or 0 (off) for `state` at t_ms into its pattern."""
    on_ms, off_ms = PATTERNS_MS[state]
    if off_ms == 0:
        return 1
    return 1 if t_ms % (on_ms + off_ms) < on_ms else 0


class Led:
    """Drives `pin` with the pattern of `self.state`. The pattern restarts
    (LED on) whenever the state changes."""

    def __init__(self, pin, sleep_ms=None, clock_ms=None):
        self.pin = pin
        if sleep_ms is None:
            import asyncio
            sleep_ms = asyncio.sleep_ms
        if clock_ms is None:
            clock_ms = time.ticks_ms
        self.sleep_ms = sleep_ms
        self.clock_ms = clock_ms
        self.state = STATE_WIFI_DOWN
        self._since_ms = clock_ms()
        self._level = None

    def set_state(self, state):
        if state not in PATTERNS_MS:
            raise ValueError("unknown LED state: %s" % state)
        if state != self.state:
            self.state = state
            self._since_ms = self.clock_ms()

    def update(self):
        """Set the pin for the current time; returns the level."""
        now = self.clock_ms()
        diff = getattr(time, "ticks_diff", None)
        t = diff(now, self._since_ms) if diff is not None else now - self._since_ms
        level = level_at(self.state, t)
        if level != self._level:
            self.pin.value(level)
            self._level = level
        return level

    async def run(self, source=None, stop=None):
        """The LED task. `source()`, if given, returns the state to show and is
        read at every step; `stop()` (tests) ends the task."""
        while stop is None or not stop():
            if source is not None:
                self.set_state(source())
            self.update()
            await self.sleep_ms(_MAX_WAIT_MS)
