#!/usr/bin/env python3
"""Generate t4/t4_tables.c: the T.4/T.6 code tables for the encoder and the decoder.

Usage: python3 gen_t4_tables.py > ../t4/t4_tables.c

Code words are transcribed from T.4 (07/2003) Table 2/T.4 (terminating codes),
Table 3/T.4 (make-up codes, including the extended make-up codes 1792..2560 shared
by both colours) and Table 4/T.4 (two-dimensional mode codes, also T.6 Table 1/T.6).
Every code word below is written as in the standard: first transmitted bit leftmost.

Coded data are in line order (first bit in the LSB of each octet), so the encoder
tables hold each code word bit-reversed (first bit in bit 0) and the decoder tables
are indexed by the next bits of the stream taken LSB first.

Decoder tables are two-level: a root table indexed by the next ROOT bits, whose
entries either give a code (length, value, kind) or point to a sub-table indexed by
the bits that follow. Unused patterns decode as T4_K_INVALID.
"""
import sys
from fractions import Fraction

WHITE_TERM = """
00110101 000111 0111 1000 1011 1100 1110 1111 10011 10100 00111 01000 001000 000011
110100 110101 101010 101011 0100111 0001100 0001000 0010111 0000011 0000100 0101000
0101011 0010011 0100100 0011000 00000010 00000011 00011010 00011011 00010010 00010011
00010100 00010101 00010110 00010111 00101000 00101001 00101010 00101011 00101100
00101101 00000100 00000101 00001010 00001011 01010010 01010011 01010100 01010101
00100100 00100101 01011000 01011001 01011010 01011011 01001010 01001011 00110010
00110011 00110100""".split()

WHITE_MAKEUP = """
11011 10010 010111 0110111 00110110 00110111 01100100 01100101 01101000 01100111
011001100 011001101 011010010 011010011 011010100 011010101 011010110 011010111
011011000 011011001 011011010 011011011 010011000 010011001 010011010 011000
010011011""".split()

BLACK_TERM = """
0000110111 010 11 10 011 0011 0010 00011 000101 000100 0000100 0000101 0000111
00000100 00000111 000011000 0000010111 0000011000 0000001000 00001100111 00001101000
00001101100 00000110111 00000101000 00000010111 00000011000 000011001010 000011001011
000011001100 000011001101 000001101000 000001101001 000001101010 000001101011
000011010010 000011010011 000011010100 000011010101 000011010110 000011010111
000001101100 000001101101 000011011010 000011011011 000001010100 000001010101
000001010110 000001010111 000001100100 000001100101 000001010010 000001010011
000000100100 000000110111 000000111000 000000100111 000000101000 000001011000
000001011001 000000101011 000000101100 000001011010 000001100110 000001100111""".split()

BLACK_MAKEUP = """
0000001111 000011001000 000011001001 000001011011 000000110011 000000110100
000000110101 0000001101100 0000001101101 0000001001010 0000001001011 0000001001100
0000001001101 0000001110010 0000001110011 0000001110100 0000001110101 0000001110110
0000001110111 0000001010010 0000001010011 0000001010100 0000001010101 0000001011010
0000001011011 0000001100100 0000001100101""".split()

# Table 3/T.4, extended make-up codes 1792..2560, the same for white and black.
EXT_MAKEUP = """
00000001000 00000001100 00000001101 000000010010 000000010011 000000010100
000000010101 000000010110 000000010111 000000011100 000000011101 000000011110
000000011111""".split()

# EOL is 000000000001 (T.4 §4.1.2); the decoders match its 11 zeros as one code and
# then skip any further fill zeros up to the 1.
EOL_ZEROS = "0" * 11

# Table 4/T.4: two-dimensional mode codes. Value = vertical offset a1 - b1 for V modes.
MODES = [
    ("0001", "T4_K_PASS", 0),
    ("001", "T4_K_HORIZ", 0),
    ("1", "T4_K_VERT", 0),
    ("011", "T4_K_VERT", 1),
    ("000011", "T4_K_VERT", 2),
    ("0000011", "T4_K_VERT", 3),
    ("010", "T4_K_VERT", -1),
    ("000010", "T4_K_VERT", -2),
    ("0000010", "T4_K_VERT", -3),
    ("0000001", "T4_K_EXT", 0),   # extension: uncompressed mode etc., not supported
    (EOL_ZEROS, "T4_K_EOL", 0),
]


def check_lengths():
    assert len(WHITE_TERM) == 64 and len(BLACK_TERM) == 64
    assert len(WHITE_MAKEUP) == 27 and len(BLACK_MAKEUP) == 27
    assert len(EXT_MAKEUP) == 13


def run_codes(term, makeup):
    codes = [(c, "T4_K_TERM", i) for i, c in enumerate(term)]
    codes += [(c, "T4_K_MAKEUP", 64 * (i + 1)) for i, c in enumerate(makeup)]
    codes += [(c, "T4_K_MAKEUP", 1792 + 64 * i) for i, c in enumerate(EXT_MAKEUP)]
    codes.append((EOL_ZEROS, "T4_K_EOL", 0))
    return codes


