# The T.30 sender against a scripted far end at the frame level (no audio).
from faxbox import t30
from faxbox import t30frames as fr
import fakefax as ff


def _call(page_heights=(3, 2), tcf_answers=(), page_answers=(), silent=False,
          dis_fif=None, drop_first_frames=0):
    clock = ff.Clock()
    modem = ff.FakeModem(clock)
    dis = fr.make_frame(fr.FCF_DIS, dis_fif if dis_fif is not None else fr.make_dis())
    csi = fr.make_frame(fr.FCF_CSI, fr.encode_ident("FAR END"), final=False)
    far = ff.ScriptedReceiver(modem, [csi, dis], tcf_answers, page_answers, silent)
    log = []
    sender = t30.Sender(modem, ff, ff.Pages(list(page_heights)), clock, log.append,
                        ff.CopyEncoder, ident="+1 555 0100")
    out = ff.run(sender, modem, far, clock)
    return out, far, log


def test_two_pages_delivered():
    out, far, log = _call()

    assert out.status == "delivered"
    assert out.num_pages == 2
    assert out.remote_station_id == "FAR END"
    assert out.bit_rate == 9600 and out.modem == "V.29"
    assert far.log == ["TSI", "DCS", "TCF", "PAGE", "MPS", "PAGE", "EOP", "DCN"]
    # Each page is its rows (216 octets each, pel i black in row i) and the RTC.
    assert len(far.pages[0]) == 3 * 216 + 6
    assert far.pages[0][216] == 0x40 and far.pages[0][-6:] == b"\x80" * 6


def test_dcs_carries_our_choice():
    out, far, log = _call()

    assert far.dcs[3:] == fr.make_dcs(0b1000, True, 20)


def test_ftt_falls_back_one_rate_and_retrains():
    out, far, log = _call(tcf_answers=("FTT", "FTT"))

    assert out.status == "delivered"
    assert out.bit_rate == 4800 and out.modem == "V.27ter"
    assert far.log[:9] == ["TSI", "DCS", "TCF", "TSI", "DCS", "TCF", "TSI", "DCS", "TCF"]


def test_ftt_at_every_rate_fails_with_training_error():
    out, far, log = _call(tcf_answers=("FTT",) * 4)

    assert out.status == "failed"
    assert (out.error_code, out.error_message) == t30.ERR_TRAINING
    assert far.log[-1] == "DCN"


def test_no_response_to_dcs_is_repeated_three_times():
    out, far, log = _call(tcf_answers=("", "", ""))

    assert out.status == "failed"
    assert (out.error_code, out.error_message) == t30.ERR_NO_RESPONSE_DCS
    assert far.log.count("DCS") == 3


def test_rtn_resends_the_page_lower():
    out, far, log = _call(page_heights=(2,), page_answers=("RTN", "MCF"))

    assert out.status == "delivered"
    assert out.num_pages == 1
    assert far.log == ["TSI", "DCS", "TCF", "PAGE", "EOP", "TSI", "DCS", "TCF", "PAGE", "EOP",
                       "DCN"]
    assert out.bit_rate == 7200


def test_lost_post_page_response_repeats_command():
    out, far, log = _call(page_heights=(1,), page_answers=("", "MCF"))

    assert out.status == "delivered"
    assert far.log.count("EOP") == 2


def test_silent_line_fails_after_t1():
    out, far, log = _call(silent=True)

    assert out.status == "failed"
    assert out.error_code == t30.ERR_NO_FAX_ANSWER[0]
    assert "No fax machine answered" in out.error_message
    assert 35 <= out.duration_s <= 36


def test_far_end_that_cannot_receive():
    fif = bytearray(3)  # b10 clear
    out, far, log = _call(dis_fif=fif)

    assert out.status == "failed"
    assert out.error_code == 34108


def test_log_has_one_line_per_frame():
    out, far, log = _call(page_heights=(1,))

    frames = [line for line in log if "-> " in line or "<- " in line]
    assert any("<- DIS" in line for line in frames)
    assert any('<- CSI "FAR END"' in line for line in frames)
    assert any("-> DCS 9600 bit/s V.29" in line for line in frames)
    assert any("<- MCF" in line for line in frames)
