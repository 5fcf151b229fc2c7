# Frozen Python of the picofax firmware for this board.

# The rp2 port's own modules (rp2 helpers, asyncio, onewire, dht, neopixel).
include("$(PORT_DIR)/boards/manifest.py")

# mip, ntptime, ssl, requests, webrepl (micropython-lib, pinned by the MicroPython tree).
require("bundle-networking")

# The application and microdot (firmware/manifest.py).
include("$(BOARD_DIR)/../../firmware/manifest.py")

# This board's pin map, imported by the app as `board`.
module("board.py")
