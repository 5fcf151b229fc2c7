/*
 * py_faxt4.c - CPython extension `faxt4`: the T.4/T.6 row codec of t4/.
 *
 * Same Python API as the MicroPython module (mp_faxt4.c); see the README.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "t4.h"

typedef struct {
    PyObject_HEAD
    t4_enc_state_t st;
    uint16_t *work;
} EncoderObject;

typedef struct {
    PyObject_HEAD
    t4_dec_state_t *st;     /* large (input ring): allocated separately */
    uint16_t *work;
} DecoderObject;

static int check_row(const Py_buffer *b, int width)
{
    if (b->len < (Py_ssize_t) ((width + 7) / 8)) {
        PyErr_SetString(PyExc_ValueError, "row buffer shorter than the width");
        return -1;
    }
    return 0;
}

/* ---- Encoder ---- */

static int Encoder_init(EncoderObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"width", "coding", "k", "min_row_bits", NULL};
    int width;
    int coding;
    int k = 0;
    int min_row_bits = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "ii|ii", kwlist, &width, &coding, &k,
                                     &min_row_bits)) {
        return -1;
    }
    if (width < 1 || width > T4_MAX_WIDTH_PELS) {
        PyErr_SetString(PyExc_ValueError, "bad width");
        return -1;
    }
    PyMem_Free(self->work);
    self->work = PyMem_Malloc(sizeof(uint16_t) * (size_t) T4_WORK_WORDS(width));
    if (self->work == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (t4_enc_init(&self->st, width, coding, k, min_row_bits, self->work,
                    T4_WORK_WORDS(width)) != 0) {
        PyMem_Free(self->work);
        self->work = NULL;      /* encode() refuses to run on a failed init */
        PyErr_SetString(PyExc_ValueError, "bad coding, k or min_row_bits");
        return -1;
    }
    return 0;
}

static void Encoder_dealloc(EncoderObject *self)
{
    PyMem_Free(self->work);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *space_error(void)
{
    PyErr_SetString(PyExc_ValueError, "out buffer smaller than max_row_octets()");
    return NULL;
}

static PyObject *Encoder_encode(EncoderObject *self, PyObject *args)
{
    Py_buffer row;
    Py_buffer out;
    int n;

    if (self->work == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "encoder not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*w*", &row, &out)) {
        return NULL;
    }
    if (check_row(&row, self->st.width) != 0) {
        PyBuffer_Release(&row);
        PyBuffer_Release(&out);
        return NULL;
    }
    n = t4_enc_row(&self->st, row.buf, out.buf,
                   out.len > INT_MAX ? INT_MAX : (int) out.len);
    PyBuffer_Release(&row);
    PyBuffer_Release(&out);
    if (n < 0) {
        return space_error();
    }
    return PyLong_FromLong(n);
}

static PyObject *Encoder_finish(EncoderObject *self, PyObject *args)
{
    Py_buffer out;
    int n;

    if (self->work == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "encoder not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "w*", &out)) {
        return NULL;
    }
    n = t4_enc_finish(&self->st, out.buf, out.len > INT_MAX ? INT_MAX : (int) out.len);
    PyBuffer_Release(&out);
    if (n < 0) {
        return space_error();
    }
    return PyLong_FromLong(n);
}

static PyObject *Encoder_reset(EncoderObject *self, PyObject *unused)
{
    (void) unused;
    if (self->work != NULL) {
        t4_enc_restart(&self->st);
    }
    Py_RETURN_NONE;
}

static PyObject *Encoder_get_rows(EncoderObject *self, void *closure)
{
    (void) closure;
    return PyLong_FromLong(self->st.rows);
}

