"""Cycle counts of the C core on an emulated RP2040 (Cortex-M0+).

A bare-metal image (start.c + a program + the core's dsp/*.c, linked into SRAM by
link.ld) is run by run.mjs on the npm package rp2040js, pinned in package.json and
installed into this folder's node_modules
(`npm install --prefix host_tools/picofax/cycles`; package-lock is off, the version
is pinned exactly and rp2040js has no dependencies).
The program marks what to time with BKPT calls (host.h); the runner notes core.cycles
at each mark and prints JSON.

    python -m picofax.cycles            # prints cycles per sample of every modem

Counts use the M0+ timing table with the RP2040's single-cycle multiplier. Not
modelled: flash/XIP cache misses (the image runs from SRAM), DMA bus contention, the
other core. Integer division goes through libgcc's __aeabi_idiv here; the firmware's
pico-sdk routes it to the RP2040's hardware divider, which is cheaper.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DSP_DIR = os.path.join(ROOT, "firmware", "cmodules", "faxcore", "dsp")
RUNNER = os.path.join(HERE, "run.mjs")
LINK_SCRIPT = os.path.join(HERE, "link.ld")
START = os.path.join(HERE, "start.c")
HARNESS = os.path.join(HERE, "harness.c")

CPU_FLAGS = ["-mcpu=cortex-m0plus", "-mthumb"]
CFLAGS = ["-std=c99", "-masm-syntax-unified", "-ffreestanding", "-ffunction-sections",
          "-fdata-sections", "-Wall", "-Wno-unused-function"]
# The reference clock for "share of one core": MicroPython's default on the RP2040.
CPU_HZ = 125_000_000
SAMPLE_RATE_HZ = 8000


class CyclesError(Exception):
    """The image did not build, or the runner is missing or failed."""


def check_runner():
    """Raise CyclesError unless node and the pinned rp2040js are installed."""
    if shutil.which("node") is None:
        raise CyclesError("node not found: install Node.js (>= 18)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "rp2040js")):
        raise CyclesError("rp2040js not installed: run `npm install --prefix %s`"
                          % os.path.relpath(HERE, os.getcwd()))


def build_image(sources, out_dir, name="image", opt="-O2", include_dirs=(), defines=()):
    """Compile and link `sources` with start.c into a flat SRAM image.

    Returns the path of the .bin; the .elf and .map sit next to it."""
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc is None:
        raise CyclesError("arm-none-eabi-gcc not found: install gcc-arm-none-eabi")
    os.makedirs(out_dir, exist_ok=True)
    elf = os.path.join(out_dir, name + ".elf")
    binary = os.path.join(out_dir, name + ".bin")
    cmd = [gcc] + CPU_FLAGS + [opt] + CFLAGS + ["-I" + HERE]
    cmd += ["-I" + d for d in include_dirs] + ["-D" + d for d in defines]
    cmd += [START] + list(sources)
    # libc for memcpy/memset, libgcc for division; no start files. nosys.specs stubs
    # the system calls, so a stray debug print in the core still links (crossbuild
    # is what rejects it).
    cmd += ["-nostartfiles", "--specs=nosys.specs", "-T", LINK_SCRIPT, "-Wl,--gc-sections",
            "-Wl,-Map=" + os.path.join(out_dir, name + ".map"), "-o", elf, "-lc", "-lgcc"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise CyclesError("building %s failed:\n%s" % (name, res.stderr.strip()))
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", elf, binary], check=True)
    return binary


def run_image(binary, max_cycles=2_000_000_000, timeout=600):
    """Run an image on rp2040js; returns the runner's JSON as a dict.

    Raises CyclesError when the runner fails (fault, emulator warning such as an
    unimplemented instruction, cycle limit) or the image exits non-zero."""
    check_runner()
    res = subprocess.run(["node", RUNNER, binary, str(int(max_cycles))], capture_output=True,
                         text=True, cwd=HERE, timeout=timeout)
    try:
        result = json.loads(res.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise CyclesError("runner gave no result (exit %d): %s"
                          % (res.returncode, res.stderr.strip()))
    if res.returncode != 0:
        raise CyclesError("runner exit %d, image exit %s: %s"
                          % (res.returncode, result.get("exit"), "; ".join(result["problems"])))
    return result


def summarise(measurement, cpu_hz=CPU_HZ):
    """Cycles per sample (mean over all blocks, and of the worst block) and the
    share of one core at 8 kHz, for one measurement of the runner's output."""
    samples = measurement["samples"]
    blocks = measurement["blocks"]
    block = measurement["block_samples"]
    mean = sum(blocks) / samples
    worst = max(blocks) / block
    return {
        "name": measurement["name"],
        "samples": samples,
        "cycles_per_sample": round(mean, 1),
        "worst_block_cycles_per_sample": round(worst, 1),
        "core_percent_at_%dmhz" % (cpu_hz // 1_000_000):
            round(mean * SAMPLE_RATE_HZ * 100 / cpu_hz, 2),
        "result": measurement["result"],
        "flags": measurement["flags"],
    }


def core_sources():
    """The modem sources the harness links (the dsp area of the core)."""
    return sorted(os.path.join(DSP_DIR, f) for f in os.listdir(DSP_DIR) if f.endswith(".c"))


def bench_core(opt="-O2", out_dir=None, samples=8000):
    """Build the harness with the core's dsp/ sources, run every benchmark on
    `samples` samples (a multiple of 160), return the summaries."""
    with tempfile.TemporaryDirectory() as tmp:
        binary = build_image([HARNESS] + core_sources(), out_dir or tmp, "harness", opt,
                             include_dirs=[DSP_DIR], defines=["BENCH_SAMPLES=%d" % samples])
        result = run_image(binary)
    return [summarise(m) for m in result["measurements"]]


def format_table(rows):
    key = [k for k in rows[0] if k.startswith("core_percent")][0] if rows else ""
    lines = ["%-16s %10s %10s %18s %10s %5s" % (
        "benchmark", "cyc/sample", "worst blk", key[5:], "result", "flags")]
    for r in rows:
        lines.append("%-16s %10.1f %10.1f %18.2f %10d %5d" % (
            r["name"], r["cycles_per_sample"], r["worst_block_cycles_per_sample"], r[key],
            r["result"], r["flags"]))
    return "\n".join(lines)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    opt = args[0] if args else "-O2"
    try:
        rows = bench_core(opt)
    except CyclesError as e:
        sys.stderr.write("picofax.cycles: %s\n" % e)
        return 1
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
