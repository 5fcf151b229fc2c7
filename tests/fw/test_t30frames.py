# T.30 frame coding, checked octet by octet. Expected octets are worked out by hand
# from T.30 notation (first bit sent = MSB) and reversed into line order (LSB first).
from faxbox import t30frames as fr


def test_rev8_known_values():
    # 0000 0001 -> 1000 0000; 1100 1000 -> 0001 0011; 0101 0000 -> 0000 1010
    assert fr.rev8(0x01) == 0x80
    assert fr.rev8(0xC8) == 0x13
    assert fr.rev8(0x50) == 0x0A
    assert fr.rev8(fr.rev8(0x5A)) == 0x5A


def test_dcs_v27ter_4800_standard_matches_tsb85_example():
    # TSB-85 writes this DCS FIF as 00 50 00 (T.30 notation): V.27ter 4800, standard,
    # MH, A4, 20 ms. In line order the middle octet is rev8(0x50) = 0x0A.
    fif = fr.make_dcs(0b0100, fine=False, min_scan_ms=20)

    assert bytes(fif) == bytes([0x00, 0x0A, 0x00])


def test_dcs_frame_v29_9600_fine():
    # b10 = 1 (receive), b11..b14 = 1000 (V.29 9600), b15 = 1 (fine):
    # octet 2 in T.30 notation b9..b16 = 0110 0010 = 0x62 -> line order 0x46.
    # FCF DCS = 0x41, with the X bit 0xC1 -> line order 0x83; final control 0x13.
    frame = fr.make_frame(fr.FCF_DCS, fr.make_dcs(0b1000, True, 20), x_bit=True)

    assert bytes(frame) == bytes([0xFF, 0x13, 0x83, 0x00, 0x46, 0x00])
    assert fr.name_of(frame) == "DCS"
    assert fr.describe(frame) == "DCS 9600 bit/s V.29, fine, MH, width A4, scan 20 ms"


def test_dis_capabilities_from_tsb85_example():
    # TSB-85: DIS FIF 00 72 20 = V.27ter+V.29, fine, A4+B4 length (T.30 notation).
    fif = bytes([0x00, fr.rev8(0x72), fr.rev8(0x20)])

    caps = fr.Capabilities(fif)

    assert caps.can_receive
    assert caps.modems == (fr.MODEM_V27TER, fr.MODEM_V29)
    assert caps.fine and not caps.mr and not caps.ecm
    assert caps.length_code == 0b10  # b19 = 1, b20 = 0
    assert caps.min_scan_ms(False) == 20


def test_fallback_ladder_skips_modems_the_far_end_lacks():
    fif = bytes([0x00, fr.rev8(0x72), 0x00])  # V.27ter + V.29

    rates = [(r, m) for r, m, c in fr.Capabilities(fif).rates(("V.27ter", "V.29", "V.17"))]

    assert rates == [(9600, "V.29"), (7200, "V.29"), (4800, "V.27ter"), (2400, "V.27ter")]


def test_v27ter_fallback_mode_offers_2400_only():
    fif = bytes([0x00, 0x02, 0x00])  # b10 only: rate code 0000

    rates = fr.Capabilities(fif).rates(("V.27ter", "V.29"))

    assert [r for r, m, c in rates] == [2400]


def test_min_scan_time_table():
    # b21 b22 b23 = 1 1 0: 20 ms at standard, 10 ms at fine (Table 2/T.30).
    fif = bytearray(3)
    fr.set_field(fif, 21, 3, 0b110)

    caps = fr.Capabilities(fif)

    assert caps.min_scan_ms(False) == 20 and caps.min_scan_ms(True) == 10


def test_ident_is_sent_last_character_first():
    field = fr.encode_ident("+1 555 0100")

    assert len(field) == 20
    assert bytes(field[:11]) == b"0010 555 1+"
    assert bytes(field[11:]) == b" " * 9
    assert fr.decode_ident(field) == "+1 555 0100"


def test_x_bit_does_not_change_the_name():
    with_x = fr.make_frame(fr.FCF_MCF, x_bit=True)
    without = fr.make_frame(fr.FCF_MCF)

    assert fr.name_of(with_x) == fr.name_of(without) == "MCF"
    assert with_x[2] == fr.rev8(0xB1) and without[2] == fr.rev8(0x31)


def test_dis_and_dtc_are_told_apart():
    assert fr.name_of(fr.make_frame(fr.FCF_DIS)) == "DIS"
    assert fr.name_of(fr.make_frame(fr.FCF_DTC)) == "DTC"


def test_describe_csi_and_dis():
    csi = fr.make_frame(fr.FCF_CSI, fr.encode_ident("SPANDSP"), final=False)
    dis = fr.make_frame(fr.FCF_DIS, fr.make_dis())

    assert fr.describe(csi) == 'CSI "SPANDSP"'
    assert fr.describe(dis) == ("DIS V.27ter+V.29, up to fine, MH, width A4, length A4, "
                                "scan 20 ms")
    assert not fr.is_final(csi) and fr.is_final(dis)
