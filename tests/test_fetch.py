"""faxbox.fetch against real HTTP(S) servers on loopback: every failure maps to
its own error code (errors.py), bodies arrive byte for byte whatever the
framing, limits hold."""
import asyncio
import http.server
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest

from faxbox import errors, fetch
from faxbox.config import Config
from faxbox.errors import FaxError

BODY = bytes(range(256)) * 20  # 5120 octets, every byte value


class _Handler(http.server.BaseHTTPRequestHandler):
    posts = []

    def log_message(self, *a):
        pass

    def _send(self, status, ctype, body, extra=()):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/ok.pdf":
            self._send(200, "application/pdf; name=a", BODY)
        elif p == "/chunked.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(BODY), 1000):
                part = BODY[i:i + 1000]
                self.wfile.write(b"%x;ext=1\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
        elif p == "/eof.pdf":  # no length: ends at close
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
        elif p == "/short.pdf":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.close_connection = True
        elif p == "/garbage":  # not HTTP at all
            self.wfile.write(bytes(range(256)) * 4)
            self.close_connection = True
        elif p == "/badstatus":
            self.wfile.write(b"HTTP/1.1 OK fine\r\n\r\n")
            self.close_connection = True
        elif p == "/chunkcut.pdf":  # closes in the middle of a chunk
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"3e8\r\n" + BODY[:400])
            self.close_connection = True
        elif p == "/badchunk.pdf":  # chunk size is not hex
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"zz\r\nabc\r\n0\r\n\r\n")
            self.close_connection = True
        elif p == "/long.pdf":  # sends more than its Content-Length
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
        elif p == "/headerflood":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            for i in range(500):
                self.send_header("X-%d" % i, "y" * 50)
            self.end_headers()
            self.close_connection = True
        elif p == "/page.html":
            self._send(200, "text/html", b"<html></html>")
        elif p == "/nctype":
            self._send(200, None, b"data")
        elif p.startswith("/status/"):
            self._send(int(p[8:]), "text/plain", b"no")
        elif p == "/r1":
            self._send(302, "text/plain", b"", [("Location", "r2")])
        elif p == "/r2":
            self._send(301, "text/plain", b"",
                       [("Location", "http://127.0.0.1:%d/ok.pdf" % self.server.server_port)])
        elif p.startswith("/loop"):
            self._send(307, "text/plain", b"", [("Location", "/loop")])
        elif p == "/slow.pdf":
            time.sleep(1.5)
            self._send(200, "application/pdf", BODY)
        else:
            self._send(404, "text/plain", b"")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        _Handler.posts.append((self.path, dict(self.headers), self.rfile.read(n)))
        if self.path.startswith("/moved"):
            self._send(int(self.path[6:9]), None, b"", [("Location", "/cb/final?y=2")])
        elif self.path.startswith("/ploop"):
            self._send(307, None, b"", [("Location", "/ploop")])
        else:
            self._send(204 if self.path.startswith("/cb") else 503, None, b"")


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that give up early (timeouts, limits) are expected


def _serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return server


@pytest.fixture(scope="module")
def http_base():
    srv = _serve(_Server(("127.0.0.1", 0), _Handler))
    yield "http://127.0.0.1:%d" % srv.server_port
    srv.shutdown()


