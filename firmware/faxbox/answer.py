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
from . import ring
from . import t30rx

BLOCK_SAMPLES = const(160)  # 20 ms at 8 kHz
_HOLD_AFTER_MS = const(250)


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
        while not recv.done:
            modem.tx(tx)
            await board.audio.exchange(tx, rx)
            modem.rx(rx)
            ev = modem.event()
            while ev is not None:
                recv.on_event(ev)
                ev = modem.event()
            recv.poll()
        end = board.clock.ms() + _HOLD_AFTER_MS
        while board.clock.ms() < end:
            modem.tx(tx)
            await board.audio.exchange(tx, rx)
    finally:
        line.on_hook()
        log("line: on hook")
    return recv.outcome
