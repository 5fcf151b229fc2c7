/*
 * py_faxmodem.c - CPython binding of the modem set (module `faxmodem`).
 *
 * Thin: argument checks and object conversion only; everything else is in
 * dsp/faxmodems.c. Allocates Python objects only in event(), bits(),
 * events(), stats(), RawTx.tx() and ToneDetector.changes(); nothing per sample.
 * The API is the one in faxcore/README.md, shared with mp_faxmodem.c.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include "faxmodems.h"

/* ---- Modem ---- */

typedef struct {
    PyObject_HEAD
    fm_state_t fm;
} ModemObject;

static int modem_init(ModemObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "level_dbm0", NULL };
    int level = FM_DEFAULT_LEVEL_DBM0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|i", kwlist, &level)) {
        return -1;
    }
    fm_init(&self->fm);
    self->fm.level_dbm0 = level;
    return 0;
}

static PyObject *check(int rc, const char *what)
{
    if (rc < 0) {
        PyErr_SetString(PyExc_ValueError, what);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *modem_tx_silence(ModemObject *self, PyObject *args)
{
    int ms;

    if (!PyArg_ParseTuple(args, "i", &ms)) {
        return NULL;
    }
    return check(fm_tx_silence(&self->fm, ms), "bad duration or queue full");
}

static PyObject *modem_tx_tone(ModemObject *self, PyObject *args)
{
    int kind;
    int ms;

    if (!PyArg_ParseTuple(args, "ii", &kind, &ms)) {
        return NULL;
    }
    return check(fm_tx_tone(&self->fm, kind, ms), "bad tone or queue full");
}

static PyObject *modem_tx_dtmf(ModemObject *self, PyObject *args)
{
    const char *digit;
    Py_ssize_t n;
    int ms;

    if (!PyArg_ParseTuple(args, "s#i", &digit, &n, &ms)) {
        return NULL;
    }
    if (n != 1) {
        PyErr_SetString(PyExc_ValueError, "one digit");
        return NULL;
    }
    return check(fm_tx_dtmf(&self->fm, digit[0], ms), "bad digit or queue full");
}

static PyObject *modem_tx_v21(ModemObject *self, PyObject *args)
{
    int ms;

    if (!PyArg_ParseTuple(args, "i", &ms)) {
        return NULL;
    }
    return check(fm_tx_v21(&self->fm, ms), "bad preamble or queue full");
}

static PyObject *modem_tx_frame(ModemObject *self, PyObject *args)
{
    Py_buffer b;
    int final;
    int rc;

    if (!PyArg_ParseTuple(args, "y*p", &b, &final)) {
        return NULL;
    }
    rc = fm_tx_frame(&self->fm, (const uint8_t *) b.buf, (int) b.len, final);
    PyBuffer_Release(&b);
    return check(rc, "frame too long or frame queue full");
}

static PyObject *modem_tx_fast(ModemObject *self, PyObject *args)
{
    int modem;
    int rate;
    int long_train = 1;
    int hdlc = 0;

    if (!PyArg_ParseTuple(args, "ii|pp", &modem, &rate, &long_train, &hdlc)) {
        return NULL;
    }
    if (hdlc) {
        return check(fm_tx_fast_hdlc(&self->fm, modem, rate, long_train,
                                     FM_HDLC_FAST_PREAMBLE_MS), "bad modem/rate or queue full");
    }
    return check(fm_tx_fast(&self->fm, modem, rate, long_train), "bad modem/rate or queue full");
}

static PyObject *modem_tx_frame_free(ModemObject *self, PyObject *unused)
{
    (void) unused;
    return PyLong_FromLong(fm_tx_frame_free(&self->fm));
}

static PyObject *modem_tx_data(ModemObject *self, PyObject *args)
{
    Py_buffer b;
    int n;

    if (!PyArg_ParseTuple(args, "y*", &b)) {
        return NULL;
    }
    n = fm_tx_data(&self->fm, (const uint8_t *) b.buf, (int) b.len);
    PyBuffer_Release(&b);
    return PyLong_FromLong(n);
}

static PyObject *modem_tx_data_end(ModemObject *self, PyObject *unused)
{
    (void) unused;
    fm_tx_data_end(&self->fm);
    Py_RETURN_NONE;
}

static PyObject *modem_tx_free(ModemObject *self, PyObject *unused)
{
    (void) unused;
    return PyLong_FromLong(fm_tx_free(&self->fm));
}

static PyObject *modem_tx_idle(ModemObject *self, PyObject *unused)
{
    (void) unused;
    return PyBool_FromLong(fm_tx_idle(&self->fm));
}

static PyObject *modem_tx_flush(ModemObject *self, PyObject *unused)
{
    (void) unused;
    fm_tx_flush(&self->fm);
    Py_RETURN_NONE;
}

static PyObject *modem_tx(ModemObject *self, PyObject *args)
{
    Py_buffer b;
    int n;

    if (!PyArg_ParseTuple(args, "w*", &b)) {
        return NULL;
    }
    n = (int) (b.len / 2);
    fm_tx(&self->fm, (int16_t *) b.buf, n);
    PyBuffer_Release(&b);
    return PyLong_FromLong(n);
}

static PyObject *modem_rx_mode(ModemObject *self, PyObject *args)
{
    int mode;
    int modem = 0;
    int rate = 0;
    int short_train = 0;
    int hdlc = 0;

    if (!PyArg_ParseTuple(args, "i|iipp", &mode, &modem, &rate, &short_train, &hdlc)) {
        return NULL;
    }
    if (fm_rx_mode(&self->fm, mode, modem, rate, short_train) != 0) {
        return check(-1, "bad mode, modem or rate");
    }
    fm_rx_set_hdlc(&self->fm, hdlc);
    Py_RETURN_NONE;
}

static PyObject *modem_rx(ModemObject *self, PyObject *args)
{
    Py_buffer b;

    if (!PyArg_ParseTuple(args, "y*", &b)) {
        return NULL;
    }
    fm_rx(&self->fm, (const int16_t *) b.buf, (int) (b.len / 2));
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

static PyObject *modem_event(ModemObject *self, PyObject *unused)
{
    const fm_event_t *e = fm_event_peek(&self->fm);
    PyObject *r = NULL;
    PyObject *data;

    (void) unused;
    if (e == NULL) {
        Py_RETURN_NONE;
    }
    switch (e->type) {
    case FM_EV_FRAME:
    case FM_EV_DATA:
        data = PyBytes_FromStringAndSize(NULL, e->len);
        if (data == NULL) {
            return NULL;
        }
        fm_event_payload(&self->fm, (uint8_t *) PyBytes_AS_STRING(data));
        if (e->type == FM_EV_FRAME) {
            r = Py_BuildValue("(iNO)", e->type, data, e->a ? Py_True : Py_False);
        } else {
            r = Py_BuildValue("(iN)", e->type, data);
        }
        break;
    case FM_EV_CARRIER:
        r = Py_BuildValue("(iOi)", e->type, e->a ? Py_True : Py_False, e->b);
        break;
    case FM_EV_TRAINED:
        r = Py_BuildValue("(iO)", e->type, e->a ? Py_True : Py_False);
        break;
    default:
        r = Py_BuildValue("(ii)", e->type, e->a);
        break;
    }
    if (r != NULL) {
        fm_event_pop(&self->fm);
    }
    return r;
}

static PyObject *modem_rx_level_dbm0(ModemObject *self, PyObject *unused)
{
    (void) unused;
    return PyLong_FromLong(fm_rx_block_dbm0(&self->fm));
}

static PyObject *modem_stats(ModemObject *self, PyObject *unused)
{
    (void) unused;
    return Py_BuildValue("{s:i,s:i,s:i,s:i}",
                         "level_dbm0", fm_rx_level_dbm0(&self->fm),
                         "snr_db", fm_rx_snr_db(&self->fm),
                         "tx_underruns", (int) self->fm.underruns,
                         "event_overruns", (int) self->fm.ev_overruns);
}

static PyMethodDef modem_methods[] = {
    { "tx_silence", (PyCFunction) modem_tx_silence, METH_VARARGS, "tx_silence(ms)" },
    { "tx_tone", (PyCFunction) modem_tx_tone, METH_VARARGS, "tx_tone(kind, ms)" },
    { "tx_dtmf", (PyCFunction) modem_tx_dtmf, METH_VARARGS, "tx_dtmf(digit, ms)" },
    { "tx_v21", (PyCFunction) modem_tx_v21, METH_VARARGS, "tx_v21(preamble_ms)" },
    { "tx_frame", (PyCFunction) modem_tx_frame, METH_VARARGS, "tx_frame(data, final)" },
    { "tx_fast", (PyCFunction) modem_tx_fast, METH_VARARGS, "tx_fast(modem, bit_rate, long_train)" },
    { "tx_data", (PyCFunction) modem_tx_data, METH_VARARGS, "tx_data(buf) -> accepted" },
    { "tx_data_end", (PyCFunction) modem_tx_data_end, METH_NOARGS, "tx_data_end()" },
    { "tx_free", (PyCFunction) modem_tx_free, METH_NOARGS, "tx_free() -> octets" },
    { "tx_frame_free", (PyCFunction) modem_tx_frame_free, METH_NOARGS,
      "tx_frame_free() -> octets of HDLC frame queue space (a frame takes len + 3)" },
    { "tx_idle", (PyCFunction) modem_tx_idle, METH_NOARGS, "tx_idle() -> bool" },
    { "tx_flush", (PyCFunction) modem_tx_flush, METH_NOARGS, "tx_flush(): drop all queued transmission" },
    { "tx", (PyCFunction) modem_tx, METH_VARARGS, "tx(samples) -> n" },
    { "rx_mode", (PyCFunction) modem_rx_mode, METH_VARARGS, "rx_mode(mode, modem=0, bit_rate=0, short_train=False)" },
    { "rx", (PyCFunction) modem_rx, METH_VARARGS, "rx(samples)" },
    { "event", (PyCFunction) modem_event, METH_NOARGS, "event() -> tuple or None" },
    { "stats", (PyCFunction) modem_stats, METH_NOARGS, "stats() -> dict" },
    { "rx_level_dbm0", (PyCFunction) modem_rx_level_dbm0, METH_NOARGS,
      "rx_level_dbm0() -> int: level of the last rx() block, whole dBm0 rounded down" },
    { NULL, NULL, 0, NULL }
};

static PyTypeObject ModemType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxmodem.Modem",
    .tp_basicsize = sizeof(ModemObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One end of a phone line: transmit queue, receivers, events.",
    .tp_methods = modem_methods,
    .tp_init = (initproc) modem_init,
    .tp_new = PyType_GenericNew,
};

/* ---- RawTx ---- */

typedef struct {
    PyObject_HEAD
    fm_raw_tx_t raw;
} RawTxObject;

static int rawtx_init(RawTxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "kind", "bit_rate", "long_train", "level_dbm0", NULL };
    int kind;
    int rate;
    int long_train = 1;
    int level = FM_DEFAULT_LEVEL_DBM0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "ii|pi", kwlist, &kind, &rate, &long_train,
                                     &level)) {
        return -1;
    }
    if (fm_raw_tx_init(&self->raw, kind, rate, long_train, level) < 0) {
        PyErr_SetString(PyExc_ValueError, "bad modem or bit rate");
        return -1;
    }
    return 0;
}

