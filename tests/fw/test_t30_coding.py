# Coding and resolution choice of the T.30 sender (MH/MR/MMR, K, superfine) and the
# receiver's reading of DCS, at the frame level. Expected bits are worked out by
# hand from Table 2/T.30.
from faxbox import t30
from faxbox import t30frames as fr
from faxbox import t30rx
import fakefax as ff


def _call(dis_fif, y_res="fine", **opts):
    clock = ff.Clock()
    modem = ff.FakeModem(clock)
    far = ff.ScriptedReceiver(modem, [fr.make_frame(fr.FCF_DIS, dis_fif)])
    ff.FakeT4.made = []
    sender = t30.Sender(modem, ff, ff.Pages([8, 8], y_res=y_res), clock, [].append, None,
                        t4=ff.FakeT4, **opts)
    out = ff.run(sender, modem, far, clock)
    return out, far, sender


def _dis(**kw):
    return fr.make_dis((fr.MODEM_V27TER, fr.MODEM_V29), **kw)


def test_mr_chosen_when_dis_offers_2d_with_k_4_at_fine():
    out, far, s = _call(_dis(fine=True, mr=True))

    assert out.status == "delivered"
    assert fr.get_bit(far.dcs[3:], 16) == 1  # b16: MR in use
    assert fr.get_bit(far.dcs[3:], 15) == 1  # b15: fine
    # K = 4 at 7.7 l/mm (T.4 §4.2.1.3.4); minimum row 20 ms at 9600 = 192 bits.
    assert ff.FakeT4.made == [(ff.FakeT4.MR, 4, 192), (ff.FakeT4.MR, 4, 192)]
    # 8 fine rows of 216 octets and the copy encoder's 6-octet RTC stand-in.
    assert len(far.pages[0]) == 8 * 216 + 6


def test_mh_when_dis_has_no_2d():
    out, far, s = _call(_dis(fine=True))

    assert fr.get_bit(far.dcs[3:], 16) == 0
    assert ff.FakeT4.made[0][:2] == (ff.FakeT4.MH, 0)


def test_codings_option_pins_mh():
    out, far, s = _call(_dis(fine=True, mr=True), codings=("MH",))

    assert fr.get_bit(far.dcs[3:], 16) == 0
    assert ff.FakeT4.made[0][0] == ff.FakeT4.MH


def test_mr_k_2_at_standard():
    out, far, s = _call(_dis(fine=False, mr=True), y_res="standard")

    assert fr.get_bit(far.dcs[3:], 15) == 0
    assert ff.FakeT4.made[0][:2] == (ff.FakeT4.MR, 2)


def test_superfine_page_to_superfine_receiver():
    out, far, s = _call(_dis(fine=True, mr=True, superfine=True), y_res="superfine")

    dcs = far.dcs[3:]
    # 6 octets: extension bits 24, 32, 40 set, b41 (R8 x 15.4) set, b15 clear.
    assert len(dcs) == 6
    assert (dcs[2] & 0x80, dcs[3] & 0x80, dcs[4] & 0x80) == (0x80, 0x80, 0x80)
    assert dcs[5] == 0x01
    assert fr.get_bit(dcs, 15) == 0
    assert ff.FakeT4.made[0][:2] == (ff.FakeT4.MR, 8)  # K = 8 at superfine
    assert len(far.pages[0]) == 8 * 216 + 6  # every row sent


def test_superfine_page_to_fine_receiver_keeps_every_other_row():
    out, far, s = _call(_dis(fine=True, mr=True), y_res="superfine")

    assert len(far.dcs[3:]) == 3 and fr.get_bit(far.dcs[3:], 15) == 1
    assert ff.FakeT4.made[0][:2] == (ff.FakeT4.MR, 4)
    assert len(far.pages[0]) == 4 * 216 + 6
    # Rows 0, 2, 4, 6 of the page: row i has pel i black.
    assert far.pages[0][216 * 1] == 0x20 and far.pages[0][216 * 3] == 0x02


