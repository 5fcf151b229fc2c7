"""Modem-to-modem links for tests and benchmarks: random bits from a transmitter,
over a simulated line, into one or more receivers, with exact bit-error counts.

Transmitters have push(octets) (octets sent LSB first; returns how many were taken,
or None for all), end(), tx(n) -> int16 LE bytes and .finished: our faxmodem.RawTx
and SpanDSP's spandsp_peer.ModemTx alike. Receivers have rx(bytes) and bits() -> one
octet (0/1) per received data bit: faxmodem.RawRx and spandsp_peer.ModemRx.
"""
import numpy as np

from picofax.line import Channel

BLOCK_SAMPLES = 800  # 100 ms per line block
LEAD_BLOCKS = 4  # line noise or silence before the carrier
TAIL_BLOCKS = 6  # and after it, so carrier loss is seen
SYNC_BITS = 64  # bits matched to find the start of the data
SPANDSP_CUTOFF_DBM0 = -45.5  # SpanDSP's fax carrier cut-off (its fax_modems.c)


def random_bits(n, seed):
    return np.random.default_rng(seed).integers(0, 2, n, dtype=np.uint8)


def run_link(tx, receivers, bits, channel, on_block=None, tail_blocks=TAIL_BLOCKS):
    """Send `bits` from `tx` over `channel` into every receiver (all hear the same
    samples); return the bits each received, in the order given. `receivers` may be
    a single receiver, then its bits alone are returned. on_block(n) is called
    after each block with the number of bits the first receiver has so far."""
    single = not isinstance(receivers, (list, tuple))
    rxs = [receivers] if single else list(receivers)
    octets = np.packbits(bits, bitorder="little").tobytes()
    silence = np.zeros(BLOCK_SAMPLES, np.int16)
    got = [[] for _ in rxs]
    count = 0
    sent = 0
    ended = False

    def feed(audio):
        nonlocal count
        noisy = channel.process(audio).tobytes()
        for i, rx in enumerate(rxs):
            rx.rx(noisy)
            chunk = np.frombuffer(rx.bits(), np.uint8)
            got[i].append(chunk)
            if i == 0:
                count += len(chunk)
        if on_block is not None:
            on_block(count)

    for _ in range(LEAD_BLOCKS):
        feed(silence)
    while not tx.finished:
        if not ended:
            accepted = tx.push(octets[sent:])
            sent = len(octets) if accepted is None else sent + accepted
            if sent == len(octets):
                tx.end()
                ended = True
        feed(np.frombuffer(tx.tx(BLOCK_SAMPLES), np.int16))
    for _ in range(tail_blocks):
        feed(silence)
    out = [np.concatenate(g) if g else np.zeros(0, np.uint8) for g in got]
    return out[0] if single else out


def run_link_stats(tx, rx, bits, channel):
    """run_link into one receiver that also has stats(); returns the received bits and
    the receiver's stats() taken once half the bits are in (mid-page)."""
    stats = []

    def snapshot(count):
        if not stats and count > len(bits) // 2:
            stats.append(rx.stats())

    got = run_link(tx, rx, bits, channel, snapshot)
    return got, (stats[0] if stats else {})


def data_start(sent, got):
    """Offset in `got` where the first SYNC_BITS of `sent` appear, or None."""
    if len(got) < SYNC_BITS:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(got, SYNC_BITS)
    hits = np.flatnonzero((windows == sent[:SYNC_BITS]).all(axis=1))
    return int(hits[0]) if len(hits) else None


def count_errors(sent, got):
    """Bit errors of `got` against `sent`, after the data start; missing bits count."""
    start = data_start(sent, got)
    if start is None:
        return len(sent)
    tail = got[start:start + len(sent)]
    return int(np.count_nonzero(tail != sent[:len(tail)])) + len(sent) - len(tail)


def event_names(rx):
    return [name for name, _ in rx.events()]


def impaired_line(level_dbm0, ppm, snr_db=30.0, seed=7):
    """The interop line of the modem issues: noise `snr_db` below the signal over
    0-4 kHz, telephone band-pass, a sample-clock offset of `ppm`."""
    return Channel(noise_dbm0=level_dbm0 - snr_db, bandpass=True, ppm=ppm, seed=seed)


def spandsp_rx(kind, rate, level_dbm0, snr_db=30.0):
    """SpanDSP's receiver for `kind`. SpanDSP 0.0.6 never trains V.29 when line noise
    reaches its carrier-on level (spandsp-peer.md); as in its own BER tests, its
    cut-off then sits 6 dB below the signal."""
    import spandsp_peer
    cutoff = SPANDSP_CUTOFF_DBM0
    if level_dbm0 - snr_db > cutoff - 5:
        cutoff = level_dbm0 - 6
    return spandsp_peer.ModemRx(kind, rate, cutoff_dbm0=cutoff)


def ber_point(make_tx, make_ours, make_theirs, level_dbm0, snr_db, n_bits, seed):
    """Errors of (our receiver, SpanDSP's receiver) on one shared noisy signal over a
    flat line with white noise `snr_db` below the signal."""
    bits = random_bits(n_bits, seed)
    channel = Channel(noise_dbm0=level_dbm0 - snr_db, seed=seed)
    ours, theirs = run_link(make_tx(), [make_ours(), make_theirs()], bits, channel,
                            tail_blocks=LEAD_BLOCKS)
    return count_errors(bits, ours), count_errors(bits, theirs)


def ber_sweep(point, start_snr_db):
    """Lower the SNR 1 dB at a time from `start_snr_db` until both receivers have
    failed twice; `point(snr)` returns (our errors, SpanDSP errors). Returns rows
    [snr, ours, theirs] and the lowest SNR each was error free at before its first
    failure."""
    rows = []
    best = [None, None]
    fails = [0, 0]
    snr = start_snr_db
    while min(fails) < 2 and snr > 0:
        errs = point(snr)
        rows.append([snr, errs[0], errs[1]])
        for i in (0, 1):
            if errs[i] == 0 and fails[i] == 0:
                best[i] = snr
            elif errs[i]:
                fails[i] += 1
        snr -= 1
    return rows, best
