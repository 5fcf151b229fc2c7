# A small asyncio HTTP/1.1 client: fetches MediaUrl into a spool file and
# POSTs callbacks. microdot has no client and MicroPython's `requests` is
# blocking, so this runs over asyncio.open_connection, which both CPython
# and MicroPython provide.
#
# Every failure becomes errors.FaxError with its own code (RFC 9110 for the
# HTTP semantics, RFC 9112 §7.1 for chunked transfer coding):
#   bad host name 11210, connection refused/reset 11205, TLS 11220,
#   4xx/5xx or malformed reply 11200, too many redirects 11215,
#   content type not accepted 12300, too large 39001, timed out 39002,
#   not an http(s) URL 39003.
import asyncio
import binascii
import socket

from faxbox import errors
from faxbox.errors import FaxError

try:
    import ssl
except ImportError:  # a build without TLS: https URLs fail with 11220
    ssl = None

_CHUNK_OCTETS = 1024  # one read; each read allocates a fresh bytes object
_MAX_LINE_OCTETS = 2048  # status line, one header line, one chunk size line
_MAX_HEADERS = 64
_POST_REPLY_MAX_OCTETS = 4096  # a callback reply body is read and dropped
_REDIRECTS = (301, 302, 303, 307, 308)


def parse_url(url):
    """(scheme, host, port, target, auth) of an http/https URL; auth is
    "user:pass" from the userinfo part or None. Raises FaxError 39003."""
    i = url.find("://")
    if i < 0:
        raise FaxError(errors.MEDIA_BAD_URL, url[:80])
    scheme = url[:i].lower()
    if scheme not in ("http", "https"):
        raise FaxError(errors.MEDIA_BAD_URL, url[:80])
    rest = url[i + 3:]
    j = len(rest)
    for sep in "/?#":
        k = rest.find(sep)
        if 0 <= k < j:
            j = k
    netloc = rest[:j]
    target = rest[j:].split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target
    auth = None
    if "@" in netloc:
        auth, netloc = netloc.rsplit("@", 1)
        auth = _unquote(auth)
    port = 443 if scheme == "https" else 80
    if netloc.startswith("["):  # IPv6 literal, RFC 3986 §3.2.2
        k = netloc.find("]")
        host = netloc[1:k]
        if netloc[k + 1:k + 2] == ":":
            port = _port(netloc[k + 2:], url)
    elif ":" in netloc:
        host, p = netloc.rsplit(":", 1)
        port = _port(p, url)
    else:
        host = netloc
    if not host:
        raise FaxError(errors.MEDIA_BAD_URL, url[:80])
    return scheme, host, port, target, auth


def _port(text, url):
    try:
        port = int(text)
    except ValueError:
        raise FaxError(errors.MEDIA_BAD_URL, url[:80])
    if not 0 < port < 65536:
        raise FaxError(errors.MEDIA_BAD_URL, url[:80])
    return port


def _unquote(s):
    """Percent-decoding (RFC 3986 §2.1); a malformed escape or octets that
    are not UTF-8 raise FaxError 39003."""
    if "%" not in s:
        return s
    b = bytearray()
    raw = s.encode()
    i = 0
    try:
        while i < len(raw):
            if raw[i] == 0x25:
                if i + 2 >= len(raw):
                    raise ValueError("short escape")
                b.append(int(raw[i + 1:i + 3], 16))
                i += 3
            else:
                b.append(raw[i])
                i += 1
        return bytes(b).decode()
    except (ValueError, UnicodeError):
        raise FaxError(errors.MEDIA_BAD_URL, "bad percent-escape")


def resolve(base, location):
    """Absolute URL for a Location header value relative to `base`
    (RFC 3986 §5.2, for the forms servers send: absolute, //host, /path,
    relative path)."""
    if "://" in location:
        return location
    scheme, host, port, target, _ = parse_url(base)
    netloc = host if ":" not in host else "[" + host + "]"
    netloc = netloc + ":" + str(port)
    if location.startswith("//"):
        return scheme + ":" + location
    if location.startswith("/"):
        return scheme + "://" + netloc + location
    path = target.split("?", 1)[0]
    return scheme + "://" + netloc + path[:path.rfind("/") + 1] + location


def _is_dns_error(e):
    gai = getattr(socket, "gaierror", None)
    if gai is not None and isinstance(e, gai):
        return True
    # MicroPython: the unix port raises OSError("[addrinfo error -2]"),
    # lwIP ports OSError(-2) (a negative getaddrinfo status, not an errno).
    a = e.args[0] if e.args else None
    if isinstance(a, str):
        return "addrinfo" in a
    return isinstance(a, int) and -20 < a < 0


