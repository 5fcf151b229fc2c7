# tests/fw modules are plain MicroPython-compatible test files; the parent
# conftest puts firmware/ on sys.path for CPython.
