# The Si3050 DAA driver against a fake SPI bus that decodes each 3-octet access
# (control, register, data) into a register file and records it. Runs under
# CPython and MicroPython.
#
# Expected values, worked from the register descriptions the driver cites
# (Si3050 data sheet; see the UNVERIFIED note in si3050.py):
#   reg 33 PCM/SPI mode: PCME (bit 5) | PCMF = 11 (bits 4:3) = 0x20 | 0x18 = 0x38
#   reg 6 DAA control 2: PDL (bit 4) cleared, PDN 0 -> 0x00
#   reg 3 interrupt mask: RDTM (bit 7) -> 0x80; reg 2 control 2: INTE (bit 7) -> 0x80
#   US: DCV = 11 -> reg 26 bits 7:6 = 0xC0, MINI 00, ILIM 0; ACIM 0000
#   UK (CTR21): OHS2 -> reg 31 bit 3 = 0x08; ILIM -> reg 26 bit 1: 0xC0 | 0x02 = 0xC2;
#               ACIM 0010 -> reg 30 = 0x02
#   AU: OHS -> reg 16 bit 6 = 0x40; DCV 01, MINI 01 -> 0x40 | 0x10 = 0x50; ACIM 0011
from faxbox.drivers import si3050

WRITE = 0x20
READ = 0x60


class FakePin:
    def __init__(self, log, name):
        self.log, self.name, self.v = log, name, None

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v
        self.log.append((self.name, v))


class FakeSpi:
    """Register file behind the SPI framing; `regs` preset per test."""

    def __init__(self, log, cs):
        self.log, self.cs, self.regs = log, cs, {}

    def write(self, buf):
        assert self.cs.v == 0 and len(buf) == 3 and buf[0] == WRITE
        self.regs[buf[1]] = buf[2]
        self.log.append(("w", buf[1], buf[2]))

    def write_readinto(self, out, inp):
        assert self.cs.v == 0 and len(out) == 3 and out[0] == READ
        inp[0] = inp[1] = 0
        inp[2] = self.regs.get(out[1], 0)
        self.log.append(("r", out[1]))


def make(regs=None):
    log = []
    cs = FakePin(log, "cs")
    rst = FakePin(log, "rst")
    spi = FakeSpi(log, cs)
    if regs:
        spi.regs.update(regs)
    sleeps = []
    daa = si3050.Si3050(spi, cs, reset=rst, sleep_ms=sleeps.append)
    del log[:]
    return daa, spi, log, sleeps


def writes(log):
    return [(e[1], e[2]) for e in log if e[0] == "w"]


def test_every_access_is_framed_by_chip_select():
    daa, spi, log, _ = make({5: 0x04})

    daa.write(33, 0x38)
    v = daa.read(5)

    assert log == [("cs", 0), ("w", 33, 0x38), ("cs", 1), ("cs", 0), ("r", 5), ("cs", 1)]
    assert v == 0x04


def test_init_us_sequence():
    # Line side linked (FDT, reg 12 bit 6), LSID 0011 = Si3019 in reg 11 bits 7:4.
    daa, spi, log, sleeps = make({12: 0x40, 11: 0x35, 26: 0x00, 30: 0x00})

    part = daa.init("US")

    assert part == "Si3019"
    assert log[:2] == [("rst", 0), ("rst", 1)]
    assert writes(log) == [
        (33, 0x38), (34, 0), (35, 0), (36, 0), (37, 0),  # PCM 16-bit linear, slot at FSYNC
        (7, 0x00),                                       # 8 kHz
        (6, 0x00),                                       # line side powered up
        (16, 0x00), (31, 0x00), (26, 0xC0), (30, 0x00),  # US: DCV 11, ACIM 0000
        (3, 0x80), (2, 0x80),                            # ring interrupt on INT
    ]
    assert sleeps == [1, 1, 20]                          # reset, settle, one link wait


def test_init_pcm_start_count_splits_over_two_registers():
    daa, spi, log, _ = make({12: 0x40, 11: 0x10})

    daa.init("US", pcm_start_pclks=0x1F3)               # 499 PCLKs: 0xF3 low, 0x1 high

    assert writes(log)[1:5] == [(34, 0xF3), (35, 0x01), (36, 0xF3), (37, 0x01)]


def test_country_settings_keep_the_other_bits():
    # Bits outside the country fields must survive: reg 16 IIRE (bit 4), reg 26 DCR
    # (bit 0), reg 30 bits 7:4, reg 31 FILT (bit 1).
    daa, spi, log, _ = make({16: 0x10, 26: 0x01, 30: 0xA0, 31: 0x02})

    daa.set_country("UK")
    uk = dict(spi.regs)
    daa.set_country("AU")
    au = dict(spi.regs)

    assert (uk[16], uk[31], uk[26], uk[30]) == (0x10, 0x0A, 0xC3, 0xA2)
    assert (au[16], au[31], au[26], au[30]) == (0x50, 0x02, 0x51, 0xA3)


def test_init_fails_when_the_line_side_never_links():
    daa, spi, log, sleeps = make({12: 0x00})

    try:
        daa.init("US")
        raised = False
    except si3050.DaaError:
        raised = True

    assert raised
    assert sleeps == [1, 1] + [20] * 10


def test_unknown_country_is_refused_before_any_access():
    daa, spi, log, _ = make()

    try:
        daa.init("XX")
        raised = False
    except ValueError:
        raised = True

    assert raised and log == []


def test_hook_ring_and_monitor_bits_of_register_5():
    daa, spi, log, _ = make({5: 0x20})                   # RDTP set, on hook

    daa.off_hook()
    off = spi.regs[5]
    daa.caller_id_monitor(True)
    mon = spi.regs[5]
    daa.on_hook()
    daa.caller_id_monitor(False)

    assert off == 0x21 and mon == 0x29
    assert spi.regs[5] == 0x20
    assert daa.is_off_hook() is False
    spi.regs[5] = 0x24                                   # RDT: ring burst now
    assert daa.ringing() is True


def test_ring_interrupt_is_taken_once():
    daa, spi, log, _ = make({4: 0x81})                   # RDTI and POLI pending

    first = daa.take_ring_event()
    second = daa.take_ring_event()

    assert (first, second) == (True, False)
    assert spi.regs[4] == 0x01                           # POLI left for its owner


def test_line_voltage_current_and_line_in_use():
    daa, spi, log, _ = make({29: 48, 28: 20})

    v_idle = daa.line_voltage_v()
    idle_in_use = daa.line_in_use()
    spi.regs[29] = 0xF7                                  # -9 V: reversed polarity, handset up
    v_taken = daa.line_voltage_v()
    taken = daa.line_in_use()
    ma = daa.loop_current_ma()                           # 20 x 1.1 mA = 22 mA

    assert (v_idle, idle_in_use) == (48, False)
    assert (v_taken, taken) == (-9, True)
    assert ma == 22
