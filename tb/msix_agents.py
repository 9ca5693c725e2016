"""Drivers and monitors of the ``msix_block`` ports (cocotb-bus based).

Timing discipline, identical on Verilator and Icarus:
  * drivers change DUT inputs only at *falling* clock edges;
  * monitors sample only at *rising* edges, where every signal still holds the
    value the DUT samples at that edge. A request commits at the rising edge
    where valid and ready are both high, and is reported there, so reports
    arrive in commit order.
One task per clock (:class:`CycleHub`) does all the per-cycle work: at each
rising edge it runs every monitor's sampling step, at each falling edge the
steps of the drivers and ready sinks that have work. A cycle costs two task
resumes however many ports are busy; an idle driver costs nothing, an idle
monitor one read of its valid per cycle. Signals are read straight from the
simulator (:func:`int_reader`), not through a ``LogicArray`` per read.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Optional

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, FallingEdge, RisingEdge
from cocotb_bus.drivers import BusDriver
from cocotb_bus.monitors import BusMonitor
from cocotbext.pcie.core.tlp import Tlp

from .msix_txn import CfgAccess, Flr, Notify, UseOp, VectorUse

# ----------------------------------------------------------------------------
# Traffic shapes: idle cycles between requests, ready/stall runs of a sink.
# ----------------------------------------------------------------------------
IDLE_PROFILES = ("none", "light", "heavy")
BACKPRESSURE_PROFILES = ("none", "light", "heavy", "long")


def idle_cycles(profile: str, rng: random.Random) -> Iterator[int]:
    """Idle cycles a driver inserts before each request."""
    if profile == "none":
        return itertools.repeat(0)
    if profile == "light":
        return (0 if rng.random() < 0.7 else rng.randint(1, 3) for _ in itertools.count())
    if profile == "heavy":
        return (0 if rng.random() < 0.3 else rng.choice((rng.randint(1, 6), rng.randint(10, 40))) for _ in itertools.count())
    raise ValueError(f"unknown idle profile {profile!r}")


def ready_runs(profile: str, rng: random.Random) -> Iterator[tuple[int, int]]:
    """(ready, cycles) runs of a sink's back-pressure, from none to long stalls."""
    if profile == "none":
        return iter(())  # ready stays high
    if profile == "light":
        lengths = lambda: (rng.randint(1, 16), rng.randint(1, 2))  # noqa: E731
    elif profile == "heavy":
        lengths = lambda: (rng.randint(1, 3), rng.randint(1, 6))  # noqa: E731
    elif profile == "long":
        lengths = lambda: (rng.randint(1, 40), rng.randint(50, 400) if rng.random() < 0.15 else rng.randint(1, 4))  # noqa: E731
    else:
        raise ValueError(f"unknown back-pressure profile {profile!r}")

    def runs():
        while True:
            on, off = lengths()
            yield 1, on
            yield 0, off

    return runs()


# ----------------------------------------------------------------------------
# The per-cycle engine: one task per clock does every agent's per-cycle step
# ----------------------------------------------------------------------------
def int_reader(handle) -> Callable[[], int]:
    """A function returning ``int(handle.value)``, read straight from the simulator.

    The same number without building a ``LogicArray`` per read (the monitors'
    hot path); an X or Z bit raises ``ValueError``, as ``int(handle.value)`` does.
    """
    get_binstr = handle._handle.get_signal_val_binstr  # cocotb's own getter of .value
    return lambda: int(get_binstr(), 2)


def signal_readers(bus, names) -> SimpleNamespace:
    """``readers.<name>()`` = ``int(bus.<name>.value)`` for each signal of a bus."""
    return SimpleNamespace(**{name: int_reader(getattr(bus, name)) for name in names})


