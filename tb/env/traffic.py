"""Traffic shapes: idle cycles a driver leaves between requests, and the
(ready, cycles) runs of back-pressure a sink applies (cocotbext-axi's one
pause-generator idea: every port takes its pauses from an iterator).
"""

from __future__ import annotations

import itertools
import random
from typing import Callable, Iterator

import cocotb
from cocotb.simtime import get_sim_time

from .hub import CycleHub

IDLE_PROFILES = ("none", "light", "heavy")
BACKPRESSURE_PROFILES = ("none", "light", "heavy", "long")

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
    lasts ``cycles`` cycles. The sink is its own task sleeping from one run's
    start to the next (one wake per run, not per cycle); :attr:`ready` is the
    level driven now, so a monitor knows without a read when no handshake can
    happen, and ``on_ready`` (the env: wake the hub) runs when ready rises.
    """

    def __init__(self, signal, clock, runs: Iterator[tuple[int, int]]):
        self._ready = signal
        self._runs = runs
        self.ready = 1
        self.on_ready: Callable[[], None] = lambda: None
        self._ready.value = 1
        self._hub = CycleHub.of(clock)
        self._thread = cocotb.start_soon(self._play())

    async def _play(self) -> None:
        hub = self._hub
        t = hub.next_falling(get_sim_time())
        for ready, cycles in self._runs:
            if cycles <= 0:
                continue
            await hub.sleep_to(t)  # the falling edge the run starts at
            if ready != self.ready:
                self.ready = ready
                self._ready.value = ready
                if ready:
                    self.on_ready()
            t += cycles * hub.period
