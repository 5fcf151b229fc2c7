# Durable JSON records in the box's data folder.
#
# Every record is written whole to "<name>.tmp", flushed, synced and renamed
# over "<name>": rename replaces the directory entry in one step (littlefs
# and POSIX both do this), so a power cut leaves the old or the new record,
# never half of one. Stray ".tmp" files are the trace of a cut mid-write and
# are ignored by listdir() and removed by sweep().
import json
import os

_TMP = ".tmp"
_S_IFDIR = 0x4000


def _sync(f):
    """Push `f` to the medium. CPython: fsync on the descriptor. MicroPython
    has no fsync; rp2 has os.sync() (the unix port has neither, and littlefs
    commits on close anyway)."""
    f.flush()
    fsync = getattr(os, "fsync", None)
    if fsync is not None:
        fsync(f.fileno())
        return
    sync = getattr(os, "sync", None)
    if sync is not None:
        sync()


def _isdir(p):
    try:
        return (os.stat(p)[0] & _S_IFDIR) != 0
    except OSError:
        return False


class Store:
    """Records as JSON files below `root`; `rel` names are '/'-separated."""

    def __init__(self, root):
        self.root = root.rstrip("/") or "/"
        self.makedirs("")

    def path(self, rel):
        if not rel:
            return self.root
        return self.root + "/" + rel

    def exists(self, rel):
        try:
            os.stat(self.path(rel))
            return True
        except OSError:
            return False

    def isdir(self, rel):
        return _isdir(self.path(rel))

    def makedirs(self, rel):
        """Create `rel` and its parents under root (no error if present)."""
        parts = [x for x in self.root.split("/") if x]
        if rel:
            parts += [x for x in rel.split("/") if x]
        p = "/" if self.root.startswith("/") else ""
        for part in parts:
            p = p + part
            try:
                os.mkdir(p)
            except OSError:
                if not _isdir(p):
                    raise
            p = p + "/"

    def write(self, rel, record):
        """Atomically replace record `rel` with the JSON of `record`."""
        final = self.path(rel)
        tmp = final + _TMP
        f = open(tmp, "w")
        try:
            json.dump(record, f)
            _sync(f)
        finally:
            f.close()
        os.rename(tmp, final)

    def read(self, rel):
        """The record `rel`, or None if it does not exist or is not valid
        JSON (a record is only ever replaced whole, so an unreadable one
        was damaged outside the box's control)."""
        try:
            f = open(self.path(rel))
        except OSError:
            return None
        try:
            return json.load(f)
        except ValueError:
            return None
        finally:
            f.close()

    def remove(self, rel):
        try:
            os.remove(self.path(rel))
            return True
        except OSError:
            return False

    def listdir(self, rel):
        """Sorted entry names in folder `rel` without temporary files; an
        empty list if the folder does not exist."""
        try:
            names = os.listdir(self.path(rel))
        except OSError:
            return []
        names = [n for n in names if not n.endswith(_TMP)]
        names.sort()
        return names

    def sweep(self, rel):
        """Remove the temporary files a power cut left in folder `rel`."""
        try:
            names = os.listdir(self.path(rel))
        except OSError:
            return
        for n in names:
            if n.endswith(_TMP):
                self.remove(rel + "/" + n)

    def remove_tree(self, rel):
        """Remove folder `rel` and everything below it."""
        if not self.isdir(rel):
            self.remove(rel)
            return
        for n in os.listdir(self.path(rel)):
            self.remove_tree(rel + "/" + n)
        os.rmdir(self.path(rel))
