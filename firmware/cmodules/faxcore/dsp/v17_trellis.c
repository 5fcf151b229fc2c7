/*
 * v17_trellis.c - V.17 (02/91) trellis coding and Viterbi decoding (see v17_trellis.h).
 */
#include "v17_trellis.h"
#include "v17_tables.h"

/* Path metrics are kept below this by subtracting the best after each step. */
#define METRIC_BIG  0x3FFFFFFF

void v17_encoder_init(v17_encoder_t *e, int diff)
{
    e->diff = (uint8_t) (diff & 3);
    e->state = 0;
}

int v17_encode(v17_encoder_t *e, int q)
{
    int y0 = e->state & 1;

    /* Differential encoding, V.17 §2.4: Y1 Y2 = previous Y1 Y2 plus Q1 Q2, modulo 4. */
    e->diff = (uint8_t) ((e->diff + (q & 3)) & 3);
    e->state = v17_next_state[e->state * 4 + e->diff];
    /* Q3 and up move to bits 3.., above Y0 Y1 Y2. */
    return ((q >> 2) << 3) | (e->diff << 1) | y0;
}

int v17_decode_word(int word, uint8_t *diff)
{
    int y12 = (word >> 1) & 3;
    int q12 = (y12 - *diff) & 3;

    *diff = (uint8_t) y12;
    return ((word >> 3) << 2) | q12;
}

void v17_viterbi_init(v17_viterbi_t *v)
{
    int i;

    /* All states equally likely: the training leaves the encoder at state 0,
       but the first symbols decoded are the discarded segment 4 anyway. */
    for (i = 0; i < V17_TRELLIS_STATES; i++) {
        v->metric[i] = 0;
    }
    v->pos = 0;
    v->filled = 0;
}

int v17_viterbi_put(v17_viterbi_t *v, const qam_point_t *points, int n, qam_point_t y,
                    int *nearest)
{
    int32_t best_d[8];      /* squared distance to the nearest point of each subset, Q16 */
    uint8_t best_i[8];
    int32_t next[V17_TRELLIS_STATES];
    int32_t low;
    int i;
    int s;
    int k;

    for (k = 0; k < 8; k++) {
        best_d[k] = METRIC_BIG;
        best_i[k] = (uint8_t) k;
    }
    if (n == 128) {
        /* 14400: the two candidates of each subset for y's one-unit cell
           (standard unit = 1024 in Q12, so >> 10 floors to the cell). */
        int ix = (y.re >> 10) + V17_GRID_HALF;
        int iy = (y.im >> 10) + V17_GRID_HALF;
        const uint8_t *cand;

        ix = (ix < 0) ? 0 : ((ix >= 2 * V17_GRID_HALF) ? 2 * V17_GRID_HALF - 1 : ix);
        iy = (iy < 0) ? 0 : ((iy >= 2 * V17_GRID_HALF) ? 2 * V17_GRID_HALF - 1 : iy);
        cand = &v17_grid_14400[(ix * 2 * V17_GRID_HALF + iy) * 16];
        for (i = 0; i < 16; i++) {
            int p = cand[i];
            int32_t dr = ((int32_t) y.re - points[p].re) >> 4;
            int32_t di = ((int32_t) y.im - points[p].im) >> 4;
            int32_t d = dr * dr + di * di;

            if (d < best_d[i >> 1]) {
                best_d[i >> 1] = d;
                best_i[i >> 1] = (uint8_t) p;
            }
        }
    } else {
        /* Subset k (Y0 Y1 Y2 = k) holds points k, k + 8, k + 16, ... */
        for (i = 0; i < n; i++) {
            /* Q12 >> 4 = Q8 differences, so the squares (Q16) fit with room to add. */
            int32_t dr = ((int32_t) y.re - points[i].re) >> 4;
            int32_t di = ((int32_t) y.im - points[i].im) >> 4;
            int32_t d = dr * dr + di * di;

            if (d < best_d[i & 7]) {
                best_d[i & 7] = d;
                best_i[i & 7] = (uint8_t) i;
            }
        }
    }
    k = 0;
    for (i = 1; i < 8; i++) {
        if (best_d[i] < best_d[k]) {
            k = i;
        }
    }
    *nearest = best_i[k];

    /* Add, compare, select: from each state, four branches (Y1 Y2); the
       branch's subset is Y0 (the state's bit 0) + 2 (Y1 + 2 Y2). */
    v->pos = (v->pos + 1) % V17_VITERBI_DEPTH;
    for (s = 0; s < V17_TRELLIS_STATES; s++) {
        next[s] = METRIC_BIG;
    }
    for (s = 0; s < V17_TRELLIS_STATES; s++) {
        for (k = 0; k < 4; k++) {
            int sub = (s & 1) | (k << 1);
            int ns = v17_next_state[s * 4 + k];
            int32_t m = v->metric[s] + best_d[sub];

            if (m < next[ns]) {
                next[ns] = m;
                v->from[v->pos][ns] = (uint8_t) s;
                v->word[v->pos][ns] = best_i[sub];
            }
        }
    }
    low = next[0];
    s = 0;
    for (i = 1; i < V17_TRELLIS_STATES; i++) {
        if (next[i] < low) {
            low = next[i];
            s = i;
        }
    }
    for (i = 0; i < V17_TRELLIS_STATES; i++) {
        v->metric[i] = next[i] - low;
    }
    if (v->filled < V17_VITERBI_DEPTH) {
        v->filled++;
        if (v->filled < V17_VITERBI_DEPTH) {
            return -1;
        }
    }

    /* Trace back from the best state to the oldest column in the ring. */
    k = v->pos;
    for (i = 0; i < V17_VITERBI_DEPTH - 1; i++) {
        s = v->from[k][s];
        k = (k == 0) ? (V17_VITERBI_DEPTH - 1) : (k - 1);
    }
    return v->word[k][s];
}
