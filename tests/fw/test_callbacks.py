# faxbox.callbacks: HMAC-SHA1, X-Twilio-Signature, form encoding, callback
# parameters and the persistent outbox. Runs under CPython and MicroPython.
import asyncio
import binascii
import os

from faxbox.callbacks import (Outbox, b64, callback_params, constant_time_equal,
                              hmac_sha1, quote, signature, urlencode)
from faxbox.config import Config
from faxbox.store import Store


def _fresh_root(tag):
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    return here + "/../../build/fwtest/" + tag + "-" + "".join(
        "%02x" % b for b in os.urandom(4))


def _hex(b):
    return binascii.hexlify(b).decode()


def test_hmac_sha1_rfc2202_vectors():
    # RFC 2202 §3 test cases 1, 2 and 6 (6: key longer than the block).
    assert _hex(hmac_sha1(b"\x0b" * 20, b"Hi There")) == \
        "b617318655057264e28bc0b6fb378c8ef146be00"
    assert _hex(hmac_sha1(b"Jefe", b"what do ya want for nothing?")) == \
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    assert _hex(hmac_sha1(b"\xaa" * 80,
                          b"Test Using Larger Than Block-Size Key - Hash Key First")) == \
        "aa4ae5e15272d00e95705637ce8a3b55ed402112"


def test_twilio_signature_vector():
    # twilio-fax-api.md §6.1, Twilio's documented example.
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030",
              "Digits": "1234", "From": "+12349013030", "To": "+18005551212"}

    sig = signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params)

    assert sig == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_signature_sorts_upper_case_keys_first():
    # "A1B3a2" is the string after the URL (§6.1 step 2).
    expect = b64(hmac_sha1(b"k", b"http://x/A1B3a2"))

    assert signature("k", "http://x/", {"a": "2", "B": "3", "A": "1"}) == expect


def test_quote_and_urlencode():
    assert quote("+1 555/\u00e4~._-") == "%2B1%20555%2F%C3%A4~._-"
    assert urlencode({"To": "+1", "A": "x&y=z"}) == "A=x%26y%3Dz&To=%2B1"


def test_constant_time_equal():
    assert constant_time_equal("secret", "secret")
    assert not constant_time_equal("secret", "secreT")
    assert not constant_time_equal("secret", "secret1")
    assert not constant_time_equal("", "x")
    assert constant_time_equal(b"", "")


def _job(status, **kw):
    job = {"sid": "FX" + "1" * 32, "from": "", "to": "+15550001",
           "media_url": "http://m/a.pdf", "status": status, "num_pages": None,
           "remote_station_id": "", "error_code": 0, "error_message": "",
           "status_callback": "http://cb/x"}
    job.update(kw)
    return job


def test_callback_params_omit_empty_values():
    p = callback_params(_job("queued"), "AC" + "2" * 32)

    assert p == {"FaxSid": "FX" + "1" * 32, "AccountSid": "AC" + "2" * 32,
                 "FaxStatus": "queued", "ApiVersion": "v1", "To": "+15550001",
                 "OriginalMediaUrl": "http://m/a.pdf"}


def test_callback_params_delivered_and_failed():
    ok = callback_params(_job("delivered", num_pages=3, remote_station_id="+44 1",
                              **{"from": "+1999"}), "AC")
    bad = callback_params(_job("failed", num_pages=3, error_code=34004,
                               error_message="Fax: Error during fax transmission"), "AC")

    assert ok["NumPages"] == "3" and ok["RemoteStationId"] == "+44 1"
    assert ok["From"] == "+1999" and "ErrorCode" not in ok
    assert "NumPages" not in bad
    assert bad["ErrorCode"] == "34004"
    assert bad["ErrorMessage"] == "Fax: Error during fax transmission"


def _form_decode(body):
    # Independent decoder for the outbox's bodies (%XX only, no '+').
    out = {}
    for kv in body.split("&"):
        k, v = kv.split("=")
        raw = v.encode()
        b = bytearray()
        i = 0
        while i < len(raw):
            if raw[i] == 0x25:
                b.append(int(raw[i + 1:i + 3], 16))
                i += 3
            else:
                b.append(raw[i])
                i += 1
        out[k] = bytes(b).decode()
    return out


def test_form_body_decodes_to_the_params():
    job = _job("delivered", num_pages=2, remote_station_id="+44 20 & co")

    p = callback_params(job, "AC")

    assert _form_decode(urlencode(p)) == p


class _Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class _Receiver:
    """Fake post(): down (raises OSError) or answering `status`."""

    def __init__(self):
        self.up = False
        self.status = 200
        self.got = []

    async def post(self, url, body, headers, timeout_s):
        if not self.up:
            raise OSError(111)
        self.got.append((url, body.decode(), headers["X-Twilio-Signature"]))
        return self.status


