"""picofax: the laptop side of the fax box.

One command, one function per subcommand, a table from names to handlers. Results
go to stdout, diagnostics to stderr; any domain error ends as `picofax: message` on
stderr with a non-zero exit.
"""
import argparse
import json
import os
import sys


class CliError(Exception):
    """A failure to report to the user in one line."""


def _api_args(p):
    p.add_argument("--box", default=os.environ.get("PICOFAX_BOX", "http://127.0.0.1:8080"),
                   help="base URL of the box's API (env PICOFAX_BOX)")
    p.add_argument("--account-sid", default=os.environ.get("PICOFAX_ACCOUNT_SID"),
                   help="the box's account sid (env PICOFAX_ACCOUNT_SID)")
    p.add_argument("--auth-token", default=os.environ.get("PICOFAX_AUTH_TOKEN"),
                   help="the box's auth token (env PICOFAX_AUTH_TOKEN)")


def _auth(args):
    if not args.account_sid or not args.auth_token:
        raise CliError("the box's account sid and auth token are needed "
                       "(--account-sid/--auth-token or PICOFAX_ACCOUNT_SID/PICOFAX_AUTH_TOKEN)")
    return (args.account_sid, args.auth_token)


def cmd_sim(args):
    from picofax import simbox
    simbox.add_paths()
    from faxbox import countries
    try:
        countries.get(args.country)
    except ValueError:
        raise CliError("unknown country %r: choose one of %s"
                       % (args.country, ", ".join(sorted(countries.PROFILES))))
    return simbox.main(args)


def parse_pages(text):
    """"3" or "1-3" (1-based, inclusive) -> a range of 0-based page indices."""
    first, dash, last = text.partition("-")
    try:
        a = int(first)
        b = int(last) if dash else a
    except ValueError:
        raise CliError("bad page range %r: use N or N-M, e.g. 1-3" % text)
    if a < 1 or b < a:
        raise CliError("bad page range %r: pages count from 1 and N-M needs M >= N" % text)
    return range(a - 1, b)


def cmd_demo(args):
    from picofax import demo
    return demo.main(args)


def cmd_render(args):
    from picofax import render
    pages = parse_pages(args.pages) if args.pages else None
    if not os.path.isfile(args.pdf):
        raise CliError("no such file: %s" % args.pdf)
    n = render.render_pdf(args.pdf, args.out, quality=args.quality, pages=pages)
    print("%s: %d page(s)" % (args.out, n))
    return 0