def test_superfine_page_to_standard_receiver_keeps_every_fourth_row():
    out, far, s = _call(_dis(fine=False), y_res="superfine")

    assert len(far.pages[0]) == 2 * 216 + 6
    assert far.pages[0][216] == 0x08  # row 4


def test_fine_page_never_sent_superfine():
    out, far, s = _call(_dis(fine=True, superfine=True), y_res="fine")

    assert fr.get_bit(far.dcs[3:], 41) == 0 and fr.get_bit(far.dcs[3:], 15) == 1


def test_max_rate_caps_the_ladder():
    out, far, s = _call(_dis(fine=True), max_rate=7200)

    assert (out.bit_rate, out.modem) == (7200, fr.MODEM_V29)
    assert fr.get_field(far.dcs[3:], 11, 4) == 0b1100


def test_superfine_min_scan_halved_by_dis_bit_46():
    # DIS b21..b23 = 110: 20 ms standard, 10 ms fine; b46 halves it again for 15.4.
    fif = _dis(fine=True, superfine=True, min_scan_code=0b110)
    fr.set_bit(fif, 46)
    caps = fr.Capabilities(fif)

    assert caps.min_scan_ms(fr.RES_STANDARD) == 20
    assert caps.min_scan_ms(fr.RES_FINE) == 10
    assert caps.min_scan_ms(fr.RES_SUPERFINE) == 5


def test_mmr_offer_without_ecm_is_ignored():
    fif = _dis(fine=True, mr=True)
    fr._with_extensions(fif, 32)
    fr.set_bit(fif, 31)  # T.6 without ECM (b27) is not a valid offer

    assert not fr.Capabilities(fif).mmr


class _Sink(ff.RecordingSink):
    def __init__(self):
        ff.RecordingSink.__init__(self)
        self.started = []

    def start_page(self, width, res, coding):
        self.started.append((width, res, coding))
        ff.RecordingSink.start_page(self, width, res, coding)


def _coding_pair(ecm):
    clock = ff.Clock()
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    sink = _Sink()
    ff.FakeT4.made = []
    s = t30.Sender(ma, ff, ff.Pages([4], y_res="superfine"), clock, [].append, None,
                   t4=ff.FakeT4)
    r = t30rx.Receiver(mb, ff, sink, clock, [].append, ecm=ecm)
    out_s, out_r = ff.run_pair(s, r, clock)
    return out_s, out_r, sink


def test_receiver_reads_coding_and_resolution_from_dcs():
    out_s, out_r, sink = _coding_pair(ecm=False)

    assert out_s.status == "delivered" and out_r.status == "received"
    assert sink.started == [(1728, fr.RES_SUPERFINE, "MR")]
    assert ff.FakeT4.made[0][:2] == (ff.FakeT4.MR, 8)


def test_mmr_chosen_when_both_ends_have_ecm():
    out_s, out_r, sink = _coding_pair(ecm=True)

    assert out_s.status == "delivered" and out_r.status == "received"
    assert sink.started == [(1728, fr.RES_SUPERFINE, "MMR")]
    assert ff.FakeT4.made[0] == (ff.FakeT4.MMR, 0, 0)


def test_receiver_offering_mh_only_gets_mh():
    clock = ff.Clock()
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    sink = _Sink()
    s = t30.Sender(ma, ff, ff.Pages([4], y_res="fine"), clock, [].append, None, t4=ff.FakeT4)
    r = t30rx.Receiver(mb, ff, sink, clock, [].append, codings=("MH",), superfine=False)
    ff.run_pair(s, r, clock)

    assert sink.started == [(1728, fr.RES_FINE, "MH")]


def test_dcs_ecm_64_octet_frames_matches_tsb85_example():
    # TSB-85: DCS FIF 00 44 0F 30 = V.17 14400, 0 ms, ECM, 64-octet frames.
    fif = fr.make_dcs(0b0001, False, 0, ecm=True, frame64=True)

    assert bytes(fif) == bytes(fr.rev8(x) for x in (0x00, 0x44, 0x0F, 0x30))
