# faxbox.faxmedia: received pages as TIFF Class F and PDF, checked by parsing the
# output here (IFD chain, tags, strips; PDF xref offsets, MediaBox, image data).
# Under MicroPython faxt4 is missing and the uncompressed path is taken; under
# CPython raw pages are coded to MMR and the strips are decoded back with faxt4.
# Runs under CPython and MicroPython.
import os
import struct

from faxbox import faxmedia, spool

try:
    import faxt4
except ImportError:
    faxt4 = None


def _fresh_dir(tag):
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    d = here + "/../../build/fwtest/" + tag + "-" + "".join(
        "%02x" % b for b in os.urandom(4))
    p = ""
    for part in d.split("/"):
        p = p + part + "/" if p or part else "/"
        try:
            os.mkdir(p)
        except OSError:
            pass
    return d


def _row(r, i):
    """Row r of page i: a left/right frame, a bar every 16 rows, a diagonal."""
    b = bytearray(216)
    b[0] = 0x80
    b[215] |= 0x01
    if r % 16 == 0:
        for k in range(20 + i, 60 + i):
            b[k] = 0xFF
    x = (r * 7 + i * 100) % 1728
    b[x >> 3] |= 0x80 >> (x & 7)
    return b


_PAGES = ((23, "standard"), (40, "fine"), (9, "superfine"))
_YDPI = {"standard": 98, "fine": 196, "superfine": 392}


def _write(d):
    for i, (rows, yres) in enumerate(_PAGES):
        w = spool.PageWriter(spool.page_path(d, i + 1), y_res=yres, coding=spool.CODING_RAW)
        for r in range(rows):
            w.row(_row(r, i))
        w.close()


def _render(d, mt):
    size, gen = faxmedia.render(d, mt)
    parts = []
    for x in gen:
        parts.append(bytes(x))
    data = b"".join(parts)
    assert len(data) == size
    return data


def _cleanup(d):
    for n in os.listdir(d):
        os.remove(d + "/" + n)
    os.rmdir(d)


def _decode_mmr(strip, rows, fill):
    dec = faxt4.Decoder(1728, faxt4.MMR, fill)
    buf = bytearray(216)
    out = []
    mv = memoryview(strip)
    while len(out) < rows:
        if dec.row(buf):
            out.append(bytes(buf))
            continue
        assert len(mv), "coded data ends early"
        k = dec.feed(mv)
        mv = mv[k:]
    return out


def test_tiff_class_f_structure_and_pels():
    d = _fresh_dir("fm-tiff")
    _write(d)
    data = _render(d, faxmedia.TIFF)
    assert data[:4] == b"II*\x00"
    at = struct.unpack("<I", data[4:8])[0]
    page = 0
    while at:
        n = struct.unpack("<H", data[at:at + 2])[0]
        tags = {}
        last = 0
        for k in range(n):
            tag, typ, count, val = struct.unpack("<HHII", data[at + 2 + 12 * k:at + 14 + 12 * k])
            assert tag > last  # ascending, TIFF 6.0 §2
            last = tag
            if typ == 3 and count == 1:
                val &= 0xFFFF
            tags[tag] = (typ, count, val)
        rows, yres = _PAGES[page]
        assert tags[256][2] == 1728 and tags[257][2] == rows
        assert tags[254][2] == 2 and tags[262][2] == 0 and tags[296][2] == 2
        assert tags[278][2] == rows
        x_at, y_at = tags[282][2], tags[283][2]
        assert struct.unpack("<II", data[x_at:x_at + 8]) == (204, 1)
        assert struct.unpack("<II", data[y_at:y_at + 8]) == (_YDPI[yres], 1)
        assert tags[297][2] == page | (len(_PAGES) << 16)  # PageNumber page, total
        off, cnt = tags[273][2], tags[279][2]
        strip = data[off:off + cnt]
        want = [bytes(_row(r, page)) for r in range(rows)]
        if tags[259][2] == 1:
            assert faxt4 is None
            assert [strip[r * 216:(r + 1) * 216] for r in range(rows)] == want
        else:
            assert tags[259][2] == 4 and tags[266][2] == 2
            assert _decode_mmr(strip, rows, 2) == want
        at = struct.unpack("<I", data[at + 2 + 12 * n:at + 6 + 12 * n])[0]
        page += 1
    assert page == len(_PAGES)
    _cleanup(d)


def test_pdf_xref_offsets_media_boxes_and_image_data():
    d = _fresh_dir("fm-pdf")
    _write(d)
    data = _render(d, faxmedia.PDF)
    assert data.startswith(b"%PDF-1.4") and data.endswith(b"%%EOF\n")
    sx = data.rindex(b"startxref\n")
    xref_at = int(data[sx + 10:data.index(b"\n", sx + 10)])
    assert data[xref_at:xref_at + 5] == b"xref\n"
    lines = data[xref_at:sx].split(b"\n")
    count = int(lines[1].split(b" ")[1])
    assert count == 2 + 3 * len(_PAGES) + 1
    for num in range(1, count):
        off = int(lines[2 + num][:10])
        head = ("%d 0 obj\n" % num).encode()
        assert data[off:off + len(head)] == head, num
    for i, (rows, yres) in enumerate(_PAGES):
        # 1728 pels at 204/in = 609.8823 pt; rows at 98/196/392 per inch
        h = rows * 72 * 10000 // _YDPI[yres]
        box = ("/MediaBox [0 0 609.8823 %d.%04d]" % (h // 10000, h % 10000)).encode()
        assert box in data, box
        img_num = 5 + 3 * i
        off = int(lines[2 + img_num][:10])
        s = data.index(b"stream\n", off) + 7
        length = int(data[data.index(b"/Length ", off) + 8:data.index(b" >>\nstream", off)])
        stream = data[s:s + length]
        assert data[s + length:s + length + 10] == b"\nendstream"
        want = [bytes(_row(r, i)) for r in range(rows)]
        if faxt4 is None:
            assert b"/Decode [1 0]" in data[off:s]
            assert [stream[r * 216:(r + 1) * 216] for r in range(rows)] == want
        else:
            assert b"/K -1" in data[off:s]
            assert _decode_mmr(stream, rows, 1) == want  # MSB first in PDF
    _cleanup(d)


def test_page_paths_stop_at_the_first_gap():
    d = _fresh_dir("fm-paths")
    _write(d)
    os.remove(spool.page_path(d, 2))
    assert faxmedia.page_paths(d) == [spool.page_path(d, 1)]
    _cleanup(d)
