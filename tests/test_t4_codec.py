"""T.4/T.6 codec (faxt4) against independent references: libtiff (through Pillow
and tiffcp) both ways, hand-worked code words, and pages drawn here.

The helpers at the top (pages, a minimal TIFF writer and strip reader, loops
around the row API) are also used by test_t4_fuzz.py."""
import random
import shutil
import struct
import subprocess

import pytest

from PIL import Image, ImageDraw, ImageFont

import faxt4

# TIFF 6.0 tags used below.
_T_WIDTH, _T_LENGTH, _T_BPS, _T_COMPRESSION, _T_PHOTOMETRIC = 256, 257, 258, 259, 262
_T_FILLORDER, _T_STRIPOFFSETS, _T_SPP, _T_ROWSPERSTRIP, _T_STRIPBYTES = 266, 273, 277, 278, 279
_T_T4OPTIONS, _T_T6OPTIONS = 292, 293
COMP_NONE, COMP_G3, COMP_G4 = 1, 3, 4


def row_octets(width):
    return (width + 7) // 8


# ---- test pages: lists of packed rows, 1 = black, MSB = leftmost ----

def image_to_rows(im):
    """PIL mode-1 image (255 = white) to packed rows with 1 = black."""
    raw = im.convert("1").tobytes()
    n = row_octets(im.width)
    pad = (8 - im.width % 8) % 8
    last_mask = (0xFF << pad) & 0xFF
    rows = []
    for y in range(im.height):
        r = bytearray(b ^ 0xFF for b in raw[y * n:(y + 1) * n])
        r[-1] &= last_mask
        rows.append(bytes(r))
    return rows


def rows_to_image(rows, width):
    """Packed rows (1 = black) to a PIL mode-1 image."""
    data = b"".join(bytes(b ^ 0xFF for b in r) for r in rows)
    return Image.frombytes("1", (width, len(rows)), data)


def runs_row(width, runs):
    """Packed row from alternating run lengths, white first."""
    r = bytearray(row_octets(width))
    x = 0
    colour = 0
    for n in runs:
        if colour:
            for p in range(x, x + n):
                r[p >> 3] |= 0x80 >> (p & 7)
        x += n
        colour ^= 1
    assert x == width
    return bytes(r)


