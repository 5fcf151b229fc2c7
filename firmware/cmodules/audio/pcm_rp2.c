/*
 * pcm_rp2.c - PIO + DMA + shared DMA interrupt for the DAA's PCM port
 * (RP2040 and RP2350, pico-sdk 2.x as pinned by MicroPython v1.28).
 *
 * DMA: per direction two channels, A and B, chained to each other (ping-pong),
 * each moving FA_DMA_BLOCK_SAMPLES 16-bit samples between the state machine's
 * FIFO and its own half of a 512-octet buffer. Each half is a 256-octet address
 * ring (channel CTRL RING_SIZE = 8, RP2040 datasheet §2.5.2.1): after its 128
 * transfers the channel's address has wrapped back to the start of its half, so
 * the chain runs forever with no CPU help and never writes outside its buffer.
 * The interrupt (DMA_IRQ_1, shared with MicroPython's rp2.DMA and machine.I2S,
 * which is why irq_add_shared_handler() and only our own INTS1 bits are
 * acknowledged) runs when a receive channel completes: that half holds fresh
 * samples, and the matching transmit half has just been read out (the transmit
 * DMA runs at most the 4-word FIFO plus the OSR ahead of the receive side), so
 * it is refilled from fa_engine with 16 ms to spare.
 *
 * Flash-erase stalls. rp2 flash erase/program (MicroPython rp2_flash.c) runs with
 * interrupts off and core 1 paused. Pico W's W25Q16JV: sector erase typ 45 ms,
 * max 400 ms; at 8 kHz x 16 bit that is 720 / 6,400 octets per direction. During
 * a stall the DMA keeps clocking the line (the PCM clocks never stop, so the DAA
 * keeps its PLL and the call), but the interrupt cannot run: received halves are
 * overwritten and the two transmit halves are sent again and again. When the
 * interrupt runs again it measures the gap with the microsecond timer, takes
 * only the newest whole half and calls fa_engine_lost() for the rest: Python
 * gets silence in place of the lost samples and the
 * same number of queued transmit samples are dropped, so both directions keep
 * their sample count, and stats() counts the lost blocks. The audio of the gap
 * is still gone: a 45 ms hole kills a non-ECM page line or an ECM frame, a
 * 400 ms one loses carrier. Policy: nothing is written to flash while a call
 * carries audio (DESIGN.md §3). Today faxbox/rxpages.py breaks it: SpoolSink
 * writes each received row to a spool page file *during* phase C, so on rp2 it
 * must keep the page's coded data in RAM (bounded: a fine A4 page in MMR is
 * typically 20-60 KB, worst case far more) and write it after the call or
 * between pages while the far end waits in phase D (T.30 allows at most T2 =
 * 6 s there, enough for a few erases), or the rings must cover a stall: two
 * 8 KB DMA address rings (4,096 samples = 512 ms per direction, 16 KB of static
 * RAM taken from the 210 KB MicroPython heap), the interrupt replaced by
 * reading the DMA write/read addresses. Neither is done here; the second is the
 * fallback if holding pages in RAM proves too tight.
 */
#include "pcm_rp2.h"
#include "pcm_prog.h"

#include "hardware/pio.h"
#include "hardware/dma.h"
#include "hardware/irq.h"
#include "hardware/timer.h"
#include "hardware/clocks.h"

#define HALF_OCTETS     (FA_DMA_BLOCK_SAMPLES * 2)
#define HALF_RING_BITS  8       /* 1 << 8 = 256 octets = one half */

typedef char half_is_ring[(HALF_OCTETS == (1 << HALF_RING_BITS)) ? 1 : -1];

static int16_t rx_dma[2][FA_DMA_BLOCK_SAMPLES] __attribute__((aligned(2 * HALF_OCTETS)));
static int16_t tx_dma[2][FA_DMA_BLOCK_SAMPLES] __attribute__((aligned(2 * HALF_OCTETS)));

static struct {
    fa_engine_t *engine;
    fa_wake_fn_t wake;
    void *wake_arg;
    PIO pio;
    int sm;
    int offset;
    int rx_ch[2];
    int tx_ch[2];
    uint32_t irq_mask;
    uint32_t last_us;
    int running;
    uint16_t prog[FA_PCM_PROGRAM_LEN];
    pio_program_t program;
} pcm;

