# The box's entry point on the board: MicroPython runs /main.py after boot.
#
# It reads /config.json, starts the network and the status LED, builds the board
# object (line, audio, clock) through board_factory(), and runs the app
# (faxbox.app.run). The pin map comes from the frozen module `board`
# (boards/<name>/board.py).
#
# The DAA/codec drivers are not written yet (faxbox.drivers): until they exist,
# board_factory() raises, the LED shows the error pattern, and the network and
# the REPL stay up so the box can still be configured and its log read.
#
# `hil(role, number, timeout_s)` is the device side of `picofax hil`: it places
# or answers one test call and prints one line "HIL-RESULT {json}".
import asyncio
import json

CONFIG_PATH = "config.json"
HIL_TAG = "HIL-RESULT "
# The HIL test page: a PBM (P4) of this many rows at 1728 pels, a bar pattern.
_HIL_ROWS = 64
_HIL_WIDTH_PELS = 1728
NO_DRIVER = "no line hardware driver for this board yet"


def _log(line):
    print(line)


def load_settings(path=CONFIG_PATH):
    """(faxbox.config.Config, network settings dict) from the JSON file at
    `path`: the Wi-Fi/time keys (faxbox.net.NET_DEFAULTS) go to the network,
    every other key to the box's Config (unknown keys raise ValueError)."""
    from faxbox import config
    from faxbox import net
    try:
        f = open(path)
    except OSError:
        values = {}
    else:
        try:
            values = json.load(f)
        finally:
            f.close()
    net_settings = {}
    for key in net.NET_DEFAULTS:
        net_settings[key] = values.pop(key, net.NET_DEFAULTS[key])
    return config.Config(**values), net_settings


def board_factory(config):
    """The board object the app runs on (DESIGN.md §3: line, audio, clock),
    built by faxbox.drivers.make_board(pins, config) from the frozen pin map
    `board`. RuntimeError while the drivers are not there."""
    try:
        from faxbox import drivers
    except ImportError:
        raise RuntimeError(NO_DRIVER + " (faxbox.drivers is missing)")
    make_board = getattr(drivers, "make_board", None)
    if make_board is None:
        raise RuntimeError(NO_DRIVER + " (faxbox.drivers has no make_board)")
    try:
        import board
    except ImportError:
        raise RuntimeError("no pin map: module `board` (boards/<name>/board.py) is missing")
    return make_board(board, config)


def _make_led(board_mod=None):
    from faxbox import led
    try:
        import machine
        if board_mod is None:
            import board as board_mod
        return led.Led(machine.Pin(board_mod.LED, machine.Pin.OUT))
    except (ImportError, AttributeError, ValueError):
        return None  # no LED pin on this port (the unix stand-in)


def _set_rtc(unix_s):
    import time
    import machine
    tm = time.gmtime(unix_s)
    # RTC.datetime takes (year, month, day, weekday, hours, minutes, seconds, subseconds).
    machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6], tm[3], tm[4], tm[5], 0))


async def _main(log=_log):
    import network
    import socket
    from faxbox import led
    from faxbox import net
    cfg, net_settings = load_settings()
    nw = net.Net(network, net_settings, set_time=_set_rtc, socket_mod=socket, log=log)
    asyncio.create_task(nw.run())
    status = {"error": False, "board": None}

    def in_call():
        board = status["board"]
        return board is not None and bool(getattr(board.line, "off", False))
    ld = _make_led()
    if ld is not None:
        asyncio.create_task(ld.run(lambda: led.state_for(nw.state(), in_call(),
                                                         status["error"])))
    try:
        board = board_factory(cfg)
        status["board"] = board
    except RuntimeError as e:
        status["error"] = True
        log("picofax: %s; network and REPL stay up" % e)
        while True:
            await asyncio.sleep(3600)
    from faxbox import app
    await app.run(board, cfg, "0.0.0.0", 80, log)


def main():
    asyncio.run(_main())


def _hil_page(path):
    """A one-page test document: vertical bars 8 pels wide, every row alike."""
    row_octets = _HIL_WIDTH_PELS // 8
    f = open(path, "wb")
    try:
        f.write(b"P4\n%d %d\n" % (_HIL_WIDTH_PELS, _HIL_ROWS))
        row = bytes([0xFF, 0x00]) * (row_octets // 2)
        for _ in range(_HIL_ROWS):
            f.write(row)
    finally:
        f.close()


async def hil_call(board, cfg, role, number, timeout_s, log=_log):
    """Place (role "send") or answer (role "receive") one fax call on `board`;
    a dict with status, pages and the far station id."""
    import os
    spool_dir = cfg.data_dir + "/hil"
    _mkdirs(spool_dir)
    if role == "send":
        from faxbox import app
        from faxbox import document
        src = spool_dir + "/test.pbm"
        _hil_page(src)
        n = document.prepare(src, spool_dir, "fine")
        os.remove(src)
        job = {"sid": "FXhil", "to": number, "num_pages": n, "quality": "fine"}
        out = await asyncio.wait_for(app.make_send(board, cfg, log)(job, spool_dir), timeout_s)
    elif role == "receive":
        import faxmodem
        import faxt4
        from faxbox import answer
        from faxbox import rxpages
        sink = rxpages.SpoolSink(spool_dir, faxt4, log)
        out = await answer.receive_fax(board, faxmodem, sink, log, ident=cfg.station_id,
                                       line_cfg=cfg, max_wait_ms=timeout_s * 1000)
        if out is None:
            return {"status": "no-answer", "pages": 0, "remote": "",
                    "error": "no call within %d s" % timeout_s}
    else:
        raise ValueError("role must be send or receive")
    return {"status": out.status, "pages": out.num_pages or 0,
            "remote": out.remote_station_id or "", "error": out.error_message or ""}


def _mkdirs(path):
    import os
    part = ""
    for name in path.split("/"):
        part = name if not part else part + "/" + name
        try:
            os.mkdir(part)
        except OSError:
            pass


def hil(role, number="", timeout_s=120):
    """Device side of `picofax hil`: one call, then one result line on stdout."""
    try:
        cfg, _ = load_settings()
        board = board_factory(cfg)
        result = asyncio.run(hil_call(board, cfg, role, number, timeout_s))
    except Exception as e:
        result = {"status": "failed", "pages": 0, "remote": "", "error": str(e)}
    result["role"] = role
    print(HIL_TAG + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
