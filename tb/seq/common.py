"""What sequences share: MSI addresses, vector samples, table programming, and
the profile features a sequence needs (``requires``).

Sequences drive requests through the :class:`~tb.env.env.MsixEnv` helpers;
what the DUT's profile does not claim is not driven (the env leaves it out).
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any, Iterable, Optional

from qemu_msix import NotifyOutcome

from ..env.env import MsixEnv
from ..env.record import CommitRecord
from ..env.txn import Notify

MSI_BASE = 0xFEE0_0000  # x86 interrupt window, a typical 32-bit MSI address


def requires(*features: str):
    """Mark a sequence as needing profile features (``cfg_port``, ``use_port``, ``flr``,
    ``access_errors``): the testplan runs it only on DUTs that claim them all."""

    def mark(seq):
        seq.requires = features
        return seq

    return mark


def rand_address(rng: random.Random) -> int:
    """An MSI address: mostly 32-bit (3-DW header), sometimes 64-bit, any bits 1:0."""
    r = rng.random()
    if r < 0.5:
        return MSI_BASE | rng.randrange(1 << 20)
    if r < 0.75:
        return rng.randrange(1 << 32)
    return rng.randrange(1 << 64)


def sample_vectors(tb: MsixEnv, k: int = 24) -> list[int]:
    """All vectors for small tables; else both ends, DWORD/QWORD borders and random ones."""
    n = tb.num_vectors
    if n <= k:
        return list(range(n))
    picks = {0, 1, n - 1, n - 2, 31 % n, 32 % n, 63 % n, 64 % n}
    while len(picks) < k:
        picks.add(tb.rng.randrange(n))
    return sorted(picks)


def program_all(tb: MsixEnv, vectors: Iterable[int], masked: bool = False) -> None:
    for v in vectors:
        tb.write_entry(v, rand_address(tb.rng), tb.rng.randrange(1 << 32), control=int(masked))


async def enable(tb: MsixEnv, maskall: bool = False) -> None:
    tb.set_control(True, maskall)
    await tb.quiesce()


def random_access(tb: MsixEnv, rng: random.Random, addr: int) -> None:
    """A write (random data and strobe) or a read at ``addr``, whatever its shape."""
    nb = tb.axil.nbytes
    if rng.random() < 0.5:
        tb.axil.write_nowait(addr, rng.randrange(1 << (8 * nb)), rng.randrange(1 << nb))
    else:
        tb.axil.read_nowait(addr)


def flr_and_reprogram(tb: MsixEnv, rng: random.Random, hot: list[int]) -> None:
    """FLR, then enable and reprogram a few hot vectors so traffic keeps flowing."""
    tb.flr()
    tb.set_control(True, False)
    program_all(tb, rng.sample(hot, min(4, len(hot))))


class Scenario:
    """What a directed sequence's requests really did, counted from the
    scoreboard's commit records, so that a sequence asserts its scenario
    happened (messages sent, vectors pending, requests dropped), not only that
    nothing mismatched. Requests on different ports commit in priority order
    (notify last), so a sequence waits for the commits a step depends on
    (``await tb.quiesce()``) before it counts or queues the next step.
    """

    def __init__(self, tb: MsixEnv, name: str) -> None:
        self.tb, self.name = tb, name
        self.records: list[CommitRecord] = []
        self._mark = 0
        tb.scoreboard.observers.append(self.records.append)

    def phase(self) -> None:
        """Count from here on."""
        self._mark = len(self.records)

    def _since(self) -> list[CommitRecord]:
        return self.records[self._mark:]

    def commits(self, kind: type) -> list[CommitRecord]:
        """The committed requests of one kind (``Notify``, ``CfgAccess`` ...) since the phase began."""
        return [r for r in self._since() if type(r.op) is kind]

    def notifies(self) -> dict[str, int]:
        """Notify outcomes since the phase began, by name (SENT, PENDING, DROPPED_UNUSED, DROPPED_RANGE)."""
        return dict(Counter(r.outcome.name for r in self._since() if type(r.op) is Notify))

    def messages(self, cause: Optional[str] = None) -> int:
        """Messages decided since the phase began (all, or of one cause: notify, entry_unmask, ...)."""
        return sum(1 for r in self._since() for m in r.messages if cause is None or m.cause == cause)

    def require(self, what: str, got: Any, expected: Any) -> None:
        if got != expected:
            raise AssertionError(f"scenario {self.name}: {what}: expected {expected}, got {got}")

    @staticmethod
    def outcomes(**counts: int) -> dict[str, int]:
        """``outcomes(SENT=3, PENDING=0)`` as ``notifies()`` reports it (zero counts left out)."""
        return {NotifyOutcome[k].name: n for k, n in counts.items() if n}


def notify_limit(tb: MsixEnv) -> int:
    """Vectors the notify port can carry (wider ones are not driven)."""
    return 1 << len(getattr(tb.dut, tb.binding.signals["notify.vector"]))
