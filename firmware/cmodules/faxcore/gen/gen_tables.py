#!/usr/bin/env python3
"""Generate the fixed-point tables of the fast modems (V.29, V.27ter).

Writes dsp/qam_tables.c and dsp/qam_tables.h next to this folder. Run it from
anywhere after changing a parameter below; both outputs are marked as generated
and must not be edited by hand:

    python3 firmware/cmodules/faxcore/gen/gen_tables.py

Only the standard library is used (math), so the script runs on any host Python.

Tables:
- qam_sin_q15: one period of sine, 256 steps plus a guard entry, Q15, for the
  direct digital synthesiser (linear interpolation between entries; the
  receivers' phase rotation after the equaliser).
- qam_carrier_q15: sine in 1/80 turn steps (100 Hz per sample at 8 kHz) plus a
  quarter turn for the cosine, Q15: the receivers' exact carrier mixer.
- qam_level_q15: amplitude ratio 10^(-k/20) for k = 0..QAM_LEVEL_STEPS-1 dB, Q15.
- qam_tx_mod_*: transmit modulators, one per symbol rate: the root-raised-cosine
  pulse shaper (polyphase, Q14, peak 1.0; tap i weighs the i-th newest symbol,
  phase p is the time p/P symbols after it) times the carrier, for each sample
  of the period after which shaper phase and carrier phase both repeat, packed
  (h cos, h sin) per tap, oldest symbol first; and the per-rate gain that takes
  the modulator output to 0 dBm0.
- qam_rx_*: receive root-raised-cosine filters ([phase][tap], int32 values Q15).
"""
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DSP = os.path.join(os.path.dirname(HERE), "dsp")

SIN_STEPS = 256
CARRIER_STEPS = 80  # receive mixer table: one turn in 100 Hz steps at 8 kHz
LEVEL_STEPS = 64

# 0 dBm0 is a sine of peak 22,767 (a full-scale sine is +3.14 dBm0), RMS 16,099.
DBM0_RMS = 32767.0 * 10.0 ** (-3.14 / 20.0) / math.sqrt(2.0)

RRC_Q = 14          # transmit pulse shaper coefficients: Q14, peak = 1.0
SYM_Q = 12          # constellation co-ordinates: Q12
BB_SHIFT = 14       # Q12 symbols x Q14 taps = Q26; >> 14 gives Q12 baseband
GAIN_Q = 13         # modulator gain: Q13

# name, symbol rate (Bd), excess bandwidth, phases P per symbol, step D per
# sample (P / D = 8000 / baud), span in symbols.
# V.29 §2 (2400 Bd); V.27ter §2 (1600 Bd at 4800 bit/s, 1200 Bd at 2400 bit/s,
# 50 % raised-cosine spectrum shared between transmitter and receiver).
SHAPERS = [
    ("v29", 2400, 0.25, 10, 3, 9),
    ("v27_4800", 1600, 0.5, 5, 1, 9),
    ("v27_2400", 1200, 0.5, 20, 3, 9),
]

# Constellations (co-ordinates in constellation units, before Q12 scaling), used
# here only to compute the average symbol power for the level gain.
V29_9600 = [(3, 0), (1, 1), (0, 3), (-1, 1), (-3, 0), (-1, -1), (0, -3), (1, -1),
            (5, 0), (3, 3), (0, 5), (-3, 3), (-5, 0), (-3, -3), (0, -5), (3, -3)]
V29_7200 = V29_9600[:8]
R = 1.0
PSK8 = [(R * math.cos(k * math.pi / 4), R * math.sin(k * math.pi / 4)) for k in range(8)]
PSK4 = [PSK8[k] for k in (0, 2, 4, 6)]

MODES = [
    ("V29_9600", "v29", V29_9600),
    ("V29_7200", "v29", V29_7200),
    ("V27_4800", "v27_4800", PSK8),
    ("V27_2400", "v27_2400", PSK4),
]


def rrc(t, beta):
    """Root-raised-cosine impulse response at t symbols, unit peak scaled later."""
    if abs(t) < 1e-9:
        return 1.0 - beta + 4.0 * beta / math.pi
    if beta > 0 and abs(abs(4.0 * beta * t) - 1.0) < 1e-9:
        return (beta / math.sqrt(2.0)) * (
            (1.0 + 2.0 / math.pi) * math.sin(math.pi / (4.0 * beta))
            + (1.0 - 2.0 / math.pi) * math.cos(math.pi / (4.0 * beta)))
    num = math.sin(math.pi * t * (1.0 - beta)) + 4.0 * beta * t * math.cos(math.pi * t * (1.0 + beta))
    den = math.pi * t * (1.0 - (4.0 * beta * t) ** 2)
    return num / den


