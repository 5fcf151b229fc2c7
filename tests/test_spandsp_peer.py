"""spandsp_peer, the SpanDSP 0.0.6 far end: its modems, HDLC framer and tones looped
back on themselves, with every expected value computed here (random data, CRC-16 FCS per
T.30 §5.3 and ISO/IEC 3309, tone frequencies by FFT, levels by RMS)."""
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw

import spandsp_peer as sp
from picofax.line import Channel, Line

FS_HZ = 8000
BLOCK = 160
# 0 dBm0 is a sine of RMS 16,099 (full-scale sine = +3.14 dBm0, see the faxcore README).
DBM0_RMS = 16099.0

FAST_MODES = [("v27ter", 2400), ("v27ter", 4800), ("v29", 4800), ("v29", 7200), ("v29", 9600),
              ("v17", 7200), ("v17", 9600), ("v17", 12000), ("v17", 14400)]
ALL_MODES = FAST_MODES + [("v21", 300)]


def level_dbm0(samples):
    x = np.frombuffer(samples, dtype="<i2").astype(np.float64)
    return 10.0 * np.log10(np.mean(x * x) / DBM0_RMS ** 2)


def random_octets(n, seed):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(n))


def lsb_first_bits(data):
    """Line order: each octet LSB first, one 0/1 octet per bit."""
    return bytes((b >> i) & 1 for b in data for i in range(8))


def loop(tx, rx, max_samples, lead_samples=0):
    """Run tx into rx block by block until tx finishes, then flush rx with silence."""
    if lead_samples:
        rx.rx(tx.tx(lead_samples))
    n = 0
    while not tx.finished and n < max_samples:
        rx.rx(tx.tx(BLOCK))
        n += BLOCK
    rx.rx(bytes(2 * 4000))
    return n


def count_errors(got, want, sync_bits=64):
    """Align on the first `sync_bits` of `want`, then count bit errors over all of it."""
    start = got.find(want[:sync_bits])
    assert start >= 0, "data never found in the received bits"
    tail = np.frombuffer(got[start:start + len(want)], dtype=np.uint8)
    assert len(tail) == len(want), "received bits end before the data does"
    return start, int(np.count_nonzero(tail != np.frombuffer(want, dtype=np.uint8)))


@pytest.mark.parametrize("kind,rate", ALL_MODES)
def test_modem_loopback_20000_bits_error_free(kind, rate):
    data = random_octets(2500, seed=rate + len(kind))
    want = lsb_first_bits(data)
    tx = sp.ModemTx(kind, rate)
    rx = sp.ModemRx(kind, rate)
    tx.push(data)
    tx.end()

    n = loop(tx, rx, max_samples=FS_HZ * 120)
    got = rx.bits()

    assert tx.finished, "transmitter never finished (%d samples)" % n
    start, errors = count_errors(got, want)
    assert errors == 0
    names = [name for name, _ in rx.events()]
    assert names[0] == "carrier_up" and names[-1] == "carrier_down"
    if kind != "v21":
        assert "training_ok" in names and "training_failed" not in names
        assert names.index("training_ok") < names.index("carrier_down")


@pytest.mark.parametrize("kind,rate", ALL_MODES)
def test_tx_sends_ones_until_data_is_pushed(kind, rate):
    # 2.5 s with nothing queued (V.17's long training alone takes about 1.4 s),
    # then data: everything received before it is ones.
    data = random_octets(200, seed=7)
    tx = sp.ModemTx(kind, rate)
    rx = sp.ModemRx(kind, rate)
    rx.rx(tx.tx(20000))
    tx.push(data)
    tx.end()

    loop(tx, rx, max_samples=FS_HZ * 30)
    got = rx.bits()

    start, errors = count_errors(got, lsb_first_bits(data))
    assert errors == 0
    # V.21 needs a few bit times before its demodulator settles: skip them.
    settle = 8 if kind == "v21" else 0
    lead = got[settle:start]
    assert len(lead) > rate // 2
    assert set(lead) == {1}


