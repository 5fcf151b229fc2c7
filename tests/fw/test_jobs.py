# faxbox.jobs: dates, sids, records and the job runner with fake fetch,
# prepare and send. Runs under CPython and MicroPython.
import asyncio
import os

from faxbox import errors, jobs
from faxbox.callbacks import Outbox
from faxbox.config import Config
from faxbox.errors import FaxError
from faxbox.store import Store


def _fresh_root(tag):
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    return here + "/../../build/fwtest/" + tag + "-" + "".join(
        "%02x" % b for b in os.urandom(4))


def test_iso8601_known_dates():
    # Values from CPython's datetime.utcfromtimestamp, written down here.
    assert jobs.iso8601(0) == "1970-01-01T00:00:00Z"
    assert jobs.iso8601(951782400) == "2000-02-29T00:00:00Z"
    assert jobs.iso8601(1438286400) == "2015-07-30T20:00:00Z"  # Twilio's sample
    assert jobs.iso8601(4107542399) == "2100-02-28T23:59:59Z"  # not a leap year
    assert jobs.iso8601(1796317003.9) == "2026-12-03T16:56:43Z"


def test_parse_iso8601_round_trip_and_rejects():
    for t in (0, 951782400, 1438286400, 4107542399, 1796317003):
        assert jobs.parse_iso8601(jobs.iso8601(t)) == t
    assert jobs.parse_iso8601("2015-07-30") == 1438214400
    for bad in ("2015-13-01", "15-07-30", "2015-07-30T20:00", "yesterday", ""):
        try:
            jobs.parse_iso8601(bad)
            raised = False
        except ValueError:
            raised = True
        assert raised, bad


def test_new_sid_format():
    a = jobs.new_sid("FX")
    b = jobs.new_sid("FX")

    assert a != b and len(a) == 34 and a.startswith("FX")
    assert jobs.valid_sid(a, "FX")
    assert not jobs.valid_sid("FX" + "g" * 32, "FX")
    assert not jobs.valid_sid("ME" + "0" * 32, "FX")
    assert not jobs.valid_sid("FX../../etc", "FX")


class _Outcome:
    def __init__(self, status, **kw):
        self.status = status
        self.error_code = kw.get("error_code", 0)
        self.error_message = kw.get("error_message", "")
        self.num_pages = kw.get("num_pages", None)
        self.remote_station_id = kw.get("remote_station_id", "")
        self.duration_s = kw.get("duration_s", None)


class _MediaError(Exception):
    def __init__(self, code, message):
        self.code = code
        self.message = message


class _Rig:
    """Store, outbox (never posting), runner and scripted seams."""

    def __init__(self, tag, outcomes=None, clock=None):
        self.root = _fresh_root(tag)
        self.t = 1796317000
        self.cfg = Config(account_sid="AC1", auth_token="tok")
        self.store = Store(self.root)
        self.outbox = Outbox(self.store, self.cfg, self._post, self.clock)
        self.sent = []
        self.outcomes = outcomes or {}
        self.fetch_error = {}
        self.prepare_error = {}
        self.on_fetch = None
        self.fetched = []
        self.dial_times = []
        self.slept = []
        self.runner = self.new_runner()

    def new_runner(self):
        return jobs.JobRunner(self.cfg, self.store, self.outbox, self.prepare,
                              self.send, fetch=self.fetch, clock=self.clock,
                              sleep=self.sleep)

    async def sleep(self, seconds):
        # the runner's injected sleep: advances the fake clock, no real wait
        self.slept.append(seconds)
        self.t += seconds

    def clock(self):
        return self.t

    async def _post(self, url, body, headers, timeout_s):
        raise OSError(111)

    async def fetch(self, url, path, config):
        self.fetched.append(url)
        if self.on_fetch:
            self.on_fetch(url)
        if url in self.fetch_error:
            raise self.fetch_error[url]
        f = open(path, "wb")
        f.write(b"%PDF-1.4 " + url.encode())
        f.close()
        return "application/pdf", 9 + len(url)

    def prepare(self, job, media_path, spool_dir):
        if job["media_url"] in self.prepare_error:
            raise self.prepare_error[job["media_url"]]
        assert os.stat(media_path)[6] > 0
        return 2

    async def send(self, job, spool_dir):
        self.sent.append(job["to"])
        self.dial_times.append(self.t)
        o = self.outcomes.get(job["to"])
        if isinstance(o, list):  # one outcome per dial, the last one repeats
            o = o.pop(0) if len(o) > 1 else o[0]
        if isinstance(o, Exception):
            raise o
        return o or _Outcome("delivered", num_pages=2, remote_station_id=" FAR ",
                             duration_s=41.5)

    def create(self, to, media="http://m/a.pdf", **kw):
        f = {"account_sid": "AC1", "to": to, "media_url": media,
             "status_callback": "http://cb/", "ttl_min": 60}
        f.update(kw)
        job = self.runner.jobs.create(f)
        self.runner.notify(job)
        return job["sid"]

    def callbacks(self, sid):
        out = []
        for name in self.store.listdir("outbox"):
            rec = self.store.read("outbox/" + name)
            if rec["fax"] == sid:
                out.append(rec["params"]["FaxStatus"])
        return out

    def done(self):
        self.store.remove_tree("")