def shaper(beta, phases, span):
    """Polyphase RRC pulse shaper [phase][tap], floats with peak 1.0."""
    peak = rrc(0.0, beta)
    out = []
    for p in range(phases):
        row = []
        for i in range(span):
            t = i + p / phases - span / 2.0
            row.append(rrc(t, beta) / peak)
        out.append(row)
    return out


def q(x, bits):
    v = int(round(x * (1 << bits)))
    return max(-32768, min(32767, v))


# Carrier frequencies: V.29 §1 (1700 Hz), V.27 ter §1 (1800 Hz).
CARRIER_HZ = {"v29": 1700, "v27_4800": 1800, "v27_2400": 1800}


def mod_period(carrier_hz, phases, step):
    """Samples after which both the shaper phase and the carrier phase repeat.

    V.29: 1700/8000 = 17/80 of a turn per sample and 3/10 symbol: 80 samples.
    V.27 ter: 1800/8000 = 9/40 of a turn; 1/5 (4800) or 3/20 (2400) symbol: 40.
    """
    shaper = phases // math.gcd(phases, step)
    carrier = 8000 // math.gcd(8000, carrier_hz)
    return shaper * carrier // math.gcd(shaper, carrier)


def modulator(rows_q, phases, step, span, period, carrier_hz):
    """Packed shaper x carrier words [n][tap, oldest first], Q14 halves.

    Sample n uses shaper phase (step n) mod phases (tap i = i-th newest symbol)
    and the carrier at angle 2 pi f n / 8000, starting from zero.
    """
    out = []
    for n in range(period):
        w = 2.0 * math.pi * carrier_hz * n / 8000.0
        row = rows_q[(step * n) % phases]
        words = []
        for i in reversed(range(span)):
            cs = q(row[i] / float(1 << RRC_Q) * math.cos(w), RRC_Q)
            sn = q(row[i] / float(1 << RRC_Q) * math.sin(w), RRC_Q)
            words.append((cs, sn))
        # Overflow of the Q26 accumulator: largest symbol co-ordinate 5.0 (V.29).
        worst = sum(abs(a) + abs(b) for a, b in words) * 5 * (1 << SYM_Q)
        assert worst < 2 ** 31, "modulator sum can overflow"
        out.extend((a & 0xFFFF) | ((b & 0xFFFF) << 16) for a, b in words)
    return out


def mode_gain(shape_q, phases, const):
    """Q13 gain taking the modulator's passband output (Q12 units) to 0 dBm0 RMS.

    The shaped baseband of independent zero-mean symbols has a mean power of
    E|a|^2 * sum(h^2) / P per sample (averaged over phases); the real passband
    signal carries half of it.
    """
    es = sum(x * x + y * y for x, y in const) / len(const)
    h2 = sum((c / float(1 << RRC_Q)) ** 2 for row in shape_q for c in row) / phases
    p_rms = math.sqrt(es * h2 / 2.0) * (1 << SYM_Q)
    g = DBM0_RMS / p_rms
    return int(round(g * (1 << GAIN_Q))), es