@pytest.mark.parametrize("kind,rate", ALL_MODES)
def test_tx_level_and_rx_power_report(kind, rate):
    tx = sp.ModemTx(kind, rate, level_dbm0=-13)
    quiet = sp.ModemTx(kind, rate, level_dbm0=-30)
    rx = sp.ModemRx(kind, rate)
    tx.push(random_octets(4000, seed=3))
    quiet.push(random_octets(4000, seed=3))

    rx.rx(tx.tx(16000))
    block = tx.tx(8000)
    rx.rx(block)
    quiet.tx(16000)

    assert abs(level_dbm0(block) - (-13.0)) < 0.3
    assert abs(level_dbm0(quiet.tx(8000)) - (-30.0)) < 0.3
    stats = rx.stats()
    assert "power_dbm0" in stats
    if kind != "v21":
        # SpanDSP's QAM receivers measure power after their own filters.
        assert abs(stats["power_dbm0"] - level_dbm0(block)) < 1.5


def test_tx_returns_exact_lengths_and_silence_after_finish():
    tx = sp.ModemTx("v29", 9600)
    tx.push(b"\x55" * 10)
    tx.end()

    lengths = [len(tx.tx(n)) for n in (0, 1, 159, 4097, 10000)]
    while not tx.finished:
        tx.tx(BLOCK)
    after = tx.tx(1000)

    assert lengths == [0, 2, 318, 8194, 20000]
    assert after == bytes(2000)


def test_bad_kind_and_rate_rejected():
    with pytest.raises(ValueError):
        sp.ModemTx("v34", 9600)
    with pytest.raises(ValueError):
        sp.ModemRx("v29", 4801)
    with pytest.raises(ValueError):
        sp.ModemTx("v21", 2400)


def test_v17_short_train_after_long_train():
    # T.30 image data at V.17 uses the short train after TCF: receiver restart(short_train).
    first = random_octets(300, seed=11)
    second = random_octets(300, seed=12)
    rx = sp.ModemRx("v17", 14400)
    tx = sp.ModemTx("v17", 14400, long_train=True)
    tx.push(first)
    tx.end()
    loop(tx, rx, max_samples=FS_HZ * 10)
    assert count_errors(rx.bits(), lsb_first_bits(first))[1] == 0
    rx.events()

    rx.restart(14400, short_train=True)
    tx = sp.ModemTx("v17", 14400, long_train=False)
    tx.push(second)
    tx.end()
    loop(tx, rx, max_samples=FS_HZ * 10)

    assert count_errors(rx.bits(), lsb_first_bits(second))[1] == 0
    assert "training_ok" in [name for name, _ in rx.events()]


# --- HDLC over V.21 ---------------------------------------------------------------

def crc16_fcs(frame):
    """HDLC FCS (T.30 §5.3, ISO/IEC 3309): CRC-16-CCITT, reflected (poly 0x8408),
    preset 0xFFFF, ones' complement, sent low octet first."""
    crc = 0xFFFF
    for b in frame:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


def test_fcs_helper_known_answer():
    # CRC-16/X.25 (the HDLC FCS) of ASCII "123456789" is 0x906E, sent low octet first.
    assert crc16_fcs(b"123456789") == bytes([0x6E, 0x90])


def stuff(bits):
    """Insert a 0 after five consecutive 1s (zero-bit insertion)."""
    out, ones = [], 0
    for b in bits:
        out.append(b)
        ones = ones + 1 if b else 0
        if ones == 5:
            out.append(0)
            ones = 0
    return bytes(out)


FLAG = bytes([0, 1, 1, 1, 1, 1, 1, 0])


def unframe(bits):
    """Split a received bit stream at flags, unstuff, and return the frames (with FCS)."""
    text = "".join("1" if b else "0" for b in bits)
    frames, i, in_frame = [], 0, False
    while True:
        j = text.find("01111110", i)
        if j < 0:
            return frames
        chunk = text[i:j]
        if in_frame and chunk:
            raw = chunk.replace("111110", "11111")
            if len(raw) % 8 == 0:
                frames.append(bytes(int(raw[k:k + 8][::-1], 2) for k in range(0, len(raw), 8)))
        in_frame = True
        i = j + 8


# A DIS as T.30 writes it: address FF, control 13 (final), FCF 01 as written in T.30
# (first bit sent is the MSB of the notation), stored LSB-first as 0x80, then FIF.
DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4])
CSI = bytes([0xFF, 0x03, 0x40]) + b"  1234 5678 90      "[::-1]