def cmd_render_service(args):
    from picofax import render
    server = render.make_server(args.host, args.port)
    host, port = server.server_address[:2]
    print("render service on http://%s:%d/render (Ctrl-C stops it)" % (host, port),
          flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def cmd_send(args):
    import requests
    data = {"To": args.to, "MediaUrl": args.media_url, "Quality": args.quality}
    if args.from_:
        data["From"] = args.from_
    if args.status_callback:
        data["StatusCallback"] = args.status_callback
    r = requests.post(args.box.rstrip("/") + "/v1/Faxes", data=data, auth=_auth(args),
                      timeout=30)
    if r.status_code != 201:
        raise CliError("the box refused the fax: HTTP %d %s" % (r.status_code, r.text[:300]))
    fax = r.json()
    print(fax["sid"])
    if args.wait:
        return _wait(args, fax["sid"])
    return 0


def _wait(args, sid):
    import time

    import requests
    last = None
    while True:
        r = requests.get(args.box.rstrip("/") + "/v1/Faxes/" + sid, auth=_auth(args), timeout=30)
        if r.status_code != 200:
            raise CliError("cannot read %s: HTTP %d" % (sid, r.status_code))
        fax = r.json()
        if fax["status"] != last:
            last = fax["status"]
            print("%s %s" % (sid, last), file=sys.stderr)
        if last in ("delivered", "failed", "busy", "no-answer", "canceled"):
            print(json.dumps(fax, indent=2))
            return 0 if last == "delivered" else 1
        time.sleep(1)


def cmd_status(args):
    import requests
    url = args.box.rstrip("/") + "/v1/Faxes" + ("/" + args.sid if args.sid else "")
    r = requests.get(url, auth=_auth(args), timeout=30)
    if r.status_code != 200:
        raise CliError("HTTP %d: %s" % (r.status_code, r.text[:300]))
    print(json.dumps(r.json(), indent=2))
    return 0


def _device_call(fn, *args, **kw):
    """Runs a picofax.device function, its DeviceError as a CliError."""
    from picofax import device
    try:
        return fn(*args, **kw)
    except device.DeviceError as e:
        raise CliError(str(e))


def cmd_flash(args):
    from picofax import device
    uf2 = args.uf2 or os.path.join(device.ROOT, "build", "firmware", args.board, "firmware.uf2")
    _device_call(device.flash, uf2, picotool=args.picotool, drive=args.drive)
    return 0


def cmd_deploy(args):
    from picofax import device
    _device_call(device.deploy, args.port, config_path=args.config, app=args.app,
                 use_mpremote=not args.no_mpremote)
    return 0


def cmd_config(args):
    from picofax import device
    _device_call(device.configure, args.settings, unset=args.unset or (), path=args.file,
                 port=args.port)
    return 0


def cmd_logs(args):
    from picofax import device
    _device_call(device.logs, args.port, max_lines=args.lines, until=args.until,
                 duration_s=args.seconds)
    return 0


def cmd_hil(args):
    from picofax import device
    passed, _, _ = _device_call(device.hil, args.a, args.b, args.number,
                                timeout_s=args.timeout, preamble=args.preamble or "")
    return 0 if passed else 1


def _device_parsers(sub):
    fl = sub.add_parser("flash", help="write the firmware (UF2) to a board in BOOTSEL mode")
    fl.add_argument("uf2", nargs="?",
                    help="the UF2 file (default: build/firmware/<board>/firmware.uf2)")
    fl.add_argument("--board", default="pico_w", choices=("pico_w", "pico2_w"))
    fl.add_argument("--picotool", help="picotool to use (default: the one on PATH, if any)")
    fl.add_argument("--drive", help="the BOOTSEL drive folder (default: found under /media)")
    fl.set_defaults(func=cmd_flash)

    de = sub.add_parser("deploy", help="copy main.py (and config.json) onto the board")
    de.add_argument("--port", required=True, help="the board's serial port, e.g. /dev/ttyACM0")
    de.add_argument("--config", help="a local config.json to copy too (see `picofax config`)")
    de.add_argument("--app", action="store_true",
                    help="also copy the faxbox package as source (for a firmware without it)")
    de.add_argument("--no-mpremote", action="store_true",
                    help="copy over picofax's own raw-REPL link instead of mpremote")
    de.set_defaults(func=cmd_deploy)

    co = sub.add_parser("config", help="show or change the box's settings (config.json)")
    co.add_argument("settings", nargs="*", metavar="KEY=VALUE",
                    help="settings to change, e.g. wifi_ssid=office country=UK")
    where = co.add_mutually_exclusive_group(required=True)
    where.add_argument("--file", help="a local config.json (created if missing)")
    where.add_argument("--port", help="the board's serial port: its /config.json")
    co.add_argument("--unset", action="append", metavar="KEY",
                    help="remove a setting (back to its default)")
    co.set_defaults(func=cmd_config)

    lo = sub.add_parser("logs", help="print the box's log from its USB serial port")
    lo.add_argument("--port", required=True)
    lo.add_argument("--lines", type=int, help="stop after this many lines")
    lo.add_argument("--until", help="stop after a line containing this text")
    lo.add_argument("--seconds", type=float, help="stop after this long")
    lo.set_defaults(func=cmd_logs)

    hi = sub.add_parser("hil", help="hardware-in-the-loop: board A faxes board B")
    hi.add_argument("--a", required=True, metavar="PORT", help="the sending board's port")
    hi.add_argument("--b", required=True, metavar="PORT", help="the receiving board's port")
    hi.add_argument("--number", required=True, help="the number board A dials to reach B")
    hi.add_argument("--timeout", type=int, default=300, help="seconds for the whole call")
    hi.add_argument("--preamble", help="Python run on both boards first (tests, set-up)")
    hi.set_defaults(func=cmd_hil)


def build_parser():
    p = argparse.ArgumentParser(prog="picofax", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sim", help="run the whole box on this laptop against a simulated line")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--data", default="build/sim-data", help="the box's data folder")
    s.add_argument("--far", default="spandsp",
                   choices=("spandsp", "box", "silent", "voice", "busy", "reorder", "sit",
                            "noanswer"),
                   help="what answers every number the box dials")
    s.add_argument("--country", default="US",
                   help="the simulated exchange's tones and the box's line profile "
                        "(US, UK, DE, FR, AU, JP)")
    s.add_argument("--rings", type=int, default=2, help="rings before the far end answers")
    s.add_argument("--rx-dir", default="build/sim-received",
                   help="where the far fax machine stores the pages it receives")
    s.add_argument("--noise-dbm0", type=float, default=-60.0, help="line noise level")
    s.add_argument("--gain-db", type=float, default=0.0, help="line gain (negative = loss)")
    s.add_argument("--account-sid", default=os.environ.get("PICOFAX_ACCOUNT_SID"))
    s.add_argument("--auth-token", default=os.environ.get("PICOFAX_AUTH_TOKEN"))
    s.add_argument("--station-id", default="+1 555 0100", help="our TSI")
    s.add_argument("--wav", help="record every call to this WAV (one channel per direction)")
    s.add_argument("--no-page-header", action="store_true",
                   help="send pages exactly as given, without the header line")
    s.add_argument("--far-log", action="store_true",
                   help="also print the far machine's own log (SpanDSP's is very detailed)")
    s.add_argument("--call-in", metavar="TIFF",
                   help="have SpanDSP call the box and send this fax TIFF (1728 wide)")
    s.add_argument("--call-in-after", type=float, default=2.0, metavar="S",
                   help="seconds after start-up that the incoming call starts ringing")
    s.add_argument("--inbound-webhook", help="URL POSTed when a received fax ends "
                   "(like Twilio's <Receive action>)")
    s.add_argument("--config", help="a JSON file of the box's settings (faxbox/config.py)")
    s.set_defaults(func=cmd_sim)

    d = sub.add_parser("demo", help="send a real document end to end on the simulated board")
    d.add_argument("--document", default=None,
                   help="a document name known to picofax.corpus (default: its demo "
                        "document, a 5-page US government filing), or a PDF/TIFF path")
    d.add_argument("--pages", default="1-3", help="page range of the document to send")
    d.add_argument("--quality", default="fine", choices=("standard", "fine", "superfine"))
    d.add_argument("--out", default="build/demo", help="folder for the demo's files")
    d.set_defaults(func=cmd_demo)

    r = sub.add_parser("render", help="render a PDF into a multi-page fax TIFF")
    r.add_argument("pdf")
    r.add_argument("out")
    r.add_argument("--quality", default="fine", choices=("standard", "fine", "superfine"))
    r.add_argument("--pages", help="page range, e.g. 1-3")
    r.set_defaults(func=cmd_render)

    rs = sub.add_parser("render-service",
                        help="serve `render` over HTTP for boxes (render_service_url)")
    rs.add_argument("--port", type=int, default=8090)
    rs.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (loopback by default; 0.0.0.0 for the LAN)")
    rs.set_defaults(func=cmd_render_service)

    se = sub.add_parser("send", help="ask the box to send a fax")
    _api_args(se)
    se.add_argument("to")
    se.add_argument("media_url")
    se.add_argument("--from", dest="from_")
    se.add_argument("--quality", default="fine", choices=("standard", "fine", "superfine"))
    se.add_argument("--status-callback")
    se.add_argument("--wait", action="store_true", help="follow the fax until it ends")
    se.set_defaults(func=cmd_send)

    st = sub.add_parser("status", help="show one fax, or the list")
    _api_args(st)
    st.add_argument("sid", nargs="?")
    st.set_defaults(func=cmd_status)

    _device_parsers(sub)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except CliError as e:
        print("picofax: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        if type(e).__module__.startswith("requests"):
            # requests' errors are OSErrors too; say which box could not be reached.
            print("picofax: cannot reach the box at %s (%s)"
                  % (getattr(args, "box", "?"), type(e).__name__), file=sys.stderr)
            return 2
        # Files that cannot be read or written, a port already in use.
        what = ("%s: %s" % (e.filename, e.strerror)) if e.filename and e.strerror else str(e)
        print("picofax: %s" % what, file=sys.stderr)
        return 2
    except Exception as e:
        # The domain errors of the host tools (render, corpus, the box's API over
        # requests) end as one line too; anything else is a bug and keeps its
        # traceback.
        name = type(e).__name__
        if name in ("RenderError", "CorpusError") or type(e).__module__.startswith("requests"):
            print("picofax: %s" % e, file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
