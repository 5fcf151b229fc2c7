# Page geometry: maps a decoded source bitmap onto a Group 3 fax page, row by row.
#
# Standard: ITU-T T.4 (07/2003). T.4 §2: a scan line of 1728 pels over 215 mm,
# i.e. 8 pels/mm across (taken here as exactly 8000 pels/m); rows at 3.85 l/mm
# ("standard"), 7.7 l/mm ("fine") or 15.4 l/mm ("superfine", Table 2/T.30
# bit 41).
#
# Resolutions are passed as rationals (num, den) in pels per metre, or None when the
# file does not say. Every computation is integer, so the result is the same on the
# board and on the host.
#
# Scaling rule ("any black pel"): on reduction each source pel s belongs to exactly one
# output pel j = s * out // src, and an output pel is black when any of its source pels
# is black, so thin lines never vanish and nothing is thickened. On enlargement output
# pel j copies source pel (j * src) // out. Rows follow the same rule as pels.
try:
    from micropython import const
except ImportError:  # CPython: const() is the identity
    def const(x):
        return x

FAX_WIDTH_PELS = const(1728)  # T.4 §2
ROW_OCTETS = const(216)  # FAX_WIDTH_PELS / 8
_X_PELS_PER_M = const(8000)  # 8 pels/mm, T.4 §2

# Rows per metre for each quality name (T.4 §2).
Y_RES_ROWS_PER_M = {"standard": 3850, "fine": 7700, "superfine": 15400}

# Fax files label 7.7 l/mm as 196 dpi and 8 pels/mm as 204 dpi (0.2 % and 0.4 % off).
# A scale within this many parts per thousand of 1:1 is taken as 1:1, so a page already
# in fax format passes through untouched instead of losing a few rows.
_SNAP_PERMILLE = const(10)

# Page sizes used when a file carries no resolution, in units of 0.1 mm (ISO 216 A4,
# US Letter 8.5 in x 11 in).
_A4_W = const(2100)
_A4_H = const(2970)
_LETTER_W = const(2159)
_LETTER_H = const(2794)


def _snap(out, src):
    if abs(out - src) * 1000 <= src * _SNAP_PERMILLE:
        return src
    return out


def _unknown_res(width, height):
    """Resolution (pels/m) that makes the image span the page width of A4 or Letter,
    whichever is closer to its aspect ratio (square pels assumed)."""
    long = max(width, height)
    short = min(width, height)
    # |long/short - A4_H/A4_W| vs |long/short - L_H/L_W|, cross-multiplied.
    d_a4 = abs(long * _A4_W - short * _A4_H) * _LETTER_W
    d_letter = abs(long * _LETTER_W - short * _LETTER_H) * _A4_W
    page_w = _A4_W if d_a4 <= d_letter else _LETTER_W
    # width pels over page_w/10000 m
    return (width * 10000, page_w)


