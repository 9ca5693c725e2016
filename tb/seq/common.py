"""What sequences share: MSI addresses, vector samples, table programming, and
the profile features a sequence needs (``requires``).

Sequences drive requests through the :class:`~tb.env.env.MsixEnv` helpers;
what the DUT's profile does not claim is not driven (the env leaves it out).
"""

from __future__ import annotations

import random
from typing import Iterable

from ..env.env import MsixEnv

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
