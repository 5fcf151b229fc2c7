/*
 * qam_tx.c - root-raised-cosine pulse shaper and carrier modulator, one
 * table-driven multiply-accumulate per symbol and quadrature.
 */
#include "qam_tx.h"
#include "qam_tables.h"

/* The generated tables and the unrolled sum below assume nine taps. */
#if QAM_TX_SPAN != 9 || QAM_TX_V29_SPAN != QAM_TX_SPAN || QAM_TX_V27_4800_SPAN != QAM_TX_SPAN \
    || QAM_TX_V27_2400_SPAN != QAM_TX_SPAN
#error "qam_tx_block is written out for 9 taps: regenerate or rewrite it"
#endif

/* Signed halves of a packed word (uint16 -> int16 wraps in two's complement, as on every target here). */
#define LOW16(w)    ((int32_t) (int16_t) (uint16_t) ((w) & 0xFFFFu))
#define HIGH16(w)   ((int32_t) (int16_t) (uint16_t) ((w) >> 16))

void qam_tx_init(qam_tx_t *m, const uint32_t *mod, int period, int phases, int step,
                 int32_t gain0_q13, int level_dbm0)
{
    int i;
    int att_db;

    for (i = 0; i < 2 * QAM_TX_SPAN; i++) {
        m->hist[i] = 0;
    }
    m->newest = 0;
    m->phases = phases;
    m->step = step;
    /* Sample 0 is at shaper phase 0, so it takes the first symbol. */
    m->baud_phase = 0;
    m->n = 0;
    m->period = period;
    m->mod = mod;

    /* Levels above 0 dBm0 are clamped to 0; below the table to its end. */
    att_db = -level_dbm0;
    if (att_db < 0) {
        att_db = 0;
    }
    if (att_db >= QAM_LEVEL_STEPS) {
        att_db = QAM_LEVEL_STEPS - 1;
    }
    /* Q13 x Q15 -> Q28; >> 15 gives Q13. The generator keeps this below 2^31. */
    m->gain_q13 = (gain0_q13 * qam_level_q15[att_db]) >> 15;
}

void qam_tx_push(qam_tx_t *m, qam_point_t p)
{
    uint32_t w = ((uint32_t) (uint16_t) p.re) | ((uint32_t) (uint16_t) p.im << 16);

    m->newest++;
    if (m->newest >= QAM_TX_SPAN) {
        m->newest = 0;
    }
    m->hist[m->newest] = w;
    m->hist[m->newest + QAM_TX_SPAN] = w;
}

/* One tap: Q12 symbol x Q14 shaper-carrier word, re x cos minus im x sin, Q26. */
#define QAM_TX_TAP(acc, h, t, i) \
    ((acc) += LOW16((h)[i]) * LOW16((t)[i]) - HIGH16((h)[i]) * HIGH16((t)[i]))

int qam_tx_block(qam_tx_t *m, int16_t amp[], int max_len, qam_tx_next_t next, void *user)
{
    const uint32_t *mod = m->mod;
    const int32_t gain_q13 = m->gain_q13;
    const int step = m->step;
    const int phases = m->phases;
    const int period = m->period;
    int baud_phase = m->baud_phase;
    int n = m->n;
    int k;

    for (k = 0; k < max_len; k++) {
        const uint32_t *tab = &mod[n * QAM_TX_SPAN];
        const uint32_t *h;
        int32_t acc = 0;    /* Q12 x Q14 = Q26 passband */
        qam_point_t p;

        if (baud_phase < step) {
            if (!next(user, &p)) {
                break;
            }
            qam_tx_push(m, p);
        }
        /* Oldest to newest; written out for the nine taps of QAM_TX_SPAN. */
        h = &m->hist[m->newest + 1];
        QAM_TX_TAP(acc, h, tab, 0);
        QAM_TX_TAP(acc, h, tab, 1);
        QAM_TX_TAP(acc, h, tab, 2);
        QAM_TX_TAP(acc, h, tab, 3);
        QAM_TX_TAP(acc, h, tab, 4);
        QAM_TX_TAP(acc, h, tab, 5);
        QAM_TX_TAP(acc, h, tab, 6);
        QAM_TX_TAP(acc, h, tab, 7);
        QAM_TX_TAP(acc, h, tab, 8);
        if (++n >= period) {
            n = 0;
        }
        baud_phase += step;
        if (baud_phase >= phases) {
            baud_phase -= phases;
        }
        /* >> QAM_TX_BB_SHIFT: Q26 -> Q12 passband; x Q13 gain >> 13 -> samples; saturate. */
        amp[k] = fx_sat16(((acc >> QAM_TX_BB_SHIFT) * gain_q13) >> QAM_TX_GAIN_Q);
    }
    m->baud_phase = baud_phase;
    m->n = n;
    return k;
}
