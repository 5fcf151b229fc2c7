"""Builds the CPython bindings: the C core (faxmodem, faxt4) and the SpanDSP peer.

The C core sources are globbed so that each area (dsp/, t4/) can grow without
editing this file. Extensions land in build/lib-ext/ via `make core`.
"""
import glob
import os
import sys

from setuptools import Extension, setup

CORE = "firmware/cmodules/faxcore"


def _sources(area, binding):
    files = sorted(glob.glob(os.path.join(CORE, area, "*.c")))
    return files + [os.path.join(CORE, "bind", binding)]


_CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]

ext_modules = []
if os.path.exists(os.path.join(CORE, "bind", "py_faxmodem.c")):
    ext_modules.append(Extension(
        "faxmodem", _sources("dsp", "py_faxmodem.c"),
        include_dirs=[os.path.join(CORE, "dsp")], extra_compile_args=_CFLAGS))
if os.path.exists(os.path.join(CORE, "bind", "py_faxt4.c")):
    ext_modules.append(Extension(
        "faxt4", _sources("t4", "py_faxt4.c"),
        include_dirs=[os.path.join(CORE, "t4"), os.path.join(CORE, "dsp")],
        extra_compile_args=_CFLAGS))
if glob.glob("host_tools/spandsp/*.c"):
    ext_modules.append(Extension(
        "spandsp_peer", sorted(glob.glob("host_tools/spandsp/*.c")),
        libraries=["spandsp", "tiff"], extra_compile_args=["-O2", "-Wall"]))

# The extensions are built only by `make core` (setup.py build_ext into build/ext),
# never by `pip install -e .`, which would put a second, stale copy in host_tools/
# that shadows build/ext on the import path.
if "build_ext" not in sys.argv:
    ext_modules = []

setup(ext_modules=ext_modules)
