# PDF reader for scanned (image-only) documents: ISO 32000-1:2008 (PDF 1.7).
#
# What the box reads: PDFs whose every page paints exactly one image and nothing else,
# as scanners, tiff2pdf and img2pdf write them. The page's content stream may only hold
# q/Q, cm, gs, marked-content and colour operators around one `Do` of an image XObject
# (§8.4, §8.8), and invisible text (the OCR layer of a searchable scan); visible
# text or path operators mean the page needs a real renderer, and the user is told
# to use `picofax render` or a render service (NeedsRender).
#
# Images (§8.9.5, §7.4): CCITTFaxDecode (§7.4.6: K < 0 G4, K = 0 G3 1-D, K > 0 G3 2-D,
# through the C codec `faxt4`), FlateDecode (§7.4.4, with PNG predictors §7.4.4.4) and
# no filter, at 1 or 8 bits of grey; /Decode [1 0] and /ImageMask (§8.9.6.2). A grey
# sample below mid grey is black, as for TIFF and PNG.
#
# File structure (§7.5): the cross-reference table or stream (§7.5.8) at startxref,
# following /Prev (with a loop guard); objects in object streams (§7.5.7). The file is
# never read whole: objects are parsed from a window read at their offset, image data
# streams through one 512-octet buffer, and only small streams (content, xref, object
# streams) are decoded into memory, each under a size cap.
#
# Not supported, each with its own message: encryption (§7.6), JBIG2, DCT (JPEG) and
# JPX images, colour images, /Rotate other than 0 and images placed rotated or
# mirrored (rotating needs the whole page in RAM), CCITT EncodedByteAlign. Each is a
# NeedsRender: a renderer handles them all.
# Known gap: an image placed smaller than its page is scaled by its own placement
# (its size in points gives its resolution) and centred across like any narrow page;
# its offset on the page is not reproduced.
from faxbox.document import ERR_MALFORMED, ERR_TOO_LARGE, ERR_UNSUPPORTED, MediaError

try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

try:
    import io

    _IOBase = io.IOBase
except ImportError:
    _IOBase = object

from faxbox.inflate import Inflater

# Limits (trade-offs):
# - objects in the cross-reference: each costs a dict slot (~16 octets); a 50-page
#   scan has a few hundred objects, a text PDF of thousands is refused anyway.
MAX_OBJECTS = const(4000)
# - one object's text (a dictionary) is parsed from a window of at most this size.
MAX_OBJECT_OCTETS = const(32768)
# - a decoded xref stream, object stream or page content stream is held whole: 48 KB
#   is the most the heap can lend once; scanner PDFs use well under 4 KB.
MAX_SMALL_STREAM_OCTETS = const(49152)
# - cross-reference sections chained by /Prev (incremental updates).
MAX_XREF_SECTIONS = const(64)
# - nesting of the page tree and of indirect references while resolving one value.
MAX_DEPTH = const(32)
# - a page's content stream: one image draw is < 100 octets; the invisible OCR text
#   layer of a searchable scan (allowed) takes 5-30 KB for a page of text.
_CONTENT_OCTETS = const(32768)
_CHUNK_OCTETS = const(512)
_TAIL_OCTETS = const(1024)  # startxref is within the last 1024 octets (§7.5.5)
_GREY_THRESHOLD = const(128)
_MAX_BAD_ROWS_PERMILLE = const(20)  # as for TIFF
_POINTS_PER_INCH = const(72)

RENDER_MESSAGE = ("This PDF has text or drawings; the box only reads scanned "
                  "(image-only) PDFs. Render it with `picofax render` on a computer, "
                  "or set render_service_url in the box's config.")

_WS = b" \t\r\n\x0c\x00"
_DELIM = b"()<>[]{}/%"
# Content stream operators that neither paint nor change geometry (§8.4.4 Table 57,
# §8.6.8 Table 74 colour, §14.6 marked content, §7.8.2 compatibility).
_HARMLESS_OPS = ("w", "J", "j", "M", "d", "ri", "i", "gs", "CS", "cs", "SC", "SCN",
                 "sc", "scn", "G", "g", "RG", "rg", "K", "k", "MP", "DP", "BMC",
                 "BDC", "EMC", "BX", "EX")
# Text objects (§9.4): state and positioning operators paint nothing; the showing
# operators paint unless the text rendering mode is 3 (invisible, §9.3.6 Table 106).
_TEXT_STATE_OPS = ("BT", "ET", "Tc", "Tw", "Tz", "TL", "Tf", "Ts", "Td", "TD", "Tm",
                   "T*")
_TEXT_SHOW_OPS = ("Tj", "TJ", "'", '"')
_TR_INVISIBLE = const(3)
_UNDECODABLE = {"JBIG2Decode": "JBIG2", "DCTDecode": "JPEG (DCT)",
                "JPXDecode": "JPEG 2000"}


class NeedsRender(MediaError):
    """A PDF the box cannot draw itself (text, vector drawings, JBIG2/JPEG images)
    but a renderer can: document.prepare may hand it to a render service."""

    def __init__(self, message=RENDER_MESSAGE):
        super().__init__(ERR_UNSUPPORTED, message)


