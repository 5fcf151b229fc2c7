"""The device-side commands of the CLI: flash, deploy, config, logs, hil.

Talking to a board. Boards are reached over their USB serial port with pyserial.
`ReplLink` speaks MicroPython's raw REPL (Ctrl-A; code, Ctrl-D; "OK", output,
Ctrl-D, error, Ctrl-D, ">"), which every port has, and moves files as base64
lines that the board decodes with binascii, so no agent has to run on the board.
`deploy` uses mpremote by default (`--no-mpremote`: this link).

The tests stand a MicroPython unix interpreter in for a board on a pty. Found
out while writing them (unix build 9458e3a23f): its REPL has the raw REPL and
raw-paste mode, but only when the pty is in raw mode (with the default
output processing every "\n" becomes "\r\r\n" and the banner does not match),
and it has no soft reset, so mpremote works against it with `resume` (no soft
reset before the first command). `deploy` always passes `resume`: on a real
board the running program is interrupted with Ctrl-C instead of a reset.
"""
import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIRMWARE = os.path.join(ROOT, "firmware")

# Names the RP2040 and RP2350 boot ROMs give their USB drive in BOOTSEL mode;
# the drive holds INFO_UF2.TXT.
BOOTSEL_LABELS = ("RPI-RP2", "RP2350")
MEDIA_ROOTS = ["/media", "/run/media"]
# First word of every UF2 block ("UF2\n", little-endian; UF2 specification).
UF2_MAGIC = b"UF2\n"

# Base64 characters per statement sent to the raw REPL: 3,072 bytes of file, a
# small allocation on the board.
_B64_LINE_CHARS = 4096
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
HIL_TAG = "HIL-RESULT "
# Reaching the REPL stops the program the board was running (Ctrl-C).
_RESTART_NOTE = ("picofax: the box's program was stopped to reach its REPL; restart the "
                 "board (`mpremote reset`, or unplug it) to run it with the changes")


class DeviceError(Exception):
    """A board or a drive did not do what was asked (one line for the user)."""


def _secret(key):
    return key in ("wifi_password", "auth_token")


# ---------------------------------------------------------------------- flash

def find_bootsel_drive(roots=None):
    """The mounted BOOTSEL drive (a folder named RPI-RP2 or RP2350 holding
    INFO_UF2.TXT, up to two levels under /media or /run/media), or None."""
    for root in roots or MEDIA_ROOTS:
        if not os.path.isdir(root):
            continue
        candidates = [root]
        for name in sorted(os.listdir(root)):
            candidates.append(os.path.join(root, name))
        for parent in candidates:
            if not os.path.isdir(parent):
                continue
            for label in BOOTSEL_LABELS:
                d = os.path.join(parent, label)
                if os.path.isfile(os.path.join(d, "INFO_UF2.TXT")):
                    return d
    return None


def check_uf2(path):
    if not os.path.isfile(path):
        raise DeviceError("no such firmware file: %s (build it with `make firmware`)" % path)
    with open(path, "rb") as f:
        head = f.read(4)
    if head != UF2_MAGIC:
        raise DeviceError("%s is not a UF2 file" % path)


def flash(uf2, picotool=None, drive=None, out=None):
    """Writes `uf2` to a board in BOOTSEL mode: onto `drive` when given, else
    with picotool (given, or found on PATH), else onto the BOOTSEL drive found
    under /media. Returns how it was done."""
    check_uf2(uf2)
    if drive is None:
        tool = picotool or shutil.which("picotool")
        if tool:
            r = subprocess.run([tool, "load", "-x", uf2], capture_output=True, text=True)
            if r.returncode != 0:
                raise DeviceError("picotool failed: %s"
                                  % (r.stderr.strip() or r.stdout.strip() or r.returncode))
            print("flashed %s with picotool" % uf2, file=out or sys.stdout)
            return "picotool"
        drive = find_bootsel_drive()
        if drive is None:
            raise DeviceError("no board in BOOTSEL mode: hold BOOTSEL while plugging it in "
                              "(or `mpremote bootloader`), or give --drive or --picotool")
    if not os.path.isfile(os.path.join(drive, "INFO_UF2.TXT")):
        raise DeviceError("%s is not a BOOTSEL drive (no INFO_UF2.TXT)" % drive)
    dst = os.path.join(drive, os.path.basename(uf2))
    with open(uf2, "rb") as src, open(dst, "wb") as f:
        shutil.copyfileobj(src, f)
        f.flush()
        os.fsync(f.fileno())
    print("copied %s to %s; the board restarts with it" % (uf2, drive), file=out or sys.stdout)
    return "drive"


