# What the picofax firmware freezes on top of the board's own manifest: the
# application package and the web framework it serves the HTTP API with.
#
# Included by boards/<board>/manifest.py; relative paths resolve against this folder.
# Frozen bytecode runs from flash, so none of it costs GC heap until it is used.

# The application (firmware/faxbox).
package("faxbox")

# microdot is a PyPI package, not part of micropython-lib, so `require()` cannot
# find it. It is frozen from a copy on disk: the folder that holds the `microdot`
# package, from the environment variable PICOFAX_MICRODOT_DIR
# (host_tools/picofax/firmware.py sets it to the copy installed in the project's
# virtual environment, the version pinned in pyproject.toml), or else from wherever
# the Python running this manifest can import it. Only the modules the box uses are
# frozen (the same list host_tools/picofax/mpylib.py compiles for the host tests).
import os

_microdot_dir = os.environ.get("PICOFAX_MICRODOT_DIR")
if not _microdot_dir:
    try:
        import microdot as _microdot

        _microdot_dir = os.path.dirname(os.path.dirname(_microdot.__file__))
    except ImportError:
        raise Exception(
            "microdot not found: set PICOFAX_MICRODOT_DIR to the folder holding the "
            "microdot package (python -m picofax.firmware does this)")
package("microdot", files=("__init__.py", "microdot.py", "helpers.py"),
        base_path=_microdot_dir)
