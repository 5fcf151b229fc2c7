# picofax: build, test and demo on a laptop.
#   make demo   - set everything up and send a real document to SpanDSP on the simulated board
#   make test   - set everything up and run the test suite
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
PYTHON  ?= python3
APT_PKGS := libspandsp-dev libtiff-dev libtiff-tools espeak-ng gcc-arm-none-eabi \
            libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib openssl nodejs \
            build-essential cmake pkg-config libffi-dev

.PHONY: all setup sysdeps venv core mpylib cycles-deps demo test bench cross cycles firmware clean

all: core

setup: sysdeps venv core mpylib cycles-deps

# Debian packages: SpanDSP (the far fax machine), libtiff, espeak-ng (speech for
# detector false-alarm tests) and the Cortex-M cross compiler. Installed only if missing.
sysdeps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@# npm may come with Node.js rather than from Debian: install Debian's only if absent.
	@command -v npm >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e '.[test]'
	touch $@

venv: $(VENV)/.stamp

core: venv
	@# --force: setuptools does not track header dependencies, and a full build takes seconds.
	$(PY) setup.py -q build_ext --force --build-lib build/ext --build-temp build/tmp

# microdot compiled to .mpy for the MicroPython unix interpreter (importing it from
# source does not fit a 150 KB heap).
mpylib: venv
	$(PY) host_tools/picofax/mpylib.py build/mpy-lib

# rp2040js (npm), the RP2040 emulator that counts the C core's cycles per sample.
cycles-deps:
	@[ -d host_tools/picofax/cycles/node_modules/rp2040js ] || \
	  npm install --prefix host_tools/picofax/cycles --no-audit --no-fund

# The C core cross-compiled for Cortex-M0+ and M33; fails on any float helper or libm.
cross: venv
	$(PY) -m picofax.crossbuild

cycles: setup
	$(PY) bench/bench_cycles.py

# make firmware BOARD=pico_w MPY_DIR=/path/to/micropython [PICOTOOL=/path] [UNIX=1]
firmware: venv
	$(PY) -m picofax.firmware --board $(BOARD) --mpy-dir $(MPY_DIR) \
	  $(if $(PICOTOOL),--picotool $(PICOTOOL)) $(if $(UNIX),--unix)

demo: setup
	$(VENV)/bin/picofax demo

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m picofax.bench

clean:
	rm -rf build $(VENV)
