# The box's HTTP API, shaped like Twilio's Programmable Fax v1 (facts in
# twilio-fax-api.md §1): POST/GET /v1/Faxes, GET/POST/DELETE
# /v1/Faxes/{Sid}, HTTP Basic auth, Twilio's JSON error bodies.
#
# Entry points for the board code:
#   box = Box(config, prepare, send)        # seams injectable for tests
#   await box.serve(host, port)             # API + job runner + outbox
#   await serve(config, prepare, send, host, port)   # the same in one call
import asyncio
import binascii
import os
import time

from microdot import Microdot, Request, Response

from faxbox import errors, faxmedia, jobs
from faxbox.callbacks import Outbox, constant_time_equal, quote
from faxbox.fetch import make_poster, parse_url
from faxbox.errors import FaxError
from faxbox.store import Store
from faxbox import statuspage

_MAX_FIELD_CHARS = 64  # To, From
# MediaUrl, StatusCallback: presigned object-store URLs run past 1,000 characters.
_MAX_URL_CHARS = 2048
_MAX_TTL_MIN = 1440
_MAX_E164_DIGITS = 15  # E.164 §6.1
_DIALABLE = "0123456789"
_JSON = "application/json"


_DRAIN_OCTETS = 16384  # unread request bytes read and dropped before closing
_DRAIN_WAIT_S = 0.1
_LINE_CHUNK = 256  # octets read at a time for the request line and headers


class _LimitedReader:
    """Wraps a request stream: the request line and headers together may
    not exceed `max_octets` and every read must finish within `timeout_s`
    (a client that trickles bytes cannot hold the one server loop). It also
    notes whether the head and the announced body were read."""

    def __init__(self, reader, max_octets, timeout_s):
        self.r = reader
        self.left = max_octets
        self.timeout_s = timeout_s
        self.head_done = False
        self.body_octets = 0  # announced by Content-Length, not yet read
        self._buf = b""  # read ahead by readline, not yet handed out

    async def _line(self):
        """One line read in pieces of _LINE_CHUNK octets, so a line longer
        than what is left of the header budget is refused after reading at
        most that budget plus one piece (the streams' own readline would
        hold the whole line in RAM first: no per-line cap on MicroPython)."""
        buf = self._buf
        while True:
            i = buf.find(b"\n")
            if i >= 0:
                self._buf = buf[i + 1:]
                return buf[:i + 1]
            if len(buf) > self.left:
                self._buf = b""
                raise ValueError("request header too large")
            data = await asyncio.wait_for(self.r.read(_LINE_CHUNK), self.timeout_s)
            if not data:
                self._buf = b""
                return buf
            buf = buf + data

    async def readline(self):
        line = await self._line()
        self.left -= len(line)
        if self.left < 0:
            raise ValueError("request header too large")
        if line in (b"\r\n", b"\n"):
            self.head_done = True
        elif line[:15].lower() == b"content-length:":
            try:
                self.body_octets = int(line[15:].strip())
            except ValueError:
                pass  # microdot rejects it with 400
        return line

    async def readexactly(self, n):
        head = self._buf[:n]
        self._buf = self._buf[len(head):]
        data = head
        if len(head) < n:
            data = head + await asyncio.wait_for(self.r.readexactly(n - len(head)),
                                                 self.timeout_s)
        self.body_octets = 0
        return data

    async def read(self, n=-1):
        if self._buf:
            if n < 0 or n >= len(self._buf):
                data, self._buf = self._buf, b""
            else:
                data, self._buf = self._buf[:n], self._buf[n:]
            return data
        return await asyncio.wait_for(self.r.read(n), self.timeout_s)

    async def drain(self):
        """Read and drop what a rejected request left unread (a malformed
        head, a body over the limit): closing a TCP socket with unread
        input sends a reset, which can destroy the error response before
        the client reads it."""
        if self.head_done and self.body_octets <= 0:
            return
        left = _DRAIN_OCTETS
        try:
            while left > 0:
                data = await asyncio.wait_for(self.r.read(512), _DRAIN_WAIT_S)
                if not data:
                    return
                left -= len(data)
        except Exception:  # timeout or reset: nothing more to drop
            return


