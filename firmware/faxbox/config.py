# The box's settings, loaded from a JSON file over built-in defaults.
#
# Every memory or time limit is one attribute here, named with its unit, so a
# board can trade RAM for capability in one place.
import json

_DEFAULTS = {
    # Credentials for HTTP Basic auth on the API and the key that signs
    # callbacks (X-Twilio-Signature). The defaults are placeholders: a box
    # that keeps them is usable only on a trusted network.
    "account_sid": "AC00000000000000000000000000000000",
    "auth_token": "change-me",
    # The box's own station identifier sent to the far machine (TSI/CSI,
    # T.30 §5.3.6.2.9: up to 20 digits, '+' and space).
    "station_id": "",
    # The header line printed at the top of every page sent: date and time, the
    # station name and number, page n of m (US law, 47 U.S.C. 227(d), asks for the
    # date, time and sender on every faxed page). Needs the clock set (NTP).
    "page_header": True,
    "station_name": "",
    # Root of the box's records: jobs/, outbox/, spool/.
    "data_dir": "data",
    # Public base URL of the API, e.g. "http://fax1.local"; used in `url`,
    # `links` and paging URLs. Empty: taken from each request's Host header.
    "base_url": "",
    # Largest API request body and header block. Forms are small; 8 KB
    # leaves room for two 2,048-character URLs, percent-encoded.
    "max_request_bytes": 8192,
    "max_header_bytes": 4096,
    # Seconds a client may take to send its request line and headers.
    "request_timeout_s": 10,
    # Largest media file fetched from MediaUrl. The Pico W filesystem is
    # about 848 KB; the spool must also hold the coded pages.
    "max_media_bytes": 400000,
    # Whole media fetch, including redirects.
    "media_timeout_s": 60,
    "max_redirects": 5,
    # Content types accepted from MediaUrl (the parameters after ';' are
    # ignored). Twilio accepted PDF only; the box also takes images.
    "media_types": ["application/pdf", "image/tiff", "image/png",
                    "image/jpeg", "image/x-portable-bitmap",
                    "application/octet-stream"],
    # HTTPS: a DER CA certificate file (MicroPython's mbedTLS takes DER) or
    # a PEM bundle on CPython. Certificates are checked whenever a CA file is
    # configured. Without one, an https URL is fetched unchecked and every such
    # fetch logs a warning line; tls_verify_required refuses it instead
    # (error 11220). The box ships no CA bundle (flash is small), so the
    # default favours working with https MediaUrls out of the box.
    "ca_file": "",
    "tls_verify_required": False,
    # Callback delivery: Twilio's defaults (5 s connect, 15 s total).
    "callback_timeout_s": 15,
    # Retry delays double from the first to the cap; an entry is kept until
    # the receiver answers 2xx or callback_expiry_s has passed.
    "callback_retry_first_s": 5,
    "callback_retry_max_s": 600,
    # A callback not accepted (2xx) within this many seconds of being queued is
    # dropped, with a log line: 3 days covers a receiver down over a weekend
    # without letting a dead URL fill the flash. 0 keeps callbacks for ever.
    "callback_expiry_s": 259200,
    # Default Ttl in minutes when the request has none (SignalWire's
    # documented 60; Twilio documented no default). Allowed range 1..1440.
    "default_ttl_min": 60,
    # Redial policy for outbound faxes (HylaFAX's JobReqBusy 180 s and
    # JobReqNoAnswer 300 s, twilio-fax-api §7.1). A call that ends busy or
    # no-answer is placed again after the delay while fewer than max_dials
    # calls were placed and the redial falls within the fax's Ttl; else
    # the fax ends with that status. max_dials counts every call placed.
    "retry_busy_s": 180,
    "retry_no_answer_s": 300,
    "max_dials": 3,
    # Inbound faxes: the URL POSTed like Twilio's <Receive action> when a
    # received fax ends (received or failed); empty: no webhook. The
    # MediaUrl in it is built from base_url (left out when that is empty).
    "inbound_webhook_url": "",
    # Media type of a received fax when the client does not ask for one
    # (Twilio's <Receive mediaType> default): application/pdf or image/tiff.
    "inbound_media_type": "application/pdf",
    # Bytes the pages of received faxes may take in the spool. When a
    # finished reception leaves more, the pages of the oldest received
    # faxes are deleted first (their records stay; their media then
    # answers 404) until the total fits. The fax just received is kept
    # even if it alone is larger.
    "inbound_quota_bytes": 300000,
    # Paging: Twilio's default and maximum page size.
    "page_size_default": 50,
    "page_size_max": 1000,
    # The line (dialer.SETTING_DEFAULTS; None takes the country profile's value).
    # Country profile for tones and cadences: US, UK, DE, FR, AU or JP
    # (countries.py, with CA and GB as aliases).
    "country": "US",
    "dial_prefix": "",  # put before every number, e.g. "9W" behind a PBX
    "blind_dial": False,  # dial without waiting for dial tone
    "pulse_dial": False,  # start in pulse mode ("T" in a number switches to tone)
    "dtmf_on_ms": None,
    "dtmf_off_ms": None,
    "dial_tone_wait_ms": None,
    "no_answer_s": None,  # ringing this long without an answer: no-answer
    # Inbound: answer after this many rings; "any" answers every ring pattern,
    # or a string of the distinctive-ring pattern numbers to accept ("1").
    "rings_to_answer": 2,
    "distinctive_ring": "any",
    # Answer incoming calls at all (a box used only to send can leave the line
    # to a phone).
    "answer_calls": True,
    # Render service (`picofax render-service` on a computer) for PDFs the box
    # cannot draw itself (text, drawings, JBIG2/JPEG scans, rotated pages):
    # the box GETs <url>?url=<MediaUrl>&quality=<quality> and sends the fax
    # TIFF it returns. Empty: such PDFs fail with error 12300 and advice.
    "render_service_url": "",
}


class Config:
    """Settings as attributes; unknown keys in the file are rejected so a
    typo does not silently leave a default in place."""

    def __init__(self, **overrides):
        for key in _DEFAULTS:
            value = _DEFAULTS[key]
            if isinstance(value, list):
                value = list(value)
            setattr(self, key, value)
        self.update(overrides)

    def update(self, values):
        for key in values:
            if key not in _DEFAULTS:
                raise ValueError("unknown setting: " + key)
            setattr(self, key, values[key])


def load(path):
    """Config from the JSON file at `path`; defaults if it does not exist."""
    try:
        f = open(path)
    except OSError:
        return Config()
    try:
        values = json.load(f)
    finally:
        f.close()
    return Config(**values)
