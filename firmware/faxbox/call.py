# One outgoing fax call: seize the line, run the audio loop block by block, hand
# modem events to the T.30 engine, hang up.
#
# The board supplies the line (hook, line-in-use, dialling), a clock and the audio
# stream: `await board.audio.exchange(out, inp)` sends one block of int16 samples and
# fills `inp` with the block received over the same 20 ms. On the device that waits
# for the DMA ring; on the sim board it moves the block through the line model and
# the far end at once, so a call runs faster than real time. Python never touches
# individual samples: the modem core works on whole blocks.
from array import array

from micropython import const

from . import dialer
from . import progress
from . import t30
from . import t30frames as fr

BLOCK_SAMPLES = const(160)  # 20 ms at 8 kHz
# After the last signal (DCN), hold the line a moment so its closing flags clear the
# far end's receiver before the loop opens.
_HOLD_AFTER_MS = const(250)

ERR_LINE_IN_USE = (34004, "The line is in use by an extension phone: the box did not dial")


class SpoolPages:
    """The pages of a job as the T.30 sender reads them: `count` and `open(i)`."""

    def __init__(self, paths, reader_class):
        self.paths = paths
        self.count = len(paths)
        self._reader = reader_class

    def open(self, i):
        return self._reader(self.paths[i])


def our_modems(fm):
    """The fast modems this build's core provides, as T.30 names them."""
    out = []
    if hasattr(fm, "V27TER"):
        out.append(fr.MODEM_V27TER)
    if hasattr(fm, "V29"):
        out.append(fr.MODEM_V29)
    if hasattr(fm, "V17"):
        out.append(fr.MODEM_V17)
    return tuple(out)


async def send_fax(board, fm, encoder_factory, pages, number, log, ident="", fine=True,
                   should_cancel=None, line_cfg=None, t4=None, codings=("MH", "MR", "MMR"),
                   ecm=True, max_rate=None):
    """Place a call to `number` and send `pages`; returns a t30.Outcome.
    `t4` (the faxt4 module) lets the sender pick MR/MMR itself; `codings`, `ecm`
    and `max_rate` narrow its choice (t30.Sender).
    `line_cfg`: the line settings (dialer.SETTING_DEFAULTS keys, from the config);
    None takes the board's `line_settings`, else the defaults."""
    line = board.line
    if line.in_use():
        code, msg = ERR_LINE_IN_USE
        return t30.Outcome("failed", code, msg)
    modem = fm.Modem()
    tx_block = array("h", bytes(2 * BLOCK_SAMPLES))
    rx_block = array("h", bytes(2 * BLOCK_SAMPLES))
    line.off_hook()
    try:
        log("line: off hook, dialling %s" % number)
        if line_cfg is None:
            line_cfg = getattr(board, "line_settings", None)
        dial = dialer.Call(board, fm, modem, dialer.settings(line_cfg), log)
        r = await dial.run(number)
        if r in progress.OUTCOMES:
            status, code, msg = progress.OUTCOMES[r]
            return t30.Outcome(status, code, msg)
        # Answered (a fax signal, or ringing stopped): T.30 phase A from here, so T1
        # counts from the answer.
        sender = t30.Sender(modem, fm, pages, board.clock, log, encoder_factory, ident=ident,
                            our_modems=our_modems(fm), fine=fine, t4=t4, max_rate=max_rate,
                            codings=codings, ecm=ecm)
        sender.start()
        for ev in dial.prog.held:
            sender.on_event(ev)
        while not sender.done:
            modem.tx(tx_block)
            await board.audio.exchange(tx_block, rx_block)
            modem.rx(rx_block)
            ev = modem.event()
            while ev is not None:
                sender.on_event(ev)
                ev = modem.event()
            if should_cancel is not None and should_cancel():
                sender.cancel()
                should_cancel = None
            sender.poll()
        end = board.clock.ms() + _HOLD_AFTER_MS
        while board.clock.ms() < end:
            modem.tx(tx_block)
            await board.audio.exchange(tx_block, rx_block)
    finally:
        line.on_hook()
        log("line: on hook")
    return sender.outcome
