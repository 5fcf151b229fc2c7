"""Pin map of the picofax Pico 2 W board, as data (the drivers in
faxbox.drivers read it through make_board).

What the app will get from this board (DESIGN.md §3): the line (hook, ring,
line-in-use), 8 kHz 16-bit full-duplex audio in blocks, a clock, storage and
Wi-Fi. This file only says which RP2350 pins and peripherals carry them;
faxbox.drivers.make_board builds the board object from it.

The line interface is a DAA with an 8 kHz PCM codec (Si3050 class): a serial
control port on SPI and a PCM port that our own PIO program clocks in both
directions at once (machine.I2S cannot: on rp2 it is one direction per instance
with its own clocks). The assignment below is a proposal that avoids the pins
the Pico 2 W reserves (GP23, GP24, GP25, GP29 belong to the CYW43439 Wi-Fi chip) and
keeps GP0/GP1 for the UART REPL; it is not yet checked against a schematic.
"""
from micropython import const

BOARD_NAME = "pico2_w"
MCU = "rp2350"
CPU_HZ = const(150_000_000)         # MicroPython's default clock on RP2350

# GPIO numbers by function.
PINS = {
    # UART0, the REPL and logs when no USB host is attached.
    "UART_TX": 0,
    "UART_RX": 1,
    # DAA/codec PCM port, driven by one PIO state machine: BCLK and FSYNC are
    # side-set pins and must be consecutive (FSYNC = BCLK + 1).
    "PCM_BCLK": 10,
    "PCM_FSYNC": 11,
    "PCM_DOUT": 12,                 # RP2350 -> DAA (transmit audio)
    "PCM_DIN": 13,                  # DAA -> RP2350 (receive audio)
    # DAA control port on SPI0 (its default pins on the Pico header).
    "DAA_SPI_MISO": 16,
    "DAA_SPI_CS": 17,
    "DAA_SPI_SCK": 18,
    "DAA_SPI_MOSI": 19,
    # DAA reset (active low) and its interrupt output (ring, line-in-use), active low.
    "DAA_RESET": 20,
    "DAA_INT": 22,
    # Master clock for the DAA/codec from clock output GPOUT0 (GP21 is a GPOUT pin).
    "DAA_MCLK": 21,
    # Front-panel button (to GND, internal pull-up): hold at boot for set-up mode.
    "BUTTON": 15,
}

# Pins that belong to the Wi-Fi chip (not on the header or not usable).
RESERVED = (23, 24, 25, 29)

# The on-board LED is on the CYW43439, not on an RP2350 GPIO: Pin("LED").
LED = "LED"

# Peripheral instances the pins above imply.
DAA_SPI_ID = const(0)
DAA_SPI_BAUD_HZ = const(1_000_000)
# The CYW43 driver claims a free state machine (and program space) in whichever PIO
# has room when Wi-Fi starts: load the PCM program first, or claim a free one too.
PCM_PIO_ID = const(0)
PCM_RATE_HZ = const(8000)
PCM_SLOT_BITS = const(16)
BLOCK_SAMPLES = const(160)          # 20 ms per DMA block