def _malformed(what):
    return MediaError(ERR_MALFORMED, "malformed PDF: " + what)


class _More(Exception):
    """The parse ran off the end of the window: read a larger one."""


class Ref:
    """An indirect reference `num gen R` (§7.3.10)."""

    def __init__(self, num, gen):
        self.num = num
        self.gen = gen

    def __eq__(self, other):
        return isinstance(other, Ref) and other.num == self.num

    def __hash__(self):
        return self.num


class Real:
    """A real number (§7.3.3) in thousandths, so geometry stays integer."""

    def __init__(self, milli):
        self.milli = milli


class Keyword:
    """A bare keyword: an operator in a content stream, or obj/stream/R in a file."""

    def __init__(self, word):
        self.word = word


class Stream:
    """A stream object: its dictionary and where its data starts in the file."""

    def __init__(self, d, offset):
        self.dict = d
        self.offset = offset


def milli(v):
    """A PDF number in thousandths."""
    if isinstance(v, Real):
        return v.milli
    if isinstance(v, int) and not isinstance(v, bool):
        return v * 1000
    raise _malformed("number expected")


# ---- Lexer and parser (§7.2, §7.3) over a bytes window.

def _skip(b, i):
    n = len(b)
    while i < n:
        c = b[i]
        if c in _WS:
            i += 1
        elif c == 0x25:  # % comment to end of line
            while i < n and b[i] not in b"\r\n":
                i += 1
        else:
            return i
    raise _More()


def _word_end(b, i):
    n = len(b)
    while i < n and b[i] not in _WS and b[i] not in _DELIM:
        i += 1
    if i >= n:
        raise _More()
    return i