def _outbox(root, rx, clock):
    cfg = Config(auth_token="tok", account_sid="AC9",
                 callback_retry_first_s=5, callback_retry_max_s=30)
    return Outbox(Store(root), cfg, rx.post, clock), cfg


def test_outbox_retries_with_backoff_then_delivers_in_order():
    root = _fresh_root("outbox")
    rx, clock = _Receiver(), _Clock()
    ob, cfg = _outbox(root, rx, clock)
    for st in ("queued", "processing", "sending", "delivered"):
        ob.enqueue(_job(st))
    waits = []

    for _ in range(5):  # receiver down: 5, 10, 20, 30 (cap), 30 s
        waits.append(asyncio.run(ob.deliver_once()))
        clock.t += waits[-1]
    rx.up = True
    left = asyncio.run(ob.deliver_once())

    assert waits == [5, 10, 20, 30, 30]
    assert left is None and ob.pending() == 0
    statuses = [b.split("FaxStatus=")[1].split("&")[0] for _, b, _ in rx.got]
    assert statuses == ["queued", "processing", "sending", "delivered"]
    for url, body, sig in rx.got:
        assert sig == signature("tok", url, _form_decode(body))
    Store(root).remove_tree("")


def test_outbox_drops_a_callback_after_its_expiry():
    root = _fresh_root("outbox_expiry")
    rx, clock = _Receiver(), _Clock()
    ob, cfg = _outbox(root, rx, clock)
    cfg.callback_expiry_s = 60
    ob.enqueue(_job("queued"))  # t = 0
    for _ in range(4):  # down: retries after 5, 10, 20, 30 s -> t = 65
        clock.t += asyncio.run(ob.deliver_once())
    ob.enqueue(_job("processing"))  # t = 65

    # The fifth failure of "queued" comes 65 s after it was queued (>= 60 s): it is
    # dropped; "processing" (0 s old) fails once, and goes out when the receiver is up.
    wait = asyncio.run(ob.deliver_once())
    rx.up = True
    clock.t += wait
    left = asyncio.run(ob.deliver_once())

    statuses = [b.split("FaxStatus=")[1].split("&")[0] for _, b, _ in rx.got]
    assert statuses == ["processing"]
    assert left is None and ob.pending() == 0
    Store(root).remove_tree("")


def test_outbox_survives_restart_and_keeps_numbering():
    root = _fresh_root("outbox-rs")
    rx, clock = _Receiver(), _Clock()
    ob, _ = _outbox(root, rx, clock)
    ob.enqueue(_job("queued"))
    ob.enqueue(_job("processing"))
    asyncio.run(ob.deliver_once())

    ob2, _ = _outbox(root, rx, clock)  # "restart": a new Outbox, same folder
    ob2.enqueue(_job("sending"))
    rx.up = True
    clock.t += 5
    asyncio.run(ob2.deliver_once())

    statuses = [b.split("FaxStatus=")[1].split("&")[0] for _, b, _ in rx.got]
    assert statuses == ["queued", "processing", "sending"]
    Store(root).remove_tree("")


def test_outbox_blocked_fax_does_not_hold_back_other_faxes():
    root = _fresh_root("outbox-blk")
    clock = _Clock()

    class Picky(_Receiver):
        async def post(self, url, body, headers, timeout_s):
            self.got.append((url, body.decode(), ""))
            return 500 if "FX" + "1" * 32 in body.decode() else 204

    rx = Picky()
    ob, _ = _outbox(root, rx, clock)
    ob.enqueue(_job("queued"))
    ob.enqueue(_job("queued", sid="FX" + "2" * 32))
    ob.enqueue(_job("processing"))
    ob.enqueue(_job("processing", sid="FX" + "2" * 32))

    wait = asyncio.run(ob.deliver_once())

    sent = [(b.split("FaxSid=")[1][:3], b.split("FaxStatus=")[1].split("&")[0])
            for _, b, _ in rx.got]
    # FX1 queued fails once; FX1 processing waits behind it; FX2 both go.
    assert sent == [("FX1", "queued"), ("FX2", "queued"), ("FX2", "processing")]
    assert wait == 5 and ob.pending() == 2 and ob.delivered == 2
    Store(root).remove_tree("")


def test_no_status_callback_queues_nothing():
    root = _fresh_root("outbox-none")
    rx, clock = _Receiver(), _Clock()
    ob, _ = _outbox(root, rx, clock)

    ob.enqueue(_job("queued", status_callback=""))

    assert ob.pending() == 0
    Store(root).remove_tree("")
