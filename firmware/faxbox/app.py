# The box assembled: the HTTP API and job runner (api.Box) with the document
# pipeline (document.prepare) and the T.30 call (call.send_fax) on a given board.
#
# A board's main.py builds its board object and calls `run(board, config)`.
#
# One phone line, two users: the job runner's outgoing calls and the answering
# loop. An asyncio.Lock gives the line to one at a time; the answering loop holds
# it only for short slices while it listens for ringing, so a queued fax waits at
# most one slice for the line.
import asyncio

from micropython import const
from faxbox import api
from faxbox import call

# Line time the answering loop listens for ringing before it lets go of the line.
_RING_SLICE_MS = const(500)


def _log(line):
    print(line)


def page_paths(spool_dir, count):
    """The page files document.prepare wrote into a job's spool, in page order."""
    from faxbox import spool
    return [spool.page_path(spool_dir, i + 1) for i in range(count)]


def make_prepare(config):
    """Documents to spool pages; a PDF the box cannot read itself goes to the
    configured render service (pdf.prepare_rendered)."""
    from faxbox import pdf

    async def prepare(job, media_path, spool_dir):
        return await pdf.prepare_rendered(job["media_url"], media_path, spool_dir,
                                          job.get("quality") or "fine", config)
    return prepare


def make_send(board, config, log=_log, cancel_requested=None, line_lock=None):
    import faxmodem
    import faxt4
    from faxbox import spool

    def encoder(width, min_row_bits):
        return faxt4.Encoder(width, faxt4.MH, 0, min_row_bits)

    async def send(job, spool_dir):
        pages = call.SpoolPages(page_paths(spool_dir, job["num_pages"]), spool.PageReader)
        if config.page_header:
            import time
            from faxbox import header
            pages = header.HeaderPages(pages, config.station_id, time.localtime(),
                                       config.station_name)
        sid = job["sid"]
        log("fax %s: calling %s, %d page(s)" % (sid, job["to"], pages.count))
        if line_lock is not None:
            await line_lock.acquire()
        try:
            return await call.send_fax(
                board, faxmodem, encoder, pages, job["to"], log,
                ident=getattr(config, "station_id", ""),
                fine=(job.get("quality") or "fine") != "standard",
                should_cancel=(lambda: cancel_requested(sid)) if cancel_requested else None,
                line_cfg=_line_cfg(board, config), t4=faxt4)
        finally:
            if line_lock is not None:
                line_lock.release()
    return send


def _line_cfg(board, config):
    """The line settings: the board's (the sim wires its exchange's country there)
    over the box's configuration."""
    over = getattr(board, "line_settings", None)
    if not over:
        return config
    merged = {}
    from faxbox import dialer
    for key in dialer.SETTING_DEFAULTS:
        merged[key] = over[key] if key in over else getattr(config, key, None)
    return merged


class _InboundSink:
    """The receiver's page sink for one incoming call: the inbound job (status
    `receiving`) is created when the first page starts, and its pages go to that
    job's spool through rxpages.SpoolSink."""

    def __init__(self, box, board, t4, log):
        self.box = box
        self.board = board
        self.t4 = t4
        self.log = log
        self.job = None
        self._sink = None

    def _open(self):
        from faxbox import rxpages
        line = self.board.line
        caller = line.caller_id() if hasattr(line, "caller_id") else ""
        self.job = self.box.inbound_started(caller or "", self.box.config.station_id or "")
        self._sink = rxpages.SpoolSink(self.job["spool_dir"], self.t4, self.log)

    def start_page(self, width, fine, coding):
        if self._sink is None:
            self._open()
        self._sink.start_page(width, fine, coding)

    def data(self, octets):
        self._sink.data(octets)

    def end_page(self):
        return self._sink.end_page()

    def finish(self, outcome):
        if self.job is None:
            # Answered, but the call ended before a page: still a fax that failed.
            self._open()
        self.box.inbound_finished(self.job, outcome)
        self.log("fax %s: %s, %d page(s)" % (self.job["sid"], outcome.status,
                                             outcome.num_pages or 0))


async def answer_loop(box, board, config, line_lock, log=_log):
    """Answers incoming fax calls for as long as the box runs."""
    import faxmodem
    import faxt4
    from faxbox import answer
    from faxbox import dialer
    from faxbox import ring
    counter = None
    while True:
        if not config.answer_calls:
            await asyncio.sleep(1)
            continue
        cfg = _line_cfg(board, config)
        if counter is None:
            # Rings are counted across slices: one counter until a call is answered.
            st = dialer.settings(cfg)
            counter = ring.RingCounter(st, st["rings_to_answer"], st["distinctive_ring"])
        sink = _InboundSink(box, board, faxt4, log)
        async with line_lock:
            outcome = await answer.receive_fax(
                board, faxmodem, sink, log, ident=config.station_id, line_cfg=cfg,
                max_wait_ms=_RING_SLICE_MS, counter=counter)
        if outcome is not None:
            sink.finish(outcome)
            counter = None
        # Let a queued outgoing fax take the line between slices.
        await asyncio.sleep(0)


def make_box(board, config, log=_log, line_lock=None):
    box = None

    def cancel_requested(sid):
        return box.runner.cancel_requested(sid)

    def line_state():
        line = board.line
        return "off hook (in a call)" if getattr(line, "off", False) else "on hook, idle"
    box = api.Box(config, make_prepare(config),
                  make_send(board, config, log, cancel_requested, line_lock),
                  line_state=line_state)
    return box


async def run(board, config, host="0.0.0.0", port=80, log=_log):
    """The whole box: API, job runner, callbacks, and the answering loop."""
    line_lock = asyncio.Lock()
    box = make_box(board, config, log, line_lock)
    answering = asyncio.create_task(answer_loop(box, board, config, line_lock, log))
    try:
        await box.serve(host, port)
    finally:
        answering.cancel()
