# The ES8311 codec driver against a fake I2C bus holding a register file. Runs
# under CPython and MicroPython.
#
# Expected values, worked from the register layout es8311.py cites (UNVERIFIED
# against a board):
#   reg 0x01: MCLK from SCLK (bit 7) | all clock enables 0x3F = 0xBF
#   reg 0x02 for a 256 kHz bit clock: pre_div 1 -> (1-1) << 5 = 0, x8 -> code 3 << 3
#            = 0x18;  for a 12.288 MHz MCLK: pre_div 6 -> 5 << 5 = 0xA0, x1 -> 0xA0
#   regs 0x09/0x0A: 16-bit (3 << 2 = 0x0C) | DSP format 3 = 0x0F
#   volume: 0xBF = 0 dB; -6 dB = -12 half-dB -> 0xB3; +40 dB clamps to 0xFF
from faxbox.drivers import es8311


class FakeI2c:
    def __init__(self, regs=None):
        self.regs = {0xFD: 0x83, 0xFE: 0x11}
        if regs:
            self.regs.update(regs)
        self.log = []

    def writeto_mem(self, addr, reg, buf):
        assert addr == 0x18 and len(buf) == 1
        self.regs[reg] = buf[0]
        self.log.append((reg, buf[0]))

    def readfrom_mem_into(self, addr, reg, buf):
        assert addr == 0x18 and len(buf) == 1
        buf[0] = self.regs.get(reg, 0)


def test_init_from_the_pcm_bit_clock():
    bus = FakeI2c()

    es8311.Es8311(bus).init()

    assert bus.log == [
        (0x00, 0x1F), (0x00, 0x00), (0x00, 0x80),        # reset, state machine on, slave
        (0x01, 0xBF), (0x02, 0x18), (0x03, 0x10), (0x04, 0x10), (0x05, 0x00),
        (0x09, 0x0F), (0x0A, 0x0F),
        (0x0D, 0x01), (0x0E, 0x02), (0x12, 0x00), (0x13, 0x10), (0x1C, 0x6A), (0x37, 0x08),
        (0x14, 0x10), (0x17, 0xBF), (0x32, 0xBF),
    ]


def test_init_from_a_12_288_mhz_mclk():
    bus = FakeI2c()

    es8311.Es8311(bus).init(12_288_000, from_bit_clock=False)

    assert bus.regs[0x01] == 0x3F and bus.regs[0x02] == 0xA0


def test_wrong_chip_id_or_clock_is_refused_before_any_write():
    bus = FakeI2c({0xFD: 0x00})
    codec = es8311.Es8311(bus)
    errors = []

    for args in ((), (1_000_000,)):
        try:
            codec.init(*args)
        except (es8311.CodecError, ValueError) as e:
            errors.append(type(e).__name__)

    assert errors == ["CodecError", "ValueError"]
    assert bus.log == []


def test_gain_codes_and_mute():
    bus = FakeI2c({0x09: 0x0F})
    codec = es8311.Es8311(bus)

    codec.set_dac_gain(-12)
    codec.set_adc_gain(80)
    codec.mute(True)
    muted = bus.regs[0x09]
    codec.mute(False)

    assert (bus.regs[0x32], bus.regs[0x17]) == (0xB3, 0xFF)
    assert es8311.Es8311.volume_code(-1000) == 0
    assert (muted, bus.regs[0x09]) == (0x4F, 0x0F)
