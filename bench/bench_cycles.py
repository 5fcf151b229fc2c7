"""Cycles per sample of every modem of the C core on an emulated RP2040 (Cortex-M0+).

    python bench/bench_cycles.py [--opt O2|Os] [--samples 8000] [--out bench/out/cycles.json]

Builds host_tools/picofax/cycles/harness.c with firmware/cmodules/faxcore/dsp/*.c for
the M0+ and runs it on rp2040js (see picofax.cycles for what is and is not modelled).
Each benchmark runs `samples` samples in 160-sample (20 ms) blocks; the JSON gives the
mean cycles per sample, the worst block's cycles per sample, and the share of one
125 MHz core at 8 kHz. The first entry, `fir32_q15`, is a plain 32-tap Q15 FIR that
validates the runner: its inner loop is LDRSH, LDRSH, ADDS, MULS, ADDS, CMP, BNE =
2+2+1+1+1+1+2 = 10 cycles per tap on the M0+, i.e. about 338 cycles per sample with
the loop overhead (the shared platform notes quote ~434, 13 per tap, for a FIR whose
inner loop GCC compiled less tightly).

`result` is what shows the modem worked: samples produced (transmitters), data bits
delivered (receivers), tone reports (tone_det), events (fm_rx_v29). `flags`: 1 carrier
up, 2 training succeeded, 4 training failed.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "host_tools"))

from picofax import cycles  # noqa: E402


def _compiler_version():
    out = subprocess.run(["arm-none-eabi-gcc", "--version"], capture_output=True, text=True)
    return out.stdout.splitlines()[0] if out.returncode == 0 else None


def _rp2040js_version():
    path = os.path.join(cycles.HERE, "node_modules", "rp2040js", "package.json")
    with open(path) as f:
        return json.load(f)["version"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--opt", default="O2")
    ap.add_argument("--samples", type=int, default=8000)
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "out", "cycles.json"),
                    help="JSON report path (make bench passes it)")
    ap.add_argument("--out", dest="out_opt", help="same as the positional path")
    args = ap.parse_args(argv)
    if args.out_opt:
        args.out = args.out_opt
    try:
        rows = cycles.bench_core("-" + args.opt.lstrip("-"), samples=args.samples)
    except cycles.CyclesError as e:
        sys.stderr.write("bench_cycles: %s\n" % e)
        return 1
    report = {
        "what": "Cortex-M0+ cycles per sample of the C core, counted on rp2040js",
        "cpu": "cortex-m0plus",
        "compiler": _compiler_version(),
        "opt": "-" + args.opt.lstrip("-"),
        "emulator": "rp2040js " + _rp2040js_version(),
        "cpu_hz": cycles.CPU_HZ,
        "sample_rate_hz": cycles.SAMPLE_RATE_HZ,
        "block_samples": 160,
        "not_modelled": "flash/XIP cache misses (runs from SRAM), DMA bus contention, "
                        "the other core; division uses libgcc, not the SIO divider",
        "benchmarks": rows,
        # The shape the bench report (host_tools/picofax/bench.py) renders.
        "title": "Cycles per sample on the RP2040 (Cortex-M0+, rp2040js, %s)"
                 % ("-" + args.opt.lstrip("-")),
        "summary": dict(("%s cycles/sample" % r["name"], r["cycles_per_sample"]) for r in rows),
        "tables": [{"title": "per modem, %d samples each" % args.samples,
                    "columns": ["benchmark", "cycles/sample", "worst 20 ms block",
                                "% of 125 MHz core"],
                    "rows": [[r["name"], r["cycles_per_sample"],
                              r["worst_block_cycles_per_sample"],
                              r["core_percent_at_125mhz"]] for r in rows]}],
        "notes": ["Not modelled: flash/XIP cache misses (the code runs from SRAM), DMA "
                  "bus contention, the other core; division uses libgcc, not the SIO "
                  "hardware divider."],
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(cycles.format_table(rows))
    print("written to %s" % os.path.relpath(args.out, os.getcwd()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
