"""The render service (picofax.render.make_server) and the box's use of it
(faxbox.pdf.prepare_rendered with render_service_url): a PDF the box cannot draw
(a JPEG scan made by Pillow, a text PDF) comes back as a fax TIFF whose pages are
what render.render_pdf makes of the same PDF, decoded by Pillow."""
import asyncio
import io
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from faxbox import pdf as faxpdf
from faxbox import spool
from faxbox.config import Config
from faxbox.document import MediaError
from picofax import render
from test_document import read_page


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return "http://127.0.0.1:%d" % server.server_address[1]


@pytest.fixture
def service():
    server = render.make_server("127.0.0.1", 0)
    yield serve(server)
    server.shutdown()
    server.server_close()


@pytest.fixture
def media_server():
    files = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    yield serve(server), files
    server.shutdown()
    server.server_close()


def jpeg_pdf(pages=2):
    # Pillow writes grey pages as DCT (JPEG) images: the box cannot decode them.
    ims = []
    for k in range(pages):
        a = np.full((330, 255), 255, np.uint8)
        a[40 + 60 * k:90 + 60 * k, 30:200] = 0
        ims.append(Image.fromarray(a))
    buf = io.BytesIO()
    ims[0].save(buf, "PDF", resolution=30, save_all=True, append_images=ims[1:])
    return buf.getvalue()


def tiff_pages(data):
    im = Image.open(io.BytesIO(data))
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(~np.array(im.convert("1")))
    return out


def test_post_and_url_give_the_rendered_tiff(service, media_server, tmp_path):
    doc = jpeg_pdf()
    src = tmp_path / "a.pdf"
    src.write_bytes(doc)
    render.render_pdf(str(src), str(tmp_path / "want.tif"), "standard")
    want = tiff_pages((tmp_path / "want.tif").read_bytes())
    base, files = media_server
    files["/doc.pdf"] = doc

    req = urllib.request.Request(service + "/render?quality=standard", data=doc,
                                 method="POST")
    with urllib.request.urlopen(req) as r:
        posted = (r.headers["Content-Type"], r.read())
    url = service + "/render?" + "url=" + faxpdf.quote(base + "/doc.pdf") + \
        "&quality=standard"
    with urllib.request.urlopen(url) as r:
        fetched = r.read()

    assert posted[0] == "image/tiff"
    assert len(want) == 2
    for got in (tiff_pages(posted[1]), tiff_pages(fetched)):
        assert len(got) == 2
        for g, w in zip(got, want):
            assert g.shape == (w.shape[0], 1728)
            assert (g == w).all()


def test_service_errors(service, media_server):
    base, _ = media_server
    cases = [("POST", "/render", b"hello, not a pdf", 422),
             ("GET", "/render", None, 400),
             ("GET", "/render?url=" + faxpdf.quote(base + "/missing.pdf"), None, 502),
             ("POST", "/render?quality=ultra", b"%PDF-1.4", 400),
             ("GET", "/elsewhere?url=x", None, 404)]
    for method, path, body, status in cases:
        req = urllib.request.Request(service + path, data=body, method=method)
        with pytest.raises(urllib.error.HTTPError) as ei:
            urllib.request.urlopen(req)
        assert ei.value.code == status, path
        assert ei.value.read().strip()


def test_quote_and_service_url():
    # RFC 3986 §2.1/§2.3: unreserved characters stay, the rest is %XX (UTF-8).
    assert faxpdf.quote("http://h:8/a b?x=1&y=é") == \
        "http%3A%2F%2Fh%3A8%2Fa%20b%3Fx%3D1%26y%3D%C3%A9"
    assert faxpdf.service_url("http://r/render", "http://m/d.pdf", "fine") == \
        "http://r/render?url=http%3A%2F%2Fm%2Fd.pdf&quality=fine"
    assert faxpdf.service_url("http://r/render?k=1", "u", "standard") == \
        "http://r/render?k=1&url=u&quality=standard"


def test_box_sends_unreadable_pdf_to_the_service(service, media_server, tmp_path):
    base, files = media_server
    files["/doc.pdf"] = jpeg_pdf(3)
    media = tmp_path / "media"
    media.write_bytes(files["/doc.pdf"])
    render.render_pdf(str(media), str(tmp_path / "want.tif"), "fine")
    want = tiff_pages((tmp_path / "want.tif").read_bytes())
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    off = Config()
    on = Config(render_service_url=service + "/render", max_media_bytes=4000000)

    with pytest.raises(faxpdf.NeedsRender) as ei:
        asyncio.run(faxpdf.prepare_rendered(base + "/doc.pdf", str(media),
                                            str(spool_dir), "fine", off))
    n = asyncio.run(faxpdf.prepare_rendered(base + "/doc.pdf", str(media),
                                            str(spool_dir), "fine", on))

    assert isinstance(ei.value, MediaError) and "JPEG" in ei.value.message
    assert n == 3
    for i in range(n):
        rd, pels = read_page(spool.page_path(str(spool_dir), i + 1))
        assert rd.y_res == "fine"
        assert (pels == want[i]).all()
