"""Inbound faxes through the box: the answer.py seam (Box.inbound_started /
inbound_finished), the <Receive action> webhook, received media as TIFF-F and
PDF (opened by Pillow/libtiff and PDFium and compared pel for pel with the
bitmaps written to the spool), the storage quota, and the status page."""
import asyncio
import ctypes
import io

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfraw
import pytest
import requests
from PIL import Image

from faxbox import spool
from test_api import ACCOUNT, TOKEN, BoxServer, CallbackReceiver, wait_for

Y_DPI = {"standard": 98, "fine": 196, "superfine": 392}


class RxOutcome:
    def __init__(self, status, pages=None, tsi="", code=0, message="", duration=33.4):
        self.status = status
        self.num_pages = pages
        self.remote_station_id = tsi
        self.error_code = code
        self.error_message = message
        self.duration_s = duration


def on_loop(server, fn, *args):
    """Call box code on the box's own event loop (it sets asyncio events)."""
    async def call():
        return fn(*args)
    return asyncio.run_coroutine_threadsafe(call(), server.loop).result(10)


def bitmap(rows, seed):
    """A page with structure (bars, a frame) and a band of random pels."""
    rng = np.random.default_rng(seed)
    bm = np.zeros((rows, 1728), np.uint8)
    bm[:, 0] = bm[:, 1727] = 1
    bm[rows // 5: rows // 5 + 9, 100:1500] = 1
    bm[rows // 2: rows // 2 + 12] = rng.integers(0, 2, (12, 1728))
    bm[3:rows - 3:7, 800:808] = 1
    return bm


# (rows, resolution, spool coding): MMR pages are copied as coded, raw pages
# are coded to MMR on the way out.
PAGES = [(61, "standard", spool.CODING_MMR), (130, "fine", spool.CODING_RAW),
         (97, "superfine", spool.CODING_MMR)]


def write_pages(spool_dir, pages=PAGES, seed=0):
    bms = []
    for i, (rows, yres, coding) in enumerate(pages):
        bm = bitmap(rows, seed + i)
        w = spool.PageWriter(spool.page_path(spool_dir, i + 1), y_res=yres, coding=coding)
        for r in bm:
            w.row(bytearray(np.packbits(r).tobytes()))
        w.close()
        bms.append(bm)
    return bms


def render_exact(page, width, height, xdpi, ydpi):
    """PDFium render at exactly one pixel per fax pel (a non-square scale,
    which PdfPage.render cannot do); returns a bool array, True = black."""
    bm = pdfraw.FPDFBitmap_Create(width, height, 0)
    try:
        pdfraw.FPDFBitmap_FillRect(bm, 0, 0, width, height, 0xFFFFFFFF)
        m = pdfraw.FS_MATRIX(xdpi / 72, 0, 0, ydpi / 72, 0, 0)
        clip = pdfraw.FS_RECTF(0, 0, width, height)
        pdfraw.FPDF_RenderPageBitmapWithMatrix(bm, page.raw, ctypes.byref(m),
                                               ctypes.byref(clip),
                                               pdfraw.FPDF_RENDER_NO_SMOOTHIMAGE)
        stride = pdfraw.FPDFBitmap_GetStride(bm)
        buf = ctypes.cast(pdfraw.FPDFBitmap_GetBuffer(bm), ctypes.POINTER(ctypes.c_ubyte))
        arr = np.ctypeslib.as_array(buf, shape=(height * stride,)).copy()
    finally:
        pdfraw.FPDFBitmap_Destroy(bm)
    return arr.reshape(height, stride)[:, :width * 4].reshape(height, width, 4)[:, :, 1] < 128


@pytest.fixture
def hook():
    r = CallbackReceiver()
    yield r
    r.close()


@pytest.fixture
def rx(tmp_path, hook):
    b = BoxServer(tmp_path / "data", inbound_webhook_url=hook.url,
                  base_url="http://fax.example", line_state=None)
    yield b
    b.close()


def receive(server, bms_pages=PAGES, seed=0, outcome=None, frm="+15550100"):
    box = server.box
    job = on_loop(server, box.inbound_started, frm, "+15550199")
    assert server.http.get(server.base + "/v1/Faxes/" + job["sid"]).json()["status"] == \
        "receiving"
    bms = write_pages(job["spool_dir"], bms_pages, seed) if bms_pages else []
    on_loop(server, box.inbound_finished, job,
            outcome or RxOutcome("received", tsi=" +1 555 0100 "))
    return job["sid"], bms


def test_received_fax_record_and_signed_webhook(rx, hook):
    sid, _ = receive(rx)

    res = rx.http.get(rx.base + "/v1/Faxes/" + sid).json()
    assert (res["status"], res["direction"], res["num_pages"], res["duration"]) == \
        ("received", "inbound", 3, 33)
    assert (res["from"], res["to"]) == ("+15550100", "+15550199")
    wait_for(lambda: hook.got, "the webhook")
    assert hook.statuses(sid) == ["received"]  # none for receiving
    _, form, _ = hook.got[0]
    msid = res["media_sid"]
    assert form == {"FaxSid": sid, "AccountSid": ACCOUNT, "From": "+15550100",
                    "To": "+15550199", "RemoteStationId": "+1 555 0100",
                    "FaxStatus": "received", "ApiVersion": "v1", "NumPages": "3",
                    "MediaUrl": "http://fax.example/v1/Faxes/%s/Media/%s" % (sid, msid)}
    assert hook.all_valid(TOKEN)
    meta = rx.http.get(rx.base + "/v1/Faxes/%s/Media/%s" % (sid, msid),
                       headers={"Accept": "application/json"}).json()
    assert meta["content_type"] == "application/pdf" and meta["fax_sid"] == sid


def test_received_media_as_tiff_class_f(rx):
    sid, bms = receive(rx)
    msid = rx.http.get(rx.base + "/v1/Faxes/" + sid).json()["media_sid"]
    url = rx.base + "/v1/Faxes/%s/Media/%s" % (sid, msid)

    for r in (rx.http.get(url + "?format=tiff"), rx.http.get(url + ".tif"),
              rx.http.get(url, headers={"Accept": "image/tiff"})):
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/tiff"
        assert int(r.headers["Content-Length"]) == len(r.content)
        im = Image.open(io.BytesIO(r.content))
        assert im.n_frames == 3
        for i, ((rows, yres, _), bm) in enumerate(zip(PAGES, bms)):
            im.seek(i)
            assert im.size == (1728, rows)
            assert im.info["compression"] == "group4"
            assert im.info["dpi"] == (204, Y_DPI[yres])
            assert im.tag_v2[262] == 0 and im.tag_v2[254] == 2  # WhiteIsZero, page
            assert im.tag_v2[297] == (i, 3)
            assert np.array_equal(np.array(im.convert("L")) < 128, bm.astype(bool))


def test_received_media_as_pdf_renders_pel_for_pel(rx):
    sid, bms = receive(rx)
    msid = rx.http.get(rx.base + "/v1/Faxes/" + sid).json()["media_sid"]
    url = rx.base + "/v1/Faxes/%s/Media/%s" % (sid, msid)

    for r in (rx.http.get(url), rx.http.get(url + ".pdf"),
              rx.http.get(url, headers={"Accept": "application/pdf"})):
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
        assert int(r.headers["Content-Length"]) == len(r.content)
        pdf = pdfium.PdfDocument(r.content)
        assert len(pdf) == 3
        for i, ((rows, yres, _), bm) in enumerate(zip(PAGES, bms)):
            page = pdf[i]
            w, h = page.get_size()
            assert abs(w - 1728 * 72 / 204) < 1e-3
            assert abs(h - rows * 72 / Y_DPI[yres]) < 1e-3
            assert np.array_equal(render_exact(page, 1728, rows, 204, Y_DPI[yres]),
                                  bm.astype(bool))
    assert b"/K -1" in r.content and b"/CCITTFaxDecode" in r.content
    assert rx.http.get(url + "?format=gif").status_code == 400


def test_failed_reception_webhook_and_no_media(rx, hook):
    sid, _ = receive(rx, bms_pages=None,
                     outcome=RxOutcome("failed", pages=0, tsi="", duration=4.0))

    wait_for(lambda: hook.got, "the webhook")
    _, form, _ = hook.got[0]
    assert form["FaxStatus"] == "failed" and form["ErrorCode"] == "34004"
    assert form["ErrorMessage"] == "Fax: Error during fax transmission"
    assert "MediaUrl" not in form and "NumPages" not in form
    r = rx.http.get(rx.base + "/v1/Faxes/%s/Media" % sid).json()
    assert r["media"] == []
    assert rx.http.delete(rx.base + "/v1/Faxes/" + sid).status_code == 204


def test_quota_deletes_oldest_received_pages_first(tmp_path):
    # Each fax here is 2 raw pages of 40 rows: 2 x (20 + 40 x 216) = 17320 octets.
    one = 2 * (spool.HEADER_OCTETS + 40 * 216)
    srv = BoxServer(tmp_path / "data", inbound_quota_bytes=2 * one + 100)
    try:
        # a failed outbound fax's stored media is not counted against it
        outbound = srv.box.jobs.create({"account_sid": ACCOUNT, "to": "+1",
                                        "media_url": "http://m/x.pdf", "ttl_min": 60})
        outbound["status"] = "failed"
        srv.box.jobs.save(outbound)
        big = tmp_path / "data" / "spool" / outbound["sid"]
        big.mkdir(parents=True)
        (big / "media").write_bytes(b"x" * (3 * one))
        pages = [(40, "fine", spool.CODING_RAW)] * 2
        sids = [receive(srv, pages, seed=i)[0] for i in range(4)]
        got = [srv.http.get(srv.base + "/v1/Faxes/%s/Media" % s).json()["media"]
               for s in sids]
        assert [len(m) for m in got] == [0, 0, 1, 1]
        assert [srv.http.get(srv.base + "/v1/Faxes/" + s).json()["status"]
                for s in sids] == ["received"] * 4  # records stay
    finally:
        srv.close()


def test_status_page_lists_faxes_behind_auth(tmp_path):
    srv = BoxServer(tmp_path / "data", line_state=None)
    srv.box.line_state = lambda: "idle <ok>"
    try:
        sid, _ = receive(srv, bms_pages=None, frm="<script>",
                         outcome=RxOutcome("failed", code=34004))
        anon = requests.Session()
        anon.trust_env = False
        assert anon.get(srv.base + "/").status_code == 401
        r = srv.http.get(srv.base + "/")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
        assert 'id="%s"' % sid in r.text and ">failed<" in r.text
        assert "idle &lt;ok&gt;" in r.text and "&lt;script&gt;" in r.text
        assert "<script>" not in r.text
    finally:
        srv.close()
