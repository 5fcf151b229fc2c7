"""`make bench`: run every benchmark in bench/ and write bench/report.json (figures
for machines) and bench/report.md (the same for people).

A benchmark is a script bench/bench_*.py that writes one JSON file to the path given
as its first argument:
    {"title": str, "summary": {name: value, ...},
     "tables": [{"title": str, "columns": [...], "rows": [[...], ...]}], "notes": [str]}
Benchmarks measure; they never pass or fail on a number. A benchmark that crashes is
reported as such and the others still run.
"""
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
_TIMEOUT_S = 3600


def run_all(only=None):
    out_dir = os.path.join(BENCH, "out")
    os.makedirs(out_dir, exist_ok=True)
    report = {"generated_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "benchmarks": {}}
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, p) for p in (
        "build/ext", "host_tools", "firmware", "boards/sim")] + [env.get("PYTHONPATH", "")])
    for script in sorted(glob.glob(os.path.join(BENCH, "bench_*.py"))):
        name = os.path.basename(script)[len("bench_"):-3]
        if only and name not in only:
            continue
        out = os.path.join(out_dir, name + ".json")
        if os.path.exists(out):
            os.remove(out)
        print("bench %s ..." % name, file=sys.stderr, flush=True)
        t0 = time.time()
        try:
            res = subprocess.run([sys.executable, script, out], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=_TIMEOUT_S)
            ok = res.returncode == 0 and os.path.exists(out)
            err = (res.stdout + res.stderr)[-2000:]
        except subprocess.TimeoutExpired:
            ok, err = False, "timed out after %d s" % _TIMEOUT_S
        entry = {"seconds": round(time.time() - t0, 1)}
        if ok:
            with open(out) as f:
                entry.update(json.load(f))
        else:
            entry["error"] = err
        report["benchmarks"][name] = entry
    with open(os.path.join(BENCH, "report.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    with open(os.path.join(BENCH, "report.md"), "w") as f:
        f.write(to_markdown(report))
    return report


def _cell(v):
    if isinstance(v, float):
        return "%.3g" % v
    return str(v)


def to_markdown(report):
    lines = ["# Benchmark report", "", "Generated %s by `make bench`." % report["generated_utc"],
             ""]
    for name, b in report["benchmarks"].items():
        lines.append("## %s" % b.get("title", name))
        lines.append("")
        if "error" in b:
            lines += ["**Did not complete:**", "", "```", b["error"], "```", ""]
            continue
        for k, v in b.get("summary", {}).items():
            lines.append("- %s: %s" % (k, _cell(v)))
        if b.get("summary"):
            lines.append("")
        for t in b.get("tables", []):
            if t.get("title"):
                lines += ["**%s**" % t["title"], ""]
            lines.append("| " + " | ".join(t["columns"]) + " |")
            lines.append("|" + "---|" * len(t["columns"]))
            for row in t["rows"]:
                lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
            lines.append("")
        for n in b.get("notes", []):
            lines.append("> " + n)
        lines.append("_(%s s)_" % b["seconds"])
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    report = run_all(set(argv) or None)
    failed = [n for n, b in report["benchmarks"].items() if "error" in b]
    print("bench: %d benchmark(s), report in bench/report.md%s" % (
        len(report["benchmarks"]), "; did not complete: " + ", ".join(failed) if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
