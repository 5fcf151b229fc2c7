"""Fault tests: the box process SIGKILLed at random points while it works
through jobs, restarted each time; afterwards no job is lost or damaged, each
ends with one final status, and its callbacks arrived complete and in order.
Also: the HTTP request parser fuzzed with hypothesis against the running box,
which must keep answering."""
import os
import socket
import sys

from hypothesis import HealthCheck, given, settings, strategies as st
from twilio.request_validator import RequestValidator

from test_api import BoxServer, ROOT

sys.path.insert(0, os.path.join(ROOT, "tests", "fault"))
import killloop  # noqa: E402

ROUNDS = 30


def test_sigkill_at_random_points_loses_nothing(tmp_path):
    res = killloop.kill_loop(tmp_path / "data", ROUNDS, seed=1234)

    assert len(res["created"]) > 10
    assert killloop.check(res) == []
    # a kill mid-write leaves a .tmp file; the next start sweeps it
    assert not [n for n in os.listdir(tmp_path / "data" / "jobs") if n.endswith(".tmp")]
    v = RequestValidator(killloop.TOKEN)
    assert all(v.validate(url, form, sig) for url, form, sig in res["callbacks"])


_HTTP_WORDS = st.sampled_from([b"GET", b"POST", b"DELETE", b"PUT", b"G\x00T", b""])
_PATHS = st.sampled_from([b"/", b"/v1/Faxes", b"/v1/Faxes/FX" + b"0" * 32, b"/v1/Faxes/%zz",
                          b"/v1/Faxes/" + b"a" * 3000, b"*", b"/v1/Faxes/x/Media/y.pdf"])
_HEADERS = st.lists(st.tuples(
    st.sampled_from([b"Host", b"Content-Length", b"Authorization", b"Content-Type",
                     b"Transfer-Encoding", b"Accept", b"X" * 100]),
    st.one_of(st.binary(max_size=60), st.sampled_from(
        [b"-1", b"99999999999", b"chunked", b"Basic !!!", b"0", b"5",
         b"application/x-www-form-urlencoded"]))), max_size=6)


def _raw(port, data):
    """Send raw octets, return what comes back; a reset counts as no answer."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    chunks = []
    try:
        s.sendall(data)
        while True:
            c = s.recv(4096)
            if not c:
                break
            chunks.append(c)
    except OSError:
        pass
    finally:
        s.close()
    return b"".join(chunks)


def test_fuzzed_requests_never_stop_the_box(tmp_path):
    srv = BoxServer(tmp_path / "data", request_timeout_s=0.2)
    try:
        @settings(max_examples=120, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(_HTTP_WORDS, _PATHS, st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9", b""]),
               _HEADERS, st.binary(max_size=200), st.booleans())
        def one(method, path, version, headers, body, crlf):
            eol = b"\r\n" if crlf else b"\n"
            req = method + b" " + path + b" " + version + eol
            for k, v in headers:
                req += k + b": " + v.replace(b"\r", b"").replace(b"\n", b"") + eol
            req += eol + body
            raw = _raw(srv.port, req)
            if raw:
                assert raw.startswith(b"HTTP/1."), raw[:200]
                status = int(raw.split(b" ", 2)[1])
                assert status < 500, raw[:300]
            # the box still answers a well-formed request
            r = srv.http.get(srv.base + "/v1/Faxes?PageSize=1")
            assert r.status_code == 200
        one()
    finally:
        srv.close()
