"""Traffic shapes: idle cycles a driver leaves between requests, and the
(ready, cycles) runs of back-pressure a sink applies (cocotbext-axi's one
pause-generator idea: every port takes its pauses from an iterator).
"""

from __future__ import annotations

import bisect
import itertools
import random
from pathlib import Path
from typing import Callable, Iterator, Optional

import cocotb
from cocotb.simtime import get_sim_time
from cocotb.triggers import Event

from .burst import HexFile
from .hub import CycleHub

IDLE_PROFILES = ("none", "light", "heavy")
BACKPRESSURE_PROFILES = ("none", "light", "heavy", "long")
#: Runs per chunk of a pattern played by msix_tb_ready (DEPTH there). Two chunks
#: are drawn when a test starts, and most tests end within them: a larger chunk
#: draws runs no cycle uses (1024 cost a 65-vector configuration's tests 14 % of
#: their Python time), a smaller one wakes Python more often under long stalls.
CHUNK = 256

#: Traffic shapes every test is repeated under:
#: (driver idle gaps, MSI output back-pressure, AXI B/R back-pressure).
TRAFFIC = {
    "none": ("none", "none", "none"),
    "idle": ("light", "light", "none"),
    "stall": ("none", "heavy", "light"),
    "long": ("heavy", "long", "light"),
}


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


class ReadySink:
    """Drives a sink's ready (MSI output, ``bready``, ``rready``) from (ready,
    cycles) runs of back-pressure; high when the runs are empty.

    The first run starts at the first falling edge after construction; each
    lasts ``cycles`` cycles. :meth:`level` is the level driven now, so a monitor
    knows without a read when no handshake can happen, and ``on_ready`` (the
    env: wake the hub) runs when ready rises while the output's valid
    (``valid_level``) is high.

    With the wrapper's ``msix_tb_ready`` (``player`` = its start and chunk
    handles, tb/tools/tb_top.py) the runs play in the simulator: Python writes
    them in chunks of :data:`CHUNK` and keeps their schedule, so it wakes once
    per chunk, and while the valid is high once per rise of ready. Without it
    (a mutation netlist) the sink is a task sleeping from one run's start to the
    next.
    """

    def __init__(self, signal, clock, runs: Iterator[tuple[int, int]], player: Optional[tuple] = None):
        self._ready = signal
        self._runs = runs
        self._level = 1
        self.on_ready: Callable[[], None] = lambda: None
        self.valid_level: Callable[[], int] = lambda: 0
        self._ready.value = 1
        self._hub = CycleHub.of(clock)
        self._player = player
        self._starts: list[int] = []  # schedule: the falling edge each run starts at, and its level
        self._levels: list[int] = []
        self._valid_high = Event()
        self._tasks = []
        self._files = []
        self._thread = cocotb.start_soon(self._play() if player is None else self._schedule())

    def level(self) -> int:
        """The ready level driven now."""
        if self._player is None:
            return self._level
        i = bisect.bisect_right(self._starts, get_sim_time()) - 1
        return 1 if i < 0 else self._levels[i]

    def valid_changed(self, level: int) -> None:
        """The output's valid changed (its monitor's watch)."""
        if level:
            self._valid_high.set()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self._thread = None
        for task in self._tasks:
            task.cancel()
        if self._player is not None:
            self._player[0].value = 0  # the testbench's own ready (high) again, at once

    async def _play(self) -> None:
        hub = self._hub
        t = hub.next_falling(get_sim_time())
        for ready, cycles in self._runs:
            if cycles <= 0:
                continue
            await hub.sleep_to(t)  # the falling edge the run starts at
            if ready != self._level:
                self._level = ready
                self._ready.value = ready
                if ready and self.valid_level():
                    self.on_ready()
            t += cycles * hub.period

    # -- played by msix_tb_ready ------------------------------------------------
    def _chunk(self, k: int, t: int) -> int:
        """Write chunk ``k`` (runs from the falling edge at ``t``) and schedule it; the time after it."""
        period, cap, lines, starts, levels = self._hub.period, (1 << 31) - 1, [], self._starts, self._levels
        for ready, cycles in self._runs:  # one pass (the runs of B and R under `long`: about 44,000 in the bench stream)
            if cycles <= 0:
                continue
            lines.append(f"{ready << 31 | (cycles if cycles < cap else cap):08x}\n")
            starts.append(t)
            levels.append(ready)
            t += cycles * period
            if len(lines) == CHUNK:
                break  # draws no run beyond
        last = levels[-1] if levels else 1  # a finite pattern keeps its last level
        lines += [f"{last << 31 | (1 << 31) - 1:08x}\n"] * (CHUNK - len(lines))
        self._files[k % 2].write("".join(lines))
        return t

    async def _schedule(self) -> None:
        start, chunk, stem = self._player
        first = self._hub.next_falling(get_sim_time())
        probe = next(iter(self._runs), None)
        if probe is None:
            return  # no back-pressure: ready stays high
        self._runs = itertools.chain([probe], self._runs)
        self._files = [HexFile(Path(f"{stem}_{i}.hex")) for i in (0, 1)]
        t = self._chunk(0, first)
        t = self._chunk(1, t)
        start.value = first
        self._tasks.append(cocotb.start_soon(self._wake_on_ready()))
        k = 1
        while True:
            await chunk.value_change
            if int(chunk.value) == k:  # the player started chunk k: write chunk k+1 (its other file)
                k += 1
                t = self._chunk(k, t)

    async def _wake_on_ready(self) -> None:
        """While the output's valid is high, wake the hub at each rise of ready."""
        hub = self._hub
        while True:
            if not self.valid_level():
                self._valid_high.clear()
                await self._valid_high.wait()
                continue
            i = bisect.bisect_right(self._starts, get_sim_time())
            while i < len(self._starts) and not (self._levels[i] and not (self._levels[i - 1] if i else 1)):
                i += 1
            if i == len(self._starts):
                raise RuntimeError("ReadySink: the schedule ran out (chunks are written ahead)")
            await hub.sleep_to(self._starts[i])
            if self.valid_level():
                self.on_ready()
