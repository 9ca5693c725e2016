"""Constrained-random mixes over the shared vocabulary (:mod:`.vocabulary`)."""

from __future__ import annotations

from ..env.env import MsixEnv
from .common import program_all, sample_vectors
from .vocabulary import RandomOps

#: Weights of the random mixes (request kind -> weight).
MIXES = {
    "mix": dict(notify=30, ctrl_write=12, entry_write=10, qword_write=3, read=12, pba_read=5, cfg=6, use=8, bad=3, flr=1),
    "notify": dict(notify=70, ctrl_write=6, entry_write=4, read=6, pba_read=4, cfg=4, use=4, bad=1, flr=0.5),
    "masks": dict(notify=25, ctrl_write=40, read=8, pba_read=8, cfg=12, use=4, bad=1, flr=0.5),
}


async def random_mix_seq(tb: MsixEnv, nops: int = 2000, mix: str = "mix", batch: int = 24) -> None:
    """Constrained random: notify bursts, mask/unmask storms, MASKALL/ENABLE
    toggles, table rewrites, reads, use/unuse, bad accesses, rare FLR, all ports
    at once (so the priority rules are exercised)."""
    rng = tb.rng
    n = tb.num_vectors
    kinds, weights = zip(*MIXES[mix].items())
    hot = sample_vectors(tb, 16)  # most traffic on a few vectors, so that effects interact
    ops = RandomOps(tb, rng, hot, lambda: rng.choice(hot) if rng.random() < 0.8 else rng.randrange(n))
    await tb.use_all()
    program_all(tb, hot, masked=False)
    tb.set_control(True, False)
    done = 0
    while done < nops:
        for kind in rng.choices(kinds, weights, k=batch):
            done += 1
            ops.op(kind)
        await tb.quiesce()
