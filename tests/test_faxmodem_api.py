"""The `faxmodem.Modem` API of faxcore/README.md (dsp/faxmodems.c through the
CPython binding): transmit segment queue, data ring, events, the receive
modes and "first to lock wins" between V.21 and the fast receiver."""
from array import array

import numpy as np
import pytest

import faxmodem as fm

BLOCK = 160


def run(tx_modem, rx_modem=None, seconds=10, until_idle=True, extra_blocks=25):
    """Clocks tx_modem's audio into rx_modem block by block; returns
    (tx events, rx events, samples)."""
    buf = array("h", bytes(2 * BLOCK))
    tx_events, rx_events, audio = [], [], []
    tail = None
    for _ in range(seconds * 8000 // BLOCK):
        assert tx_modem.tx(buf) == BLOCK
        audio.append(np.frombuffer(buf, dtype=np.int16).copy())
        if rx_modem is not None:
            rx_modem.rx(buf)
            drain(rx_modem, rx_events)
        drain(tx_modem, tx_events)
        if until_idle and tx_modem.tx_idle():
            tail = extra_blocks if tail is None else tail - 1
            if tail == 0:
                break
    return tx_events, rx_events, np.concatenate(audio)


def drain(modem, into):
    ev = modem.event()
    while ev is not None:
        into.append(ev)
        ev = modem.event()


def merge_data(events):
    """Joins consecutive EV_DATA payloads (their split depends on block timing)."""
    out = []
    for ev in events:
        if ev[0] == fm.EV_DATA and out and out[-1][0] == fm.EV_DATA:
            out[-1] = (fm.EV_DATA, out[-1][1] + ev[1])
        else:
            out.append(ev)
    return out


def test_idle_modem_sends_silence_and_reports_idle():
    m = fm.Modem()
    buf = array("h", [1234] * BLOCK)

    n = m.tx(buf)

    assert n == BLOCK
    assert list(buf) == [0] * BLOCK
    assert m.tx_idle()
    assert m.event() is None


def test_segments_play_in_order_with_exact_lengths():
    m = fm.Modem(level_dbm0=-10)
    m.tx_silence(30)
    m.tx_tone(fm.CED, 100)
    m.tx_silence(10)
    m.tx_tone(fm.CNG, 50)

    events, _, x = run(m, extra_blocks=1)

    # 30 ms silence = 240 samples, CED 800, silence 80, CNG 400 (then idle).
    assert not x[:240].any()
    assert np.all(np.abs(x[240:1040]).max() > 5000)
    assert not x[1040:1120].any()
    assert x[1120:1520].any() and not x[1520:].any()
    assert events == [(fm.EV_TX_DONE, fm.SILENCE), (fm.EV_TX_DONE, fm.CED),
                      (fm.EV_TX_DONE, fm.SILENCE), (fm.EV_TX_DONE, fm.CNG)]


def test_v21_frames_between_two_modems():
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_V21)
    dis = bytes([0xFF, 0x13, 0x80, 0x00, 0xEE, 0xF8])
    csi = bytes([0xFF, 0x03, 0x40]) + b" 4321 555 1 +"[::-1]
    a.tx_v21(1000)
    a.tx_frame(csi, False)
    a.tx_frame(dis, True)

    tx_events, rx_events, x = run(a, b)

    assert tx_events == [(fm.EV_TX_DONE, fm.V21)]
    assert rx_events == [(fm.EV_CARRIER, True, fm.V21), (fm.EV_FRAME, csi, True),
                         (fm.EV_FRAME, dis, True), (fm.EV_CARRIER, False, fm.V21)]
    # 38 flags (1 s = 37.5, rounded up) = 304 bits, CSI + FCS 144, one flag 8,
    # DIS + FCS 64, closing flag + 2 flags 24: 544 bits = 1.813 s at 300 bit/s,
    # plus a few stuffed bits (the all-ones address octets: 1 each).
    on = np.flatnonzero(x)
    assert 544 + 2 <= (on[-1] - on[0] + 1) * 300 / 8000 <= 544 + 6


