"""The one driver of every request port: presents queued transactions on a
valid/ready port (or sets a level port), one per handshake.

Built from a :class:`~tb.env.ports.PortDef` and the DUT signals the binding
names for it. Inputs change only at falling edges. The port's monitor calls
:meth:`accepted` at the handshake edge; the next request (or valid low)
follows at the next falling edge, so back-to-back requests commit on
consecutive cycles. A request queued while the port is idle is presented at
the next falling edge, after its idle gap and once the settle gate lets it.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterator, Optional

from cocotb.triggers import Event
from cocotb_bus.drivers import BusDriver

from .hub import PARK, CycleHub


class ValidReadyDriver(BusDriver):
    def __init__(self, dut, port, signals: dict[str, str], clock, idle: Optional[Iterator[int]] = None, gate=None):
        self.port = port  # PortDef
        self._signals = {role: signals[role] for role in port.driven}
        self._idle = idle if idle is not None else itertools.repeat(0)
        self._gate = gate
        self._empty = Event()
        self._empty.set()
        self._in_flight = False
        self._hub = CycleHub.of(clock)
        self._stepping = False  # the step is on the hub
        self._stopped = False
        self._current: Optional[tuple] = None  # (txn, callback, event) presented or waiting
        self._presented = False
        self._taken = False
        self._blocked = False  # gap over, waiting for the settle gate
        self._gap = 0
        self._valid_high = False
        self._held = False  # a burst plays this port (tb/env/burst.py)
        super().__init__(dut, None, clock, case_insensitive=False)  # names are exact (the binding's)
        self._valid_handles = [getattr(self.bus, v) for v in port.valids]
        self._field_handles = [(f, getattr(self.bus, role)) for f, role in port.fields]
        for role in self._signals:
            getattr(self.bus, role).value = 0

    def driving(self) -> bool:
        """A request is presented and not yet taken (its valid is high)."""
        return self._presented and not self._taken

    def kind_of(self, txn: Any) -> str:
        """The request kind the settle gate classifies (``bar_write``, ``cfg_write``, ``levels`` ...)."""
        return self.port.kind(txn)

    # -- API -------------------------------------------------------------
    def append(self, transaction: Any, callback: Optional[Callable[[Any], Any]] = None,
               event: Optional[Event] = None, **kwargs) -> None:
        """Queue a request (cocotb-bus ``Driver.append``)."""
        self._sendQ.append((transaction, callback, event, kwargs))
        if not self._stepping and not self._stopped and not self._held:
            self._stepping = True
            self._hub.add_falling(self._step)

    def send_nowait(self, txn: Any, callback: Optional[Callable[[Any], Any]] = None) -> None:
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

    def no_gaps(self) -> None:
        """From now on present each request without an idle gap (the final readback)."""
        self._idle = itertools.repeat(0)

    # -- bursts (tb/env/burst.py) -------------------------------------------
    def draw_gaps(self, n: int) -> list[int]:
        """The idle gaps of the next ``n`` requests, drawn as the driver would draw them."""
        return [next(self._idle) for _ in range(n)]

    def fresh(self) -> bool:
        """Requests are queued and none presented yet (the first waits for its falling
        edge), and nobody waits on one of them alone: a burst can take them."""
        return (self._stepping and self._current is None and self._hub.joining(self._step)
                and all(cb is None and ev is None for _, cb, ev, _ in self._sendQ))

    def take_queued(self) -> list:
        """Hand the queued requests over (to a burst), before the driver presents any."""
        self._hub.remove(self._step)
        self._stepping = False
        txns = [txn for txn, *_ in self._sendQ]
        self._sendQ.clear()
        return txns

    def hold_idle(self) -> None:
        """A burst plays the port: busy until :meth:`release_idle`; requests queued meanwhile wait for it."""
        self._held = self._in_flight = True
        self._empty.clear()

    def release_idle(self) -> None:
        self._held = self._in_flight = False
        if self._sendQ:
            if not self._stopped:
                self._stepping = True
                self._hub.add_falling(self._step)
        else:
            self._empty.set()

    def accepted(self, _txn: Any = None) -> None:
        """Called by the monitor at the handshake edge."""
        if self._presented and not self._taken:
            self._taken = True
            txn, callback, event = self._current
            self._hub.wake(self._step)
            if self._gate is not None:
                self._gate.committed(self)
            if event is not None:
                event.set()
            if callback is not None:
                callback(txn)

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
        txn = self._current[0]
        if self._gate is not None and not self._gate.may_present(self, txn):
            self._blocked = True
            if self._valid_high:
                self._set_valid(0)
            return
        self._blocked = False
        for f, h in self._field_handles:
            h.value = int(getattr(txn, f))
        if self._valid_handles and not self._valid_high:
            self._set_valid(1)
        self._presented = True
        self._taken = False

    def _step(self):
        """One falling edge. Returns True when the port has gone idle (the step
        leaves), :data:`PARK` while a request waits for its handshake (the
        monitor's :meth:`accepted` wakes it), else the falling edges until the
        next thing to do (the idle gap)."""
        if self._presented:
            if not self._taken:
                return PARK
            self._presented = False
            self._current = None
        elif self._blocked:
            self._present()
            return PARK if self._presented else False
        elif self._gap:
            self._gap = 0
            self._present()
            return PARK if self._presented else False
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
            return self._gap  # presented at the gap's last falling edge
        self._present()
        return PARK if self._presented else False
