/*
 * ModemTx / ModemRx: SpanDSP 0.0.6's data pumps with raw bits in and out.
 *
 *   kind "v27ter" (4800/2400, V.27ter), "v29" (9600/7200/4800, V.29), "v17"
 *   (14400/12000/9600/7200, V.17) or "v21" (300 bit/s, V.21 channel 2, the T.30
 *   control channel, T.30 §5.3).
 *
 * The transmitter takes bits from a queue (each pushed octet LSB first, the line
 * order of T.4 and HDLC). While the queue is empty and end() has not been called it
 * sends ones, as SpanDSP's own T.30 does when it has no data yet. After end() and an
 * empty queue it reports end of data to the modem, which then sends its turn-off
 * sequence (V.27ter, V.29 and V.17 each define one) and stops.
 *
 * long_train only changes V.17 (short training may follow a first long one); the
 * 0.0.6 V.27ter and V.29 transmitters have a single training sequence. On the
 * receive side ModemRx.restart(short_train=True) selects V.17 short training, or
 * for V.27ter/V.29 starts from the equalizer of the previous training.
 */
#include "peer.h"

#include <string.h>

enum peer_kind {
    KIND_V27TER,
    KIND_V29,
    KIND_V17,
    KIND_V21,
};

static int parse_kind(const char *kind, int bit_rate, enum peer_kind *out)
{
    if (strcmp(kind, "v27ter") == 0) {
        *out = KIND_V27TER;
        return (bit_rate == 4800 || bit_rate == 2400) ? 0 : -1;
    }
    if (strcmp(kind, "v29") == 0) {
        *out = KIND_V29;
        return (bit_rate == 9600 || bit_rate == 7200 || bit_rate == 4800) ? 0 : -1;
    }
    if (strcmp(kind, "v17") == 0) {
        *out = KIND_V17;
        return (bit_rate == 14400 || bit_rate == 12000 || bit_rate == 9600 || bit_rate == 7200) ? 0 : -1;
    }
    if (strcmp(kind, "v21") == 0) {
        *out = KIND_V21;
        return (bit_rate == 300) ? 0 : -1;
    }
    return -2;
}

static int kind_error(const char *kind, int bit_rate, int rc)
{
    if (rc == -2) {
        PyErr_Format(PyExc_ValueError, "unknown modem kind %s", kind);
    } else {
        PyErr_Format(PyExc_ValueError, "%s does not run at %d bit/s", kind, bit_rate);
    }
    return -1;
}

/* ------------------------------------------------------------------------- */
/* ModemTx */

typedef struct {
    PyObject_HEAD
    enum peer_kind kind;
    void *modem;            /* v27ter_tx_state_t, v29_tx_state_t, v17_tx_state_t or fsk_tx_state_t */
    peer_queue_t bits;      /* one bit per octet, oldest first */
    int ended;              /* end() called */
    int eod_sent;           /* SIG_STATUS_END_OF_DATA handed to the modem */
    int finished;           /* the modem has stopped; only silence from now on */
} ModemTxObject;

static int modem_tx_get_bit(void *user)
{
    ModemTxObject *self = user;
    int bit = peer_queue_pop1(&self->bits);

    if (bit >= 0) {
        return bit;
    }
    if (self->ended) {
        self->eod_sent = 1;
        return SIG_STATUS_END_OF_DATA;
    }
    return 1;
}

static void modem_tx_status(void *user, int status)
{
    ModemTxObject *self = user;

    if (status == SIG_STATUS_SHUTDOWN_COMPLETE) {
        self->finished = 1;
    }
}

