/*
 * pcm_prog.c - the PCM PIO program and its clock divider (see pcm_prog.h).
 * Encodings: RP2040 datasheet §3.4 (PIO instruction set), the same in the
 * RP2350 datasheet §11.4.
 */
#include "pcm_prog.h"

/* Opcode in bits 15:13 (RP2040 datasheet §3.4.1). */
#define PIO_JMP         0x0000u
#define PIO_IN          0x4000u
#define PIO_OUT         0x6000u
#define PIO_MOV         0xa000u
#define PIO_SET         0xe000u
/* Operand fields. */
#define PIO_SRC_PINS    0x00u                   /* IN source / OUT destination PINS = 000 */
#define PIO_SET_X       (1u << 5)               /* SET destination X = 001 */
#define PIO_JMP_X_DEC   (2u << 5)               /* JMP condition X-- = 010 */
#define PIO_MOV_Y_Y     ((2u << 5) | 2u)        /* MOV Y, Y: the conventional NOP */

/* Bits 12:8 hold side-set (2 bits, 12:11) then delay (3 bits, 10:8). */
#define SIDE(pclk, fsync)   ((uint16_t) ((((unsigned) (fsync) << 1) | (unsigned) (pclk)) << 11))
#define DELAY(cycles)       ((uint16_t) ((unsigned) (cycles) << 8))

void fa_pcm_program(uint16_t prog[FA_PCM_PROGRAM_LEN])
{
    /* Period 0 (MSB, FSYNC high): cycles 0-1 PCLK high, 2-3 PCLK low. FSYNC
       stays high over the falling edge (cycle 2) and drops at cycle 3. */
    prog[0] = (uint16_t) (PIO_OUT | PIO_SRC_PINS | 1u | SIDE(1, 1));
    prog[1] = (uint16_t) (PIO_SET | PIO_SET_X | (FA_PCM_SLOT_BITS - 2) | SIDE(1, 1));
    prog[2] = (uint16_t) (PIO_IN | PIO_SRC_PINS | 1u | SIDE(0, 1));
    prog[3] = (uint16_t) (PIO_MOV | PIO_MOV_Y_Y | SIDE(0, 0));
    /* Periods 1-15: x = 14 .. 0, 4 cycles each. */
    prog[4] = (uint16_t) (PIO_OUT | PIO_SRC_PINS | 1u | SIDE(1, 0));
    prog[5] = (uint16_t) (PIO_MOV | PIO_MOV_Y_Y | SIDE(1, 0));
    prog[6] = (uint16_t) (PIO_IN | PIO_SRC_PINS | 1u | SIDE(0, 0));
    prog[7] = (uint16_t) (PIO_JMP | PIO_JMP_X_DEC | 4u | SIDE(0, 0));
    /* Period 16 (2 + 2 cycles), then periods 17-31 (x = 14 .. 0). */
    prog[8] = (uint16_t) (PIO_SET | PIO_SET_X | (FA_PCM_PCLKS_PER_FRAME - FA_PCM_SLOT_BITS - 2)
                          | SIDE(1, 0) | DELAY(1));
    prog[9] = (uint16_t) (PIO_MOV | PIO_MOV_Y_Y | SIDE(0, 0) | DELAY(1));
    prog[10] = (uint16_t) (PIO_MOV | PIO_MOV_Y_Y | SIDE(1, 0) | DELAY(1));
    prog[11] = (uint16_t) (PIO_JMP | PIO_JMP_X_DEC | 10u | SIDE(0, 0) | DELAY(1));
}

uint32_t fa_pcm_clkdiv_q8(uint32_t sys_hz, uint32_t frame_hz)
{
    /* PIO clock = frame_hz * 32 PCLKs * 4 cycles; divider = sys_hz / that, in
       units of 1/256. sys_hz < 2^32 so sys_hz * 256 needs 40 bits: divide in two
       steps (integer part, then the remainder's 8 fraction bits). */
    uint32_t pio_hz;
    uint32_t whole;
    uint32_t rem;
    uint32_t frac;

    if (frame_hz == 0u || frame_hz > 0xffffffffu / (FA_PCM_PCLKS_PER_FRAME * FA_PCM_CYCLES_PER_PCLK)) {
        return 0u;
    }
    pio_hz = frame_hz * (uint32_t) (FA_PCM_PCLKS_PER_FRAME * FA_PCM_CYCLES_PER_PCLK);
    whole = sys_hz / pio_hz;
    rem = sys_hz - whole * pio_hz;
    /* rem < pio_hz, so rem * 256 fits 32 bits while pio_hz < 2^24 (an 8 kHz
       frame gives 1.024 MHz); above that the fraction is truncated instead. */
    if (pio_hz > 0x00ffffffu) {
        frac = rem / (pio_hz >> 8);
    } else {
        frac = (rem * 256u + pio_hz / 2u) / pio_hz;
    }
    if (frac >= 256u) {
        whole += 1u;
        frac -= 256u;
    }
    if (whole == 0u || whole > 65535u) {
        return 0u;
    }
    return (whole << 8) | frac;
}
