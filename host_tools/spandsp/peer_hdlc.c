/*
 * HdlcV21Tx / HdlcV21Rx: SpanDSP 0.0.6's HDLC framer (CRC-16 FCS, bit stuffing,
 * flags) over its V.21 channel 2 FSK modem: the T.30 control channel
 * (T.30 §5.3, binary coded signalling: HDLC frames at 300 bit/s after a
 * preamble of flags lasting 1 s +/- 15 %).
 */
#include "peer.h"

#include <string.h>

/* ------------------------------------------------------------------------- */
/* HdlcV21Tx */

typedef struct {
    PyObject_HEAD
    hdlc_tx_state_t *hdlc;
    fsk_tx_state_t *fsk;
    PyObject *frames;       /* list of bytes still waiting for the framer */
    int final_queued;       /* frame(final=True) was called */
    int final_taken;        /* the framer accepted the final frame */
    int finished;
} HdlcV21TxObject;

/* Hand the next queued frame to the framer when it can take one: 0.0.6's framer
   holds one frame at a time, refuses another while one is in progress, and calls
   the underflow handler when a frame (or the timed preamble) is out. After the
   final frame a zero-length frame asks it to stop once it is drained: it closes
   the frame with a flag, then sends two more flag octets before ending. */
static void hdlc_tx_feed(HdlcV21TxObject *self)
{
    while (!self->final_taken && PyList_GET_SIZE(self->frames) > 0) {
        PyObject *f = PyList_GET_ITEM(self->frames, 0);

        if (hdlc_tx_frame(self->hdlc, (const uint8_t *) PyBytes_AS_STRING(f),
                          (size_t) PyBytes_GET_SIZE(f)) != 0) {
            return;
        }
        PySequence_DelItem(self->frames, 0);
        if (PyList_GET_SIZE(self->frames) == 0 && self->final_queued) {
            self->final_taken = 1;
            hdlc_tx_frame(self->hdlc, NULL, 0);
        }
    }
}

static void hdlc_v21_underflow(void *user)
{
    hdlc_tx_feed((HdlcV21TxObject *) user);
}

static int hdlc_v21_get_bit(void *user)
{
    return hdlc_tx_get_bit(((HdlcV21TxObject *) user)->hdlc);
}

static void hdlc_v21_status(void *user, int status)
{
    HdlcV21TxObject *self = user;

    if (status == SIG_STATUS_SHUTDOWN_COMPLETE) {
        self->finished = 1;
    }
}

static int HdlcV21Tx_init(HdlcV21TxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"level_dbm0", "preamble_flags", NULL};
    double level_dbm0 = -13.0;
    int preamble_flags = 37;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|di", kwlist, &level_dbm0, &preamble_flags)) {
        return -1;
    }
    if (self->hdlc != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    if (preamble_flags < 1) {
        PyErr_SetString(PyExc_ValueError, "preamble_flags must be >= 1");
        return -1;
    }
    self->frames = PyList_New(0);
    if (self->frames == NULL) {
        return -1;
    }
    /* CRC-16 FCS (T.30 §5.3, ISO/IEC 3309), one flag between frames, no progressive mode. */
    self->hdlc = hdlc_tx_init(NULL, FALSE, 1, FALSE, hdlc_v21_underflow, self);
    self->fsk = fsk_tx_init(NULL, &preset_fsk_specs[FSK_V21CH2], hdlc_v21_get_bit, self);
    if (self->hdlc == NULL || self->fsk == NULL) {
        PyErr_SetString(PyExc_MemoryError, "spandsp init failed");
        return -1;
    }
    fsk_tx_power(self->fsk, (float) level_dbm0);
    fsk_tx_set_modem_status_handler(self->fsk, hdlc_v21_status, self);
    hdlc_tx_flags(self->hdlc, preamble_flags);
    return 0;
}

static void HdlcV21Tx_dealloc(HdlcV21TxObject *self)
{
    if (self->fsk != NULL) {
        fsk_tx_free(self->fsk);
    }
    if (self->hdlc != NULL) {
        hdlc_tx_free(self->hdlc);
    }
    Py_XDECREF(self->frames);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *HdlcV21Tx_frame(HdlcV21TxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"data", "final", NULL};
    Py_buffer view;
    int final = 0;
    PyObject *copy;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*|p", kwlist, &view, &final)) {
        return NULL;
    }
    if (self->final_queued) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "frame after the final frame");
        return NULL;
    }
    if (view.len < 1 || view.len > HDLC_MAXFRAME_LEN) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "frame length out of range");
        return NULL;
    }
    copy = PyBytes_FromStringAndSize(view.buf, view.len);
    PyBuffer_Release(&view);
    if (copy == NULL) {
        return NULL;
    }
    if (PyList_Append(self->frames, copy) < 0) {
        Py_DECREF(copy);
        return NULL;
    }
    Py_DECREF(copy);
    self->final_queued = final;
    hdlc_tx_feed(self);
    Py_RETURN_NONE;
}

static int hdlc_fsk_gen(void *state, int16_t amp[], int len)
{
    return fsk_tx((fsk_tx_state_t *) state, amp, len);
}

static PyObject *HdlcV21Tx_tx(HdlcV21TxObject *self, PyObject *arg)
{
    return peer_tx_samples(arg, hdlc_fsk_gen, self->fsk, &self->finished);
}

static PyObject *HdlcV21Tx_get_finished(HdlcV21TxObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(self->finished);
}

