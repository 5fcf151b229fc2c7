"""Build the picofax firmware: MicroPython's rp2 port for one of our boards, with the C
core as a user C module and the app frozen; or MicroPython's unix port with the same
C module (for running the firmware's C API on the host).

    python -m picofax.firmware --board pico_w --mpy-dir PATH [--picotool PATH]
    python -m picofax.firmware --unix --mpy-dir PATH
    python -m picofax.firmware --board pico_w --mpy-dir PATH --emulate BOOTROM.bin

--emulate boots the Pico W image on rp2040js (with the RP2040 B1 boot ROM image the
user supplies) and runs SMOKE_SCRIPT below through the raw REPL: one V.21 frame through
faxmodem and one MH row through faxt4 on the M0+, and the free heap.

Inputs the user supplies (nothing is downloaded here):
- a MicroPython tree (v1.28.0 is the release this was checked with) with the
  submodules the rp2 build needs: lib/pico-sdk, lib/tinyusb, lib/cyw43-driver,
  lib/lwip, lib/mbedtls, lib/micropython-lib (`make -C ports/rp2 BOARD=RPI_PICO_W
  submodules` in that tree fetches them);
- picotool >= 2.1.1 as installed by its `cmake --install` (the folder holding
  picotoolConfig.cmake, or the picotool binary inside it), which pico-sdk needs at
  configure time; without it the SDK tries to clone picotool from the network;
- Debian packages gcc-arm-none-eabi, libnewlib-arm-none-eabi, cmake, build-essential.

What goes in: boards/<board>/ as MicroPython's BOARD_DIR (its manifest freezes the
port modules, bundle-networking, firmware/faxbox and microdot, and board.py);
firmware/cmodules/micropython.cmake as USER_C_MODULES (rp2) and firmware/cmodules/
(each */micropython.mk, unix). microdot is frozen from the copy installed next to this
Python (PICOFAX_MICRODOT_DIR, see firmware/manifest.py).

Output goes under build/firmware/<board>/ (firmware.uf2, firmware.elf) and
build/firmware/unix/micropython. Sizes are printed: the image sections, the UF2, and
the static RAM (data + bss) of the C core's objects, which the GC heap loses 1:1.
Anything missing is listed before any build starts, and the exit status is 1.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARDS_DIR = os.path.join(ROOT, "boards")
CMODULES = os.path.join(ROOT, "firmware", "cmodules")
CORE = os.path.join(CMODULES, "faxcore")
OUT_DIR = os.path.join(ROOT, "build", "firmware")

# Boards this tool builds: our folder name -> what it is based on, and the flash the
# firmware image may fill before the littlefs partition starts (flash size minus
# MICROPY_HW_FLASH_STORAGE_BYTES in boards/<board>/mpconfigboard.h).
BOARDS = {
    "pico_w": ("RPI_PICO_W (RP2040)", 2048 * 1024 - 848 * 1024),
    "pico2_w": ("RPI_PICO2_W (RP2350, Arm)", 1536 * 1024),
}
FLASH_BASE = 0x10000000

# Files that prove each submodule the rp2 build needs is checked out.
RP2_SUBMODULES = (
    "lib/pico-sdk/pico_sdk_init.cmake",
    "lib/tinyusb/src/tusb.c",
    "lib/cyw43-driver/src/cyw43_ctrl.c",
    "lib/lwip/src/core/tcp.c",
    "lib/mbedtls/library/ssl_tls.c",
    "lib/micropython-lib/micropython/bundles/bundle-networking/manifest.py",
)
UNIX_SUBMODULES = (
    "lib/mbedtls/library/ssl_tls.c",
    "lib/micropython-lib/micropython/bundles/bundle-networking/manifest.py",
)
RP2_TOOLS = ("arm-none-eabi-gcc", "cmake", "make")
UNIX_TOOLS = ("cc", "make", "pkg-config")


class FirmwareError(Exception):
    """The build cannot run or failed; the message says what is missing."""


def find_picotool(path):
    """The folder holding picotoolConfig.cmake, from `path` (that folder, an install
    prefix with picotool/ in it, or the binary), or from picotool on PATH."""
    candidates = []
    if path:
        path = os.path.abspath(path)
        base = os.path.dirname(path) if os.path.isfile(path) else path
        candidates += [base, os.path.join(base, "picotool"),
                       os.path.join(base, "lib", "cmake", "picotool")]
    else:
        exe = shutil.which("picotool")
        if exe:
            prefix = os.path.dirname(os.path.dirname(os.path.realpath(exe)))
            candidates += [os.path.dirname(os.path.realpath(exe)),
                           os.path.join(prefix, "lib", "cmake", "picotool")]
    for c in candidates:
        if os.path.exists(os.path.join(c, "picotoolConfig.cmake")):
            return c
    return None


def microdot_dir():
    """The folder holding the installed `microdot` package, or None."""
    try:
        import microdot
    except ImportError:
        return None
    return os.path.dirname(os.path.dirname(os.path.abspath(microdot.__file__)))


def missing_inputs(mpy_dir, board=None, picotool=None, unix=False, cmodules=CMODULES):
    """Human-readable list of what prevents the build (empty when it can run)."""
    missing = []
    if not mpy_dir or not os.path.isfile(os.path.join(mpy_dir, "py", "mpconfig.h")):
        return ["a MicroPython tree: --mpy-dir %s has no py/mpconfig.h" % mpy_dir]
    if board is not None:
        if board not in BOARDS:
            missing.append("board %r: choose one of %s" % (board, ", ".join(BOARDS)))
        for rel in RP2_SUBMODULES:
            if not os.path.exists(os.path.join(mpy_dir, rel)):
                missing.append("submodule %s (run `make -C ports/rp2 BOARD=RPI_PICO_W "
                               "submodules` in the MicroPython tree)" % rel.split("/")[1])
        if find_picotool(picotool) is None:
            missing.append("picotool >= 2.1.1 installed with its picotoolConfig.cmake "
                           "(--picotool PATH): pico-sdk would try to clone it")
        if not os.path.exists(os.path.join(cmodules, "micropython.cmake")):
            missing.append("%s (the C core's rp2 user C module build)"
                           % os.path.join(os.path.relpath(cmodules, ROOT), "micropython.cmake"))
        if microdot_dir() is None and not os.environ.get("PICOFAX_MICRODOT_DIR"):
            missing.append("microdot (pip install the project, or set PICOFAX_MICRODOT_DIR)")
        for t in RP2_TOOLS:
            if shutil.which(t) is None:
                missing.append("the %s command" % t)
    if unix:
        for rel in UNIX_SUBMODULES:
            if not os.path.exists(os.path.join(mpy_dir, rel)):
                missing.append("submodule %s (run `make -C ports/unix submodules` in the "
                               "MicroPython tree)" % rel.split("/")[1])
        if not glob.glob(os.path.join(cmodules, "*", "micropython.mk")):
            missing.append("%s (the C core's user C module build for make ports)"
                           % os.path.join(os.path.relpath(cmodules, ROOT), "*", "micropython.mk"))
        for t in UNIX_TOOLS:
            if shutil.which(t) is None:
                missing.append("the %s command" % t)
    return list(dict.fromkeys(missing))


def _run(cmd, env=None, log=None):
    """Run a build step, echoing it; raise FirmwareError with the output's tail."""
    sys.stderr.write("+ %s\n" % " ".join(cmd))
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "a") as f:
            f.write("+ %s\n%s" % (" ".join(cmd), res.stdout))
    if res.returncode != 0:
        errors = [ln for ln in res.stdout.splitlines() if "error" in ln.lower()]
        tail = "\n".join((errors or res.stdout.splitlines())[-40:])
        raise FirmwareError("step failed (%s):\n%s%s" % (
            " ".join(cmd[:4]), tail, "\nfull log: %s" % log if log else ""))
    return res.stdout