def test_job_runs_through_all_states():
    rig = _Rig("jobs-ok")
    sid = rig.create("+15550001")

    asyncio.run(rig.runner.run_pending())

    job = rig.runner.jobs.get(sid)
    assert rig.callbacks(sid) == ["queued", "processing", "sending", "delivered"]
    assert job["status"] == "delivered" and job["num_pages"] == 2
    assert job["duration"] == 42  # 41.5 s rounds half up
    assert job["remote_station_id"] == "FAR" and job["error_code"] == 0
    assert rig.store.exists("spool/" + sid + "/media")
    rig.done()


def test_jobs_run_in_creation_order_one_at_a_time():
    rig = _Rig("jobs-order")
    for to in ("+1003", "+1001", "+1002"):
        rig.create(to)

    asyncio.run(rig.runner.run_pending())

    assert rig.sent == ["+1003", "+1001", "+1002"]
    rig.done()


def test_failures_end_failed_with_code_and_runner_continues():
    rig = _Rig("jobs-fail", outcomes={"+2": RuntimeError("modem gone"),
                                      "+3": _Outcome("busy"),
                                      "+4": _Outcome("no-answer"),
                                      "+5": _Outcome("failed", error_code=34108),
                                      "+6": _Outcome("exploded")})
    rig.fetch_error["http://m/404"] = FaxError(errors.HTTP_RETRIEVAL, "HTTP 404")
    rig.prepare_error["http://m/bad"] = _MediaError(39007, "not a PDF")
    a = rig.create("+1", media="http://m/404")
    b = rig.create("+1", media="http://m/bad")
    c, d, e, f, g = [rig.create(t) for t in ("+2", "+3", "+4", "+5", "+6")]
    h = rig.create("+7")

    asyncio.run(rig.runner.run_pending())

    got = {}
    for sid in (a, b, c, d, e, f, g, h):
        j = rig.runner.jobs.get(sid)
        got[sid] = (j["status"], j["error_code"])
    assert got[a] == ("failed", 11200)
    assert rig.runner.jobs.get(a)["error_message"] == "HTTP retrieval failure: HTTP 404"
    assert got[b] == ("failed", 39007)
    assert rig.runner.jobs.get(b)["error_message"] == "not a PDF"
    assert got[c] == ("failed", 39005)
    assert "modem gone" in rig.runner.jobs.get(c)["error_message"]
    assert got[d] == ("busy", 34002)
    assert got[e] == ("no-answer", 34003)
    assert got[f] == ("failed", 34108)
    assert rig.runner.jobs.get(f)["error_message"] == "Fax: Other End Incompatible"
    assert got[g] == ("failed", 39005)
    assert got[h] == ("delivered", 0)
    assert rig.callbacks(a) == ["queued", "processing", "failed"]
    rig.done()


