/*
 * start.c - vector table and reset handler of the cycle-counting images.
 *
 * The runner writes the image to SRAM, points VTOR at it and resets the core, which
 * loads SP and PC from the first two words below. .data needs no copy (the image is
 * loaded where it runs); .bss is zeroed here. main()'s return value is the exit code.
 */
#include <stdint.h>

#include "host.h"

extern uint32_t __bss_start;
extern uint32_t __bss_end;
extern uint32_t __stack_top;

int main(void);
void reset_handler(void);
void fault_handler(void);

__attribute__((section(".vectors"), used))
static const void *const vectors[16] = {
    &__stack_top,           /* initial SP */
    reset_handler,          /* reset */
    fault_handler,          /* NMI */
    fault_handler,          /* HardFault */
};

void fault_handler(void)
{
    __asm volatile ("bkpt #0xfe");
    for (;;) {
    }
}

void reset_handler(void)
{
    for (uint32_t *p = &__bss_start; p < &__bss_end; p++) {
        *p = 0;
    }
    host_exit(main());
    for (;;) {
    }
}
