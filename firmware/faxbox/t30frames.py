# T.30 frames: facsimile control fields, DIS/DCS bits, identities, and the
# one-line decoded form of every frame for the protocol trace.
#
# Standard: ITU-T T.30 (09/2005). Bit numbers below are T.30's (Table 2/T.30), 1-based.
#
# Byte order in memory: frames are kept in line order, each octet sent LSB first,
# exactly as the HDLC layer of the C core sends and receives them. T.30 writes an
# octet with its first transmitted bit on the left (MSB), so every FCF written in
# T.30 notation is bit-reversed here: DIS is "0000 0001" (01) in T.30 and 0x80 in
# memory. FIF bit n therefore sits at octet (n - 1) // 8, bit (n - 1) % 8 (LSB = the
# first bit of that octet), which keeps the FIF code free of reversals.
from micropython import const

# Address and control fields (T.30 §5.3.4, §5.3.5), in memory order.
ADDRESS = const(0xFF)
CTRL_NON_FINAL = const(0x03)  # T.30 notation 1100 0000
CTRL_FINAL = const(0x13)  # T.30 notation 1100 1000


def rev8(x):
    """Reverse the bit order of one octet (T.30 notation <-> line order)."""
    x = ((x & 0xF0) >> 4) | ((x & 0x0F) << 4)
    x = ((x & 0xCC) >> 2) | ((x & 0x33) << 2)
    return ((x & 0xAA) >> 1) | ((x & 0x55) << 1)


# Facsimile control fields in T.30 notation (§5.3.6.1), without the X bit.
# The X bit (the first bit sent, MSB in T.30 notation) is set by the station that
# received a DIS; receivers must ignore it (TSB-85 sends both forms).
_X_BIT_T30 = const(0x80)
FCF_DIS = const(0x01)
FCF_CSI = const(0x02)
FCF_NSF = const(0x04)
FCF_DTC = const(0x81)
FCF_CIG = const(0x82)
FCF_NSC = const(0x84)
FCF_DCS = const(0x41)
FCF_TSI = const(0x42)
FCF_SUB = const(0x43)
FCF_NSS = const(0x44)
FCF_SID = const(0x45)
FCF_CFR = const(0x21)
FCF_FTT = const(0x22)
FCF_EOM = const(0x71)
FCF_MPS = const(0x72)
FCF_EOP = const(0x74)
FCF_MCF = const(0x31)
FCF_RTN = const(0x32)
FCF_RTP = const(0x33)
FCF_PIN = const(0x34)
FCF_PIP = const(0x35)
FCF_DCN = const(0x5F)
FCF_CRP = const(0x58)
# ECM (T.30 Annex A, §5.3.6.1.x): image frames, partial page signals, flow control.
FCF_FCD = const(0x60)  # facsimile coded data: FCD n, then the data
FCF_RCP = const(0x61)  # return to control for partial page (sent 3 times)
FCF_PPS = const(0x7D)  # partial page signal: FCF2, page, block, frames - 1
FCF_PPR = const(0x3D)  # partial page request: 32-octet map of frames to resend
FCF_CTC = const(0x48)  # continue to correct (with a new rate, DCS octets 1-2)
FCF_CTR = const(0x23)  # response to CTC
FCF_EOR = const(0x73)  # end of retransmission: FCF2
FCF_ERR = const(0x38)  # response to EOR
FCF_RR = const(0x76)  # receive ready?
FCF_RNR = const(0x37)  # receive not ready
FCF_NULL = const(0x00)  # PPS/EOR FCF2 within a page

