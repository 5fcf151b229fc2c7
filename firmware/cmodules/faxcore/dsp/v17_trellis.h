/*
 * v17_trellis.h - ITU-T V.17 (02/91) differential encoding, 8-state
 * convolutional (trellis) encoder and its Viterbi decoder, fixed point.
 *
 * A symbol is the word Y0 Y1 Y2 Q3 ... (Y0 the LSB) that indexes the
 * signal-space map (v17_tables.h). Q1 Q2 are differentially encoded into
 * Y1 Y2 (V.17 §2.4); Y0 is the redundant bit of the convolutional
 * encoder of Figure 3, a function of its state only.
 */
#ifndef V17_TRELLIS_H
#define V17_TRELLIS_H

#include <stdint.h>
#include "qam_tx.h"

/* Decisions are released this many symbols after they are received. */
#define V17_VITERBI_DEPTH   16
#define V17_TRELLIS_STATES  8

typedef struct {
    uint8_t diff;           /* last Y1 + 2 Y2 */
    uint8_t state;          /* delay elements S1 S2 S3 as bits 0 1 2 */
} v17_encoder_t;

void v17_encoder_init(v17_encoder_t *e, int diff);

/* q: the symbol's bits Q1 + 2 Q2 + 4 Q3 + ...; returns the map index. */
int v17_encode(v17_encoder_t *e, int q);

typedef struct {
    int32_t metric[V17_TRELLIS_STATES];                         /* path metrics, Q16 units^2 */
    uint8_t from[V17_VITERBI_DEPTH][V17_TRELLIS_STATES];        /* survivor's previous state */
    uint8_t word[V17_VITERBI_DEPTH][V17_TRELLIS_STATES];        /* survivor's map index */
    int pos;                /* ring index of the newest column */
    int filled;             /* columns received, up to V17_VITERBI_DEPTH */
} v17_viterbi_t;

void v17_viterbi_init(v17_viterbi_t *v);

/*
 * Add one received symbol y (Q12): points is the map of n points (n = 16,
 * 32, 64 or 128). Returns the map index decided V17_VITERBI_DEPTH - 1
 * symbols ago, or -1 while the decoder fills. *nearest receives the index of
 * the map point nearest to y (the tentative decision, for the equaliser).
 */
int v17_viterbi_put(v17_viterbi_t *v, const qam_point_t *points, int n, qam_point_t y,
                    int *nearest);

/* Q1 + 2 Q2 + 4 Q3 ... from a decided map index and the previous Y1 + 2 Y2 (updated). */
int v17_decode_word(int word, uint8_t *diff);

#endif
