# Status callbacks: Twilio's parameters, the X-Twilio-Signature, and a
# persistent outbox that delivers them in order and retries until the
# receiver answers 2xx.
#
# HMAC-SHA1, base64 and form encoding are written here over hashlib.sha1 and
# binascii because MicroPython has no hmac, base64 or urllib modules.
# micropython-lib's hmac could be frozen into the device firmware, but the
# tests run this same file on the unix interpreter without installing
# anything, and 20 lines of RFC 2104 cost less than a second code path.
import asyncio
import binascii
import hashlib
import time

_SHA1_BLOCK_OCTETS = 64  # RFC 2104 §2: B = 64 for SHA-1
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_HEX = "0123456789ABCDEF"
_OUTBOX = "outbox"


def hmac_sha1(key, msg):
    """RFC 2104 HMAC with SHA-1 over bytes; returns the 20-octet digest."""
    if len(key) > _SHA1_BLOCK_OCTETS:
        key = hashlib.sha1(key).digest()
    key = key + b"\x00" * (_SHA1_BLOCK_OCTETS - len(key))
    inner = hashlib.sha1(bytes(b ^ 0x36 for b in key))
    inner.update(msg)
    outer = hashlib.sha1(bytes(b ^ 0x5C for b in key))
    outer.update(inner.digest())
    return outer.digest()


def b64(data):
    """Standard base64 (RFC 4648 §4) of bytes, as str without newline."""
    return binascii.b2a_base64(data).decode().strip()


