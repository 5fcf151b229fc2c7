"""`picofax sim`: the whole box on this laptop.

The firmware package runs under CPython on the `sim` board, with the C core through
its CPython binding, serving its HTTP API on loopback. Its line goes to the simulated
exchange of one country (picofax.pstn: dial tone, DTMF, ringback), which connects
every number to one kind of far end: SpanDSP's fax terminal (receiving into a TIFF),
a silent line, a voice, busy, reorder, SIT, or ringing that nobody answers. The T.30 trace and the box's log go to stdout, one line each.
"""
import asyncio
import os
import sys
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def add_paths():
    """Put the firmware, the sim board and the built C core on sys.path, as the
    firmware image would have them frozen."""
    for p in (os.path.join(ROOT, "build", "ext"), os.path.join(ROOT, "boards", "sim"),
              os.path.join(ROOT, "firmware")):
        if p not in sys.path:
            sys.path.insert(0, p)


class WavRecorder:
    """Both directions of every call into one stereo WAV (left: box, right: far end)."""

    def __init__(self, path):
        self.w = wave.open(path, "wb")
        self.w.setnchannels(2)
        self.w.setsampwidth(2)
        self.w.setframerate(8000)

    def __call__(self, sent, heard):
        frames = np.empty(2 * len(sent), dtype=np.int16)
        frames[0::2] = sent
        frames[1::2] = heard
        self.w.writeframes(frames.tobytes())

    def close(self):
        self.w.close()


def log_line(line):
    print(line, flush=True)


def build(args, log=log_line):
    add_paths()
    from board import SimBoard
    from faxbox import app, config as fxconfig
    from picofax.pstn import Exchange

    cfg = fxconfig.load(args.config) if getattr(args, "config", None) else fxconfig.Config()
    cfg.data_dir = os.path.abspath(args.data)
    # The API's own URL, for links and for the MediaUrl of inbound webhooks.
    cfg.base_url = "http://%s:%d" % (args.host, args.port)
    if args.account_sid:
        cfg.account_sid = args.account_sid
    if args.auth_token:
        cfg.auth_token = args.auth_token
    cfg.station_id = args.station_id
    if getattr(args, "no_page_header", False):
        cfg.page_header = False
    if getattr(args, "inbound_webhook", None):
        cfg.inbound_webhook_url = args.inbound_webhook
    os.makedirs(cfg.data_dir, exist_ok=True)
    country = getattr(args, "country", "US")
    exchange = Exchange(args.far, country=country, rx_dir=os.path.abspath(args.rx_dir),
                        rings=getattr(args, "rings", 2), log=log,
                        far_log=log if getattr(args, "far_log", False) else None)
    board = SimBoard(cfg.data_dir, exchange, noise_dbm0=args.noise_dbm0, gain_db=args.gain_db)
    # The box dials with the same country's profile as the exchange it is wired to.
    board.line_settings = {"country": country}
    cfg.country = country
    if getattr(args, "call_in", None):
        if not os.path.exists(args.call_in):
            raise SystemExit("picofax sim: no such file: %s" % args.call_in)
        exchange.call_box("spandsp", start_ms=int(args.call_in_after * 1000),
                          tx_file=os.path.abspath(args.call_in))
    if args.wav:
        board.audio.recorder = WavRecorder(args.wav)
    return board, cfg


def main(args):
    board, cfg = build(args)
    from faxbox import app
    log_line("picofax sim: API on http://%s:%d/v1/Faxes (account %s), far end: %s, "
             "line noise %.0f dBm0" % (args.host, args.port, cfg.account_sid, args.far,
                                       args.noise_dbm0))
    try:
        asyncio.run(app.run(board, cfg, args.host, args.port, log=log_line))
    except KeyboardInterrupt:
        pass
    finally:
        if board.audio.recorder is not None:
            board.audio.recorder.close()
    return 0
