# Everest ES8311 mono codec over I2C, as the 8 kHz audio path of a board that uses an
# analogue DAA module (no codec of its own) instead of the Si3050: full duplex,
# 16-bit samples in DSP/PCM frames, the codec a clock slave of our PIO PCM program
# (cmodules/audio/pcm_prog.h: PCLK = 32 x 8 kHz = 256 kHz, FSYNC one PCLK wide at the
# MSB), its internal master clock multiplied up from that bit clock.
#
# Source: ES8311 data sheet and user guide (register descriptions 0x00-0x45, the
# clock-manager registers 0x01-0x08 and the serial data port registers 0x09/0x0A).
# Written without the part at hand: register bit positions and the clock set-up are
# UNVERIFIED until checked on a board. The clock coefficients are worked out below
# rather than copied from a vendor table.
from micropython import const

I2C_ADDR = const(0x18)          # CE pin low (0x19 with CE high)

_REG_RESET = const(0x00)        # bit 7 CSM_ON, bit 6 MSC (1 = codec is clock master), 0x1F = reset
_REG_CLK1 = const(0x01)         # bit 7 MCLK from SCLK (bit clock); bits 5:0 clock enables
_REG_CLK2 = const(0x02)         # bits 7:5 pre_div - 1, bits 4:3 pre_multi (0 x1, 1 x2, 2 x4, 3 x8)
_REG_CLK3 = const(0x03)         # bit 6 fs_mode (0 single speed), bits 5:0 ADC OSR
_REG_CLK4 = const(0x04)         # bits 5:0 DAC OSR
_REG_CLK5 = const(0x05)         # bits 7:4 ADC divider - 1, bits 3:0 DAC divider - 1
_REG_SDP_IN = const(0x09)       # DAC serial port: bit 6 mute, bits 4:2 word length, 1:0 format
_REG_SDP_OUT = const(0x0A)      # ADC serial port: same layout
_REG_SYS_0D = const(0x0D)       # analogue power: 0x01 powers up the references and bias
_REG_SYS_0E = const(0x0E)       # 0x02: PGA and ADC modulator on
_REG_SYS_12 = const(0x12)       # 0x00: DAC powered up
_REG_SYS_13 = const(0x13)       # 0x10: output driver on
_REG_SYS_14 = const(0x14)       # bit 4 analogue mic (differential), bits 3:0 PGA gain, 3 dB steps
_REG_ADC_VOL = const(0x17)      # 0xBF = 0 dB, 0.5 dB per LSB
_REG_ADC_1C = const(0x1C)       # 0x6A: ADC equaliser bypassed, DC offset removal on
_REG_DAC_VOL = const(0x32)      # 0xBF = 0 dB, 0.5 dB per LSB
_REG_DAC_37 = const(0x37)       # 0x08: DAC equaliser bypassed
_REG_CHIP_ID1 = const(0xFD)     # 0x83
_REG_CHIP_ID2 = const(0xFE)     # 0x11

CHIP_ID = (0x83, 0x11)

_CSM_ON = const(0x80)
_MCLK_FROM_SCLK = const(0x80)
_CLOCKS_ON = const(0x3F)
_SDP_MUTE = const(0x40)
_SDP_16BIT = const(3 << 2)
_SDP_DSP = const(3)             # DSP/PCM format (frame sync at the MSB)
_VOL_0DB = const(0xBF)

RATE_HZ = const(8000)
# The codec's internal clock must be 256 x fs = 2.048 MHz at 8 kHz, with the ADC/DAC
# dividers 1 and an oversampling ratio of 0x10 (the single-speed setting for 8 kHz
# in the user guide's clock examples; UNVERIFIED).
_OSR_8K = const(0x10)
# Source clock (Hz) -> (pre_div, pre_multi code): source x multi / div = 2.048 MHz.
#   256 kHz bit clock (our PCM frame of 32 PCLKs): x8 / 1 -> multi code 3
#   2.048 MHz MCLK: x1 / 1;  4.096 MHz: x1 / 2;  12.288 MHz: x1 / 6
CLOCKS = {
    256_000: (1, 3),
    2_048_000: (1, 0),
    4_096_000: (2, 0),
    12_288_000: (6, 0),
}


class CodecError(OSError):
    pass


class Es8311:
    """ES8311 on `i2c` (a machine.I2C, 100-400 kHz) at `addr`."""

    def __init__(self, i2c, addr=I2C_ADDR):
        self.i2c = i2c
        self.addr = addr
        self._b = bytearray(1)

    def write(self, reg, value):
        self._b[0] = value & 0xFF
        self.i2c.writeto_mem(self.addr, reg, self._b)

    def read(self, reg):
        self.i2c.readfrom_mem_into(self.addr, reg, self._b)
        return self._b[0]

    def init(self, source_hz=256_000, from_bit_clock=True):
        """Reset and set up 8 kHz, 16-bit DSP frames, codec as clock slave, ADC and
        DAC at 0 dB. source_hz: the bit clock (from_bit_clock=True) or the MCLK pin's
        frequency; one of CLOCKS. Raises CodecError when the chip ID is wrong."""
        if source_hz not in CLOCKS:
            raise ValueError("no 8 kHz clock set-up for %d Hz" % source_hz)
        ident = (self.read(_REG_CHIP_ID1), self.read(_REG_CHIP_ID2))
        if ident != CHIP_ID:
            raise CodecError("ES8311 not found (chip id %02x %02x)" % ident)
        pre_div, multi = CLOCKS[source_hz]
        self.write(_REG_RESET, 0x1F)
        self.write(_REG_RESET, 0x00)
        self.write(_REG_RESET, _CSM_ON)                 # slave: MSC = 0
        self.write(_REG_CLK1, (_MCLK_FROM_SCLK if from_bit_clock else 0) | _CLOCKS_ON)
        self.write(_REG_CLK2, ((pre_div - 1) << 5) | (multi << 3))
        self.write(_REG_CLK3, _OSR_8K)
        self.write(_REG_CLK4, _OSR_8K)
        self.write(_REG_CLK5, 0x00)                     # ADC and DAC dividers 1
        self.write(_REG_SDP_IN, _SDP_16BIT | _SDP_DSP)
        self.write(_REG_SDP_OUT, _SDP_16BIT | _SDP_DSP)
        self.write(_REG_SYS_0D, 0x01)
        self.write(_REG_SYS_0E, 0x02)
        self.write(_REG_SYS_12, 0x00)
        self.write(_REG_SYS_13, 0x10)
        self.write(_REG_ADC_1C, 0x6A)
        self.write(_REG_DAC_37, 0x08)
        self.write(_REG_SYS_14, 0x10)                   # differential analogue input, PGA 0 dB
        self.write(_REG_ADC_VOL, _VOL_0DB)
        self.write(_REG_DAC_VOL, _VOL_0DB)

    @staticmethod
    def volume_code(db_half):
        """Register code for a gain of db_half/2 dB (0xBF = 0 dB, 0.5 dB per step,
        0x00 = -95.5 dB = mute, 0xFF = +32 dB), clamped."""
        code = _VOL_0DB + db_half
        return 0 if code < 0 else (0xFF if code > 0xFF else code)

    def set_dac_gain(self, db_half):
        self.write(_REG_DAC_VOL, self.volume_code(db_half))

    def set_adc_gain(self, db_half):
        self.write(_REG_ADC_VOL, self.volume_code(db_half))

    def mute(self, on):
        v = self.read(_REG_SDP_IN)
        self.write(_REG_SDP_IN, (v | _SDP_MUTE) if on else (v & ~_SDP_MUTE))