# Commands from the station that did not send the DIS keep their X bit clear in
# T.30 notation for DIS/CSI/NSF only; for the rest the X bit is masked off before
# the table look-up, so a name is found either way.
_NAMES = {
    FCF_DIS: "DIS", FCF_CSI: "CSI", FCF_NSF: "NSF", FCF_DCS: "DCS", FCF_TSI: "TSI",
    FCF_SUB: "SUB", FCF_NSS: "NSS", FCF_SID: "SID", FCF_CFR: "CFR", FCF_FTT: "FTT",
    FCF_EOM: "EOM", FCF_MPS: "MPS", FCF_EOP: "EOP", FCF_MCF: "MCF", FCF_RTN: "RTN",
    FCF_RTP: "RTP", FCF_PIN: "PIN", FCF_PIP: "PIP", FCF_DCN: "DCN", FCF_CRP: "CRP",
    FCF_FCD: "FCD", FCF_RCP: "RCP", FCF_PPS: "PPS", FCF_PPR: "PPR", FCF_CTC: "CTC",
    FCF_CTR: "CTR", FCF_EOR: "EOR", FCF_ERR: "ERR", FCF_RR: "RR", FCF_RNR: "RNR",
}
_FCF2_NAMES = {FCF_NULL: "NULL", FCF_MPS: "MPS", FCF_EOP: "EOP", FCF_EOM: "EOM"}
# Frames that the calling/answering role distinguishes only by the X bit.
_NAMES_X = {FCF_DTC: "DTC", FCF_CIG: "CIG", FCF_NSC: "NSC"}

# Identity fields (CSI, TSI, CIG, SUB, SID, PWD) hold 20 characters, sent last
# character first (T.30 §5.3.6.2.4-6).
IDENT_OCTETS = const(20)

# --- DIS/DTC/DCS bits (Table 2/T.30) -------------------------------------------
BIT_RX_CAPABLE = const(10)  # DIS: can receive; DCS: receive command
BIT_RATE_1 = const(11)  # b11..b14: data signalling rate
BIT_FINE = const(15)  # R8 x 7.7 lines/mm
BIT_2D = const(16)  # MR coding
BIT_WIDTH_1 = const(17)  # b17, b18: recording width
BIT_LENGTH_1 = const(19)  # b19, b20: recording length
BIT_SCAN_1 = const(21)  # b21..b23: minimum scan-line time
BIT_EXTEND_1 = const(24)  # extension bits: another octet follows (24, 32, 40 ...)
BIT_ECM = const(27)
BIT_ECM_64 = const(28)  # DCS: 1 = 64-octet ECM frames, 0 = 256 (Table 2/T.30)
BIT_T6 = const(31)
BIT_SUPERFINE = const(41)  # R8 x 15.4 lines/mm
BIT_SUPERFINE_HALF_SCAN = const(46)  # DIS: superfine min scan time = half of fine's

# Vertical resolutions, as levels: the spool's y_res names in order.
RES_NAMES = ("standard", "fine", "superfine")
RES_STANDARD = const(0)
RES_FINE = const(1)
RES_SUPERFINE = const(2)

# Modems, as named by the modem core.
MODEM_V27TER = "V.27ter"
MODEM_V29 = "V.29"
MODEM_V17 = "V.17"

# DCS rate codes, b11 b12 b13 b14 as a 4-bit number with b11 the most significant
# (T.30 Table 2, note 9; fax-protocol.md §2.2). Fallback order, fastest first.
FALLBACK = (
    (14400, MODEM_V17, 0b0001),
    (12000, MODEM_V17, 0b0101),
    (9600, MODEM_V17, 0b1001),
    (9600, MODEM_V29, 0b1000),
    (7200, MODEM_V17, 0b1101),
    (7200, MODEM_V29, 0b1100),
    (4800, MODEM_V27TER, 0b0100),
    (2400, MODEM_V27TER, 0b0000),
)

# DIS capability codes in b11..b14 (same packing): which modems the receiver has.
_DIS_MODEMS = {
    0b0000: (MODEM_V27TER,),  # V.27ter fallback mode (2400 only)
    0b0100: (MODEM_V27TER,),
    0b1000: (MODEM_V29,),
    0b1100: (MODEM_V27TER, MODEM_V29),
    0b1101: (MODEM_V27TER, MODEM_V29, MODEM_V17),
}

# Minimum scan-line time from DIS b21 b22 b23 (packed with b21 most significant):
# (ms at 3.85 l/mm, ms at 7.7 l/mm). Table 2/T.30 notes; fax-protocol.md §2.6.
_DIS_SCAN_MS = {
    0b000: (20, 20), 0b100: (5, 5), 0b010: (10, 10), 0b110: (20, 10),
    0b001: (40, 40), 0b101: (40, 20), 0b011: (10, 5), 0b111: (0, 0),
}
# DCS codes for a chosen minimum scan-line time.
_DCS_SCAN_CODE = {20: 0b000, 5: 0b100, 10: 0b010, 40: 0b001, 0: 0b111}