def fit(width, height, xres, yres, y_res="fine"):
    """Geometry of one page: returns (out_width, out_height, x_offset) in fax pels.

    width, height: source size in pels; xres, yres: (num, den) pels per metre or None;
    y_res: "standard", "fine" or "superfine".

    Landscape pages are NOT rotated: rotating needs random access to the whole page,
    which a streamed decode on a ~150 KB heap does not have. A page wider than 215 mm is
    reduced to fit the width instead, keeping its aspect ratio (rotation is issue 5).
    Narrower pages are centred.
    """
    rows_per_m = Y_RES_ROWS_PER_M.get(y_res)
    if rows_per_m is None:
        raise ValueError("bad y_res")
    if xres is None or yres is None or xres[0] <= 0 or yres[0] <= 0:
        xres = _unknown_res(width, height)
        yres = xres
    out_w = (width * _X_PELS_PER_M * xres[1] + xres[0] // 2) // xres[0]
    out_h = (height * rows_per_m * yres[1] + yres[0] // 2) // yres[0]
    out_w = _snap(out_w, width)
    out_h = _snap(out_h, height)
    if out_w > FAX_WIDTH_PELS:
        out_h = (out_h * FAX_WIDTH_PELS + out_w // 2) // out_w
        out_w = FAX_WIDTH_PELS
    out_w = max(1, out_w)
    out_h = max(1, out_h)
    return out_w, out_h, (FAX_WIDTH_PELS - out_w) // 2


def set_pels(row, a, b):
    """Sets pels a .. b-1 (black) in a packed row, MSB = leftmost pel."""
    ba = a >> 3
    bb = (b - 1) >> 3
    head = 0xFF >> (a & 7)
    tail = (0xFF << (7 - ((b - 1) & 7))) & 0xFF
    if ba == bb:
        row[ba] |= head & tail
        return
    row[ba] |= head
    for k in range(ba + 1, bb):
        row[k] = 0xFF
    row[bb] |= tail


class Scaler:
    """Streams source rows (packed, 1 = black) into fax rows of 1728 pels.

    Only three 216-octet buffers are held, whatever the source size. rows() yields the
    same bytearray each time: it is overwritten by the next row.
    """

    def __init__(self, src_w, src_h, out_w, out_h, x_off):
        self.src_w = src_w
        self.src_h = src_h
        self.out_w = out_w
        self.out_h = out_h
        self.x_off = x_off
        self._line = bytearray(ROW_OCTETS)  # current source row, scaled across
        self._acc = bytearray(ROW_OCTETS)  # OR of the source rows of one output row
        self._zero = bytes(ROW_OCTETS)
        # Byte-aligned 1:1 rows are copied instead of scanned for runs.
        self._copy = out_w == src_w and (x_off & 7) == 0

    def _run(self, a, b):
        # Source pels a .. b-1 are black: set the output pels they map to.
        sw = self.src_w
        ow = self.out_w
        if ow <= sw:
            j0 = a * ow // sw
            j1 = (b - 1) * ow // sw + 1
        else:
            j0 = -(-a * ow // sw)
            j1 = -(-b * ow // sw)
        if j1 > j0:
            set_pels(self._line, j0 + self.x_off, j1 + self.x_off)

    def _hscale(self, src):
        # Scales one source row into self._line; returns False if it is all white.
        line = self._line
        line[:] = self._zero
        sw = self.src_w
        nbytes = (sw + 7) >> 3
        last_mask = (0xFF << ((8 - (sw & 7)) & 7)) & 0xFF
        if self._copy:
            o = self.x_off >> 3
            for i in range(nbytes - 1):
                line[o + i] = src[i]
            line[o + nbytes - 1] = src[nbytes - 1] & last_mask
            return True
        start = -1
        black = False
        for i in range(nbytes):
            b = src[i]
            if i == nbytes - 1:
                b &= last_mask
            if b:
                black = True
            if b == 0:
                if start >= 0:
                    self._run(start, i << 3)
                    start = -1
            elif b == 0xFF:
                if start < 0:
                    start = i << 3
            else:
                p = i << 3
                for k in range(8):
                    if (b << k) & 0x80:
                        if start < 0:
                            start = p + k
                    elif start >= 0:
                        self._run(start, p + k)
                        start = -1
        if start >= 0:
            self._run(start, sw)
        return black

    def rows(self, src_rows):
        """Generator: consumes an iterable of source rows, yields exactly out_h fax
        rows (a reused 216-octet bytearray)."""
        sh = self.src_h
        oh = self.out_h
        acc = self._acc
        line = self._line
        acc[:] = self._zero
        s = 0
        for src in src_rows:
            if s >= sh:
                break
            black = self._hscale(src)
            if oh <= sh:
                # Reduction: rows s with equal s * oh // sh make one output row.
                if black:
                    for i in range(ROW_OCTETS):
                        acc[i] |= line[i]
                if (s + 1) * oh // sh != s * oh // sh:
                    yield acc
                    acc[:] = self._zero
            else:
                n = -(-(s + 1) * oh // sh) - -(-s * oh // sh)
                for _ in range(n):
                    yield line
            s += 1
        if s < sh:
            raise ValueError("source ended at row %d of %d" % (s, sh))