def _tls_context(config, host=""):
    """Client SSLContext for an https URL, or FaxError 11220."""
    if ssl is None:
        raise FaxError(errors.HTTP_TLS, "no TLS support in this build")
    ca = config.ca_file if config is not None else ""
    required = config.tls_verify_required if config is not None else False
    if not ca and required:
        raise FaxError(errors.HTTP_TLS,
                       "certificate checks required but no ca_file set")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca:
        if hasattr(ssl, "create_default_context"):  # CPython: PEM bundle
            ctx.load_verify_locations(cafile=ca)
        else:  # MicroPython mbedTLS: one DER certificate
            f = open(ca, "rb")
            try:
                ctx.load_verify_locations(cadata=f.read())
            finally:
                f.close()
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        # No CA file and verification not required: say so every time.
        print("fetch: https://%s: certificate NOT checked (no ca_file configured; "
              "set tls_verify_required to refuse such URLs)" % host)
        if hasattr(ctx, "check_hostname"):
            ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _classify(e, host, port, tls):
    """FaxError for an exception raised while connecting or exchanging the
    first bytes. MicroPython connects without waiting and does the TLS
    handshake on first use, so a refused port or a bad certificate shows up
    at the first write or read there, at connect time on CPython."""
    if isinstance(e, FaxError):
        return e
    if isinstance(e, OSError) and _is_dns_error(e):
        return FaxError(errors.HTTP_BAD_HOST, host)
    if tls and _is_tls_error(e):
        return FaxError(errors.HTTP_TLS, str(e)[:80])
    if isinstance(e, OSError):
        return FaxError(errors.HTTP_CONNECTION, "%s:%d" % (host, port))
    return None


async def _connect(scheme, host, port, config):
    ctx = _tls_context(config, host) if scheme == "https" else None
    try:
        if ctx is None:
            return await asyncio.open_connection(host, port)
        return await asyncio.open_connection(host, port, ssl=ctx)
    except Exception as e:
        fe = _classify(e, host, port, ctx is not None)
        if fe is None:
            raise
        raise fe


def _is_tls_error(e):
    if ssl is not None and hasattr(ssl, "SSLError") and isinstance(e, ssl.SSLError):
        return True
    if isinstance(e, ValueError):  # MicroPython: "CN does not match" etc.
        return True
    # MicroPython mbedTLS errors are OSError with a negative code below
    # -0x1000 (mbedtls/error.h high-level modules).
    a = e.args[0] if e.args else None
    return isinstance(a, int) and a < -0x1000


async def _close(writer):
    try:
        writer.close()
        await writer.wait_closed()
    except Exception:  # the peer may already have gone; nothing to release
        pass


async def _readline(reader):
    line = await reader.readline()
    if len(line) > _MAX_LINE_OCTETS or (line and not line.endswith(b"\n")):
        raise FaxError(errors.HTTP_RETRIEVAL, "malformed response")
    return line


async def _request(method, url, headers, body, config):
    """Send one request; returns (reader, writer, status, response headers
    with lower-case names)."""
    scheme, host, port, target, auth = parse_url(url)
    reader, writer = await _connect(scheme, host, port, config)
    try:
        default_port = 443 if scheme == "https" else 80
        hosthdr = host if ":" not in host else "[" + host + "]"
        if port != default_port:
            hosthdr = hosthdr + ":" + str(port)
        lines = [method + " " + target + " HTTP/1.1", "Host: " + hosthdr,
                 "User-Agent: picofax", "Connection: close"]
        if auth is not None:
            lines.append("Authorization: Basic " +
                         binascii.b2a_base64(auth.encode()).decode().strip())
        for k in headers:
            lines.append(k + ": " + headers[k])
        if body is not None:
            lines.append("Content-Length: " + str(len(body)))
        head = "\r\n".join(lines) + "\r\n\r\n"
        try:
            writer.write(head.encode())
            if body:
                writer.write(body)
            await writer.drain()
            status_line = await _readline(reader)
        except Exception as e:
            fe = _classify(e, host, port, scheme == "https")
            if fe is None:
                raise
            raise fe
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise FaxError(errors.HTTP_RETRIEVAL, "malformed response")
        try:
            status = int(parts[1])
        except ValueError:
            raise FaxError(errors.HTTP_RETRIEVAL, "malformed response")
        resp = {}
        while True:
            line = await _readline(reader)
            if line in (b"\r\n", b"\n", b""):
                break
            if len(resp) >= _MAX_HEADERS or b":" not in line:
                raise FaxError(errors.HTTP_RETRIEVAL, "malformed response")
            k, v = line.split(b":", 1)
            resp[k.decode().strip().lower()] = v.decode().strip()
        return reader, writer, status, resp
    except Exception:
        await _close(writer)
        raise


