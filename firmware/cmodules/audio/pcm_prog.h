/*
 * pcm_prog.h - the PIO program that clocks the DAA's PCM port (Si3050 class:
 * PCLK, FSYNC, DRX, DTX; 16-bit linear, one slot per 8 kHz frame), with the
 * RP2040/RP2350 as clock master. Instruction words are assembled here in C (no
 * pioasm step in the user C module build); no SDK headers, so the program and
 * the clock divider are checked on the host.
 *
 * Frame (FA_PCM_PCLKS_PER_FRAME = 32 PCLK periods, 4 PIO cycles each):
 *   period 0      FSYNC high; PCLK rises and the MSB goes out on DOUT; PCLK
 *                 falls and DIN is sampled (bit 15 of the received sample)
 *   periods 1-15  the other 15 bits, MSB first, same edges
 *   periods 16-31 idle (PCLK runs, DOUT holds its last bit)
 * So PCLK = 32 x 8 kHz = 256 kHz and the PIO runs at 4 x 256 kHz = 1.024 MHz.
 * Data changes on the rising PCLK edge and is sampled on the falling edge.
 * Unverified against the Si3050 datasheet's PCM timing diagrams: which PCLK edge
 * it samples DRX on (register 33 PHCF selects) and how many PCLKs after FSYNC
 * its slot starts (registers 34-37 TXS/RXS; the driver sets 0 to match period
 * 0 above). Whether the Si3050's PLL accepts a 256 kHz PCLK with the divider's
 * one-system-clock jitter is also unverified.
 *
 * Pins: side-set base = PCLK, side-set base + 1 = FSYNC (boards/pico_w/board.py
 * PCM_BCLK, PCM_FSYNC), OUT base = DOUT (to the DAA's DRX), IN base = DIN (from
 * its DTX). Shift registers shift left (MSB first) with autopull/autopush at 16
 * bits; a 16-bit DMA write to the TX FIFO lands in both halves of the word
 * (RP2040 datasheet §2.1.4, narrow writes are replicated), so OUT sends the
 * sample's MSB first; a push leaves the received sample in bits 15:0.
 */
#ifndef PCM_PROG_H
#define PCM_PROG_H

#include <stdint.h>

#define FA_PCM_PCLKS_PER_FRAME      32
#define FA_PCM_CYCLES_PER_PCLK      4
#define FA_PCM_SLOT_BITS            16
#define FA_PCM_SIDESET_BITS         2       /* PCLK, FSYNC; not optional */
#define FA_PCM_PROGRAM_LEN          12
#define FA_PCM_WRAP_TARGET          0
#define FA_PCM_WRAP                 11      /* last instruction, then back to 0 */

/* Fills prog[FA_PCM_PROGRAM_LEN] with the instruction words, for a program
   loaded at offset 0 (jump targets are relative to the load offset: add it to
   the low 5 bits of JMP instructions, as pio_add_program() does). */
void fa_pcm_program(uint16_t prog[FA_PCM_PROGRAM_LEN]);

/* The PIO clock divider for sys_hz and frame_hz, as 16.8 fixed point (integer
   part << 8 | 8-bit fraction), rounded to nearest; 0 when out of range (the
   integer part must be 1..65535). */
uint32_t fa_pcm_clkdiv_q8(uint32_t sys_hz, uint32_t frame_hz);

#endif
