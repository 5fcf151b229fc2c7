/*
 * ToneTx / ToneRx: SpanDSP 0.0.6's modem connect tones (T.30 phase A).
 *   CNG: 1100 Hz, 0.5 s on / 3 s off, repeated (the calling tone).
 *   CED: 2100 Hz for 2.6-4.0 s (the answer tone, ANS of V.25); SpanDSP plays 0.2 s
 *        of silence, then 2.6 s of tone.
 *   ANSam: 2100 Hz with 15 Hz amplitude modulation (V.8).
 * ToneRx("ced") is SpanDSP's CED-or-preamble detector: it reports CED, ANSam (and
 * their phase-reversed forms) and a V.21 flag preamble; ToneRx("cng") reports CNG.
 * Each report is (name, sample_index); "none" means the tone has stopped.
 */
#include "peer.h"

#include <string.h>

typedef struct {
    PyObject_HEAD
    modem_connect_tones_tx_state_t *tone;
    int finished;
} ToneTxObject;

static int ToneTx_init(ToneTxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"kind", NULL};
    const char *kind;
    int type;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s", kwlist, &kind)) {
        return -1;
    }
    if (self->tone != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    if (strcmp(kind, "cng") == 0) {
        type = MODEM_CONNECT_TONES_FAX_CNG;
    } else if (strcmp(kind, "ced") == 0) {
        type = MODEM_CONNECT_TONES_FAX_CED;
    } else if (strcmp(kind, "ansam") == 0) {
        type = MODEM_CONNECT_TONES_ANSAM;
    } else {
        PyErr_Format(PyExc_ValueError, "unknown tone %s", kind);
        return -1;
    }
    self->tone = modem_connect_tones_tx_init(NULL, type);
    if (self->tone == NULL) {
        PyErr_SetString(PyExc_MemoryError, "spandsp init failed");
        return -1;
    }
    return 0;
}

static void ToneTx_dealloc(ToneTxObject *self)
{
    if (self->tone != NULL) {
        modem_connect_tones_tx_free(self->tone);
    }
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static int tone_tx_gen(void *state, int16_t amp[], int len)
{
    return modem_connect_tones_tx((modem_connect_tones_tx_state_t *) state, amp, len);
}

static PyObject *ToneTx_tx(ToneTxObject *self, PyObject *arg)
{
    return peer_tx_samples(arg, tone_tx_gen, self->tone, &self->finished);
}

static PyObject *ToneTx_get_finished(ToneTxObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(self->finished);
}

static PyMethodDef ToneTx_methods[] = {
    {"tx", (PyCFunction) ToneTx_tx, METH_O, "tx(n) -> bytes: exactly n int16 LE samples"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ToneTx_getset[] = {
    {"finished", (getter) ToneTx_get_finished, NULL, "True once a timed tone (CED, ANSam) has ended", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PeerToneTxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.ToneTx",
    .tp_doc = "ToneTx(kind): SpanDSP modem connect tone generator, kind 'cng', 'ced' or 'ansam'",
    .tp_basicsize = sizeof(ToneTxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) ToneTx_init,
    .tp_dealloc = (destructor) ToneTx_dealloc,
    .tp_methods = ToneTx_methods,
    .tp_getset = ToneTx_getset,
};

/* ------------------------------------------------------------------------- */

#define TONE_RX_MAX 2

typedef struct {
    PyObject_HEAD
    modem_connect_tones_rx_state_t *det[TONE_RX_MAX];
    int ndet;
    PyObject *found;        /* list of (name, sample_index) */
    long long sample_index;
    int failed;
} ToneRxObject;

static const char *tone_name(int code)
{
    switch (code) {
    case MODEM_CONNECT_TONES_NONE:
        return "none";
    case MODEM_CONNECT_TONES_FAX_CNG:
        return "cng";
    case MODEM_CONNECT_TONES_ANS:
        return "ced";
    case MODEM_CONNECT_TONES_ANS_PR:
        return "ans_pr";
    case MODEM_CONNECT_TONES_ANSAM:
        return "ansam";
    case MODEM_CONNECT_TONES_ANSAM_PR:
        return "ansam_pr";
    case MODEM_CONNECT_TONES_FAX_PREAMBLE:
        return "v21_preamble";
    default:
        return "other";
    }
}

static void tone_report(void *user, int code, int level, int delay)
{
    ToneRxObject *self = user;

    (void) level;
    (void) delay;
    if (peer_event_add(self->found, tone_name(code), self->sample_index) < 0) {
        self->failed = 1;
    }
}

static int ToneRx_init(ToneRxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"kind", NULL};
    const char *kind;
    int types[TONE_RX_MAX];
    int i;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s", kwlist, &kind)) {
        return -1;
    }
    if (self->ndet != 0) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    if (strcmp(kind, "cng") == 0) {
        types[0] = MODEM_CONNECT_TONES_FAX_CNG;
        self->ndet = 1;
    } else if (strcmp(kind, "ced") == 0) {
        types[0] = MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE;
        self->ndet = 1;
    } else {
        PyErr_Format(PyExc_ValueError, "unknown tone %s", kind);
        return -1;
    }
    self->found = PyList_New(0);
    if (self->found == NULL) {
        return -1;
    }
    for (i = 0; i < self->ndet; i++) {
        self->det[i] = modem_connect_tones_rx_init(NULL, types[i], tone_report, self);
        if (self->det[i] == NULL) {
            PyErr_SetString(PyExc_MemoryError, "spandsp init failed");
            return -1;
        }
    }
    return 0;
}

static void ToneRx_dealloc(ToneRxObject *self)
{
    int i;

    for (i = 0; i < self->ndet; i++) {
        if (self->det[i] != NULL) {
            modem_connect_tones_rx_free(self->det[i]);
        }
    }
    Py_XDECREF(self->found);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *ToneRx_rx(ToneRxObject *self, PyObject *arg)
{
    Py_buffer view;
    const int16_t *amp;
    Py_ssize_t n;
    Py_ssize_t i;
    int d;

    if (peer_get_samples(arg, &view, &amp, &n) < 0) {
        return NULL;
    }
    for (i = 0; i < n && !self->failed; i++) {
        for (d = 0; d < self->ndet; d++) {
            modem_connect_tones_rx(self->det[d], amp + i, 1);
        }
        self->sample_index++;
    }
    PyBuffer_Release(&view);
    if (self->failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *ToneRx_detected(ToneRxObject *self, PyObject *unused)
{
    (void) unused;
    return peer_list_drain(&self->found);
}

static PyMethodDef ToneRx_methods[] = {
    {"rx", (PyCFunction) ToneRx_rx, METH_O, "rx(samples): consume int16 LE samples"},
    {"detected", (PyCFunction) ToneRx_detected, METH_NOARGS,
     "detected() -> [(tone, sample_index)]: drain reports ('none' = tone ended)"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PeerToneRxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.ToneRx",
    .tp_doc = "ToneRx(kind): SpanDSP modem connect tone detector, kind 'ced' (also ANSam) or 'cng'",
    .tp_basicsize = sizeof(ToneRxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) ToneRx_init,
    .tp_dealloc = (destructor) ToneRx_dealloc,
    .tp_methods = ToneRx_methods,
};
