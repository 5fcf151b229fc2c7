"""End to end on the simulated board: the box in its own process (`picofax sim`),
SpanDSP answering, a media server and a callback receiver on loopback, and the fax
sent through the HTTP API as a Twilio client would send it."""
import json
import os

import pytest
import requests

from picofax import demo
from simrig import SimRig



class Rig(SimRig):
    def __init__(self, tmp_path, far, page_header=False):
        super().__init__(tmp_path, far, noise_dbm0=-60.0, page_header=page_header)


@pytest.fixture
def spandsp_rig(tmp_path):
    rig = Rig(tmp_path, "spandsp")
    yield rig
    rig.close()


@pytest.fixture
def silent_rig(tmp_path):
    rig = Rig(tmp_path, "silent")
    yield rig
    rig.close()


def _fax_tiff(path, pages=2):
    """A fine-resolution fax TIFF drawn from a real document's first pages."""
    from picofax import corpus, render
    pdf = corpus.fetch(corpus.DEMO_DOCUMENT)
    return render.render_pdf(pdf, str(path), quality="fine", pages=range(pages))


def test_real_document_arrives_identical(spandsp_rig):
    rig = spandsp_rig
    n = _fax_tiff(rig.media_dir / "doc.tif", pages=2)

    created = rig.send("doc.tif")
    cbs = rig.callbacks_until_final()
    final = rig.get(created["sid"])

    statuses = [p["FaxStatus"] for p, ok in cbs]
    assert statuses == ["queued", "processing", "sending", "delivered"]
    assert all(ok for p, ok in cbs), "every callback carries a valid X-Twilio-Signature"
    last = cbs[-1][0]
    assert last["FaxSid"] == created["sid"] and last["AccountSid"] == rig.sid_acct
    assert last["To"] == "+15550123" and last["From"] == "+15550100"
    assert last["NumPages"] == str(n)
    assert last["RemoteStationId"] == "SPANDSP"
    assert last["OriginalMediaUrl"].endswith("/doc.tif")
    assert "ErrorCode" not in last or not last["ErrorCode"]
    # The final GET agrees with the last callback.
    assert final["status"] == last["FaxStatus"] == "delivered"
    assert final["num_pages"] == int(last["NumPages"]) == n
    assert (final["sid"], final["to"], final["from"]) == (last["FaxSid"], last["To"], last["From"])
    received = sorted(p for p in os.listdir(rig.rx_dir) if p.endswith(".tif"))
    # SpanDSP's own statistics: the call ran at V.17 14400 (issue 4), no bad rows.
    with open(str(rig.rx_dir / received[-1])[:-4] + ".json") as f:
        far = json.load(f)
    assert far["bit_rate"] == 14400 and far["bad_rows"] == 0 and far["completion_code"] == 0
    sent_pages = demo.tiff_pages(str(rig.media_dir / "doc.tif"))
    got_pages = demo.tiff_pages(str(rig.rx_dir / received[-1]))
    assert len(got_pages) == len(sent_pages) == n
    for a, b in zip(sent_pages, got_pages):
        assert a.shape == b.shape
        assert (a == b).all()


def test_page_header_line_is_printed_on_every_page(tmp_path):
    # With the header on (the box's default), each page arrives with the date, the
    # sender and "PAGE n/m" drawn into rows 8 to 28 (7 glyph rows x 3 at fine);
    # every other row is the page as it was sent.
    rig = Rig(tmp_path, "spandsp", page_header=True)
    try:
        n = _fax_tiff(rig.media_dir / "doc.tif", pages=2)
        rig.send("doc.tif")
        cbs = rig.callbacks_until_final()
        assert cbs[-1][0]["FaxStatus"] == "delivered"
        received = sorted(p for p in os.listdir(rig.rx_dir) if p.endswith(".tif"))
        sent = demo.tiff_pages(str(rig.media_dir / "doc.tif"))
        got = demo.tiff_pages(str(rig.rx_dir / received[-1]))
        assert len(got) == n
        for a, b in zip(sent, got):
            differ = sorted(set(int(r) for r in (a != b).any(axis=1).nonzero()[0]))
            assert differ and min(differ) >= 8 and max(differ) <= 28
            assert b[8:29, 48:200].any()  # the date's first digits are there
    finally:
        rig.close()


def test_no_fax_machine_answers(silent_rig, tmp_path):
    rig = silent_rig
    _fax_tiff(rig.media_dir / "doc.tif", pages=1)

    created = rig.send("doc.tif")
    cbs = rig.callbacks_until_final()

    last = cbs[-1][0]
    assert last["FaxStatus"] == "failed"
    assert last["ErrorCode"] and last["ErrorMessage"]
    assert "No fax machine answered" in last["ErrorMessage"]
    # The box still serves its API afterwards.
    assert rig.get(created["sid"])["status"] == "failed"
    r = requests.get(rig.box.url + "/v1/Faxes", auth=(rig.sid_acct, rig.token), timeout=30)
    assert r.status_code == 200


def test_media_404_fails_the_fax(silent_rig):
    rig = silent_rig

    created = rig.send("missing.tif")
    cbs = rig.callbacks_until_final(timeout_s=120)

    last = cbs[-1][0]
    assert [p["FaxStatus"] for p, ok in cbs] == ["queued", "processing", "failed"]
    assert last["ErrorCode"] == "11200"
    assert "404" in last["ErrorMessage"]
    assert rig.get(created["sid"])["status"] == "failed"


def test_media_that_is_not_a_document_fails_the_fax(silent_rig):
    rig = silent_rig
    (rig.media_dir / "notes.txt").write_text("this is a letter, not a fax document\n" * 20)

    created = rig.send("notes.txt")
    cbs = rig.callbacks_until_final(timeout_s=120)

    last = cbs[-1][0]
    assert last["FaxStatus"] == "failed"
    assert last["ErrorCode"] == "12300"
    assert last["ErrorMessage"]
    assert rig.get(created["sid"])["status"] == "failed"
