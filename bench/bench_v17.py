"""V.17 (02/91): bit errors against SNR, our receiver and SpanDSP 0.0.6's.

Usage: bench_v17.py OUT.json [--bits N] [--rates 14400,12000,...]

For each rate and each transmitter (ours, SpanDSP's), the long-trained signal at
-13 dBm0 goes through one flat channel with white noise over 0-4 kHz, and the same
noisy samples feed both receivers (ours and SpanDSP's), so the two are compared on
identical input in the same run. 200,000 random bits per point; the data start is
found by matching the known sequence and every bit is compared (a receiver that
never trains counts every bit as an error). The figure of merit is the lowest SNR
with zero errors: the sweep goes down in 1 dB steps until both receivers have
failed twice.

SpanDSP's carrier cut-off is set 6 dB below the signal, as in bench_fastmodems.py
and its own BER tests; our receiver runs at its fixed -43/-48 dBm0 thresholds with
the noise continuous. JSON layout as host_tools/picofax/bench.py expects.
"""
import argparse
import json

import numpy as np

import faxmodem
import spandsp_peer
from picofax.line import Channel

BLOCK_SAMPLES = 800
LEVEL_DBM0 = -13
SYNC_BITS = 64
RATES = [14400, 12000, 9600, 7200]
# A few dB above SpanDSP 0.0.6's error-free limits (25/20/17/15 dB).
START_SNR_DB = {14400: 28, 12000: 24, 9600: 21, 7200: 19}


def count_errors(sent, got):
    if len(got) < SYNC_BITS:
        return len(sent)
    windows = np.lib.stride_tricks.sliding_window_view(got, SYNC_BITS)
    hits = np.flatnonzero((windows == sent[:SYNC_BITS]).all(axis=1))
    if not len(hits):
        return len(sent)
    tail = got[hits[0]:hits[0] + len(sent)]
    return int(np.count_nonzero(tail != sent[:len(tail)])) + len(sent) - len(tail)


def one_point(rate, our_tx, snr_db, n_bits, seed):
    """Errors of (our receiver, SpanDSP's receiver) on one shared noisy signal."""
    bits = np.random.default_rng(seed).integers(0, 2, n_bits, dtype=np.uint8)
    octets = np.packbits(bits, bitorder="little").tobytes()
    if our_tx:
        tx = faxmodem.RawTx(faxmodem.V17, rate, True, LEVEL_DBM0)
    else:
        tx = spandsp_peer.ModemTx("v17", rate, True, level_dbm0=LEVEL_DBM0)
    ours = faxmodem.RawRx(faxmodem.V17, rate)
    theirs = spandsp_peer.ModemRx("v17", rate, cutoff_dbm0=LEVEL_DBM0 - 6)
    channel = Channel(noise_dbm0=LEVEL_DBM0 - snr_db, seed=seed)
    got_ours, got_theirs = [], []
    sent = 0
    ended = False

    def feed(audio):
        noisy = channel.process(audio).tobytes()
        ours.rx(noisy)
        theirs.rx(noisy)
        got_ours.append(np.frombuffer(ours.bits(), np.uint8))
        got_theirs.append(np.frombuffer(theirs.bits(), np.uint8))

    silence = np.zeros(BLOCK_SAMPLES, np.int16)
    for _ in range(4):
        feed(silence)
    while not tx.finished:
        if not ended:
            accepted = tx.push(octets[sent:])
            sent = len(octets) if accepted is None else sent + accepted
            if sent == len(octets):
                tx.end()
                ended = True
        feed(np.frombuffer(tx.tx(BLOCK_SAMPLES), np.int16))
    for _ in range(4):
        feed(silence)
    return (count_errors(bits, np.concatenate(got_ours)),
            count_errors(bits, np.concatenate(got_theirs)))


def sweep(rate, our_tx, n_bits):
    """Rows (snr, our errors, SpanDSP errors) and the lowest error-free SNR of each."""
    rows = []
    best = [None, None]
    fails = [0, 0]
    snr = START_SNR_DB[rate]
    while min(fails) < 2 and snr > 0:
        errs = one_point(rate, our_tx, snr, n_bits, seed=snr + rate)
        rows.append([snr, errs[0], errs[1]])
        for i in (0, 1):
            if errs[i] == 0 and fails[i] == 0:
                best[i] = snr
            elif errs[i]:
                fails[i] += 1
        snr -= 1
    return rows, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bits", type=int, default=200000)
    ap.add_argument("--rates", default=",".join(str(r) for r in RATES))
    args = ap.parse_args()

    summary = {}
    tables = []
    for rate in [int(r) for r in args.rates.split(",")]:
        for our_tx in (True, False):
            src = "our tx" if our_tx else "SpanDSP tx"
            rows, best = sweep(rate, our_tx, args.bits)
            name = "v17 %d, %s" % (rate, src)
            summary[name + ": our rx error-free down to (dB)"] = best[0]
            summary[name + ": SpanDSP rx error-free down to (dB)"] = best[1]
            tables.append({"title": "%s: bit errors in %d bits" % (name, args.bits),
                           "columns": ["SNR dB", "our rx", "SpanDSP rx"], "rows": rows})
    report = {
        "title": "V.17: BER against SNR, our receiver and SpanDSP 0.0.6's",
        "summary": summary,
        "tables": tables,
        "notes": ["signal -13 dBm0, long training, flat channel, white noise over 0-4 kHz; "
                  "both receivers see the same samples; SpanDSP carrier cut-off at -19 dBm0"],
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    for k, v in summary.items():
        print("%-60s %s" % (k, v))


if __name__ == "__main__":
    main()
