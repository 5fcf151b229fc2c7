/*
 * t4_tables.h - types of the generated T.4/T.6 code tables (t4_tables.c).
 */
#ifndef T4_TABLES_H
#define T4_TABLES_H

#include <stdint.h>

/* Root table sizes of the decoders; must match gen/gen_t4_tables.py. */
#define T4_ROOT_BITS_RUN    9
#define T4_ROOT_BITS_MODE   7

/* Kinds of decoder table entries. */
#define T4_K_INVALID    0   /* no code word starts with these bits */
#define T4_K_TERM       1   /* terminating code, value = run 0..63 */
#define T4_K_MAKEUP     2   /* make-up code, value = run 64..2560 */
#define T4_K_EOL        3   /* the 11 zeros of an EOL (fill may precede the 1) */
#define T4_K_SUB        4   /* value = offset of a sub-table, len = its index bits */
#define T4_K_PASS       5   /* 2-D pass mode */
#define T4_K_HORIZ      6   /* 2-D horizontal mode */
#define T4_K_VERT       7   /* 2-D vertical mode, value = a1 - b1 (-3..3) */
#define T4_K_EXT        8   /* 2-D extension code (uncompressed mode): unsupported */

typedef struct {
    int16_t value;
    uint8_t len;
    uint8_t kind;
} t4_dec_entry_t;

typedef struct {
    uint16_t code;      /* first transmitted bit in bit 0 */
    uint8_t len;
} t4_enc_code_t;

extern const t4_enc_code_t t4_white_term[64];
extern const t4_enc_code_t t4_white_makeup[27];
extern const t4_enc_code_t t4_black_term[64];
extern const t4_enc_code_t t4_black_makeup[27];
extern const t4_enc_code_t t4_ext_makeup[13];

extern const t4_dec_entry_t t4_white_dec[];
extern const t4_dec_entry_t t4_black_dec[];
extern const t4_dec_entry_t t4_mode_dec[];

#endif
