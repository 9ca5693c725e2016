"""The settle gate: who may present a request now (``Profile.settle``).

With no settle kinds the gate is always open and costs nothing. Otherwise a
request of a settle kind waits until every other port is quiet (no valid high),
is presented alone, and after its commit keeps every port waiting for
``Settle.cycles`` falling edges and until ``Settle.idle`` reads 1. So a DUT
that releases pending vectors some cycles after the request (a PBA scan) is
checked exactly: nothing it could race with is on the bus meanwhile.
"""

from __future__ import annotations

from typing import Callable, Optional

from .binding import Settle
from .hub import CycleHub

WAITING, PRESENTED, SETTLING = "waiting", "presented", "settling"


class Gate:
    def __init__(self, settle: Settle, clock, idle: Optional[Callable[[], int]]):
        self.kinds = frozenset(settle.after)
        self.cycles = settle.cycles
        self.idle = idle
        self.drivers: list = []
        self.owner = None
        self.state: Optional[str] = None
        self._left = 0
        self._hub = CycleHub.of(clock)

    def may_present(self, driver, txn) -> bool:
        """Called by a driver about to present ``txn`` at a falling edge."""
        if self.owner is None:
            if driver.kind_of(txn) not in self.kinds:
                return True
            self.owner, self.state = driver, WAITING
        if self.owner is not driver or self.state != WAITING:
            return False
        if any(d._valid_high for d in self.drivers if d is not driver):
            return False  # a request already presented on another port goes first
        self.state = PRESENTED
        return True

    def committed(self, driver) -> None:
        """The owner's request committed (a rising edge): hold every port until settled."""
        if self.owner is driver and self.state == PRESENTED:
            self.state = SETTLING
            self._left = self.cycles
            self._hub.add_falling(self._step)

    def _step(self) -> bool:
        self._left -= 1
        if self._left > 0 or (self.idle is not None and not self.idle()):
            return False
        self.owner = self.state = None
        return True
