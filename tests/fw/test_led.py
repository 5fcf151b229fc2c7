# The status LED's patterns (faxbox/led.py), with a fake pin and a fake clock.
import asyncio

from faxbox import led


class FakePin:
    def __init__(self, clock):
        self.clock = clock
        self.changes = []  # (time_ms, level)

    def value(self, v):
        self.changes.append((self.clock.now, v))


class Clock:
    def __init__(self):
        self.now = 0

    def ms(self):
        return self.now

    async def sleep_ms(self, ms):
        self.now += ms
        await asyncio.sleep(0)


def _run(states_at, until_ms):
    """Run the LED task with the state given by states_at(now) until until_ms;
    the pin's changes."""
    clock = Clock()
    pin = FakePin(clock)
    ld = led.Led(pin, clock.sleep_ms, clock.ms)
    asyncio.run(ld.run(lambda: states_at(clock.now), lambda: clock.now >= until_ms))
    return pin.changes


def test_error_blinks_100_ms_on_100_ms_off():
    changes = _run(lambda t: led.STATE_ERROR, 1000)

    # The task looks every 100 ms, so each look flips the pin: on at 0, off at 100, ...
    assert changes[:4] == [(0, 1), (100, 0), (200, 1), (300, 0)]
    assert len(changes) == 10


def test_wifi_down_flashes_once_a_second():
    changes = _run(lambda t: led.STATE_WIFI_DOWN, 3000)

    assert changes == [(0, 1), (100, 0), (1000, 1), (1100, 0), (2000, 1), (2100, 0)]


def test_call_blinks_half_a_second():
    changes = _run(lambda t: led.STATE_CALL, 2000)

    assert changes == [(0, 1), (500, 0), (1000, 1), (1500, 0)]


def test_idle_is_steady_on():
    changes = _run(lambda t: led.STATE_IDLE, 5000)

    assert changes == [(0, 1)]


def test_pattern_restarts_on_a_state_change():
    # Wi-Fi down until 1500 ms (flash at 1000-1100), then a call starts: its
    # pattern begins with the LED on at once and turns off 500 ms later.
    changes = _run(lambda t: led.STATE_WIFI_DOWN if t < 1500 else led.STATE_CALL, 2600)

    assert changes == [(0, 1), (100, 0), (1000, 1), (1100, 0), (1500, 1), (2000, 0),
                       (2500, 1)]


def test_state_for_orders_error_call_wifi_idle():
    assert led.state_for("up", in_call=True, error=True) == led.STATE_ERROR
    assert led.state_for("down", in_call=True) == led.STATE_CALL
    assert led.state_for("down") == led.STATE_WIFI_DOWN
    assert led.state_for("connecting") == led.STATE_WIFI_DOWN
    assert led.state_for("up") == led.STATE_IDLE


def test_unknown_state_is_refused():
    ld = led.Led(FakePin(Clock()), Clock().sleep_ms, lambda: 0)

    try:
        ld.set_state("party")
    except ValueError as e:
        assert "party" in str(e)
    else:
        assert False, "no ValueError"
