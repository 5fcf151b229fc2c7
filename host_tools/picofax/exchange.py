"""The simulated telephone exchange: what answers when the sim board dials.

Far ends are objects with rx(bytes) and tx(n) -> bytes (int16 little-endian, 8 kHz),
the same block interface the SpanDSP wrappers have.
"""
import json
import os


def _spandsp():
    try:
        import spandsp_peer
    except ImportError as e:
        raise RuntimeError("the SpanDSP peer is not built: run `make core` "
                           "(needs Debian's libspandsp-dev)") from e
    return spandsp_peer


class SpanDspAnswerer:
    """SpanDSP 0.0.6's fax terminal answering the call and receiving into a TIFF."""

    def __init__(self, rx_file, ident="SPANDSP", log=None):
        sp = _spandsp()
        self.rx_file = rx_file
        self.term = sp.FaxTerminal(calling=False, ident=ident, rx_file=rx_file)
        self._log = log

    def rx(self, samples):
        self.term.rx(samples)

    def tx(self, n):
        out = self.term.tx(n)
        if self._log is not None:
            for line in self.term.log():
                self._log("spandsp: " + line)
        return out

    def result(self):
        return self.term.result()


class SilentAnswerer:
    """Answered, but no fax machine: the line stays silent."""

    def rx(self, samples):
        pass

    def tx(self, n):
        return bytes(2 * n)

    def result(self):
        return {"answered_by": "silence"}


class Exchange:
    """Connects every dialled number to a new far end of one kind and keeps a record
    of each call's far-end result (written next to the received file as JSON)."""

    def __init__(self, far="spandsp", rx_dir="build/sim-received", log=None, far_log=None):
        self.far = far
        self.rx_dir = rx_dir
        self.calls = []
        self._log = log
        self._far_log = far_log

    def __call__(self, number):
        n = len(self.calls) + 1
        digits = "".join(c for c in number if c.isdigit()) or "anon"
        base = os.path.join(self.rx_dir, "call%03d-%s" % (n, digits))
        if self.far == "spandsp":
            os.makedirs(self.rx_dir, exist_ok=True)
            end = SpanDspAnswerer(base + ".tif", log=self._far_log)
        else:
            end = SilentAnswerer()
        end.base = base
        self.calls.append(end)
        if self._log:
            self._log("exchange: %s answered by %s" % (number, self.far))
        return end

    def hangup(self, end):
        result = end.result()
        if self.far == "spandsp":
            with open(end.base + ".json", "w") as f:
                json.dump(result, f, indent=1, sort_keys=True)
        if self._log:
            self._log("exchange: call ended, far end says %s" % json.dumps(result, sort_keys=True))
        return result
