# Si3050 + Si3018/Si3019 DAA (Silicon Labs / Skyworks) over its SPI control port:
# set-up for 16-bit linear PCM at 8 kHz, the country's line settings, hook control,
# ring detection, line voltage and loop current, and the on-hook line monitor for
# caller ID.
#
# Source: Si3050 data sheet, Rev. 1.x, "Register Summary" and the register
# descriptions (registers are cited by number below), and its "Country Specific
# Register Settings" table. This file was written without the part or the data sheet
# at hand to re-check: every bit position, the SPI control byte and the country
# values are from the data sheet as remembered and are UNVERIFIED until checked
# against the document and a board. They are all named constants here so that a
# correction is a one-line change; the tests pin the sequences this file produces.
from micropython import const

# ---- SPI framing (data sheet "Serial Peripheral Interface"): three octets per
# access with CS low: control, register address, data (MSB first, SPI mode 3:
# clock idles high, data sampled on the rising edge). Control byte bit 5 = 1 reads
# (R/W), channel/broadcast bits 0 for a single device. UNVERIFIED.
_CTRL_WRITE = const(0x20)
_CTRL_READ = const(0x60)

# ---- registers
_REG_CTRL1 = const(1)           # SR bit 7: soft reset
_REG_CTRL2 = const(2)           # INTE bit 7: INT pin enable; INTP bit 6: active high
_REG_INT_MASK = const(3)        # RDTM bit 7: ring detect; POLM bit 0: polarity reversal
_REG_INT_SRC = const(4)         # RDTI bit 7, POLI bit 0 (write 0 to clear)
_REG_DAA_CTRL1 = const(5)       # RDTN bit 6, RDTP bit 5, ONHM bit 3, RDT bit 2, OH bit 0
_REG_DAA_CTRL2 = const(6)       # PDL bit 4: line side powered down (set at reset)
_REG_SAMPLE_RATE = const(7)     # SRC bit 0: 0 = 8 kHz
_REG_REVISION = const(11)       # LSID bits 7:4: line-side device id
_REG_LINE_STATUS = const(12)    # FDT bit 6: frame detect (line side linked)
_REG_INTL_CTRL1 = const(16)     # OHS bit 6, IIRE bit 4, RZ bit 1, RT bit 0
_REG_DC_TERM = const(26)        # DCV bits 7:6, MINI bits 5:4, ILIM bit 1
_REG_LOOP_CURRENT = const(28)   # LCS2: loop current, 1.1 mA per LSB
_REG_LINE_VOLTAGE = const(29)   # LVS: line voltage, 1 V per LSB, two's complement
_REG_AC_TERM = const(30)        # ACIM bits 3:0
_REG_DAA_CTRL5 = const(31)      # OHS2 bit 3
_REG_PCM_SPI = const(33)        # PCME bit 5, PCMF bits 4:3 (11 = 16-bit linear), PHCF bit 2
_REG_PCM_TXS_LO = const(34)     # PCM transmit start count, PCLKs after FSYNC, bits 7:0
_REG_PCM_TXS_HI = const(35)     # bits 9:8
_REG_PCM_RXS_LO = const(36)     # PCM receive start count
_REG_PCM_RXS_HI = const(37)

_SR = const(0x80)
_INTE = const(0x80)
_RDTM = const(0x80)
_RDTI = const(0x80)
_OH = const(0x01)
_RDT = const(0x04)
_ONHM = const(0x08)
_PDL = const(0x10)
_FDT = const(0x40)
_PCME = const(0x20)
_PCMF_LINEAR16 = const(0x18)
_OHS = const(0x40)
_RZ = const(0x02)
_RT = const(0x01)
_OHS2 = const(0x08)
_ILIM = const(0x02)

# LSID values in register 11 (UNVERIFIED): Si3018 and Si3019 line-side parts.
LINE_SIDE_IDS = {0x1: "Si3018", 0x3: "Si3019"}

# Timings. Reset low >= 5 us is enough per the data sheet's reset timing (not
# checked); 1 ms is used. The line side links over the isolation barrier once PCLK
# runs and PDL is cleared; the data sheet asks to wait before checking FDT: 20 ms
# is a margin, not a data sheet number.
_RESET_LOW_MS = const(1)
_RESET_SETTLE_MS = const(1)
_LINK_WAIT_MS = const(20)
_LINK_TRIES = const(10)

# A parallel handset off hook pulls the on-hook line voltage from about 48 V down
# to the 5-10 V of an off-hook loop: below this the line is taken (the box must not
# seize it, DESIGN.md §2 step 3). The threshold is a choice, not a standard value.
LINE_IN_USE_BELOW_V = const(20)

# Country line settings: OHS, OHS2, RZ, RT, ILIM, DCV, MINI, ACIM, from the data
# sheet's "Country Specific Register Settings" table as remembered: UNVERIFIED.
# Keys match faxbox.countries.PROFILES. UK and the EU countries use the CTR21 row
# (ACIM 0010: 270 ohm + 750 ohm || 150 nF; ILIM 60 mA current limit).
#           OHS OHS2 RZ RT ILIM DCV MINI ACIM
COUNTRY_SETTINGS = {
    "US": (0, 0, 0, 0, 0, 3, 0, 0),     # FCC part 68: 600 ohm
    "UK": (0, 1, 0, 0, 1, 3, 0, 2),     # CTR21
    "DE": (0, 1, 0, 0, 1, 3, 0, 2),     # CTR21
    "FR": (0, 1, 0, 0, 1, 3, 0, 2),     # CTR21
    "AU": (1, 0, 0, 0, 0, 1, 1, 3),     # 220 ohm + 820 ohm || 120 nF
    "JP": (0, 0, 0, 0, 0, 1, 1, 0),     # 600 ohm
}


