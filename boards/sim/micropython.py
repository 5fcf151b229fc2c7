"""CPython stand-in for MicroPython's built-in `micropython` module, so the firmware
package runs unchanged on the sim board. Only what the firmware uses is here."""


def const(x):
    return x


def native(f):
    return f


def viper(f):
    return f


def mem_info(*args):
    pass
