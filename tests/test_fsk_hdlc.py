"""V.21 channel 2 FSK (dsp/fsk.c) and HDLC framing (dsp/hdlc.c), through the
`faxmodem` binding: wire bits byte for byte, receiver edge cases, loopback over
a noisy line, and interoperation with SpanDSP 0.0.6 in both directions.

The expected line bits are built here by an independent HDLC encoder (CRC-16
of ISO 3309 / T.30 §5.3.7, bit stuffing of ISO/IEC 13239).
"""
import numpy as np
import pytest

import faxmodem as fm
import spandsp_peer as sp

BLOCK = 160
FLAG = [0, 1, 1, 1, 1, 1, 1, 0]


# ---- an independent HDLC encoder ----

def crc16_x25(data):
    """FCS of T.30 §5.3.7: reflected CRC-16-CCITT, preset 0xFFFF, complemented."""
    crc = 0xFFFF
    for octet in data:
        crc ^= octet
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def octet_bits(data):
    """Line order: LSB of each octet first."""
    return [(octet >> i) & 1 for octet in data for i in range(8)]


def stuff(bits):
    out, ones = [], 0
    for b in bits:
        out.append(b)
        ones = ones + 1 if b else 0
        if ones == 5:
            out.append(0)
            ones = 0
    return out


def frame_bits(data, fcs=None):
    """Stuffed line bits of data + FCS (both LSB first), without flags."""
    if fcs is None:
        fcs = crc16_x25(data)
    return stuff(octet_bits(bytes(data) + bytes([fcs & 0xFF, fcs >> 8])))


def pack_bits(bits):
    """Bits in line order -> octets for RawTx/ModemTx (LSB first); pads with flags' 0."""
    bits = list(bits) + [0] * (-len(bits) % 8)
    return np.packbits(np.array(bits, dtype=np.uint8), bitorder="little").tobytes()


# ---- line helpers ----

def add_noise(samples, snr_db, seed):
    """White Gaussian noise over 0-4 kHz at snr_db below the mean power of the
    non-silent part of `samples`."""
    x = samples.astype(np.float64)
    active = x[np.abs(x) > 0]
    p_sig = np.mean(active ** 2)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, np.sqrt(p_sig / 10 ** (snr_db / 10.0)), len(x))
    return np.clip(np.round(x + noise), -32768, 32767).astype(np.int16)