def test_cancel_queued_and_processing_jobs():
    rig = _Rig("jobs-cancel")
    a = rig.create("+1")
    b = rig.create("+2")

    def cancel_a_during_fetch(url):
        assert rig.runner.cancel(a)

    rig.on_fetch = cancel_a_during_fetch
    assert rig.runner.cancel(b)
    asyncio.run(rig.runner.run_pending())

    assert rig.sent == []
    assert rig.runner.jobs.get(a)["status"] == "canceled"
    assert rig.runner.jobs.get(b)["status"] == "canceled"
    assert rig.callbacks(a) == ["queued", "processing", "canceled"]
    assert rig.callbacks(b) == ["queued", "canceled"]
    assert not rig.runner.cancel(a)  # already final
    rig.done()


def test_cancel_while_sending_reaches_send_and_its_outcome_counts():
    rig = _Rig("jobs-cancel-send")
    a = rig.create("+1")
    polls = []

    async def send(job, spool_dir):
        assert rig.runner.cancel(job["sid"])  # the user cancels mid-call
        polls.append(rig.runner.cancel_requested(job["sid"]))
        return _Outcome("canceled", num_pages=1)

    rig.runner.send = send
    asyncio.run(rig.runner.run_pending())

    assert polls == [True]
    assert rig.runner.jobs.get(a)["status"] == "canceled"
    assert rig.runner.jobs.get(a)["num_pages"] == 1
    assert rig.callbacks(a) == ["queued", "processing", "sending", "canceled"]
    assert not rig.runner.cancel_requested(a)
    rig.done()


def test_restart_resumes_processing_and_fails_sending():
    rig = _Rig("jobs-restart")
    q = rig.create("+1")
    p = rig.create("+2")
    s = rig.create("+3")
    for sid, st in ((p, "processing"), (s, "sending")):
        job = rig.runner.jobs.get(sid)
        job["status"] = st
        job["notified"] = st  # as set_status leaves it after queueing the callback
        rig.runner.jobs.save(job)

    runner = jobs.JobRunner(rig.cfg, rig.store, rig.outbox, rig.prepare,
                            rig.send, fetch=rig.fetch, clock=rig.clock)
    runner.recover()
    asyncio.run(runner.run_pending())

    assert runner.jobs.get(q)["status"] == "delivered"
    assert runner.jobs.get(p)["status"] == "delivered"
    js = runner.jobs.get(s)
    assert (js["status"], js["error_code"]) == ("failed", 39004)
    assert rig.sent == ["+1", "+2"]
    assert rig.callbacks(s) == ["queued", "failed"]
    assert rig.callbacks(p) == ["queued", "processing", "sending", "delivered"]


def test_two_restarts_in_a_row_send_no_callback_backwards():
    rig = _Rig("jobs-restart2")
    p = rig.create("+2")
    job = rig.runner.jobs.get(p)
    job["status"] = "processing"
    job["notified"] = "processing"
    rig.runner.jobs.save(job)

    for _ in range(2):  # restarted, then cut again before the job ran
        runner = rig.new_runner()
        runner.recover()
    asyncio.run(runner.run_pending())

    assert rig.callbacks(p) == ["queued", "processing", "sending", "delivered"]
    rig.done()


def test_delete_during_processing_stops_the_job_and_drops_its_spool():
    rig = _Rig("jobs-del")
    a = rig.create("+1")
    b = rig.create("+2")

    def delete_a(url):
        if rig.runner.current == a:
            assert rig.runner.cancel(a)
            rig.runner.jobs.delete(a, keep_spool=True)  # as the API does

    rig.on_fetch = delete_a
    asyncio.run(rig.runner.run_pending())

    assert rig.runner.jobs.get(a) is None and rig.runner.jobs.sids() == [b]
    assert not rig.store.exists("spool/" + a)
    assert rig.sent == ["+2"]
    rig.done()