# Width b17 b18 and length b19 b20, packed with the lower-numbered bit as the MSB:
# b17 = 1 adds B4 width, b18 = 1 adds A3; b19 = 1 adds B4 length, b20 = 1 unlimited.
_WIDTHS = {0b00: "A4", 0b10: "A4+B4", 0b01: "A4+B4+A3", 0b11: "A4+B4+A3"}
_LENGTHS = {0b00: "A4", 0b10: "A4+B4", 0b01: "unlimited", 0b11: "unlimited"}


def get_bit(fif, n):
    """Bit n (1-based, T.30 numbering) of a FIF in memory order; 0 past its end."""
    i = (n - 1) >> 3
    if i >= len(fif):
        return 0
    return (fif[i] >> ((n - 1) & 7)) & 1


def set_bit(fif, n, value=1):
    i = (n - 1) >> 3
    mask = 1 << ((n - 1) & 7)
    if value:
        fif[i] |= mask
    else:
        fif[i] &= ~mask & 0xFF


def get_field(fif, first, width):
    """Bits first..first+width-1 packed with bit `first` as the most significant."""
    v = 0
    for n in range(first, first + width):
        v = (v << 1) | get_bit(fif, n)
    return v


def set_field(fif, first, width, value):
    for k in range(width):
        set_bit(fif, first + k, (value >> (width - 1 - k)) & 1)


def fcf_of(frame):
    """The FCF of a frame (address, control, FCF, FIF...) in T.30 notation with the
    X bit removed, or -1 for a frame too short to have one."""
    if len(frame) < 3:
        return -1
    return rev8(frame[2]) & ~_X_BIT_T30 & 0xFF


def is_final(frame):
    return len(frame) >= 2 and frame[1] == CTRL_FINAL


def name_of(frame):
    if len(frame) < 3:
        return "short frame"
    raw = rev8(frame[2])
    if raw in _NAMES_X:
        # DTC/CIG/NSC are DIS/CSI/NSF with the X bit set: the far end replying to
        # our own DIS. For a caller that never sends DIS, these are the only forms.
        return _NAMES_X[raw]
    return _NAMES.get(raw & ~_X_BIT_T30 & 0xFF, "FCF %02X" % raw)


def fcf2_of(octet):
    """The post-message FCF carried in a PPS or EOR FIF octet (X bit removed)."""
    return rev8(octet) & ~_X_BIT_T30 & 0xFF


def fcf2_octet(fcf2, x_bit=True):
    return rev8(fcf2 | (_X_BIT_T30 if (x_bit and fcf2) else 0))


def make_frame(fcf, fif=b"", final=True, x_bit=False):
    """A frame in memory order: address, control, FCF (from T.30 notation), FIF.
    The FCS is added by the HDLC transmitter."""
    f = bytearray(3 + len(fif))
    f[0] = ADDRESS
    f[1] = CTRL_FINAL if final else CTRL_NON_FINAL
    f[2] = rev8(fcf | (_X_BIT_T30 if x_bit else 0))
    f[3:] = fif
    return f


def encode_ident(text):
    """20-octet identity field: printable characters, sent last character first,
    padded with spaces (T.30 §5.3.6.2.4)."""
    text = text[:IDENT_OCTETS]
    out = bytearray(b" " * IDENT_OCTETS)
    n = len(text)
    for i in range(n):
        c = ord(text[i])
        out[n - 1 - i] = c if 0x20 <= c < 0x7F else 0x20
    return out


def decode_ident(fif):
    """Inverse of encode_ident, with the padding spaces stripped."""
    chars = []
    for i in range(len(fif) - 1, -1, -1):
        c = fif[i]
        chars.append(chr(c) if 0x20 <= c < 0x7F else "?")
    return "".join(chars).strip()


