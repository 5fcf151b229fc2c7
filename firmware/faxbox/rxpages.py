# Where received pages go: page data from the T.30 receiver is decoded row by row
# (faxt4) and written to the spool as page files (spool.PageWriter), so a received
# page is never held whole in RAM and a power cut leaves whole pages only.
#
# Known shortcoming on rp2 hardware: the rows are written to flash while the page is
# still arriving (phase C). A flash sector erase stops interrupts for 45 ms typically
# and up to 400 ms, which the audio path (firmware/cmodules/audio, its rings hold
# 256 ms) does not cover, so a received page can lose lines or its carrier on the
# device. The fix is to keep each page's coded data in RAM during phase C (MMR pages
# are 10-60 KB) and write it between pages, with the audio rings sized for one erase;
# it is not done yet. The sim board and the host are not affected.
import os

from faxbox import spool


class SpoolSink:
    """The T.30 receiver's page sink: start_page / data / end_page."""

    def __init__(self, spool_dir, t4, log=None):
        self.dir = spool_dir
        self.t4 = t4  # the faxt4 module
        self.log = log
        self.pages = 0
        self._dec = None
        self._w = None
        self._row = None
        self._rows = 0

    def start_page(self, width, res, coding):
        """res: 0 standard, 1 fine, 2 superfine (True counts as fine); coding: "MH",
        "MR" or "MMR", as the DCS selected them (T.30 Table 2 bits 15, 16, 31, 41)."""
        t4 = self.t4
        kind = t4.MR if coding == "MR" else (t4.MMR if coding == "MMR" else t4.MH)
        self._dec = t4.Decoder(width, kind)
        self._row = bytearray(width // 8)
        self._w = spool.PageWriter(spool.page_path(self.dir, self.pages + 1), width=width,
                                   y_res=spool.Y_RES_CODES[min(2, int(res))])
        self._rows = 0

    def data(self, octets):
        dec = self._dec
        if dec is None:
            return
        mv = memoryview(octets)
        while len(mv):
            took = dec.feed(mv)
            if took is None:
                took = len(mv)
            mv = mv[took:]
            self._drain()
            if took == 0 and len(mv):
                # The decoder's input ring is full and yields no row: the data is
                # not a page (no EOLs); drop the rest rather than spin.
                break

    def _drain(self):
        dec, row, w = self._dec, self._row, self._w
        while not dec.end() and dec.row(row):
            w.row(row)
            self._rows += 1

    def reject_page(self):
        """Removes the page stored last (the receiver answered RTN: it comes again)."""
        if self.pages:
            try:
                os.remove(spool.page_path(self.dir, self.pages))
            except OSError:
                pass
            self.pages -= 1

    def ended(self):
        """True once the decoder has seen the end of the page (RTC / EOFB)."""
        return self._dec is not None and self._dec.end()

    def end_page(self):
        """Closes the page file; returns (rows, bad rows)."""
        dec = self._dec
        if dec is None:
            return 0, 0
        self._drain()
        bad = dec.bad_rows
        rows = self._rows
        self._dec = None
        if rows:
            self._w.close()
            self.pages += 1
        else:
            self._w.abort()
        return rows, bad