static int ModemTx_init(ModemTxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"kind", "bit_rate", "long_train", "level_dbm0", NULL};
    const char *kind;
    int bit_rate;
    int long_train = 1;
    double level_dbm0 = -13.0;
    int rc;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "si|pd", kwlist, &kind, &bit_rate, &long_train, &level_dbm0)) {
        return -1;
    }
    if (self->modem != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    rc = parse_kind(kind, bit_rate, &self->kind);
    if (rc < 0) {
        return kind_error(kind, bit_rate, rc);
    }
    switch (self->kind) {
    case KIND_V27TER:
        self->modem = v27ter_tx_init(NULL, bit_rate, FALSE, modem_tx_get_bit, self);
        if (self->modem != NULL) {
            v27ter_tx_power(self->modem, (float) level_dbm0);
            v27ter_tx_set_modem_status_handler(self->modem, modem_tx_status, self);
        }
        break;
    case KIND_V29:
        self->modem = v29_tx_init(NULL, bit_rate, FALSE, modem_tx_get_bit, self);
        if (self->modem != NULL) {
            v29_tx_power(self->modem, (float) level_dbm0);
            v29_tx_set_modem_status_handler(self->modem, modem_tx_status, self);
        }
        break;
    case KIND_V17:
        self->modem = v17_tx_init(NULL, bit_rate, FALSE, modem_tx_get_bit, self);
        if (self->modem != NULL) {
            /* V.17: the short training sequence may follow a first long one. */
            v17_tx_restart(self->modem, bit_rate, FALSE, !long_train);
            v17_tx_power(self->modem, (float) level_dbm0);
            v17_tx_set_modem_status_handler(self->modem, modem_tx_status, self);
        }
        break;
    case KIND_V21:
        self->modem = fsk_tx_init(NULL, &preset_fsk_specs[FSK_V21CH2], modem_tx_get_bit, self);
        if (self->modem != NULL) {
            fsk_tx_power(self->modem, (float) level_dbm0);
            fsk_tx_set_modem_status_handler(self->modem, modem_tx_status, self);
        }
        break;
    }
    if (self->modem == NULL) {
        PyErr_SetString(PyExc_MemoryError, "spandsp transmitter init failed");
        return -1;
    }
    return 0;
}