def text_page(width=1728, height=400, size=28, seed=0):
    """A page of text in Pillow's default font, with rules and boxes."""
    rnd = random.Random(seed)
    im = Image.new("1", (width, height), 1)
    d = ImageDraw.Draw(im)
    try:
        font = ImageFont.load_default(size=size)
    except TypeError:
        font = ImageFont.load_default()
    words = ("facsimile T.4 modified Huffman READ MMR run-length EOL RTC EOFB "
             "0123456789 The quick brown fox jumps over the lazy dog").split()
    y = 10
    while y < height - size:
        line = " ".join(rnd.choice(words) for _ in range(12))
        d.text((20, y), line, fill=0, font=font)
        y += size + 8
    d.rectangle((width // 2, 40, width - 30, 120), outline=0, width=3)
    d.line((0, height - 5, width - 1, height - 5), fill=0, width=2)
    d.ellipse((width - 300, height // 2, width - 100, height // 2 + 150), fill=0)
    return image_to_rows(im)


def page_testref(width=1728):
    """The page of mgetty's test-ref.g3, drawn here: row i is white i, black 1,
    white width-1-i."""
    return [runs_row(width, [i, 1, width - 1 - i]) for i in range(width)]


def random_runs_page(width, height, seed, mean_run=20):
    rnd = random.Random(seed)
    rows = []
    for _ in range(height):
        runs = []
        left = width
        while left > 0:
            n = min(left, int(rnd.expovariate(1.0 / mean_run)) + (1 if runs else 0))
            runs.append(n)
            left -= n
        rows.append(runs_row(width, runs))
    return rows


def worst_page(width, height=16):
    """Alternating pels, shifted by one on alternate rows, and their negatives."""
    a = bytes([0x55]) * row_octets(width)
    b = bytes([0xAA]) * row_octets(width)
    return [a, a, b, a, b, b, a] * (height // 7 + 1)


# ---- our codec ----

def encode(rows, width, coding, k=0, min_row_bits=0):
    e = faxt4.Encoder(width, coding, k, min_row_bits)
    out = bytearray(faxt4.max_row_octets(width, min_row_bits))
    data = bytearray()
    for r in rows:
        n = e.encode(r, out)
        data += out[:n]
    n = e.finish(out)
    data += out[:n]
    return bytes(data)


def encode_rows_only(rows, width, coding, k=0):
    """Coded rows without RTC/EOFB, flushed to an octet (for TIFF strips)."""
    e = faxt4.Encoder(width, coding, k, 0)
    out = bytearray(faxt4.max_row_octets(width))
    data = bytearray()
    for r in rows:
        data += out[:e.encode(r, out)]
    return bytes(data), e


def decode(data, width, coding, fill_order=2, max_rows=None, chunk=None):
    """Feed all of data (in chunks if given) and collect rows until the page ends,
    the input runs out or max_rows rows have come out."""
    d = faxt4.Decoder(width, coding, fill_order)
    rb = bytearray(row_octets(width))
    rows = []
    i = 0
    while max_rows is None or len(rows) < max_rows:
        if d.row(rb):
            rows.append(bytes(rb))
            continue
        if d.end() or i >= len(data):
            break
        step = len(data) - i if chunk is None else chunk
        i += d.feed(data[i:i + step])
    return rows, d


# ---- TIFF container, written and read here ----

def tiff_bytes(strip, width, height, compression, t4options=0, fill_order=2):
    """Little-endian TIFF, one strip, PhotometricInterpretation 0 (0 = white)."""
    tags = [
        (_T_WIDTH, 4, width), (_T_LENGTH, 4, height), (_T_BPS, 3, 1),
        (_T_COMPRESSION, 3, compression), (_T_PHOTOMETRIC, 3, 0),
        (_T_FILLORDER, 3, fill_order), (_T_STRIPOFFSETS, 4, 0), (_T_SPP, 3, 1),
        (_T_ROWSPERSTRIP, 4, height), (_T_STRIPBYTES, 4, len(strip)),
    ]
    if compression == COMP_G3:
        tags.append((_T_T4OPTIONS, 4, t4options))
    if compression == COMP_G4:
        tags.append((_T_T6OPTIONS, 4, 0))
    ifd_len = 2 + 12 * len(tags) + 4
    data_off = 8 + ifd_len
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    out += struct.pack("<H", len(tags))
    for tag, typ, val in tags:
        if tag == _T_STRIPOFFSETS:
            val = data_off
        if typ == 3:
            out += struct.pack("<HHIHH", tag, typ, 1, val, 0)
        else:
            out += struct.pack("<HHII", tag, typ, 1, val)
    out += struct.pack("<I", 0)
    out += strip
    return bytes(out)


def read_tiff_strips(blob):
    """(tags dict, list of strips) of the first IFD of a TIFF."""
    assert blob[:2] in (b"II", b"MM")
    e = "<" if blob[:2] == b"II" else ">"
    (off,) = struct.unpack_from(e + "I", blob, 4)
    (n,) = struct.unpack_from(e + "H", blob, off)
    sizes = {3: 2, 4: 4}
    tags = {}
    for i in range(n):
        tag, typ, cnt, raw = struct.unpack_from(e + "HHI4s", blob, off + 2 + 12 * i)
        if typ not in sizes:
            continue
        fmt = e + ("H" if typ == 3 else "I") * cnt
        where = raw if sizes[typ] * cnt <= 4 else blob[struct.unpack(e + "I", raw)[0]:]
        tags[tag] = list(struct.unpack_from(fmt, where[:max(4, sizes[typ] * cnt)]))
    strips = [blob[o:o + c] for o, c in zip(tags[_T_STRIPOFFSETS], tags[_T_STRIPBYTES])]
    return tags, strips


def libtiff_decode(strip, width, height, compression, t4options=0):
    """Decode a strip with libtiff (through Pillow); packed rows with 1 = black."""
    import io
    im = Image.open(io.BytesIO(tiff_bytes(strip, width, height, compression, t4options)))
    im.load()
    assert im.size == (width, height)
    return image_to_rows(im)


def tiffcp_encode(rows, width, option, tmp_path, fill="lsb2msb"):
    """Encode with libtiff's tiffcp -c option, one strip; returns (strip, tags)."""
    if shutil.which("tiffcp") is None:
        raise AssertionError("tiffcp missing: install Debian package libtiff-tools")
    src = tmp_path / "src.tif"
    dst = tmp_path / "dst.tif"
    src.write_bytes(tiff_bytes(b"".join(rows), width, len(rows), COMP_NONE, fill_order=1))
    subprocess.run(["tiffcp", "-c", option, "-f", fill, "-r", str(len(rows)), str(src),
                    str(dst)], check=True, capture_output=True)
    tags, strips = read_tiff_strips(dst.read_bytes())
    assert len(strips) == 1
    return strips[0], tags


def pillow_encode(rows, width, compression):
    """Encode with libtiff through Pillow's TIFF writer ("group3" or "group4").
    Pillow writes min-is-black, so the image saved is the negative: its stored
    bits are then our rows (1 = black ink) and libtiff codes 0 bits as white runs.
    Returns (list of strips, tags); each strip is coded on its own."""
    import io
    neg = Image.frombytes("1", (width, len(rows)), b"".join(rows))
    buf = io.BytesIO()
    neg.save(buf, format="TIFF", compression=compression)
    tags, strips = read_tiff_strips(buf.getvalue())
    return strips, tags


def decode_strips(strips, tags, width, coding):
    """Decode every strip of a libtiff file with our decoder."""
    fill_order = tags.get(_T_FILLORDER, [1])[0]
    per_strip = tags[_T_ROWSPERSTRIP][0]
    height = tags[_T_LENGTH][0]
    rows = []
    bad = 0
    for strip in strips:
        want = min(per_strip, height - len(rows))
        got, d = decode(strip, width, coding, fill_order, max_rows=want)
        rows += got
        bad += d.bad_rows
    return rows, bad


def bits_to_octets(bits):
    """Pack a string of '0'/'1' in line order: first bit into the LSB of each octet
    (TIFF FillOrder 2), the last octet padded with zeros. Written independently of
    the codec for known-answer tests."""
    bits = bits + "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8][::-1], 2) for i in range(0, len(bits), 8))


# Code words copied by hand from T.4 (07/2003), first bit leftmost.
EOL = "000000000001"                    # §4.1.2
W0, W10, W51 = "00110101", "00111", "01010100"           # Table 2/T.4 white
B0, B3 = "0000110111", "10"                              # Table 2/T.4 black
MW1664, MW1728 = "011000", "010011011"                    # Table 3/T.4 white make-up
MB1728 = "0000001100101"                                  # Table 3/T.4 black make-up
V0, HORIZ = "1", "001"                                    # Table 4/T.4
W_ROW_1728 = MW1728 + W0            # an all-white 1728 row: 9 + 8 = 17 bits
B_ROW_1728 = W0 + MB1728 + B0       # an all-black row: white 0, black 1728 + 0
# white 10, black 3, white 1715 = 1664 + 51
ROW_A_BITS = W10 + B3 + MW1664 + W51
ROW_A = runs_row(1728, [10, 3, 1715])


def test_mh_known_code_words():
    data = encode([ROW_A, bytes(216)], 1728, faxt4.MH)

    assert data == bits_to_octets(EOL + ROW_A_BITS + EOL + W_ROW_1728 + EOL * 6)


def test_mh_fill_before_eol_up_to_min_row_bits():
    # Row A with its EOL is 12 + 5 + 2 + 6 + 8 = 33 bits, the white row 12 + 17 = 29:
    # with a 100-bit minimum, 67 and 71 zeros go before the next EOL; none in RTC.
    data = encode([ROW_A, bytes(216)], 1728, faxt4.MH, min_row_bits=100)

    expected = (EOL + ROW_A_BITS + "0" * 67 + EOL + W_ROW_1728 + "0" * 71 + EOL * 6)
    assert data == bits_to_octets(expected)


def test_mh_row_longer_than_minimum_gets_no_fill():
    data = encode([ROW_A], 1728, faxt4.MH, min_row_bits=33)

    assert data == bits_to_octets(EOL + ROW_A_BITS + EOL * 6)


def test_mr_known_code_words():
    # K = 2: row 0 is 1-D (tag 1), row 1 is 2-D (tag 0). Row 1 equals row 0, so each
    # changing element (10, 13, then the row end) is V0 (T.4 §4.2.1.3.2).
    data = encode([ROW_A, ROW_A], 1728, faxt4.MR, k=2)

    assert data == bits_to_octets(EOL + "1" + ROW_A_BITS + EOL + "0" + V0 * 3 + (EOL + "1") * 6)


def test_mmr_known_code_words():
    # Reference is the imaginary white row: b1 = b2 = 1728. a1 = 10 is too far from b1
    # for V and b2 is not left of a1, so horizontal mode codes white 10, black 3; then
    # a1 = b1 = 1728 gives V0. EOFB = EOL EOL (T.6 §2.4), padded to an octet.
    data = encode([ROW_A], 1728, faxt4.MMR)

    assert data == bits_to_octets(HORIZ + W10 + B3 + V0 + EOL + EOL)


def test_mmr_row_equal_to_reference_is_all_v0():
    data = encode([bytes(216), bytes(216)], 1728, faxt4.MMR)

    assert data == bits_to_octets(V0 + V0 + EOL + EOL)


def test_runs_over_2560_repeat_the_longest_make_up():
    # Black run 5185 = 2560 + 2560 + 64 + 1 (Table 3/T.4: 2560 = 000000011111,
    # black 64 = 0000001111, black 1 = 010); white 0 first, white 815 = 768 + 47.
    row = runs_row(6000, [0, 5185, 815])
    data = encode([row], 6000, faxt4.MH)

    bits = (EOL + W0 + "000000011111" * 2 + "0000001111" + "010"
            + "011001101" + "00001010" + EOL * 6)
    assert data == bits_to_octets(bits)


# ---- our coder into libtiff ----

def _pages():
    return {
        "text": (1728, text_page()),
        "testref": (1728, page_testref()[:600:3]),
        "random2432": (2432, random_runs_page(2432, 60, seed=3)),
        "random4864": (4864, random_runs_page(4864, 40, seed=4, mean_run=60)),
        "worst1728": (1728, worst_page(1728)),
        "long6000": (6000, [runs_row(6000, r) for r in (
            [6000], [0, 6000], [2560, 3440], [2623, 2777, 600], [2624, 3376],
            [1, 5184, 815], [0, 5185, 815], [3000, 1, 2999])]),
    }


CODINGS = [("mh", faxt4.MH, 0, COMP_G3, 0), ("mr2", faxt4.MR, 2, COMP_G3, 1),
           ("mr4", faxt4.MR, 4, COMP_G3, 1), ("mr8", faxt4.MR, 8, COMP_G3, 1),
           ("mmr", faxt4.MMR, 0, COMP_G4, 0)]


@pytest.mark.parametrize("page", sorted(_pages()))
@pytest.mark.parametrize("name,coding,k,comp,t4opt", CODINGS, ids=[c[0] for c in CODINGS])
def test_ours_decoded_by_libtiff(page, name, coding, k, comp, t4opt):
    width, rows = _pages()[page]

    data = encode(rows, width, coding, k)

    assert libtiff_decode(data, width, len(rows), comp, t4opt) == rows


@pytest.mark.parametrize("width", [1728, 2048, 2432, 3456, 4096, 4864])
@pytest.mark.parametrize("name,coding,k,comp,t4opt", CODINGS, ids=[c[0] for c in CODINGS])
def test_every_fax_width_decoded_by_libtiff(width, name, coding, k, comp, t4opt):
    rows = random_runs_page(width, 12, seed=width) + worst_page(width, 7)

    data = encode(rows, width, coding, k, min_row_bits=300)

    assert libtiff_decode(data, width, len(rows), comp, t4opt) == rows


# ---- libtiff's coder into our decoder ----

TIFFCP = [("g3:1d", faxt4.MH), ("g3:1d:fill", faxt4.MH), ("g3:2d", faxt4.MR),
          ("g3:2d:fill", faxt4.MR), ("g4", faxt4.MMR)]


@pytest.mark.parametrize("fill", ["lsb2msb", "msb2lsb"])
@pytest.mark.parametrize("option,coding", TIFFCP, ids=[t[0] for t in TIFFCP])
@pytest.mark.parametrize("page", ["text", "testref", "random4864", "worst1728", "long6000"])
def test_tiffcp_decoded_by_ours(tmp_path, page, option, coding, fill):
    width, rows = _pages()[page]
    strip, tags = tiffcp_encode(rows, width, option, tmp_path, fill)

    got, d = decode(strip, width, coding, tags[_T_FILLORDER][0], max_rows=len(rows))

    assert got == rows
    assert d.bad_rows == 0


@pytest.mark.parametrize("compression,coding", [("group3", faxt4.MH), ("group4", faxt4.MMR)])
def test_pillow_libtiff_decoded_by_ours(compression, coding):
    rows = text_page(height=700, seed=5)
    strips, tags = pillow_encode(rows, 1728, compression)

    got, bad = decode_strips(strips, tags, 1728, coding)

    assert got == rows
    assert bad == 0


def test_testref_page_semantics():
    # The page of mgetty's test-ref.g3, drawn here: each row holds one black pel at
    # column i. Our MH stream, decoded by libtiff and by us, gives back that picture.
    rows = page_testref()
    data = encode(rows, 1728, faxt4.MH)

    got_libtiff = libtiff_decode(data, 1728, 1728, COMP_G3)
    got, d = decode(data, 1728, faxt4.MH)

    for i, r in enumerate(got_libtiff):
        black = [x for x in range(1728) if r[x >> 3] & (0x80 >> (x & 7))]
        assert black == [i]
    assert got == got_libtiff
    assert d.end() and d.bad_rows == 0 and d.rows == 1728


# ---- decoder behaviour ----

@pytest.mark.parametrize("coding,k", [(faxt4.MH, 0), (faxt4.MR, 4), (faxt4.MMR, 0)])
@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_decoder_any_feed_chunking(coding, k, chunk):
    rows = text_page(height=120, seed=7)
    data = encode(rows, 1728, coding, k)

    got, d = decode(data, 1728, coding, chunk=chunk)

    assert got == rows
    assert d.end() and d.bad_rows == 0


def test_decoder_fill_order_1():
    rows = text_page(height=100, seed=8)
    data = encode(rows, 1728, faxt4.MR, 2)
    msb_first = bytes(int("{:08b}".format(b)[::-1], 2) for b in data)

    got, d = decode(msb_first, 1728, faxt4.MR, fill_order=1)

    assert got == rows and d.end()


def test_feed_is_bounded_by_the_ring():
    d = faxt4.Decoder(1728, faxt4.MH)

    assert d.feed(bytes(3 * faxt4.RING_OCTETS)) == faxt4.RING_OCTETS
    assert d.free() == 0
    assert d.row(bytearray(216)) is False      # zeros only: still hunting for EOL
    assert d.free() == faxt4.RING_OCTETS


def test_garbage_before_first_eol_is_discarded():
    rows = [ROW_A, bytes(216)]
    data = b"\xff\xa5\x37" + encode(rows, 1728, faxt4.MH)

    got, d = decode(data, 1728, faxt4.MH)

    assert got == rows and d.bad_rows == 0 and d.end()


@pytest.mark.parametrize("bad", [
    "000000001" + W0,               # 8 zeros then 1: no such white code
    MW1728 + "1000",                # white 1728 + 3 = 1731 pels: longer than the row
    "11011" + W0,                   # white 64 + 0, then EOL: row too short
])
def test_bad_mh_row_is_counted_and_replaced(bad):
    # Rows: white, black, <bad>, white, black; the bad one comes out as a copy of the
    # last good row (black) and decoding resumes at the next EOL.
    bits = (EOL + W_ROW_1728 + EOL + B_ROW_1728 + EOL + bad + EOL + W_ROW_1728
            + EOL + B_ROW_1728 + EOL * 6)
    white, black = bytes(216), b"\xff" * 216

    got, d = decode(bits_to_octets(bits), 1728, faxt4.MH)

    assert got == [white, black, black, white, black]
    assert d.bad_rows == 1 and d.end()


def test_bad_mr_row_is_replaced_and_stays_the_reference():
    # MR: 1-D black row, a 2-D row with a bad mode code (0000001 = extension), then
    # a 2-D row of V0 against the reference: it copies the last good row.
    bits = (EOL + "1" + B_ROW_1728 + EOL + "0" + "0000001000" + EOL + "0" + V0 * 2
            + (EOL + "1") * 6)
    black = b"\xff" * 216

    got, d = decode(bits_to_octets(bits), 1728, faxt4.MR)

    assert got == [black, black, black]
    assert d.bad_rows == 1 and d.end()


def test_truncated_stream_gives_a_prefix_and_no_end():
    rows = text_page(height=200, seed=9)
    for coding, k in ((faxt4.MH, 0), (faxt4.MR, 2), (faxt4.MMR, 0)):
        data = encode(rows, 1728, coding, k)

        got, d = decode(data[:len(data) // 2], 1728, coding)

        assert 0 < len(got) < len(rows)
        assert got == rows[:len(got)]
        assert not d.end() and d.bad_rows == 0


def test_mmr_error_ends_the_page():
    bits = HORIZ + W10 + B3 + V0 + "0000001000" + V0 * 5
    got, d = decode(bits_to_octets(bits), 1728, faxt4.MMR)

    assert got == [ROW_A, ROW_A]        # the bad row is the last good one again
    assert d.bad_rows == 1 and d.end()


def test_reset_starts_a_new_page():
    rows = text_page(height=40, seed=10)
    e = faxt4.Encoder(1728, faxt4.MR, 4)
    out = bytearray(faxt4.max_row_octets(1728))
    first = bytearray()
    for r in rows[:5]:
        first += out[:e.encode(r, out)]
    e.reset()
    second = bytearray()
    for r in rows:
        second += out[:e.encode(r, out)]
    second += out[:e.finish(out)]

    assert bytes(second) == encode(rows, 1728, faxt4.MR, 4)


def test_odd_width_round_trip():
    for width in (1, 7, 9, 215, 1729):
        rows = random_runs_page(width, 10, seed=width, mean_run=3)
        for coding, k in ((faxt4.MH, 0), (faxt4.MR, 3), (faxt4.MMR, 0)):
            got, d = decode(encode(rows, width, coding, k), width, coding)

            assert got == rows and d.end()


def test_api_errors():
    with pytest.raises(ValueError):
        faxt4.Encoder(0, faxt4.MH)
    with pytest.raises(ValueError):
        faxt4.Encoder(1728, faxt4.MR, 0)
    with pytest.raises(ValueError):
        faxt4.Encoder(1728, 7)
    with pytest.raises(ValueError):
        faxt4.Decoder(1728, faxt4.MH, 3)
    e = faxt4.Encoder(1728, faxt4.MH)
    with pytest.raises(ValueError):
        e.encode(bytes(216), bytearray(faxt4.max_row_octets(1728) - 1))
    with pytest.raises(ValueError):
        e.encode(bytes(215), bytearray(faxt4.max_row_octets(1728)))
    with pytest.raises(ValueError):
        faxt4.Decoder(1728, faxt4.MH).row(bytearray(215))


@pytest.mark.parametrize("page", ["text", "testref", "long6000"])
def test_mmr_matches_libtiff_byte_for_byte(tmp_path, page):
    # T.6 leaves the coder no choices, so libtiff's G4 strip (FillOrder 2, EOFB and
    # zero padding included) and ours must be the same octets.
    width, rows = _pages()[page]
    strip, _ = tiffcp_encode(rows, width, "g4", tmp_path, "lsb2msb")

    assert encode(rows, width, faxt4.MMR) == strip


@pytest.mark.parametrize("page", ["text", "testref", "long6000"])
def test_mh_matches_libtiff_bit_for_bit(tmp_path, page):
    # libtiff's G3 1-D strip is EOL + codes per row without RTC; ours up to the last
    # whole octet before RTC is the same bits.
    width, rows = _pages()[page]
    strip, _ = tiffcp_encode(rows, width, "g3:1d", tmp_path, "lsb2msb")

    ours, _ = encode_rows_only(rows, width, faxt4.MH)

    assert len(strip) - len(ours) in (0, 1)     # libtiff pads the last partial octet
    assert strip[:len(ours)] == ours


def test_extra_eols_before_the_first_row_are_skipped():
    bits = EOL * 3 + EOL + W_ROW_1728 + EOL + B_ROW_1728 + EOL * 6

    got, d = decode(bits_to_octets(bits), 1728, faxt4.MH)

    assert got == [bytes(216), b"\xff" * 216]
    assert d.end() and d.bad_rows == 0


def test_page_of_rtc_alone_ends_with_no_rows():
    got, d = decode(bits_to_octets(EOL * 6), 1728, faxt4.MH)

    assert got == [] and d.end()


# ---- real documents (fetched once into the shared cache by picofax.corpus) ----

def _real_fax_tiff(name):
    from picofax import corpus

    path = corpus.fetch(name)
    with open(path, "rb") as f:
        blob = f.read()
    tags, strips = read_tiff_strips(blob)
    assert tags[_T_COMPRESSION] == [COMP_G4] and tags[_T_PHOTOMETRIC] == [0]
    return tags, strips, image_to_rows(Image.open(path))


@pytest.mark.parametrize("name", ["F01_viewfax.tif", "F04_pport_g4.tif"])
def test_real_fax_tiff_decoded_like_libtiff_and_recoded(name):
    # A fax page (mgetty's viewfax.tif) and dense small text (564 changes in a row):
    # our MMR decoder gives libtiff's bitmap; our MH, MR and MMR of that bitmap
    # decode through libtiff to the same bitmap.
    tags, strips, libtiff_rows = _real_fax_tiff(name)
    width = tags[_T_WIDTH][0]

    got, bad = decode_strips(strips, tags, width, faxt4.MMR)

    assert bad == 0 and got == libtiff_rows
    for _, coding, k, comp, t4opt in CODINGS[:2] + CODINGS[-1:]:
        data = encode(got, width, coding, k)
        assert libtiff_decode(data, width, len(got), comp, t4opt) == got


def test_real_text_page_both_ways(tmp_path):
    # Page 1 of the LaTeX users' guide rendered at 204 x 196 dpi to a 1728-pel row.
    import pypdfium2
    from picofax import corpus

    pdf = pypdfium2.PdfDocument(corpus.fetch("D02_usrguide.pdf"))
    im = pdf[0].render(scale=204 / 72).to_pil().convert("L")
    im = im.resize((1728, im.height * 1728 * 196 // (im.width * 204)))
    rows = image_to_rows(im.point(lambda v: 255 if v > 128 else 0).convert("1"))
    assert sum(1 for r in rows if any(r)) > 500          # a page with real text on it

    for option, coding, k, comp, t4opt in (("g3:1d", faxt4.MH, 0, COMP_G3, 0),
                                           ("g3:2d", faxt4.MR, 4, COMP_G3, 1),
                                           ("g4", faxt4.MMR, 0, COMP_G4, 0)):
        strip, tags = tiffcp_encode(rows, 1728, option, tmp_path)
        got, d = decode(strip, 1728, coding, tags[_T_FILLORDER][0], max_rows=len(rows))
        assert got == rows and d.bad_rows == 0
        assert libtiff_decode(encode(rows, 1728, coding, k), 1728, len(rows), comp, t4opt) == rows
