# The page header line: its words, and its pels worked out from the font by hand.
from faxbox import header


class _Page:
    def __init__(self, height, y_res="fine", fill=0):
        self.width = 1728
        self.height = height
        self.y_res = y_res
        self.fill = fill

    def rows(self):
        row = bytearray(216)
        for i in range(self.height):
            for k in range(216):
                row[k] = self.fill
            yield row


def _pels(row):
    out = []
    for p in range(1728):
        if row[p >> 3] & (0x80 >> (p & 7)):
            out.append(p)
    return out


def test_header_words():
    text = header.text_for("+1 555 0100", (2026, 12, 3, 18, 5, 0, 3, 337), 2, 5, "ACME")

    assert text == "2026-12-03 18:05  FROM ACME +1 555 0100  PAGE 2/5"


def test_first_glyph_row_of_a_one():
    # "1" row 0 is 00100: its third column, 3 pels wide at x = 48 + 2 * 3 = 54.
    page = header.HeaderPage(_Page(40), "1")

    rows = [bytes(r) for r in page.rows()]

    assert _pels(rows[7]) == []  # above the text (8 rows of margin)
    assert _pels(rows[8]) == [54, 55, 56]
    assert _pels(rows[10]) == [54, 55, 56]  # row 0 spans 3 fax rows at fine
    # row 1 of "1" is 01100: columns 1 and 2 -> pels 51..56
    assert _pels(rows[11]) == [51, 52, 53, 54, 55, 56]
    # row 6 is 01110 (rows 26-28); the header ends at row 8 + 7 * 3 = 29
    assert _pels(rows[28]) == list(range(51, 60))
    assert _pels(rows[29]) == []


def test_standard_resolution_uses_two_rows_per_glyph_row():
    page = header.HeaderPage(_Page(30, "standard"), "-")

    rows = [bytes(r) for r in page.rows()]

    # "-" is 31 (all five columns) in glyph row 3 only: fax rows 8 + 3 * 2 = 14, 15.
    black = [i for i, r in enumerate(rows) if any(r)]
    assert black == [14, 15]
    assert _pels(rows[14]) == list(range(48, 63))


def test_header_is_ored_over_the_page_and_rows_outside_are_untouched():
    page = header.HeaderPage(_Page(40, fill=0x01), "8")

    rows = [bytes(r) for r in page.rows()]

    assert rows[0] == bytes([0x01]) * 216
    assert rows[39] == bytes([0x01]) * 216
    assert rows[8][6] & 0x01 and rows[8] != bytes([0x01]) * 216


def test_text_that_runs_past_the_edge_is_cut_not_wrapped():
    page = header.HeaderPage(_Page(12), "8" * 200)

    rows = [bytes(r) for r in page.rows()]

    assert max(_pels(rows[8])) < 1728
