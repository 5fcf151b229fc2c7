# One incoming fax call: wait for ringing, answer after the configured number of
# rings (ring.py), receive with the T.30 answering terminal (t30rx.py), hang up.
# The mirror of call.send_fax.
#
# The board's line reports ring-signal changes with `line.ring_changes()` ->
# [(on, ms of the state that ended)], debounced by the board. The audio stream
# runs on hook too (the codec is always clocked), so the loop moves silent blocks
# while it waits and every timer reads the one board clock.
from array import array

from micropython import const

from . import call
from . import dialer
from . import errors
from . import ring
from . import t30
from . import t30rx

BLOCK_SAMPLES = const(160)  # 20 ms at 8 kHz
_HOLD_AFTER_MS = const(250)
# Fax/voice discrimination after answering: a calling fax machine sends CNG and then
# answers our DIS on V.21; a person talks. Speech (received level above _VOICE_DBM0
# while we are listening, not sending) adding up to _VOICE_MS within the first
# _VOICE_WINDOW_MS, with no fax signal at all, ends the call: the box hangs up
# rather than send DIS at a person for T1 (35 s). The levels are a judgement: speech
# on a line is around -20 dBm0; the V.21 receiver's carrier threshold is -43 dBm0.
_VOICE_DBM0 = const(-40)
_VOICE_MS = const(2000)
_VOICE_WINDOW_MS = const(15000)
ERR_VOICE_CALLER = (errors.LINE_VOICE_CALLER, errors.message(errors.LINE_VOICE_CALLER))


async def wait_for_rings(board, st, log, max_wait_ms=None, counter=None):
    """Counts rings until it is time to answer: returns the ring counter then, or
    None if `max_wait_ms` passed first. Ringing that stops (the caller gave up)
    starts the count again. A caller that listens in slices passes the same
    `counter` every time, so rings are counted across slices."""
    if counter is None:
        counter = ring.RingCounter(st, st["rings_to_answer"], st["distinctive_ring"])
    line = board.line
    clock = board.clock
    tx = array("h", bytes(2 * BLOCK_SAMPLES))  # silence: we are on hook
    rx = array("h", bytes(2 * BLOCK_SAMPLES))
    end = None if max_wait_ms is None else clock.ms() + max_wait_ms
    while end is None or clock.ms() < end:
        await board.audio.exchange(tx, rx)
        now = clock.ms()
        for on, ms in line.ring_changes():
            if counter.change(on, ms, now):
                log("line: answering after %d rings (pattern %d)"
                    % (counter.rings, counter.pattern))
                return counter
        if counter.stopped(now):
            if counter.rings or counter.ignored:
                log("line: ringing stopped after %d rings (%d ignored)"
                    % (counter.rings, counter.ignored))
            counter.reset()
    return None


async def receive_fax(board, fm, sink, log, ident="", line_cfg=None, max_wait_ms=None,
                      counter=None):
    """Answers the next call and receives its pages into `sink` (start_page /
    data / end_page, as t30rx.Receiver wants). Returns a t30.Outcome (status
    "received" or "failed"), or None if no call was answered within `max_wait_ms`
    (None: wait for ever)."""
    if line_cfg is None:
        line_cfg = getattr(board, "line_settings", None)
    st = dialer.settings(line_cfg)
    if await wait_for_rings(board, st, log, max_wait_ms, counter) is None:
        return None
    line = board.line
    modem = fm.Modem()
    tx = array("h", bytes(2 * BLOCK_SAMPLES))
    rx = array("h", bytes(2 * BLOCK_SAMPLES))
    line.off_hook()
    try:
        log("line: off hook (answering)")
        recv = t30rx.Receiver(modem, fm, sink, board.clock, log, ident=ident,
                              our_modems=call.our_modems(fm))
        recv.start()
        t_answer = board.clock.ms()
        fax_seen = False
        voice_ms = 0
        while not recv.done:
            modem.tx(tx)
            await board.audio.exchange(tx, rx)
            modem.rx(rx)
            ev = modem.event()
            while ev is not None:
                if ev[0] in (fm.EV_FRAME, fm.EV_CARRIER, fm.EV_TRAINED) or (
                        ev[0] == fm.EV_TONE and ev[1] == fm.CNG):
                    fax_seen = True
                recv.on_event(ev)
                ev = modem.event()
            recv.poll()
            if fax_seen or board.clock.ms() - t_answer > _VOICE_WINDOW_MS:
                continue
            if modem.tx_idle() and modem.rx_level_dbm0() > _VOICE_DBM0:
                voice_ms += BLOCK_SAMPLES // 8
                if voice_ms >= _VOICE_MS:
                    log("line: speech and no fax signal: a person called; hanging up")
                    code, msg = ERR_VOICE_CALLER
                    modem.tx_flush()
                    return t30.Outcome("failed", code, msg, 0, None,
                                       (board.clock.ms() - t_answer + 500) // 1000)
        end = board.clock.ms() + _HOLD_AFTER_MS
        while board.clock.ms() < end:
            modem.tx(tx)
            await board.audio.exchange(tx, rx)
    finally:
        line.on_hook()
        log("line: on hook")
    return recv.outcome