def _env(picotool=None):
    env = dict(os.environ)
    env.setdefault("PICOFAX_MICRODOT_DIR", microdot_dir() or "")
    if picotool:
        cfg = find_picotool(picotool)
        # pico-sdk looks for <PICOTOOL_FETCH_FROM_GIT_PATH>/picotool/picotoolConfig.cmake.
        if os.path.basename(cfg) != "picotool":
            link_root = os.path.join(OUT_DIR, "picotool-link")
            os.makedirs(link_root, exist_ok=True)
            link = os.path.join(link_root, "picotool")
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(cfg, link)
            cfg = link
        env["PICOTOOL_FETCH_FROM_GIT_PATH"] = os.path.dirname(cfg)
    return env


def elf_sizes(elf, size_tool):
    """(text, data, bss) of a linked image."""
    out = subprocess.run([size_tool, "-B", elf], capture_output=True, text=True,
                         check=True).stdout.splitlines()[1].split()
    return int(out[0]), int(out[1]), int(out[2])


def elf_symbols(elf, names):
    """{name: address} of the linker symbols `names` found in `elf`."""
    out = subprocess.run([shutil.which("arm-none-eabi-nm"), elf], capture_output=True,
                         text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[2] in names:
            found[p[2]] = int(p[0], 16)
    return found


def module_objects(build_dir, map_file):
    """Object files of the C core and its bindings that went into the image (the
    build folder may hold stale ones from an earlier configuration)."""
    linked = linked_objects(map_file)
    found = []
    for dirpath, _dirs, files in os.walk(build_dir):
        if "faxcore" not in dirpath:
            continue
        for f in files:
            path = os.path.abspath(os.path.join(dirpath, f))
            if f.endswith((".o", ".obj")) and any(path.endswith(o) for o in linked):
                found.append(path)
    return sorted(found)


def module_ram(build_dir, map_file, size_tool):
    """Static RAM (data + bss) and code (text) of the C core's objects in the image."""
    objs = module_objects(build_dir, map_file)
    text = data = bss = 0
    if objs:
        out = subprocess.run([size_tool, "-B"] + objs, capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
        for line in out:
            p = line.split()
            text, data, bss = text + int(p[0]), data + int(p[1]), bss + int(p[2])
    return {"objects": len(objs), "text": text, "data": data, "bss": bss}


def _cached_cmake_value(build_dir, name):
    """A variable's value in build_dir/CMakeCache.txt, or None."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def linked_objects(map_file):
    """Object files of the C core and its bindings that the linker map lists."""
    found = set()
    with open(map_file, errors="replace") as f:
        for line in f:
            for word in line.split():
                if "faxcore" in word and word.endswith((".o", ".obj")):
                    found.add(word)
    return found


def build_mpy_cross(mpy_dir, jobs):
    _run(["make", "-C", os.path.join(mpy_dir, "mpy-cross"), "-j%d" % jobs],
         log=os.path.join(OUT_DIR, "mpy-cross.log"))


def build_rp2(board, mpy_dir, picotool, jobs=2, clean=False, cmodules=CMODULES):
    """Build the rp2 firmware for `board`; returns a dict of paths and sizes."""
    out = os.path.join(OUT_DIR, board)
    log = os.path.join(OUT_DIR, board + ".log")
    if os.path.exists(log):
        os.remove(log)
    user_c_modules = os.path.join(cmodules, "micropython.cmake")
    # CMake reads USER_C_MODULES only when it configures a fresh build folder: start
    # afresh when the folder was configured with other modules.
    if not clean and _cached_cmake_value(out, "USER_C_MODULES") not in (None, user_c_modules):
        sys.stderr.write("picofax.firmware: USER_C_MODULES changed, rebuilding %s\n" % out)
        clean = True
    if clean and os.path.exists(out):
        shutil.rmtree(out)
    build_mpy_cross(mpy_dir, jobs)
    if os.path.exists(os.path.join(out, "CMakeCache.txt")):
        # Configure again so that the module's file(GLOB) sees C files added since.
        _run(["cmake", out], env=_env(picotool), log=log)
    # makemanifest.py regenerates the frozen code only when a .py file changed, not
    # when the firmware's own QSTRs did (a new name in a binding then clashes with the
    # frozen copy: "redeclaration of enumerator 'MP_QSTR_..."): always regenerate it.
    frozen = os.path.join(out, "frozen_content.c")
    if os.path.exists(frozen):
        os.remove(frozen)
    _run(["make", "-C", os.path.join(mpy_dir, "ports", "rp2"), "-j%d" % jobs,
          "BOARD_DIR=" + os.path.join(BOARDS_DIR, board), "BUILD=" + out,
          "USER_C_MODULES=" + user_c_modules],
         env=_env(picotool), log=log)
    elf = os.path.join(out, "firmware.elf")
    uf2 = os.path.join(out, "firmware.uf2")
    size_tool = shutil.which("arm-none-eabi-size")
    sym = elf_symbols(elf, ("__flash_binary_end", "__GcHeapStart", "__GcHeapEnd"))
    return {"board": board, "elf": elf, "uf2": uf2, "uf2_bytes": os.path.getsize(uf2),
            "image": elf_sizes(elf, size_tool),
            "core": module_ram(out, elf + ".map", size_tool),
            "flash_used": sym["__flash_binary_end"] - FLASH_BASE,
            "flash_limit": BOARDS[board][1],
            "gc_heap": sym["__GcHeapEnd"] - sym["__GcHeapStart"]}


def build_unix(mpy_dir, jobs=2, clean=False, cmodules=CMODULES):
    """Build the unix port with the C core; returns a dict of paths and sizes."""
    out = os.path.join(OUT_DIR, "unix")
    log = os.path.join(OUT_DIR, "unix.log")
    if os.path.exists(log):
        os.remove(log)
    if clean and os.path.exists(out):
        shutil.rmtree(out)
    build_mpy_cross(mpy_dir, jobs)
    port = os.path.join(mpy_dir, "ports", "unix")
    # btree is off: the box does not use it, and it would need lib/berkeley-db-1.xx.
    _run(["make", "-C", port, "-j%d" % jobs, "BUILD=" + out, "PROG=micropython",
          "MICROPY_PY_BTREE=0", "USER_C_MODULES=" + cmodules], env=_env(), log=log)
    exe = os.path.join(out, "micropython")
    probe = subprocess.run(
        [exe, "-c", "import faxmodem, faxt4; print(faxmodem.__name__, faxt4.__name__)"],
        capture_output=True, text=True)
    return {"exe": exe, "exe_bytes": os.path.getsize(exe),
            "image": elf_sizes(exe, shutil.which("size")),
            "core": module_ram(out, exe + ".map", shutil.which("size")),
            "imports": probe.returncode == 0,
            "import_output": (probe.stdout + probe.stderr).strip()}


# Run on the emulated Pico W by --emulate: the C module must work on the M0+ as on the
# host. One V.21 HDLC frame goes from one Modem to another (its CRC must check), one
# white 1728-pel row is MH coded (EOL, make-up 1728, terminating 0: 000000000001
# 010011011 00110101, 29 bits, of which the first 24 come out, LSB first: 00 28 9b),
# and the free heap is printed before and after.
SMOKE_SCRIPT = """\
import gc
from array import array
gc.collect()
print('heap_free_boot', gc.mem_free())
import faxmodem, faxt4, board
a = faxmodem.Modem()
b = faxmodem.Modem()
b.rx_mode(faxmodem.RX_V21)
a.tx_v21(200)
a.tx_frame(b'\\xff\\x13\\x80\\x00\\xce\\xf4', True)
buf = array('h', [0] * 160)
frame = None
for i in range(100):
    a.tx(buf)
    b.rx(buf)
    ev = b.event()
    while ev is not None:
        if ev[0] == faxmodem.EV_FRAME:
            frame = ev
        ev = b.event()
    if frame:
        break
print('v21_frame', frame == (faxmodem.EV_FRAME, b'\\xff\\x13\\x80\\x00\\xce\\xf4', True))
e = faxt4.Encoder(1728, faxt4.MH)
out = bytearray(faxt4.max_row_octets(1728))
print('mh_row', bytes(out[:e.encode(bytearray(216), out)]) == b'\\x00\\x28\\x9b')
import faxbox.app
gc.collect()
print('heap_free_app', gc.mem_free())
print('smoke-end')
"""


def emulate(uf2, bootrom):
    """Boot `uf2` on rp2040js with `bootrom` and run SMOKE_SCRIPT; returns a dict of
    its results (RP2040 only: nothing emulates the RP2350)."""
    from picofax import cycles

    try:
        cycles.check_runner()
    except cycles.CyclesError as e:
        raise FirmwareError(str(e))
    if not os.path.isfile(bootrom):
        raise FirmwareError("no boot ROM image at %s" % bootrom)
    script = os.path.join(os.path.dirname(uf2), "smoke.py")
    with open(script, "w") as f:
        f.write(SMOKE_SCRIPT)
    res = subprocess.run(["node", os.path.join(cycles.HERE, "boot_uf2.mjs"),
                          os.path.abspath(bootrom), uf2, script, "smoke-end", "600"],
                         capture_output=True, text=True, cwd=cycles.HERE)
    found = {}
    for line in res.stdout.splitlines():
        p = line.replace(">OK", "").split()
        if len(p) == 2 and p[0] in ("heap_free_boot", "v21_frame", "mh_row", "heap_free_app"):
            found[p[0]] = p[1]
    ok = (res.returncode == 0 and found.get("v21_frame") == "True"
          and found.get("mh_row") == "True")
    return {"ok": ok, "results": found, "output": res.stdout[-2000:] + res.stderr[-2000:]}


def report_rp2(r):
    text, data, bss = r["image"]
    c = r["core"]
    print("%s: %s" % (r["board"], os.path.relpath(r["uf2"], ROOT)))
    print("  image: text %d B, data %d B, bss %d B; UF2 %d B" % (text, data, bss, r["uf2_bytes"]))
    print("  C core (%d objects): text %d B, static RAM %d B (data %d + bss %d)"
          % (c["objects"], c["text"], c["data"] + c["bss"], c["data"], c["bss"]))
    print("  flash: %d B of %d B before the filesystem (%d B free); GC heap region %d B"
          % (r["flash_used"], r["flash_limit"], r["flash_limit"] - r["flash_used"], r["gc_heap"]))


def report_unix(r):
    text, data, bss = r["image"]
    c = r["core"]
    print("unix: %s (%d B; text %d, data %d, bss %d)" % (
        os.path.relpath(r["exe"], ROOT), r["exe_bytes"], text, data, bss))
    print("  C core (%d objects): text %d B, data %d B, bss %d B" % (
        c["objects"], c["text"], c["data"], c["bss"]))
    status = "ok" if r["imports"] else "FAILED: " + r["import_output"]
    print("  import faxmodem, faxt4: %s" % status)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="picofax.firmware", description=__doc__.split("\n")[0])
    ap.add_argument("--board", choices=sorted(BOARDS), help="rp2 board to build")
    ap.add_argument("--unix", action="store_true", help="also (or only) build the unix port")
    ap.add_argument("--mpy-dir", required=True, help="MicroPython source tree")
    ap.add_argument("--picotool", help="picotool install folder or binary (>= 2.1.1)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--clean", action="store_true", help="remove the build folder first")
    ap.add_argument("--check", action="store_true", help="only list what is missing")
    ap.add_argument("--emulate", metavar="BOOTROM",
                    help="pico_w only: boot the UF2 on rp2040js with this RP2040 B1 boot ROM "
                         "image and run a smoke test of faxmodem/faxt4 on the M0+")
    ap.add_argument("--cmodules", default=CMODULES,
                    help="folder with micropython.cmake and */micropython.mk (default: "
                         "firmware/cmodules)")
    args = ap.parse_args(argv)
    if not args.board and not args.unix:
        ap.error("give --board and/or --unix")
    if args.emulate and args.board != "pico_w":
        ap.error("--emulate: only the RP2040 board (pico_w) can be emulated")
    mpy_dir = os.path.abspath(args.mpy_dir)

    cmodules = os.path.abspath(args.cmodules)
    missing = missing_inputs(mpy_dir, args.board, args.picotool, args.unix, cmodules)
    if missing:
        sys.stderr.write("picofax.firmware: cannot build, missing:\n")
        for m in missing:
            sys.stderr.write("  - %s\n" % m)
        return 1
    if args.check:
        print("picofax.firmware: all inputs present")
        return 0
    try:
        if args.board:
            r = build_rp2(args.board, mpy_dir, args.picotool, args.jobs, args.clean, cmodules)
            report_rp2(r)
            if r["flash_used"] > r["flash_limit"]:
                sys.stderr.write("picofax.firmware: the image overlaps the filesystem\n")
                return 1
            if args.emulate:
                e = emulate(r["uf2"], args.emulate)
                print("  emulated (rp2040js): %s" % " ".join(
                    "%s=%s" % kv for kv in sorted(e["results"].items())))
                if not e["ok"]:
                    sys.stderr.write("picofax.firmware: smoke test failed:\n%s\n" % e["output"])
                    return 1
        if args.unix:
            r = build_unix(mpy_dir, args.jobs, args.clean, cmodules)
            report_unix(r)
            if not r["imports"]:
                return 1
    except FirmwareError as e:
        sys.stderr.write("picofax.firmware: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