def check_prefix_free(codes, name):
    strs = [c for c, _, _ in codes]
    for a in strs:
        for b in strs:
            if a != b and b.startswith(a):
                raise SystemExit("%s: %s is a prefix of %s" % (name, a, b))
    assert len(set(strs)) == len(strs), name
    kraft = sum(Fraction(1, 2 ** len(c)) for c in strs)
    assert kraft <= 1, name
    return kraft


def index_of(code):
    """Stream bits of `code` as an integer with the first bit in bit 0."""
    v = 0
    for i, ch in enumerate(code):
        if ch == "1":
            v |= 1 << i
    return v


def build_decoder(codes, root_bits):
    """Return the list of entries (value, length, kind) of a two-level table."""
    size = 1 << root_bits
    root = [None] * size
    subs = {}  # root index -> list of (code, kind, value)
    for code, kind, value in codes:
        if len(code) <= root_bits:
            base = index_of(code)
            step = 1 << len(code)
            for i in range(base, size, step):
                assert root[i] is None
                root[i] = (value, len(code), kind)
        else:
            subs.setdefault(index_of(code[:root_bits]), []).append((code, kind, value))
    table = list(root)
    for ri in sorted(subs):
        assert root[ri] is None
        items = subs[ri]
        sub_bits = max(len(c) for c, _, _ in items) - root_bits
        offset = len(table)
        table[ri] = (offset, sub_bits, "T4_K_SUB")
        sub = [None] * (1 << sub_bits)
        for code, kind, value in items:
            rest = code[root_bits:]
            base = index_of(rest)
            for i in range(base, len(sub), 1 << len(rest)):
                assert sub[i] is None
                sub[i] = (value, len(code), kind)
        table += sub
    return [e if e is not None else (0, 0, "T4_K_INVALID") for e in table]


def emit_decoder(name, codes, root_bits, out):
    table = build_decoder(codes, root_bits)
    out.append("/* %d entries; root indexed by the next %d stream bits. */"
               % (len(table), root_bits))
    out.append("const t4_dec_entry_t %s[%d] = {" % (name, len(table)))
    for i in range(0, len(table), 4):
        row = ", ".join("{%d, %d, %s}" % e for e in table[i:i + 4])
        out.append("    %s," % row)
    out.append("};")
    out.append("")


def emit_encoder(name, codes, out):
    out.append("const t4_enc_code_t %s[%d] = {" % (name, len(codes)))
    for i in range(0, len(codes), 4):
        row = ", ".join("{0x%04x, %d}" % (index_of(c), len(c)) for c in codes[i:i + 4])
        out.append("    %s," % row)
    out.append("};")
    out.append("")


def main():
    check_lengths()
    white = run_codes(WHITE_TERM, WHITE_MAKEUP)
    black = run_codes(BLACK_TERM, BLACK_MAKEUP)
    kw = check_prefix_free(white, "white")
    kb = check_prefix_free(black, "black")
    km = check_prefix_free(MODES, "modes")
    out = [
        "/*",
        " * t4_tables.c - T.4/T.6 code tables.",
        " *",
        " * GENERATED FILE, DO NOT EDIT: made by gen/gen_t4_tables.py from T.4 (07/2003)",
        " * Tables 2, 3 and 4/T.4. Kraft sums: white %s, black %s, modes %s." % (kw, kb, km),
        " */",
        '#include "t4.h"',
        '#include "t4_tables.h"',
        "",
        "/* Encoder: code word with its first bit in bit 0 (line order), and its length. */",
    ]
    emit_encoder("t4_white_term", WHITE_TERM, out)
    emit_encoder("t4_white_makeup", WHITE_MAKEUP, out)
    emit_encoder("t4_black_term", BLACK_TERM, out)
    emit_encoder("t4_black_makeup", BLACK_MAKEUP, out)
    emit_encoder("t4_ext_makeup", EXT_MAKEUP, out)
    out.append("/* Decoders: {value, code length in bits, kind}; a T4_K_SUB entry holds")
    out.append(" * {offset of the sub-table in the same array, bits indexing it, T4_K_SUB}. */")
    emit_decoder("t4_white_dec", white, T4_ROOT_BITS_RUN, out)
    emit_decoder("t4_black_dec", black, T4_ROOT_BITS_RUN, out)
    emit_decoder("t4_mode_dec", MODES, T4_ROOT_BITS_MODE, out)
    sys.stdout.write("\n".join(out))


# Root sizes: 9 bits covers every white code but the 7-zero prefixes, and all black
# codes up to 9 bits; 7 bits covers every mode code but EOL. They must match
# T4_ROOT_BITS_RUN and T4_ROOT_BITS_MODE in t4_tables.h.
T4_ROOT_BITS_RUN = 9
T4_ROOT_BITS_MODE = 7

if __name__ == "__main__":
    main()
