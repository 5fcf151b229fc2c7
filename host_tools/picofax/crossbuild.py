"""Cross-compile the fixed-point C core for the boards' CPUs and prove it float-free.

Every .c file of firmware/cmodules/faxcore/dsp and t4 (never bind/, which needs
MicroPython or CPython headers) is compiled freestanding for

  m0plus  RP2040 (Pico W):   -mcpu=cortex-m0plus -mthumb (no FPU)
  m33     RP2350 (Pico 2 W): -mcpu=cortex-m33 -mthumb -march=armv8-m.main+fp+dsp
                             -mfloat-abi=softfp, the flags pico-sdk 2.2 (MicroPython
                             v1.28) builds RP2350 firmware with.

into build/cross/<cpu>/, then each object is checked:

- undefined references to floating-point helpers (__aeabi_f*, __aeabi_d*, __aeabi_i2f
  and the other *2f/*2d/*2h conversions, libgcc's __addsf3/__muldf3/__fixsfsi family),
  to libm (sin, cos, sqrt, floor, exp, log, ... and their f/l forms) or to the heap
  (malloc, calloc, realloc, free);
- on the M33, which has an FPU, float code compiles to VFP instructions rather than
  helper calls, so its disassembly is also scanned for VFP mnemonics (v*) other than
  the pure data moves (vldr, vstr, vldm, vstm, vpush, vpop, vmov) that GCC also uses
  for 8-byte copies in integer code;
- undefined references to C library I/O or OS calls (printf, fprintf, getenv, exit,
  abort, stderr ...): the core does no I/O;
- the source text (comments and strings removed) for the tokens float/double, float
  literals such as 1.5 or 1e3, and #include of <math.h>, <stdlib.h>, <stdio.h>.

Any finding is printed as `object: symbol` and the exit status is 1. A size table
(text, data, bss per object, and the total) is printed per CPU.

Usage: python -m picofax.crossbuild [--cpu m0plus|m33|all] [--opt O2|Os]
                                    [--out build/cross] [--src DIR ...] [--quiet]
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORE = os.path.join(ROOT, "firmware", "cmodules", "faxcore")
SOURCE_DIRS = (os.path.join(CORE, "dsp"), os.path.join(CORE, "t4"))
OUT_DIR = os.path.join(ROOT, "build", "cross")

PREFIX = "arm-none-eabi-"
JOBS = max(1, min(4, os.cpu_count() or 1))

CPU_FLAGS = {
    "m0plus": ["-mcpu=cortex-m0plus", "-mthumb"],
    "m33": ["-mcpu=cortex-m33", "-mthumb", "-march=armv8-m.main+fp+dsp",
            "-mfloat-abi=softfp"],
}

# CPUs with an FPU: float code shows up as VFP instructions, not helper calls.
CPU_HAS_FPU = {"m0plus": False, "m33": True}

COMMON_FLAGS = [
    "-std=c99", "-ffreestanding", "-ffunction-sections", "-fdata-sections",
    "-Wall", "-Wextra", "-Wdouble-promotion", "-Werror=double-promotion",
    "-Wfloat-conversion", "-Werror=float-conversion",
    "-Werror=implicit-function-declaration",
]

# Run-time ABI floating-point helpers: __aeabi_fadd, __aeabi_dmul, __aeabi_f2iz,
# __aeabi_cfcmple, and every conversion *into* float/double/half (__aeabi_i2f,
# __aeabi_ul2d, __aeabi_f2h ...).
_AEABI_FLOAT = re.compile(r"^__aeabi_(?:c?[fd]\w*|\w+2[fdh])$")
# libgcc's generic soft-float names: __addsf3, __muldf3, __fixsfsi, __floatsidf,
# __extendsfdf2, __truncdfsf2, __eqsf2, __unordsf2 ...
_LIBGCC_FLOAT = re.compile(r"^__[a-z]*(?:sf|df|tf|hf|xf)[a-z]*\d?$")
_LIBM_BASE = (
    "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
    "asinh", "acosh", "atanh", "sincos", "exp", "exp2", "expm1", "log", "log2",
    "log10", "log1p", "logb", "pow", "sqrt", "cbrt", "hypot", "floor", "ceil",
    "round", "lround", "llround", "trunc", "rint", "lrint", "llrint", "nearbyint",
    "fmod", "remainder", "remquo", "fabs", "frexp", "ldexp", "scalbn", "modf",
    "fmin", "fmax", "fdim", "fma", "copysign", "erf", "erfc", "tgamma", "lgamma",
    "nan", "ilogb",
)
LIBM_SYMBOLS = frozenset(n + s for n in _LIBM_BASE for s in ("", "f", "l"))
# No I/O and no OS in the core: it runs from a DMA interrupt on the boards.
IO_SYMBOLS = frozenset((
    "printf", "fprintf", "vprintf", "vfprintf", "puts", "fputs", "putchar", "fputc",
    "putc", "fwrite", "fflush", "fopen", "fclose", "fread", "getchar", "getenv", "exit",
    "abort", "time", "clock", "_impure_ptr", "stderr", "stdout", "stdin", "__assert_func",
))
HEAP_SYMBOLS = frozenset((
    "malloc", "calloc", "realloc", "free", "_malloc_r", "_calloc_r", "_realloc_r",
    "_free_r", "aligned_alloc", "memalign", "posix_memalign", "reallocarray",
))


class CrossBuildError(Exception):
    """A tool is missing or a source file does not compile."""


def forbidden_reason(symbol):
    """Why an undefined `symbol` may not appear in the core, or None if it may."""
    if _AEABI_FLOAT.match(symbol) or _LIBGCC_FLOAT.match(symbol):
        return "floating-point helper"
    if symbol in LIBM_SYMBOLS:
        return "libm function"
    if symbol in HEAP_SYMBOLS:
        return "heap allocation"
    if symbol in IO_SYMBOLS:
        return "C library I/O or OS call"
    return None


def tool(name):
    """Absolute path of the cross tool `name` (gcc, nm, objdump, size, ld)."""
    path = shutil.which(PREFIX + name)
    if path is None:
        raise CrossBuildError(
            "%s%s not found: install Debian's gcc-arm-none-eabi" % (PREFIX, name))
    return path


def core_sources(dirs=SOURCE_DIRS):
    """Every .c file of `dirs`, sorted (whatever the other engineers have written)."""
    files = []
    for d in dirs:
        files.extend(sorted(glob.glob(os.path.join(d, "*.c"))))
    return files


def compile_objects(sources, cpu, outdir, opt="-O2", include_dirs=None):
    """Compile `sources` for `cpu` into `outdir`; returns (objects, failures) where
    failures is a list of (source, compiler output). Warnings are printed to stderr."""
    gcc = tool("gcc")
    if include_dirs is None:
        include_dirs = sorted({os.path.dirname(s) for s in sources} | set(SOURCE_DIRS))
    os.makedirs(outdir, exist_ok=True)

    def one(src):
        obj = os.path.join(outdir, os.path.splitext(os.path.basename(src))[0] + ".o")
        cmd = [gcc] + CPU_FLAGS[cpu] + [opt] + COMMON_FLAGS
        cmd += ["-I" + d for d in include_dirs] + ["-c", src, "-o", obj]
        return src, obj, subprocess.run(cmd, capture_output=True, text=True)

    objects, failures = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        for src, obj, res in pool.map(one, sources):
            if res.returncode != 0:
                failures.append((src, res.stderr.strip()))
                continue
            if res.stderr.strip():
                sys.stderr.write(res.stderr)
            objects.append(obj)
    return objects, failures


def undefined_symbols(obj):
    """Names an object file references but does not define."""
    res = subprocess.run([tool("nm"), "-u", obj], capture_output=True, text=True,
                         check=True)
    return [line.split()[-1] for line in res.stdout.splitlines() if line.strip()]


# VFP instructions that only move data (GCC uses them for 8-byte copies in integer
# code on the M33); every other v* mnemonic computes in floating point.
_VFP_DATA_MOVES = ("vldr", "vstr", "vldm", "vstm", "vpush", "vpop", "vmov")

# An objdump -d instruction line: address, encoding, then the mnemonic.
_INSN = re.compile(r"^\s*[0-9a-f]+:\s+(?:[0-9a-f]{4}\s?){1,2}\s+(\S+)")
_FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:")


def is_fp_compute(mnemonic):
    """True for a VFP instruction that computes (vmul.f32, vcvt.s32.f64, vcmp.f32 ...),
    False for VFP data moves and for every non-VFP instruction."""
    return mnemonic.startswith("v") and not mnemonic.split(".")[0].startswith(_VFP_DATA_MOVES)


def fpu_instructions(obj):
    """(function, mnemonic) pairs of floating-point VFP instructions in `obj` (data
    moves such as vldr/vstr excluded), each pair once."""
    res = subprocess.run([tool("objdump"), "-d", obj], capture_output=True, text=True,
                         check=True)
    found, func = [], "?"
    for line in res.stdout.splitlines():
        m = _FUNC.match(line)
        if m:
            func = m.group(1)
            continue
        m = _INSN.match(line)
        insn = m.group(1) if m else ""
        if is_fp_compute(insn) and (func, insn) not in found:
            found.append((func, insn))
    return found


def check_objects(objects, cpu):
    """Findings (object, symbol, reason) for float, libm or heap use in `objects`."""
    findings = []
    for obj in objects:
        for sym in undefined_symbols(obj):
            reason = forbidden_reason(sym)
            if reason:
                findings.append((obj, sym, reason))
        if CPU_HAS_FPU[cpu]:
            for func, insn in fpu_instructions(obj):
                findings.append((obj, "%s in %s" % (insn, func), "FPU instruction"))
    return findings


_COMMENT_OR_STRING = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
_FLOAT_TOKENS = re.compile(
    r"\b(float|double)\b"
    r"|(?<![\w.])(\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)[fFlL]?\b"
    r"|(#\s*include\s*<(?:math|stdlib|stdio|complex|tgmath|fenv)\.h>)")


def source_findings(path):
    """(path, 'line N: token') for float types, float literals and math/heap headers
    in the code of `path` (comments and string literals are ignored)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()

    def blank(m):
        return re.sub(r"[^\n]", " ", m.group(0))

    code = _COMMENT_OR_STRING.sub(blank, text)
    found = []
    for m in _FLOAT_TOKENS.finditer(code):
        line = code.count("\n", 0, m.start()) + 1
        reason = "forbidden header" if m.group(3) else "float in source"
        found.append((path, "line %d: %s" % (line, m.group(0).strip()), reason))
    return found