static PyObject *rawtx_push(RawTxObject *self, PyObject *args)
{
    Py_buffer b;
    int n;

    if (!PyArg_ParseTuple(args, "y*", &b)) {
        return NULL;
    }
    n = fm_raw_tx_push(&self->raw, (const uint8_t *) b.buf, (int) b.len);
    PyBuffer_Release(&b);
    return PyLong_FromLong(n);
}

static PyObject *rawtx_end(RawTxObject *self, PyObject *unused)
{
    (void) unused;
    fm_raw_tx_end(&self->raw);
    Py_RETURN_NONE;
}

static PyObject *rawtx_tx(RawTxObject *self, PyObject *args)
{
    int n;
    PyObject *out;

    if (!PyArg_ParseTuple(args, "i", &n)) {
        return NULL;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n < 0");
        return NULL;
    }
    out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t) n * 2);
    if (out == NULL) {
        return NULL;
    }
    fm_raw_tx(&self->raw, (int16_t *) PyBytes_AS_STRING(out), n);
    return out;
}

static PyObject *rawtx_finished(RawTxObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(self->raw.finished);
}

static PyMethodDef rawtx_methods[] = {
    { "push", (PyCFunction) rawtx_push, METH_VARARGS, "push(data) -> octets accepted" },
    { "end", (PyCFunction) rawtx_end, METH_NOARGS, "end(): no more data" },
    { "tx", (PyCFunction) rawtx_tx, METH_VARARGS, "tx(n) -> bytes of n int16 LE samples" },
    { NULL, NULL, 0, NULL }
};