static PyMethodDef Encoder_methods[] = {
    {"encode", (PyCFunction) Encoder_encode, METH_VARARGS, "encode(row, out) -> octets written"},
    {"finish", (PyCFunction) Encoder_finish, METH_VARARGS, "finish(out) -> octets written"},
    {"reset", (PyCFunction) Encoder_reset, METH_NOARGS, "start a new page"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Encoder_getset[] = {
    {"rows", (getter) Encoder_get_rows, NULL, "rows coded on this page", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxt4.Encoder",
    .tp_basicsize = sizeof(EncoderObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Encoder(width, coding, k=0, min_row_bits=0): T.4/T.6 row coder",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) Encoder_init,
    .tp_dealloc = (destructor) Encoder_dealloc,
    .tp_methods = Encoder_methods,
    .tp_getset = Encoder_getset,
};

/* ---- Decoder ---- */

static int Decoder_init(DecoderObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"width", "coding", "fill_order", NULL};
    int width;
    int coding;
    int fill_order = 2;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "ii|i", kwlist, &width, &coding,
                                     &fill_order)) {
        return -1;
    }
    if (width < 1 || width > T4_MAX_WIDTH_PELS) {
        PyErr_SetString(PyExc_ValueError, "bad width");
        return -1;
    }
    PyMem_Free(self->work);
    PyMem_Free(self->st);
    self->st = NULL;
    self->work = PyMem_Malloc(sizeof(uint16_t) * (size_t) T4_WORK_WORDS(width));
    if (self->work == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->st = PyMem_Malloc(sizeof(t4_dec_state_t));
    if (self->st == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (t4_dec_init(self->st, width, coding, fill_order, self->work,
                    T4_WORK_WORDS(width)) != 0) {
        PyMem_Free(self->st);
        self->st = NULL;
        PyErr_SetString(PyExc_ValueError, "bad coding or fill_order");
        return -1;
    }
    return 0;
}

static void Decoder_dealloc(DecoderObject *self)
{
    PyMem_Free(self->st);
    PyMem_Free(self->work);
    Py_TYPE(self)->tp_free((PyObject *) self);
}

static int dec_ready(DecoderObject *self)
{
    if (self->st == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "decoder not initialised");
        return 0;
    }
    return 1;
}

static PyObject *Decoder_feed(DecoderObject *self, PyObject *args)
{
    Py_buffer data;
    int n;

    if (!dec_ready(self) || !PyArg_ParseTuple(args, "y*", &data)) {
        return NULL;
    }
    n = t4_dec_feed(self->st, data.buf, data.len > INT_MAX ? INT_MAX : (int) data.len);
    PyBuffer_Release(&data);
    return PyLong_FromLong(n);
}

static PyObject *Decoder_row(DecoderObject *self, PyObject *args)
{
    Py_buffer row;
    int r;

    if (!dec_ready(self) || !PyArg_ParseTuple(args, "w*", &row)) {
        return NULL;
    }
    if (check_row(&row, self->st->width) != 0) {
        PyBuffer_Release(&row);
        return NULL;
    }
    r = t4_dec_row(self->st, row.buf);
    PyBuffer_Release(&row);
    return PyBool_FromLong(r);
}

static PyObject *Decoder_end(DecoderObject *self, PyObject *unused)
{
    (void) unused;
    if (!dec_ready(self)) {
        return NULL;
    }
    return PyBool_FromLong(t4_dec_ended(self->st));
}

static PyObject *Decoder_free(DecoderObject *self, PyObject *unused)
{
    (void) unused;
    if (!dec_ready(self)) {
        return NULL;
    }
    return PyLong_FromLong(t4_dec_free(self->st));
}

static PyObject *Decoder_reset(DecoderObject *self, PyObject *unused)
{
    (void) unused;
    if (!dec_ready(self)) {
        return NULL;
    }
    t4_dec_restart(self->st);
    Py_RETURN_NONE;
}

static PyObject *Decoder_get_bad_rows(DecoderObject *self, void *closure)
{
    (void) closure;
    return PyLong_FromLong(self->st == NULL ? 0 : self->st->bad_rows);
}

static PyObject *Decoder_get_rows(DecoderObject *self, void *closure)
{
    (void) closure;
    return PyLong_FromLong(self->st == NULL ? 0 : self->st->rows);
}

static PyMethodDef Decoder_methods[] = {
    {"feed", (PyCFunction) Decoder_feed, METH_VARARGS, "feed(data) -> octets accepted"},
    {"row", (PyCFunction) Decoder_row, METH_VARARGS, "row(rowbuf) -> True if a row was written"},
    {"end", (PyCFunction) Decoder_end, METH_NOARGS, "True after RTC/EOFB or an MMR error"},
    {"free", (PyCFunction) Decoder_free, METH_NOARGS, "free octets in the input ring"},
    {"reset", (PyCFunction) Decoder_reset, METH_NOARGS, "start a new page"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Decoder_getset[] = {
    {"bad_rows", (getter) Decoder_get_bad_rows, NULL, "rows that failed to decode", NULL},
    {"rows", (getter) Decoder_get_rows, NULL, "rows written on this page", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "faxt4.Decoder",
    .tp_basicsize = sizeof(DecoderObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Decoder(width, coding, fill_order=2): T.4/T.6 row decoder",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc) Decoder_init,
    .tp_dealloc = (destructor) Decoder_dealloc,
    .tp_methods = Decoder_methods,
    .tp_getset = Decoder_getset,
};

/* ---- module ---- */

static PyObject *faxt4_max_row_octets(PyObject *mod, PyObject *args)
{
    int width;
    int min_row_bits = 0;

    (void) mod;
    if (!PyArg_ParseTuple(args, "i|i", &width, &min_row_bits)) {
        return NULL;
    }
    if (width < 1 || width > T4_MAX_WIDTH_PELS || min_row_bits < 0 || min_row_bits > 65535) {
        PyErr_SetString(PyExc_ValueError, "bad width or min_row_bits");
        return NULL;
    }
    return PyLong_FromLong(t4_enc_max_octets(width, min_row_bits));
}

static PyMethodDef faxt4_methods[] = {
    {"max_row_octets", faxt4_max_row_octets, METH_VARARGS,
     "max_row_octets(width, min_row_bits=0) -> out buffer size for encode/finish"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef faxt4_module = {
    PyModuleDef_HEAD_INIT, "faxt4", "T.4/T.6 fax page row codec", -1, faxt4_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_faxt4(void)
{
    PyObject *m;

    if (PyType_Ready(&EncoderType) < 0 || PyType_Ready(&DecoderType) < 0) {
        return NULL;
    }
    m = PyModule_Create(&faxt4_module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&EncoderType);
    Py_INCREF(&DecoderType);
    if (PyModule_AddObject(m, "Encoder", (PyObject *) &EncoderType) < 0
        || PyModule_AddObject(m, "Decoder", (PyObject *) &DecoderType) < 0
        || PyModule_AddIntConstant(m, "MH", T4_CODING_MH) < 0
        || PyModule_AddIntConstant(m, "MR", T4_CODING_MR) < 0
        || PyModule_AddIntConstant(m, "MMR", T4_CODING_MMR) < 0
        || PyModule_AddIntConstant(m, "RING_OCTETS", T4_RING_OCTETS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