def _number(w):
    # w: bytes of a token that may be a number; returns int, Real or None.
    sign = 1
    k = 0
    if w[:1] in (b"+", b"-"):
        sign = -1 if w[:1] == b"-" else 1
        k = 1
    ip = 0
    frac = 0
    scale = 0
    digits = 0
    dot = False
    for c in w[k:]:
        if 0x30 <= c <= 0x39:
            digits += 1
            if dot:
                if scale < 4:
                    frac = frac * 10 + c - 0x30
                    scale += 1
            else:
                ip = ip * 10 + c - 0x30
        elif c == 0x2E and not dot:
            dot = True
        else:
            return None
    if not digits:
        return None
    if not dot:
        return sign * ip
    while scale < 4:
        frac *= 10
        scale += 1
    return Real(sign * (ip * 1000 + (frac + 5) // 10))


def _name(b, i):
    # b[i] is after '/'; #xx escapes (§7.3.5)
    j = _word_end(b, i)
    raw = b[i:j]
    if b"#" in raw:
        out = bytearray()
        k = 0
        while k < len(raw):
            if raw[k] == 0x23 and k + 2 < len(raw) + 0:
                try:
                    out.append(int(bytes(raw[k + 1:k + 3]).decode(), 16))
                except ValueError:
                    raise _malformed("bad name escape")
                k += 3
            else:
                out.append(raw[k])
                k += 1
        raw = bytes(out)
    try:
        return bytes(raw).decode(), j
    except UnicodeError:
        return repr(raw), j


def _literal(b, i):
    # b[i] is after '('; nested parentheses and backslash escapes (§7.3.4.2). The
    # text is kept roughly (escapes dropped): the box never shows PDF strings.
    depth = 1
    n = len(b)
    start = i
    while i < n:
        c = b[i]
        if c == 0x5C:
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(b[start:i]), i + 1
        i += 1
    raise _More()


def parse(b, i, depth=0):
    """(object, next index) of the object at b[i:]. Raises _More when the window
    ends inside it."""
    if depth > MAX_DEPTH:
        raise _malformed("objects nested too deep")
    i = _skip(b, i)
    c = b[i]
    if c == 0x2F:  # /
        return _name(b, i + 1)
    if c == 0x3C:  # < or <<
        if i + 1 >= len(b):
            raise _More()
        if b[i + 1] == 0x3C:
            d = {}
            i += 2
            while True:
                i = _skip(b, i)
                if b[i] == 0x3E:
                    if i + 1 >= len(b):
                        raise _More()
                    return d, i + 2
                k, i = parse(b, i, depth + 1)
                if not isinstance(k, str):
                    raise _malformed("dictionary key is not a name")
                v, i = parse(b, i, depth + 1)
                d[k] = v
        j = b.find(b">", i)
        if j < 0:
            raise _More()
        return bytes(b[i + 1:j]), j + 1  # hex string, kept undecoded
    if c == 0x5B:  # [
        arr = []
        i += 1
        while True:
            i = _skip(b, i)
            if b[i] == 0x5D:
                return arr, i + 1
            v, i = parse(b, i, depth + 1)
            arr.append(v)
    if c == 0x28:
        return _literal(b, i + 1)
    if c in b")>]}{":
        raise _malformed("unexpected delimiter")
    j = _word_end(b, i)
    w = b[i:j]
    num = _number(w)
    if num is None:
        if w == b"true":
            return True, j
        if w == b"false":
            return False, j
        if w == b"null":
            return None, j
        try:
            return Keyword(bytes(w).decode()), j
        except UnicodeError:
            return Keyword("?"), j
    if isinstance(num, int) and num >= 0:
        # `num gen R`: look ahead for a generation number and R (§7.3.10)
        try:
            k = _skip(b, j)
            e = _word_end(b, k)
            gen = _number(b[k:e])
            if isinstance(gen, int) and gen >= 0:
                k = _skip(b, e)
                if b[k] == 0x52 and (k + 1 < len(b)) and \
                        (b[k + 1] in _WS or b[k + 1] in _DELIM):
                    return Ref(num, gen), k + 1
        except _More:
            # The window ends here: inside a container the caller runs into the
            # end again and reads a larger window; at the top level it is a number.
            pass
    return num, j


# ---- Streams of octets from the file.

class _Region(_IOBase):
    """readinto() over count octets of the file from offset."""

    def __init__(self, f, offset, count):
        self.f = f
        self._pos = offset
        self._left = count

    def readinto(self, buf):
        n = min(len(buf), self._left)
        if n <= 0:
            return 0
        self.f.seek(self._pos)
        if n < len(buf):
            got = self.f.readinto(memoryview(buf)[:n])
        else:
            got = self.f.readinto(buf)
        if not got:
            raise _malformed("file truncated in a stream")
        self._pos += got
        self._left -= got
        return got


class _Inflate:
    def __init__(self, src):
        self._z = Inflater(src)

    def readinto(self, buf):
        try:
            return self._z.readinto(buf)
        except ValueError:
            raise _malformed("bad compressed data")


def _read_full(src, buf, n):
    """Fills buf[:n] from src; False if the data ends first."""
    mv = memoryview(buf)
    got = 0
    while got < n:
        k = src.readinto(mv[got:n])
        if not k:
            return False
        got += k
    return True


def _one(v):
    # /Filter and /DecodeParms are a name/dict or an array of them (§7.3.8.2).
    if isinstance(v, list):
        if len(v) == 0:
            return None
        if len(v) > 1:
            raise NeedsRender("PDF streams with chained filters are "
                              "not supported: render it with `picofax render`")
        return v[0]
    return v


# ---- The document.

class PdfFile:
    """A PDF on an open binary file `f` (seekable); pages() yields one page per
    PDF page, each a single image (attributes width, height, xres, yres, rows())."""

    def __init__(self, f, limits):
        self.f = f
        self.limits = limits
        self.chunk = bytearray(_CHUNK_OCTETS)
        self._xref = {}  # object number -> offset (>= 0) or ~(stream << 16 | index)
        self._objstm_num = -1  # the one decoded object stream kept
        self._objstm = None
        self._in_objstm = False
        self._trailer = None
        self._read_xref()
        if "Encrypt" in self._trailer:
            raise NeedsRender("encrypted PDF is not supported: remove "
                              "the password, or render it with `picofax render`")
        root = self.get(self._trailer.get("Root"))
        if not isinstance(root, dict):
            raise _malformed("no document catalog")
        self._root = root

    # -- raw access

    def _read_at(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def _file_size(self):
        self.f.seek(0, 2)
        return self.f.tell()

    def _object_at(self, off, num=None):
        """Parses `num gen obj <object>` at offset off; a stream becomes Stream."""
        size = 2048
        while True:
            b = self._read_at(off, size)
            try:
                n, i = parse(b, 0)
                g, i = parse(b, i)
                k, i = parse(b, i)
                if not (isinstance(n, int) and isinstance(g, int) and
                        isinstance(k, Keyword) and k.word == "obj"):
                    raise _malformed("object header expected at %d" % off)
                if num is not None and n != num:
                    raise _malformed("cross-reference points to the wrong object")
                obj, i = parse(b, i)
                if isinstance(obj, dict):
                    i = _skip(b, i)
                    if b[i:i + 6] == b"stream":
                        i += 6
                        if b[i:i + 2] == b"\r\n":
                            i += 2
                        elif b[i:i + 1] in (b"\n", b"\r"):
                            i += 1
                        else:
                            raise _malformed("bad stream keyword")
                        return Stream(obj, off + i)
                    if i + 6 > len(b):
                        raise _More()
                return obj
            except _More:
                if len(b) < size:
                    raise _malformed("file truncated in an object")
                if size >= MAX_OBJECT_OCTETS:
                    raise MediaError(ERR_TOO_LARGE, "PDF object larger than %d octets"
                                     % MAX_OBJECT_OCTETS)
                size *= 4
            except IndexError:
                raise _malformed("file truncated in an object")

    def get(self, v, depth=0):
        """v with indirect references resolved (§7.3.10); a missing object is null."""
        while isinstance(v, Ref):
            depth += 1
            if depth > MAX_DEPTH:
                raise _malformed("reference chain loops")
            v = self._load(v.num)
        return v

    def _load(self, num):
        e = self._xref.get(num)
        if e is None:
            return None
        if e >= 0:
            return self._object_at(e, num)
        e = ~e
        stm = e >> 16
        # An object stream found through an object stream (or itself) would
        # recurse without end: object streams are plain objects (§7.5.7).
        if self._in_objstm:
            raise _malformed("object stream inside an object stream")
        self._in_objstm = True
        try:
            return self._from_objstm(stm, e & 0xFFFF, num)
        finally:
            self._in_objstm = False

    def _from_objstm(self, stm, index, num):
        # Object streams (§7.5.7): N pairs "num offset", then objects from /First.
        if self._objstm_num != stm:
            s = self._load(stm)
            if not isinstance(s, Stream):
                raise _malformed("object stream missing")
            # A trailing space ends the last token, so parse() needs no copy.
            self._objstm = None
            self._objstm_num = -1
            data = self.decode_small(s, MAX_SMALL_STREAM_OCTETS)
            data.append(0x20)
            self._objstm = (s.dict, data)
            self._objstm_num = stm
        d, data = self._objstm
        first = d.get("First")
        count = d.get("N")
        if not isinstance(first, int) or not isinstance(count, int) or \
                not 0 <= index < count or first > len(data):
            raise _malformed("bad object stream")
        try:
            i = 0
            for _ in range(index + 1):
                n, i = parse(data, i)
                off, i = parse(data, i)
            if n != num or not isinstance(off, int) or first + off >= len(data):
                raise _malformed("bad object stream index")
            obj, _ = parse(data, first + off)
        except (_More, IndexError):
            raise _malformed("object stream truncated")
        if isinstance(obj, Stream):
            raise _malformed("stream inside an object stream")
        return obj

    def stream_length(self, s):
        n = self.get(s.dict.get("Length"))
        if not isinstance(n, int) or n < 0:
            raise _malformed("bad stream length")
        return n

    def source(self, s):
        """A readinto() source of the decoded octets of stream s: raw, or through
        one FlateDecode (without predictor: rows() undoes predictors itself)."""
        raw = _Region(self.f, s.offset, self.stream_length(s))
        filt = _one(self.get(s.dict.get("Filter")))
        if filt is None:
            return raw
        if filt in ("FlateDecode", "Fl"):
            return _Inflate(raw)
        if filt in _UNDECODABLE:
            raise NeedsRender("the box cannot decode %s images in a PDF: render it with "
                              "`picofax render` on a computer, or set render_service_url "
                              "in the box's config" % _UNDECODABLE[filt])
        raise NeedsRender("PDF stream filter %s is not supported: "
                          "render it with `picofax render`" % filt)

    def decode_small(self, s, cap):
        """The whole decoded content of a small stream (a bytearray, not copied
        again: up to cap octets is a large share of the heap), at most cap octets;
        PNG predictors (§7.4.4.4) are undone."""
        src = self.source(s)
        out = bytearray()
        buf = self.chunk
        while True:
            n = src.readinto(buf)
            if not n:
                break
            if len(out) + n > cap:
                raise MediaError(ERR_TOO_LARGE, "PDF stream decodes to more than %d "
                                 "octets" % cap)
            out += buf[:n] if n < len(buf) else buf
        parms = self.get(_one(self.get(s.dict.get("DecodeParms"))))
        if isinstance(parms, dict):
            pred = self.get(parms.get("Predictor", 1))
            if isinstance(pred, int) and pred >= 10:
                cols = self.get(parms.get("Columns", 1))
                if not isinstance(cols, int) or cols <= 0 or cols > cap:
                    raise _malformed("bad predictor columns")
                out = _unpredict(out, cols, 1)
            elif pred != 1:
                raise NeedsRender("PDF TIFF predictor is not supported")
        return out

    # -- cross-reference (§7.5.4, §7.5.8)

    def _read_xref(self):
        size = self._file_size()
        tail = self._read_at(max(0, size - _TAIL_OCTETS), _TAIL_OCTETS)
        k = tail.rfind(b"startxref")
        if k < 0:
            # No cross-reference to start from (a cut or hand-made file): renderers
            # rebuild it by scanning the whole file, which the box does not do.
            raise NeedsRender("this PDF has no cross-reference table (damaged or "
                              "cut short); the box cannot read it. Render it with "
                              "`picofax render` on a computer, or set "
                              "render_service_url in the box's config.")
        try:
            off, _ = parse(tail + b" ", k + 9)
        except (_More, IndexError):
            raise _malformed("bad startxref")
        seen = []
        while isinstance(off, int) and not isinstance(off, bool):
            if off in seen:
                raise _malformed("cross-reference sections loop (/Prev)")
            if len(seen) >= MAX_XREF_SECTIONS:
                raise _malformed("too many cross-reference sections")
            if not 0 <= off < size:
                raise _malformed("cross-reference offset out of the file")
            seen.append(off)
            head = self._read_at(off, 4)
            if head == b"xref":
                trailer = self._xref_table(off + 4)
                hybrid = trailer.get("XRefStm")
                if isinstance(hybrid, int) and hybrid not in seen and 0 <= hybrid < size:
                    seen.append(hybrid)
                    self._xref_stream(hybrid)
            else:
                trailer = self._xref_stream(off)
            if self._trailer is None:
                self._trailer = trailer
            off = trailer.get("Prev")
        if self._trailer is None:
            raise _malformed("no trailer")

    def _add(self, num, value):
        if num not in self._xref:  # the newest section wins
            if len(self._xref) >= MAX_OBJECTS:
                raise MediaError(ERR_TOO_LARGE, "PDF has more than %d objects"
                                 % MAX_OBJECTS)
            self._xref[num] = value

    def _xref_table(self, pos):
        # Subsections "first count" then count 20-octet entries (§7.5.4).
        while True:
            line = self._read_at(pos, 64)
            try:
                i = _skip(line, 0)
                if line[i:i + 7] == b"trailer":
                    t, _ = self._parse_at(pos + i + 7)
                    if not isinstance(t, dict):
                        raise _malformed("bad trailer")
                    return t
                first, i = parse(line, i)
                count, i = parse(line, i)
                i = _skip(line, i)
            except (_More, IndexError):
                raise _malformed("bad cross-reference table")
            if not isinstance(first, int) or not isinstance(count, int) or \
                    first < 0 or count < 0 or count > MAX_OBJECTS:
                raise _malformed("bad cross-reference subsection")
            pos += i
            entries = self._read_at(pos, 20 * count)
            if len(entries) != 20 * count:
                raise _malformed("file truncated in cross-reference")
            for k in range(count):
                e = entries[20 * k:20 * k + 20]
                if e[17:18] == b"n":
                    try:
                        self._add(first + k, int(e[0:10].decode()))
                    except ValueError:
                        raise _malformed("bad cross-reference entry")
                elif e[17:18] == b"f":
                    self._add(first + k, None)
                else:
                    raise _malformed("bad cross-reference entry")
            pos += 20 * count

    def _parse_at(self, off):
        size = 2048
        while True:
            b = self._read_at(off, size)
            try:
                return parse(b, 0)
            except (_More, IndexError):
                if len(b) < size or size >= MAX_OBJECT_OCTETS:
                    raise _malformed("file truncated")
                size *= 4

    def _xref_stream(self, off):
        s = self._object_at(off)
        if not isinstance(s, Stream) or s.dict.get("Type") != "XRef":
            raise _malformed("no cross-reference at startxref")
        d = s.dict
        w = d.get("W")
        count = d.get("Size")
        if not isinstance(w, list) or len(w) != 3 or not isinstance(count, int):
            raise _malformed("bad cross-reference stream")
        for x in w:
            if not isinstance(x, int) or not 0 <= x <= 8:
                raise _malformed("bad cross-reference stream")
        index = d.get("Index", [0, count])
        if not isinstance(index, list) or len(index) % 2:
            raise _malformed("bad cross-reference stream index")
        data = self.decode_small(s, MAX_SMALL_STREAM_OCTETS)
        row = w[0] + w[1] + w[2]
        p = 0
        for k in range(0, len(index), 2):
            first = index[k]
            n = index[k + 1]
            if not isinstance(first, int) or not isinstance(n, int) or n < 0 or \
                    first < 0:
                raise _malformed("bad cross-reference stream index")
            for j in range(n):
                if p + row > len(data):
                    raise _malformed("cross-reference stream too short")
                t = _be(data, p, w[0]) if w[0] else 1
                a = _be(data, p + w[0], w[1])
                b = _be(data, p + w[0] + w[1], w[2])
                p += row
                if t == 1:
                    self._add(first + j, a)
                elif t == 2:
                    if b > 0xFFFF:
                        raise _malformed("object stream index too large")
                    self._add(first + j, ~((a << 16) | b))
                else:
                    self._add(first + j, None)
        return d

    # -- pages (§7.7.3)

    def _page_list(self):
        """[(page dict, inherited Resources, inherited Rotate)] in page order."""
        out = []
        visited = []
        stack = [(self._root.get("Pages"), None, 0, 0)]
        while stack:
            ref, res, rot, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise _malformed("page tree too deep")
            if isinstance(ref, Ref):
                if ref.num in visited:
                    raise _malformed("page tree loops")
                visited.append(ref.num)
            node = self.get(ref)
            if not isinstance(node, dict):
                raise _malformed("bad page tree node")
            if "Resources" in node:
                res = node["Resources"]
            if "Rotate" in node:
                rot = self.get(node["Rotate"])
            kids = self.get(node.get("Kids"))
            if node.get("Type") == "Page" or kids is None:
                if len(out) >= self.limits.max_pages:
                    self.limits.too_many_pages()
                out.append((node, res, rot))
                continue
            if not isinstance(kids, list):
                raise _malformed("bad page tree kids")
            for kid in reversed(kids):
                stack.append((kid, res, rot, depth + 1))
        if not out:
            raise _malformed("no pages")
        return out

    def _content(self, page):
        c = self.get(page.get("Contents"))
        if c is None:
            return b" "
        parts = c if isinstance(c, list) else [c]
        data = None
        for p in parts:
            s = self.get(p)
            if not isinstance(s, Stream):
                raise _malformed("bad page contents")
            try:
                part = self.decode_small(s, _CONTENT_OCTETS)
                if data is None:
                    data = part
                else:
                    data += part
                data.append(0x0A)  # parts join at a token boundary (§7.8.2)
            except MediaError as e:
                if e.code == ERR_TOO_LARGE:
                    raise NeedsRender()  # far too much for a single image draw
                raise
            if len(data) > _CONTENT_OCTETS:
                raise NeedsRender()
        return data

    def _image_draw(self, content):
        """(XObject name, [a, d, e, f] placement in thousandths of a point) of the
        one image the content stream paints; NeedsRender for anything else."""
        ctm = [1000, 1000, 0, 0]
        tr = 0  # text rendering mode (§9.3.6), part of the graphics state
        saved = []
        ops = []
        drawn = None
        b = content  # ends with a newline: the last token is terminated
        i = 0
        while True:
            try:
                i = _skip(b, i)
            except _More:
                break
            try:
                v, i = parse(b, i)
            except _More:
                raise _malformed("page content truncated")
            if not isinstance(v, Keyword):
                ops.append(v)
                if len(ops) > 16:
                    raise NeedsRender()
                continue
            op = v.word
            if op == "q":
                if len(saved) >= MAX_DEPTH:
                    raise _malformed("graphics state nested too deep")
                saved.append((list(ctm), tr))
            elif op == "Q":
                if saved:
                    ctm, tr = saved.pop()
            elif op == "cm":
                ctm = _concat(ops, ctm)
            elif op == "Do":
                if drawn is not None or len(ops) != 1 or not isinstance(ops[0], str):
                    raise NeedsRender()
                drawn = (ops[0], list(ctm))
            elif op == "Tr":
                tr = ops[0] if len(ops) == 1 and isinstance(ops[0], int) else 0
            elif op in _TEXT_SHOW_OPS:
                # Only invisible text (mode 3, the OCR layer of a searchable
                # scan) leaves the page a single image.
                if tr != _TR_INVISIBLE:
                    raise NeedsRender()
            elif op not in _HARMLESS_OPS and op not in _TEXT_STATE_OPS:
                raise NeedsRender()
            ops = []
        if drawn is None:
            raise NeedsRender()
        return drawn

    def pages(self):
        """Generator of PdfPage. Every page is checked before the first is yielded,
        so a PDF that needs rendering fails before any page is decoded."""
        found = []
        for page, res, rot in self._page_list():
            if not isinstance(rot, int) or rot % 360 != 0:
                raise NeedsRender("rotated PDF pages (/Rotate) are not "
                                  "supported: render it with `picofax render`")
            name, place = self._image_draw(self._content(page))
            res = self.get(res)
            xobjs = self.get(res.get("XObject")) if isinstance(res, dict) else None
            ref = xobjs.get(name) if isinstance(xobjs, dict) else None
            img = self.get(ref)
            if not isinstance(img, Stream):
                raise _malformed("image /%s missing" % name)
            sub = img.dict.get("Subtype")
            if sub == "Form":
                raise NeedsRender()
            if sub != "Image":
                raise _malformed("XObject /%s is not an image" % name)
            found.append(PdfPage(self, img, place))
        for page in found:
            yield page


def _be(data, p, n):
    v = 0
    for k in range(n):
        v = (v << 8) | data[p + k]
    return v


def _concat(ops, ctm):
    # cm (§8.4.4): CTM' = M x CTM. Only axis-aligned placements are streamable.
    if len(ops) != 6:
        raise _malformed("bad cm operator")
    # A rotated or skewed placement is kept as a = d = 0: PdfPage refuses it once
    # it has checked the image type (so a JBIG2 page still asks for rendering).
    m = [milli(x) for x in ops]
    a, d, e, f = ctm
    if m[1] != 0 or m[2] != 0:
        return [0, 0, e, f]
    return [m[0] * a // 1000, m[3] * d // 1000, m[4] * a // 1000 + e,
            m[5] * d // 1000 + f]


def _unpredict(data, cols, bpp):
    """PNG predictors (§7.4.4.4): rows of 1 + cols octets, each row's first octet
    its PNG filter type (PNG §9.2)."""
    from faxbox.png import _unfilter_row

    stride = cols
    rowlen = stride + 1
    n = len(data) // rowlen
    out = bytearray(n * stride)
    prev = bytearray(rowlen)
    for r in range(n):
        cur = bytearray(data[r * rowlen:(r + 1) * rowlen])
        _unfilter_row(cur, prev, stride, bpp)
        out[r * stride:(r + 1) * stride] = cur[1:]
        prev = cur
    return out


def _threshold(raw, out, width, invert):
    o = 0
    acc = 0
    k = 0
    for x in range(width):
        v = raw[x]
        if invert:
            v = 255 - v
        acc = (acc << 1) | (1 if v < _GREY_THRESHOLD else 0)
        k += 1
        if k == 8:
            out[o] = acc
            o += 1
            acc = 0
            k = 0
    if k:
        out[o] = acc << (8 - k)


class PdfPage:
    """One page's image: width, height, xres, yres ((num, den) pels per metre from
    its placement on the page) and rows()."""

    def __init__(self, pf, img, place):
        self._pf = pf
        self._img = img
        g = pf.get
        d = img.dict
        self.width = g(d.get("Width"))
        self.height = g(d.get("Height"))
        if not isinstance(self.width, int) or not isinstance(self.height, int) or \
                self.width <= 0 or self.height <= 0:
            raise _malformed("bad image size")
        pf.limits.check_size(self.width, self.height)
        self.mask = g(d.get("ImageMask")) is True
        self.bits = 1 if self.mask else g(d.get("BitsPerComponent"))
        self._check_colour(g(d.get("ColorSpace")))
        if self.bits not in (1, 8):
            raise NeedsRender("PDF images with %s bits per sample are "
                              "not supported: render it with `picofax render`"
                              % self.bits)
        dec = g(d.get("Decode"))
        self.invert = isinstance(dec, list) and len(dec) == 2 and \
            milli(g(dec[0])) > milli(g(dec[1]))
        self.filter = _one(g(d.get("Filter")))
        self.parms = g(_one(g(d.get("DecodeParms"))))
        if not isinstance(self.parms, dict):
            self.parms = {}
        if self.filter in _UNDECODABLE:
            raise NeedsRender("the box cannot decode %s images in a PDF: render it with "
                              "`picofax render` on a computer, or set render_service_url "
                              "in the box's config" % _UNDECODABLE[self.filter])
        if self.filter not in (None, "FlateDecode", "Fl", "CCITTFaxDecode", "CCF"):
            raise NeedsRender("PDF image filter %s is not supported: "
                              "render it with `picofax render`" % self.filter)
        if self.filter in ("CCITTFaxDecode", "CCF") and self.bits != 1:
            raise _malformed("CCITT image with more than 1 bit per sample")
        self.row_octets = (self.width * self.bits + 7) >> 3
        pf.limits.check_row(self.row_octets)
        pf.limits.reserve(self.row_octets * self.height)
        a, dd = place[0], place[1]
        if a <= 0 or dd <= 0:
            raise NeedsRender("PDF pages with a rotated, skewed or "
                              "mirrored image are not supported: render it with "
                              "`picofax render`")
        # pels per metre = pels / (a / 1000 / 72 in x 0.0254 m/in)
        self.xres = (self.width * _POINTS_PER_INCH * 10000000, a * 254)
        self.yres = (self.height * _POINTS_PER_INCH * 10000000, dd * 254)

    def _check_colour(self, cs):
        if self.mask:
            return
        if isinstance(cs, list) and cs:
            base = self._pf.get(cs[0])
            if base == "ICCBased" and len(cs) > 1:
                s = self._pf.get(cs[1])
                n = self._pf.get(s.dict.get("N")) if isinstance(s, Stream) else None
                if n == 1:
                    return
            elif base == "CalGray":
                return
        elif cs in ("DeviceGray", "G", "CalGray"):
            return
        elif cs is None and self.filter_is_ccitt():
            return
        raise NeedsRender("colour PDF images are not supported: "
                          "render it with `picofax render` or scan in black and white")

    def filter_is_ccitt(self):
        f = _one(self._pf.get(self._img.dict.get("Filter")))
        return f in ("CCITTFaxDecode", "CCF")

    def rows(self):
        """Generator of packed rows, 1 = black, MSB = leftmost pel. Yields the same
        bytearray every time: it is overwritten by the next row."""
        if self.filter in ("CCITTFaxDecode", "CCF"):
            return self._rows_ccitt()
        return self._rows_plain()

    def _rows_plain(self):
        # §8.9.3: rows start on octet boundaries. 1-bit grey: sample 0 is black
        # (Decode [0 1]); an image mask paints its 0 samples (§8.9.6.2) in the fill
        # colour, taken as black. /Decode [1 0] swaps both.
        pf = self._pf
        lim = pf.limits
        src = pf.source(self._img)
        nrow = self.row_octets
        pred = self.parms.get("Predictor", 1)
        png_pred = isinstance(pred, int) and pred >= 10
        if not png_pred and pred != 1:
            raise NeedsRender("PDF TIFF predictor is not supported")
        if png_pred:
            colors = self.parms.get("Colors", 1)
            bpc = self.parms.get("BitsPerComponent", self.bits)
            cols = self.parms.get("Columns", 1)
            if colors != 1 or bpc != self.bits or cols != self.width:
                raise _malformed("predictor parameters do not match the image")
        out = bytearray((self.width + 7) >> 3)
        cur = bytearray(nrow + 1)
        prev = bytearray(nrow + 1) if png_pred else None
        bpp = max(1, self.bits >> 3)
        last_mask = (0xFF << ((8 - (self.width & 7)) & 7)) & 0xFF
        if png_pred:
            from faxbox.png import _unfilter_row
        for _ in range(self.height):
            if png_pred:
                if not _read_full(src, cur, nrow + 1):
                    raise _malformed("image data ends early")
                _unfilter_row(cur, prev, nrow, bpp)
                row = memoryview(cur)[1:]
            else:
                if not _read_full(src, cur, nrow):
                    raise _malformed("image data ends early")
                row = cur
            lim.take(nrow)
            if self.bits == 8:
                _threshold(row, out, self.width, self.invert)
            else:
                x = 0x00 if self.invert else 0xFF
                for k in range(nrow):
                    out[k] = row[k] ^ x
                out[nrow - 1] &= last_mask
            if png_pred:
                cur, prev = prev, cur
            yield out

    def _rows_ccitt(self):
        # CCITTFaxDecode (§7.4.6, Table 11). The codec writes 1 for pels of black
        # runs. The filter's output sample is 0 for black runs unless BlackIs1; a
        # 0 sample is painted black (Decode [0 1], or an image mask), so the codec
        # output is used as is, inverted once for BlackIs1 and once for /Decode [1 0].
        try:
            import faxt4
        except ImportError:
            raise NeedsRender("this build cannot decode CCITT images "
                              "in a PDF (no faxt4 codec)")
        p = self.parms
        g = self._pf.get
        k = g(p.get("K", 0))
        cols = g(p.get("Columns", 1728))
        if not isinstance(k, int) or cols != self.width:
            raise _malformed("CCITT parameters do not match the image")
        if g(p.get("EncodedByteAlign", False)) is True:
            raise NeedsRender("PDF CCITT images with EncodedByteAlign "
                              "are not supported: render it with `picofax render`")
        coding = faxt4.MMR if k < 0 else (faxt4.MR if k > 0 else faxt4.MH)
        flip = (g(p.get("BlackIs1", False)) is True) != self.invert
        pf = self._pf
        src = _Region(pf.f, self._img.offset, pf.stream_length(self._img))
        out = bytearray((self.width + 7) >> 3)
        nrow = len(out)
        try:
            dec = faxt4.Decoder(self.width, coding, 1)  # §7.4.6: MSB first
        except ValueError:
            raise MediaError(ERR_TOO_LARGE, "CCITT image wider than the codec handles "
                             "(%d pels)" % self.width)
        buf = pf.chunk
        pend = None
        padded = False
        y = 0
        while y < self.height:
            if dec.row(out):
                if flip:
                    for i in range(nrow):
                        out[i] ^= 0xFF
                pf.limits.take(nrow)
                y += 1
                yield out
                continue
            if dec.end():
                raise _malformed("CCITT image has too few rows")
            if pend is None:
                n = src.readinto(buf)
                pend = memoryview(buf)[:n] if n else None
            if pend is None and not padded:
                # Data may end without EOFB/RTC (EndOfBlock false): a few zero
                # octets let the codec finish the last code word.
                pend = b"\x00\x00\x00\x00"
                padded = True
            elif pend is None:
                raise _malformed("CCITT image data ends early")
            n = dec.feed(pend)
            pend = pend[n:] if n < len(pend) else None
        if dec.bad_rows * 1000 > self.height * _MAX_BAD_ROWS_PERMILLE:
            raise _malformed("%d rows could not be decoded" % dec.bad_rows)


# ---- Render service (host_tools/picofax/render.py): PDFs the box cannot draw.

_URL_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def quote(text):
    """Percent-encoding of a query value (RFC 3986 §2.1): all but unreserved."""
    out = []
    for c in text.encode():
        out.append(chr(c) if c in _URL_SAFE else "%%%02X" % c)
    return "".join(out)


def service_url(base, media_url, quality):
    """The render service request for media_url: base?url=...&quality=..."""
    sep = "&" if "?" in base else "?"
    return "%s%surl=%s&quality=%s" % (base, sep, quote(media_url), quality)


async def prepare_rendered(media_url, src_path, spool_dir, quality, config,
                           limits=None, fetch_to_file=None):
    """document.prepare, except that a PDF the box cannot draw (NeedsRender) is
    rendered by config.render_service_url when that is set: the service fetches
    media_url itself and returns a fax TIFF, fetched beside src_path and prepared
    in its place. Raises MediaError, or errors.FaxError when the service fails."""
    from faxbox import document

    try:
        return document.prepare(src_path, spool_dir, quality, limits)
    except NeedsRender:
        if not config.render_service_url:
            raise
    if fetch_to_file is None:
        from faxbox.fetch import fetch_to_file
    tiff_path = src_path + ".tif"
    await fetch_to_file(service_url(config.render_service_url, media_url, quality),
                        tiff_path, config)
    return document.prepare(tiff_path, spool_dir, quality, limits)
