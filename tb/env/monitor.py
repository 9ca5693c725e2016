"""The monitors: one per :class:`~tb.env.ports.PortDef`, sampling at rising edges.

* :class:`ValidReadyMonitor` reports each transfer at the edge where valid and
  ready are both high (requests: their commit; outputs: the DUT handing one over);
* :class:`PulseMonitor` reports every cycle a strobe is high (``cfg_rvalid``,
  ``intx_deassert``); :class:`ChangeMonitor` every change of a level port;
  :class:`RiseMonitor` the rising edges of a sticky flag.

An X or Z on a sampled signal is not a Python error: the monitor hands it to
``on_xz(err, port)``, which the env points at the scoreboard (a MISMATCH naming
the signal and the operation).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, RisingEdge
from cocotb_bus.monitors import BusMonitor

from .hub import CycleHub, XZValue, attached, int_reader


def _raise(err: XZValue, port: str) -> None:
    raise AssertionError(f"X/Z on {err.signal} ({port}): {err.bits}")


class _SampledMonitor(BusMonitor):
    """A monitor whose per-cycle work is a rising-edge step on the clock's hub."""

    def __init__(self, dut, port, signals: dict[str, str], clock, callback=None,
                 on_xz: Optional[Callable[[XZValue, str], None]] = None, driving: Optional[Callable[[], bool]] = None):
        self.port = port
        # A request port's own driver can say whether it presents a request: then an
        # idle port costs no signal read (the valid is the testbench's own).
        self.driving = driving
        self._signals = {role: signals[role] for role in self._roles(port)}
        self.on_xz = on_xz or _raise
        self.readers = {role: int_reader(getattr(dut, name), name) for role, name in self._signals.items()}
        # The binding names signals exactly: no case-insensitive search over every handle of the DUT.
        super().__init__(dut, None, clock, callback=callback, case_insensitive=False)

    def _roles(self, port) -> tuple[str, ...]:
        return port.sampled

    def _recv(self, transaction: Any) -> None:
        for callback in self._callbacks:  # straight to the callbacks (hot path)
            callback(transaction)

    def _fields(self) -> Callable[[], Any]:
        build = self.port.build
        fields = [(f, self.readers[role]) for f, role in self.port.fields]
        return lambda: build(**{f: read() for f, read in fields})

    #: The level the testbench drives on this output's ready (its :class:`ReadySink`'s
    #: ``level``); the env sets it. No handshake can happen while it reads 0.
    ready_level: Callable[[], int] = staticmethod(lambda: 1)
    _mute_from: Optional[int] = None
    _resumed: Optional[Event] = None

    def mute(self, after: int) -> None:
        """From the first rising edge after ``after`` (sim steps) a burst's logger has
        this output's handshakes (tb/env/burst.py): neither sampled nor watched."""
        self._mute_from = after
        self._resumed.clear()

    def unmute(self) -> None:
        self._mute_from = None
        self._resumed.set()

    def muted_now(self) -> bool:
        return self._mute_from is not None and get_sim_time() > self._mute_from

    #: Told every change of an output's valid (its level), e.g. a ReadySink.
    on_valid: Callable[[int], None] = staticmethod(lambda level: None)
    #: An output's valid as last seen by its value-change watch (2: X or Z).
    valid_level: Callable[[], int] = staticmethod(lambda: 0)

    def _step(self) -> Callable[[], None]:
        """The rising-edge step; an X/Z it reads goes to ``on_xz``."""
        raise NotImplementedError

    def _needed(self) -> tuple[Optional[Callable[[], Any]], Optional[tuple]]:
        """(``needed()``, watch) for the hub: a request port is sampled while its
        driver presents; a DUT output while its valid (or strobe) is high, which
        a value-change watch tracks (X or Z counts as high, so the step reports it)."""
        if self.driving is not None:
            return self.driving, None
        if not self.port.valids or self.port.valids[0] not in self._signals:
            return None, None
        name = self._signals[self.port.valids[0]]
        handle, read = getattr(self.entity, name), self.readers[self.port.valids[0]]
        level = [0]

        def changed() -> int:
            try:
                level[0] = read()
            except XZValue:
                level[0] = 2
            self.on_valid(level[0])
            return level[0]

        changed()
        self.valid_level = lambda: level[0]
        self._resumed = Event()
        self._resumed.set()
        watch = (handle, changed, self.muted_now, self._resumed)
        if self.port.ready is None:  # a strobe: sampled while high
            return (lambda: level[0] and (self._mute_from is None or not self.muted_now())), watch
        return (lambda: (level[0] == 2 or (level[0] and self.ready_level()))
                and (self._mute_from is None or not self.muted_now())), watch

    def _monitor_recv(self):
        needed, watch = self._needed()
        return attached(CycleHub.of(self.clock), self._step(), needed=needed, watch=watch)


class ValidReadyMonitor(_SampledMonitor):
    def _step(self):
        r = self.readers
        valid = self.driving or r[self.port.valids[0]]
        # a request's ready is the DUT's; an output's is the testbench's own (its sink's level)
        ready = r[self.port.ready] if self.driving else (lambda: self.ready_level())
        also = [(role, r[role]) for role in self.port.also]
        sample, recv, on_xz, name = self._fields(), self._recv, self.on_xz, self.port.name

        def step() -> None:
            try:
                if valid() and ready():
                    for role, read in also:
                        if not read():
                            raise AssertionError(f"{self._signals[self.port.ready]} high without {self._signals[role]}: "
                                                 "the binding contract takes address and data in one cycle")
                    recv(sample())
            except XZValue as err:
                on_xz(err, name)

        return step


class PulseMonitor(_SampledMonitor):
    def _step(self):
        strobe = self.readers[self.port.valids[0]]
        sample, recv, on_xz, name = self._fields(), self._recv, self.on_xz, self.port.name

        def step() -> None:
            try:
                if strobe():
                    recv(sample())
            except XZValue as err:
                on_xz(err, name)

        return step


class ChangeMonitor(_SampledMonitor):
    """A level port: reports the new levels at the first edge that samples them."""

    def _step(self):
        sample, recv, driving, on_xz, name = self._fields(), self._recv, self.driving, self.on_xz, self.port.name
        last = [sample()]

        def step() -> None:
            if driving is not None and not driving():
                return  # the levels are the testbench's own: unchanged while it presents nothing
            try:
                now = sample()
            except XZValue as err:
                on_xz(err, name)
                return
            if now != last[0]:
                last[0] = now
                recv(now)

        return step


class RiseMonitor(BusMonitor):
    """Reports the rising edges of a sticky flag (``err_notify_range``)."""

    def __init__(self, dut, signal: str, clock, callback=None):
        self._signals = {"flag": signal}
        super().__init__(dut, None, clock, callback=callback, case_insensitive=False)

    async def _monitor_recv(self) -> None:
        rise = RisingEdge(self.bus.flag)
        while True:
            await rise
            self._recv(True)