def test_ttl_expiry_and_store_media_false():
    rig = _Rig("jobs-ttl")
    old = rig.create("+1", ttl_min=5)
    rig.t += 5 * 60 + 1
    nostore = rig.create("+2", store_media=False)

    asyncio.run(rig.runner.run_pending())

    jo = rig.runner.jobs.get(old)
    assert (jo["status"], jo["error_code"]) == ("failed", 39006)
    assert rig.runner.jobs.get(nostore)["status"] == "delivered"
    assert not rig.store.exists("spool/" + nostore)
    assert rig.sent == ["+2"]
    rig.done()


def test_records_survive_reload_in_creation_order():
    rig = _Rig("jobs-reload")
    sids = [rig.create("+%d" % i) for i in range(4)]

    again = jobs.Jobs(rig.store)

    assert again.sids() == sids
    assert again.get(sids[2])["to"] == "+2"
    assert again.get("FX" + "0" * 32) is None
    assert again.create({"account_sid": "AC1", "to": "+9", "media_url": "u",
                         "ttl_min": 1})["seq"] == 5
    rig.done()


def test_busy_then_delivered_redials_after_180_s_with_one_fetch():
    rig = _Rig("jobs-redial", outcomes={"+1": [_Outcome("busy"), _Outcome("busy"),
                                               _Outcome("delivered", num_pages=2)]})
    t0 = rig.t
    a = rig.create("+1")

    asyncio.run(rig.runner.run_pending())

    j = rig.runner.jobs.get(a)
    assert (j["status"], j["error_code"], j["dials"]) == ("delivered", 0, 3)
    assert rig.dial_times == [t0, t0 + 180, t0 + 360]  # config default retry_busy_s
    assert rig.fetched == ["http://m/a.pdf"]  # pages kept between dials
    # no callback for the silent returns to queued nor the repeated sending
    assert rig.callbacks(a) == ["queued", "processing", "sending", "delivered"]
    rig.done()


def test_no_answer_ends_after_max_dials_with_last_status():
    rig = _Rig("jobs-noans", outcomes={"+1": _Outcome("no-answer")})
    t0 = rig.t
    a = rig.create("+1")

    asyncio.run(rig.runner.run_pending())

    j = rig.runner.jobs.get(a)
    assert (j["status"], j["error_code"]) == ("no-answer", 34003)
    assert rig.dial_times == [t0, t0 + 300, t0 + 600]
    assert rig.callbacks(a) == ["queued", "processing", "sending", "no-answer"]
    rig.done()


def test_redials_stop_at_ttl_and_configured_policy_is_used():
    rig = _Rig("jobs-ttl-redial", outcomes={"+1": _Outcome("busy"),
                                            "+2": _Outcome("busy")})
    t0 = rig.t
    a = rig.create("+1", ttl_min=5)  # 300 s: dials at 0 and 180; 360 is too late
    asyncio.run(rig.runner.run_pending())
    assert rig.dial_times == [t0, t0 + 180]
    assert rig.runner.jobs.get(a)["status"] == "busy"

    rig.cfg.update({"retry_busy_s": 20, "max_dials": 5})
    rig.dial_times = []
    t1 = rig.t
    b = rig.create("+2")
    asyncio.run(rig.runner.run_pending())
    assert rig.dial_times == [t1, t1 + 20, t1 + 40, t1 + 60, t1 + 80]
    assert rig.runner.jobs.get(b)["status"] == "busy"
    rig.done()


def test_other_jobs_go_ahead_while_one_waits_to_redial():
    rig = _Rig("jobs-interleave", outcomes={"+1": [_Outcome("busy"), _Outcome("delivered")]})
    a = rig.create("+1")
    b = rig.create("+2")
    c = rig.create("+3")

    asyncio.run(rig.runner.run_pending())

    assert rig.sent == ["+1", "+2", "+3", "+1"]
    for sid in (a, b, c):
        assert rig.runner.jobs.get(sid)["status"] == "delivered"
    rig.done()