def c_array(ctype, name, values, per_line=10):
    lines = ["const %s %s[%d] = {" % (ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


# Receive interpolating filters: name, symbol rate, excess bandwidth, taps
# (at 8 kHz). QAM_RX_PHASES fractional-sample phases each; unity DC gain, Q15.
RX_PHASES = 16
RX_FILTERS = [
    ("v29", 2400, 0.25, 27),
    ("v27_4800", 1600, 0.5, 31),
    ("v27_2400", 1200, 0.5, 41),
]

# Mean power of the training symbols the receiver sets its gain on, per mode
# (V.29 segment 2 ABAB; V.27 ter segment 3 reversals on the unit circle).
RX_AGC_MODES = [
    ("V29_9600", 0.25, (9.0 + 18.0) / 2.0),
    ("V29_7200", 0.25, (9.0 + 2.0) / 2.0),
    ("V27_4800", 0.5, 1.0),
    ("V27_2400", 0.5, 1.0),
]

POWER_DB_STEPS = 80


def rx_filter(baud, beta, taps):
    """Polyphase interpolating RRC: [phase][tap]; phase p delays by p/RX_PHASES samples."""
    sps = 8000.0 / baud
    rows = []
    for p in range(RX_PHASES):
        row = [rrc((k - p / float(RX_PHASES) - (taps - 1) / 2.0) / sps, beta) for k in range(taps)]
        dc = sum(row)
        rows.append([v / dc for v in row])
    return rows


def emit_rx(h, c):
    h.append("")
    h.append("/* Receive interpolating RRC filters: Q15, unity DC gain, [phase][tap]. */")
    h.append("#define QAM_RX_PHASES %d" % RX_PHASES)
    h.append("/* int32 (values Q15) so that the M0+ loads them with post-increment. */")
    for name, baud, beta, taps in RX_FILTERS:
        rows = rx_filter(baud, beta, taps)
        flat = [q(v, 15) for row in rows for v in row]
        worst = max(sum(abs(v) for v in flat[i * taps:(i + 1) * taps]) for i in range(RX_PHASES))
        assert worst * 32768 < 2 ** 31, name
        h.append("#define QAM_RX_%s_TAPS %d" % (name.upper(), taps))
        h.append("extern const int32_t qam_rx_rrc_%s[%d];" % (name, len(flat)))
        c.append("/* Receive RRC, %d Bd, excess bandwidth %.2f, %d phases x %d taps. */" % (
            baud, beta, RX_PHASES, taps))
        c.append(c_array("int32_t", "qam_rx_rrc_%s" % name, flat))
        c.append("")
    h.append("")
    h.append("/*")
    h.append(" * AGC numerators: gain_q12 = QAM_RX_AGC_x / isqrt(mean square input) brings")
    h.append(" * the training symbols to half their nominal Q12 size (headroom). The complex baseband of a real")
    h.append(" * passband signal has RMS x_rms / sqrt 2; the matched filter keeps 1 - beta/4")
    h.append(" * of its power.")
    h.append(" */")
    for mode, beta, es in RX_AGC_MODES:
        y_rms_per_x = math.sqrt(0.5 * (1.0 - beta / 4.0))
        # Half the nominal size: periodic training patterns peak higher than data.
        k = 0.5 * math.sqrt(es) * 4096.0 * 4096.0 / y_rms_per_x
        assert k < 2 ** 31
        h.append("#define QAM_RX_AGC_%s %d" % (mode, int(round(k))))
    h.append("")
    h.append("/* Mean square input of k dB below 0 dBm0, k = 0..QAM_POWER_DB_STEPS-1. */")
    h.append("#define QAM_POWER_DB_STEPS %d" % POWER_DB_STEPS)
    h.append("extern const int32_t qam_power_dbm0[%d];" % POWER_DB_STEPS)
    pw = [int(round(DBM0_RMS ** 2 * 10.0 ** (-k / 10.0))) for k in range(POWER_DB_STEPS)]
    c.append(c_array("int32_t", "qam_power_dbm0", pw, 6))
    c.append("")
    h.append("#define QAM_POWER_ON_DBM0 %d   /* carrier on at -43 dBm0 */" % pw[43])
    h.append("#define QAM_POWER_OFF_DBM0 %d  /* carrier off at -48 dBm0 */" % pw[48])
    h.append("/* 10^(k/10), Q8, k = 0..QAM_SNR_DB_STEPS-1: power ratio thresholds for SNR in dB. */")
    h.append("#define QAM_SNR_DB_STEPS 50")
    h.append("extern const int32_t qam_snr_ratio_q8[50];")
    c.append(c_array("int32_t", "qam_snr_ratio_q8",
                     [int(round(256 * 10.0 ** (k / 10.0))) for k in range(50)], 6))
    c.append("")


def main():
    banner = ("/* GENERATED by gen/gen_tables.py - do not edit; change the script and rerun it. */\n")
    h = [banner, "#ifndef QAM_TABLES_H", "#define QAM_TABLES_H", "", "#include <stdint.h>", ""]
    c = [banner, '#include "qam_tables.h"', ""]

    sin_q15 = [q(math.sin(2.0 * math.pi * k / SIN_STEPS), 15) for k in range(SIN_STEPS + 1)]
    h.append("#define QAM_SIN_STEPS %d" % SIN_STEPS)
    h.append("/* One period of sine plus a guard entry, Q15. */")
    h.append("extern const int16_t qam_sin_q15[%d];" % (SIN_STEPS + 1))
    c.append(c_array("int16_t", "qam_sin_q15", sin_q15))
    c.append("")

    # Receive mixer: every carrier here is a multiple of 100 Hz, so its phase at
    # 8 kHz is always a whole number of 1/80 turns (V.29 1700 Hz: 17 steps per
    # sample; V.27 ter and V.17 1800 Hz: 18). Exact, no interpolation.
    car = [q(math.sin(2.0 * math.pi * k / CARRIER_STEPS), 15)
           for k in range(CARRIER_STEPS + CARRIER_STEPS // 4)]
    h.append("#define QAM_CARRIER_STEPS %d  /* 1/%d turn = 100 Hz per sample at 8 kHz */" % (
        CARRIER_STEPS, CARRIER_STEPS))
    h.append("#define QAM_CARRIER_QUARTER %d" % (CARRIER_STEPS // 4))
    h.append("/* sin(2 pi k / QAM_CARRIER_STEPS), Q15, with a quarter turn more for the cosine. */")
    h.append("extern const int16_t qam_carrier_q15[%d];" % len(car))
    c.append(c_array("int16_t", "qam_carrier_q15", car))
    c.append("")

    level = [q(10.0 ** (-k / 20.0), 15) for k in range(LEVEL_STEPS)]
    h.append("#define QAM_LEVEL_STEPS %d" % LEVEL_STEPS)
    h.append("/* 10^(-k/20) for k = 0..QAM_LEVEL_STEPS-1 dB, Q15. */")
    h.append("extern const int16_t qam_level_q15[%d];" % LEVEL_STEPS)
    c.append(c_array("int16_t", "qam_level_q15", level))
    c.append("")

    h.append("")
    h.append("/*")
    h.append(" * Transmit modulators: [n mod PERIOD][tap, oldest symbol first] of the RRC pulse")
    h.append(" * shaper (Q%d, peak 1.0) times the carrier at sample n, packed one word per" % RRC_Q)
    h.append(" * tap: h cos in the low 16 bits, h sin in the high 16 bits (two's complement).")
    h.append(" * A symbol is due at each sample n where (STEP n) mod PHASES < STEP.")
    h.append(" */")
    h.append("#define QAM_SYM_Q %d      /* constellation co-ordinates are Q%d */" % (SYM_Q, SYM_Q))
    h.append("#define QAM_TX_BB_SHIFT %d /* Q%d x Q%d sum -> Q%d passband */" % (
        BB_SHIFT, SYM_Q, RRC_Q, SYM_Q + RRC_Q - BB_SHIFT))
    h.append("#define QAM_TX_GAIN_Q %d  /* modulator gains below are Q%d */" % (GAIN_Q, GAIN_Q))
    shapes = {}
    for name, baud, beta, phases, step, span in SHAPERS:
        rows = shaper(beta, phases, span)
        rows_q = [[q(v, RRC_Q) for v in row] for row in rows]
        shapes[name] = (rows_q, phases)
        # Overflow check of the Q26 accumulator: largest symbol co-ordinate 5.0 (V.29).
        worst = max(sum(abs(v) for v in row) for row in rows_q) * 5 * (1 << SYM_Q)
        assert worst < 2 ** 31, name
        up = name.upper()
        h.append("#define QAM_TX_%s_PHASES %d  /* %d Bd: %d phases, step %d per sample */" % (
            up, phases, baud, phases, step))
        h.append("#define QAM_TX_%s_STEP %d" % (up, step))
        h.append("#define QAM_TX_%s_SPAN %d" % (up, span))
        period = mod_period(CARRIER_HZ[name], phases, step)
        packed = modulator(rows_q, phases, step, span, period, CARRIER_HZ[name])
        h.append("#define QAM_TX_%s_PERIOD %d" % (up, period))
        h.append("extern const uint32_t qam_tx_mod_%s[%d];" % (name, len(packed)))
        c.append("/* RRC (%d Bd, excess bandwidth %.2f, %d phases x %d taps) times the %d Hz"
                 " carrier, %d samples. */" % (baud, beta, phases, span, CARRIER_HZ[name], period))
        c.append(c_array("uint32_t", "qam_tx_mod_%s" % name, ["0x%08Xu" % v for v in packed], 9))
        c.append("")

    h.append("")
    h.append("/* Q%d gains from the modulator output to a 0 dBm0 signal, per mode. */" % GAIN_Q)
    for mode, shape, const in MODES:
        rows_q, phases = shapes[shape]
        g, es = mode_gain(rows_q, phases, const)
        # |I cos - Q sin| <= |I| + |Q|, each at most max|co-ordinate| * sum|h|.
        cmax = max(max(abs(x), abs(y)) for x, y in const)
        peak_p = int(2 * max(sum(abs(v) for v in row) for row in rows_q) * cmax
                     * (1 << SYM_Q)) >> RRC_Q
        assert peak_p * g < 2 ** 31, mode
        h.append("#define QAM_TX_GAIN_%s %d /* mean symbol power %.3f */" % (mode, g, es))

    emit_rx(h, c)
    h.append("")
    h.append("#endif")
    with open(os.path.join(DSP, "qam_tables.h"), "w") as f:
        f.write("\n".join(h) + "\n")
    with open(os.path.join(DSP, "qam_tables.c"), "w") as f:
        f.write("\n".join(c) + "\n")


if __name__ == "__main__":
    main()
