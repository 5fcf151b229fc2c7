# Error codes and user-facing messages for the HTTP API and the status callbacks.
#
# One table, so the API, the job runner and the callbacks cannot disagree.
# Twilio's own codes are used where Twilio had one (Twilio error dictionary:
# 34xxx Programmable Fax, 11xxx/12xxx HTTP retrieval, 20xxx REST API);
# box-specific codes sit in the 39xxx block, which Twilio never used for fax.

# Twilio REST API errors (HTTP responses of the box's own API).
BAD_REQUEST = 20001
AUTHENTICATE = 20003
METHOD_NOT_ALLOWED = 20004
NOT_FOUND = 20404

# Twilio Programmable Fax (final status of a job).
FAX_BUSY = 34002
FAX_NO_ANSWER = 34003
FAX_TRANSMISSION = 34004
FAX_INCOMPATIBLE = 34108

# Twilio HTTP retrieval errors (fetching MediaUrl).
HTTP_RETRIEVAL = 11200
HTTP_CONNECTION = 11205
HTTP_BAD_HOST = 11210
HTTP_REDIRECTS = 11215
HTTP_TLS = 11220
CONTENT_TYPE = 12300

# Box-specific.
MEDIA_TOO_LARGE = 39001
MEDIA_TIMEOUT = 39002
MEDIA_BAD_URL = 39003
JOB_INTERRUPTED = 39004
JOB_INTERNAL = 39005
JOB_EXPIRED = 39006
MEDIA_UNREADABLE = 39007
RX_INTERRUPTED = 39008
REQUEST_TOO_LARGE = 39101
STORAGE_FULL = 39102
# The line: what call progress found before T.30 began (progress.py).
LINE_REORDER = 39201
LINE_SIT = 39202
LINE_VOICE = 39203
LINE_NO_DIAL_TONE = 39204
LINE_EXTENSION = 39205
LINE_BAD_NUMBER = 39206
LINE_UNOBTAINABLE = 39207
LINE_VOICE_CALLER = 39208

_MESSAGES = {
    LINE_REORDER: "The network could not complete the call (reorder/congestion tone)",
    LINE_SIT: "The number is not in service or cannot be reached (special information tone)",
    LINE_VOICE: "A person or answering machine answered, not a fax machine: the box hung up",
    LINE_NO_DIAL_TONE: "No dial tone: check the phone line",
    LINE_EXTENSION: "An extension phone was picked up: the box hung up",
    LINE_BAD_NUMBER: "The number cannot be dialled (digits, * # A-D and , W P T only)",
    LINE_VOICE_CALLER: "A person called, not a fax machine: the box hung up",
    LINE_UNOBTAINABLE: ("A steady tone after dialling: number unobtainable, or the exchange "
                        "did not take the digits"),
    BAD_REQUEST: "Bad request",
    AUTHENTICATE: "Authenticate",
    METHOD_NOT_ALLOWED: "Method not allowed",
    NOT_FOUND: "The requested resource was not found",
    FAX_BUSY: "Fax: Callee Busy",
    FAX_NO_ANSWER: "Fax: Callee did not answer",
    FAX_TRANSMISSION: "Fax: Error during fax transmission",
    FAX_INCOMPATIBLE: "Fax: Other End Incompatible",
    HTTP_RETRIEVAL: "HTTP retrieval failure",
    HTTP_CONNECTION: "HTTP connection failure",
    HTTP_BAD_HOST: "HTTP bad host name",
    HTTP_REDIRECTS: "HTTP too many redirects",
    HTTP_TLS: "HTTP TLS handshake failure",
    CONTENT_TYPE: "Invalid Content-Type",
    MEDIA_TOO_LARGE: "Media is larger than the box accepts",
    MEDIA_TIMEOUT: "Media download timed out",
    MEDIA_BAD_URL: "MediaUrl is not an http or https URL",
    JOB_INTERRUPTED: "The box restarted while the fax was being transmitted",
    JOB_INTERNAL: "Internal error while processing the fax",
    JOB_EXPIRED: "The fax could not be sent within its Ttl",
    MEDIA_UNREADABLE: "The media could not be converted to fax pages",
    RX_INTERRUPTED: "The box restarted while the fax was being received",
    REQUEST_TOO_LARGE: "Request too large",
    STORAGE_FULL: "The box's storage is full",
}

MORE_INFO_URL = "https://www.twilio.com/docs/errors/"


def message(code):
    """The user-facing message for `code` ("Error <code>" if unknown)."""
    return _MESSAGES.get(code, "Error %d" % code)


class FaxError(Exception):
    """A failure with a code from this table; `detail` adds specifics
    (an HTTP status, a host name) to the table's message."""

    def __init__(self, code, detail=None):
        self.code = code
        if detail:
            self.message = message(code) + ": " + detail
        else:
            self.message = message(code)
        super().__init__(self.message)


def api_error(code, http_status, detail=None):
    """Twilio's REST error body (dict) for `code`."""
    text = message(code)
    if detail:
        text = text + ": " + detail
    return {"code": code, "message": text,
            "more_info": MORE_INFO_URL + str(code), "status": http_status}
