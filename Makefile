# picofax: build, test and demo on a laptop.
#   make demo   - set everything up and send a real document to SpanDSP on the simulated board
#   make test   - set everything up and run the test suite
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
PYTHON  ?= python3
APT_PKGS := libspandsp-dev libtiff-dev libtiff-tools espeak-ng gcc-arm-none-eabi libnewlib-arm-none-eabi openssl nodejs

.PHONY: all setup sysdeps venv core mpylib demo test bench cross clean

all: core

setup: sysdeps venv core mpylib

# Debian packages: SpanDSP (the far fax machine), libtiff, espeak-ng (speech for
# detector false-alarm tests) and the Cortex-M cross compiler. Installed only if missing.
sysdeps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

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

demo: setup
	$(VENV)/bin/picofax demo

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m picofax.bench

clean:
	rm -rf build $(VENV)
