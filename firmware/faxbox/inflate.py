# Streamed zlib inflate over any stream with readinto(), the same on both
# interpreters: MicroPython's deflate.DeflateIO on the box, and on CPython (the sim
# board, the tests) a shim over zlib.decompressobj that also produces only the
# octets asked for, so a small compressed bomb never turns into a large buffer.
# Corrupt data raises ValueError on both (MicroPython's inflater reports it as an
# OSError, EINVAL; zlib as zlib.error).
try:
    import deflate
except ImportError:
    deflate = None
    import zlib

# Compressed octets read from the source at a time.
_CHUNK_OCTETS = 512


class _ZlibStream:
    """CPython stand-in for deflate.DeflateIO(src, deflate.ZLIB)."""

    def __init__(self, src):
        self._src = src
        self._d = zlib.decompressobj()
        self._in = bytearray(_CHUNK_OCTETS)
        self._pend = b""

    def readinto(self, buf):
        want = len(buf)
        while not self._pend:
            data = self._d.unconsumed_tail
            if not data:
                if self._d.eof:
                    return 0
                n = self._src.readinto(self._in)
                if not n:
                    return 0
                data = bytes(self._in[:n])
            try:
                self._pend = self._d.decompress(data, want)
            except zlib.error as e:
                raise ValueError(str(e))
        n = min(want, len(self._pend))
        buf[:n] = self._pend[:n]
        self._pend = self._pend[n:]
        return n


class Inflater:
    """readinto(buf) of the inflated data; ValueError on corrupt data."""

    def __init__(self, src):
        if deflate is not None:
            self._z = deflate.DeflateIO(src, deflate.ZLIB)
        else:
            self._z = _ZlibStream(src)

    def readinto(self, buf):
        try:
            return self._z.readinto(buf)
        except OSError as e:
            raise ValueError("corrupt compressed data (%s)" % e)