static void __not_in_flash_func(pcm_dma_isr)(void)
{
    uint32_t pending = dma_hw->ints1 & pcm.irq_mask;
    uint32_t now;
    uint32_t lost;
    int half;

    if (pending == 0u) {
        return;
    }
    dma_hw->ints1 = pending;
    now = time_us_32();
    half = fa_engine_pick_half((pending & (1u << pcm.rx_ch[0])) != 0u,
                               (pending & (1u << pcm.rx_ch[1])) != 0u,
                               dma_channel_is_busy((unsigned) pcm.rx_ch[0]),
                               now - pcm.last_us, &lost);
    pcm.last_us = now;
    if (lost > 0u) {
        fa_engine_lost(pcm.engine, lost);
    }
    fa_engine_block(pcm.engine, rx_dma[half], tx_dma[half], FA_DMA_BLOCK_SAMPLES);
    if (pcm.wake != 0) {
        pcm.wake(pcm.wake_arg);
    }
}

static void config_channel(int ch, int other, int rx, int half)
{
    dma_channel_config c = dma_channel_get_default_config((unsigned) ch);

    channel_config_set_transfer_data_size(&c, DMA_SIZE_16);
    channel_config_set_chain_to(&c, (unsigned) other);
    channel_config_set_dreq(&c, pio_get_dreq(pcm.pio, (unsigned) pcm.sm, rx == 0));
    if (rx != 0) {
        channel_config_set_read_increment(&c, false);
        channel_config_set_write_increment(&c, true);
        channel_config_set_ring(&c, true, HALF_RING_BITS);
        dma_channel_configure((unsigned) ch, &c, rx_dma[half], &pcm.pio->rxf[pcm.sm],
                              FA_DMA_BLOCK_SAMPLES, false);
    } else {
        channel_config_set_read_increment(&c, true);
        channel_config_set_write_increment(&c, false);
        channel_config_set_ring(&c, false, HALF_RING_BITS);
        dma_channel_configure((unsigned) ch, &c, &pcm.pio->txf[pcm.sm], tx_dma[half],
                              FA_DMA_BLOCK_SAMPLES, false);
    }
}

static void release_channels(void)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (pcm.rx_ch[i] >= 0) {
            dma_channel_unclaim((unsigned) pcm.rx_ch[i]);
            pcm.rx_ch[i] = -1;
        }
        if (pcm.tx_ch[i] >= 0) {
            dma_channel_unclaim((unsigned) pcm.tx_ch[i]);
            pcm.tx_ch[i] = -1;
        }
    }
}

static int claim_channels(void)
{
    int i;

    for (i = 0; i < 2; i++) {
        pcm.rx_ch[i] = -1;
        pcm.tx_ch[i] = -1;
    }
    for (i = 0; i < 2; i++) {
        pcm.rx_ch[i] = dma_claim_unused_channel(false);
        pcm.tx_ch[i] = dma_claim_unused_channel(false);
        if (pcm.rx_ch[i] < 0 || pcm.tx_ch[i] < 0) {
            release_channels();
            return -1;
        }
    }
    return 0;
}

static void setup_sm(unsigned pclk_pin, unsigned dout_pin, unsigned din_pin)
{
    pio_sm_config c = pio_get_default_sm_config();
    uint32_t div_q8 = fa_pcm_clkdiv_q8(clock_get_hz(clk_sys), FA_RATE_HZ);
    unsigned sm = (unsigned) pcm.sm;

    sm_config_set_wrap(&c, (unsigned) pcm.offset + FA_PCM_WRAP_TARGET,
                       (unsigned) pcm.offset + FA_PCM_WRAP);
    sm_config_set_sideset(&c, FA_PCM_SIDESET_BITS, false, false);
    sm_config_set_sideset_pins(&c, pclk_pin);
    sm_config_set_out_pins(&c, dout_pin, 1);
    sm_config_set_in_pins(&c, din_pin);
    sm_config_set_out_shift(&c, false, true, FA_PCM_SLOT_BITS);
    sm_config_set_in_shift(&c, false, true, FA_PCM_SLOT_BITS);
    sm_config_set_clkdiv_int_frac(&c, (uint16_t) (div_q8 >> 8), (uint8_t) (div_q8 & 0xffu));
    pio_gpio_init(pcm.pio, pclk_pin);
    pio_gpio_init(pcm.pio, pclk_pin + 1u);
    pio_gpio_init(pcm.pio, dout_pin);
    pio_gpio_init(pcm.pio, din_pin);
    pio_sm_set_consecutive_pindirs(pcm.pio, sm, pclk_pin, 2, true);
    pio_sm_set_consecutive_pindirs(pcm.pio, sm, dout_pin, 1, true);
    pio_sm_set_consecutive_pindirs(pcm.pio, sm, din_pin, 1, false);
    pio_sm_init(pcm.pio, sm, (unsigned) pcm.offset, &c);
}

