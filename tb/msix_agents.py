"""Drivers and monitors of the ``msix_block`` ports (cocotb-bus based).

Timing discipline, identical on Verilator and Icarus:
  * drivers change DUT inputs only at *falling* clock edges;
  * monitors sample only at *rising* edges, where every signal still holds the
    value the DUT samples at that edge. A request commits at the rising edge
    where valid and ready are both high, and is reported there, so reports
    arrive in commit order.
Idle ports cost nothing: a monitor sleeps on the rising edge of its valid, a
driver on its queue; per-cycle work happens only while a request is waiting.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from typing import Any, Callable, Iterator, Optional

import cocotb
from cocotb.triggers import ClockCycles, Event, FallingEdge, RisingEdge
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
# Generic valid/ready request port
# ----------------------------------------------------------------------------
class ValidReadyDriver(BusDriver):
    """Presents queued requests on a valid/ready port, one per handshake.

    Inputs change only at falling edges. The matching monitor calls
    :meth:`accepted` at the handshake edge; the next request (or valid low)
    follows at the next falling edge, so back-to-back requests commit on
    consecutive cycles.
    """

    _signals: list[str] = ["valid"]
    _valids: tuple[str, ...] = ("valid",)

    def __init__(self, dut, name: Optional[str], clock, idle: Optional[Iterator[int]] = None, **kwargs):
        self._idle = idle if idle is not None else itertools.repeat(0)
        self._accept = Event()
        self._empty = Event()
        self._empty.set()
        self._in_flight = False
        super().__init__(dut, name, clock, **kwargs)
        self._valid_handles = [getattr(self.bus, v) for v in self._valids]
        for sig in self._signals:
            getattr(self.bus, sig).value = 0

    # -- API -------------------------------------------------------------
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
        self._accept.set()

    # -- subclass hook ----------------------------------------------------
    def _drive(self, txn: Any) -> None:
        raise NotImplementedError

    # -- engine -----------------------------------------------------------
    def _set_valid(self, value: int) -> None:
        for h in self._valid_handles:
            h.value = value

    async def _send_thread(self) -> None:
        falling = FallingEdge(self.clock)
        queue = self._sendQ
        valid_high = False
        while True:
            if not queue:
                if valid_high:
                    self._set_valid(0)
                    valid_high = False
                self._in_flight = False
                self._empty.set()
                self._pending.clear()
                await self._pending.wait()
                await falling
            txn, callback, event, _ = queue.popleft()
            self._in_flight = True
            gap = next(self._idle)
            if gap:
                if valid_high:
                    self._set_valid(0)
                    valid_high = False
                await ClockCycles(self.clock, gap, rising=False)
            self._drive(txn)
            if not valid_high:
                self._set_valid(1)
                valid_high = True
            self._accept.clear()
            await self._accept.wait()
            if event is not None:
                event.set()
            if callback is not None:
                callback(txn)
            await falling


class ValidReadyMonitor(BusMonitor):
    """Reports each transfer at the rising edge where valid and ready are high."""

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

    async def _monitor_recv(self) -> None:
        clk_edge = RisingEdge(self.clock)
        valid = getattr(self.bus, self._valid)
        ready = getattr(self.bus, self._ready)
        valid_rise = RisingEdge(valid)
        sample, recv = self._sample, self._recv
        while True:
            await clk_edge
            if valid.value:
                if ready.value:
                    recv(sample())
            else:
                await valid_rise


class PulseMonitor(BusMonitor):
    """Reports every cycle a status strobe is high (back-to-back pulses included)."""

    _signals: list[str] = []
    _strobe = ""

    def _sample(self) -> Any:
        return None

    async def _monitor_recv(self) -> None:
        clk_edge = RisingEdge(self.clock)
        strobe = getattr(self.bus, self._strobe)
        rise = RisingEdge(strobe)
        sample, recv = self._sample, self._recv
        while True:
            await rise
            while True:
                await clk_edge
                if not strobe.value:
                    break
                recv(sample())


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
        b = self.bus
        write = bool(b.write.value)
        return CfgAccess(write, int(b.dword.value), int(b.be.value), int(b.wdata.value) if write else 0)


class CfgReadDataMonitor(PulseMonitor):
    """Reports ``cfg_rdata`` at every cycle ``cfg_rvalid`` is high."""

    _signals = ["rvalid", "rdata"]
    _strobe = "rvalid"

    def _sample(self) -> int:
        return int(self.bus.rdata.value)


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
        return Notify(int(self.bus.vector.value))


class UseDriver(ValidReadyDriver):
    """Vector use/unuse requests (:class:`VectorUse`) on ``use_*``."""

    _signals = ["valid", "op", "vector"]

    def _drive(self, txn: VectorUse) -> None:
        self.bus.op.value = int(txn.op)
        self.bus.vector.value = txn.vector


class UseMonitor(ValidReadyMonitor):
    _signals = ["valid", "ready", "op", "vector"]

    def _sample(self) -> VectorUse:
        return VectorUse(UseOp(int(self.bus.op.value)), int(self.bus.vector.value))


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
    (ready, cycles) runs of back-pressure; high when the runs are empty."""

    def __init__(self, signal, clock, runs: Iterator[tuple[int, int]]):
        self._ready = signal
        self._clock = clock
        self._runs = runs
        self._ready.value = 1
        self._thread = cocotb.start_soon(self._run())

    def kill(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self._thread = None

    async def _run(self) -> None:
        falling = FallingEdge(self._clock)
        await falling
        for ready, cycles in self._runs:
            self._ready.value = ready
            await ClockCycles(self._clock, cycles, rising=False)


class TlpMonitor(ValidReadyMonitor):
    """Reports each MSI beat taken on ``tlp_*`` as a decoded :class:`Tlp`."""

    _signals = ["valid", "ready", "hdr", "data"]

    def _sample(self) -> Tlp:
        return decode_tlp(int(self.bus.hdr.value), int(self.bus.data.value))


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