def signature(auth_token, url, params):
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + k1 + v1 + k2 + v2
    ...)) with the keys in code-point order (Twilio's request_validator)."""
    s = url
    for k in sorted(params):
        s = s + k + params[k]
    return b64(hmac_sha1(auth_token.encode(), s.encode()))


def constant_time_equal(a, b):
    """True if str/bytes `a` == `b`, in time independent of where they
    differ (credentials and signatures)."""
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    diff = len(a) ^ len(b)
    if len(a) != len(b):
        b = a
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def quote(s):
    """Percent-encode str `s` (UTF-8) for a URL query or a form body: all
    but RFC 3986 §2.3 unreserved characters become %XX."""
    out = []
    for b in s.encode():
        if b in _UNRESERVED:
            out.append(chr(b))
        else:
            out.append("%" + _HEX[b >> 4] + _HEX[b & 15])
    return "".join(out)


def urlencode(params):
    """application/x-www-form-urlencoded body of a dict, keys sorted so a
    body is reproducible."""
    return "&".join(quote(k) + "=" + quote(params[k]) for k in sorted(params))


def inbound_params(job, account_sid, base_url=""):
    """The <Receive action> form of an inbound job (twilio-fax-api §5.3):
    FaxSid, AccountSid, From, To, RemoteStationId (the sender's TSI),
    FaxStatus, ApiVersion, NumPages (received only), MediaUrl (received
    only, and only when the box knows its base_url), ErrorCode and
    ErrorMessage (failure only). Empty values are left out."""
    p = {"FaxSid": job["sid"], "AccountSid": account_sid,
         "FaxStatus": job["status"], "ApiVersion": "v1"}
    if job.get("from"):
        p["From"] = job["from"]
    if job.get("to"):
        p["To"] = job["to"]
    if job.get("remote_station_id"):
        p["RemoteStationId"] = job["remote_station_id"]
    if job["status"] == "received":
        if job.get("num_pages") is not None:
            p["NumPages"] = str(job["num_pages"])
        if base_url:
            p["MediaUrl"] = (base_url.rstrip("/") + "/v1/Faxes/" + job["sid"] +
                             "/Media/" + job["media_sid"])
    if job.get("error_code"):
        p["ErrorCode"] = str(job["error_code"])
        p["ErrorMessage"] = job.get("error_message") or ""
    return p


def callback_params(job, account_sid):
    """The StatusCallback form of a job record (dict of str -> str).

    Parameters with no value are left out rather than sent empty, as Twilio's
    own samples read RemoteStationId, ErrorCode and ErrorMessage "only if
    present". NumPages is sent only for a delivered fax (Twilio: "pages
    sent, only if successful"); the page count of a failed fax is on the
    REST resource.
    """
    p = {
        "FaxSid": job["sid"],
        "AccountSid": account_sid,
        "FaxStatus": job["status"],
        "ApiVersion": "v1",
    }
    if job.get("from"):
        p["From"] = job["from"]
    if job.get("to"):
        p["To"] = job["to"]
    if job.get("media_url"):
        p["OriginalMediaUrl"] = job["media_url"]
    if job["status"] == "delivered" and job.get("num_pages") is not None:
        p["NumPages"] = str(job["num_pages"])
    if job.get("remote_station_id"):
        p["RemoteStationId"] = job["remote_station_id"]
    if job.get("error_code"):
        p["ErrorCode"] = str(job["error_code"])
        p["ErrorMessage"] = job.get("error_message") or ""
    return p


class Outbox:
    """Callbacks waiting for delivery, one record per entry in
    <data>/outbox/<seq>.json, so a restart loses none.

    Delivery order: entries go out in the order they were queued; while an
    entry for a fax is waiting to be retried, later entries of that fax wait
    behind it (a receiver never sees `delivered` before `sending`), and
    entries of other faxes go ahead. Retry delay doubles from
    callback_retry_first_s up to callback_retry_max_s; an entry is removed
    after a 2xx answer, or once it has waited callback_expiry_s without one
    (logged; 0 keeps entries for ever). Any non-2xx answer is retried: a
    receiver that answers 4xx is usually misconfigured and may be fixed later.

    `post(url, body, headers, timeout_s)` is an async function returning
    the HTTP status or raising OSError/FetchError (fetch.post_form).
    """

    def __init__(self, store, config, post, clock=time.time):
        self.store = store
        self.config = config
        self.post = post
        self.clock = clock
        store.makedirs(_OUTBOX)
        store.sweep(_OUTBOX)
        names = store.listdir(_OUTBOX)
        self._next_seq = int(names[-1][:-5]) + 1 if names else 1
        self._event = asyncio.Event()
        self.delivered = 0

    def enqueue(self, job):
        """Queue the callback for the job's current status, if it has a
        StatusCallback URL."""
        url = job.get("status_callback")
        if not url:
            return
        if job.get("direction") == "inbound":
            # <Receive action> is called once, when the reception ends.
            if job["status"] not in ("received", "failed", "canceled"):
                return
            params = inbound_params(job, self.config.account_sid,
                                    self.config.base_url)
        else:
            params = callback_params(job, self.config.account_sid)
        rec = {"fax": job["sid"], "url": url, "params": params,
               "attempts": 0, "next_s": 0, "queued_s": int(self.clock())}
        self.store.write("%s/%010d.json" % (_OUTBOX, self._next_seq), rec)
        self._next_seq += 1
        self._event.set()

    def pending(self):
        return len(self.store.listdir(_OUTBOX))

    def _delay_s(self, attempts):
        d = self.config.callback_retry_first_s
        for _ in range(attempts - 1):
            d = d * 2
            if d >= self.config.callback_retry_max_s:
                return self.config.callback_retry_max_s
        return d

    async def _try(self, rec):
        body = urlencode(rec["params"])
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature(self.config.auth_token,
                                            rec["url"], rec["params"]),
        }
        try:
            status = await self.post(rec["url"], body.encode(), headers,
                                     self.config.callback_timeout_s)
        except Exception as e:  # any transport failure means "retry later"
            print("outbox: %s %s callback to %s failed, will retry: %s" % (
                rec["fax"], rec["params"].get("FaxStatus", ""), rec["url"], e))
            return False
        if not 200 <= status < 300:
            print("outbox: %s %s callback to %s answered HTTP %d, will retry" % (
                rec["fax"], rec["params"].get("FaxStatus", ""), rec["url"], status))
            return False
        return True

    async def deliver_once(self):
        """One pass over the outbox. Returns the seconds until the next
        entry is due (None if the outbox is empty)."""
        blocked = []
        wait_s = None
        for name in self.store.listdir(_OUTBOX):
            rel = _OUTBOX + "/" + name
            rec = self.store.read(rel)
            if rec is None:
                continue
            if rec["fax"] in blocked:
                continue
            now = self.clock()
            if rec["next_s"] > now:
                blocked.append(rec["fax"])
                due = rec["next_s"] - now
                wait_s = due if wait_s is None or due < wait_s else wait_s
                continue
            if await self._try(rec):
                self.store.remove(rel)
                self.delivered += 1
                continue
            rec["attempts"] += 1
            expiry = getattr(self.config, "callback_expiry_s", 0)
            if expiry and self.clock() - rec.get("queued_s", now) >= expiry:
                # Given up on after a day or more of failures: drop this entry so a
                # dead receiver cannot fill the flash; later ones still go out.
                print("outbox: %s %s callback to %s dropped after %d attempts over %d s"
                      % (rec["fax"], rec["params"].get("FaxStatus", ""), rec["url"],
                         rec["attempts"], expiry))
                self.store.remove(rel)
                continue
            delay = self._delay_s(rec["attempts"])
            rec["next_s"] = self.clock() + delay
            self.store.write(rel, rec)
            blocked.append(rec["fax"])
            wait_s = delay if wait_s is None or delay < wait_s else wait_s
        return wait_s

    async def run(self):
        """Deliver forever: after each pass, sleep until the next retry is
        due or a new entry is queued."""
        while True:
            self._event.clear()
            wait_s = await self.deliver_once()
            if wait_s is None:
                await self._event.wait()
                continue
            try:
                await asyncio.wait_for(self._event.wait(), wait_s)
            except asyncio.TimeoutError:
                pass