class _Writer:
    """The response stream; drains the request before closing."""

    def __init__(self, writer, reader):
        self.w = writer
        self.reader = reader

    def get_extra_info(self, name):
        return self.w.get_extra_info(name)

    async def awrite(self, data):
        await self.w.awrite(data)

    async def aclose(self):
        await self.reader.drain()
        await self.w.aclose()


class _App(Microdot):
    def __init__(self, config):
        Microdot.__init__(self)
        self.config = config

    async def handle_request(self, reader, writer):
        c = self.config
        r = _LimitedReader(reader, c.max_header_bytes, c.request_timeout_s)
        await Microdot.handle_request(self, r, _Writer(writer, r))


def _error(code, http_status, detail=None, headers=None):
    h = {"Content-Type": _JSON}
    if headers:
        h.update(headers)
    return errors.api_error(code, http_status, detail), http_status, h


def _base_url(box, req):
    if box.config.base_url:
        return box.config.base_url.rstrip("/")
    return "http://" + req.headers.get("Host", "localhost")


def resource(job, base):
    """The Twilio Fax resource JSON (twilio-fax-api §1.5) of a job record.
    price/price_unit are null: a box on its own line bills nothing.
    media_url is the MediaUrl the fax was created with (the box keeps no
    separate hosted copy yet)."""
    url = base + "/v1/Faxes/" + job["sid"]
    return {
        "sid": job["sid"], "account_sid": job["account_sid"],
        "from": job["from"], "to": job["to"], "quality": job["quality"],
        "media_sid": job["media_sid"], "media_url": job["media_url"],
        "num_pages": job["num_pages"], "duration": job["duration"],
        "status": job["status"], "direction": job["direction"],
        "api_version": "v1", "price": None, "price_unit": None,
        "date_created": jobs.iso8601(job["date_created"]),
        "date_updated": jobs.iso8601(job["date_updated"]),
        "links": {"media": url + "/Media"}, "url": url,
    }


def media_resource(job, base, content_type=None):
    """The FaxMedia resource JSON (twilio-fax-api §1.8)."""
    fax_url = base + "/v1/Faxes/" + job["sid"]
    return {
        "sid": job["media_sid"], "account_sid": job["account_sid"],
        "fax_sid": job["sid"],
        "content_type": content_type or job.get("media_type"),
        "date_created": jobs.iso8601(job["date_created"]),
        "date_updated": jobs.iso8601(job["date_updated"]),
        "url": fax_url + "/Media/" + job["media_sid"],
    }


def _valid_number(to):
    """E.164 number with optional '+': the box dials digits on a phone
    line, so SIP URIs (accepted by Twilio) are refused."""
    digits = to[1:] if to.startswith("+") else to
    if not digits or len(digits) > _MAX_E164_DIGITS:
        return False
    for c in digits:
        if c not in _DIALABLE:
            return False
    return True


def _parse_bool(text):
    """twilio-python sends True/False with a capital letter (§1.3)."""
    t = text.lower()
    if t == "true":
        return True
    if t == "false":
        return False
    raise ValueError(text)


_HOST_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
_IPV6_CHARS = "0123456789abcdefABCDEF:."


def _http_url(text):
    """An http(s) URL whose host is a DNS name or IPv4 address (letters,
    digits, '.', '-': RFC 1123 §2.1) or a bracketed IPv6 literal, with no
    spaces or control characters anywhere."""
    if len(text) > _MAX_URL_CHARS:
        return False
    for c in text:
        if c <= " " or c == "\x7f":
            return False
    try:
        host = parse_url(text)[1]
    except FaxError:
        return False
    chars = _IPV6_CHARS if ":" in host else _HOST_CHARS
    for c in host:
        if c not in chars:
            return False
    netloc = text.split("://", 1)[1]
    for sep in "/?#":
        netloc = netloc.split(sep, 1)[0]
    tail = netloc.rsplit("]", 1)[1] if "]" in netloc else ""
    if tail and not tail.startswith(":"):  # "[::1]x": junk after the literal
        return False
    return True


