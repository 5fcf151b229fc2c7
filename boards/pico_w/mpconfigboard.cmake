# picofax on the Raspberry Pi Pico W (RP2040, CYW43439 Wi-Fi).
# Build: make -C <micropython>/ports/rp2 BOARD_DIR=<repo>/boards/pico_w
# (python -m picofax.firmware --board pico_w does this and checks the inputs.)

set(PICO_BOARD "pico_w")

# Wi-Fi through the CYW43 driver and lwIP: the HTTP API, media pulls, callbacks.
set(MICROPY_PY_LWIP ON)
set(MICROPY_PY_NETWORK_CYW43 ON)

# Bluetooth (btstack) stays on although the box does not use it: with it off,
# MicroPython v1.28.0's rp2 build links no target that carries pico-sdk's
# pico/cyw43_driver.h include path and cyw43_bus_pio_spi.c fails to compile.
set(MICROPY_PY_BLUETOOTH ON)
set(MICROPY_BLUETOOTH_BTSTACK ON)
set(MICROPY_PY_BLUETOOTH_CYW43 ON)

# The C core (modems, HDLC, tones, T.4/T.6) as a user C module, unless the caller
# passes its own USER_C_MODULES.
if(NOT USER_C_MODULES)
    set(USER_C_MODULES ${MICROPY_BOARD_DIR}/../../firmware/cmodules/micropython.cmake)
endif()

# Port modules, networking bundle, the picofax app and microdot (see manifest.py).
set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)
