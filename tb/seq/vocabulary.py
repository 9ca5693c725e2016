"""The random-stimulus vocabulary: one method per request kind, shared by the
random mix (:mod:`.random_mix`) and the coverage-closure generator
(:mod:`.closure`), which differ only in how they weight the kinds.
"""

from __future__ import annotations

import random
from typing import Callable

from ..env.env import MsixEnv
from ..env.txn import UseOp
from .common import flr_and_reprogram, rand_address, random_access

KINDS = ("notify", "ctrl_write", "entry_write", "qword_write", "read", "pba_read", "cfg", "use", "bad", "flr",
         "cfg_any", "use_raw", "bad_targeted")


class RandomOps:
    """Draws one request of a kind; ``pick()`` chooses the vector (mostly ``hot`` ones);
    ``hole`` is a BAR offset in neither table nor PBA (for ``bad_targeted``)."""

    def __init__(self, tb: MsixEnv, rng: random.Random, hot: list[int], pick: Callable[[], int], hole: int = 0):
        self.tb, self.rng, self.hot, self.pick, self.hole = tb, rng, hot, pick, hole
        self.nb = tb.axil.nbytes

    def op(self, kind: str) -> None:
        getattr(self, kind)()

    def notify(self) -> None:
        tb, rng = self.tb, self.rng
        v = self.pick() if rng.random() > 0.01 else rng.randrange(tb.num_vectors, 1 << 16)
        for _ in range(rng.choice((1, 1, 1, 4))):
            tb.notify(v)

    def ctrl_write(self) -> None:  # mask/unmask, sometimes with reserved bits set
        tb, rng = self.tb, self.rng
        v = self.pick()
        tb.axil.write_dword_nowait(tb.entry(v, 3), rng.randrange(2) | (rng.randrange(1 << 32) & -2 if rng.random() < 0.1 else 0))

    def entry_write(self) -> None:
        tb, rng = self.tb, self.rng
        v = self.pick()
        dw = rng.randrange(3)
        value = rand_address(rng) if dw < 2 else rng.randrange(1 << 32)
        if dw == 0:
            value &= 0xFFFF_FFFF
        elif dw == 1:
            value = 0 if rng.random() < 0.6 else value >> 32
        tb.axil.write_dword_nowait(tb.entry(v, dw), value)

    def qword_write(self) -> None:
        tb, rng = self.tb, self.rng
        if self.nb == 8:
            v = self.pick()
            tb.axil.write_nowait(tb.entry(v, 2 * rng.randrange(2)), rng.randrange(1 << 64) & ~(rng.randrange(2) << 32))
        else:
            tb.write_entry(self.pick(), rand_address(rng), rng.randrange(1 << 32))

    def read(self) -> None:
        tb, rng, nb = self.tb, self.rng, self.nb
        tb.axil.read_nowait(tb.entry(self.pick(), rng.randrange(4)) & ~(nb - 1) | (4 * rng.randrange(2) if nb == 8 else 0))

    def pba_read(self) -> None:
        tb, nb = self.tb, self.nb
        tb.axil.read_nowait(tb.pba_offset + nb * self.rng.randrange(tb.pba_size // nb))

    def cfg(self) -> None:
        tb, rng = self.tb, self.rng
        r = rng.random()
        if r < 0.6:  # MASKALL / ENABLE toggles, mostly enabled and unmasked
            tb.set_control(rng.random() < 0.85, rng.random() < 0.3)
        elif r < 0.8:
            tb.cfg_write(tb.cap_dword + rng.randrange(3), rng.randrange(1 << 32), rng.randrange(16))
        else:
            tb.cfg_read_nowait(tb.cap_dword + rng.randrange(-1, 4))

    def use(self) -> None:
        tb, rng = self.tb, self.rng
        if not tb.cfg.tracking:
            tb.use(self.pick())  # accepted and ignored
            return
        r = rng.random()
        v = self.pick()
        if r < 0.5:
            tb.use(v)
        elif r < 0.97:
            tb.unuse(v)
        elif r < 0.99:
            tb.unuse_all()
            for h in self.hot:
                tb.use(h)
        else:
            tb.use_op(UseOp.IGNORED, v)

    def bad(self) -> None:  # any address shape and strobe, anywhere in the BAR
        random_access(self.tb, self.rng, self.rng.randrange(self.tb.bar_size))

    def flr(self) -> None:
        flr_and_reprogram(self.tb, self.rng, self.hot)

    # Wider words (the closure generator draws them; the random mixes do not).
    def cfg_any(self) -> None:  # any byte-enable on the capability and the DWORDs around it
        tb, rng = self.tb, self.rng
        r = rng.random()
        if r < 0.5:
            tb.set_control(rng.random() < 0.8, rng.random() < 0.3)
        elif r < 0.8:
            tb.cfg_write(tb.cap_dword + rng.randrange(-1, 4), rng.randrange(1 << 32), rng.randrange(16))
        else:
            tb.cfg_read_nowait(tb.cap_dword + rng.randrange(-1, 4))

    def use_raw(self) -> None:  # any use-port op, at the counter maximum and out of range too
        tb, rng = self.tb, self.rng
        v = self.pick() if rng.random() > 0.02 else rng.randrange(tb.num_vectors, 1 << 16)
        op = rng.choices((UseOp.USE, UseOp.UNUSE, UseOp.UNUSE_ALL, UseOp.IGNORED), (50, 45, 2, 3))[0]
        tb.use_op(op, v)
        if op == UseOp.UNUSE_ALL:
            for h in self.hot:
                tb.use_op(UseOp.USE, h)

    def bad_targeted(self) -> None:  # any address shape and strobe, in the table, the PBA or a hole
        tb, rng, nb = self.tb, self.rng, self.nb
        base = rng.choice((tb.entry(self.pick(), rng.randrange(4)), tb.pba_offset + 4 * rng.randrange(tb.pba_size // 4),
                           self.hole, rng.randrange(tb.bar_size)))
        random_access(tb, rng, base - base % nb + rng.randrange(nb))