def _create_fields(box, form):
    """Validated job fields from the create form, or (detail) str."""
    to = form.get("To", "").strip()
    if not to:
        return "To is required"
    if not _valid_number(to):
        return "To must be a phone number (E.164)"
    frm = form.get("From", "").strip()
    if len(frm) > _MAX_FIELD_CHARS:
        return "From is too long"
    media = form.get("MediaUrl", "").strip()
    if not media:
        return "MediaUrl is required"
    for name, url in (("MediaUrl", media), ("StatusCallback", form.get("StatusCallback", ""))):
        url = url.strip()
        if url and len(url) > _MAX_URL_CHARS:
            return "%s is longer than %d characters" % (name, _MAX_URL_CHARS)
        if url and not _http_url(url):
            return "%s must be an http or https URL without spaces" % name
    cb = form.get("StatusCallback", "").strip()
    quality = form.get("Quality", "fine").strip().lower()
    if quality not in jobs.QUALITIES:
        return "Quality must be standard, fine or superfine"
    try:
        store_media = _parse_bool(form.get("StoreMedia", "true").strip())
    except ValueError:
        return "StoreMedia must be true or false"
    ttl = form.get("Ttl", "").strip()
    try:
        ttl = int(ttl) if ttl else box.config.default_ttl_min
    except ValueError:
        return "Ttl must be a whole number of minutes"
    if not 1 <= ttl <= _MAX_TTL_MIN:
        return "Ttl must be 1 to %d minutes" % _MAX_TTL_MIN
    return {"account_sid": box.config.account_sid, "to": to, "from": frm,
            "media_url": media, "status_callback": cb, "quality": quality,
            "store_media": store_media, "ttl_min": ttl}


def _list_filters(args):
    """(filters dict for the page URLs, predicate) or raise ValueError."""
    keep = {}
    for name in ("From", "To", "DateCreatedOnOrBefore", "DateCreatedAfter",
                 "PageSize", "Page"):
        if args.get(name) == "":
            raise ValueError(name + " is empty")
    frm = args.get("From")
    to = args.get("To")
    before = args.get("DateCreatedOnOrBefore")
    after = args.get("DateCreatedAfter")
    t_before = t_after = None
    if frm:
        keep["From"] = frm
    if to:
        keep["To"] = to
    if before:
        t_before = jobs.parse_iso8601(before)
        keep["DateCreatedOnOrBefore"] = before
    if after:
        t_after = jobs.parse_iso8601(after)
        keep["DateCreatedAfter"] = after

    def match(job):
        if frm and job["from"] != frm:
            return False
        if to and job["to"] != to:
            return False
        if t_before is not None and job["date_created"] > t_before:
            return False
        if t_after is not None and job["date_created"] <= t_after:
            return False
        return True
    return keep, match


def _page_url(base, keep, page, size):
    q = ["%s=%s" % (k, quote(keep[k])) for k in sorted(keep)]
    q.append("PageSize=%d" % size)
    q.append("Page=%d" % page)
    return base + "/v1/Faxes?" + "&".join(q)