static PyGetSetDef rawtx_getset[] = {
    { "finished", (getter) rawtx_finished, NULL, "transmitter has stopped", NULL },
    { NULL, NULL, NULL, NULL, NULL }
};

static PyTypeObject RawTxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxmodem.RawTx",
    .tp_basicsize = sizeof(RawTxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Raw modem transmitter: bits (LSB first) in, samples out.",
    .tp_methods = rawtx_methods,
    .tp_getset = rawtx_getset,
    .tp_init = (initproc) rawtx_init,
    .tp_new = PyType_GenericNew,
};

/* ---- RawRx ---- */

typedef struct {
    PyObject_HEAD
    fm_raw_rx_t raw;
} RawRxObject;

static int rawrx_init(RawRxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "kind", "bit_rate", NULL };
    int kind;
    int rate;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "ii", kwlist, &kind, &rate)) {
        return -1;
    }
    if (fm_raw_rx_init(&self->raw, kind, rate) < 0) {
        PyErr_SetString(PyExc_ValueError, "bad modem or bit rate");
        return -1;
    }
    return 0;
}

static PyObject *rawrx_rx(RawRxObject *self, PyObject *args)
{
    Py_buffer b;

    if (!PyArg_ParseTuple(args, "y*", &b)) {
        return NULL;
    }
    fm_raw_rx(&self->raw, (const int16_t *) b.buf, (int) (b.len / 2));
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

static PyObject *rawrx_bits(RawRxObject *self, PyObject *unused)
{
    PyObject *out = PyBytes_FromStringAndSize(NULL, self->raw.count);

    (void) unused;
    if (out == NULL) {
        return NULL;
    }
    fm_raw_rx_bits(&self->raw, (uint8_t *) PyBytes_AS_STRING(out), self->raw.count);
    return out;
}

static const char *status_name(int code)
{
    switch (code) {
    case FX_STATUS_CARRIER_UP:
        return "carrier_up";
    case FX_STATUS_CARRIER_DOWN:
        return "carrier_down";
    case FX_STATUS_TRAINING_OK:
        return "training_ok";
    case FX_STATUS_TRAINING_FAILED:
        return "training_failed";
    default:
        return "unknown";
    }
}

static PyObject *rawrx_events(RawRxObject *self, PyObject *unused)
{
    PyObject *list = PyList_New(0);
    int code;
    int32_t sample;

    (void) unused;
    if (list == NULL) {
        return NULL;
    }
    while (fm_raw_rx_event(&self->raw, &code, &sample)) {
        PyObject *t = Py_BuildValue("(sl)", status_name(code), (long) sample);

        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(t);
    }
    return list;
}

static PyObject *rawrx_stats(RawRxObject *self, PyObject *unused)
{
    (void) unused;
    return Py_BuildValue("{s:i,s:i,s:l}", "level_dbm0", fm_raw_rx_level_dbm0(&self->raw),
                         "snr_db", fm_raw_rx_snr_db(&self->raw),
                         "lost_bits", (long) self->raw.lost_bits);
}

static PyMethodDef rawrx_methods[] = {
    { "rx", (PyCFunction) rawrx_rx, METH_VARARGS, "rx(samples)" },
    { "bits", (PyCFunction) rawrx_bits, METH_NOARGS, "bits() -> bytes, one 0/1 octet per bit" },
    { "events", (PyCFunction) rawrx_events, METH_NOARGS, "events() -> [(name, sample_index)]" },
    { "stats", (PyCFunction) rawrx_stats, METH_NOARGS, "stats() -> dict" },
    { NULL, NULL, 0, NULL }
};

static PyTypeObject RawRxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxmodem.RawRx",
    .tp_basicsize = sizeof(RawRxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Raw modem receiver: samples in, bits and status events out.",
    .tp_methods = rawrx_methods,
    .tp_init = (initproc) rawrx_init,
    .tp_new = PyType_GenericNew,
};

/* ---- ToneDetector (call progress) ---- */

typedef struct {
    PyObject_HEAD
    tone_cadence_det_t det;
} ToneDetObject;

static int tonedet_init(ToneDetObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "freqs_hz", "min_dbm0", "min_share_pct", NULL };
    PyObject *seq;
    PyObject *fast;
    int freqs[TONE_MAX_FREQS];
    int min_dbm0 = -40;
    int min_share_pct = 40;
    Py_ssize_t n;
    Py_ssize_t i;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|ii", kwlist, &seq, &min_dbm0,
                                     &min_share_pct)) {
        return -1;
    }
    if (min_share_pct < 1 || min_share_pct > 100) {
        PyErr_SetString(PyExc_ValueError, "min_share_pct must be 1 to 100");
        return -1;
    }
    fast = PySequence_Fast(seq, "freqs_hz must be a sequence");
    if (fast == NULL) {
        return -1;
    }
    n = PySequence_Fast_GET_SIZE(fast);
    if (n < 1 || n > TONE_MAX_FREQS) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "1 to 4 frequencies");
        return -1;
    }
    for (i = 0; i < n; i++) {
        freqs[i] = (int) PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
    }
    Py_DECREF(fast);
    if (PyErr_Occurred()) {
        return -1;
    }
    tone_cadence_init(&self->det, freqs, (int) n, min_dbm0);
    fm_tone_min_share_pct(&self->det, min_share_pct);
    return 0;
}

