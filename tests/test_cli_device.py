"""The CLI's device commands (picofax.device): flash onto a fake BOOTSEL drive and
through a fake picotool; deploy, config, logs and hil against the MicroPython unix
interpreter standing in for a board on a pty."""
import io
import json
import os
import pty
import re
import select
import subprocess
import threading
import time
import tty

import pytest

from conftest import FIRMWARE, MICROPYTHON
from picofax import cli, device

# A UF2 file is 512-byte blocks starting with "UF2\n" (0x0A324655 little-endian).
UF2 = b"UF2\n" + bytes(508) + b"UF2\n" + bytes(508)


class StandIn:
    """The MicroPython unix interpreter as a board: its REPL on pty 1, bridged both
    ways to pty 2, whose slave path the CLI opens as the board's serial port (a
    null modem). `link`, if given, is a symlink kept pointing at the current port,
    like /dev/serial/by-id across a board's resets. Both ptys are in raw mode, as
    a USB CDC port is (no "\\n" -> "\\r\\n" translation)."""

    def __init__(self, cwd, args=(), link=None):
        self.cwd = cwd
        self.args = list(args)
        self.link = link
        self._start()

    def _start(self):
        self.m1, s1 = pty.openpty()
        tty.setraw(s1)
        self.m2, self.s2 = pty.openpty()
        tty.setraw(self.s2)
        env = dict(os.environ)
        env["MICROPYPATH"] = FIRMWARE + ":.frozen"
        self.proc = subprocess.Popen([MICROPYTHON, "-X", "heapsize=150000w"] + self.args,
                                     stdin=s1, stdout=s1, stderr=s1, cwd=self.cwd, env=env,
                                     start_new_session=True)
        os.close(s1)
        if not self.args:
            self._wait_prompt()
        self.path = os.ttyname(self.s2)
        if self.link:
            tmp = self.link + ".new"
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)
        self._stop = False
        self.thread = threading.Thread(target=self._bridge, daemon=True)
        self.thread.start()

    def _wait_prompt(self):
        # Input typed before the REPL has put its tty in raw mode would be lost.
        buf = b""
        end = time.monotonic() + 20
        while not buf.endswith(b">>> "):
            assert time.monotonic() < end, buf
            if select.select([self.m1], [], [], 0.1)[0]:
                buf += os.read(self.m1, 4096)

    def _bridge(self):
        while not self._stop:
            try:
                ready = select.select([self.m1, self.m2], [], [], 0.05)[0]
                for fd in ready:
                    data = os.read(fd, 4096)
                    os.write(self.m2 if fd == self.m1 else self.m1, data)
            except OSError:
                return

    def stop(self):
        self._stop = True
        self.thread.join()
        self.proc.kill()
        self.proc.wait()
        for fd in (self.m1, self.m2, self.s2):
            os.close(fd)

    def reset(self, args=None):
        """The board resets: its port goes away and comes back under a new name."""
        self.stop()
        if args is not None:
            self.args = list(args)
        self._start()


@pytest.fixture
def board(tmp_path):
    d = tmp_path / "board"
    d.mkdir()
    s = StandIn(str(d))
    yield s
    s.stop()


def _cli(capsys, *argv):
    rc = cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _fake_tool(tmp_path, name, body):
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    p = bindir / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(0o755)
    return str(bindir)


# ---------------------------------------------------------------------- flash

def test_flash_copies_the_uf2_onto_the_drive_given(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "true", "exit 0\n"))  # no picotool
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nBoard-ID: RPI-RP2\n")
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(UF2)

    rc, out, err = _cli(capsys, "flash", str(uf2), "--drive", str(drive))

    assert rc == 0, err
    assert (drive / "firmware.uf2").read_bytes() == UF2


