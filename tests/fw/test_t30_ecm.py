# ECM (T.30 Annex A) between our sender and receiver at the frame level, with a
# line that loses chosen frames: PPR and selective resend, CTC after four PPRs,
# EOR when there is no slower rate, lost responses, 64-octet frames, multi-block
# pages. What the receiver's sink gets is compared with the rows the sender read
# (the copy encoder codes a row as its own 216 octets, RTC as six 0x80).
import gc

from faxbox import t30
from faxbox import t30frames as fr
from faxbox import t30rx
import fakefax as ff

ROW = 216


def _page_octets(height):
    out = bytearray()
    for r in ff.RawPage(height).rows():
        out += r
    return bytes(out) + b"\x80" * 6


def _fcd_numbers(frames):
    return [f[3] for f in frames if fr.name_of(f) == "FCD"]


def _pair(heights=(3,), drop_a=None, drop_b=None, frame_size=256, modems=None, max_rate=None):
    gc.collect()  # two 64 KB block buffers (one per end) in one MicroPython heap
    clock = ff.Clock()
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    ma.drop, mb.drop = drop_a, drop_b
    sink = ff.RecordingSink()
    la, lb = [], []
    kw = {}
    if modems:
        kw["our_modems"] = modems
    s = t30.Sender(ma, ff, ff.Pages(list(heights)), clock, la.append, ff.CopyEncoder,
                   ecm=True, ecm_frame_size=frame_size, max_rate=max_rate, **kw)
    r = t30rx.Receiver(mb, ff, sink, clock, lb.append)
    out_s, out_r = ff.run_pair(s, r, clock)
    return out_s, out_r, sink, la, lb, ma


class _DropFcd:
    """Loses FCD frames `numbers` in the first `bursts` bursts they appear in."""

    def __init__(self, numbers, bursts=1):
        self.numbers = numbers
        self.left = {n: bursts for n in numbers}

    def __call__(self, f):
        if fr.name_of(f) != "FCD" or f[3] not in self.left or self.left[f[3]] == 0:
            return False
        self.left[f[3]] -= 1
        return True


def test_ecm_negotiated_and_page_exact():
    out_s, out_r, sink, la, lb, ma = _pair(heights=(3, 2))

    assert out_s.status == "delivered" and out_r.status == "received"
    assert sink.pages == [_page_octets(3), _page_octets(2)]
    # 3 x 216 + 6 = 654 octets: frames of 256, 256 and 142; then three RCP.
    names = [fr.name_of(f) for f in ma.sent_fast]
    assert names[:6] == ["FCD", "FCD", "FCD", "RCP", "RCP", "RCP"]
    assert [n - 4 for n in ma.sent_fast_len[:3]] == [256, 256, 142]
    assert ma.trains[1] == (ff.V29, 9600, True, True)  # image burst: HDLC on V.29


def test_ppr_resends_only_the_lost_frames():
    out_s, out_r, sink, la, lb, ma = _pair(heights=(5,), drop_a=_DropFcd([1, 3]))

    assert out_s.status == "delivered" and out_r.status == "received"
    # 5 x 216 + 6 = 1086 octets = 5 frames; 1 and 3 lost, then resent alone.
    assert _fcd_numbers(ma.sent_fast) == [0, 1, 2, 3, 4, 1, 3]
    assert any("PPR, 2 frames to resend" in line for line in lb)
    assert sink.pages == [_page_octets(5)]


def test_ppr_bitmap_octets():
    # The PPR map: frame n is bit n % 8 (LSB first) of octet n // 8 (T.30 A.4).
    # 64-octet frames: 40 x 216 + 6 = 8,646 octets = 136 frames.
    out_s, out_r, sink, la, lb, ma = _pair(heights=(40,), drop_a=_DropFcd([0, 9, 33]),
                                           frame_size=64)

    assert _fcd_numbers(ma.sent_fast)[-3:] == [0, 9, 33]
    assert sink.pages == [_page_octets(40)]


def test_four_pprs_lead_to_ctc_at_a_lower_rate_with_long_training():
    out_s, out_r, sink, la, lb, ma = _pair(heights=(3,), drop_a=_DropFcd([2], bursts=4))

    assert out_s.status == "delivered" and out_r.status == "received"
    assert [line.split("-> ")[1] for line in la if "-> CTC" in line] == [
        "CTC, continue at 7200 bit/s V.29"]
    assert any("-> CTR" in line for line in lb)
    assert ma.trains[-1] == (ff.V29, 7200, True, True)
    assert _fcd_numbers(ma.sent_fast) == [0, 1, 2, 2, 2, 2, 2]
    assert sink.pages == [_page_octets(3)]
    assert out_s.bit_rate == 7200


