# Outbound fax jobs: records, states and the runner.
#
# A job record is one JSON file, <data>/jobs/<sid>.json, holding the Twilio
# resource fields (twilio-fax-api §1.5) plus what the box needs to resume
# (status_callback, store_media, ttl_min, seq, error_code/error_message).
# States follow Twilio's outbound lifecycle: queued -> processing -> sending
# -> delivered | busy | no-answer | failed | canceled.
#
# After a restart (JobRunner.recover):
#   queued      stays queued and runs in its turn;
#   processing  goes back to queued without a callback and is fetched and
#               prepared again from the start (both steps are repeatable);
#   sending     ends failed, 39004: pages may already have reached the far
#               machine, so redialling could deliver the fax twice; the user
#               decides whether to send it again.
#   receiving   (inbound) ends failed, 39008, with the pages already spooled.
#
# Redial (config retry_busy_s, retry_no_answer_s, max_dials): a call that
# ends busy or no-answer puts the job back to `queued` with
# `next_attempt_at` (epoch s) and `dials` (calls placed so far), keeping its
# prepared pages, when fewer than max_dials calls were placed and the redial
# time is within the Ttl; otherwise the job ends with that status. Twilio
# had no "waiting to redial" state, so the box sends no callback for the
# return to `queued` nor for the repeated `sending`: a StatusCallback
# receiver sees queued, processing, sending and one final status, whatever
# the number of dials. Other due jobs run while one waits to redial (one
# call at a time, in creation order).
#
# Inbound faxes (direction "inbound"): receiving -> received | failed;
# created by Jobs.create_inbound() when the line answers a fax call.
import asyncio
import os
import time

from faxbox import errors
from faxbox import fetch as _fetch

QUEUED = "queued"
PROCESSING = "processing"
SENDING = "sending"
DELIVERED = "delivered"
FAILED = "failed"
CANCELED = "canceled"
BUSY = "busy"
NO_ANSWER = "no-answer"
RECEIVING = "receiving"
RECEIVED = "received"
FINAL = (DELIVERED, FAILED, CANCELED, BUSY, NO_ANSWER, RECEIVED)
INBOUND = "inbound"
QUALITIES = ("standard", "fine", "superfine")

# Error code a final status gets when send() reports none (inferred from the
# names, twilio-fax-api §3).
_DEFAULT_CODE = {BUSY: errors.FAX_BUSY, NO_ANSWER: errors.FAX_NO_ANSWER,
                 FAILED: errors.FAX_TRANSMISSION}

_STORE_RETRY_S = 5  # after the store failed to take a record
# How often a running fetch checks whether its job was cancelled, seconds.
_STOP_POLL_S = 0.1
_JOBS = "jobs"
_SPOOL = "spool"
_DAYS_0000_TO_1970 = 719468  # days from 0000-03-01 to 1970-01-01
_SECONDS_PER_DAY = 86400


def new_sid(prefix):
    """prefix + 32 lower-case hex digits from os.urandom (^FX[0-9a-f]{32}$)."""
    return prefix + "".join("%02x" % b for b in os.urandom(16))


def _civil(days):
    """(year, month, day) of a day count since 1970-01-01, proleptic
    Gregorian (H. Hinnant's days-to-civil, era = 400 years)."""
    z = days + _DAYS_0000_TO_1970
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (1 if m <= 2 else 0)
    return y, m, d


def _days(y, m, d):
    """Inverse of _civil."""
    y = y - 1 if m <= 2 else y
    era = y // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - _DAYS_0000_TO_1970