def test_flash_finds_the_bootsel_drive_under_media(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "true", "exit 0\n"))
    media = tmp_path / "media"
    drive = media / "maker" / "RP2350"
    drive.mkdir(parents=True)
    (drive / "INFO_UF2.TXT").write_text("Board-ID: RP2350\n")
    monkeypatch.setattr(device, "MEDIA_ROOTS", [str(media)])
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(UF2)

    rc, out, err = _cli(capsys, "flash", str(uf2))

    assert rc == 0, err
    assert (drive / "firmware.uf2").read_bytes() == UF2


def test_flash_without_a_board_or_with_a_bad_file_says_so(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "true", "exit 0\n"))
    monkeypatch.setattr(device, "MEDIA_ROOTS", [str(tmp_path / "nothing")])
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(UF2)
    bad = tmp_path / "firmware.bin"
    bad.write_bytes(b"\x7fELF" + bytes(60))
    notdrive = tmp_path / "stick"
    notdrive.mkdir()

    rc1, _, err1 = _cli(capsys, "flash", str(uf2))
    rc2, _, err2 = _cli(capsys, "flash", str(bad), "--drive", str(tmp_path))
    rc3, _, err3 = _cli(capsys, "flash", str(uf2), "--drive", str(notdrive))

    assert rc1 == 2 and err1.startswith("picofax: no board in BOOTSEL mode")
    assert rc2 == 2 and "is not a UF2 file" in err2
    assert rc3 == 2 and "not a BOOTSEL drive" in err3
    assert os.listdir(notdrive) == []


def test_flash_uses_picotool_on_path(tmp_path, capsys, monkeypatch):
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("PATH", _fake_tool(tmp_path, "picotool",
                                          'echo "$@" >> %s\nexit 0\n' % calls))
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(UF2)

    rc, out, err = _cli(capsys, "flash", str(uf2))

    assert rc == 0, err
    assert calls.read_text().split() == ["load", "-x", str(uf2)]


def test_flash_reports_picotool_failure(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", _fake_tool(
        tmp_path, "picotool", 'echo "No accessible RP-series devices in BOOTSEL mode" >&2\n'
        'exit 1\n'))
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(UF2)

    rc, out, err = _cli(capsys, "flash", str(uf2))

    assert rc == 2
    assert err == "picofax: picotool failed: No accessible RP-series devices in BOOTSEL mode\n"


# --------------------------------------------------------------------- deploy

def _config_file(tmp_path, values):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(values))
    return str(p)


def test_deploy_with_mpremote_puts_main_and_config_on_the_board(board, tmp_path, capsys):
    cfg = _config_file(tmp_path, {"wifi_ssid": "office", "station_id": "+1 555 0100"})

    rc, out, err = _cli(capsys, "deploy", "--port", board.path, "--config", cfg)

    assert rc == 0, err
    with open(os.path.join(FIRMWARE, "main.py"), "rb") as f:
        assert open(os.path.join(board.cwd, "main.py"), "rb").read() == f.read()
    assert json.load(open(os.path.join(board.cwd, "config.json"))) == {
        "wifi_ssid": "office", "station_id": "+1 555 0100"}


def test_deploy_over_the_raw_repl_link_copies_the_app(board, tmp_path, capsys):
    rc, out, err = _cli(capsys, "deploy", "--port", board.path, "--app", "--no-mpremote")

    assert rc == 0, err
    names = sorted(n for n in os.listdir(os.path.join(FIRMWARE, "faxbox")) if n.endswith(".py"))
    for name in names:
        with open(os.path.join(FIRMWARE, "faxbox", name), "rb") as f:
            assert open(os.path.join(board.cwd, "faxbox", name), "rb").read() == f.read(), name
    assert os.path.exists(os.path.join(board.cwd, "main.py"))
    assert "faxbox/net.py" in out


def test_deploy_refuses_a_config_with_an_unknown_key(board, tmp_path, capsys):
    cfg = _config_file(tmp_path, {"wifi_sid": "office"})

    rc, out, err = _cli(capsys, "deploy", "--port", board.path, "--config", cfg)

    assert rc == 2
    assert err == "picofax: unknown setting 'wifi_sid': did you mean wifi_ssid or wifi_password?\n"
    assert os.listdir(board.cwd) == []


