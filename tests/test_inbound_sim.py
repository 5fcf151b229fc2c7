"""An incoming fax on the simulated board: SpanDSP calls the box, the box answers
after the configured rings, receives the pages, posts the <Receive action>-style
webhook, and serves the pages through the API."""
import io
import secrets

import requests

from picofax import corpus, demo, render


def test_spandsp_calls_the_box_and_the_pages_arrive(tmp_path):
    tif = tmp_path / "doc.tif"
    n = render.render_pdf(corpus.fetch(corpus.DEMO_DOCUMENT), str(tif), quality="fine",
                          pages=range(2))
    acct, token = "AC" + secrets.token_hex(16), secrets.token_hex(16)
    hook = demo.CallbackReceiver(token)
    box = demo.BoxProcess(str(tmp_path / "data"), str(tmp_path / "rx"), acct, token,
                          far="silent", log_path=str(tmp_path / "box.log"),
                          extra_args=["--call-in", str(tif), "--call-in-after", "1",
                                      "--inbound-webhook", hook.url])
    try:
        params, ok = hook.q.get(timeout=300)

        assert ok, "the webhook carries a valid X-Twilio-Signature"
        assert params["FaxStatus"] == "received", params
        assert params["NumPages"] == str(n)
        assert params["RemoteStationId"] == "SPANDSP"
        sid = params["FaxSid"]
        auth = (acct, token)
        fax = requests.get(box.url + "/v1/Faxes/" + sid, auth=auth, timeout=30).json()
        assert fax["direction"] == "inbound" and fax["status"] == "received"
        media = requests.get(box.url + "/v1/Faxes/%s/Media" % sid, auth=auth, timeout=30,
                             headers={"Accept": "application/json"}).json()
        me = media["media"][0]["sid"]
        r = requests.get(box.url + "/v1/Faxes/%s/Media/%s" % (sid, me), auth=auth,
                         timeout=30, headers={"Accept": "image/tiff"})
        assert r.status_code == 200 and r.content[:2] in (b"II", b"MM")
        got = demo.tiff_pages(io.BytesIO(r.content))
        sent = demo.tiff_pages(str(tif))
        assert len(got) == len(sent) == n
        for a, b in zip(sent, got):
            assert a.shape == b.shape
            assert (a == b).all()
    finally:
        box.stop()
        hook.close()
        text = (tmp_path / "box.log").read_text()
        assert "answering after 2 rings" in text, text[-3000:]