def test_cancel_or_restart_while_waiting_to_redial():
    rig = _Rig("jobs-wait", outcomes={"+1": [_Outcome("busy"), _Outcome("delivered")],
                                      "+2": [_Outcome("no-answer"), _Outcome("delivered")]})
    t0 = rig.t
    a = rig.create("+1")
    b = rig.create("+2")
    # one pass: both dialled once, both wait
    for sid in (a, b):
        asyncio.run(rig.runner.process(rig.runner.jobs.get(sid)))
    assert rig.runner.jobs.get(a)["status"] == "queued"
    assert rig.runner.jobs.get(a)["next_attempt_at"] == t0 + 180
    assert rig.runner.next_queued() is None  # nothing due yet

    assert rig.runner.cancel(a)
    runner = rig.new_runner()  # the box restarts while b waits
    runner.recover()
    asyncio.run(runner.run_pending())

    assert rig.runner.jobs.get(a)["status"] == "canceled"
    jb = runner.jobs.get(b)
    assert (jb["status"], jb["dials"]) == ("delivered", 2)
    assert rig.sent == ["+1", "+2", "+2"]
    assert rig.dial_times[-1] == t0 + 300
    assert rig.fetched == ["http://m/a.pdf", "http://m/a.pdf"]  # no refetch on redial
    assert rig.callbacks(a) == ["queued", "processing", "sending", "canceled"]
    rig.done()


def test_inbound_records_and_restart_during_reception():
    rig = _Rig("jobs-inbound")
    j = rig.runner.jobs.create_inbound("+15550100", "+15550199", "AC1", "http://hook/")
    assert (j["status"], j["direction"]) == ("receiving", "inbound")
    assert rig.runner.next_queued() is None  # the runner never dials it

    runner = rig.new_runner()
    runner.recover()

    again = runner.jobs.get(j["sid"])
    assert (again["status"], again["error_code"]) == ("failed", 39008)
    recs = [rig.store.read("outbox/" + n) for n in rig.store.listdir("outbox")]
    assert [r["params"]["FaxStatus"] for r in recs] == ["failed"]  # no receiving callback
    assert recs[0]["url"] == "http://hook/" and recs[0]["params"]["ErrorCode"] == "39008"
    assert "OriginalMediaUrl" not in recs[0]["params"]
    rig.done()


def test_cut_between_record_and_callback_is_repaired_on_restart():
    rig = _Rig("jobs-cut")
    a = rig.create("+1")
    b = rig.create("+2")
    asyncio.run(rig.runner.run_pending())
    # a power cut after writing a's final record, before its callback was queued
    ja = rig.runner.jobs.get(a)
    for name in rig.store.listdir("outbox"):
        rec = rig.store.read("outbox/" + name)
        if rec["fax"] == a and rec["params"]["FaxStatus"] == "delivered":
            rig.store.remove("outbox/" + name)
    ja["notified"] = "sending"
    rig.runner.jobs.save(ja)

    runner = rig.new_runner()
    runner.recover()

    assert rig.callbacks(a) == ["queued", "processing", "sending", "delivered"]
    assert rig.callbacks(b) == ["queued", "processing", "sending", "delivered"]
    assert runner.jobs.get(a)["notified"] == "delivered"
    rig.done()


def test_no_dialling_while_a_fax_is_being_received():
    rig = _Rig("jobs-hold")
    a = rig.create("+1")
    rig.runner.inbound = "FX" + "1" * 32  # answer.py took the line
    seen = []

    async def sleep(seconds):
        seen.append((seconds, list(rig.sent)))
        if len(seen) == 3:
            rig.runner.inbound = None  # the reception ended
        rig.t += seconds

    rig.runner.sleep = sleep
    asyncio.run(rig.runner.run_pending())

    assert [s for s, _ in seen] == [1, 1, 1]
    assert all(sent == [] for _, sent in seen)  # nothing dialled meanwhile
    assert rig.sent == ["+1"] and rig.runner.jobs.get(a)["status"] == "delivered"
    rig.done()
