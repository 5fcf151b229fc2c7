# The box's status page at "/": the line state (when the board gives a getter)
# and the most recent faxes with their status, as one small HTML document.
# Served behind the API's Basic auth like every other route.
from faxbox import jobs

RECENT = 20  # faxes shown, newest first

_ESC = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"))


def escape(text):
    """HTML-escape str(text) for element content and quoted attributes."""
    s = "" if text is None else str(text)
    for a, b in _ESC:
        s = s.replace(a, b)
    return s


def render(box, base):
    """The page as one str (at most RECENT rows, so a few KB)."""
    out = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
           "<title>picofax</title></head><body><h1>picofax</h1>"]
    if box.line_state is not None:
        try:
            state = box.line_state()
        except Exception as e:  # the page still shows the faxes
            state = "unknown (%s)" % e
        out.append("<p>Line: <span id=\"line\">%s</span></p>" % escape(state))
    out.append("<table><thead><tr><th>Date (UTC)</th><th>Direction</th><th>From</th>"
               "<th>To</th><th>Status</th><th>Pages</th><th>Error</th></tr></thead><tbody>")
    sids = box.jobs.sids()
    shown = 0
    for sid in reversed(sids):
        if shown == RECENT:
            break
        job = box.jobs.get(sid)
        if job is None:
            continue
        shown += 1
        err = ""
        if job.get("error_code"):
            err = "%d %s" % (job["error_code"], job.get("error_message") or "")
        out.append("<tr id=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                   "<td class=\"status\">%s</td><td>%s</td><td>%s</td></tr>" % (
                       escape(sid), jobs.iso8601(job["date_created"]),
                       escape(job.get("direction")), escape(job.get("from")),
                       escape(job.get("to")), escape(job["status"]),
                       escape("" if job.get("num_pages") is None else job["num_pages"]),
                       escape(err)))
    out.append("</tbody></table><p>%d fax(es) on the box. API: <code>%s/v1/Faxes</code>"
               "</p></body></html>" % (len(sids), escape(base)))
    return "".join(out)
