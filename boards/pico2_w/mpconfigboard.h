// picofax on the Raspberry Pi Pico 2 W: MicroPython configuration for this board.

#define MICROPY_HW_BOARD_NAME                   "picofax (Raspberry Pi Pico 2 W)"

// 4 MB flash: the firmware (MicroPython, C core, frozen app) takes the first
// 1.5 MB, littlefs the remaining 2.5 MB (job records, outbox, spooled pages).
#define MICROPY_HW_FLASH_STORAGE_BYTES          (PICO_FLASH_SIZE_BYTES - 1536 * 1024)

// Networking through the CYW43439 on its PIO-driven SPI bus.
#define MICROPY_PY_NETWORK                      1
#define MICROPY_PY_NETWORK_HOSTNAME_DEFAULT     "picofax"
#define CYW43_USE_SPI                           (1)
#define CYW43_LWIP                              (1)
#define CYW43_GPIO                              (1)
#define CYW43_SPI_PIO                           (1)

// The CYW43's GPIOs (WL_GPIO0 drives the LED) appear as extra Pin objects.
#define MICROPY_HW_PIN_EXT_COUNT                CYW43_WL_GPIO_COUNT

// Pins the CYW43 uses keep their IRQs across a soft reset.
int mp_hal_is_pin_reserved(int n);
#define MICROPY_HW_PIN_RESERVED(i)              mp_hal_is_pin_reserved(i)
