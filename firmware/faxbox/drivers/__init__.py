# Drivers for the line interface and codec parts of the real boards (rp2). Each takes
# its bus and pins through the constructor, so tests drive it with fake buses.
#
# make_board() assembles the board object the app runs on (DESIGN.md §3: line,
# audio, clock, storage) from the frozen pin map `board` (boards/<name>/board.py),
# for a board with a Si3050 DAA on SPI and its PCM port clocked by our PIO program
# (firmware/cmodules/audio). Nothing here has run on hardware yet.


class Rp2Clock:
    """Milliseconds since start-up that never wrap: time.ticks_ms() wraps after
    2^30 ms (12.4 days) on rp2, so the elapsed ticks are added up instead."""

    def __init__(self, ticks_ms=None, ticks_diff=None):
        import time
        self._ticks = ticks_ms or time.ticks_ms
        self._diff = ticks_diff or time.ticks_diff
        self._last = self._ticks()
        self._ms = 0

    def ms(self):
        now = self._ticks()
        self._ms += self._diff(now, self._last)
        self._last = now
        return self._ms


class DaaLine:
    """The line as the app sees it (call.py, dialer.py, answer.py), on a Si3050."""

    def __init__(self, daa, clock):
        self.daa = daa
        self.clock = clock
        self.off = False
        self._ring = False
        self._since_ms = clock.ms()

    def in_use(self):
        # On hook, a low line voltage means another phone on the line is off hook.
        return not self.off and self.daa.line_in_use()

    def extension_off_hook(self):
        return self.in_use()

    def off_hook(self):
        self.daa.off_hook()
        self.off = True

    def on_hook(self):
        self.daa.on_hook()
        self.off = False

    def ring_changes(self):
        """[(on, ms of the state that ended)] since the last call, from the DAA's ring
        detector read once per audio block (20 ms: the debounce ring.py expects)."""
        if self.off:
            return []
        on = bool(self.daa.ringing())
        if on == self._ring:
            return []
        now = self.clock.ms()
        prev = now - self._since_ms
        self._ring = on
        self._since_ms = now
        return [(on, prev)]


class Rp2Board:
    def __init__(self, name, clock, line, audio, data_dir):
        self.name = name
        self.clock = clock
        self.line = line
        self.audio = audio
        self.data_dir = data_dir
        self.line_settings = None


def make_board(pins, config):
    """The rp2 board from its pin map module and the box's config."""
    from machine import SPI, Pin

    import faxaudio
    from faxbox.drivers.pcmaudio import PcmAudio
    from faxbox.drivers.si3050 import Si3050

    p = pins.PINS
    spi = SPI(pins.DAA_SPI_ID, baudrate=pins.DAA_SPI_BAUD_HZ, polarity=1, phase=1,
              sck=Pin(p["DAA_SPI_SCK"]), mosi=Pin(p["DAA_SPI_MOSI"]),
              miso=Pin(p["DAA_SPI_MISO"]))
    daa = Si3050(spi, Pin(p["DAA_SPI_CS"], Pin.OUT, value=1),
                 reset=Pin(p["DAA_RESET"], Pin.OUT, value=1))
    daa.init(country=config.country)
    audio = PcmAudio(faxaudio, pins.PCM_PIO_ID, p["PCM_BCLK"], p["PCM_DOUT"], p["PCM_DIN"])
    audio.start()
    clock = Rp2Clock()
    return Rp2Board(pins.BOARD_NAME, clock, DaaLine(daa, clock), audio, config.data_dir)