static PyObject *tonedet_rx(ToneDetObject *self, PyObject *args)
{
    Py_buffer b;

    if (!PyArg_ParseTuple(args, "y*", &b)) {
        return NULL;
    }
    tone_cadence_rx(&self->det, (const int16_t *) b.buf, (int) (b.len / 2));
    PyBuffer_Release(&b);
    Py_RETURN_NONE;
}

static PyObject *tonedet_changes(ToneDetObject *self, PyObject *unused)
{
    PyObject *list = PyList_New(0);
    int on;
    int32_t ms;

    (void) unused;
    if (list == NULL) {
        return NULL;
    }
    while (tone_cadence_get(&self->det, &on, &ms)) {
        PyObject *t = Py_BuildValue("(Ol)", on ? Py_True : Py_False, (long) ms);

        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(t);
    }
    return list;
}

static PyMethodDef tonedet_methods[] = {
    { "rx", (PyCFunction) tonedet_rx, METH_VARARGS, "rx(samples)" },
    { "changes", (PyCFunction) tonedet_changes, METH_NOARGS,
      "changes() -> [(on, ms_of_previous_state)]" },
    { NULL, NULL, 0, NULL }
};

static PyTypeObject ToneDetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxmodem.ToneDetector",
    .tp_basicsize = sizeof(ToneDetObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tone presence and cadence on 1-4 frequencies (call progress).",
    .tp_methods = tonedet_methods,
    .tp_init = (initproc) tonedet_init,
    .tp_new = PyType_GenericNew,
};

