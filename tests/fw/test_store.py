# faxbox.store: whole-record writes via write-then-rename.
# Runs under CPython (pytest) and MicroPython (tests/mpy/mprun.py).
import os

from faxbox.store import Store


def _fresh_root(tag):
    # A private folder under build/ (no tempfile module on MicroPython).
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    root = here + "/../../build/fwtest/" + tag + "-" + "".join(
        "%02x" % b for b in os.urandom(4))
    return root


def _cleanup(store):
    store.remove_tree("")


def test_write_read_round_trip():
    s = Store(_fresh_root("store-rt"))
    rec = {"sid": "FX" + "a" * 32, "n": 3, "none": None, "ok": True, "s": "\u00e4"}

    s.write("r.json", rec)

    assert s.read("r.json") == rec
    assert s.listdir("") == ["r.json"]
    _cleanup(s)


def test_overwrite_replaces_whole_record_and_leaves_no_temp_file():
    s = Store(_fresh_root("store-ow"))
    s.write("r.json", {"v": "x" * 500})

    s.write("r.json", {"v": 1})

    assert s.read("r.json") == {"v": 1}
    assert os.listdir(s.path("")) == ["r.json"]
    _cleanup(s)


def test_cut_during_write_leaves_old_record_and_sweep_removes_temp():
    s = Store(_fresh_root("store-cut"))
    s.makedirs("jobs")
    s.write("jobs/a.json", {"v": "old"})
    # A power cut after part of the new version reached the temp file:
    f = open(s.path("jobs/a.json.tmp"), "w")
    f.write('{"v": "ne')
    f.close()

    assert s.read("jobs/a.json") == {"v": "old"}
    assert s.listdir("jobs") == ["a.json"]
    s.sweep("jobs")
    assert sorted(os.listdir(s.path("jobs"))) == ["a.json"]
    _cleanup(s)


def test_missing_and_damaged_records_read_as_none():
    s = Store(_fresh_root("store-bad"))
    f = open(s.path("bad.json"), "w")
    f.write("{not json")
    f.close()

    assert s.read("nope.json") is None
    assert s.read("bad.json") is None
    assert s.listdir("no-such-folder") == []
    _cleanup(s)


def test_makedirs_nested_exists_and_remove_tree():
    s = Store(_fresh_root("store-tree"))

    s.makedirs("spool/FX1/pages")
    s.makedirs("spool/FX1/pages")  # second call is not an error
    s.write("spool/FX1/pages/p1.json", [1])
    s.write("spool/FX1/m.json", [2])

    assert s.isdir("spool/FX1/pages")
    assert s.exists("spool/FX1/m.json")
    s.remove_tree("spool/FX1")
    assert not s.exists("spool/FX1")
    assert s.isdir("spool")
    assert s.remove("spool/none.json") is False
    _cleanup(s)


def test_listdir_is_sorted():
    s = Store(_fresh_root("store-sort"))
    for name in ("0000000010.json", "0000000002.json", "0000000001.json"):
        s.write(name, {})

    assert s.listdir("") == ["0000000001.json", "0000000002.json",
                             "0000000010.json"]
    _cleanup(s)