def make_app(box):
    """The microdot application serving `box` (a Box)."""
    config = box.config
    # microdot keeps these limits on the Request class: one API per process.
    Request.max_content_length = config.max_request_bytes
    Request.max_body_length = config.max_request_bytes
    Request.max_readline = config.max_header_bytes
    app = _App(config)

    @app.before_request
    async def authenticate(req):
        h = req.headers.get("Authorization", "")
        ok = False
        if h[:6].lower() == "basic ":
            try:
                user, _, pw = binascii.a2b_base64(h[6:].strip()).decode().partition(":")
                # Both compared in full so the time does not reveal which failed.
                ok_user = constant_time_equal(user, config.account_sid)
                ok_pw = constant_time_equal(pw, config.auth_token)
                ok = ok_user and ok_pw
            except (ValueError, UnicodeError):
                ok = False
        if not ok:
            return _error(errors.AUTHENTICATE, 401, None,
                          {"WWW-Authenticate": 'Basic realm="picofax"'})

    @app.post("/v1/Faxes")
    async def create(req):
        form = req.form
        if form is None:
            return _error(errors.BAD_REQUEST, 400,
                          "expected application/x-www-form-urlencoded")
        fields = _create_fields(box, form)
        if isinstance(fields, str):
            return _error(errors.BAD_REQUEST, 400, fields)
        try:
            job = box.jobs.create(fields)
        except OSError:
            return _error(errors.STORAGE_FULL, 507)
        box.runner.notify(job)
        box.runner.wake()
        print("job %s queued: to %s, %s" % (job["sid"], job["to"], job["quality"]))
        return resource(job, _base_url(box, req)), 201

    @app.get("/v1/Faxes")
    async def list_faxes(req):
        args = req.args
        try:
            keep, match = _list_filters(args)
            size = int(args.get("PageSize") or config.page_size_default)
            page = int(args.get("Page") or 0)
        except ValueError:
            return _error(errors.BAD_REQUEST, 400, "bad filter or paging value")
        if not 1 <= size <= config.page_size_max or page < 0:
            return _error(errors.BAD_REQUEST, 400, "PageSize or Page out of range")
        base = _base_url(box, req)
        faxes = []
        skip = page * size
        more = False
        for sid in reversed(box.jobs.sids()):  # newest first, as Twilio
            job = box.jobs.get(sid)
            if job is None or not match(job):
                continue
            if skip > 0:
                skip -= 1
                continue
            if len(faxes) == size:
                more = True
                break
            faxes.append(resource(job, base))
        meta = {
            "key": "faxes", "page": page, "page_size": size,
            "url": _page_url(base, keep, page, size),
            "first_page_url": _page_url(base, keep, 0, size),
            "next_page_url": _page_url(base, keep, page + 1, size) if more else None,
            "previous_page_url": _page_url(base, keep, page - 1, size) if page > 0 else None,
        }
        return {"faxes": faxes, "meta": meta}

    @app.get("/v1/Faxes/<sid>")
    async def fetch_fax(req, sid):
        job = box.jobs.get(sid)
        if job is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        return resource(job, _base_url(box, req))

    @app.post("/v1/Faxes/<sid>")
    async def update(req, sid):
        job = box.jobs.get(sid)
        if job is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        form = req.form
        if form is None or form.get("Status") != jobs.CANCELED:
            return _error(errors.BAD_REQUEST, 400, "Status must be canceled")
        if job["status"] != jobs.CANCELED and not box.runner.cancel(sid):
            return _error(errors.BAD_REQUEST, 400,
                          "fax is %s and can no longer be canceled" % job["status"])
        return resource(box.jobs.get(sid), _base_url(box, req))

    @app.delete("/v1/Faxes/<sid>")
    async def delete(req, sid):
        job = box.jobs.get(sid)
        if job is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        if job["status"] in (jobs.SENDING, jobs.RECEIVING):
            return _error(errors.BAD_REQUEST, 400, "fax is being transmitted")
        busy = job["status"] == jobs.PROCESSING
        if job["status"] in (jobs.QUEUED, jobs.PROCESSING):
            box.runner.cancel(sid)
        # A job being fetched or prepared keeps its spool folder until the
        # runner has stopped writing there; the runner then removes it.
        box.jobs.delete(sid, keep_spool=busy)
        return "", 204

    def _media_job(req, sid, msid=None):
        job = box.jobs.get(sid)
        if job is None:
            return None
        if job.get("direction") == jobs.INBOUND:
            if not box.inbound_media(job):
                return None
        elif box.jobs.media_path(job) is None:
            return None
        if msid is not None and msid != job["media_sid"]:
            return None
        return job

    @app.get("/v1/Faxes/<sid>/Media")
    async def list_media(req, sid):
        if box.jobs.get(sid) is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        job = _media_job(req, sid)
        base = _base_url(box, req)
        url = base + "/v1/Faxes/" + sid + "/Media?PageSize=50&Page=0"
        media = [media_resource(job, base, box.media_type(job))] if job else []
        return {"media": media,
                "meta": {"key": "media", "page": 0, "page_size": 50, "url": url,
                         "first_page_url": url, "next_page_url": None,
                         "previous_page_url": None}}

    @app.get("/v1/Faxes/<sid>/Media/<msid>")
    async def get_media(req, sid, msid):
        """Accept: application/json gives the metadata, anything else the
        media itself (the old FaxMedia doc, twilio-fax-api §1.8).
        A received fax is served as PDF or TIFF-F, chosen by ?format=pdf|tiff,
        a .pdf/.tif/.tiff suffix on the media sid, or the Accept header
        (application/pdf, image/tiff); else config inbound_media_type."""
        want = None
        low = msid.lower()
        for ext, mt in ((".pdf", faxmedia.PDF), (".tiff", faxmedia.TIFF),
                        (".tif", faxmedia.TIFF)):
            if low.endswith(ext):
                msid = msid[:-len(ext)]
                want = mt
        job = _media_job(req, sid, msid)
        if job is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        accept = req.headers.get("Accept", "")
        if want is None and _JSON in accept:
            return media_resource(job, _base_url(box, req), box.media_type(job))
        if job.get("direction") != jobs.INBOUND:
            return Response.send_file(box.jobs.media_path(job),
                                      content_type=job["media_type"])
        fmt = (req.args.get("format") or "").lower()
        if fmt in ("pdf", "tiff", "tif"):
            want = faxmedia.PDF if fmt == "pdf" else faxmedia.TIFF
        elif fmt:
            return _error(errors.BAD_REQUEST, 400, "format must be pdf or tiff")
        if want is None:
            if faxmedia.TIFF in accept and faxmedia.PDF not in accept:
                want = faxmedia.TIFF
            elif faxmedia.PDF in accept:
                want = faxmedia.PDF
            else:
                want = box.media_type(job)
        try:
            size, body = faxmedia.render(box.inbound_spool(job), want)
        except (OSError, ValueError):
            return _error(errors.MEDIA_UNREADABLE, 500)
        return Response(body=body, headers={"Content-Type": want,
                                            "Content-Length": str(size)})

    @app.delete("/v1/Faxes/<sid>/Media/<msid>")
    async def delete_media(req, sid, msid):
        job = _media_job(req, sid, msid)
        if job is None:
            return _error(errors.NOT_FOUND, 404, req.path)
        if job["status"] in (jobs.PROCESSING, jobs.SENDING):
            return _error(errors.BAD_REQUEST, 400, "media is in use")
        if job.get("direction") == jobs.INBOUND:
            box.drop_inbound_media(job)
        else:
            box.jobs.delete_media(job)
        return "", 204

    @app.get("/")
    async def status_page(req):
        return statuspage.render(box, _base_url(box, req)), 200, {
            "Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(400)
    async def bad_request(req):
        return _error(errors.BAD_REQUEST, 400)

    @app.errorhandler(404)
    async def not_found(req):
        return _error(errors.NOT_FOUND, 404, req.path if req else None)

    @app.errorhandler(405)
    async def not_allowed(req):
        # RFC 9110 §15.5.6: a 405 lists the methods the resource supports
        allowed = []
        for methods, pattern, _, _, _ in app.url_map:
            if req is not None and pattern.match(req.path) is not None:
                for m in methods:
                    if m not in allowed:
                        allowed.append(m)
        return _error(errors.METHOD_NOT_ALLOWED, 405, None,
                      {"Allow": ", ".join(allowed)})

    @app.errorhandler(413)
    async def too_large(req):
        return _error(errors.REQUEST_TOO_LARGE, 413)

    @app.errorhandler(500)
    async def internal(req):
        return _error(errors.JOB_INTERNAL, 500)

    return app


class Box:
    """The fax box's services: store, job records, callback outbox, job
    runner and HTTP API. prepare and send are the document and T.30 seams
    (see jobs.JobRunner); fetch and post default to faxbox.fetch."""

    def __init__(self, config, prepare, send, fetch=None, post=None,
                 clock=time.time, sleep=None, line_state=None):
        self.config = config
        self.clock = clock
        # line_state() -> short text for the status page (e.g. "idle",
        # "ringing"), given by the board code; None: not shown.
        self.line_state = line_state
        self.store = Store(config.data_dir)
        self.outbox = Outbox(self.store, config, post or make_poster(config),
                             clock)
        self.jobs = jobs.Jobs(self.store, clock)
        self.runner = jobs.JobRunner(config, self.store, self.outbox, prepare,
                                     send, jobs=self.jobs, fetch=fetch,
                                     clock=clock, sleep=sleep)
        self.app = make_app(self)

    # -- inbound faxes: the seam answer.py calls
    def inbound_started(self, from_number, to_number):
        """A fax call was answered: returns the new inbound job (status
        receiving) with job["spool_dir"], the folder where rxpages.SpoolSink
        writes the page files. Outbound dialling waits until
        inbound_finished()."""
        job = self.jobs.create_inbound(from_number, to_number,
                                       self.config.account_sid,
                                       self.config.inbound_webhook_url)
        self.store.makedirs(self.jobs.spool_rel(job["sid"]))
        self.runner.inbound = job["sid"]
        job["spool_dir"] = self.inbound_spool(job)
        return job

    def inbound_finished(self, job, outcome):
        """The reception ended. outcome has .status ('received' or
        'failed'), .num_pages (None: the page files are counted),
        .remote_station_id (the sender's TSI), .error_code, .error_message,
        .duration_s. Writes the record, queues the webhook, applies the
        storage quota; returns the record."""
        sid = job["sid"]
        status = getattr(outcome, "status", None)
        if status not in (jobs.RECEIVED, jobs.FAILED):
            status = jobs.FAILED
        code = getattr(outcome, "error_code", 0) or 0
        text = getattr(outcome, "error_message", "") or ""
        if status == jobs.FAILED and not code:
            code = errors.FAX_TRANSMISSION
        if code and not text:
            text = errors.message(code)
        pages = getattr(outcome, "num_pages", None)
        if pages is None:
            pages = len(faxmedia.page_paths(self.inbound_spool(job)))
        duration = getattr(outcome, "duration_s", None)
        rec = self.jobs.get(sid) or job
        rec.pop("spool_dir", None)
        self.runner.set_status(
            rec, status, num_pages=pages,
            duration=int(duration + 0.5) if duration is not None else None,
            remote_station_id=(getattr(outcome, "remote_station_id", "") or "").strip(),
            error_code=code, error_message=text,
            media_type=self.config.inbound_media_type)
        if self.runner.inbound == sid:
            self.runner.inbound = None
        self.runner.wake()
        self.apply_quota(keep=sid)
        return rec

    def inbound_spool(self, job):
        return self.store.path(self.jobs.spool_rel(job["sid"]))

    def inbound_media(self, job):
        """True if the box holds the pages of a received fax."""
        return (job["status"] == jobs.RECEIVED and not job.get("media_deleted")
                and self.store.exists(self.jobs.spool_rel(job["sid"]) + "/page001.pg"))

    def media_type(self, job):
        if job.get("direction") == jobs.INBOUND:
            return job.get("media_type") or self.config.inbound_media_type
        return job.get("media_type")

    def drop_inbound_media(self, job):
        rel = self.jobs.spool_rel(job["sid"])
        if self.store.exists(rel):
            self.store.remove_tree(rel)
        job["media_deleted"] = True
        self.jobs.save(job)

    def _spool_bytes(self, sid):
        rel = self.jobs.spool_rel(sid)
        n = 0
        for name in self.store.listdir(rel):
            try:
                n += os.stat(self.store.path(rel + "/" + name))[6]
            except OSError:
                pass
        return n

    def apply_quota(self, keep=None):
        """Storage quota for received faxes (config inbound_quota_bytes):
        while their page files take more, delete the pages of the oldest
        finished inbound fax (never `keep`, never one being received).
        Records stay; their media answers 404. Returns the sids cleared."""
        held = []
        total = 0
        for sid in self.jobs.sids():
            st = self.jobs.status_of(sid)
            if st not in (jobs.RECEIVED, jobs.FAILED):
                continue
            n = self._spool_bytes(sid)
            if n:  # only then is the record read (outbound media is not counted)
                job = self.jobs.get(sid)
                if job is not None and job.get("direction") == jobs.INBOUND:
                    held.append((sid, n))
                    total += n
        cleared = []
        for sid, n in held:
            if total <= self.config.inbound_quota_bytes:
                break
            if sid == keep:
                continue
            self.drop_inbound_media(self.jobs.get(sid))
            total -= n
            cleared.append(sid)
        return cleared

    async def serve(self, host="0.0.0.0", port=80):
        """Run the job runner and the outbox as tasks and serve the API
        until the app is shut down."""
        runner = asyncio.create_task(self.runner.run())
        outbox = asyncio.create_task(self.outbox.run())
        try:
            await self.app.start_server(host=host, port=port)
        finally:
            runner.cancel()
            outbox.cancel()


async def serve(config, prepare, send, host="0.0.0.0", port=80):
    """Build a Box and serve it (the board's main calls this)."""
    await Box(config, prepare, send).serve(host, port)