class Capabilities:
    """What a DIS (or DTC) says the far machine can receive."""

    def __init__(self, fif):
        self.can_receive = bool(get_bit(fif, BIT_RX_CAPABLE))
        code = get_field(fif, BIT_RATE_1, 4)
        # Reserved rate codes: fall back to V.27ter, which every G3 receiver has
        # (T.30 §5.3.6.2.1 notes). The standard leaves this case open.
        self.modems = _DIS_MODEMS.get(code, (MODEM_V27TER,))
        self.v27ter_fallback_only = code == 0
        self.fine = bool(get_bit(fif, BIT_FINE))
        self.superfine = bool(get_bit(fif, BIT_SUPERFINE))
        self.mr = bool(get_bit(fif, BIT_2D))
        self.width_code = get_field(fif, BIT_WIDTH_1, 2)
        self.length_code = get_field(fif, BIT_LENGTH_1, 2)
        self.scan_code = get_field(fif, BIT_SCAN_1, 3)
        self.ecm = bool(get_bit(fif, BIT_ECM))
        # T.6 needs ECM (Table 2/T.30 note 5x): without bit 27, bit 31 is ignored.
        self.mmr = bool(get_bit(fif, BIT_T6)) and self.ecm
        self.superfine_half_scan = bool(get_bit(fif, BIT_SUPERFINE_HALF_SCAN))

    def min_scan_ms(self, fine):
        """`fine`: False/True, or a resolution level (RES_*). Superfine uses the fine
        time, halved when DIS bit 46 says so (Table 2/T.30, bit 46)."""
        standard_ms, fine_ms = _DIS_SCAN_MS[self.scan_code]
        if fine == RES_SUPERFINE:
            if self.superfine_half_scan and fine_ms // 2 in _DCS_SCAN_CODE:
                return fine_ms // 2
            return fine_ms
        return fine_ms if fine else standard_ms

    def best_res(self):
        """The highest vertical resolution level the far machine receives."""
        if self.superfine:
            return RES_SUPERFINE
        return RES_FINE if self.fine else RES_STANDARD

    def rates(self, our_modems):
        """The fallback ladder both ends support, fastest first."""
        out = []
        for rate, modem, code in FALLBACK:
            if modem not in self.modems or modem not in our_modems:
                continue
            if self.v27ter_fallback_only and rate != 2400:
                continue
            out.append((rate, modem, code))
        return out


def _with_extensions(fif, last_bit):
    """Grow `fif` to hold bit `last_bit`, setting the extension bit (24, 32, 40, ...)
    of every octet but the last (Table 2/T.30)."""
    octets = (last_bit + 7) // 8
    if octets > len(fif):
        fif.extend(bytes(octets - len(fif)))
    ext = BIT_EXTEND_1
    while ext < octets * 8:
        set_bit(fif, ext)
        ext += 8
    return fif


def make_dcs(rate_code, fine, min_scan_ms, mr=False, superfine=False, mmr=False,
             ecm=False, frame64=False):
    """DCS FIF for an A4 page at R8 (T.30 Table 2): 3 octets, extended to 4 for ECM
    or MMR (bits 27, 28, 31) and to 6 for superfine (bit 41). At superfine bit 15 is
    0 and bit 41 is 1."""
    fif = bytearray(3)
    set_bit(fif, BIT_RX_CAPABLE)  # "receive command"
    set_field(fif, BIT_RATE_1, 4, rate_code)
    set_bit(fif, BIT_FINE, fine and not superfine)
    set_bit(fif, BIT_2D, mr)
    set_field(fif, BIT_WIDTH_1, 2, 0)  # 1728 pels
    set_field(fif, BIT_LENGTH_1, 2, 0)  # A4
    set_field(fif, BIT_SCAN_1, 3, _DCS_SCAN_CODE[min_scan_ms])
    if superfine:
        _with_extensions(fif, BIT_SUPERFINE_HALF_SCAN + 2)
        set_bit(fif, BIT_SUPERFINE)
    elif ecm or mmr:
        _with_extensions(fif, 32)
    if ecm or mmr:
        set_bit(fif, BIT_ECM)
        set_bit(fif, BIT_ECM_64, frame64)
        set_bit(fif, BIT_T6, mmr)
    return fif


def dcs_res(fif):
    """The resolution level a DCS selects."""
    if get_bit(fif, BIT_SUPERFINE):
        return RES_SUPERFINE
    return RES_FINE if get_bit(fif, BIT_FINE) else RES_STANDARD


def dcs_coding(fif):
    """"MH", "MR" or "MMR" as a DCS selects it (bits 16 and 31, Table 2/T.30)."""
    if get_bit(fif, BIT_T6):
        return "MMR"
    return "MR" if get_bit(fif, BIT_2D) else "MH"


