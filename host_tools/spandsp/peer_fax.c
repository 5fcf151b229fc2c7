/*
 * FaxTerminal: SpanDSP 0.0.6's analogue fax terminal (fax_state_t: T.30 with the
 * V.21/V.27ter/V.29/V.17 modems, ECM, T.4/T.6 to and from TIFF) as a far end.
 *
 * SpanDSP has no clock of its own: every T.30 timer counts samples, so it runs in
 * lockstep with whatever feeds it, at any speed.
 *
 * Logging: 0.0.6's message handler gets no user pointer, so one module-level
 * handler appends to the log of the terminal whose rx()/tx() is running (all calls
 * hold the GIL, so exactly one is). Sample timestamps advance through
 * span_log_bump_samples() after each block.
 */
#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES   /* to reach the modems' logging states */
#include "peer.h"

#include <stdio.h>
#include <string.h>

#define TX_CHUNK_SAMPLES 1024

typedef struct {
    PyObject_HEAD
    fax_state_t *fax;
    t30_state_t *t30;
    PyObject *log;          /* list of str */
    PyObject *pages;        /* list of dict, one per phase D report */
    PyObject *phase_b;      /* list of int, phase B event codes */
    int done;               /* phase E reached */
    int completion_code;
    long long samples_in;
    long long samples_out;
    int16_t rx_buf[TX_CHUNK_SAMPLES];
    int failed;
} FaxTerminalObject;

/* The terminal whose SpanDSP code is running now, for the log handler. */
static FaxTerminalObject *current_terminal;

static void fax_log_handler(int level, const char *text)
{
    FaxTerminalObject *self = current_terminal;
    PyObject *line;
    size_t len;

    (void) level;
    if (self == NULL || self->log == NULL) {
        return;
    }
    len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    line = PyUnicode_DecodeLatin1(text, (Py_ssize_t) len, "replace");
    if (line == NULL || PyList_Append(self->log, line) < 0) {
        self->failed = 1;
    }
    Py_XDECREF(line);
}

static int level_from_name(const char *name)
{
    static const struct {
        const char *name;
        int level;
    } levels[] = {
        {"none", SPAN_LOG_NONE},
        {"error", SPAN_LOG_ERROR},
        {"warning", SPAN_LOG_WARNING},
        {"protocol_error", SPAN_LOG_PROTOCOL_ERROR},
        {"protocol_warning", SPAN_LOG_PROTOCOL_WARNING},
        {"flow", SPAN_LOG_FLOW},
        {"flow2", SPAN_LOG_FLOW_2},
        {"flow3", SPAN_LOG_FLOW_3},
        {"debug", SPAN_LOG_DEBUG},
    };
    size_t i;

    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        if (strcmp(name, levels[i].name) == 0) {
            return levels[i].level;
        }
    }
    return -1;
}

/* Every logging state inside the terminal: the fax front end, T.30, the modem set
   and each fast modem (training results are logged there). */
static int fax_logging_states(FaxTerminalObject *self, logging_state_t *out[], int max)
{
    fax_modems_state_t *m = &self->fax->modems;
    int n = 0;

    if (max < 9) {
        return 0;
    }
    out[n++] = fax_get_logging_state(self->fax);
    out[n++] = t30_get_logging_state(self->t30);
    out[n++] = &m->logging;
    out[n++] = v17_tx_get_logging_state(&m->fast_modems.v17_tx);
    out[n++] = v17_rx_get_logging_state(&m->fast_modems.v17_rx);
    out[n++] = v29_tx_get_logging_state(&m->fast_modems.v29_tx);
    out[n++] = v29_rx_get_logging_state(&m->fast_modems.v29_rx);
    out[n++] = v27ter_tx_get_logging_state(&m->fast_modems.v27ter_tx);
    out[n++] = v27ter_rx_get_logging_state(&m->fast_modems.v27ter_rx);
    return n;
}

