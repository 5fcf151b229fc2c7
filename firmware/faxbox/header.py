# The header line a fax machine prints at the top of every page it sends: who sent
# it, when, and "page n of m" (T.30 leaves its content to the terminal; users expect
# it, and some jurisdictions require the sender's number on a fax).
#
# Drawn with a built-in 5 x 7 bitmap font, one row of text at a time into the page's
# first rows, so no bitmap of the page is ever held: the header is OR-ed into the
# rows as they stream past. The font was drawn for this project (capitals, digits and
# the punctuation a header needs; lower case is printed as capitals).
from micropython import const

_GLYPH_W = const(5)
_GLYPH_H = const(7)
_GAP_W = const(1)  # blank columns after each glyph
# Each glyph pel becomes SCALE_X x SCALE_Y fax pels: at 8 pels/mm and 7.7 lines/mm
# a glyph is then 1.9 mm wide and 2.7 mm tall, a header line fax machines also use.
SCALE_X = const(3)
_SCALE_Y_FINE = const(3)
_TOP_PELS = const(8)  # rows above the text (a little margin)
_LEFT_PELS = const(48)  # 6 mm from the left edge

# Seven rows of five pels per glyph, most significant of the five bits on the left.
_FONT = {
    " ": (0, 0, 0, 0, 0, 0, 0),
    "0": (14, 17, 19, 21, 25, 17, 14), "1": (4, 12, 4, 4, 4, 4, 14),
    "2": (14, 17, 1, 2, 4, 8, 31), "3": (31, 2, 4, 2, 1, 17, 14),
    "4": (2, 6, 10, 18, 31, 2, 2), "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14), "7": (31, 1, 2, 4, 8, 8, 8),
    "8": (14, 17, 17, 14, 17, 17, 14), "9": (14, 17, 17, 15, 1, 2, 12),
    "A": (14, 17, 17, 31, 17, 17, 17), "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14), "D": (28, 18, 17, 17, 17, 18, 28),
    "E": (31, 16, 16, 30, 16, 16, 31), "F": (31, 16, 16, 30, 16, 16, 16),
    "G": (14, 17, 16, 23, 17, 17, 15), "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14), "J": (7, 2, 2, 2, 2, 18, 12),
    "K": (17, 18, 20, 24, 20, 18, 17), "L": (16, 16, 16, 16, 16, 16, 31),
    "M": (17, 27, 21, 21, 17, 17, 17), "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14), "P": (30, 17, 17, 30, 16, 16, 16),
    "Q": (14, 17, 17, 17, 21, 18, 13), "R": (30, 17, 17, 30, 20, 18, 17),
    "S": (15, 16, 16, 14, 1, 1, 30), "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14), "V": (17, 17, 17, 17, 17, 10, 4),
    "W": (17, 17, 17, 21, 21, 21, 10), "X": (17, 17, 10, 4, 10, 17, 17),
    "Y": (17, 17, 10, 4, 4, 4, 4), "Z": (31, 1, 2, 4, 8, 16, 31),
    "+": (0, 4, 4, 31, 4, 4, 0), "-": (0, 0, 0, 31, 0, 0, 0),
    ":": (0, 12, 12, 0, 12, 12, 0), "/": (1, 1, 2, 4, 8, 16, 16),
    ".": (0, 0, 0, 0, 0, 12, 12), ",": (0, 0, 0, 0, 12, 4, 8),
    "(": (2, 4, 8, 8, 8, 4, 2), ")": (8, 4, 2, 2, 2, 4, 8),
    "#": (10, 10, 31, 10, 31, 10, 10), "@": (14, 17, 1, 13, 21, 21, 14),
    "&": (12, 18, 20, 8, 21, 18, 13), "'": (12, 4, 8, 0, 0, 0, 0),
    "?": (14, 17, 1, 2, 4, 0, 4), "_": (0, 0, 0, 0, 0, 0, 31),
}


def text_for(station_id, when, page, pages, name=""):
    """The header's words: date and time (a time.localtime() tuple), the sender's
    name and number, and the page count."""
    stamp = "%04d-%02d-%02d %02d:%02d" % (when[0], when[1], when[2], when[3], when[4])
    who = (name + " " if name else "") + station_id
    return "%s  FROM %s  PAGE %d/%d" % (stamp, who.strip(), page, pages)


def _glyph(c):
    g = _FONT.get(c)
    if g is None:
        g = _FONT.get(c.upper(), _FONT["?"])
    return g


class HeaderPage:
    """A page reader (width, height, y_res, rows()) with the header line OR-ed into
    its top rows. `page` is the page reader to wrap."""

    def __init__(self, page, text):
        self.page = page
        self.width = page.width
        self.height = page.height
        self.y_res = page.y_res
        # One glyph row spans SCALE_Y fax rows at fine; standard halves it, superfine
        # doubles it, so the text is the same size on paper.
        self.scale_y = {"standard": 2, "superfine": 2 * _SCALE_Y_FINE}.get(
            page.y_res, _SCALE_Y_FINE)
        self.text = text
        self._band = bytearray(page.width // 8)
        self._row = bytearray(page.width // 8)

    def _draw(self, glyph_row):
        """The header's pels for one glyph row, into a reused buffer."""
        band = self._band
        for i in range(len(band)):
            band[i] = 0
        x = _LEFT_PELS
        limit = self.width - _GLYPH_W * SCALE_X
        for c in self.text:
            if x > limit:
                break
            bits = _glyph(c)[glyph_row]
            for col in range(_GLYPH_W):
                if bits & (1 << (_GLYPH_W - 1 - col)):
                    for k in range(SCALE_X):
                        p = x + col * SCALE_X + k
                        band[p >> 3] |= 0x80 >> (p & 7)
            x += (_GLYPH_W + _GAP_W) * SCALE_X
        return band

    def rows(self):
        """The page's rows with the header in rows _TOP_PELS onwards. A header row is
        a copy (the wrapped reader's buffer may be its decoder's reference row, so it
        is never written); every row yielded is overwritten by the next one."""
        top = _TOP_PELS
        end = top + _GLYPH_H * self.scale_y
        out = self._row
        i = 0
        for row in self.page.rows():
            if top <= i < end:
                band = self._draw((i - top) // self.scale_y)
                for k in range(len(band)):
                    out[k] = row[k] | band[k]
                row = out
            i += 1
            yield row


class HeaderPages:
    """The pages of a job (count, open(i)) with a header on each."""

    def __init__(self, pages, station_id, when, name=""):
        self.pages = pages
        self.count = pages.count
        self.station_id = station_id
        self.when = when
        self.name = name

    def open(self, i):
        return HeaderPage(self.pages.open(i),
                          text_for(self.station_id, self.when, i + 1, self.count, self.name))
