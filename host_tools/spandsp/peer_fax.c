/* FaxTerminal: placeholder while the modem wrappers are tested. */
#include "peer.h"

PyTypeObject PeerFaxTerminalType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "spandsp_peer.FaxTerminal",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
};
