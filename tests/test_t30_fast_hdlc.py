"""HDLC over the fast modems (ECM phase C, T.30 Annex A / T.4 Annex A): the modem
set's `tx_fast(..., hdlc=True)` + `tx_frame()` and `rx_mode(RX_FAST, ..., hdlc=True)`.

Checked against SpanDSP 0.0.6's data pumps in both directions, with an HDLC coder
and decoder written here (CRC-16 of T.30 §5.3.7, bit stuffing of ISO/IEC 13239),
and in loopback between two of our modems. Frames are ECM-sized: FF 03 FCD n and
256 (or 64) octets of data.
"""
import numpy as np
import pytest

import faxmodem as fm
import spandsp_peer as sp

BLOCK = 160
CASES = [("v27ter", fm.V27TER, 2400), ("v27ter", fm.V27TER, 4800), ("v29", fm.V29, 7200),
         ("v29", fm.V29, 9600)]
FLAG_BITS = [0, 1, 1, 1, 1, 1, 1, 0]


def crc16_x25(data):
    crc = 0xFFFF
    for octet in data:
        crc ^= octet
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def hdlc_encode(frames, preamble_flags):
    """Line bits: flags, then each frame + FCS stuffed with a flag after it."""
    bits = FLAG_BITS * preamble_flags
    for f in frames:
        fcs = crc16_x25(f)
        ones = 0
        for octet in bytes(f) + bytes([fcs & 0xFF, fcs >> 8]):
            for i in range(8):
                b = (octet >> i) & 1
                bits.append(b)
                ones = ones + 1 if b else 0
                if ones == 5:
                    bits.append(0)
                    ones = 0
        bits += FLAG_BITS
    bits += FLAG_BITS * 2
    bits += [0] * (-len(bits) % 8)
    return np.packbits(np.array(bits, dtype=np.uint8), bitorder="little").tobytes()


def hdlc_decode(bits):
    """Frames (data without FCS) whose FCS is right, from a stream of line bits."""
    frames = []
    ones = 0
    cur = None
    for b in bits:
        if b:
            ones += 1
            if cur is not None:
                cur.append(1)
            continue
        if ones == 6:  # a flag ends/opens a frame
            if cur is not None:
                body = cur[:-7]  # drop the flag's leading 0 and six 1s
                if len(body) >= 32 and len(body) % 8 == 0:
                    octs = np.packbits(np.array(body, dtype=np.uint8), bitorder="little")
                    data, fcs = bytes(octs[:-2]), int(octs[-2]) | int(octs[-1]) << 8
                    if crc16_x25(data) == fcs:
                        frames.append(data)
            cur = []
        elif ones == 5:
            pass  # stuffed zero
        elif ones > 6:
            cur = None  # abort
        elif cur is not None:
            cur.append(0)
        ones = 0
    return frames


def ecm_frames(count, size=256, seed=5):
    rng = np.random.default_rng(seed)
    return [bytes([0xFF, 0x03, 0x06, n]) + rng.integers(0, 256, size, dtype=np.uint8).tobytes()
            for n in range(count)]