class CycleHub:
    """The single task per clock that runs every agent's per-cycle work.

    Monitors register a *rising step* (called at each rising edge, where every
    signal still holds the value the DUT samples), drivers and ready sinks a
    *falling step* (called at each falling edge while they have work; a step
    returning True leaves). One clock cycle then costs two task resumes in all,
    however many ports are busy, instead of one or two per port.

    A step joins at the first edge of its kind strictly after the moment it was
    added, as a task awaiting that edge then would; steps run in joining order.
    The hub belongs to the running test: a test's end cancels its task, and the
    next test's agents get a new hub.
    """

    _hubs: dict = {}

    @classmethod
    def of(cls, clock) -> "CycleHub":
        hub = cls._hubs.get(clock)
        if hub is None or hub._task.done():
            hub = cls._hubs[clock] = cls(clock)
        return hub

    def __init__(self, clock):
        self.clock = clock
        self.rising: list[Callable[[], Any]] = []
        self.falling: list[Callable[[], bool]] = []
        self._joining: list[tuple[list, Callable, int]] = []  # (list, step, sim time added)
        self._wake = Event()
        self._task = cocotb.start_soon(self._run())

    def add_rising(self, step: Callable[[], Any]) -> None:
        self._join(self.rising, step)

    def add_falling(self, step: Callable[[], bool]) -> None:
        self._join(self.falling, step)

    def remove(self, step: Callable) -> None:
        for steps in (self.rising, self.falling):
            if step in steps:
                steps.remove(step)
        self._joining = [j for j in self._joining if j[1] != step]

    def _join(self, steps: list, step: Callable) -> None:
        self._joining.append((steps, step, get_sim_time()))
        self._wake.set()

    def _admit(self, steps: list) -> None:
        """Move the steps waiting for ``steps`` that were added before this edge."""
        now = get_sim_time()
        waiting = []
        for joining in self._joining:
            if joining[0] is steps and joining[2] != now:
                steps.append(joining[1])
            else:
                waiting.append(joining)
        self._joining = waiting

    async def _run(self) -> None:
        rising_edge, falling_edge = RisingEdge(self.clock), FallingEdge(self.clock)
        clock_high = self.clock._handle.get_signal_val_binstr  # which edge comes next
        rising, falling = self.rising, self.falling
        while True:
            if not (rising or falling or self._joining):
                self._wake.clear()
                await self._wake.wait()
            if clock_high() != "1":
                await rising_edge
                if self._joining:
                    self._admit(rising)
                for step in rising:
                    step()
            else:
                await falling_edge
                if self._joining:
                    self._admit(falling)
                if falling:
                    leaving = [step for step in falling if step()]
                    for step in leaving:
                        falling.remove(step)


async def _attached(hub: CycleHub, step: Callable, rising: bool) -> None:
    """An agent's task: ``step`` runs on the hub until this task is cancelled."""
    (hub.add_rising if rising else hub.add_falling)(step)
    try:
        await Event().wait()  # only cancellation ends it
    finally:
        hub.remove(step)


# ----------------------------------------------------------------------------
# Generic valid/ready request port
# ----------------------------------------------------------------------------
class ValidReadyDriver(BusDriver):
    """Presents queued requests on a valid/ready port, one per handshake.

    Inputs change only at falling edges. The matching monitor calls
    :meth:`accepted` at the handshake edge; the next request (or valid low)
    follows at the next falling edge, so back-to-back requests commit on
    consecutive cycles. A request queued while the port is idle is presented
    at the next falling edge (after its idle gap, if any).

    The work is a falling-edge step on the clock's :class:`CycleHub`, joined
    only while requests are queued or presented; ``_thread`` (cocotb-bus's
    driver task) just keeps it alive until cancelled.
    """

    _signals: list[str] = ["valid"]
    _valids: tuple[str, ...] = ("valid",)

    def __init__(self, dut, name: Optional[str], clock, idle: Optional[Iterator[int]] = None, **kwargs):
        self._idle = idle if idle is not None else itertools.repeat(0)
        self._empty = Event()
        self._empty.set()
        self._in_flight = False
        self._hub = CycleHub.of(clock)
        self._stepping = False  # the step is on the hub
        self._stopped = False
        self._current: Optional[tuple] = None  # (txn, callback, event) presented or waiting out its gap
        self._presented = False
        self._taken = False
        self._gap = 0
        self._valid_high = False
        super().__init__(dut, name, clock, **kwargs)
        self._valid_handles = [getattr(self.bus, v) for v in self._valids]
        for sig in self._signals:
            getattr(self.bus, sig).value = 0

    # -- API -------------------------------------------------------------
    def append(self, transaction: Any, callback: Optional[Callable[[Any], Any]] = None,
               event: Optional[Event] = None, **kwargs) -> None:
        """Queue a request (cocotb-bus ``Driver.append``)."""
        self._sendQ.append((transaction, callback, event, kwargs))
        if not self._stepping and not self._stopped:
            self._stepping = True
            self._hub.add_falling(self._step)

    def send_nowait(self, txn: Any, callback: Optional[Callable[[Any], Any]] = None) -> None:
        """Queue a request."""
        self._empty.clear()
        self.append(txn, callback=callback)

    async def send(self, txn: Any, sync: bool = True, **kwargs) -> None:  # noqa: ARG002
        """Queue a request and wait until it has been accepted."""
        done = Event()
        self._empty.clear()
        self.append(txn, event=done)
        await done.wait()

    @property
    def idle(self) -> bool:
        return not self._sendQ and not self._in_flight

    async def wait_idle(self) -> None:
        """Wait until every queued request has been accepted."""
        if not self.idle:
            await self._empty.wait()

    def accepted(self, _txn: Any = None) -> None:
        """Called by the monitor at the handshake edge."""
        if self._presented and not self._taken:
            self._taken = True
            txn, callback, event = self._current
            if event is not None:
                event.set()
            if callback is not None:
                callback(txn)

    # -- subclass hook ----------------------------------------------------
    def _drive(self, txn: Any) -> None:
        raise NotImplementedError

    # -- engine -----------------------------------------------------------
    def _set_valid(self, value: int) -> None:
        self._valid_high = bool(value)
        for h in self._valid_handles:
            h.value = value

    async def _send_thread(self) -> None:
        try:
            await Event().wait()  # only cancellation ends it
        finally:
            self._stopped = True
            if self._stepping:
                self._hub.remove(self._step)

    def _present(self) -> None:
        self._drive(self._current[0])
        if not self._valid_high:
            self._set_valid(1)
        self._presented = True
        self._taken = False

    def _step(self) -> bool:
        """One falling edge; True when the port has gone idle (the step leaves)."""
        if self._presented:
            if not self._taken:
                return False  # still waiting for the handshake
            self._presented = False
            self._current = None
        elif self._gap:
            self._gap -= 1
            if not self._gap:
                self._present()
            return False
        queue = self._sendQ
        if not queue:
            if self._valid_high:
                self._set_valid(0)
            self._in_flight = False
            self._stepping = False
            self._empty.set()
            return True
        txn, callback, event, _ = queue.popleft()
        self._current = (txn, callback, event)
        self._in_flight = True
        self._gap = next(self._idle)
        if self._gap:
            if self._valid_high:
                self._set_valid(0)
        else:
            self._present()
        return False