def test_hdlc_frames_loop_back_with_crc_ok():
    tx = sp.HdlcV21Tx()
    rx = sp.HdlcV21Rx()
    tx.frame(CSI, False)
    tx.frame(DIS, True)

    n = loop(tx, rx, max_samples=FS_HZ * 10)

    assert tx.finished
    assert rx.frames() == [(CSI, True), (DIS, True)]
    # Preamble 37 flags + two frames + closing flags at 300 bit/s: about 2.5 s.
    assert 1.5 * FS_HZ < n < 3.5 * FS_HZ


def test_hdlc_tx_bits_match_independent_framing():
    # HdlcV21Tx's line bits, read back with the raw V.21 receiver, hold our own
    # framing of the frame: flags, stuffed frame bits, our FCS.
    tx = sp.HdlcV21Tx(preamble_flags=4)
    rx = sp.ModemRx("v21", 300)
    frame = bytes([0xFF, 0x13, 0xFB]) + b"\x1f\xf8\x3e"  # runs of ones force stuffing
    tx.frame(frame, True)

    loop(tx, rx, max_samples=FS_HZ * 5)
    got = rx.bits()

    # Exactly the 4 preamble flags (the last one opens the frame), then the frame.
    body = stuff(lsb_first_bits(frame + crc16_fcs(frame))) + FLAG
    assert FLAG * 4 + body in got
    assert FLAG * 5 + body not in got
    assert unframe(got) == [frame + crc16_fcs(frame)]


def test_hdlc_rx_checks_independently_built_frames():
    # Frames framed here (our FCS and stuffing) sent with the raw V.21 transmitter:
    # good FCS -> crc_ok True, FCS with one bit flipped -> crc_ok False.
    good = bytes([0xFF, 0x03, 0x20]) + bytes(range(0xF0, 0x100))
    bad_fcs = bytearray(crc16_fcs(good))
    bad_fcs[0] ^= 0x04
    bits = FLAG * 30
    bits += stuff(lsb_first_bits(good + crc16_fcs(good))) + FLAG
    bits += stuff(lsb_first_bits(good + bytes(bad_fcs))) + FLAG * 3
    tx = sp.ModemTx("v21", 300)
    rx = sp.HdlcV21Rx()
    tx.push(pack_bits(bits))
    tx.end()

    loop(tx, rx, max_samples=FS_HZ * 10)

    assert rx.frames() == [(good, True), (good, False)]


def pack_bits(bits):
    """0/1 octets (line order) back into octets, LSB first; pads with flag bits."""
    bits = bytes(bits) + FLAG[: (-len(bits)) % 8]
    return bytes(sum(bits[k + i] << i for i in range(8)) for k in range(0, len(bits), 8))


def test_hdlc_tx_refuses_frames_after_final():
    tx = sp.HdlcV21Tx()
    tx.frame(DIS, True)
    with pytest.raises(RuntimeError):
        tx.frame(DIS, True)


# --- tones -------------------------------------------------------------------------

def peak_hz(samples):
    x = np.frombuffer(samples, dtype="<i2").astype(np.float64)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.argmax(spec) * FS_HZ / len(x)


def run_tone(kind, detector, seconds):
    t = sp.ToneTx(kind)
    r = sp.ToneRx(detector)
    audio = t.tx(FS_HZ * seconds)
    for k in range(0, len(audio), 2 * BLOCK):
        r.rx(audio[k:k + 2 * BLOCK])
    return audio, r.detected()


def test_ced_tone_generated_and_detected():
    audio, found = run_tone("ced", "ced", 5)

    assert abs(peak_hz(audio[:2 * FS_HZ]) - 2100) < 2
    x = np.frombuffer(audio, dtype="<i2")
    on = np.flatnonzero(np.abs(x) > 1000)
    assert [name for name, _ in found] == ["ced", "none"]
    # CED (T.30 phase A, the V.25 answer tone): 2100 Hz for 2.6-4.0 s. SpanDSP plays
    # 0.2 s of silence then the 2.6 s minimum; the amplitude gate trims a few samples.
    assert 0.19 * FS_HZ <= on[0] <= 0.21 * FS_HZ
    assert 2.59 * FS_HZ <= on[-1] - on[0] <= 4.0 * FS_HZ
    assert on[0] <= found[0][1] < on[0] + FS_HZ


