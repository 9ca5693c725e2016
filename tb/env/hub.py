"""The per-cycle engine: one task per clock runs every agent's per-cycle step,
and the signal readers the monitors sample with.

Timing discipline, identical on Verilator and Icarus: drivers change DUT inputs
only at *falling* edges; monitors sample only at *rising* edges, where every
signal still holds the value the DUT samples at that edge. A cycle costs two
task resumes however many ports are busy; an idle driver costs nothing.
"""

from __future__ import annotations

from typing import Any, Callable

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, FallingEdge, RisingEdge
from cocotb.types import Logic


class XZValue(ValueError):
    """A DUT output read X or Z (a foreign DUT's uninitialised flop, an undriven read)."""

    def __init__(self, signal: str, bits: str):
        super().__init__(f"{signal} = {bits}")
        self.signal = signal
        self.bits = bits


_ZERO, _ONE = Logic("0"), Logic("1")


def int_reader(handle, name: str) -> Callable[[], int]:
    """A function returning the value of ``handle`` as an int; X or Z bits raise :class:`XZValue`.

    The monitors' hot path (valids and readies every cycle): a one-bit signal
    is compared with cocotb's interned ``Logic`` values, a vector parsed once.
    """
    if isinstance(handle.value, Logic):

        def read_bit() -> int:
            v = handle.value
            if v is _ONE:
                return 1
            if v is _ZERO:
                return 0
            raise XZValue(name, str(v))

        return read_bit

    def read() -> int:
        bits = str(handle.value)
        try:
            return int(bits, 2)
        except ValueError:
            raise XZValue(name, bits) from None

    return read


class CycleHub:
    """The single task per clock that runs every agent's per-cycle work.

    Monitors register a *rising step* (called at each rising edge), drivers and
    ready sinks a *falling step* (called at each falling edge while they have
    work; a step returning True leaves). A step joins at the first edge of its
    kind strictly after the moment it was added, as a task awaiting that edge
    then would; steps run in joining order. The hub belongs to the running
    test: a test's end cancels its task, and the next test gets a new hub.
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
        clock = self.clock
        rising, falling = self.rising, self.falling
        next_rising = str(clock.value) != "1"  # which edge comes next
        while True:
            if not (rising or falling or self._joining):
                self._wake.clear()
                await self._wake.wait()
                next_rising = str(clock.value) != "1"
            if next_rising:
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
            next_rising = not next_rising


async def attached(hub: CycleHub, step: Callable, rising: bool) -> None:
    """An agent's task: ``step`` runs on the hub until this task is cancelled."""
    (hub.add_rising if rising else hub.add_falling)(step)
    try:
        await Event().wait()  # only cancellation ends it
    finally:
        hub.remove(step)
