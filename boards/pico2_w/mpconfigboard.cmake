# picofax on the Raspberry Pi Pico 2 W (RP2350 Arm cores, CYW43439 Wi-Fi).
# Build: make -C <micropython>/ports/rp2 BOARD_DIR=<repo>/boards/pico2_w
# (python -m picofax.firmware --board pico2_w does this and checks the inputs.)

set(PICO_BOARD "pico2_w")

# Wi-Fi through the CYW43 driver and lwIP: the HTTP API, media pulls, callbacks.
set(MICROPY_PY_LWIP ON)
set(MICROPY_PY_NETWORK_CYW43 ON)

# No Bluetooth: the box does not use it, and btstack costs flash and static RAM
# that the MicroPython heap needs more (an ECM block alone is 64 KB).
set(MICROPY_PY_BLUETOOTH OFF)

# The C core (modems, HDLC, tones, T.4/T.6) as a user C module, unless the caller
# passes its own USER_C_MODULES.
if(NOT USER_C_MODULES)
    set(USER_C_MODULES ${MICROPY_BOARD_DIR}/../../firmware/cmodules/micropython.cmake)
endif()

# Port modules, networking bundle, the picofax app and microdot (see manifest.py).
set(MICROPY_FROZEN_MANIFEST ${MICROPY_BOARD_DIR}/manifest.py)

# The Arm Cortex-M33 cores (not the RISC-V ones): the C core is built and checked for
# them by host_tools/picofax/crossbuild.py (-mfloat-abi=softfp, as pico-sdk 2.2 does).
set(PICO_PLATFORM "rp2350")