def test_eor_when_no_slower_rate_then_err():
    # Only V.27ter 2400: after four PPRs there is nothing slower, so EOR-EOP; the
    # receiver answers ERR and keeps the page without the lost frame.
    out_s, out_r, sink, la, lb, ma = _pair(heights=(3,), drop_a=_DropFcd([1], bursts=99),
                                           modems=(fr.MODEM_V27TER,), max_rate=2400)

    assert any("-> EOR-EOP" in line for line in la)
    assert any("-> ERR" in line for line in lb)
    assert out_s.status == "delivered"
    whole = _page_octets(3)
    assert sink.pages == [whole[:256] + whole[512:]]
    # The first burst and three resends; the fourth PPR brings EOR, not a resend.
    assert _fcd_numbers(ma.sent_fast) == [0, 1, 2, 1, 1, 1]


def test_lost_mcf_to_pps_is_answered_again_without_a_second_copy():
    state = {"mcf": 0}

    def drop_first_mcf(f):
        if fr.name_of(f) == "MCF" and state["mcf"] == 0:
            state["mcf"] += 1
            return True
        return False
    out_s, out_r, sink, la, lb, ma = _pair(heights=(3, 2), drop_b=drop_first_mcf)

    assert out_s.status == "delivered" and out_r.num_pages == 2
    assert sum(1 for line in la if "-> PPS-MPS" in line) == 2
    assert sink.pages == [_page_octets(3), _page_octets(2)]


def test_64_octet_frames():
    out_s, out_r, sink, la, lb, ma = _pair(heights=(3,), frame_size=64)

    assert any("ECM 64-octet frames" in line for line in la if "-> DCS" in line)
    assert [n - 4 for f, n in zip(ma.sent_fast, ma.sent_fast_len)
            if fr.name_of(f) == "FCD"] == [64] * 10 + [14]
    assert sink.pages == [_page_octets(3)]


def test_page_of_two_blocks():
    # 64-octet frames keep both ends' block buffers (16 KB each) inside the test's
    # MicroPython heap. 80 rows x 216 + 6 = 17,286 octets: a full block of
    # 256 x 64 = 16,384 octets (PPS-NULL), then 902 octets in 15 frames (PPS-EOP).
    out_s, out_r, sink, la, lb, ma = _pair(heights=(80,), frame_size=64,
                                           drop_a=_DropFcd([255]))

    assert out_s.status == "delivered" and out_r.status == "received"
    assert any("PPS-NULL page 0 block 0, 256 frames" in line for line in la)
    assert any("PPS-EOP page 0 block 1, 15 frames" in line for line in la)
    assert sink.pages == [_page_octets(80)]
    # Frame 255 of block 0 was lost and resent before block 1 began.
    nums = _fcd_numbers(ma.sent_fast)
    assert nums[255:258] == [255, 255, 0]


class _BusyReceiver(t30rx.Receiver):
    """Answers RNR to the first PPS and to the next `busy - 1` RR polls, then takes
    the PPS it held back (flow control, T.30 Annex A)."""

    def __init__(self, *a, **kw):
        self.busy = kw.pop("busy")
        self.held = None
        t30rx.Receiver.__init__(self, *a, **kw)

    def _on_ecm_frame(self, name, f):
        if name == "PPS" and self.held is None and self.busy:
            self.held = bytes(f)
        if name in ("PPS", "RR") and self.held is not None:
            if self.busy:
                self.busy -= 1
                self._respond(fr.make_frame(fr.FCF_RNR), t30rx.R_PAGE)
                return
            f, self.held = self.held, None
            name = "PPS"
        t30rx.Receiver._on_ecm_frame(self, name, f)


def _busy_pair(busy):
    gc.collect()
    clock = ff.Clock()
    ma, mb = ff.FakeModem(clock), ff.FakeModem(clock)
    sink = ff.RecordingSink()
    la, lb = [], []
    s = t30.Sender(ma, ff, ff.Pages([3]), clock, la.append, ff.CopyEncoder, ecm=True,
                   ecm_frame_size=64)
    r = _BusyReceiver(mb, ff, sink, clock, lb.append, busy=busy)
    out_s, out_r = ff.run_pair(s, r, clock, limit_ms=200000)
    return out_s, out_r, sink, la, lb


def test_rnr_then_rr_polling_until_ready():
    out_s, out_r, sink, la, lb = _busy_pair(busy=3)

    assert out_s.status == "delivered" and out_r.status == "received"
    assert sum(1 for line in la if "-> RR" in line) == 3
    assert sum(1 for line in lb if "-> RNR" in line) == 3
    assert sink.pages == [_page_octets(3)]


def test_receiver_busy_beyond_t5_fails_the_call():
    out_s, out_r, sink, la, lb = _busy_pair(busy=1000)

    assert out_s.status == "failed"
    assert (out_s.error_code, out_s.error_message) == t30.ERR_T5
    # Each RR round trip takes about 2.4 s: 75 ms + 1 s of flags + the frame, each way.
    polls = sum(1 for line in la if "-> RR" in line)
    assert 20 <= polls <= 30