static PyObject *stats_dict(t30_state_t *t30)
{
    t30_stats_t st;

    memset(&st, 0, sizeof(st));
    t30_get_transfer_statistics(t30, &st);
    return Py_BuildValue("{s:i,s:O,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}",
                         "bit_rate", st.bit_rate,
                         "ecm", st.error_correcting_mode ? Py_True : Py_False,
                         "pages_tx", st.pages_tx,
                         "pages_rx", st.pages_rx,
                         "pages_in_file", st.pages_in_file,
                         "x_resolution", st.x_resolution,
                         "y_resolution", st.y_resolution,
                         "width", st.width,
                         "length", st.length,
                         "image_size", st.image_size,
                         "encoding", st.encoding,
                         "bad_rows", st.bad_rows,
                         "longest_bad_row_run", st.longest_bad_row_run,
                         "ecm_retries", st.error_correcting_mode_retries);
}

static int phase_b_handler(t30_state_t *t30, void *user, int result)
{
    FaxTerminalObject *self = user;
    PyObject *v = PyLong_FromLong(result);

    (void) t30;
    if (v == NULL || PyList_Append(self->phase_b, v) < 0) {
        self->failed = 1;
    }
    Py_XDECREF(v);
    return T30_ERR_OK;
}

static int phase_d_handler(t30_state_t *t30, void *user, int result)
{
    FaxTerminalObject *self = user;
    PyObject *d = stats_dict(t30);

    if (d == NULL) {
        self->failed = 1;
        return T30_ERR_OK;
    }
    /* result is the T.30 post-page frame type (FCF) that ended the page. */
    {
        PyObject *fcf = PyLong_FromLong(result);
        PyObject *name = PyUnicode_FromString(t30_frametype((uint8_t) result));

        if (fcf == NULL || name == NULL
            || PyDict_SetItemString(d, "fcf", fcf) < 0
            || PyDict_SetItemString(d, "frame", name) < 0
            || PyList_Append(self->pages, d) < 0) {
            self->failed = 1;
        }
        Py_XDECREF(fcf);
        Py_XDECREF(name);
    }
    Py_DECREF(d);
    return T30_ERR_OK;
}

static void phase_e_handler(t30_state_t *t30, void *user, int completion_code)
{
    FaxTerminalObject *self = user;

    (void) t30;
    self->done = 1;
    self->completion_code = completion_code;
}

static int parse_modems(const char *spec, int *out)
{
    char buf[64];
    char *tok;
    char *save = NULL;
    int mask = 0;

    if (strlen(spec) >= sizeof(buf)) {
        return -1;
    }
    strcpy(buf, spec);
    for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        if (strcmp(tok, "v27ter") == 0) {
            mask |= T30_SUPPORT_V27TER;
        } else if (strcmp(tok, "v29") == 0) {
            mask |= T30_SUPPORT_V29;
        } else if (strcmp(tok, "v17") == 0) {
            mask |= T30_SUPPORT_V17;
        } else {
            return -1;
        }
    }
    if (mask == 0) {
        return -1;
    }
    *out = mask;
    return 0;
}

