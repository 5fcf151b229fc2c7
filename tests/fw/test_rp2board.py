# The rp2 board's clock and line objects, on fakes (no hardware here).
from faxbox.drivers import DaaLine, Rp2Clock


class _Ticks:
    """ticks_ms that wraps at 2^30 like the rp2 port's."""
    PERIOD = 1 << 30

    def __init__(self, start):
        self.t = start

    def ticks_ms(self):
        return self.t % self.PERIOD

    def ticks_diff(self, a, b):
        d = (a - b) % self.PERIOD
        return d - self.PERIOD if d >= self.PERIOD // 2 else d


class _Daa:
    def __init__(self):
        self.ring = False
        self.hook = False
        self.low_voltage = False

    def ringing(self):
        return self.ring

    def off_hook(self):
        self.hook = True

    def on_hook(self):
        self.hook = False

    def line_in_use(self):
        return self.low_voltage


class _Clock:
    def __init__(self):
        self.t = 0

    def ms(self):
        return self.t


def test_clock_counts_across_the_tick_wrap():
    t = _Ticks((1 << 30) - 50)
    clock = Rp2Clock(t.ticks_ms, t.ticks_diff)

    t.t += 30
    a = clock.ms()
    t.t += 40  # past the wrap
    b = clock.ms()

    assert (a, b) == (30, 70)


def test_ring_changes_report_each_edge_with_the_length_of_the_state_that_ended():
    daa, clock = _Daa(), _Clock()
    line = DaaLine(daa, clock)

    clock.t = 1000
    daa.ring = True
    first = line.ring_changes()
    clock.t = 3000
    same = line.ring_changes()
    daa.ring = False
    off = line.ring_changes()

    assert first == [(True, 1000)]
    assert same == []
    assert off == [(False, 2000)]


def test_hook_and_line_in_use():
    daa, clock = _Daa(), _Clock()
    line = DaaLine(daa, clock)
    daa.low_voltage = True

    busy_on_hook = line.in_use()
    line.off_hook()
    busy_off_hook = line.in_use()
    no_rings_off_hook = line.ring_changes()

    assert busy_on_hook and not busy_off_hook
    assert daa.hook and line.off
    assert no_rings_off_hook == []