def sizes(objects):
    """{object: (text, data, bss)} from the cross `size` tool (rodata counts as text)."""
    if not objects:
        return {}
    res = subprocess.run([tool("size"), "-B"] + list(objects), capture_output=True,
                         text=True, check=True)
    table = {}
    for line in res.stdout.splitlines()[1:]:
        parts = line.split()
        table[parts[5]] = (int(parts[0]), int(parts[1]), int(parts[2]))
    return table


def format_size_table(cpu, opt, table):
    lines = ["%s %s" % (cpu, opt),
             "  %-28s %8s %8s %8s" % ("object", "text", "data", "bss")]
    total = [0, 0, 0]
    for obj in sorted(table):
        t = table[obj]
        lines.append("  %-28s %8d %8d %8d" % (os.path.basename(obj), t[0], t[1], t[2]))
        total = [a + b for a, b in zip(total, t)]
    lines.append("  %-28s %8d %8d %8d" % ("total", total[0], total[1], total[2]))
    return "\n".join(lines)


def build_cpu(cpu, opt="-O2", out=OUT_DIR, dirs=SOURCE_DIRS):
    """Compile and check the core for one CPU.

    Returns a dict: objects, failures (compile errors), findings (object, symbol,
    reason) and sizes."""
    sources = core_sources(dirs)
    objects, failures = compile_objects(sources, cpu, os.path.join(out, cpu), opt)
    findings = check_objects(objects, cpu)
    for src in sources:
        findings.extend(source_findings(src))
    return {"cpu": cpu, "opt": opt, "sources": sources, "objects": objects,
            "failures": failures, "findings": findings, "sizes": sizes(objects)}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="picofax.crossbuild", description=__doc__.split("\n")[0])
    ap.add_argument("--cpu", choices=sorted(CPU_FLAGS) + ["all"], default="all")
    ap.add_argument("--opt", default="O2", help="optimisation level: O2 (default), Os, O3")
    ap.add_argument("--out", default=OUT_DIR, help="object directory (one folder per CPU)")
    ap.add_argument("--src", action="append", help="source folder (default: dsp and t4)")
    ap.add_argument("--quiet", action="store_true", help="no size table")
    args = ap.parse_args(argv)
    cpus = sorted(CPU_FLAGS) if args.cpu == "all" else [args.cpu]
    dirs = [os.path.abspath(d) for d in args.src] if args.src else SOURCE_DIRS
    bad = 0
    seen = set()
    try:
        for cpu in cpus:
            r = build_cpu(cpu, "-" + args.opt.lstrip("-"), args.out, dirs)
            if not r["sources"]:
                sys.stderr.write("crossbuild: no .c files in %s\n" % ", ".join(dirs))
                return 1
            for src, msg in r["failures"]:
                sys.stderr.write("crossbuild: %s: %s does not compile:\n%s\n"
                                 % (cpu, os.path.relpath(src, ROOT), msg))
            for obj, sym, reason in r["findings"]:
                if reason in ("float in source", "forbidden header"):
                    msg = "crossbuild: %s: %s (%s)\n" % (os.path.relpath(obj, ROOT), sym, reason)
                    if msg in seen:
                        continue        # the same source line, found again for the next CPU
                    seen.add(msg)
                else:
                    msg = "crossbuild: %s: %s references %s (%s)\n" % (
                        cpu, os.path.relpath(obj, ROOT), sym, reason)
                sys.stderr.write(msg)
                bad += 1
            bad += len(r["failures"])
            if not args.quiet:
                print(format_size_table(cpu, r["opt"], r["sizes"]))
    except CrossBuildError as e:
        sys.stderr.write("crossbuild: %s\n" % e)
        return 1
    if bad:
        sys.stderr.write("crossbuild: FAILED, %d problem(s)\n" % bad)
        return 1
    print("crossbuild: OK, no float, libm or heap use in %s" % ", ".join(cpus))
    return 0


if __name__ == "__main__":
    sys.exit(main())
