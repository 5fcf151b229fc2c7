/*
 * spandsp_peer: a CPython binding to Debian's libspandsp 0.0.6, used on the host
 * as an independent far end (modems, tones, HDLC, a whole T.30 fax terminal).
 *
 * Host-side test tool only: it is not part of the firmware, it may allocate, and it
 * is written against the installed 0.0.6 headers (whose API differs from current
 * SpanDSP). SpanDSP is used as a library; none of its code is copied here.
 *
 * Conventions shared by every type in the module:
 *   - audio is 8000 samples/s, int16 little-endian in `bytes` objects;
 *   - `tx(n)` always returns exactly n samples (zero padded once the source is done);
 *   - event positions are 0-based indices of the input sample during whose
 *     processing the receiver reported the event (receivers are fed one sample at a
 *     time so that the index is exact).
 */
#ifndef PEER_H
#define PEER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include <tiffio.h>
#include <spandsp.h>

/* A growable byte queue: bits one per octet, or raw octets. */
typedef struct {
    uint8_t *buf;
    size_t head;   /* index of the next octet to read */
    size_t tail;   /* index one past the last octet written */
    size_t cap;
} peer_queue_t;

int peer_queue_push(peer_queue_t *q, const uint8_t *data, size_t len);
int peer_queue_push1(peer_queue_t *q, uint8_t v);
size_t peer_queue_len(const peer_queue_t *q);
int peer_queue_pop1(peer_queue_t *q);                 /* -1 when empty */
PyObject *peer_queue_drain_bytes(peer_queue_t *q);    /* new bytes, queue emptied */
void peer_queue_free(peer_queue_t *q);

/* A list of (name, sample_index) events kept as a Python list. */
int peer_event_add(PyObject *list, const char *name, long long sample_index);
PyObject *peer_list_drain(PyObject **list);           /* returns old list, installs a new one */

/* Samples helpers: output a zeroed bytes object of n samples and its int16 view. */
PyObject *peer_new_samples(Py_ssize_t n, int16_t **amp);
/* Output of a transmitter: exactly n samples as bytes, made by gen(state, amp, len)
   until it returns short (SpanDSP's transmitters do once their turn-off is complete);
   then *finished is set and the rest stays silence. */
typedef int (*peer_gen_t)(void *state, int16_t amp[], int len);
PyObject *peer_tx_samples(PyObject *arg, peer_gen_t gen, void *state, int *finished);
/* Input: an int16 sample buffer from any bytes-like object; 0, or -1 with an exception
   set (an odd byte count is refused). Release the view with PyBuffer_Release. */
int peer_get_samples(PyObject *arg, Py_buffer *view, const int16_t **amp, Py_ssize_t *n);

/* Map a 0.0.6 signal status code to our event name, or NULL when not reported. */
const char *peer_status_name(int status);

extern PyTypeObject PeerModemTxType;
extern PyTypeObject PeerModemRxType;
extern PyTypeObject PeerHdlcV21TxType;
extern PyTypeObject PeerHdlcV21RxType;
extern PyTypeObject PeerToneTxType;
extern PyTypeObject PeerToneRxType;
extern PyTypeObject PeerFaxTerminalType;

#endif