def play_ours(modem_kind, rate, frames, long_train=True):
    m = fm.Modem()
    m.tx_silence(50)
    m.tx_fast(modem_kind, rate, long_train, True)
    buf = np.zeros(BLOCK, dtype=np.int16)
    out = []
    left = list(frames)
    for _ in range(60 * 8000 // BLOCK):
        while left and m.tx_frame_free() >= len(left[0]) + 3:
            m.tx_frame(left[0], len(left) == 1)
            left.pop(0)
        m.tx(buf)
        out.append(buf.copy())
        if not left and m.tx_idle():
            break
    assert not left and m.tx_idle()
    out.append(np.zeros(1600, dtype=np.int16))
    return np.concatenate(out)


def our_rx(samples, modem_kind, rate):
    m = fm.Modem()
    m.rx_mode(fm.RX_FAST, modem_kind, rate, False, True)
    frames, events = [], []
    for i in range(0, len(samples), BLOCK):
        m.rx(samples[i:i + BLOCK].tobytes())
        ev = m.event()
        while ev is not None:
            if ev[0] == fm.EV_FRAME:
                frames.append((bytes(ev[1]), ev[2]))
            else:
                events.append(ev[:2])
            ev = m.event()
    return frames, events


@pytest.mark.parametrize("name,kind,rate", CASES)
def test_our_fast_hdlc_into_spandsp_demodulator(name, kind, rate):
    frames = ecm_frames(6)
    audio = play_ours(kind, rate, frames)
    rx = sp.ModemRx(name, rate)
    rx.rx(audio.tobytes())
    bits = np.frombuffer(rx.bits(), dtype=np.uint8)

    assert hdlc_decode(bits) == frames
    # Preamble: at least 200 ms of flags before the first frame (T.30 Annex A).
    s = "".join(map(str, bits[:400 * rate // 1000].tolist()))
    first = s.find("01111110")
    assert s[first:first + 8 * (rate // 40)] == "01111110" * (rate // 40)


@pytest.mark.parametrize("name,kind,rate", CASES)
def test_spandsp_fast_hdlc_into_our_receiver(name, kind, rate):
    frames = ecm_frames(5, seed=rate)
    tx = sp.ModemTx(name, rate, True, -13)
    tx.push(hdlc_encode(frames, preamble_flags=rate // 40))
    tx.end()
    audio = np.concatenate([np.zeros(800, dtype=np.int16)] +
                           [np.frombuffer(tx.tx(BLOCK), dtype=np.int16) for _ in range(
                               (len(frames) * 262 * 8 * 8000 // rate + 16000) // BLOCK)])
    got, events = our_rx(audio, kind, rate)

    assert got == [(f, True) for f in frames]
    assert (fm.EV_TRAINED, True) in events


@pytest.mark.parametrize("name,kind,rate", CASES[1::2])
def test_loopback_64_octet_frames_with_noise(name, kind, rate):
    frames = ecm_frames(20, size=64, seed=9)
    audio = play_ours(kind, rate, frames)
    rng = np.random.default_rng(1)
    p = np.mean(audio[np.abs(audio) > 0].astype(np.float64) ** 2)
    noisy = np.clip(audio + rng.normal(0, np.sqrt(p / 10 ** 2.8), len(audio)), -32768, 32767)
    got, events = our_rx(noisy.astype(np.int16), kind, rate)

    assert got == [(f, True) for f in frames]


def test_v21_frames_still_received_in_hdlc_fast_mode():
    # In RX_FAST + hdlc the V.21 receiver still listens until the fast one locks:
    # a PPS/EOP style command on V.21 comes through as before.
    m = fm.Modem()
    m.tx_v21(300)
    m.tx_frame(bytes([0xFF, 0x13, 0xBE, 0x00]), True)
    buf = np.zeros(BLOCK, dtype=np.int16)
    out = []
    while not m.tx_idle():
        m.tx(buf)
        out.append(buf.copy())
    out.append(np.zeros(1600, dtype=np.int16))
    got, events = our_rx(np.concatenate(out), fm.V29, 9600)

    assert got == [(bytes([0xFF, 0x13, 0xBE, 0x00]), True)]


def test_frames_queued_after_v21_final_wait_for_the_fast_segment():
    # V.21 command, then the fast HDLC segment; its frames are queued before the
    # V.21 transmission has even started and still go out on the fast carrier.
    m = fm.Modem()
    m.tx_v21(200)
    m.tx_frame(bytes([0xFF, 0x13, 0x84]), True)
    m.tx_silence(75)
    m.tx_fast(fm.V29, 9600, True, True)
    fast = ecm_frames(1)
    m.tx_frame(fast[0], True)
    buf = np.zeros(BLOCK, dtype=np.int16)
    out = []
    for _ in range(2000):
        m.tx(buf)
        out.append(buf.copy())
        if m.tx_idle():
            break
    out.append(np.zeros(1600, dtype=np.int16))
    audio = np.concatenate(out)
    v21 = sp.HdlcV21Rx()
    v21.rx(audio.tobytes())
    rx = sp.ModemRx("v29", 9600)
    rx.rx(audio.tobytes())

    assert [bytes(d) for d, ok in v21.frames() if ok] == [bytes([0xFF, 0x13, 0x84])]
    assert hdlc_decode(np.frombuffer(rx.bits(), dtype=np.uint8)) == fast


@pytest.mark.parametrize("dbm0", [-10, -23, -43])
def test_rx_level_dbm0_of_the_last_block(dbm0):
    # 0 dBm0 is a sine of peak 22,767 (README); the mean square of the block,
    # in whole dB rounded down, computed here with numpy.
    m = fm.Modem()
    m.rx_mode(fm.RX_V21)
    n = np.arange(800)
    peak = 22767 * 10 ** (dbm0 / 20.0)
    x = np.round(peak * np.sin(2 * np.pi * 1000 * n / 8000)).astype(np.int16)
    m.rx(np.zeros(160, dtype=np.int16).tobytes())
    assert m.rx_level_dbm0() < -70
    m.rx(x.tobytes())
    ms = np.mean(x.astype(np.float64) ** 2)
    want = int(np.floor(10 * np.log10(ms / (22767.0 ** 2 / 2))))

    assert m.rx_level_dbm0() in (want, want - 1)  # integer mean square may round down
    y = np.round(x[:160] / 10.0).astype(np.int16)  # the next block, 20 dB quieter
    m.rx(y.tobytes())
    ms_y = np.mean(y.astype(np.float64) ** 2)
    want_y = int(np.floor(10 * np.log10(ms_y / (22767.0 ** 2 / 2))))
    assert m.rx_level_dbm0() in (want_y, want_y - 1)


def _tone_on_ms(det, x):
    det.rx(x.tobytes())
    det.rx(np.zeros(800, dtype=np.int16).tobytes())  # end the last state
    return sum(ms for on, ms in det.changes() if not on)  # on-states end with off


def test_tone_detector_min_share_pct():
    # 440 Hz at -20 dBm0 in white noise 3.7 dB louder: the tone holds 30 % of the
    # power (its bin about 32 % with the noise's 1/40 share). 2 s of it.
    rng = np.random.default_rng(4)
    n = np.arange(16000)
    peak = 22767 * 10 ** (-20 / 20.0)
    p_tone = peak ** 2 / 2
    noise = rng.normal(0, np.sqrt(p_tone * 0.7 / 0.3), len(n))
    x = np.clip(np.round(peak * np.sin(2 * np.pi * 440 * n / 8000) + noise), -32768, 32767)
    x = x.astype(np.int16)

    assert _tone_on_ms(fm.ToneDetector([440], min_dbm0=-40, min_share_pct=50), x) == 0
    assert _tone_on_ms(fm.ToneDetector([440], min_dbm0=-40, min_share_pct=15), x) >= 1900
    with pytest.raises(ValueError):
        fm.ToneDetector([440], min_share_pct=0)