def test_frames_queued_before_v21_starts_and_second_transmission():
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_V21)
    a.tx_silence(100)
    a.tx_v21(300)
    a.tx_frame(b"\xff\x13\x2f", True)        # 1st transmission: one frame
    a.tx_silence(75)
    a.tx_v21(300)
    a.tx_frame(b"\xff\x13\x8c", True)        # 2nd transmission

    tx_events, rx_events, _ = run(a, b)

    assert [e for e in rx_events if e[0] == fm.EV_FRAME] == [
        (fm.EV_FRAME, b"\xff\x13\x2f", True), (fm.EV_FRAME, b"\xff\x13\x8c", True)]
    assert [e[1] for e in tx_events] == [fm.SILENCE, fm.V21, fm.SILENCE, fm.V21]
    assert [e[1] for e in rx_events if e[0] == fm.EV_CARRIER] == [True, False, True, False]


def test_argument_errors():
    m = fm.Modem()

    with pytest.raises(ValueError):
        m.tx_frame(bytes(261), True)          # longer than an ECM frame (260)
    with pytest.raises(ValueError):
        m.tx_fast(fm.V29, 4800, True)         # V.29 fax rates are 9600/7200
    with pytest.raises(ValueError):
        m.tx_tone(fm.V21, 100)
    with pytest.raises(ValueError):
        m.rx_mode(fm.RX_FAST, fm.V27TER, 9600)
    with pytest.raises(ValueError):
        m.tx_dtmf("X", 100)
    for _ in range(8):
        m.tx_silence(10)
    with pytest.raises(ValueError):
        m.tx_silence(10)                       # the segment queue holds 8


def test_data_ring_accepts_what_fits():
    m = fm.Modem()
    free = m.tx_free()

    accepted = m.tx_data(bytes(5000))

    assert free == 2048
    assert accepted == 2048 and m.tx_free() == 0
    assert m.tx_data(b"\x01") == 0


@pytest.mark.parametrize("modem, rate, long_train", [
    (fm.V29, 9600, True), (fm.V29, 7200, True), (fm.V27TER, 4800, True),
    (fm.V27TER, 2400, True), (fm.V17, 14400, True), (fm.V17, 7200, True),
    (fm.V17, 14400, False), (fm.V17, 9600, False)])
def test_tcf_over_fast_modem(modem, rate, long_train):
    # TCF: zeros for 1.5 s (T.30 phase B): rate * 1.5 / 8 octets. V.17 short
    # training (image data after TCF) needs rx_mode(..., short_train=True).
    octets = rate * 3 // 16
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_FAST, modem, rate, not long_train)
    a.tx_silence(75)
    a.tx_fast(modem, rate, long_train)
    sent = 0
    buf = array("h", bytes(2 * BLOCK))
    rx_events, tx_events = [], []
    for _ in range(5 * 8000 // BLOCK):
        if sent < octets:
            sent += a.tx_data(bytes(min(512, octets - sent)))
            if sent == octets:
                a.tx_data_end()
        a.tx(buf)
        b.rx(buf)
        drain(a, tx_events)
        drain(b, rx_events)

    events = merge_data(rx_events)
    kinds = [e[0] for e in events]

    assert tx_events == [(fm.EV_TX_DONE, fm.SILENCE), (fm.EV_TX_DONE, modem)]
    # RX_FAST reports the fast carrier once it has trained (README).
    assert kinds == [fm.EV_CARRIER, fm.EV_TRAINED, fm.EV_DATA, fm.EV_CARRIER]
    assert events[0] == (fm.EV_CARRIER, True, modem)
    assert events[1] == (fm.EV_TRAINED, True)
    assert events[3] == (fm.EV_CARRIER, False, modem)
    data = events[2][1]
    # All the zeros arrive; what follows is the modem's turn-off.
    assert len(data) >= octets and data[:octets] == bytes(octets)


def test_rx_fast_v21_wins_when_a_good_frame_arrives():
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_FAST, fm.V29, 9600)
    a.tx_v21(500)
    a.tx_frame(b"\xff\x13\x83", True)         # e.g. a repeated DCS instead of TCF

    _, rx_events, _ = run(a, b)

    assert rx_events == [(fm.EV_CARRIER, True, fm.V21), (fm.EV_FRAME, b"\xff\x13\x83", True),
                         (fm.EV_CARRIER, False, fm.V21)]