int fa_pcm_start(fa_engine_t *e, unsigned pio_index, unsigned pclk_pin, unsigned dout_pin,
                 unsigned din_pin, fa_wake_fn_t wake, void *wake_arg)
{
    int i;

    if (pcm.running != 0) {
        return FA_PCM_ERR_RUNNING;
    }
    if (pio_index >= NUM_PIOS || pclk_pin + 1u >= NUM_BANK0_GPIOS || dout_pin >= NUM_BANK0_GPIOS
        || din_pin >= NUM_BANK0_GPIOS) {
        return FA_PCM_ERR_ARG;
    }
    pcm.pio = pio_get_instance(pio_index);
    fa_pcm_program(pcm.prog);
    pcm.program.instructions = pcm.prog;
    pcm.program.length = FA_PCM_PROGRAM_LEN;
    pcm.program.origin = -1;
    if (!pio_can_add_program(pcm.pio, &pcm.program)) {
        return FA_PCM_ERR_NO_SM;
    }
    pcm.sm = pio_claim_unused_sm(pcm.pio, false);
    if (pcm.sm < 0) {
        return FA_PCM_ERR_NO_SM;
    }
    if (claim_channels() != 0) {
        pio_sm_unclaim(pcm.pio, (unsigned) pcm.sm);
        return FA_PCM_ERR_NO_DMA;
    }
    pcm.offset = (int) pio_add_program(pcm.pio, &pcm.program);
    pcm.engine = e;
    pcm.wake = wake;
    pcm.wake_arg = wake_arg;
    for (i = 0; i < FA_DMA_BLOCK_SAMPLES; i++) {
        rx_dma[0][i] = 0;
        rx_dma[1][i] = 0;
        tx_dma[0][i] = 0;
        tx_dma[1][i] = 0;
    }
    setup_sm(pclk_pin, dout_pin, din_pin);
    for (i = 0; i < 2; i++) {
        config_channel(pcm.rx_ch[i], pcm.rx_ch[1 - i], 1, i);
        config_channel(pcm.tx_ch[i], pcm.tx_ch[1 - i], 0, i);
    }
    pcm.irq_mask = (1u << pcm.rx_ch[0]) | (1u << pcm.rx_ch[1]);
    irq_add_shared_handler(DMA_IRQ_1, pcm_dma_isr, PICO_SHARED_IRQ_HANDLER_DEFAULT_ORDER_PRIORITY);
    irq_set_enabled(DMA_IRQ_1, true);
    dma_channel_set_irq1_enabled((unsigned) pcm.rx_ch[0], true);
    dma_channel_set_irq1_enabled((unsigned) pcm.rx_ch[1], true);
    pcm.last_us = time_us_32();
    pcm.running = 1;
    dma_start_channel_mask((1u << pcm.rx_ch[0]) | (1u << pcm.tx_ch[0]));
    pio_sm_set_enabled(pcm.pio, (unsigned) pcm.sm, true);
    return FA_PCM_OK;
}

void fa_pcm_stop(void)
{
    int i;

    if (pcm.running == 0) {
        return;
    }
    pio_sm_set_enabled(pcm.pio, (unsigned) pcm.sm, false);
    dma_channel_set_irq1_enabled((unsigned) pcm.rx_ch[0], false);
    dma_channel_set_irq1_enabled((unsigned) pcm.rx_ch[1], false);
    for (i = 0; i < 2; i++) {
        /* Break the chains first (a channel chained to itself chains to none) so
           that aborting one channel cannot start the other. */
        hw_write_masked(&dma_hw->ch[pcm.rx_ch[i]].al1_ctrl,
                        (uint32_t) pcm.rx_ch[i] << DMA_CH0_CTRL_TRIG_CHAIN_TO_LSB,
                        DMA_CH0_CTRL_TRIG_CHAIN_TO_BITS);
        hw_write_masked(&dma_hw->ch[pcm.tx_ch[i]].al1_ctrl,
                        (uint32_t) pcm.tx_ch[i] << DMA_CH0_CTRL_TRIG_CHAIN_TO_LSB,
                        DMA_CH0_CTRL_TRIG_CHAIN_TO_BITS);
    }
    for (i = 0; i < 2; i++) {
        dma_channel_abort((unsigned) pcm.rx_ch[i]);
        dma_channel_abort((unsigned) pcm.tx_ch[i]);
    }
    dma_hw->ints1 = pcm.irq_mask;
    irq_remove_handler(DMA_IRQ_1, pcm_dma_isr);
    release_channels();
    pio_remove_program(pcm.pio, &pcm.program, (unsigned) pcm.offset);
    pio_sm_unclaim(pcm.pio, (unsigned) pcm.sm);
    pcm.running = 0;
}

int fa_pcm_running(void)
{
    return pcm.running;
}