async def _read_body(reader, resp, out, max_octets):
    """Copy the response body to file `out` (or discard it if None),
    decoding chunked transfer coding; FaxError 39001 past max_octets."""
    total = 0
    te = resp.get("transfer-encoding", "").lower()
    if "chunked" in te:
        while True:
            line = await _readline(reader)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise FaxError(errors.HTTP_RETRIEVAL, "bad chunk size")
            if size == 0:
                while (await _readline(reader)) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields (RFC 9112 §7.1.2) are not used
                return total
            total += size
            if total > max_octets:
                raise FaxError(errors.MEDIA_TOO_LARGE, "over %d octets" % max_octets)
            await _copy(reader, out, size)
            await _readline(reader)  # CRLF after the chunk data
    if "content-length" in resp:
        try:
            length = int(resp["content-length"])
        except ValueError:
            raise FaxError(errors.HTTP_RETRIEVAL, "bad Content-Length")
        if length > max_octets:
            raise FaxError(errors.MEDIA_TOO_LARGE, "%d octets" % length)
        await _copy(reader, out, length)
        return length
    while True:  # no length: the body ends when the server closes
        data = await reader.read(_CHUNK_OCTETS)
        if not data:
            return total
        total += len(data)
        if total > max_octets:
            raise FaxError(errors.MEDIA_TOO_LARGE, "over %d octets" % max_octets)
        if out is not None:
            out.write(data)


async def _copy(reader, out, n):
    while n > 0:
        data = await reader.read(_CHUNK_OCTETS if n > _CHUNK_OCTETS else n)
        if not data:
            raise FaxError(errors.HTTP_RETRIEVAL, "body cut short")
        if out is not None:
            out.write(data)
        n -= len(data)


async def _fetch(url, path, config):
    redirects = 0
    while True:
        reader, writer, status, resp = await _request(
            "GET", url, {"Accept": "*/*"}, None, config)
        try:
            if status in _REDIRECTS:
                if "location" not in resp:
                    raise FaxError(errors.HTTP_RETRIEVAL,
                                   "HTTP %d without Location" % status)
                redirects += 1
                if redirects > config.max_redirects:
                    raise FaxError(errors.HTTP_REDIRECTS, str(redirects))
                url = resolve(url, resp["location"])
                continue
            if status < 200 or status > 299:
                raise FaxError(errors.HTTP_RETRIEVAL, "HTTP %d" % status)
            ctype = resp.get("content-type", "").split(";", 1)[0].strip().lower()
            if ctype not in config.media_types:
                raise FaxError(errors.CONTENT_TYPE, ctype or "none")
            out = open(path, "wb")
            try:
                size = await _read_body(reader, resp, out, config.max_media_bytes)
            finally:
                out.close()
            return ctype, size
        finally:
            await _close(writer)


async def fetch_to_file(url, path, config):
    """GET `url` into the file `path`, following up to config.max_redirects
    redirects, within config.media_timeout_s and config.max_media_bytes.
    Returns (content type, size in octets). Raises errors.FaxError."""
    try:
        return await asyncio.wait_for(_fetch(url, path, config),
                                      config.media_timeout_s)
    except asyncio.TimeoutError:
        raise FaxError(errors.MEDIA_TIMEOUT,
                       "after %d s" % config.media_timeout_s)


# Redirects a callback POST follows: Twilio's webhooks follow 301 and 307
# (twilio-fax-api §2.4); 308 is 307's permanent twin (RFC 9110 §15.4.9). The
# POST is repeated with its body at the new URL. 302/303 would turn it into a
# GET (RFC 9110 §15.4.3/4), useless for a callback: they count as failures.
_POST_REDIRECTS = (301, 307, 308)


def _form_params(body):
    params = {}
    for pair in body.decode().split("&"):
        if pair:
            k, _, v = pair.partition("=")
            params[_unquote(k)] = _unquote(v)
    return params


async def _post(url, body, headers, config):
    redirects = 0
    while True:
        reader, writer, status, resp = await _request("POST", url, headers, body,
                                                      config)
        try:
            await _read_body(reader, resp, None, _POST_REPLY_MAX_OCTETS)
        except FaxError:
            pass  # the status decides; an odd or long reply body does not matter
        finally:
            await _close(writer)
        if status not in _POST_REDIRECTS or "location" not in resp:
            return status
        redirects += 1
        if redirects > config.max_redirects:
            raise FaxError(errors.HTTP_REDIRECTS, str(redirects))
        url = resolve(url, resp["location"])
        if "X-Twilio-Signature" in headers:
            # signed for the URL it is delivered to, as Twilio signs the URL
            # it requests (§6.1)
            from faxbox.callbacks import signature
            headers = dict(headers)
            headers["X-Twilio-Signature"] = signature(config.auth_token, url,
                                                      _form_params(body))


def make_poster(config):
    """An async post(url, body, headers, timeout_s) -> HTTP status for the
    callback outbox. 301/307/308 are followed (up to config.max_redirects),
    re-signing X-Twilio-Signature for the new URL."""
    async def post(url, body, headers, timeout_s):
        try:
            return await asyncio.wait_for(_post(url, body, headers, config),
                                          timeout_s)
        except asyncio.TimeoutError:
            raise FaxError(errors.MEDIA_TIMEOUT, "callback after %d s" % timeout_s)
    return post