def test_rx_fast_after_v21_then_fast_signal_still_trains():
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_FAST, fm.V27TER, 4800)
    a.tx_v21(300)
    a.tx_frame(b"\xff\x13\x83", True)
    a.tx_silence(75)
    a.tx_fast(fm.V27TER, 4800, True)
    a.tx_data(bytes(900))
    a.tx_data_end()

    _, rx_events, _ = run(a, b)
    events = merge_data(rx_events)

    assert events[:3] == [(fm.EV_CARRIER, True, fm.V21), (fm.EV_FRAME, b"\xff\x13\x83", True),
                          (fm.EV_CARRIER, False, fm.V21)]
    assert events[3:5] == [(fm.EV_CARRIER, True, fm.V27TER), (fm.EV_TRAINED, True)]
    assert events[5][0] == fm.EV_DATA and events[5][1][:900] == bytes(900)


def test_rx_off_hears_only_tones():
    a, b = fm.Modem(), fm.Modem()
    b.rx_mode(fm.RX_OFF)
    a.tx_v21(300)
    a.tx_frame(b"\xff\x13\x83", True)
    a.tx_tone(fm.CED, 1000)

    _, rx_events, _ = run(a, b)

    assert rx_events == [(fm.EV_TONE, fm.CED)]


def test_tone_event_in_every_mode():
    for mode, args in ((fm.RX_V21, ()), (fm.RX_FAST, (fm.V29, 9600))):
        a, b = fm.Modem(), fm.Modem()
        b.rx_mode(mode, *args)
        a.tx_silence(200)
        a.tx_tone(fm.CNG, 600)

        _, rx_events, _ = run(a, b)

        assert (fm.EV_TONE, fm.CNG) in rx_events


def test_stats_during_v21_carrier():
    a, b = fm.Modem(level_dbm0=-25), fm.Modem()
    b.rx_mode(fm.RX_V21)
    a.tx_v21(1000)
    buf = array("h", bytes(2 * BLOCK))
    for _ in range(20):
        a.tx(buf)
        b.rx(buf)

    stats = b.stats()

    assert -26 <= stats["level_dbm0"] <= -24
    assert stats["snr_db"] >= 20


def test_rawtx_rawrx_v21_bits_round_trip():
    bits = np.random.default_rng(8).integers(0, 2, 800).astype(np.uint8)
    tx = fm.RawTx(fm.V21, 300, level_dbm0=-20)
    tx.push(np.packbits(bits, bitorder="little").tobytes())
    tx.end()
    out = []
    while not tx.finished:
        out.append(tx.tx(BLOCK))
    rx = fm.RawRx(fm.V21, 300)

    rx.rx(bytes(1600) + b"".join(out) + bytes(1600))
    got = np.frombuffer(rx.bits(), dtype=np.uint8)

    text, ref = got.tobytes(), bits[8:].tobytes()
    assert ref in text
    assert [name for name, _ in rx.events()] == ["carrier_up", "carrier_down"]


def test_v21_through_dc_offset():
    a, b = fm.Modem(level_dbm0=-30), fm.Modem()
    b.rx_mode(fm.RX_V21)
    a.tx_v21(300)
    a.tx_frame(b"\xff\x13\x80\x00\x46", True)
    _, _, x = run(a)

    # A DC offset 20 dB above the signal (peak 720 at -30 dBm0) is removed.
    shifted = np.clip(x.astype(np.int32) + 7000, -32768, 32767).astype(np.int16)
    events = []
    for i in range(0, len(shifted), BLOCK):
        b.rx(shifted[i:i + BLOCK].tobytes())
        drain(b, events)

    assert (fm.EV_FRAME, b"\xff\x13\x80\x00\x46", True) in events


def test_tx_flush_stops_everything_at_once():
    m = fm.Modem()
    m.tx_silence(10)
    m.tx_v21(1000)
    m.tx_frame(bytes([0xFF, 0x13, 0xFB]), True)
    m.tx_fast(fm.V29, 9600, True)
    m.tx_data(bytes(500))

    m.tx_flush()

    assert m.tx_idle()
    assert m.tx_free() == 2048
    buf = array("h", bytes(320))
    m.tx(buf)
    assert not any(buf)
