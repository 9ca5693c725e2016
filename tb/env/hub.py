"""The per-cycle engine: one task per clock runs every agent's per-cycle step,
and the signal readers the monitors sample with.

Timing discipline, identical on Verilator and Icarus: drivers change DUT inputs
only at *falling* edges; monitors sample only at *rising* edges, where every
signal still holds the value the DUT samples at that edge. A busy cycle costs
two task resumes however many ports are busy; a cycle where no agent can act
(an idle gap, a stall behind back-pressure) costs nothing.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event, FallingEdge, RisingEdge, Timer
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


#: A falling step's return value: not due until :meth:`CycleHub.wake`.
PARK = float("inf")


class CycleHub:
    """The single task per clock that runs every agent's per-cycle work, and
    only on the edges where some agent has work.

    Monitors register a *rising step* with a ``needed()`` predicate (a request
    port: its driver presents; an output: its valid is high and its ready is
    high); drivers and the settle gate a *falling step*, whose return value says
    when it is due again: ``True`` leaves the hub, ``False``/``None`` the next
    falling edge, an int ``k`` the k-th falling edge from now, :data:`PARK`
    until :meth:`wake` (a driver waiting for its handshake).

    Between the edges where something is due the hub sleeps on one timer; a
    DUT output whose valid rises (:meth:`poke`, from a value-change watch), a
    ready rising under it (a :class:`~tb.env.traffic.ReadySink`, its own task)
    or a step joining wakes it. So an idle gap or a back-pressure stall of any
    length costs one wake, and the cycles stay exact: a step that would have
    done nothing is all that is skipped.

    A step joins at the first edge of its kind strictly after the moment it was
    added, as a task awaiting that edge then would; steps run in joining order.
    The hub belongs to the running test: a test's end cancels its task, and the
    next test gets a new hub.
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
        self.rising: list[tuple[Callable[[], Any], Optional[Callable[[], Any]]]] = []  # (step, needed)
        self.falling: list[Callable[[], Any]] = []
        self._due: dict[Callable, float] = {}  # falling step -> sim time of the falling edge it runs at
        self._joining: list[tuple[list, Any, int]] = []  # (list, entry, sim time added)
        self._wake = Event()
        self.period: Optional[int] = None  # sim steps (set_clock, before any agent joins)
        self._rise0: Optional[int] = None
        self._alarm_at: Optional[int] = None  # sim time of the earliest pending alarm
        self._task = cocotb.start_soon(self._run())

    def set_clock(self, period: int, rise0: int) -> None:
        """The clock's period and one rising-edge time (sim steps): the hub
        computes every edge from them, so it can sleep across cycles."""
        self.period, self._rise0 = period, rise0

    def add_rising(self, step: Callable[[], Any], needed: Optional[Callable[[], Any]] = None) -> None:
        self._join(self.rising, (step, needed))

    def add_falling(self, step: Callable[[], Any]) -> None:
        self._join(self.falling, step)

    def remove(self, step: Callable) -> None:
        self.rising[:] = [e for e in self.rising if e[0] != step]
        if step in self.falling:
            self.falling.remove(step)
        self._due.pop(step, None)
        self._joining = [j for j in self._joining if (j[1][0] if j[0] is self.rising else j[1]) != step]

    def joining(self, step: Callable) -> bool:
        """``step`` was added and has not run yet (it runs at the next edge of its kind)."""
        return any((j[1][0] if j[0] is self.rising else j[1]) == step for j in self._joining)

    def poke(self) -> None:
        """Something may need the next edges (a DUT valid rose, a request was queued)."""
        self._wake.set()

    def wake(self, step: Callable) -> None:
        """A parked falling step is due at the next falling edge."""
        if step in self._due:
            self._due[step] = 0
            self._wake.set()

    def next_rising(self, t: int) -> int:
        """The sim time of the first rising edge strictly after ``t``."""
        if self.period is None or self._rise0 is None:
            raise RuntimeError("CycleHub.set_clock() first")
        return t - (t - self._rise0) % self.period + self.period

    def next_falling(self, t: int) -> int:
        """The sim time of the first falling edge strictly after ``t``."""
        rise = self.next_rising(t)
        return rise - self.period // 2 if rise - self.period // 2 > t else rise + self.period // 2

    async def sleep_to(self, t: int) -> None:
        """Sleep until sim time ``t`` in one wake (a quarter period before an edge
        sees what the agents left at the edge before it)."""
        now = get_sim_time()
        if t > now:
            await Timer(t - now, unit="step")

    def _join(self, steps: list, entry: Any) -> None:
        self._joining.append((steps, entry, get_sim_time()))
        self._wake.set()

    def _admit(self, steps: list, now: int) -> None:
        """Move the entries waiting for ``steps`` that were added before this edge."""
        waiting = []
        for joining in self._joining:
            if joining[0] is steps and joining[2] != now:
                steps.append(joining[1])
                if steps is self.falling:
                    self._due[joining[1]] = now
            else:
                waiting.append(joining)
        self._joining = waiting

    def _rising_needed(self) -> bool:
        if any(j[0] is self.rising for j in self._joining):
            return True
        for _, needed in self.rising:
            if needed is None or needed():
                return True
        return False

    def _on_rising(self, now: int) -> None:
        if self._joining:
            self._admit(self.rising, now)
        for step, needed in self.rising:
            if needed is None or needed():
                step()

    def _on_falling(self, now: int) -> None:
        if self._joining:
            self._admit(self.falling, now)
        due, period = self._due, self.period
        leaving = []
        for step in self.falling:
            if due[step] > now:
                continue
            r = step()
            if r is True:
                leaving.append(step)
            else:
                due[step] = now + (r or 1) * period
        for step in leaving:
            self.falling.remove(step)
            del due[step]

    async def _run(self) -> None:
        rising_edge, falling_edge = RisingEdge(self.clock), FallingEdge(self.clock)
        inf = float("inf")
        last, last_rising = None, False  # the edge just processed (sim time, kind), None after a sleep
        while True:
            if not (self.rising or self.falling or self._joining):
                self._wake.clear()
                await self._wake.wait()
                last = None
            period, rise0 = self.period, self._rise0
            if period is None or rise0 is None:
                raise RuntimeError("CycleHub: set_clock() before any agent joins")
            # Busy fast path: the edge right after the one just processed is due.
            if last is not None:
                if last_rising:
                    fall_t = last + period // 2
                    if (self._joining and any(j[0] is self.falling for j in self._joining)) or \
                            (self._due and min(self._due.values()) <= fall_t):
                        await falling_edge
                        self._on_falling(fall_t)
                        last, last_rising = fall_t, False
                        continue
                elif self._rising_needed():
                    rise_t = last + period // 2
                    await rising_edge
                    self._on_rising(rise_t)
                    last, last_rising = rise_t, True
                    continue
                last = None
            now = get_sim_time()
            phase = (now - rise0) % period
            half = period // 2
            if phase < half:  # between a rising edge (or at it) and the falling edge
                fall_t, rise_t = now - phase + half, now - phase + period
            else:
                fall_t, rise_t = now - phase + period + half, now - phase + period
            # the earliest edge where something is due
            target = rise_t if self._rising_needed() else inf
            if any(j[0] is self.falling for j in self._joining):
                target = min(target, fall_t)
            elif self._due:
                target = min(target, max(fall_t, min(self._due.values())))
            if target < min(fall_t, rise_t) + period:  # due within the next two edges: step to it
                if rise_t < fall_t:
                    await rising_edge
                    self._on_rising(rise_t)
                    last, last_rising = rise_t, True
                else:
                    await falling_edge
                    self._on_falling(fall_t)
                    last, last_rising = fall_t, False
                continue
            # Sleep on the wake event; an alarm sets it a quarter period before the target edge.
            if target != inf:
                alarm = target - period // 4
                if self._alarm_at is None or self._alarm_at > alarm:
                    self._alarm_at = alarm
                    cocotb.start_soon(self._alarm(alarm))
            self._wake.clear()
            await self._wake.wait()

    async def _alarm(self, t: int) -> None:
        await Timer(t - get_sim_time(), unit="step")
        if self._alarm_at == t:
            self._alarm_at = None
        self._wake.set()


async def attached(hub: CycleHub, step: Callable, needed: Optional[Callable[[], Any]] = None,
                   watch: Optional[tuple] = None) -> None:
    """A monitor's task: its rising ``step`` runs on the hub until this task is cancelled.

    ``watch = (handle, changed[, paused, resumed])``: ``changed()`` runs at every
    value change of ``handle`` (a DUT valid), and a true result wakes the hub;
    while ``paused()`` (a burst logs the port) the watch sleeps until the Event
    ``resumed``, then reads again.
    """
    hub.add_rising(step, needed)
    try:
        if watch is None:
            await Event().wait()  # only cancellation ends it
        else:
            handle, changed, *pause = watch
            paused, resumed = pause if pause else (None, None)
            change = handle.value_change
            while True:
                await change
                if paused is not None and paused():
                    await resumed.wait()
                if changed():
                    hub.poke()
    finally:
        hub.remove(step)