/* ---- module ---- */

static struct PyModuleDef faxmodem_module = {
    PyModuleDef_HEAD_INIT, "faxmodem", "Fixed-point fax modems (C core).", -1, NULL,
    NULL, NULL, NULL, NULL
};

static const struct {
    const char *name;
    int value;
} constants[] = {
    { "SILENCE", FM_SILENCE }, { "V21", FM_V21 }, { "V27TER", FM_V27TER },
    { "V29", FM_V29 }, { "V17", FM_V17 }, { "CNG", FM_CNG }, { "CED", FM_CED },
    { "ANSAM", FM_ANSAM }, { "DTMF", FM_DTMF },
    { "RX_OFF", FM_RX_OFF }, { "RX_V21", FM_RX_V21 }, { "RX_FAST", FM_RX_FAST },
    { "EV_FRAME", FM_EV_FRAME }, { "EV_CARRIER", FM_EV_CARRIER },
    { "EV_TRAINED", FM_EV_TRAINED }, { "EV_DATA", FM_EV_DATA }, { "EV_TONE", FM_EV_TONE },
    { "EV_TX_DONE", FM_EV_TX_DONE },
};

static int add_type(PyObject *m, PyTypeObject *t, const char *name)
{
    if (PyType_Ready(t) < 0) {
        return -1;
    }
    Py_INCREF(t);
    if (PyModule_AddObject(m, name, (PyObject *) t) < 0) {
        Py_DECREF(t);
        return -1;
    }
    return 0;
}

PyMODINIT_FUNC PyInit_faxmodem(void)
{
    PyObject *m = PyModule_Create(&faxmodem_module);
    size_t i;

    if (m == NULL) {
        return NULL;
    }
    if (add_type(m, &ModemType, "Modem") < 0 || add_type(m, &RawTxType, "RawTx") < 0
        || add_type(m, &RawRxType, "RawRx") < 0
        || add_type(m, &ToneDetType, "ToneDetector") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