def _make_cert(folder, name):
    key = os.path.join(folder, name + ".key")
    crt = os.path.join(folder, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, crt


@pytest.fixture(scope="module")
def https_base(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    key, crt = _make_cert(d, "server")
    _, other = _make_cert(d, "other")
    srv = _Server(("127.0.0.1", 0), _Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    _serve(srv)
    yield "https://127.0.0.1:%d" % srv.server_port, crt, other
    srv.shutdown()


def _cfg(**kw):
    c = Config(media_types=["application/pdf"], max_media_bytes=len(BODY),
               media_timeout_s=5, max_redirects=3)
    c.update(kw)
    return c


def _get(url, path, **kw):
    return asyncio.run(fetch.fetch_to_file(url, path, _cfg(**kw)))


def _code(url, path, **kw):
    with pytest.raises(FaxError) as ei:
        _get(url, path, **kw)
    return ei.value.code


@pytest.mark.parametrize("name", ["ok.pdf", "chunked.pdf", "eof.pdf", "r1"])
def test_body_arrives_byte_for_byte(http_base, tmp_path, name):
    out = str(tmp_path / "media")

    ctype, size = _get(http_base + "/" + name, out)

    assert ctype == "application/pdf" and size == len(BODY)
    with open(out, "rb") as f:
        assert f.read() == BODY


def test_each_failure_has_its_code(http_base, tmp_path):
    out = str(tmp_path / "media")
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    refused = free.getsockname()[1]
    free.close()  # nothing listens there now

    assert _code(http_base + "/status/404", out) == errors.HTTP_RETRIEVAL
    assert _code(http_base + "/status/503", out) == errors.HTTP_RETRIEVAL
    assert _code(http_base + "/short.pdf", out) == errors.HTTP_RETRIEVAL
    assert _code(http_base + "/page.html", out) == errors.CONTENT_TYPE
    assert _code(http_base + "/nctype", out) == errors.CONTENT_TYPE
    assert _code(http_base + "/loop", out) == errors.HTTP_REDIRECTS
    assert _code("http://127.0.0.1:%d/x.pdf" % refused, out) == errors.HTTP_CONNECTION
    assert _code("http://no-such-host.invalid/x.pdf", out) == errors.HTTP_BAD_HOST
    assert _code("ftp://127.0.0.1/x.pdf", out) == errors.MEDIA_BAD_URL
    assert _code(http_base + "/slow.pdf", out, media_timeout_s=0.3) == errors.MEDIA_TIMEOUT


def test_lying_and_broken_servers(http_base, tmp_path):
    out = str(tmp_path / "media")
    for path in ("/garbage", "/badstatus", "/chunkcut.pdf", "/badchunk.pdf",
                 "/headerflood"):
        assert _code(http_base + path, out) == errors.HTTP_RETRIEVAL, path
    # more octets than announced: exactly Content-Length are kept
    ctype, size = _get(http_base + "/long.pdf", out)
    assert size == 1000
    with open(out, "rb") as f:
        assert f.read() == BODY[:1000]


@pytest.mark.parametrize("name", ["ok.pdf", "chunked.pdf", "eof.pdf"])
def test_size_limit_whatever_the_framing(http_base, tmp_path, name):
    code = _code(http_base + "/" + name, str(tmp_path / "m"), max_media_bytes=len(BODY) - 1)

    assert code == errors.MEDIA_TOO_LARGE


def test_https_verified_with_configured_ca(https_base, tmp_path):
    base, crt, _ = https_base
    out = str(tmp_path / "media")

    ctype, size = _get(base + "/ok.pdf", out, ca_file=crt)

    assert size == len(BODY)


def test_https_failures_are_tls_errors(https_base, http_base, tmp_path):
    base, _, other = https_base
    out = str(tmp_path / "media")
    plain = http_base.replace("http:", "https:")

    # No CA configured while verification is required: refused before connecting.
    assert _code(base + "/ok.pdf", out, tls_verify_required=True) == errors.HTTP_TLS
    # Certificate not signed by the configured CA.
    assert _code(base + "/ok.pdf", out, ca_file=other) == errors.HTTP_TLS
    # Not TLS at all on the other side (verification switched off).
    assert _code(plain + "/ok.pdf", out, tls_verify_required=False) == errors.HTTP_TLS


def test_https_unverified_only_without_a_ca_and_not_required(https_base, tmp_path, capsys):
    base, _, _ = https_base

    _, size = _get(base + "/ok.pdf", str(tmp_path / "m"))

    assert size == len(BODY)
    assert "certificate NOT checked" in capsys.readouterr().out


def test_post_form_returns_status_and_sends_headers(http_base):
    post = fetch.make_poster(_cfg())
    _Handler.posts.clear()

    ok = asyncio.run(post(http_base + "/cb?x=1", b"A=1&B=%2B2",
                          {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Twilio-Signature": "sig="}, 5))
    down = asyncio.run(post(http_base + "/other", b"A=1", {}, 5))

    assert (ok, down) == (204, 503)
    path, headers, body = _Handler.posts[0]
    assert path == "/cb?x=1" and body == b"A=1&B=%2B2"
    assert headers["X-Twilio-Signature"] == "sig="
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_post_follows_301_307_308_and_re_signs(http_base):
    from twilio.request_validator import RequestValidator
    from faxbox.callbacks import signature
    cfg = _cfg(auth_token="tok")
    post = fetch.make_poster(cfg)
    body = b"FaxSid=FX1&FaxStatus=delivered&To=%2B1555"
    params = {"FaxSid": "FX1", "FaxStatus": "delivered", "To": "+1555"}
    for code in (301, 307, 308, 302, 303):
        _Handler.posts.clear()
        url = http_base + "/moved%d" % code
        got = asyncio.run(post(url, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature("tok", url, params)}, 5))
        if code in (302, 303):  # would become a GET: not followed
            assert got == code and len(_Handler.posts) == 1
            continue
        assert got == 204
        (p1, _, b1), (p2, h2, b2) = _Handler.posts
        assert (p1, p2) == ("/moved%d" % code, "/cb/final?y=2") and b1 == b2 == body
        final = http_base + "/cb/final?y=2"
        assert RequestValidator("tok").validate(final, params, h2["X-Twilio-Signature"])
    with pytest.raises(FaxError) as e:
        asyncio.run(post(http_base + "/ploop", body, {}, 5))
    assert e.value.code == errors.HTTP_REDIRECTS


def test_parse_url_and_resolve():
    assert fetch.parse_url("HTTPS://u:p%40w@Host.example:8443/a/b?q=1#frag") == \
        ("https", "Host.example", 8443, "/a/b?q=1", "u:p@w")
    assert fetch.parse_url("http://h") == ("http", "h", 80, "/", None)
    assert fetch.parse_url("http://[::1]:81/x") == ("http", "::1", 81, "/x", None)
    for bad in ("h/x", "file:///etc/passwd", "http://:80/", "http://h:99999/"):
        with pytest.raises(FaxError):
            fetch.parse_url(bad)
    assert fetch.resolve("http://h:81/a/b?x", "c") == "http://h:81/a/c"
    assert fetch.resolve("http://h/a/b", "/c") == "http://h:80/c"
    assert fetch.resolve("https://h/a", "//k/z") == "https://k/z"
    assert fetch.resolve("http://h/a", "https://k/z") == "https://k/z"


_MPY_SCRIPT = """
import asyncio, binascii, hashlib, sys
from faxbox import fetch
from faxbox.config import Config
from faxbox.errors import FaxError
out = sys.argv[1]
cfg = Config(media_types=["application/pdf"], max_media_bytes=5120,
             media_timeout_s=5, max_redirects=3, ca_file=sys.argv[2])
for url in sys.argv[3:]:
    try:
        ctype, n = asyncio.run(fetch.fetch_to_file(url, out, cfg))
        f = open(out, "rb")
        print("OK", n, binascii.hexlify(hashlib.sha256(f.read()).digest()).decode())
        f.close()
    except FaxError as e:
        print("ERR", e.code)
"""


def test_fetch_under_micropython(http_base, https_base, tmp_path):
    """The same client on the MicroPython unix interpreter: framing,
    redirects, HTTPS verified against a DER CA (mbedTLS), and its own
    resolver and socket errors mapped to the same codes."""
    import hashlib

    from test_api import FIRMWARE, MICROPYTHON, MPYLIB, ROOT, free_port
    base, crt, other = https_base
    der = str(tmp_path / "ca.der")
    subprocess.run(["openssl", "x509", "-in", crt, "-outform", "DER", "-out", der],
                   check=True, capture_output=True)
    script = tmp_path / "mpy_fetch.py"
    script.write_text(_MPY_SCRIPT)
    urls = [http_base + "/ok.pdf", http_base + "/chunked.pdf", http_base + "/r1",
            base + "/ok.pdf", http_base + "/page.html", http_base + "/loop",
            "http://127.0.0.1:%d/x.pdf" % free_port(), "http://no-such-host.invalid/x",
            http_base.replace("http:", "https:") + "/ok.pdf"]
    env = dict(os.environ, MICROPYPATH=":".join([FIRMWARE, MPYLIB, ".frozen"]))

    res = subprocess.run([MICROPYTHON, "-X", "heapsize=150000w", str(script),
                          str(tmp_path / "media"), der] + urls,
                         capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)

    digest = hashlib.sha256(BODY).hexdigest()
    ok = "OK %d %s" % (len(BODY), digest)
    assert res.stdout.split("\n")[:-1] == [
        ok, ok, ok, ok, "ERR 12300", "ERR 11215", "ERR 11205", "ERR 11210",
        "ERR 11220"], res.stdout + res.stderr