class ValidReadyMonitor(BusMonitor):
    """Reports each transfer at the rising edge where valid and ready are high.

    ``_sample`` reads the bus through ``self.read`` (:func:`signal_readers`).
    The sampling is a rising-edge step on the clock's :class:`CycleHub`.
    """

    _signals: list[str] = ["valid", "ready"]
    _valid = "valid"
    _ready = "ready"

    def _recv(self, transaction: Any) -> None:
        # Hot path: straight to the callbacks (cocotb-bus also counts and
        # pulses an Event per transaction; nothing here waits on those).
        for callback in self._callbacks:
            callback(transaction)

    def _sample(self) -> Any:
        raise NotImplementedError

    def _monitor_recv(self):
        self.read = signal_readers(self.bus, self._signals)
        valid, ready = getattr(self.read, self._valid), getattr(self.read, self._ready)
        sample, recv = self._sample, self._recv

        def step() -> None:
            if valid() and ready():
                recv(sample())

        return _attached(CycleHub.of(self.clock), step, rising=True)


class PulseMonitor(BusMonitor):
    """Reports every cycle a status strobe is high (back-to-back pulses included)."""

    _signals: list[str] = []
    _strobe = ""

    def _sample(self) -> Any:
        return None

    def _monitor_recv(self):
        self.read = signal_readers(self.bus, self._signals)
        strobe = getattr(self.read, self._strobe)
        sample, recv = self._sample, self._recv

        def step() -> None:
            if strobe():
                recv(sample())

        return _attached(CycleHub.of(self.clock), step, rising=True)


# ----------------------------------------------------------------------------
# Config port
# ----------------------------------------------------------------------------
class CfgDriver(ValidReadyDriver):
    """Config-space requests (:class:`CfgAccess`) on ``cfg_*``."""

    _signals = ["valid", "write", "dword", "be", "wdata"]

    def _drive(self, txn: CfgAccess) -> None:
        b = self.bus
        b.write.value = int(txn.write)
        b.dword.value = txn.dword
        b.be.value = txn.be
        b.wdata.value = txn.data


class CfgMonitor(ValidReadyMonitor):
    """Reports config requests as :class:`CfgAccess` at their handshake."""

    _signals = ["valid", "ready", "write", "dword", "be", "wdata"]

    def _sample(self) -> CfgAccess:
        r = self.read
        write = bool(r.write())
        return CfgAccess(write, r.dword(), r.be(), r.wdata() if write else 0)


class CfgReadDataMonitor(PulseMonitor):
    """Reports ``cfg_rdata`` at every cycle ``cfg_rvalid`` is high."""

    _signals = ["rvalid", "rdata"]
    _strobe = "rvalid"

    def _sample(self) -> int:
        return self.read.rdata()


# ----------------------------------------------------------------------------
# notify / vector use / flr ports
# ----------------------------------------------------------------------------
class NotifyDriver(ValidReadyDriver):
    """``msix_notify`` requests (:class:`Notify`) on ``notify_*``."""

    _signals = ["valid", "vector"]

    def _drive(self, txn: Notify) -> None:
        self.bus.vector.value = txn.vector


