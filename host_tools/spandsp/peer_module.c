/*
 * spandsp_peer module: shared helpers and module initialisation.
 * See peer.h for the conventions every type follows.
 */
#include "peer.h"

#include <string.h>

int peer_queue_push(peer_queue_t *q, const uint8_t *data, size_t len)
{
    if (q->tail + len > q->cap) {
        size_t live = q->tail - q->head;

        if (q->head > 0) {
            memmove(q->buf, q->buf + q->head, live);
            q->head = 0;
            q->tail = live;
        }
        if (live + len > q->cap) {
            size_t cap = q->cap ? q->cap : 256;
            uint8_t *nb;

            while (cap < live + len) {
                cap *= 2;
            }
            nb = PyMem_Realloc(q->buf, cap);
            if (nb == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            q->buf = nb;
            q->cap = cap;
        }
    }
    if (len > 0) {
        memcpy(q->buf + q->tail, data, len);
    }
    q->tail += len;
    return 0;
}

int peer_queue_push1(peer_queue_t *q, uint8_t v)
{
    return peer_queue_push(q, &v, 1);
}

size_t peer_queue_len(const peer_queue_t *q)
{
    return q->tail - q->head;
}

int peer_queue_pop1(peer_queue_t *q)
{
    if (q->head >= q->tail) {
        return -1;
    }
    return q->buf[q->head++];
}

PyObject *peer_queue_drain_bytes(peer_queue_t *q)
{
    PyObject *out = PyBytes_FromStringAndSize((const char *) (q->buf ? q->buf + q->head : NULL),
                                              (Py_ssize_t) (q->tail - q->head));

    q->head = 0;
    q->tail = 0;
    return out;
}

void peer_queue_free(peer_queue_t *q)
{
    PyMem_Free(q->buf);
    q->buf = NULL;
    q->head = q->tail = q->cap = 0;
}

int peer_event_add(PyObject *list, const char *name, long long sample_index)
{
    PyObject *t = Py_BuildValue("(sL)", name, sample_index);
    int rc;

    if (t == NULL) {
        return -1;
    }
    rc = PyList_Append(list, t);
    Py_DECREF(t);
    return rc;
}

PyObject *peer_list_drain(PyObject **list)
{
    PyObject *old = *list;
    PyObject *fresh = PyList_New(0);

    if (fresh == NULL) {
        return NULL;
    }
    *list = fresh;
    return old;
}

PyObject *peer_new_samples(Py_ssize_t n, int16_t **amp)
{
    PyObject *out;

    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative sample count");
        return NULL;
    }
    out = PyBytes_FromStringAndSize(NULL, n * 2);
    if (out == NULL) {
        return NULL;
    }
    *amp = (int16_t *) PyBytes_AS_STRING(out);
    memset(*amp, 0, (size_t) n * 2);
    return out;
}

PyObject *peer_tx_samples(PyObject *arg, peer_gen_t gen, void *state, int *finished)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    int16_t *amp;
    PyObject *out;
    Py_ssize_t done = 0;

    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    out = peer_new_samples(n, &amp);
    if (out == NULL) {
        return NULL;
    }
    while (!*finished && done < n) {
        int want = (n - done > 4096) ? 4096 : (int) (n - done);
        int got = gen(state, amp + done, want);

        done += got;
        if (got < want) {
            *finished = 1;
        }
    }
    return out;
}

int peer_get_samples(PyObject *arg, Py_buffer *view, const int16_t **amp, Py_ssize_t *n)
{
    if (PyObject_GetBuffer(arg, view, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    if (view->len % 2 != 0) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "samples must be int16 (even byte count)");
        return -1;
    }
    *amp = view->buf;
    *n = view->len / 2;
    return 0;
}

const char *peer_status_name(int status)
{
    switch (status) {
    case SIG_STATUS_CARRIER_UP:
        return "carrier_up";
    case SIG_STATUS_CARRIER_DOWN:
        return "carrier_down";
    case SIG_STATUS_TRAINING_SUCCEEDED:
        return "training_ok";
    case SIG_STATUS_TRAINING_FAILED:
        return "training_failed";
    case SIG_STATUS_TRAINING_IN_PROGRESS:
        return "training";
    case SIG_STATUS_FRAMING_OK:
        return "framing_ok";
    case SIG_STATUS_ABORT:
        return "abort";
    default:
        return NULL;
    }
}

static struct PyModuleDef peer_module = {
    PyModuleDef_HEAD_INIT,
    "spandsp_peer",
    "SpanDSP 0.0.6 as an independent far end: modems, tones, HDLC and a T.30 fax terminal.",
    -1,
    NULL,
};

PyMODINIT_FUNC PyInit_spandsp_peer(void)
{
    PyTypeObject *types[] = {
        &PeerModemTxType, &PeerModemRxType, &PeerHdlcV21TxType, &PeerHdlcV21RxType,
        &PeerToneTxType, &PeerToneRxType, &PeerFaxTerminalType,
    };
    PyObject *m;
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i]) < 0) {
            return NULL;
        }
    }
    m = PyModule_Create(&peer_module);
    if (m == NULL) {
        return NULL;
    }
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const char *dot = strrchr(types[i]->tp_name, '.');

        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, dot + 1, (PyObject *) types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
