"""The cycle-counting runner (rp2040js) on tiny known programs.

No performance figures are asserted here (they go to bench/bench_cycles.py). What is
checked: the runner loads and runs a bare-metal image, passes values through the
BKPT calls, counts cycles the way the Cortex-M0+ Technical Reference Manual times
instructions (NOP 1 cycle, MULS 1 cycle with the RP2040's fast multiplier, LDR 2
cycles), gives the same counts on every run, and refuses a run whose counts cannot be
trusted (an instruction the emulator does not implement).

Each timed region is one asm block, so the compiler cannot move code into or out of
it; the cost of the BKPT marks themselves cancels out by comparing two regions that
differ only in the instructions under test.
"""
import os

import pytest

from picofax import cycles

FIR_CHECK_SAMPLES = 320

KNOWN_PROGRAM = r"""
#include "host.h"

/* bkpt #4 restarts the block clock, bkpt #2 records a block of r0 samples. */
#define REGION(body) \
    __asm volatile ("bkpt #4\n" body "movs r0, #1\n" "bkpt #2\n" \
                    : : : "r0", "r2", "r3", "cc", "memory")

int main(void)
{
    host_begin("known", 1);
    REGION(".rept 40\n nop\n .endr\n");                         /* block 0 */
    REGION(".rept 80\n nop\n .endr\n");                         /* block 1 */
    REGION(".rept 40\n nop\n .endr\n"
           ".rept 30\n muls r2, r3\n .endr\n");                  /* block 2 */
    REGION(".rept 40\n nop\n .endr\n"
           ".rept 15\n ldr r2, [sp]\n .endr\n");                 /* block 3 */
    host_end(0x12345678u, 7u);
    return 0;
}
"""


@pytest.fixture(scope="module")
def known_image(tmp_path_factory):
    cycles.check_runner()
    d = tmp_path_factory.mktemp("known")
    src = d / "known.c"
    src.write_text(KNOWN_PROGRAM)
    return cycles.build_image([str(src)], str(d), "known")


def test_runner_counts_known_instructions(known_image):
    result = cycles.run_image(known_image)
    (m,) = result["measurements"]
    b = m["blocks"]

    assert result["exit"] == 0 and result["problems"] == []
    assert m["name"] == "known"
    assert m["result"] == 0x12345678 and m["flags"] == 7
    assert m["samples"] == 4                     # four blocks of r0 = 1
    assert b[1] - b[0] == 40                     # 40 more NOPs, 1 cycle each
    assert b[2] - b[0] == 30                     # 30 MULS, 1 cycle each (fast multiplier)
    assert b[3] - b[0] == 30                     # 15 LDR, 2 cycles each


def test_runner_is_deterministic(known_image):
    first = cycles.run_image(known_image)
    second = cycles.run_image(known_image)

    assert first["cycles"] == second["cycles"] > 0
    assert first["measurements"] == second["measurements"]


def test_runner_reports_exit_code(tmp_path):
    src = tmp_path / "three.c"
    src.write_text("int main(void) { return 3; }\n")
    image = cycles.build_image([str(src)], str(tmp_path), "three")

    with pytest.raises(cycles.CyclesError, match="image exit 3"):
        cycles.run_image(image)


def test_runner_rejects_unimplemented_instruction(tmp_path):
    src = tmp_path / "bad.c"
    # MUL.W is a Thumb-2 encoding that ARMv6-M (and the emulator) does not have.
    src.write_text('int main(void) { __asm volatile (".inst.w 0xfb00f000" ::: "r0"); '
                   'return 0; }\n')
    image = cycles.build_image([str(src)], str(tmp_path), "bad")

    with pytest.raises(cycles.CyclesError, match="not implemented"):
        cycles.run_image(image)


def test_runner_stops_a_runaway_program(tmp_path):
    src = tmp_path / "loop.c"
    src.write_text("int main(void) { for (;;) { __asm volatile (\"nop\"); } }\n")
    image = cycles.build_image([str(src)], str(tmp_path), "loop")

    with pytest.raises(cycles.CyclesError, match="still running after 100000 cycles"):
        cycles.run_image(image, max_cycles=100000)


def test_harness_runs_every_modem_briefly():
    # Two blocks per benchmark: proves each modem of the table builds for the M0+ and
    # runs on the emulator without faults or unimplemented instructions.
    rows = cycles.bench_core(samples=FIR_CHECK_SAMPLES)
    names = [r["name"] for r in rows]
    dsp = os.listdir(cycles.DSP_DIR)

    assert names[0] == "fir32_q15"
    # The table has an entry for each transmitter/receiver header that exists.
    for header, entry in (("fsk.h", "v21_rx"), ("v29tx.h", "v29_tx_9600"),
                          ("v29rx.h", "v29_rx_9600"), ("v27tertx.h", "v27ter_tx_4800"),
                          ("v27terrx.h", "v27ter_rx_4800"), ("v17tx.h", "v17_tx_14400"),
                          ("v17rx.h", "v17_rx_14400"), ("tones.h", "tone_det")):
        assert (entry in names) == (header in dsp), entry
    for r in rows:
        # V.17 runs three times as long (its long training lasts about 1.4 s).
        expected = 3 * FIR_CHECK_SAMPLES if r["name"].startswith("v17") else FIR_CHECK_SAMPLES
        assert r["samples"] == expected, r["name"]
        assert r["cycles_per_sample"] > 0
