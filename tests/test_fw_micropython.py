"""Every firmware unit-test module in tests/fw also runs under the MicroPython unix
interpreter with a 150,000-word heap: the firmware is MicroPython code."""
import glob
import os
import re

import pytest

from conftest import ROOT

FW_TESTS = sorted(glob.glob(os.path.join(ROOT, "tests", "fw", "test_*.py")))
MPRUN = os.path.join(ROOT, "tests", "mpy", "mprun.py")


@pytest.mark.parametrize("path", FW_TESTS, ids=[os.path.basename(p) for p in FW_TESTS])
def test_under_micropython(micropython, path):
    res = micropython(MPRUN, path, timeout=600)

    out = res.stdout + res.stderr
    m = re.search(r"mprun: (\d+) passed, (\d+) failed", out)
    assert m, out[-3000:]
    assert int(m.group(2)) == 0, out[-3000:]
    assert int(m.group(1)) > 0, out[-3000:]