# ------------------------------------------------------------------- the link

class ReplLink:
    """Runs Python on a board through its REPL over a serial port."""

    def __init__(self, port, timeout_s=10.0, baud=115200):
        import serial
        self.timeout_s = timeout_s
        try:
            self.ser = serial.serial_for_url(port, baud, timeout=0.05)
        except (serial.SerialException, OSError) as e:
            raise DeviceError("cannot open %s: %s" % (port, e))
        self.port = port
        self.raw = False  # in the raw REPL
        self._buf = bytearray()
        self._enter()

    def close(self):
        if self.raw:
            self.ser.write(b"\x02")  # back to the friendly REPL
        self.ser.close()

    def _read_until(self, ending, timeout_s=None):
        """Bytes up to and including `ending`; what follows stays buffered."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            i = self._buf.find(ending)
            if i >= 0:
                got = bytes(self._buf[:i + len(ending)])
                del self._buf[:i + len(ending)]
                return got
            chunk = self.ser.read(max(1, self.ser.in_waiting))
            if chunk:
                self._buf += chunk
            elif time.monotonic() > deadline:
                raise DeviceError("no answer from the board on %s (waited for %r, got %r)"
                                  % (self.port, ending, bytes(self._buf[-200:])))

    def _drain(self, quiet_s=0.2):
        self._buf = bytearray()
        end = time.monotonic() + quiet_s
        while time.monotonic() < end:
            if self.ser.read(4096):
                end = time.monotonic() + quiet_s

    def _enter(self):
        # Stop whatever runs (Ctrl-C twice), then ask for the raw REPL (Ctrl-A).
        self.ser.write(b"\r\x03\x03")
        self._drain()
        self.ser.write(b"\r\x01")
        self._read_until(_RAW_BANNER)
        self.raw = True

    def exec(self, code, timeout_s=None):
        """Runs `code` (one or more lines) on the board; its output as str.
        DeviceError carries the board's traceback when the code raises."""
        return self._exec_raw(code, timeout_s)

    def _exec_raw(self, code, timeout_s):
        self.ser.write(code.encode() + b"\x04")
        self._read_until(b"OK", timeout_s)
        out = self._read_until(b"\x04", timeout_s)[:-1]
        err = self._read_until(b"\x04", timeout_s)[:-1]
        self._read_until(b">", timeout_s)
        if err:
            # The traceback's last line names the error; one line for the user.
            lines = err.decode(errors="replace").strip().splitlines()
            raise DeviceError("the board said: %s" % (lines[-1] if lines else "?"))
        return out.decode(errors="replace").replace("\r\n", "\n")

    def send_line(self, code):
        """Starts `code` without waiting for it to end (hil)."""
        self.ser.write(code.encode() + b"\x04")

    def put(self, data, remote):
        """Writes bytes `data` to the file `remote` on the board."""
        parent = remote.rsplit("/", 1)[0] if "/" in remote else ""
        if parent:
            self.exec("import os\np=''\nfor n in %r.split('/'):\n"
                      "    p=n if not p else p+'/'+n\n"
                      "    try:\n        os.mkdir(p)\n    except OSError:\n        pass\n"
                      % parent)
        self.exec("_f=open(%r,'wb')" % remote)
        step = _B64_LINE_CHARS // 4 * 3
        for i in range(0, len(data), step):
            chunk = base64.b64encode(data[i:i + step]).decode()
            self.exec("import binascii;_f.write(binascii.a2b_base64('%s'))" % chunk)
        self.exec("_f.close();del _f")

    def get(self, remote):
        """The bytes of the file `remote` on the board; None when it does not exist."""
        out = self.exec(
            "import binascii\ntry:\n    _f=open(%r,'rb')\nexcept OSError:\n    print('-')\n"
            "else:\n    while True:\n        b=_f.read(%d)\n        if not b:\n            break\n"
            "        print(binascii.b2a_base64(b).decode().strip())\n    _f.close()\n"
            % (remote, _B64_LINE_CHARS // 4 * 3))
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        if lines == ["-"]:
            return None
        return b"".join(base64.b64decode(ln) for ln in lines)


# --------------------------------------------------------------------- deploy

def deploy_files(config_path=None, app=False):
    """(local path, board path) pairs that `deploy` copies."""
    files = [(os.path.join(FIRMWARE, "main.py"), "main.py")]
    if app:
        pkg = os.path.join(FIRMWARE, "faxbox")
        for dirpath, _, names in sorted(os.walk(pkg)):
            rel = os.path.relpath(dirpath, FIRMWARE).replace(os.sep, "/")
            for name in sorted(names):
                if name.endswith(".py"):
                    files.append((os.path.join(dirpath, name), rel + "/" + name))
    if config_path:
        if not os.path.isfile(config_path):
            raise DeviceError("no such config file: %s (make one with `picofax config "
                              "--file %s KEY=VALUE ...`)" % (config_path, config_path))
        with open(config_path) as f:
            validate(json.load(f))
        files.append((config_path, "config.json"))
    return files


def deploy(port, config_path=None, app=False, use_mpremote=False, out=None):
    files = deploy_files(config_path, app)
    if use_mpremote:
        # The one installed with picofax (next to this Python), else PATH's.
        tool = os.path.join(os.path.dirname(sys.executable), "mpremote")
        if not os.access(tool, os.X_OK):
            tool = shutil.which("mpremote")
        if not tool:
            raise DeviceError("mpremote not found on PATH (pip install mpremote)")
        cmd = [tool, "connect", port, "resume"]
        for local, remote in files:
            if "/" in remote:
                cmd += ["fs", "mkdir", ":" + remote.rsplit("/", 1)[0], "+"]
            cmd += ["fs", "cp", local, ":" + remote, "+"]
        r = subprocess.run(cmd[:-1], capture_output=True, text=True)
        if r.returncode != 0:
            raise DeviceError("mpremote failed: %s" % (r.stderr.strip() or r.stdout.strip()))
    else:
        link = ReplLink(port)
        try:
            for local, remote in files:
                with open(local, "rb") as f:
                    link.put(f.read(), remote)
        finally:
            link.close()
    for local, remote in files:
        print("%s -> :%s" % (os.path.relpath(local), remote), file=out or sys.stdout)
    print(_RESTART_NOTE, file=sys.stderr)
    return files


# --------------------------------------------------------------------- config

def allowed_settings():
    """{key: default} of every setting config.json may hold: the box's
    (faxbox/config.py) and the network's (faxbox/net.py)."""
    from picofax import simbox
    simbox.add_paths()
    from faxbox import config, net
    allowed = dict(config._DEFAULTS)
    allowed.update(net.NET_DEFAULTS)
    return allowed


def parse_value(key, text, default):
    """`text` from the command line as the type of the setting's default."""
    if isinstance(default, bool):
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise DeviceError("%s takes true or false, not %r" % (key, text))
    if isinstance(default, int) or default is None:
        if default is None and text.lower() in ("", "none", "null", "default"):
            return None
        try:
            return int(text)
        except ValueError:
            raise DeviceError("%s takes a whole number, not %r" % (key, text))
    if isinstance(default, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _unknown(key, allowed):
    import difflib
    near = difflib.get_close_matches(key, list(allowed), n=3)
    hint = ("did you mean %s?" % " or ".join(near)) if near else \
        "the settings are those of firmware/faxbox/config.py and faxbox/net.py"
    return DeviceError("unknown setting %r: %s" % (key, hint))


def validate(values):
    allowed = allowed_settings()
    for key in values:
        if key not in allowed:
            raise _unknown(key, allowed)
    return values


def apply_settings(values, assignments, unset=()):
    """`values` with KEY=VALUE strings applied and `unset` keys removed."""
    allowed = allowed_settings()
    values = dict(values)
    for a in assignments:
        key, eq, text = a.partition("=")
        key = key.strip()
        if not eq:
            raise DeviceError("expected KEY=VALUE, got %r" % a)
        if key not in allowed:
            raise _unknown(key, allowed)
        values[key] = parse_value(key, text, allowed[key])
    for key in unset:
        values.pop(key, None)
    if "country" in values:
        from faxbox import countries
        try:
            countries.get(values["country"])
        except ValueError:
            raise DeviceError("unknown country %r: choose one of %s"
                              % (values["country"], ", ".join(sorted(countries.PROFILES))))
    return values


def shown(values):
    """The settings for printing, secrets masked."""
    return {k: ("***" if _secret(k) and values[k] else values[k]) for k in sorted(values)}


def configure(assignments, unset=(), path=None, port=None, out=None):
    """Reads config.json (the local file `path` or the board's on `port`),
    applies the changes, writes it back when there were any; returns the settings."""
    if (path is None) == (port is None):
        raise DeviceError("give --file PATH (a local config.json) or --port (the board's)")
    link = None
    if port is not None:
        link = ReplLink(port)
        raw = link.get("config.json")
    else:
        raw = None
        if os.path.exists(path):
            with open(path, "rb") as f:
                raw = f.read()
    try:
        current = json.loads(raw) if raw else {}
        validate(current)
        values = apply_settings(current, assignments, unset)
        if assignments or unset:
            data = (json.dumps(values, indent=1, sort_keys=True) + "\n").encode()
            if link is not None:
                link.put(data, "config.json")
            else:
                tmp = path + ".tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
    finally:
        if link is not None:
            link.close()
    print(json.dumps(shown(values), indent=1), file=out or sys.stdout)
    if port is not None:
        print(_RESTART_NOTE, file=sys.stderr)
    return values


# ----------------------------------------------------------------------- logs

def _stamp():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def logs(port, max_lines=None, until=None, duration_s=None, out=None, err=None,
         retry_s=0.5, stop=None):
    """Prints the board's output line by line with a UTC timestamp, opening the
    port again whenever the board goes away (a reset re-enumerates USB).
    Stops after max_lines lines, a line containing `until`, duration_s, or
    when `stop()` returns True. What the board prints while the port is closed
    is lost (pyserial empties the input buffer when it opens a port)."""
    import serial
    deadline = time.monotonic() + duration_s if duration_s else None
    count = 0
    ser = None
    waiting_said = False
    pending = b""
    while True:
        if (deadline is not None and time.monotonic() > deadline) or (stop and stop()):
            if ser is not None:
                ser.close()
            return count
        if ser is None:
            try:
                ser = serial.serial_for_url(port, 115200, timeout=0.2)
                print("picofax: reading %s" % port, file=err or sys.stderr)
                waiting_said = False
            except (serial.SerialException, OSError):
                if not waiting_said:
                    print("picofax: waiting for %s" % port, file=err or sys.stderr)
                    waiting_said = True
                time.sleep(retry_s)
                continue
        try:
            chunk = ser.readline()
        except (serial.SerialException, OSError):
            print("picofax: %s went away (reset?); reopening" % port, file=err or sys.stderr)
            ser.close()
            ser = None
            continue
        if not chunk:
            continue
        pending += chunk
        if not pending.endswith(b"\n"):
            continue
        line = pending.decode(errors="replace").rstrip("\r\n")
        pending = b""
        print("%s %s" % (_stamp(), line), file=out or sys.stdout, flush=True)
        count += 1
        if (max_lines and count >= max_lines) or (until and until in line):
            ser.close()
            return count


# ------------------------------------------------------------------------ hil

def hil(port_a, port_b, number, timeout_s=300, preamble="", out=None):
    """Board A sends a test fax to `number` (board B's line), board B answers;
    both print a HIL-RESULT line (firmware/main.py hil()). Returns
    (passed, result_a, result_b). `preamble` is run on both boards first."""
    links = []
    try:
        for port in (port_a, port_b):
            links.append(ReplLink(port))
        if preamble:
            for link in links:
                link.exec(preamble)
        a, b = links
        b.send_line("import main;main.hil('receive','',%d)" % timeout_s)
        b._read_until(b"OK")  # the raw REPL took the code; the call runs
        a.send_line("import main;main.hil('send',%r,%d)" % (number, timeout_s))
        a._read_until(b"OK")
        results = [None, None]
        buffers = [bytes(a._buf), bytes(b._buf)]
        deadline = time.monotonic() + timeout_s + 30
        while None in results:
            if time.monotonic() > deadline:
                raise DeviceError("no result from board %s within %d s"
                                  % ("AB"[results.index(None)], timeout_s + 30))
            for i, link in enumerate(links):
                if results[i] is not None:
                    continue
                buffers[i] += link.ser.read(4096)
                while b"\n" in buffers[i]:
                    raw, _, buffers[i] = buffers[i].partition(b"\n")
                    line = raw.decode(errors="replace").strip().strip("\x04>")
                    at = line.find(HIL_TAG)
                    if at >= 0:
                        results[i] = json.loads(line[at + len(HIL_TAG):])
                    elif line:
                        print("%s %s" % ("AB"[i], line), file=out or sys.stdout)
    finally:
        for link in links:
            link.ser.close()
    ra, rb = results
    passed = (ra.get("status") == "delivered" and rb.get("status") == "received"
              and ra.get("pages", 0) >= 1 and ra.get("pages") == rb.get("pages"))
    for name, r in (("A (send)", ra), ("B (receive)", rb)):
        print("%s: %s, %d page(s)%s" % (name, r.get("status"), r.get("pages", 0),
                                        (": " + r["error"]) if r.get("error") else ""),
              file=out or sys.stdout)
    print("hil: %s" % ("PASS" if passed else "FAIL"), file=out or sys.stdout)
    return passed, ra, rb
