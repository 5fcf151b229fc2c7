# Runs the test_* functions of one firmware test module under MicroPython.
# Usage: micropython mprun.py tests/fw/test_x.py
# The same files are collected by pytest under CPython; here there is no pytest,
# so a test module must use plain asserts and no fixtures.
import sys
import gc


def main():
    path = sys.argv[1]
    name = path.rsplit("/", 1)[-1][:-3]
    sys.path.insert(0, path.rsplit("/", 1)[0])
    mod = __import__(name)
    passed = 0
    failed = 0
    for attr in sorted(dir(mod)):
        if not attr.startswith("test_"):
            continue
        fn = getattr(mod, attr)
        gc.collect()
        try:
            fn()
            passed += 1
        except Exception as e:
            failed += 1
            print("FAIL", attr, type(e).__name__, e)
            sys.print_exception(e)
    gc.collect()
    print("mprun: %d passed, %d failed, heap free %d" % (passed, failed, gc.mem_free()))


main()