static int FaxTerminal_init(FaxTerminalObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"calling", "ident", "tx_file", "rx_file", "ecm", "modems", "log_level",
                             "tag", NULL};
    int calling;
    const char *ident = "SPANDSP";
    const char *tx_file = NULL;
    const char *rx_file = NULL;
    int ecm = 0;
    const char *modems = "v27ter,v29,v17";
    const char *log_level = "flow";
    const char *tag = NULL;
    int level;
    int modem_mask;
    logging_state_t *ls[9];
    int nls;
    int i;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "p|szzpsss", kwlist, &calling, &ident, &tx_file,
                                     &rx_file, &ecm, &modems, &log_level, &tag)) {
        return -1;
    }
    if (self->fax != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialised");
        return -1;
    }
    level = level_from_name(log_level);
    if (level < 0) {
        PyErr_Format(PyExc_ValueError, "unknown log level %s", log_level);
        return -1;
    }
    if (parse_modems(modems, &modem_mask) < 0) {
        PyErr_Format(PyExc_ValueError, "bad modem list %s (use v27ter,v29,v17)", modems);
        return -1;
    }
    if (tx_file != NULL) {
        /* 0.0.6 only finds a missing file in phase B and ends the call there. */
        FILE *f = fopen(tx_file, "rb");

        if (f == NULL) {
            PyErr_SetFromErrnoWithFilename(PyExc_OSError, tx_file);
            return -1;
        }
        fclose(f);
    }
    if (strlen(ident) > T30_MAX_IDENT_LEN) {
        PyErr_Format(PyExc_ValueError, "ident longer than %d characters", T30_MAX_IDENT_LEN);
        return -1;
    }
    self->log = PyList_New(0);
    self->pages = PyList_New(0);
    self->phase_b = PyList_New(0);
    if (self->log == NULL || self->pages == NULL || self->phase_b == NULL) {
        return -1;
    }
    current_terminal = self;
    self->fax = fax_init(NULL, calling);
    if (self->fax == NULL) {
        current_terminal = NULL;
        PyErr_SetString(PyExc_MemoryError, "fax_init failed");
        return -1;
    }
    self->t30 = fax_get_t30_state(self->fax);
    fax_set_transmit_on_idle(self->fax, TRUE);

    nls = fax_logging_states(self, ls, 9);
    for (i = 0; i < nls; i++) {
        span_log_set_message_handler(ls[i], fax_log_handler);
        span_log_set_level(ls[i], level | SPAN_LOG_SHOW_SAMPLE_TIME | SPAN_LOG_SHOW_PROTOCOL
                                  | SPAN_LOG_SHOW_TAG);
        span_log_set_tag(ls[i], tag != NULL ? tag : (calling ? "caller" : "answerer"));
    }

    t30_set_tx_ident(self->t30, ident);
    if (tx_file != NULL) {
        t30_set_tx_file(self->t30, tx_file, -1, -1);
    }
    if (rx_file != NULL) {
        t30_set_rx_file(self->t30, rx_file, -1);
    }
    t30_set_supported_modems(self->t30, modem_mask);
    t30_set_ecm_capability(self->t30, ecm);
    if (ecm) {
        /* T.6 (MMR) coding is only allowed with ECM (T.30 Annex A). */
        t30_set_supported_compressions(self->t30, T30_SUPPORT_T4_1D_COMPRESSION
                                                  | T30_SUPPORT_T4_2D_COMPRESSION
                                                  | T30_SUPPORT_T6_COMPRESSION);
    }
    t30_set_phase_b_handler(self->t30, phase_b_handler, self);
    t30_set_phase_d_handler(self->t30, phase_d_handler, self);
    t30_set_phase_e_handler(self->t30, phase_e_handler, self);
    current_terminal = NULL;
    if (self->failed) {
        return -1;
    }
    return 0;
}

