"""Crash safety at length: the kill-and-restart loop of tests/test_faults.py
(tests/fault/killloop.py) run for more rounds and seeds. Reports the faxes
created, the broken promises found (0 expected) and the callbacks delivered
twice (allowed: delivery is at least once).

Usage: python bench/bench_faults.py OUT.json
"""
import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "fault"))
import killloop  # noqa: E402

RUNS = ((150, 1), (150, 2), (100, 3))  # (rounds, seed)


def main():
    rows = []
    problems_all = []
    total = {"rounds": 0, "faxes": 0, "problems": 0, "duplicates": 0}
    for rounds, seed in RUNS:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.time()
            res = killloop.kill_loop(os.path.join(tmp, "data"), rounds, seed)
            problems = killloop.check(res)
            dup = killloop.duplicates(res)
            statuses = {}
            for f in res["faxes"].values():
                statuses[f["status"]] = statuses.get(f["status"], 0) + 1
            rows.append([seed, rounds, len(res["created"]), len(problems), dup,
                         len(res["tmp_files"]),
                         ", ".join("%s %d" % kv for kv in sorted(statuses.items())),
                         round(time.time() - t0, 1)])
            problems_all += problems[:5]
            total["rounds"] += rounds
            total["faxes"] += len(res["created"])
            total["problems"] += len(problems)
            total["duplicates"] += dup
    report = {
        "title": "Box killed (SIGKILL) at random points and restarted",
        "summary": total,
        "tables": [{"title": "Kill loops", "columns": [
            "seed", "kills", "faxes", "broken promises", "duplicate callbacks",
            ".tmp left by a kill", "final statuses", "seconds"], "rows": rows}],
        "notes": ["first problems: %s" % problems_all[:10]] if problems_all else [],
    }
    with open(sys.argv[1], "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
