"""The cross build of the C core for Cortex-M0+ and Cortex-M33, and its float check.

The check is proved on small C files written here: each breaks exactly one rule, and
the expected symbol is the one the ARM run-time ABI (RTABI) names for that operation
(single-precision multiply = __aeabi_fmul, double divide = __aeabi_ddiv, int to float
= __aeabi_i2f) or the C library name itself (sqrtf, malloc).
"""
import os
import subprocess
import sys

import pytest

from picofax import crossbuild

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CLEAN_C = """
#include <stdint.h>
/* A float in a comment is fine: 1.5f */
int16_t scale(int16_t x, int16_t g_q15)
{
    return (int16_t) (((int32_t) x * g_q15) >> 15);
}
"""


def _build(tmp_path, cpu, name, text):
    src = tmp_path / (name + ".c")
    src.write_text(text)
    objects, failures = crossbuild.compile_objects([str(src)], cpu, str(tmp_path / cpu))
    assert failures == []
    return objects


def _symbols(findings):
    return sorted(sym for _obj, sym, _reason in findings)


def test_forbidden_reason_names():
    assert crossbuild.forbidden_reason("__aeabi_fmul") == "floating-point helper"
    assert crossbuild.forbidden_reason("__aeabi_i2f") == "floating-point helper"
    assert crossbuild.forbidden_reason("__aeabi_ul2d") == "floating-point helper"
    assert crossbuild.forbidden_reason("__aeabi_cdcmple") == "floating-point helper"
    assert crossbuild.forbidden_reason("__addsf3") == "floating-point helper"
    assert crossbuild.forbidden_reason("__fixdfsi") == "floating-point helper"
    assert crossbuild.forbidden_reason("floorf") == "libm function"
    assert crossbuild.forbidden_reason("realloc") == "heap allocation"
    assert crossbuild.forbidden_reason("fprintf") == "C library I/O or OS call"
    assert crossbuild.forbidden_reason("_impure_ptr") == "C library I/O or OS call"
    # Integer helpers the core may use (division on the M0+, 64-bit shifts).
    for ok in ("__aeabi_idiv", "__aeabi_uidivmod", "__aeabi_ldivmod", "__aeabi_lmul",
               "__aeabi_llsl", "__aeabi_memcpy", "__divsi3", "__udivmoddi4", "memset",
               "fsk_tx", "dsptab_sine_q15"):
        assert crossbuild.forbidden_reason(ok) is None, ok


def test_check_catches_float_on_m0plus(tmp_path):
    objects = _build(tmp_path, "m0plus", "leak", """
float gain(float x, int n) { return x * (float) n; }
double third(double x) { return x / 3; }
""")

    findings = crossbuild.check_objects(objects, "m0plus")

    # x * (float) n: int to float then a float multiply; x / 3: a double divide.
    assert _symbols(findings) == ["__aeabi_ddiv", "__aeabi_fmul", "__aeabi_i2f"]
    assert all(obj.endswith("leak.o") for obj, _s, _r in findings)


def test_check_catches_libm_and_heap(tmp_path):
    objects = _build(tmp_path, "m0plus", "libs", """
#include <stddef.h>
float sqrtf(float);
void *malloc(size_t);
void free(void *);
int root(int x) { return (int) sqrtf((float) x); }
void *grab(void) { void *p = malloc(16); free(p); return p; }
""")

    findings = crossbuild.check_objects(objects, "m0plus")
    reasons = {sym: reason for _o, sym, reason in findings}

    assert reasons["sqrtf"] == "libm function"
    assert reasons["malloc"] == "heap allocation"
    assert reasons["free"] == "heap allocation"
    assert reasons["__aeabi_i2f"] == "floating-point helper"
    assert reasons["__aeabi_f2iz"] == "floating-point helper"


def test_check_catches_fpu_code_on_m33(tmp_path):
    # With -mfloat-abi=softfp the M33 does float in VFP registers: no helper call.
    objects = _build(tmp_path, "m33", "vfp",
                     "float gain(float x, int n) { return x * (float) n; }\n")

    findings = crossbuild.check_objects(objects, "m33")
    insns = [sym.split()[0] for _o, sym, _r in findings]

    assert "vmul.f32" in insns
    assert any(i.startswith("vcvt") for i in insns)