class DaaError(OSError):
    pass


class Si3050:
    """One Si3050 on `spi` (a machine.SPI, mode 3, up to a few MHz) with chip
    select `cs` (a machine.Pin, output, idle high) and optionally `reset` (a
    machine.Pin, active low). `sleep_ms` is injected (time.sleep_ms on the board)."""

    def __init__(self, spi, cs, reset=None, sleep_ms=None):
        self.spi = spi
        self.cs = cs
        self.reset_pin = reset
        if sleep_ms is None:
            import time
            sleep_ms = time.sleep_ms
        self._sleep_ms = sleep_ms
        # One buffer pair for every access: no allocation per register access.
        self._out = bytearray(3)
        self._in = bytearray(3)
        self.cs.value(1)

    # ---- register access
    def read(self, reg):
        self._out[0] = _CTRL_READ
        self._out[1] = reg
        self._out[2] = 0
        self.cs.value(0)
        self.spi.write_readinto(self._out, self._in)
        self.cs.value(1)
        return self._in[2]

    def write(self, reg, value):
        self._out[0] = _CTRL_WRITE
        self._out[1] = reg
        self._out[2] = value & 0xFF
        self.cs.value(0)
        self.spi.write(self._out)
        self.cs.value(1)

    def update(self, reg, mask, value):
        """Read-modify-write of the bits in `mask`."""
        old = self.read(reg)
        self.write(reg, (old & ~mask) | (value & mask))

    # ---- set-up
    def init(self, country="US", pcm_start_pclks=0):
        """Reset, PCM port on (16-bit linear, 8 kHz, the slot `pcm_start_pclks`
        PCLKs after FSYNC, see cmodules/audio/pcm_prog.h), line side powered up
        and linked, country settings, INT pin on ring detect. The PCM clocks
        (faxaudio.start) must already run: the line side's link needs them.
        Returns the line-side part's name. Raises DaaError."""
        if country not in COUNTRY_SETTINGS:
            raise ValueError("no DAA settings for country %r" % country)
        if self.reset_pin is not None:
            self.reset_pin.value(0)
            self._sleep_ms(_RESET_LOW_MS)
            self.reset_pin.value(1)
        else:
            self.write(_REG_CTRL1, _SR)
        self._sleep_ms(_RESET_SETTLE_MS)
        self.write(_REG_PCM_SPI, _PCME | _PCMF_LINEAR16)
        self.write(_REG_PCM_TXS_LO, pcm_start_pclks & 0xFF)
        self.write(_REG_PCM_TXS_HI, (pcm_start_pclks >> 8) & 0x03)
        self.write(_REG_PCM_RXS_LO, pcm_start_pclks & 0xFF)
        self.write(_REG_PCM_RXS_HI, (pcm_start_pclks >> 8) & 0x03)
        self.write(_REG_SAMPLE_RATE, 0)
        self.write(_REG_DAA_CTRL2, 0)           # PDL = 0: power up the line side
        for _ in range(_LINK_TRIES):
            self._sleep_ms(_LINK_WAIT_MS)
            if self.read(_REG_LINE_STATUS) & _FDT:
                break
        else:
            raise DaaError("DAA line side did not link (no frame detect)")
        lsid = self.read(_REG_REVISION) >> 4
        self.set_country(country)
        self.write(_REG_INT_MASK, _RDTM)
        self.write(_REG_CTRL2, _INTE)
        return LINE_SIDE_IDS.get(lsid, "unknown line side %d" % lsid)

    def set_country(self, country):
        """Writes the country's DC and AC termination and on-hook settings."""
        ohs, ohs2, rz, rt, ilim, dcv, mini, acim = COUNTRY_SETTINGS[country]
        self.update(_REG_INTL_CTRL1, _OHS | _RZ | _RT,
                    (_OHS if ohs else 0) | (_RZ if rz else 0) | (_RT if rt else 0))
        self.update(_REG_DAA_CTRL5, _OHS2, _OHS2 if ohs2 else 0)
        self.update(_REG_DC_TERM, 0xF2, (dcv << 6) | (mini << 4) | (_ILIM if ilim else 0))
        self.update(_REG_AC_TERM, 0x0F, acim)

    # ---- line
    def off_hook(self):
        self.update(_REG_DAA_CTRL1, _OH, _OH)

    def on_hook(self):
        self.update(_REG_DAA_CTRL1, _OH, 0)

    def is_off_hook(self):
        return bool(self.read(_REG_DAA_CTRL1) & _OH)

    def ringing(self):
        """True while the ring detector sees a ring burst (RDT)."""
        return bool(self.read(_REG_DAA_CTRL1) & _RDT)

    def take_ring_event(self):
        """True once per ring burst that raised the ring interrupt (RDTI), which
        is then cleared. Call from the task woken by the INT pin's handler."""
        src = self.read(_REG_INT_SRC)
        if src & _RDTI:
            self.write(_REG_INT_SRC, src & ~_RDTI)
            return True
        return False

    def line_voltage_v(self):
        """Tip-ring voltage in whole volts, signed (the sign is the polarity)."""
        v = self.read(_REG_LINE_VOLTAGE)
        return v - 256 if v & 0x80 else v

    def loop_current_ma(self):
        """Loop current in whole mA (LCS2 counts 1.1 mA), off hook only."""
        return self.read(_REG_LOOP_CURRENT) * 11 // 10

    def line_in_use(self):
        """On hook: True when another device holds the line (low line voltage)."""
        return abs(self.line_voltage_v()) < LINE_IN_USE_BELOW_V

    def caller_id_monitor(self, on):
        """On-hook line monitor (ONHM): the receive path carries line audio while
        on hook, for Type I caller ID between the first and second ring."""
        self.update(_REG_DAA_CTRL1, _ONHM, _ONHM if on else 0)