# --------------------------------------------------------------------- config

def test_config_file_takes_typed_values(tmp_path, capsys):
    path = str(tmp_path / "config.json")

    rc, out, err = _cli(capsys, "config", "--file", path, "wifi_ssid=office",
                        "wifi_password=s3cret", "max_dials=4", "answer_calls=off",
                        "dtmf_on_ms=none", "media_types=application/pdf,image/tiff",
                        "country=UK", "callback_retry_first_s=10")

    assert rc == 0, err
    assert json.load(open(path)) == {
        "wifi_ssid": "office", "wifi_password": "s3cret", "max_dials": 4,
        "answer_calls": False, "dtmf_on_ms": None,
        "media_types": ["application/pdf", "image/tiff"], "country": "UK",
        "callback_retry_first_s": 10}
    shown = json.loads(out)
    assert shown["wifi_password"] == "***" and shown["wifi_ssid"] == "office"


def test_config_file_refuses_bad_values_and_keeps_the_file(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text('{"max_dials": 3}')

    r1 = _cli(capsys, "config", "--file", str(path), "max_dials=three")
    r2 = _cli(capsys, "config", "--file", str(path), "country=XX")
    r3 = _cli(capsys, "config", "--file", str(path), "blind_dial=maybe")
    r4 = _cli(capsys, "config", "--file", str(path), "ssid")

    assert [r[0] for r in (r1, r2, r3, r4)] == [2, 2, 2, 2]
    assert r1[2] == "picofax: max_dials takes a whole number, not 'three'\n"
    assert r2[2].startswith("picofax: unknown country 'XX'")
    assert r3[2] == "picofax: blind_dial takes true or false, not 'maybe'\n"
    assert r4[2] == "picofax: expected KEY=VALUE, got 'ssid'\n"
    assert json.loads(path.read_text()) == {"max_dials": 3}


def test_config_on_the_board_reads_merges_and_writes(board, capsys):
    with open(os.path.join(board.cwd, "config.json"), "w") as f:
        json.dump({"station_id": "+44 20 7946 0000", "country": "UK"}, f)

    rc, out, err = _cli(capsys, "config", "--port", board.path, "wifi_ssid=office",
                        "wifi_password=s3cret", "--unset", "country")
    rc2, out2, err2 = _cli(capsys, "config", "--port", board.path)

    assert rc == 0 and rc2 == 0, err + err2
    assert json.load(open(os.path.join(board.cwd, "config.json"))) == {
        "station_id": "+44 20 7946 0000", "wifi_ssid": "office", "wifi_password": "s3cret"}
    assert json.loads(out2) == {"station_id": "+44 20 7946 0000", "wifi_ssid": "office",
                                "wifi_password": "***"}


def test_config_written_by_the_cli_is_what_the_box_loads(board, capsys):
    rc, _, err = _cli(capsys, "config", "--port", board.path, "wifi_ssid=office",
                      "max_dials=5", "hostname=fax1")
    link = device.ReplLink(board.path)
    try:
        got = link.exec("import main\nc, n = main.load_settings()\n"
                        "print(c.max_dials, n['wifi_ssid'], n['hostname'], n['ntp_host'])")
    finally:
        link.close()

    assert rc == 0, err
    assert got.split() == ["5", "office", "fax1", "pool.ntp.org"]


# ----------------------------------------------------------------------- logs

# The script waits before printing, as a booting board does: pyserial empties the
# input buffer when it opens a port, so what a board prints before the port is
# open again is lost.
_SCRIPT = ("import time\ntime.sleep(0.5)\n"
           "for i in range(3):\n    print('%s line', i)\n    time.sleep(0.02)\n"
           "time.sleep(60)\n")


def test_logs_follow_the_board_across_a_reset(tmp_path):
    d = tmp_path / "board"
    d.mkdir()
    link = str(tmp_path / "ttyACM-picofax")
    s = StandIn(str(d), ["-c", _SCRIPT % "boot1"], link=link)
    out, err = io.StringIO(), io.StringIO()
    done = []
    t = threading.Thread(target=device.logs, args=(link,),
                         kwargs=dict(max_lines=6, duration_s=60, out=out, err=err,
                                     retry_s=0.05, stop=lambda: bool(done)))
    try:
        t.start()
        end = time.monotonic() + 20
        while out.getvalue().count("\n") < 3 and time.monotonic() < end:
            time.sleep(0.02)
        s.reset(["-c", _SCRIPT % "boot2"])
        t.join(30)
    finally:
        done.append(1)
        t.join()
        s.stop()

    lines = out.getvalue().splitlines()
    texts = [ln.split(" ", 1)[1] for ln in lines]
    assert texts == ["boot1 line 0", "boot1 line 1", "boot1 line 2",
                     "boot2 line 0", "boot2 line 1", "boot2 line 2"]
    stamps = [ln.split(" ", 1)[0] for ln in lines]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", st) for st in stamps)
    assert stamps == sorted(stamps)
    assert "went away" in err.getvalue()


def test_logs_stop_at_a_marker(tmp_path, capsys):
    d = tmp_path / "board"
    d.mkdir()
    s = StandIn(str(d), ["-c", _SCRIPT % "boot"])
    try:
        rc, out, err = _cli(capsys, "logs", "--port", s.path, "--until", "line 1",
                            "--seconds", "30")
    finally:
        s.stop()

    assert rc == 0, err
    assert [ln.split(" ", 1)[1] for ln in out.splitlines()] == ["boot line 0", "boot line 1"]


# ------------------------------------------------------------------------ hil

@pytest.fixture
def two_boards(tmp_path):
    boards = []
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        boards.append(StandIn(str(d)))
    yield boards
    for b in boards:
        b.stop()


def test_hil_without_line_hardware_fails_with_the_reason(two_boards, capsys):
    # The stand-in boards (the unix interpreter) have no pin map and no line
    # hardware: both ends report why they could not make the call.
    a, b = two_boards

    rc, out, err = _cli(capsys, "hil", "--a", a.path, "--b", b.path, "--number", "5550101",
                        "--timeout", "20")

    assert rc == 1, err
    assert "A (send): failed, 0 page(s): no pin map: module `board`" in out
    assert "B (receive): failed, 0 page(s): no pin map: module `board`" in out
    assert out.rstrip().endswith("hil: FAIL")


# The boards' call replaced (there is no line between two unix interpreters): this
# checks the orchestration and the verdict, not a fax call.
_FAKE_CALL = (
    "import main\n"
    "async def _call(board, cfg, role, number, timeout_s, log=None):\n"
    "    print('calling' if role == 'send' else 'answering', number)\n"
    "    ok = {'send': 'delivered', 'receive': 'received'}[role]\n"
    "    pages = %d if role == 'send' else %d\n"
    "    return {'status': ok, 'pages': pages, 'remote': 'X', 'error': ''}\n"
    "main.hil_call = _call\n"
    "main.board_factory = lambda cfg: object()\n")


def test_hil_passes_when_both_boards_agree(two_boards, capsys):
    a, b = two_boards

    rc, out, err = _cli(capsys, "hil", "--a", a.path, "--b", b.path, "--number", "5550101",
                        "--timeout", "20", "--preamble", _FAKE_CALL % (2, 2))

    assert rc == 0, out + err
    assert "A calling 5550101" in out and "B answering" in out
    assert "A (send): delivered, 2 page(s)" in out
    assert "B (receive): received, 2 page(s)" in out
    assert out.rstrip().endswith("hil: PASS")


def test_hil_fails_when_pages_went_missing(two_boards, capsys):
    a, b = two_boards

    rc, out, err = _cli(capsys, "hil", "--a", a.path, "--b", b.path, "--number", "5550101",
                        "--timeout", "20", "--preamble", _FAKE_CALL % (2, 1))

    assert rc == 1
    assert out.rstrip().endswith("hil: FAIL")