static PyMethodDef HdlcV21Tx_methods[] = {
    {"frame", (PyCFunction) HdlcV21Tx_frame, METH_VARARGS | METH_KEYWORDS,
     "frame(data, final): queue one HDLC frame (the FCS is appended)"},
    {"tx", (PyCFunction) HdlcV21Tx_tx, METH_O, "tx(n) -> bytes: exactly n int16 LE samples"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef HdlcV21Tx_getset[] = {
    {"finished", (getter) HdlcV21Tx_get_finished, NULL,
     "True once the final frame and closing flags are out and the carrier has stopped", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PeerHdlcV21TxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.HdlcV21Tx",
    .tp_doc = "HdlcV21Tx(level_dbm0=-13, preamble_flags=37): HDLC frames over V.21 channel 2",
    .tp_basicsize = sizeof(HdlcV21TxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) HdlcV21Tx_init,
    .tp_dealloc = (destructor) HdlcV21Tx_dealloc,
    .tp_methods = HdlcV21Tx_methods,
    .tp_getset = HdlcV21Tx_getset,
};

/* ------------------------------------------------------------------------- */
/* HdlcV21Rx */

/* Flags in a row before framing is declared OK (as SpanDSP's T.30 front end uses). */
#define FRAMING_OK_FLAGS 5

typedef struct {
    PyObject_HEAD
    hdlc_rx_state_t *hdlc;
    fsk_rx_state_t *fsk;
    PyObject *frames;       /* list of (bytes, crc_ok) */
    PyObject *events;       /* list of (name, sample_index) */
    long long sample_index;
    int failed;
} HdlcV21RxObject;

static void hdlc_v21_frame(void *user, const uint8_t *pkt, int len, int ok)
{
    HdlcV21RxObject *self = user;
    PyObject *t;

    if (len < 0) {
        /* 0.0.6 passes status changes through the frame handler as negative lengths. */
        const char *name = peer_status_name(len);

        if (name != NULL && peer_event_add(self->events, name, self->sample_index) < 0) {
            self->failed = 1;
        }
        return;
    }
    t = Py_BuildValue("(y#O)", (const char *) pkt, (Py_ssize_t) len, ok ? Py_True : Py_False);
    if (t == NULL || PyList_Append(self->frames, t) < 0) {
        self->failed = 1;
    }
    Py_XDECREF(t);
}

static void hdlc_v21_put_bit(void *user, int bit)
{
    HdlcV21RxObject *self = user;

    /* Status values (negative) go on to the framer, which reports them through
       the frame handler. */
    hdlc_rx_put_bit(self->hdlc, bit);
}

static int HdlcV21Rx_init(HdlcV21RxObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"cutoff_dbm0", NULL};
    double cutoff = -45.5;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|d", kwlist, &cutoff)) {
        return -1;
    }
    if (self->hdlc != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    self->frames = PyList_New(0);
    self->events = PyList_New(0);
    if (self->frames == NULL || self->events == NULL) {
        return -1;
    }
    /* CRC-16, report bad frames too (crc_ok False). */
    self->hdlc = hdlc_rx_init(NULL, FALSE, TRUE, FRAMING_OK_FLAGS, hdlc_v21_frame, self);
    self->fsk = fsk_rx_init(NULL, &preset_fsk_specs[FSK_V21CH2], FSK_FRAME_MODE_SYNC, hdlc_v21_put_bit, self);
    if (self->hdlc == NULL || self->fsk == NULL) {
        PyErr_SetString(PyExc_MemoryError, "spandsp init failed");
        return -1;
    }
    fsk_rx_signal_cutoff(self->fsk, (float) cutoff);
    return 0;
}

static void HdlcV21Rx_dealloc(HdlcV21RxObject *self)
{
    if (self->fsk != NULL) {
        fsk_rx_free(self->fsk);
    }
    if (self->hdlc != NULL) {
        hdlc_rx_free(self->hdlc);
    }
    Py_XDECREF(self->frames);
    Py_XDECREF(self->events);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *HdlcV21Rx_rx(HdlcV21RxObject *self, PyObject *arg)
{
    Py_buffer view;
    const int16_t *amp;
    Py_ssize_t n;
    Py_ssize_t i;

    if (peer_get_samples(arg, &view, &amp, &n) < 0) {
        return NULL;
    }
    for (i = 0; i < n && !self->failed; i++) {
        fsk_rx(self->fsk, amp + i, 1);
        self->sample_index++;
    }
    PyBuffer_Release(&view);
    if (self->failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *HdlcV21Rx_frames(HdlcV21RxObject *self, PyObject *unused)
{
    (void) unused;
    return peer_list_drain(&self->frames);
}

static PyObject *HdlcV21Rx_events(HdlcV21RxObject *self, PyObject *unused)
{
    (void) unused;
    return peer_list_drain(&self->events);
}

static PyMethodDef HdlcV21Rx_methods[] = {
    {"rx", (PyCFunction) HdlcV21Rx_rx, METH_O, "rx(samples): consume int16 LE samples"},
    {"frames", (PyCFunction) HdlcV21Rx_frames, METH_NOARGS,
     "frames() -> [(data_without_fcs, crc_ok)]: drain received frames"},
    {"events", (PyCFunction) HdlcV21Rx_events, METH_NOARGS,
     "events() -> [(name, sample_index)]: carrier and framing events"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject PeerHdlcV21RxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.HdlcV21Rx",
    .tp_doc = "HdlcV21Rx(cutoff_dbm0=-45.5): V.21 channel 2 HDLC receiver",
    .tp_basicsize = sizeof(HdlcV21RxObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) HdlcV21Rx_init,
    .tp_dealloc = (destructor) HdlcV21Rx_dealloc,
    .tp_methods = HdlcV21Rx_methods,
};
