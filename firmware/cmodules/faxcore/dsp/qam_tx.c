/*
 * qam_tx.c - polyphase root-raised-cosine pulse shaper and carrier modulator.
 */
#include "qam_tx.h"
#include "qam_dds.h"
#include "qam_tables.h"

void qam_tx_init(qam_tx_t *m, const int16_t *rrc, int phases, int step, int span,
                 uint32_t carrier_rate, int32_t gain0_q13, int level_dbm0)
{
    int i;
    int att_db;

    for (i = 0; i < QAM_TX_MAX_SPAN; i++) {
        m->hist_re[i] = 0;
        m->hist_im[i] = 0;
    }
    m->newest = 0;
    m->span = (span > QAM_TX_MAX_SPAN) ? QAM_TX_MAX_SPAN : span;
    m->phases = phases;
    m->step = step;
    /* Start just before a symbol instant so that the first sample takes one. */
    m->baud_phase = phases - step;
    m->rrc = rrc;
    m->carrier_phase = 0;
    m->carrier_rate = carrier_rate;

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

int qam_tx_need_symbol(qam_tx_t *m)
{
    return (m->baud_phase + m->step) >= m->phases;
}

void qam_tx_push(qam_tx_t *m, qam_point_t p)
{
    m->newest++;
    if (m->newest >= m->span) {
        m->newest = 0;
    }
    m->hist_re[m->newest] = p.re;
    m->hist_im[m->newest] = p.im;
}

int16_t qam_tx_sample(qam_tx_t *m)
{
    const int16_t *taps;
    int32_t acc_re = 0;     /* Q12 x Q14 = Q26 */
    int32_t acc_im = 0;
    int32_t i_bb;           /* Q12 */
    int32_t q_bb;           /* Q12 */
    int32_t pass;           /* Q12 passband */
    int i;
    int k;

    m->baud_phase += m->step;
    if (m->baud_phase >= m->phases) {
        m->baud_phase -= m->phases;
    }
    taps = m->rrc + m->baud_phase * m->span;
    k = m->newest;
    for (i = 0; i < m->span; i++) {
        acc_re += (int32_t) m->hist_re[k] * taps[i];
        acc_im += (int32_t) m->hist_im[k] * taps[i];
        k = (k == 0) ? (m->span - 1) : (k - 1);
    }
    /* >> QAM_TX_BB_SHIFT: Q26 -> Q12. */
    i_bb = acc_re >> QAM_TX_BB_SHIFT;
    q_bb = acc_im >> QAM_TX_BB_SHIFT;

    /* Q12 x Q15 products scaled back by >> 15 separately, so their sum cannot overflow. */
    pass = ((i_bb * qam_dds_cos(m->carrier_phase)) >> 15)
           - ((q_bb * qam_dds_sin(m->carrier_phase)) >> 15);
    m->carrier_phase += m->carrier_rate;

    /* Q12 x Q13 gain -> >> 13 gives output samples; saturate. */
    return fx_sat16((pass * m->gain_q13) >> QAM_TX_GAIN_Q);
}

int qam_tx_drained(const qam_tx_t *m)
{
    int i;

    for (i = 0; i < m->span; i++) {
        if (m->hist_re[i] != 0 || m->hist_im[i] != 0) {
            return 0;
        }
    }
    return 1;
}