def iso8601(t):
    """Epoch seconds -> "%Y-%m-%dT%H:%M:%SZ" (UTC), the format Twilio used.
    Written here because MicroPython has no datetime or strftime."""
    t = int(t)
    days = t // _SECONDS_PER_DAY
    s = t - days * _SECONDS_PER_DAY
    y, m, d = _civil(days)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, s // 3600,
                                               (s // 60) % 60, s % 60)


def parse_iso8601(text):
    """Epoch seconds of "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]"; ValueError
    otherwise. Offsets other than Z are not accepted (Twilio sent Z)."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1]
    date, _, clock = text.partition("T")
    ymd = date.split("-")
    if len(ymd) != 3 or len(ymd[0]) != 4:
        raise ValueError("bad date")
    y, m, d = int(ymd[0]), int(ymd[1]), int(ymd[2])
    hh = mm = ss = 0
    if clock:
        hms = clock.split(":")
        if len(hms) != 3:
            raise ValueError("bad time")
        hh, mm, ss = int(hms[0]), int(hms[1]), int(float(hms[2]))
    if not (1 <= m <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60 and ss < 61):
        raise ValueError("bad date")
    return _days(y, m, d) * _SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss


class Jobs:
    """The job records, with an in-memory index [seq, sid, status] in
    creation order (three small objects per job, not the records)."""

    def __init__(self, store, clock=time.time):
        self.store = store
        self.clock = clock
        store.makedirs(_JOBS)
        store.sweep(_JOBS)
        self.index = []
        for name in store.listdir(_JOBS):
            rec = store.read(_JOBS + "/" + name)
            if rec is not None and "seq" in rec:
                self.index.append([rec["seq"], rec["sid"], rec["status"]])
        self.index.sort()
        self._next_seq = self.index[-1][0] + 1 if self.index else 1

    def create(self, fields):
        """Write a new queued job from `fields` (to, from, media_url,
        quality, status_callback, store_media, ttl_min, account_sid);
        returns the record."""
        now = int(self.clock())
        job = {
            "sid": new_sid("FX"), "seq": self._next_seq,
            "account_sid": fields["account_sid"],
            "from": fields.get("from", ""), "to": fields["to"],
            "quality": fields.get("quality", "fine"),
            "media_sid": new_sid("ME"), "media_url": fields["media_url"],
            "status_callback": fields.get("status_callback", ""),
            "store_media": fields.get("store_media", True),
            "ttl_min": fields["ttl_min"],
            "num_pages": None, "duration": None, "status": QUEUED,
            "direction": "outbound", "remote_station_id": "",
            "error_code": 0, "error_message": "", "notified": "",
            "date_created": now, "date_updated": now,
        }
        self.store.write(self._rel(job["sid"]), job)
        self._next_seq += 1
        self.index.append([job["seq"], job["sid"], QUEUED])
        return job

    def create_inbound(self, from_number, to_number, account_sid, webhook):
        """Write a new inbound job (status receiving); returns the record."""
        now = int(self.clock())
        job = {
            "sid": new_sid("FX"), "seq": self._next_seq,
            "account_sid": account_sid,
            "from": from_number or "", "to": to_number or "",
            "quality": None, "media_sid": new_sid("ME"), "media_url": None,
            "status_callback": webhook or "", "store_media": True,
            "ttl_min": 0, "num_pages": None, "duration": None,
            "status": RECEIVING, "direction": INBOUND,
            "remote_station_id": "", "error_code": 0, "error_message": "",
            "notified": RECEIVING, "date_created": now, "date_updated": now,
        }
        self.store.write(self._rel(job["sid"]), job)
        self._next_seq += 1
        self.index.append([job["seq"], job["sid"], RECEIVING])
        return job

    def spool_rel(self, sid):
        return _SPOOL + "/" + sid

    @staticmethod
    def _rel(sid):
        return _JOBS + "/" + sid + ".json"

    def get(self, sid):
        """The record of `sid`, or None (also for a malformed sid)."""
        if not valid_sid(sid, "FX"):
            return None
        return self.store.read(self._rel(sid))

    def save(self, job):
        job["date_updated"] = int(self.clock())
        self.store.write(self._rel(job["sid"]), job)
        for entry in self.index:
            if entry[1] == job["sid"]:
                entry[2] = job["status"]

    def delete(self, sid, keep_spool=False):
        """Remove the record and (unless keep_spool: the runner still
        writes there and drops it itself) the job's spool folder."""
        self.store.remove(self._rel(sid))
        spool = _SPOOL + "/" + sid
        if not keep_spool and self.store.exists(spool):
            self.store.remove_tree(spool)
        self.index = [e for e in self.index if e[1] != sid]

    def sids(self):
        """Sids in creation order."""
        return [e[1] for e in self.index]

    def media_path(self, job):
        """File path of the job's fetched media, or None when the box does
        not hold it (not fetched yet, StoreMedia false, or deleted)."""
        rel = _SPOOL + "/" + job["sid"] + "/media"
        if job.get("media_type") and self.store.exists(rel):
            return self.store.path(rel)
        return None

    def delete_media(self, job):
        self.store.remove(_SPOOL + "/" + job["sid"] + "/media")

    def status_of(self, sid):
        for e in self.index:
            if e[1] == sid:
                return e[2]
        return None


def valid_sid(sid, prefix):
    if len(sid) != 34 or not sid.startswith(prefix):
        return False
    for c in sid[2:]:
        if c not in "0123456789abcdefABCDEF":
            return False
    return True


def _is_awaitable(x):
    return hasattr(x, "send") and hasattr(x, "throw")


class JobRunner:
    """Runs queued jobs one at a time in creation order.

    prepare(job, media_path, spool_dir) -> number of pages (may be a
      coroutine function); raises an exception with .code and .message for
      media it cannot use.
    send(job, spool_dir) -> awaitable outcome with .status (delivered, busy,
      no-answer, failed, canceled), .error_code, .error_message, .num_pages,
      .remote_station_id, .duration_s.
    fetch(url, path, config) -> awaitable (content type, size); raises
      errors.FaxError (defaults to fetch.fetch_to_file).
    """

    def __init__(self, config, store, outbox, prepare, send, jobs=None,
                 fetch=None, clock=time.time, sleep=None):
        self.config = config
        self.store = store
        self.outbox = outbox
        self.prepare = prepare
        self.send = send
        self.fetch = fetch or _fetch.fetch_to_file
        self.clock = clock
        # sleep(seconds) awaitable; tests pass one that advances their clock
        self.sleep = sleep or asyncio.sleep
        self.jobs = jobs if jobs is not None else Jobs(store, clock)
        self.inbound = None  # sid of a fax being received: no dialling
        self.current = None  # sid of the job being worked on
        self._cancel = None  # sid whose cancellation was requested
        self._event = asyncio.Event()
        store.makedirs(_SPOOL)

    # -- state changes: one function writes the record and queues the callback
    def set_status(self, job, status, notify=True, **fields):
        """Write the new status, then queue its callback (notify) and note
        in the record that it was queued ("notified"). A power cut between
        the two writes leaves notified behind status; recover() then queues
        the callback (at least once: it may repeat one, never lose one)."""
        job["status"] = status
        for k in fields:
            job[k] = fields[k]
        if not notify:
            job["notified"] = status  # no callback due for this change
        self.jobs.save(job)
        if notify:
            self.notify(job)
        if job.get("error_code") and status in FINAL:
            print("job %s %s: %s %s" % (job["sid"], status, job["error_code"],
                                        job.get("error_message") or ""))
        else:
            print("job %s %s" % (job["sid"], status))

    def notify(self, job):
        """Queue the callback of the job's saved status and record that."""
        self.outbox.enqueue(job)
        job["notified"] = job["status"]
        self.jobs.save(job)

    def wake(self):
        """Tell the runner a job was queued."""
        self._event.set()

    def recover(self):
        """Settle jobs left unfinished by a restart (see the module header)."""
        for sid in self.jobs.sids():
            job = self.jobs.get(sid)
            if job is not None and job.get("notified", job["status"]) != job["status"]:
                self.notify(job)  # cut between the record and its callback
        for sid in self.jobs.sids():
            status = self.jobs.status_of(sid)
            if status == PROCESSING:
                job = self.jobs.get(sid)
                job["status"] = QUEUED
                job["notified"] = QUEUED  # silent: no callback goes back
                job["pages_ready"] = False
                self.jobs.save(job)
            elif status == RECEIVING:
                job = self.jobs.get(sid)
                self.set_status(job, FAILED, error_code=errors.RX_INTERRUPTED,
                                error_message=errors.message(errors.RX_INTERRUPTED))
            elif status == SENDING:
                job = self.jobs.get(sid)
                self.set_status(job, FAILED, error_code=errors.JOB_INTERRUPTED,
                                error_message=errors.message(errors.JOB_INTERRUPTED))

    def cancel(self, sid):
        """Ask to cancel a job; True if the request was taken.

        queued or processing: the job ends `canceled` now (callback sent);
        the runner stops working on it at its next step.
        sending: the request is handed to send() through cancel_requested();
        the final status is whatever send() then reports (`canceled` if it
        hung up in time, else the real outcome).
        finished: False."""
        status = self.jobs.status_of(sid)
        if status == SENDING and sid == self.current:
            self._cancel = sid
            return True
        if status not in (QUEUED, PROCESSING):
            return False
        if sid == self.current:
            self._cancel = sid
        job = self.jobs.get(sid)
        self.set_status(job, CANCELED)
        return True

    def cancel_requested(self, sid):
        """True once cancel(sid) was asked for the job being worked on; the
        send() seam polls this to hang up."""
        return self._cancel == sid

    def next_queued(self):
        """The first queued job that is due, or None."""
        job, _ = self._next()
        return job

    def _next(self):
        """(first due queued job or None, seconds until the next redial is
        due or None). Waiting records are read only while some job waits."""
        now = self.clock()
        wait_s = None
        for sid in self.jobs.sids():
            if self.jobs.status_of(sid) != QUEUED:
                continue
            job = self.jobs.get(sid)
            if job is None:
                continue
            due = job.get("next_attempt_at") or 0
            if due <= now:
                return job, None
            if wait_s is None or due - now < wait_s:
                wait_s = due - now
        return None, wait_s

    async def run(self):
        self.recover()
        while True:
            self._event.clear()
            job, wait_s = self._next()
            if job is None:
                if wait_s is None:
                    await self._event.wait()
                else:
                    try:
                        await asyncio.wait_for(self._event.wait(), wait_s)
                    except asyncio.TimeoutError:
                        pass
                continue
            try:
                await self.process(job)
            except Exception as e:
                # Only a failing store gets here (the record or the callback
                # could not be written): wait, then try the job again.
                print("jobs: %s: %r" % (job["sid"], e))
                await asyncio.sleep(_STORE_RETRY_S)

    async def run_pending(self):
        """Process every queued job, waiting for redials through
        self.sleep, then return (for tests and tools)."""
        while True:
            job, wait_s = self._next()
            if job is None:
                if wait_s is None:
                    return
                await self.sleep(wait_s)
                continue
            await self.process(job)

    # Earlier name of cancel_requested, still called by app.py.
    _aborted = cancel_requested

    def _stopped(self, sid):
        """True if the job was canceled or deleted before sending: the
        runner then writes nothing more for it."""
        return self._cancel == sid and self.jobs.status_of(sid) != SENDING

    async def process(self, job):
        sid = job["sid"]
        self.current = sid
        self._cancel = None
        try:
            await self._steps(job)
        except Exception as e:
            if not self._stopped(sid):
                self._fail(job, e)
        finally:
            self._tidy_spool(sid, job)
            self.current = None
            self._cancel = None

    def _fail(self, job, e):
        code = getattr(e, "code", None)
        text = getattr(e, "message", None)
        if not isinstance(code, int) or code <= 0:
            code = errors.JOB_INTERNAL
            text = errors.message(code) + ": " + repr(e)[:120]
        elif not text:
            text = errors.message(code)
        self.set_status(job, FAILED, error_code=code, error_message=str(text))

    def _tidy_spool(self, sid, job):
        """Flash is small (about 848 KB on a Pico W): once a job is over, its coded
        pages go (they serve only the call); the fetched media stays only when
        StoreMedia asked for it and the fetch completed."""
        status = self.jobs.status_of(sid)
        if status is None or not job.get("store_media", True) or (
                status in FINAL and not job.get("pages_ready")):
            self._drop_spool(sid)
            return
        if status not in FINAL:
            return  # waiting to redial: the pages are still needed
        spool = _SPOOL + "/" + sid
        if self.store.exists(spool):
            for name in self.store.listdir(spool):
                if name.endswith(".pg") or name.endswith(".tmp"):
                    self.store.remove(spool + "/" + name)

    async def _unless_stopped(self, sid, coro):
        """Awaits `coro`, but gives up as soon as the job is cancelled or deleted, so
        a MediaUrl that hangs does not hold the queue for the whole fetch timeout.
        Returns None when it gave up."""
        import asyncio
        task = asyncio.create_task(coro)
        while not task.done():
            if self._stopped(sid):
                task.cancel()
                return None
            await asyncio.sleep(_STOP_POLL_S)
        return await task

    def _drop_spool(self, sid):
        spool = _SPOOL + "/" + sid
        if self.store.exists(spool):
            self.store.remove_tree(spool)

    async def _steps(self, job):
        sid = job["sid"]
        ttl_end = job["date_created"] + job["ttl_min"] * 60
        redial = job.get("pages_ready", False)
        if self.clock() > ttl_end:
            if job.get("last_status"):  # a redial came too late: keep the last result
                self._end_redials(job)
            else:
                self.set_status(job, FAILED, error_code=errors.JOB_EXPIRED,
                                error_message=errors.message(errors.JOB_EXPIRED))
            return
        spool = _SPOOL + "/" + sid
        if not redial:
            self.set_status(job, PROCESSING)
            self.store.makedirs(spool)
            media = self.store.path(spool + "/media")
            got = await self._unless_stopped(sid, self.fetch(job["media_url"], media,
                                                             self.config))
            if got is None or self._stopped(sid):
                return
            ctype, _ = got
            job["media_type"] = ctype
            pages = self.prepare(job, media, self.store.path(spool))
            if _is_awaitable(pages):
                pages = await pages
            if self._stopped(sid):
                return
            job["num_pages"] = pages
        while self.inbound is not None:  # the line is taken by a reception
            await self.sleep(1)
            if self._stopped(sid):
                return
        job["dials"] = job.get("dials", 0) + 1
        self.set_status(job, SENDING, notify=not redial, pages_ready=True)
        outcome = await self.send(job, self.store.path(spool))
        self._finish(job, outcome)

    def _retry_delay_s(self, status):
        c = self.config
        return c.retry_busy_s if status == BUSY else c.retry_no_answer_s

    def _end_redials(self, job):
        status = job["last_status"]
        code = job.get("last_error_code") or _DEFAULT_CODE[status]
        self.set_status(job, status, error_code=code,
                        error_message=job.get("last_error_message") or errors.message(code))

    def _finish(self, job, outcome):
        status = getattr(outcome, "status", None)
        if status not in FINAL:
            raise ValueError("send() returned status %r" % (status,))
        code = getattr(outcome, "error_code", 0) or 0
        text = getattr(outcome, "error_message", "") or ""
        if status != DELIVERED and status != CANCELED and not code:
            code = _DEFAULT_CODE[status]
        if code and not text:
            text = errors.message(code)
        pages = getattr(outcome, "num_pages", None)
        duration = getattr(outcome, "duration_s", None)
        if status in (BUSY, NO_ANSWER):
            due = int(self.clock()) + self._retry_delay_s(status)
            ttl_end = job["date_created"] + job["ttl_min"] * 60
            if job.get("dials", 1) < self.config.max_dials and due <= ttl_end:
                self.set_status(job, QUEUED, notify=False, next_attempt_at=due,
                                last_status=status, last_error_code=code,
                                last_error_message=text)
                print("job %s %s (%s): redial %d of %d in %d s" % (
                    job["sid"], status, code, job.get("dials", 1) + 1,
                    self.config.max_dials, due - int(self.clock())))
                return
        self.set_status(
            job, status,
            num_pages=pages if pages is not None else job.get("num_pages"),
            duration=int(duration + 0.5) if duration is not None else None,
            remote_station_id=(getattr(outcome, "remote_station_id", "") or "").strip(),
            error_code=code, error_message=text)