def test_ansam_generated_and_reported_by_ced_detector():
    audio, found = run_tone("ansam", "ced", 5)
    steady = audio[2 * FS_HZ:2 * 3 * FS_HZ]   # 1 s to 3 s, well inside the tone
    env = np.abs(np.frombuffer(steady, dtype="<i2").astype(float))
    # 15 Hz amplitude modulation (V.8 ANSam): the envelope's spectrum peaks at 15 Hz
    # (bins are 0.5 Hz wide over 2 s; look below 100 Hz, away from the 4200 Hz ripple).
    env_spec = np.abs(np.fft.rfft(env - env.mean()))
    am_hz = (np.argmax(env_spec[1:200]) + 1) * FS_HZ / len(env)

    assert abs(peak_hz(steady) - 2100) < 2
    assert am_hz == pytest.approx(15.0, abs=0.5)
    assert found[0][0] == "ansam"


def test_cng_cadence_detected():
    audio, found = run_tone("cng", "cng", 8)
    x = np.frombuffer(audio, dtype="<i2")
    on = np.abs(x) > 1000
    # A burst starts where the tone is on after 80 samples (10 ms) of it being off.
    recent = np.convolve(on, np.ones(80), "full")[:len(on) - 1].astype(bool)
    onsets = np.flatnonzero(on[1:] & ~recent) + 1

    assert abs(peak_hz(audio[:FS_HZ // 2]) - 1100) < 3
    # CNG (T.30 phase A): 0.5 s on, 3 s off, so bursts start every 3.5 s = 28000 samples.
    assert len(onsets) == 3
    assert all(abs(b - a - 28000) <= 4 for a, b in zip(onsets, onsets[1:]))
    starts = [idx for name, idx in found if name == "cng"]
    assert len(starts) == 3
    # Each burst is reported during the burst (0.5 s = 4000 samples).
    assert all(0 < s - o < 4000 for s, o in zip(starts, onsets))


def test_tone_detectors_do_not_cross_report():
    assert run_tone("cng", "ced", 4)[1] == []
    assert run_tone("ced", "cng", 4)[1] == []


# --- FaxTerminal: whole T.30 calls between two SpanDSP terminals ----------------------

A4_WIDTH_PELS = 1728          # T.4 §2.2: 1728 pels on 215 mm
CALL_LIMIT_SAMPLES = FS_HZ * 300


def make_pages(count, rows=1100):
    """Fax pages drawn here: text and a filled block that differ per page."""
    pages = []
    for p in range(count):
        im = Image.new("1", (A4_WIDTH_PELS, rows), 1)
        d = ImageDraw.Draw(im)
        for k in range(rows // 30):
            d.text((40 + (k * 37) % 1200, 20 + k * 28), "page %d row %d picofax" % (p + 1, k),
                   fill=0)
        d.rectangle((200 + 150 * p, rows // 2, 700 + 150 * p, rows // 2 + 120), fill=0)
        d.line((0, rows - 1, A4_WIDTH_PELS - 1, 0), fill=0, width=3)
        pages.append(im)
    return pages


def save_g4_tiff(pages, path):
    # Pillow's Group 4 TIFF carries BitsPerSample, which SpanDSP 0.0.6 needs.
    pages[0].save(path, compression="group4", save_all=True, append_images=pages[1:],
                  dpi=(204, 196))


def read_tiff_pages(path):
    with Image.open(path) as im:
        out = []
        for i in range(im.n_frames):
            im.seek(i)
            out.append(np.array(im.convert("1")))
        return out


def run_call(caller, answerer, line):
    while not (caller.done and answerer.done) and line.samples < CALL_LIMIT_SAMPLES:
        line.step(caller, answerer)
    return line.samples


@pytest.mark.parametrize("modems,ecm", [("v27ter,v29,v17", False), ("v29", True),
                                        ("v27ter", False)])
def test_two_page_fax_arrives_pixel_for_pixel(tmp_path, modems, ecm):
    pages = make_pages(2)
    tx_file, rx_file = str(tmp_path / "tx.tif"), str(tmp_path / "rx.tif")
    save_g4_tiff(pages, tx_file)
    caller = sp.FaxTerminal(True, ident="+1 555 0100", tx_file=tx_file, ecm=ecm, modems=modems)
    answerer = sp.FaxTerminal(False, ident="+1 555 0199", rx_file=rx_file, ecm=ecm, modems=modems)
    line = Line(Channel(noise_dbm0=-60, seed=1), Channel(noise_dbm0=-60, seed=2))

    samples = run_call(caller, answerer, line)

    assert caller.done and answerer.done, "call did not end in %d samples" % samples
    sent, got = caller.result(), answerer.result()
    assert (sent["completion_code"], sent["completion_text"]) == (0, "OK")
    assert got["completion_code"] == 0
    assert sent["pages_tx"] == 2 and got["pages_rx"] == 2
    assert sent["remote_ident"] == "+1 555 0199" and got["remote_ident"] == "+1 555 0100"
    assert got["ecm"] is ecm
    assert got["bit_rate"] == {"v27ter,v29,v17": 14400, "v29": 9600, "v27ter": 4800}[modems]
    assert got["width"] == A4_WIDTH_PELS and got["bad_rows"] == 0
    # 204 x 196 dpi is 8.03 pels/mm x 7.7 lines/mm: SpanDSP reports pels per metre.
    assert (got["x_resolution"], got["y_resolution"]) == (8031, 7700)
    assert [p["frame"] for p in answerer.pages()] == ["MPS", "EOP"]
    received = read_tiff_pages(rx_file)
    assert len(received) == 2
    for want, have in zip(pages, received):
        assert np.array_equal(np.array(want), have)


def test_fax_log_lines_have_advancing_timestamps(tmp_path):
    tx_file = str(tmp_path / "tx.tif")
    save_g4_tiff(make_pages(1, rows=300), tx_file)
    caller = sp.FaxTerminal(True, tx_file=tx_file, tag="A")
    answerer = sp.FaxTerminal(False, rx_file=str(tmp_path / "rx.tif"), log_level="none")
    line = Line()

    run_call(caller, answerer, line)
    log = caller.log()

    assert answerer.log() == []
    assert any("DIS" in s for s in log) and any("DCS" in s for s in log)
    assert all(" A " in s for s in log)
    stamps = [s.split()[0] for s in log]
    seconds = [int(t[:2]) * 3600 + int(t[3:5]) * 60 + float(t[6:]) for t in stamps]
    assert seconds == sorted(seconds)
    assert seconds[-1] > 10.0
    assert caller.log() == []     # drained


def test_fax_terminal_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        sp.FaxTerminal(True, modems="v34")
    with pytest.raises(ValueError):
        sp.FaxTerminal(True, ident="X" * 21)
    with pytest.raises(ValueError):
        sp.FaxTerminal(True, log_level="loud")
    with pytest.raises(FileNotFoundError):
        sp.FaxTerminal(True, tx_file=str(tmp_path / "missing.tif"))


def test_no_answer_ends_with_timeout_after_60_s():
    # Nobody answers: the caller gives up when T0 (T.30: 60 +/- 5 s for the called
    # terminal to answer) expires; SpanDSP uses 60 s and reports T30_ERR_T0_EXPIRED.
    caller = sp.FaxTerminal(True)
    n = 0
    while not caller.done and n < FS_HZ * 120:
        caller.rx(bytes(2 * BLOCK))
        caller.tx(BLOCK)
        n += BLOCK

    result = caller.result()
    assert caller.done
    assert (result["completion_code"], result["completion_text"]) == (
        2, "Timed out waiting for initial communication")
    assert abs(n - 60 * FS_HZ) <= BLOCK


def test_every_receiver_refuses_an_odd_byte_count():
    # int16 samples come in whole: one shared check in the binding (peer_get_samples).
    receivers = [sp.ModemRx("v29", 9600), sp.HdlcV21Rx(),
                 sp.ToneRx("ced"), sp.FaxTerminal(calling=False)]

    for rx in receivers:
        with pytest.raises(ValueError, match="even byte count"):
            rx.rx(b"\x00\x00\x00")
        rx.rx(b"\x00\x00" * 160)  # and whole samples still go in