class NotifyMonitor(ValidReadyMonitor):
    _signals = ["valid", "ready", "vector"]

    def _sample(self) -> Notify:
        return Notify(self.read.vector())


class UseDriver(ValidReadyDriver):
    """Vector use/unuse requests (:class:`VectorUse`) on ``use_*``."""

    _signals = ["valid", "op", "vector"]

    def _drive(self, txn: VectorUse) -> None:
        self.bus.op.value = int(txn.op)
        self.bus.vector.value = txn.vector


class UseMonitor(ValidReadyMonitor):
    _signals = ["valid", "ready", "op", "vector"]

    def _sample(self) -> VectorUse:
        return VectorUse(UseOp(self.read.op()), self.read.vector())


class FlrDriver(ValidReadyDriver):
    """Function-level reset requests (:class:`Flr`) on ``flr_*``."""

    _signals = ["valid"]

    def _drive(self, txn: Flr) -> None:
        pass


class FlrMonitor(ValidReadyMonitor):
    _signals = ["valid", "ready"]

    def _sample(self) -> Flr:
        return Flr()


# ----------------------------------------------------------------------------
# MSI output: TLP sink with back-pressure
# ----------------------------------------------------------------------------
def decode_tlp(hdr: int, data: int) -> Tlp:
    """Decode one ``tlp_hdr``/``tlp_data`` beat with cocotbext-pcie.

    Header DWORDs go out big-endian (DW0 first), the payload DWORD little-endian
    (byte 0 = ``tlp_data[7:0]``). The raw header is kept as ``tlp.raw_hdr``.
    """
    raw = b"".join(((hdr >> (32 * i)) & 0xFFFF_FFFF).to_bytes(4, "big") for i in range(4))
    fmt = raw[0] >> 5
    hdr_len = 16 if fmt & 1 else 12
    tlp = Tlp.unpack(raw[:hdr_len] + data.to_bytes(4, "little"))
    tlp.raw_hdr = hdr
    return tlp


class ReadySink:
    """Drives a sink's ready (``tlp_ready``, ``bready``, ``rready``) from
    (ready, cycles) runs of back-pressure; high when the runs are empty.

    The first run starts at the first falling edge after construction; each
    lasts ``cycles`` falling edges (a falling-edge step on the :class:`CycleHub`).
    """

    def __init__(self, signal, clock, runs: Iterator[tuple[int, int]]):
        self._ready = signal
        self._clock = clock
        self._runs = runs
        self._left = 0  # falling edges until the next run
        self._ready.value = 1
        self._thread = cocotb.start_soon(_attached(CycleHub.of(clock), self._step, rising=False))

    def kill(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self._thread = None

    def _step(self) -> bool:
        self._left -= 1
        while self._left <= 0:
            run = next(self._runs, None)
            if run is None:
                return True  # ready stays as it is
            ready, self._left = run
            self._ready.value = ready
        return False


class TlpMonitor(ValidReadyMonitor):
    """Reports each MSI beat taken on ``tlp_*`` as a decoded :class:`Tlp`."""

    _signals = ["valid", "ready", "hdr", "data"]

    def _sample(self) -> Tlp:
        return decode_tlp(self.read.hdr(), self.read.data())


class StrobeMonitor(PulseMonitor):
    """Reports every cycle a one-bit status output is high (``intx_deassert``)."""

    def __init__(self, dut, signal_name: str, clock, **kwargs):
        self._signals = [signal_name]
        self._strobe = signal_name
        super().__init__(dut, None, clock, **kwargs)


class RiseMonitor(BusMonitor):
    """Reports the rising edges of a sticky flag (``err_notify_range``)."""

    def __init__(self, dut, signal_name: str, clock, **kwargs):
        self._signals = [signal_name]
        self._flag = signal_name
        super().__init__(dut, None, clock, **kwargs)

    async def _monitor_recv(self) -> None:
        rise = RisingEdge(getattr(self.bus, self._flag))
        while True:
            await rise
            self._recv(True)


class Completions:
    """FIFO of callers waiting for in-order responses (reads)."""

    def __init__(self):
        self._waiting: deque = deque()

    def expect(self) -> "Completion":
        c = Completion()
        self._waiting.append(c)
        return c

    def complete(self, value: Any) -> None:
        if self._waiting:
            self._waiting.popleft().set(value)


class Completion:
    __slots__ = ("value", "_event")

    def __init__(self):
        self.value = None
        self._event: Optional[Event] = None

    def set(self, value: Any) -> None:
        self.value = value
        if self._event is not None:
            self._event.set()

    async def wait(self) -> Any:
        if self.value is None:
            self._event = Event()
            await self._event.wait()
        return self.value
