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


import faxmodem
import spandsp_peer
from picofax.modemlink import ber_point, ber_sweep

LEVEL_DBM0 = -13
RATES = [14400, 12000, 9600, 7200]
# A few dB above SpanDSP 0.0.6's error-free limits (25/20/17/15 dB).
START_SNR_DB = {14400: 28, 12000: 24, 9600: 21, 7200: 19}


def sweep(rate, our_tx, n_bits):
    """Rows (snr, our errors, SpanDSP errors) and the lowest error-free SNR of each."""
    def make_tx():
        if our_tx:
            return faxmodem.RawTx(faxmodem.V17, rate, True, LEVEL_DBM0)
        return spandsp_peer.ModemTx("v17", rate, True, level_dbm0=LEVEL_DBM0)

    def point(snr):
        return ber_point(make_tx, lambda: faxmodem.RawRx(faxmodem.V17, rate),
                         lambda: spandsp_peer.ModemRx("v17", rate, cutoff_dbm0=LEVEL_DBM0 - 6),
                         LEVEL_DBM0, snr, n_bits, seed=snr + rate)
    return ber_sweep(point, START_SNR_DB[rate])


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
