# Our T.30 sender and receiver talking to each other at the frame level.
from faxbox import t30
from faxbox import t30rx
import fakefax as ff


def _pair(heights=(3, 2), bad=(), ecm=False):
    clock = ff.Clock()
    ma = ff.FakeModem(clock)
    mb = ff.FakeModem(clock)
    sink = ff.RecordingSink(bad)
    la, lb = [], []
    s = t30.Sender(ma, ff, ff.Pages(list(heights)), clock, la.append, ff.CopyEncoder,
                   ident="SENDER", ecm=ecm)
    r = t30rx.Receiver(mb, ff, sink, clock, lb.append, ident="RECEIVER", ecm=ecm)
    out_s, out_r = ff.run_pair(s, r, clock)
    return out_s, out_r, sink, la, lb


def test_two_pages_between_two_boxes():
    out_s, out_r, sink, la, lb = _pair()

    assert out_s.status == "delivered" and out_s.num_pages == 2
    assert out_s.remote_station_id == "RECEIVER"
    assert out_r.status == "received" and out_r.num_pages == 2
    assert out_r.remote_station_id == "SENDER"
    # What arrived is exactly what the sender coded: its rows, then the RTC.
    page0 = b"".join(bytes(r) for r in _rows(3)) + b"\x80" * 6
    assert sink.pages[0] == page0
    assert len(sink.pages) == 2


def test_bad_page_gets_rtn_and_is_sent_again():
    # First reception of page 1 has 3 of 3 rows bad: RTN, then a clean resend.
    out_s, out_r, sink, la, lb = _pair(heights=(3,), bad=(3, 0))

    assert out_s.status == "delivered" and out_s.num_pages == 1
    assert out_r.status == "received" and out_r.num_pages == 1
    assert len(sink.pages) == 2
    assert any("-> RTN" in line for line in lb)


def test_two_pages_between_two_boxes_with_ecm():
    out_s, out_r, sink, la, lb = _pair(ecm=True)

    assert out_s.status == "delivered" and out_s.num_pages == 2
    assert out_r.status == "received" and out_r.num_pages == 2
    page0 = b"".join(bytes(r) for r in _rows(3)) + b"\x80" * 6
    assert sink.pages[0] == page0
    assert any("PPS-MPS page 0 block 0, 3 frames" in line for line in la)
    assert any("PPS-EOP page 1 block 0, 2 frames" in line for line in la)


def _rows(n):
    out = []
    for p in ff.RawPage(n).rows():
        out.append(bytes(p))
    return out