def test_fpu_mnemonics():
    # Float arithmetic, conversion and compare are flagged ...
    for insn in ("vmul.f32", "vadd.f64", "vcvt.s32.f32", "vcmp.f32", "vdiv.f32", "vsqrt.f32",
                 "vfma.f32", "vneg.f32"):
        assert crossbuild.is_fp_compute(insn), insn
    # ... but not the VFP data moves GCC uses for 8-byte copies in integer code
    # (seen in the V.17 trellis decoder on the M33), nor integer instructions.
    for insn in ("vldr", "vstr", "vldmia", "vstmdb", "vpush", "vpop", "vmov", "vmov.f32",
                 "ldr.w", "mul", "smlal"):
        assert not crossbuild.is_fp_compute(insn), insn


def test_check_passes_integer_code(tmp_path):
    for cpu in ("m0plus", "m33"):
        objects = _build(tmp_path, cpu, "clean", CLEAN_C)

        assert crossbuild.check_objects(objects, cpu) == []


def test_source_scan(tmp_path):
    lines = [
        "/* double in a comment, and 2.5 */",          # line 1: comment, ignored
        'static const char *name = "1.5 dB";',         # line 2: string, ignored
        "int half(int x) { return x * 0.5; }",         # line 3: float literal
        "#include <math.h>",                           # line 4: libm header
        "#include <stdio.h>",                          # line 5: I/O header
        "int big(int x) { return x * 1e3; }",          # line 6: exponent literal
        "int twice(int x) { return x * 2; }",          # line 7: integer only
        "unsigned mask = 0x1e3;",                      # line 8: hex, not a float
    ]
    src = tmp_path / "mixed.c"
    src.write_text("\n".join(lines) + "\n")

    found = [(what, reason) for _p, what, reason in crossbuild.source_findings(str(src))]

    assert found == [("line 3: 0.5", "float in source"),
                     ("line 4: #include <math.h>", "forbidden header"),
                     ("line 5: #include <stdio.h>", "forbidden header"),
                     ("line 6: 1e3", "float in source")]


def test_cli_fails_and_names_object_and_symbol(tmp_path):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "good.c").write_text(CLEAN_C)
    (src_dir / "bad.c").write_text("int lvl(int x) { return (int) (x * 1.25f); }\n")

    res = subprocess.run(
        [sys.executable, "-m", "picofax.crossbuild", "--cpu", "m0plus", "--src", str(src_dir),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "host_tools")))

    assert res.returncode == 1
    assert "bad.o references __aeabi_fmul (floating-point helper)" in res.stderr
    assert "good.o" not in res.stderr
    # The size table still lists both objects and a total.
    assert "bad.o" in res.stdout and "good.o" in res.stdout and "total" in res.stdout


def test_cli_reports_compile_errors(tmp_path):
    src_dir = tmp_path / "src"
    src_dir.mkdir()
    (src_dir / "broken.c").write_text("int f(void) { return undeclared_thing; }\n")

    res = subprocess.run(
        [sys.executable, "-m", "picofax.crossbuild", "--cpu", "m33", "--src", str(src_dir),
         "--out", str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "host_tools")))

    assert res.returncode == 1
    assert "broken.c does not compile" in res.stderr
    assert "undeclared_thing" in res.stderr


@pytest.mark.parametrize("cpu", ["m0plus", "m33"])
def test_real_core_is_integer_only(tmp_path, cpu):
    result = crossbuild.build_cpu(cpu, "-O2", str(tmp_path))

    assert result["sources"], "no C core sources found"
    assert result["failures"] == [], result["failures"]
    assert result["findings"] == [], result["findings"]
    # Every object was compiled and sized; the core keeps no static RAM of its own.
    assert len(result["sizes"]) == len(result["sources"])
    assert sum(t for t, _d, _b in result["sizes"].values()) > 0
    assert sum(d + b for _t, d, b in result["sizes"].values()) == 0