def make_dis(modems=(MODEM_V27TER, MODEM_V29), fine=True, min_scan_code=0b000, mr=False,
             superfine=False, ecm=False, mmr=False):
    """DIS FIF advertising what this box can receive: 3 octets, extended (bit 24, 32,
    40) to reach ECM/T.6 (bits 27, 31) or superfine (bit 41) when offered."""
    fif = bytearray(3)
    set_bit(fif, BIT_RX_CAPABLE)
    # Searched in this order so that V.27ter alone is 0100 (4800 and 2400), not the
    # 2400-only fallback code 0000 that maps to the same modem set.
    for code in (0b0100, 0b1000, 0b1100, 0b1101):
        if set(_DIS_MODEMS[code]) == set(modems):
            set_field(fif, BIT_RATE_1, 4, code)
            break
    set_bit(fif, BIT_FINE, fine)
    set_bit(fif, BIT_2D, mr)
    set_field(fif, BIT_SCAN_1, 3, min_scan_code)
    if superfine:
        _with_extensions(fif, BIT_SUPERFINE_HALF_SCAN + 2)
        set_bit(fif, BIT_SUPERFINE)
    elif ecm:
        _with_extensions(fif, 32)
    if ecm:
        set_bit(fif, BIT_ECM)
        set_bit(fif, BIT_T6, mmr)
    return fif


def _rate_name(code):
    for rate, modem, c in FALLBACK:
        if c == code:
            return "%d bit/s %s" % (rate, modem)
    return "rate code %d%d%d%d" % ((code >> 3) & 1, (code >> 2) & 1, (code >> 1) & 1, code & 1)


def describe(frame):
    """One line, in the user's terms, for the protocol trace."""
    name = name_of(frame)
    fif = frame[3:]
    if name in ("DIS", "DTC"):
        c = Capabilities(fif)
        res = "superfine" if c.superfine else ("fine" if c.fine else "standard")
        coding = "MH" + ("/MR" if c.mr else "") + ("/MMR" if c.mmr else "")
        return "%s %s, up to %s, %s, width %s, length %s, scan %d ms%s" % (
            name, "+".join(c.modems), res, coding, _WIDTHS[c.width_code],
            _LENGTHS[c.length_code], c.min_scan_ms(False), ", ECM" if c.ecm else "")
    if name == "DCS":
        code = get_field(fif, BIT_RATE_1, 4)
        scan = get_field(fif, BIT_SCAN_1, 3)
        scan_ms = _DIS_SCAN_MS.get(scan, (0, 0))[0]
        ecm = ""
        if get_bit(fif, BIT_ECM):
            ecm = ", ECM %d-octet frames" % (64 if get_bit(fif, BIT_ECM_64) else 256)
        return "DCS %s, %s, %s, width %s, scan %d ms%s" % (
            _rate_name(code), RES_NAMES[dcs_res(fif)], dcs_coding(fif),
            _WIDTHS[get_field(fif, BIT_WIDTH_1, 2)], scan_ms, ecm)
    if name in ("CSI", "TSI", "CIG", "SUB", "SID"):
        return '%s "%s"' % (name, decode_ident(fif))
    if name in ("NSF", "NSS", "NSC"):
        return "%s (%d octets)" % (name, len(fif))
    if name == "PPS" and len(fif) >= 4:
        return "PPS-%s page %d block %d, %d frames" % (
            _FCF2_NAMES.get(fcf2_of(fif[0]), "?"), fif[1], fif[2], fif[3] + 1)
    if name == "EOR" and len(fif) >= 1:
        return "EOR-%s" % _FCF2_NAMES.get(fcf2_of(fif[0]), "?")
    if name == "PPR":
        n = 0
        for octet in fif:
            while octet:
                n += octet & 1
                octet >>= 1
        return "PPR, %d frames to resend" % n
    if name == "CTC" and len(fif) >= 2:
        return "CTC, continue at %s" % _rate_name(get_field(fif, BIT_RATE_1, 4))
    if name == "FCD" and len(fif) >= 1:
        return "FCD %d (%d octets)" % (fif[0], len(fif) - 1)
    return name
