#!/usr/bin/env python3
"""Generate the fixed-point tables of the V.17 modem (ITU-T V.17 (02/91)).

Writes dsp/v17_tables.c and dsp/v17_tables.h next to this folder; both are
marked as generated and must not be edited by hand:

    python3 firmware/cmodules/faxcore/gen/gen_v17_tables.py

The pulse shaper and receive filter are V.29's (also 2400 Bd, see
gen_tables.py); this script adds what is particular to V.17:

- the signal-space maps of V.17 Figures 4 to 7 (14400, 12000, 9600, 7200 bit/s)
  indexed by the 7/6/5/4-bit word Y0 Y1 Y2 Q3 ... (Y0 the LSB, then Y1, Y2,
  then the uncoded bits Q3 Q4 ...), and the training points A B C D;
  co-ordinates are the standard's divided by 4, in Q12 (so the largest, 9,
  is 9216 and there is headroom to 8.0 at the equaliser);
- the next-state table of the 8-state convolutional encoder (V.17 Figure 3);
- the per-rate transmit gains and the receiver's AGC numerator.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DSP = os.path.join(os.path.dirname(HERE), "dsp")
sys.path.insert(0, HERE)

import gen_tables  # noqa: E402  (shared shaper and gain arithmetic)

SCALE = 1024        # standard co-ordinate 1 = 0.25 constellation units = 1024 in Q12

# Training points A B C D (V.17 Figure 4 / segment 1 and 2 alphabet), by index 0..3.
ABCD = [(-6, -2), (2, -6), (6, 2), (-2, 6)]

# Signal-space maps: point for each word Y0 + 2 Y1 + 4 Y2 + 8 Q3 + 16 Q4 + ...
# (V.17 Figure 4: 14400; Figure 5: 12000; Figure 6: 9600; Figure 7: 7200).
MAP_14400 = [
    (-8, -3), (9, 2), (2, -9), (-3, 8), (8, 3), (-9, -2), (-2, 9), (3, -8),
    (-8, 1), (9, -2), (-2, -9), (1, 8), (8, -1), (-9, 2), (2, 9), (-1, -8),
    (-4, -3), (5, 2), (2, -5), (-3, 4), (4, 3), (-5, -2), (-2, 5), (3, -4),
    (-4, 1), (5, -2), (-2, -5), (1, 4), (4, -1), (-5, 2), (2, 5), (-1, -4),
    (4, -3), (-3, 2), (2, 3), (-3, -4), (-4, 3), (3, -2), (-2, -3), (3, 4),
    (4, 1), (-3, -2), (-2, 3), (1, -4), (-4, -1), (3, 2), (2, -3), (-1, 4),
    (0, -3), (1, 2), (2, -1), (-3, 0), (0, 3), (-1, -2), (-2, 1), (3, 0),
    (0, 1), (1, -2), (-2, -1), (1, 0), (0, -1), (-1, 2), (2, 1), (-1, 0),
    (8, -3), (-7, 2), (2, 7), (-3, -8), (-8, 3), (7, -2), (-2, -7), (3, 8),
    (8, 1), (-7, -2), (-2, 7), (1, -8), (-8, -1), (7, 2), (2, -7), (-1, 8),
    (-4, -7), (5, 6), (6, -5), (-7, 4), (4, 7), (-5, -6), (-6, 5), (7, -4),
    (-4, 5), (5, -6), (-6, -5), (5, 4), (4, -5), (-5, 6), (6, 5), (-5, -4),
    (4, -7), (-3, 6), (6, 3), (-7, -4), (-4, 7), (3, -6), (-6, -3), (7, 4),
    (4, 5), (-3, -6), (-6, 3), (5, -4), (-4, -5), (3, 6), (6, -3), (-5, 4),
    (0, -7), (1, 6), (6, -1), (-7, 0), (0, 7), (-1, -6), (-6, 1), (7, 0),
    (0, 5), (1, -6), (-6, -1), (5, 0), (0, -5), (-1, 6), (6, 1), (-5, 0),
]
MAP_12000 = [
    (7, 1), (-5, -1), (-1, 5), (1, -7), (-7, -1), (5, 1), (1, -5), (-1, 7),
    (3, -3), (-1, 3), (3, 1), (-3, -3), (-3, 3), (1, -3), (-3, -1), (3, 3),
    (7, -7), (-5, 7), (7, 5), (-7, -7), (-7, 7), (5, -7), (-7, -5), (7, 7),
    (-1, -7), (3, 7), (7, -3), (-7, 1), (1, 7), (-3, -7), (-7, 3), (7, -1),
    (3, 5), (-1, -5), (-5, 1), (5, -3), (-3, -5), (1, 5), (5, -1), (-5, 3),
    (-1, 1), (3, -1), (-1, -3), (1, 1), (1, -1), (-3, 1), (1, 3), (-1, -1),
    (-5, 5), (7, -5), (-5, -7), (5, 5), (5, -5), (-7, 5), (5, 7), (-5, -5),
    (-5, -3), (7, 3), (3, -7), (-3, 5), (5, 3), (-7, -3), (-3, 7), (3, -5),
]
MAP_9600 = [
    (-8, 2), (-6, -4), (-4, 6), (2, 8), (8, -2), (6, 4), (4, -6), (-2, -8),
    (0, 2), (-6, 4), (4, 6), (2, 0), (0, -2), (6, -4), (-4, -6), (-2, 0),
    (0, -6), (2, -4), (-4, -2), (-6, 0), (0, 6), (-2, 4), (4, 2), (6, 0),
    (8, 2), (2, 4), (4, -2), (2, -8), (-8, -2), (-2, -4), (-4, 2), (-2, 8),
]
MAP_7200 = [
    (6, -6), (-2, 6), (6, 2), (-6, -6), (-6, 6), (2, -6), (-6, -2), (6, 6),
    (-2, 2), (6, -2), (-2, -6), (2, 2), (2, -2), (-6, 2), (2, 6), (-2, -2),
]
# Segment 2 (V.17 synchronizing signals): scrambled ones, each dibit (first bit the MSB) picks C, D, B or A;
# the scrambler starts from this state (as SpanDSP and the modems it talks to).
SCRAMBLER_SEED = 0x2ECDD5
SEG2_POINT = [2, 3, 1, 0]
SEG2_SEQ_SYMBOLS = 64
CARRIER_HZ = 1800   # V.17 carrier
GRID_HALF = 10      # the 14400 search grid spans -10..10 standard units
MOD_PERIOD = 40     # samples after which carrier and shaper phase both repeat

MAPS = [(14400, MAP_14400), (12000, MAP_12000), (9600, MAP_9600), (7200, MAP_7200)]


def encoder_next(state, y1, y2):
    """V.17 Figure 3: next state of the delay elements (S1 S2 S3 as bits 0 1 2).

    Y0 of a symbol is bit 0 of the state before it. Written from the figure's
    logic: the first delay element takes Y2 + S2 + Y1 S1, the second
    Y2 + Y1 + S3 + (Y2 + S2) S1, the third the old S1 (+ is exclusive or).
    """
    s1 = state & 1
    s2 = (state >> 1) & 1
    s3 = (state >> 2) & 1
    n1 = y2 ^ s2 ^ (y1 & s1)
    n2 = y2 ^ y1 ^ s3 ^ ((y2 ^ s2) & s1)
    return n1 | (n2 << 1) | (s1 << 2)


def points_c(name, pts):
    vals = ["{%d, %d}" % (x * SCALE, y * SCALE) for x, y in pts]
    lines = ["const qam_point_t %s[%d] = {" % (name, len(pts))]
    for i in range(0, len(vals), 8):
        lines.append("    " + ", ".join(vals[i:i + 8]) + ",")
    lines.append("};")
    return "\n".join(lines)


def main():
    banner = "/* GENERATED by gen/gen_v17_tables.py - do not edit; change the script and rerun it. */\n"
    h = [banner, "#ifndef V17_TABLES_H", "#define V17_TABLES_H", "",
         "#include <stdint.h>", '#include "qam_tx.h"', ""]
    c = [banner, '#include "v17_tables.h"', ""]

    for rate, pts in MAPS:
        assert len(set(pts)) == len(pts)
        # Each subset (Y0 Y1 Y2) must be a coset: the trellis code relies on it.
        for k in range(8):
            sub = pts[k::8]
            dmin = min((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
                       for i, a in enumerate(sub) for b in sub[i + 1:]) if len(sub) > 1 else 0
            assert len(sub) == 1 or dmin >= 2 * min(
                (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
                for i, a in enumerate(pts) for b in pts[i + 1:]), (rate, k)
    h.append("/* Signal-space maps, Q12 (standard co-ordinates / 4), indexed by Y0 + 2 Y1 + 4 Y2 + 8 Q3 ... */")
    for rate, pts in MAPS:
        h.append("extern const qam_point_t v17_points_%d[%d];" % (rate, len(pts)))
        c.append("/* V.17 signal-space map for %d bit/s, %d points. */" % (rate, len(pts)))
        c.append(points_c("v17_points_%d" % rate, pts))
        c.append("")
    h.append("/* Training points A, B, C, D. */")
    h.append("extern const qam_point_t v17_abcd[4];")
    c.append(points_c("v17_abcd", ABCD))
    c.append("")

    # Segment 2: the first symbols (training point indices 0..3 = A..D) from the
    # scrambler started at V17_SCRAMBLER_SEED with binary ones in; the receiver
    # matches them to find where segment 2 begins.
    reg = SCRAMBLER_SEED
    seq = []
    for _ in range(SEG2_SEQ_SYMBOLS):
        bits = 0
        for _ in range(2):
            out = (1 ^ (reg >> 17) ^ (reg >> 22)) & 1
            reg = ((reg << 1) | out) & 0x7FFFFF
            bits = (bits << 1) | out
        seq.append(SEG2_POINT[bits])
    h.append("/* Scrambler state at the start of segment 2, and the first segment 2 points (0..3 = A..D). */")
    h.append("#define V17_SCRAMBLER_SEED 0x%06Xu" % SCRAMBLER_SEED)
    h.append("#define V17_SEG2_SEQ_SYMBOLS %d" % SEG2_SEQ_SYMBOLS)
    h.append("extern const uint8_t v17_seg2_seq[%d];" % SEG2_SEQ_SYMBOLS)
    c.append(gen_tables.c_array("uint8_t", "v17_seg2_seq", seq, 16))
    c.append("")

    # 14400 bit/s search grid: for each cell of one standard unit over
    # -GRID_HALF..GRID_HALF on both axes and each subset, the two points of the
    # subset nearest the cell's centre. The point of a subset nearest to any y
    # in the cell is one of them (checked below on a 0.1 unit raster; misses
    # are exact ties), so the Viterbi decoder's branch metrics stay exact with
    # 16 distances a symbol instead of 128.
    grid = []
    for ix in range(-GRID_HALF, GRID_HALF):
        for iy in range(-GRID_HALF, GRID_HALF):
            cx, cy = ix + 0.5, iy + 0.5
            for k in range(8):
                sub = sorted(range(k, 128, 8),
                             key=lambda i: (MAP_14400[i][0] - cx) ** 2 + (MAP_14400[i][1] - cy) ** 2)
                grid.extend(sub[:2])
                for dx in range(10):
                    for dy in range(10):
                        x, y = ix + dx / 10.0, iy + dy / 10.0
                        d = [(MAP_14400[i][0] - x) ** 2 + (MAP_14400[i][1] - y) ** 2
                             for i in range(k, 128, 8)]
                        got = min((MAP_14400[i][0] - x) ** 2 + (MAP_14400[i][1] - y) ** 2
                                  for i in sub[:2])
                        assert got <= min(d) + 1e-9
    h.append("/* 14400 bit/s: two candidate points per subset for each one-unit cell [x][y][subset][2]. */")
    h.append("#define V17_GRID_HALF %d" % GRID_HALF)
    h.append("extern const uint8_t v17_grid_14400[%d];" % len(grid))
    c.append(gen_tables.c_array("uint8_t", "v17_grid_14400", grid, 16))
    c.append("")

    nxt = [encoder_next(s, y & 1, y >> 1) for s in range(8) for y in range(4)]
    h.append("/* Convolutional encoder: next state for [state * 4 + (Y1 + 2 Y2)]; Y0 = state & 1. */")
    h.append("extern const uint8_t v17_next_state[32];")
    c.append(gen_tables.c_array("uint8_t", "v17_next_state", nxt, 8))
    c.append("")
    # Every state is reached from exactly four branches.
    assert sorted(nxt) == sorted(list(range(8)) * 4)

    # Transmit gains: the V.29 shaper (2400 Bd, 25 %), one gain per rate so that
    # the data has the requested mean power.
    shape = [[gen_tables.q(v, gen_tables.RRC_Q) for v in row]
             for row in gen_tables.shaper(0.25, 10, 9)]
    h.append("")
    h.append("/* Q13 gains from the modulator output to a 0 dBm0 data signal, per rate. */")
    for rate, pts in MAPS:
        const = [(x * SCALE / 4096.0, y * SCALE / 4096.0) for x, y in pts]
        g, es = gen_tables.mode_gain(shape, 10, const)
        assert g < 2 ** 17
        h.append("#define V17_TX_GAIN_%d %d /* mean symbol power %.4f */" % (rate, g, es))
    # Passband modulator table: at 8000 samples/s the 1800 Hz carrier repeats
    # every 40 samples (9 cycles) and the 2400 Bd shaper phase (3 n mod 10)
    # every 10, so out[n] = sum_i re_i C[n mod 40][i] - im_i S[n mod 40][i], with
    # C = h cos, S = h sin folded into one Q14 table [n][tap][cos, sin], the taps
    # from the oldest symbol (span - 1 symbols back) to the newest.
    rows = gen_tables.shaper(0.25, 10, 9)
    mod = []
    for n in range(MOD_PERIOD):
        w = 2.0 * math.pi * CARRIER_HZ * n / 8000.0
        for i in reversed(range(9)):      # oldest symbol first
            tap = rows[(3 * n) % 10][i]
            mod.append(gen_tables.q(tap * math.cos(w), gen_tables.RRC_Q))
            mod.append(gen_tables.q(tap * math.sin(w), gen_tables.RRC_Q))
    for n in range(MOD_PERIOD):
        worst = sum(abs(v) for v in mod[n * 18:(n + 1) * 18]) * 9 * SCALE
        assert worst < 2 ** 31, "modulator sum can overflow"
    h.append("")
    packed = [(mod[i] & 0xFFFF) | ((mod[i + 1] & 0xFFFF) << 16) for i in range(0, len(mod), 2)]
    h.append("/*")
    h.append(" * Passband modulator: [n mod V17_MOD_PERIOD][tap, oldest first] of shaper x")
    h.append(" * carrier, Q14, packed as one word per tap: cos part in the low 16 bits, sin")
    h.append(" * part in the high 16 bits (two's complement), so one load fetches both.")
    h.append(" */")
    h.append("#define V17_MOD_PERIOD %d" % MOD_PERIOD)
    h.append("#define V17_MOD_SPAN 9")
    h.append("extern const uint32_t v17_mod_q14[%d];" % len(packed))
    c.append("/* Shaper (2400 Bd, 25 %%, 10 phases x 9 taps) times the %d Hz carrier. */" % CARRIER_HZ)
    c.append(gen_tables.c_array("uint32_t", "v17_mod_q14", ["0x%08Xu" % v for v in packed], 9))
    c.append("")
    es_train = sum((x * SCALE / 4096.0) ** 2 + (y * SCALE / 4096.0) ** 2 for x, y in ABCD) / 4
    y_rms_per_x = math.sqrt(0.5 * (1.0 - 0.25 / 4.0))
    h.append("")
    h.append("/* AGC numerator (see QAM_RX_AGC_x in qam_tables.h): training points at half size. */")
    k = 0.5 * math.sqrt(es_train) * 4096.0 * 4096.0 / y_rms_per_x
    assert k < 2 ** 31
    h.append("#define V17_RX_AGC %d" % int(round(k)))
    h.append("/* Mean power of the training points A B C D: %.4f units. */" % es_train)
    h.append("")
    h.append("#endif")

    with open(os.path.join(DSP, "v17_tables.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    with open(os.path.join(DSP, "v17_tables.c"), "w") as f:
        f.write("\n".join(c))


if __name__ == "__main__":
    main()