static void FaxTerminal_dealloc(FaxTerminalObject *self)
{
    if (self->fax != NULL) {
        FaxTerminalObject *saved = current_terminal;

        /* Release closes the TIFF files; keep its log lines out of other terminals. */
        current_terminal = NULL;
        fax_free(self->fax);
        current_terminal = saved == self ? NULL : saved;
    }
    Py_XDECREF(self->log);
    Py_XDECREF(self->pages);
    Py_XDECREF(self->phase_b);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static void bump_log_time(FaxTerminalObject *self, int samples)
{
    logging_state_t *ls[9];
    int n = fax_logging_states(self, ls, 9);
    int i;

    for (i = 0; i < n; i++) {
        span_log_bump_samples(ls[i], samples);
    }
}

static PyObject *FaxTerminal_rx(FaxTerminalObject *self, PyObject *arg)
{
    Py_buffer view;
    const int16_t *amp;
    Py_ssize_t n;
    Py_ssize_t done = 0;

    if (peer_get_samples(arg, &view, &amp, &n) < 0) {
        return NULL;
    }
    current_terminal = self;
    while (done < n && !self->failed) {
        int len = (n - done > TX_CHUNK_SAMPLES) ? TX_CHUNK_SAMPLES : (int) (n - done);

        /* fax_rx takes a non-const buffer: hand it a copy. */
        memcpy(self->rx_buf, amp + done, (size_t) len * 2);
        fax_rx(self->fax, self->rx_buf, len);
        done += len;
    }
    current_terminal = NULL;
    self->samples_in += n;
    PyBuffer_Release(&view);
    if (self->failed) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *FaxTerminal_tx(FaxTerminalObject *self, PyObject *arg)
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
    current_terminal = self;
    while (done < n && !self->failed) {
        int want = (n - done > TX_CHUNK_SAMPLES) ? TX_CHUNK_SAMPLES : (int) (n - done);

        /* With transmit-on-idle set, fax_tx fills the whole request (silence when
           idle); anything short stays zero from peer_new_samples. */
        fax_tx(self->fax, amp + done, want);
        done += want;
    }
    current_terminal = NULL;
    /* Timestamps in the log follow the transmit side, one block at a time. */
    bump_log_time(self, (int) n);
    self->samples_out += n;
    if (self->failed) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static PyObject *FaxTerminal_log(FaxTerminalObject *self, PyObject *unused)
{
    (void) unused;
    return peer_list_drain(&self->log);
}

static PyObject *FaxTerminal_pages(FaxTerminalObject *self, PyObject *unused)
{
    (void) unused;
    return PyList_GetSlice(self->pages, 0, PyList_GET_SIZE(self->pages));
}

static PyObject *FaxTerminal_result(FaxTerminalObject *self, PyObject *unused)
{
    PyObject *d = stats_dict(self->t30);
    PyObject *v;
    const char *remote;

    (void) unused;
    if (d == NULL) {
        return NULL;
    }
    remote = t30_get_rx_ident(self->t30);
    v = Py_BuildValue("{s:O,s:i,s:s,s:s,s:O}",
                      "done", self->done ? Py_True : Py_False,
                      "completion_code", self->completion_code,
                      "completion_text", t30_completion_code_to_str(self->completion_code),
                      "remote_ident", remote != NULL ? remote : "",
                      "phase_b_events", self->phase_b);
    if (v == NULL || PyDict_Update(d, v) < 0) {
        Py_XDECREF(v);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(v);
    return d;
}

static PyObject *FaxTerminal_terminate(FaxTerminalObject *self, PyObject *unused)
{
    (void) unused;
    current_terminal = self;
    t30_terminate(self->t30);
    current_terminal = NULL;
    Py_RETURN_NONE;
}

static PyObject *FaxTerminal_get_done(FaxTerminalObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(self->done);
}

static PyMethodDef FaxTerminal_methods[] = {
    {"rx", (PyCFunction) FaxTerminal_rx, METH_O, "rx(samples): feed int16 LE line audio"},
    {"tx", (PyCFunction) FaxTerminal_tx, METH_O, "tx(n) -> bytes: exactly n int16 LE samples"},
    {"log", (PyCFunction) FaxTerminal_log, METH_NOARGS, "log() -> [str]: drain SpanDSP's log lines"},
    {"result", (PyCFunction) FaxTerminal_result, METH_NOARGS,
     "result() -> dict: completion code and text, transfer statistics, remote ident"},
    {"pages", (PyCFunction) FaxTerminal_pages, METH_NOARGS,
     "pages() -> [dict]: transfer statistics at each phase D (one per page)"},
    {"terminate", (PyCFunction) FaxTerminal_terminate, METH_NOARGS,
     "terminate(): tell T.30 the line has gone (hang-up); phase E follows"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef FaxTerminal_getset[] = {
    {"done", (getter) FaxTerminal_get_done, NULL, "True once T.30 phase E has been reached", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject PeerFaxTerminalType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.FaxTerminal",
    .tp_doc = "FaxTerminal(calling, ident='SPANDSP', tx_file=None, rx_file=None, ecm=False,\n"
              "            modems='v27ter,v29,v17', log_level='flow', tag=None)",
    .tp_basicsize = sizeof(FaxTerminalObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) FaxTerminal_init,
    .tp_dealloc = (destructor) FaxTerminal_dealloc,
    .tp_methods = FaxTerminal_methods,
    .tp_getset = FaxTerminal_getset,
};