static void ModemTx_dealloc(ModemTxObject *self)
{
    if (self->modem != NULL) {
        switch (self->kind) {
        case KIND_V27TER:
            v27ter_tx_free(self->modem);
            break;
        case KIND_V29:
            v29_tx_free(self->modem);
            break;
        case KIND_V17:
            v17_tx_free(self->modem);
            break;
        case KIND_V21:
            fsk_tx_free(self->modem);
            break;
        }
    }
    peer_queue_free(&self->bits);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *ModemTx_push(ModemTxObject *self, PyObject *arg)
{
    Py_buffer view;
    const uint8_t *p;
    Py_ssize_t i;
    int j;

    if (self->ended) {
        PyErr_SetString(PyExc_RuntimeError, "push after end()");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    p = view.buf;
    for (i = 0; i < view.len; i++) {
        for (j = 0; j < 8; j++) {
            /* Octets go to the line LSB first (T.4 and HDLC alike). */
            if (peer_queue_push1(&self->bits, (uint8_t) ((p[i] >> j) & 1)) < 0) {
                PyBuffer_Release(&view);
                return NULL;
            }
        }
    }
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *ModemTx_end(ModemTxObject *self, PyObject *unused)
{
    (void) unused;
    self->ended = 1;
    Py_RETURN_NONE;
}

static int modem_tx_run(ModemTxObject *self, int16_t *amp, int n)
{
    switch (self->kind) {
    case KIND_V27TER:
        return v27ter_tx(self->modem, amp, n);
    case KIND_V29:
        return v29_tx(self->modem, amp, n);
    case KIND_V17:
        return v17_tx(self->modem, amp, n);
    case KIND_V21:
        return fsk_tx(self->modem, amp, n);
    }
    return 0;
}

static int modem_tx_gen(void *state, int16_t amp[], int len)
{
    return modem_tx_run((ModemTxObject *) state, amp, len);
}

static PyObject *ModemTx_tx(ModemTxObject *self, PyObject *arg)
{
    return peer_tx_samples(arg, modem_tx_gen, self, &self->finished);
}

static PyObject *ModemTx_get_finished(ModemTxObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(self->finished);
}

static PyObject *ModemTx_get_pending(ModemTxObject *self, void *closure)
{
    (void) closure;
    return PyLong_FromSize_t(peer_queue_len(&self->bits));
}

static PyMethodDef ModemTx_methods[] = {
    {"push", (PyCFunction) ModemTx_push, METH_O, "push(data): queue data bits, each octet LSB first"},
    {"end", (PyCFunction) ModemTx_end, METH_NOARGS, "end(): no more data; the modem turns off after the queue drains"},
    {"tx", (PyCFunction) ModemTx_tx, METH_O, "tx(n) -> bytes: exactly n int16 LE samples"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ModemTx_getset[] = {
    {"finished", (getter) ModemTx_get_finished, NULL, "True once the modem has stopped", NULL},
    {"pending_bits", (getter) ModemTx_get_pending, NULL, "bits queued and not yet sent", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PeerModemTxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.ModemTx",
    .tp_doc = "ModemTx(kind, bit_rate, long_train=True, level_dbm0=-13): SpanDSP data pump transmitter",
    .tp_basicsize = sizeof(ModemTxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) ModemTx_init,
    .tp_dealloc = (destructor) ModemTx_dealloc,
    .tp_methods = ModemTx_methods,
    .tp_getset = ModemTx_getset,
};

/* ------------------------------------------------------------------------- */
/* ModemRx */

typedef struct {
    PyObject_HEAD
    enum peer_kind kind;
    void *modem;            /* v27ter_rx_state_t, v29_rx_state_t, v17_rx_state_t or fsk_rx_state_t */
    int bit_rate;
    peer_queue_t bits;      /* received data bits, one per octet */
    PyObject *events;       /* list of (name, sample_index) */
    long long sample_index; /* index of the sample being processed */
    int failed;             /* a Python error happened inside a callback */
} ModemRxObject;

static void modem_rx_put_bit(void *user, int bit)
{
    ModemRxObject *self = user;

    if (bit >= 0) {
        if (peer_queue_push1(&self->bits, (uint8_t) (bit & 1)) < 0) {
            self->failed = 1;
        }
        return;
    }
    /* 0.0.6 reports status through put_bit when no status handler is set. */
    {
        const char *name = peer_status_name(bit);

        if (name != NULL && peer_event_add(self->events, name, self->sample_index) < 0) {
            self->failed = 1;
        }
    }
}

static int ModemRx_init(ModemRxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"kind", "bit_rate", "cutoff_dbm0", NULL};
    const char *kind;
    int bit_rate;
    double cutoff = -45.5;
    int rc;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "si|d", kwlist, &kind, &bit_rate, &cutoff)) {
        return -1;
    }
    if (self->modem != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    rc = parse_kind(kind, bit_rate, &self->kind);
    if (rc < 0) {
        return kind_error(kind, bit_rate, rc);
    }
    self->events = PyList_New(0);
    if (self->events == NULL) {
        return -1;
    }
    self->bit_rate = bit_rate;
    switch (self->kind) {
    case KIND_V27TER:
        self->modem = v27ter_rx_init(NULL, bit_rate, modem_rx_put_bit, self);
        if (self->modem != NULL) {
            v27ter_rx_signal_cutoff(self->modem, (float) cutoff);
        }
        break;
    case KIND_V29:
        self->modem = v29_rx_init(NULL, bit_rate, modem_rx_put_bit, self);
        if (self->modem != NULL) {
            v29_rx_signal_cutoff(self->modem, (float) cutoff);
        }
        break;
    case KIND_V17:
        self->modem = v17_rx_init(NULL, bit_rate, modem_rx_put_bit, self);
        if (self->modem != NULL) {
            v17_rx_signal_cutoff(self->modem, (float) cutoff);
        }
        break;
    case KIND_V21:
        self->modem = fsk_rx_init(NULL, &preset_fsk_specs[FSK_V21CH2], FSK_FRAME_MODE_SYNC,
                                  modem_rx_put_bit, self);
        if (self->modem != NULL) {
            fsk_rx_signal_cutoff(self->modem, (float) cutoff);
        }
        break;
    }
    if (self->modem == NULL) {
        PyErr_SetString(PyExc_MemoryError, "spandsp receiver init failed");
        return -1;
    }
    return 0;
}

static void ModemRx_dealloc(ModemRxObject *self)
{
    if (self->modem != NULL) {
        switch (self->kind) {
        case KIND_V27TER:
            v27ter_rx_free(self->modem);
            break;
        case KIND_V29:
            v29_rx_free(self->modem);
            break;
        case KIND_V17:
            v17_rx_free(self->modem);
            break;
        case KIND_V21:
            fsk_rx_free(self->modem);
            break;
        }
    }
    peer_queue_free(&self->bits);
    Py_XDECREF(self->events);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *ModemRx_rx(ModemRxObject *self, PyObject *arg)
{
    Py_buffer view;
    const int16_t *amp;
    Py_ssize_t n;
    Py_ssize_t i;

    if (peer_get_samples(arg, &view, &amp, &n) < 0) {
        return NULL;
    }
    /* One sample per call so that each event carries the exact sample index. */
    for (i = 0; i < n && !self->failed; i++) {
        switch (self->kind) {
        case KIND_V27TER:
            v27ter_rx(self->modem, amp + i, 1);
            break;
        case KIND_V29:
            v29_rx(self->modem, amp + i, 1);
            break;
        case KIND_V17:
            v17_rx(self->modem, amp + i, 1);
            break;
        case KIND_V21:
            fsk_rx(self->modem, amp + i, 1);
            break;
        }
        self->sample_index++;
    }
    PyBuffer_Release(&view);
    if (self->failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *ModemRx_bits(ModemRxObject *self, PyObject *unused)
{
    (void) unused;
    return peer_queue_drain_bytes(&self->bits);
}

static PyObject *ModemRx_events(ModemRxObject *self, PyObject *unused)
{
    (void) unused;
    return peer_list_drain(&self->events);
}

static PyObject *ModemRx_restart(ModemRxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"bit_rate", "short_train", NULL};
    int bit_rate = self->bit_rate;
    int short_train = 0;
    enum peer_kind kind;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|ip", kwlist, &bit_rate, &short_train)) {
        return NULL;
    }
    {
        static const char *names[] = {"v27ter", "v29", "v17", "v21"};
        int rc = parse_kind(names[self->kind], bit_rate, &kind);

        if (rc < 0) {
            kind_error(names[self->kind], bit_rate, rc);
            return NULL;
        }
    }
    self->bit_rate = bit_rate;
    switch (self->kind) {
    case KIND_V27TER:
        v27ter_rx_restart(self->modem, bit_rate, short_train);
        break;
    case KIND_V29:
        v29_rx_restart(self->modem, bit_rate, short_train);
        break;
    case KIND_V17:
        v17_rx_restart(self->modem, bit_rate, short_train);
        break;
    case KIND_V21:
        fsk_rx_restart(self->modem, &preset_fsk_specs[FSK_V21CH2], FSK_FRAME_MODE_SYNC);
        break;
    }
    Py_RETURN_NONE;
}

static PyObject *ModemRx_stats(ModemRxObject *self, PyObject *unused)
{
    (void) unused;
    switch (self->kind) {
    case KIND_V27TER:
        return Py_BuildValue("{s:d,s:d,s:d}",
                             "power_dbm0", (double) v27ter_rx_signal_power(self->modem),
                             "carrier_hz", (double) v27ter_rx_carrier_frequency(self->modem),
                             "symbol_timing_correction",
                             (double) v27ter_rx_symbol_timing_correction(self->modem));
    case KIND_V29:
        return Py_BuildValue("{s:d,s:d,s:d}",
                             "power_dbm0", (double) v29_rx_signal_power(self->modem),
                             "carrier_hz", (double) v29_rx_carrier_frequency(self->modem),
                             "symbol_timing_correction",
                             (double) v29_rx_symbol_timing_correction(self->modem));
    case KIND_V17:
        return Py_BuildValue("{s:d,s:d,s:d}",
                             "power_dbm0", (double) v17_rx_signal_power(self->modem),
                             "carrier_hz", (double) v17_rx_carrier_frequency(self->modem),
                             "symbol_timing_correction",
                             (double) v17_rx_symbol_timing_correction(self->modem));
    case KIND_V21:
        return Py_BuildValue("{s:d}", "power_dbm0", (double) fsk_rx_signal_power(self->modem));
    }
    Py_RETURN_NONE;
}

static PyMethodDef ModemRx_methods[] = {
    {"rx", (PyCFunction) ModemRx_rx, METH_O, "rx(samples): consume int16 LE samples"},
    {"bits", (PyCFunction) ModemRx_bits, METH_NOARGS, "bits() -> bytes: drain received bits, one octet (0/1) per bit"},
    {"events", (PyCFunction) ModemRx_events, METH_NOARGS, "events() -> [(name, sample_index)]: drain status events"},
    {"restart", (PyCFunction) ModemRx_restart, METH_VARARGS | METH_KEYWORDS,
     "restart(bit_rate=same, short_train=False): re-arm the receiver (V.17 short train, or V.27ter/V.29 reuse of the last equalizer)"},
    {"stats", (PyCFunction) ModemRx_stats, METH_NOARGS, "stats() -> dict: power_dbm0 and, for QAM modems, carrier_hz"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PeerModemRxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.ModemRx",
    .tp_doc = "ModemRx(kind, bit_rate, cutoff_dbm0=-45.5): SpanDSP data pump receiver",
    .tp_basicsize = sizeof(ModemRxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) ModemRx_init,
    .tp_dealloc = (destructor) ModemRx_dealloc,
    .tp_methods = ModemRx_methods,
};