def play_modem(modem, tail_ms=200, limit_s=30):
    """Runs a Modem's transmit queue to the end, plus a tail of silence."""
    buf = np.zeros(BLOCK, dtype=np.int16)
    out = []
    for _ in range(limit_s * 8000 // BLOCK):
        modem.tx(buf)
        out.append(buf.copy())
        if modem.tx_idle():
            break
    out.append(np.zeros(tail_ms * 8, dtype=np.int16))
    return np.concatenate(out)


def play_raw(tx, lead_ms=100, tail_ms=200, limit_s=30):
    out = [np.zeros(lead_ms * 8, dtype=np.int16)]
    for _ in range(limit_s * 8000 // BLOCK):
        if tx.finished:
            break
        out.append(np.frombuffer(tx.tx(BLOCK), dtype=np.int16))
    assert tx.finished
    out.append(np.zeros(tail_ms * 8, dtype=np.int16))
    return np.concatenate(out)


def our_frames(samples):
    """Our V.21 HDLC receiver: returns ([(data, crc_ok)], [carrier events])."""
    m = fm.Modem()
    m.rx_mode(fm.RX_V21)
    frames, carrier = [], []
    for i in range(0, len(samples), BLOCK):
        m.rx(samples[i:i + BLOCK].tobytes())
        ev = m.event()
        while ev is not None:
            if ev[0] == fm.EV_FRAME:
                frames.append((ev[1], ev[2]))
            elif ev[0] == fm.EV_CARRIER:
                carrier.append((ev[1], ev[2]))
            ev = m.event()
    return frames, carrier


def spandsp_frames(samples):
    rx = sp.HdlcV21Rx()
    rx.rx(samples.tobytes())
    return [(bytes(d), ok) for d, ok in rx.frames()]


def send_ours(frames, level_dbm0=-10, preamble_ms=1000):
    m = fm.Modem(level_dbm0=level_dbm0)
    m.tx_silence(50)
    m.tx_v21(preamble_ms)
    for i, f in enumerate(frames):
        m.tx_frame(f, i == len(frames) - 1)
    return play_modem(m)


def send_spandsp(frames, level_dbm0=-10):
    tx = sp.HdlcV21Tx(level_dbm0=level_dbm0)
    for i, f in enumerate(frames):
        tx.frame(f, i == len(frames) - 1)
    return play_raw(tx)


# Frames with the awkward bit patterns: long runs of ones (stuffing in every
# octet), flag-like octets, and a T.30-sized random frame.
_RNG = np.random.default_rng(21)
FRAMES = [
    bytes([0xFF, 0x03, 0x40]) + b"\xff" * 24,                       # CSI-like, all ones
    bytes([0xFF, 0x03, 0x20]) + b"\x7e" * 12 + b"\x3f\xfc\xf8\x1f",  # flags inside data
    bytes([0xFF, 0x13, 0x80]) + bytes(_RNG.integers(0, 256, 16, dtype=np.uint8)),
]


# ---- tests ----

def test_crc_matches_published_check_value():
    # CRC-16/X-25 (the HDLC FCS) of "123456789" is 0x906E in the CRC catalogue.
    assert crc16_x25(b"123456789") == 0x906E


def test_tx_line_bits_byte_for_byte():
    # DIS with no FIF in memory order (T.30 "FF C8 01"): FF 13 80.
    # FCS = CRC-16/X-25 of FF 13 80 = 0x3BCE, sent CE 3B, each LSB first:
    # CE -> 0 1 1 1 0 0 1 1, 3B -> 1 1 0 1 1 1 0 0.
    # FF gives five 1s, a stuffed 0, three 1s; 13 (1 1 0 0 1 0 0 0) starts
    # with two 1s, making five again: a second stuffed 0. 80 and the FCS
    # never reach five 1s.
    frame = bytes([0xFF, 0x13, 0x80])
    expected_frame = ([1, 1, 1, 1, 1, 0, 1, 1, 1]      # FF with one stuffed 0
                      + [1, 1, 0, 0, 0, 1, 0, 0, 0]    # 13 with one stuffed 0
                      + [0, 0, 0, 0, 0, 0, 0, 1]       # 80
                      + [0, 1, 1, 1, 0, 0, 1, 1]       # CE
                      + [1, 1, 0, 1, 1, 1, 0, 0])      # 3B
    assert expected_frame == frame_bits(frame)
    m = fm.Modem()
    m.tx_v21(200)                       # 200 ms = 60 bits -> 8 flags (rounded up)
    m.tx_frame(frame, True)

    samples = play_modem(m)
    rx = fm.RawRx(fm.V21, 300)
    rx.rx(samples.tobytes())
    bits = list(rx.bits())

    # Preamble flags, the frame, the closing flag and two more flags, then the
    # carrier stops: nothing after it but the receiver's tail.
    wanted = FLAG * 6 + expected_frame + FLAG * 3
    text = "".join(map(str, bits))
    pos = text.find("".join(map(str, wanted)))
    assert pos >= 0
    lead = text[:pos]
    assert lead.endswith("01111110" * 2) or len(lead) < 16   # all 8 flags, bar acquisition
    assert len(samples) // 8 < 200 + (8 + 5 + 3 + 1) * 8 * 1000 // 300 + 200 + 50


def test_tx_frame_back_to_back_share_one_flag():
    a = bytes([0xFF, 0x03, 0x40, 0x31, 0x32])
    b = bytes([0xFF, 0x13, 0x80, 0x00])
    m = fm.Modem()
    m.tx_v21(100)
    m.tx_frame(a, False)
    m.tx_frame(b, True)

    rx = fm.RawRx(fm.V21, 300)
    rx.rx(play_modem(m).tobytes())
    text = "".join(map(str, rx.bits()))

    # T.30 §5.3.1: one flag between frames is enough; ours sends exactly one.
    joined = frame_bits(a) + FLAG + frame_bits(b) + FLAG * 3
    assert "".join(map(str, joined)) in text


def _crafted_stream():
    """Preamble, frame 1 (runs of ones), a shared-zero double flag, frame 2,
    frame 3 with a wrong FCS, frame 4 aborted by seven 1s, frame 5 final."""
    f1 = bytes([0xFF, 0x03, 0x40]) + b"\xff" * 20
    f2 = bytes([0xFF, 0x03, 0x20, 0x7E, 0x7E, 0x01])
    f3 = bytes([0xFF, 0x03, 0x80, 0x55, 0xAA])
    f4 = bytes([0xFF, 0x03, 0x10, 0x99, 0x98, 0x97])
    f5 = bytes([0xFF, 0x13, 0x84, 0x00, 0x46])
    bits = FLAG * 30
    bits += frame_bits(f1) + [0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0]   # shared 0
    bits += frame_bits(f2) + FLAG * 2
    bits += frame_bits(f3, fcs=crc16_x25(f3) ^ 0x0100) + FLAG
    bits += stuff(octet_bits(f4))[:30] + [1] * 8 + FLAG * 2                 # abort
    bits += frame_bits(f5) + FLAG * 4
    return pack_bits(bits), [(f1, True), (f2, True), (f3, False), (f5, True)]


def test_rx_stuffing_shared_flags_bad_fcs_and_abort():
    data, expected = _crafted_stream()
    tx = fm.RawTx(fm.V21, 300)
    assert tx.push(data) == len(data)
    tx.end()

    frames, carrier = our_frames(play_raw(tx))

    assert frames == expected
    assert carrier == [(True, fm.V21), (False, fm.V21)]


@pytest.mark.parametrize("level_dbm0", [-10, -40])
def test_loopback_with_noise(level_dbm0):
    samples = add_noise(send_ours(FRAMES, level_dbm0), 30, seed=-level_dbm0)

    frames, carrier = our_frames(samples)

    assert frames == [(f, True) for f in FRAMES]
    assert carrier == [(True, fm.V21), (False, fm.V21)]


@pytest.mark.parametrize("level_dbm0", [-10, -40])
def test_ours_into_spandsp_receiver(level_dbm0):
    samples = add_noise(send_ours(FRAMES, level_dbm0), 30, seed=1 - level_dbm0)

    assert spandsp_frames(samples) == [(f, True) for f in FRAMES]


@pytest.mark.parametrize("level_dbm0", [-10, -40])
def test_spandsp_into_our_receiver(level_dbm0):
    samples = add_noise(send_spandsp(FRAMES, level_dbm0), 30, seed=2 - level_dbm0)

    frames, _ = our_frames(samples)

    assert frames == [(f, True) for f in FRAMES]


def test_bad_fcs_verdicts_agree_with_spandsp():
    data, expected = _crafted_stream()
    ours_tx = fm.RawTx(fm.V21, 300)
    ours_tx.push(data)
    ours_tx.end()
    sd_tx = sp.ModemTx("v21", 300, level_dbm0=-13)
    sd_tx.push(data)
    sd_tx.end()

    from_ours = add_noise(play_raw(ours_tx), 30, seed=5)
    from_sd = add_noise(play_raw(sd_tx), 30, seed=6)

    # Both sides drop the aborted frame and flag the wrong FCS.
    assert spandsp_frames(from_ours) == expected
    assert our_frames(from_sd)[0] == expected


def _random_bits(n, seed):
    return np.random.default_rng(seed).integers(0, 2, n).astype(np.uint8)


def bit_errors(received, sent):
    """Aligns `received` on `sent` from its 17th bit (the receiver may lose a
    few bits while the carrier is detected, or add some before it syncs) and
    counts errors over the overlap; returns (errors, bits compared)."""
    r = np.frombuffer(received, dtype=np.uint8)
    ref = sent[16:]
    best = min(range(0, 64), key=lambda off: int(np.sum(r[off:off + 100] != ref[:100])))
    m = r[best:best + len(ref) - 8]
    return int(np.sum(m != ref[:len(m)])), len(m)


@pytest.mark.parametrize("source", ["ours", "spandsp"])
def test_error_free_at_5_db_snr(source):
    # SpanDSP 0.0.6's own V.21 receiver is error free down to 5 dB SNR
    # (noise over 0-4 kHz); ours must be too, on either transmitter.
    sent = _random_bits(3000, seed=3)
    data = np.packbits(sent, bitorder="little").tobytes()
    tx = fm.RawTx(fm.V21, 300, level_dbm0=-13) if source == "ours" else \
        sp.ModemTx("v21", 300, level_dbm0=-13)
    tx.push(data)
    tx.end()
    samples = add_noise(play_raw(tx), 5, seed=4)

    rx = fm.RawRx(fm.V21, 300)
    rx.rx(samples.tobytes())

    errors, compared = bit_errors(rx.bits(), sent)
    assert compared > 2950
    assert errors == 0


def test_carrier_detect_levels_and_timing():
    sent = _random_bits(296, seed=7)          # 37 octets
    data = np.packbits(sent, bitorder="little").tobytes()
    results = {}
    for level in (-40, -52):
        tx = fm.RawTx(fm.V21, 300, level_dbm0=level)
        tx.push(data)
        tx.end()
        rx = fm.RawRx(fm.V21, 300)
        rx.rx(play_raw(tx, lead_ms=100, tail_ms=100).tobytes())
        results[level] = rx.events()

    # -40 dBm0 is above the -45 dBm0 threshold: up within 8 ms of the start
    # (sample 800), down within 10 ms of the end (800 + 296 bits * 26.67 = 8693).
    (up, t_up), (down, t_down) = results[-40]
    assert (up, down) == ("carrier_up", "carrier_down")
    assert 800 <= t_up <= 800 + 64
    assert 8693 <= t_down <= 8693 + 80
    # -52 dBm0 is below the -48 dBm0 off threshold: never detected.
    assert results[-52] == []


def test_stats_report_level():
    tx = fm.RawTx(fm.V21, 300, level_dbm0=-20)
    tx.push(b"\x55" * 40)
    tx.end()
    rx = fm.RawRx(fm.V21, 300)
    samples = play_raw(tx, tail_ms=0)
    rx.rx(samples[:4000].tobytes())

    stats = rx.stats()

    assert -21 <= stats["level_dbm0"] <= -19
    assert stats["snr_db"] >= 20


@pytest.mark.parametrize("ppm", [-1000, 1000])
def test_sample_clock_offset(ppm):
    # The far end's sample clock off by +-1000 ppm (far worse than two crystal
    # oscillators): the 3.5 s of audio slip by 28 samples, more than a bit.
    x = send_ours(FRAMES).astype(np.float64)
    t_out = np.arange(int(len(x) / (1 + ppm * 1e-6))) * (1 + ppm * 1e-6)
    skewed = np.round(np.interp(t_out, np.arange(len(x)), x)).astype(np.int16)

    frames, _ = our_frames(add_noise(skewed, 20, seed=ppm + 2000))

    assert frames == [(f, True) for f in FRAMES]
