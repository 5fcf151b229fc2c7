# The box assembled: the HTTP API and job runner (api.Box) with the document
# pipeline (document.prepare) and the T.30 call (call.send_fax) on a given board.
#
# A board's main.py builds its board object and calls `run(board, config)`.
from faxbox import api
from faxbox import call


def _log(line):
    print(line)


def page_paths(spool_dir, count):
    """The page files document.prepare wrote into a job's spool, in page order."""
    from faxbox import spool
    return [spool.page_path(spool_dir, i + 1) for i in range(count)]


def make_prepare():
    from faxbox import document

    def prepare(job, media_path, spool_dir):
        return document.prepare(media_path, spool_dir, job.get("quality") or "fine")
    return prepare


def make_send(board, config, log=_log, cancel_requested=None):
    import faxmodem
    import faxt4
    from faxbox import spool

    def encoder(width, min_row_bits):
        return faxt4.Encoder(width, faxt4.MH, 0, min_row_bits)

    async def send(job, spool_dir):
        pages = call.SpoolPages(page_paths(spool_dir, job["num_pages"]), spool.PageReader)
        sid = job["sid"]
        log("fax %s: calling %s, %d page(s)" % (sid, job["to"], pages.count))
        return await call.send_fax(
            board, faxmodem, encoder, pages, job["to"], log,
            ident=getattr(config, "station_id", ""),
            fine=(job.get("quality") or "fine") != "standard",
            should_cancel=(lambda: cancel_requested(sid)) if cancel_requested else None)
    return send


def make_box(board, config, log=_log):
    box = None

    def cancel_requested(sid):
        return box.runner.cancel_requested(sid)
    box = api.Box(config, make_prepare(), make_send(board, config, log, cancel_requested))
    return box


async def run(board, config, host="0.0.0.0", port=80, log=_log):
    await make_box(board, config, log).serve(host, port)
