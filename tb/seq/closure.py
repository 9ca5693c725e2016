"""The coverage-closure generator: the shared random vocabulary, unbiased or
coverage-driven (recipes aimed at the coverage model's unhit bins)."""

from __future__ import annotations

import json
import os

from ..env.cov import FIELDS
from ..env.env import MsixEnv
from ..env.txn import UseOp
from .common import program_all, rand_address, sample_vectors
from .vocabulary import RandomOps

class StimulusGen:
    """The random generator of the coverage-closure tests.

    ``random_op`` draws one request from the shared vocabulary (the same for both
    modes, so that "unbiased" and "coverage-driven" differ only in choice);
    ``recipe`` plays a short scenario aimed at one bin of :mod:`tb.env.cov`.
    Recipes read state (use counts) from the scoreboard's model, which mirrors
    what the DUT has committed, and order steps across ports with ``quiesce``.
    """

    def __init__(self, tb: MsixEnv):
        self.tb = tb
        self.rng = tb.rng
        self.cov = tb.cov
        self.nb = tb.axil.nbytes
        self.hot = sample_vectors(tb, 16)  # includes 0, N-1 and the PBA word borders
        self.ops = RandomOps(tb, self.rng, self.hot, self.pick, self.cov.shape.hole if self.cov else 0)

    #: The closure generator's weights over the shared vocabulary.
    KINDS = dict(notify=30, ctrl_write=12, entry_write=8, qword_write=3, read=10, pba_read=5, cfg_any=8, use_raw=8,
                 bad_targeted=5, flr=1)

    def pick(self) -> int:
        return self.rng.choice(self.hot) if self.rng.random() < 0.7 else self.rng.randrange(self.tb.num_vectors)

    def random_op(self) -> None:
        """One request of a kind drawn by ``KINDS`` (the same draw in both modes)."""
        self.ops.op(self.rng.choices(tuple(self.KINDS), tuple(self.KINDS.values()))[0])

    # ------------------------------------------------------------- recipes
    def _use_raw(self, op: UseOp, v: int, times: int = 1) -> None:
        for _ in range(times):
            self.tb.use_op(op, v)

    def _ensure_used(self, v: int) -> None:
        """Declare ``v`` in use if tracking says it is not (a dropped notify proves nothing)."""
        if self.tb.cfg.tracking and self.tb.model.use_count(v) == 0:
            self._use_raw(UseOp.USE, v)

    async def set_use_count(self, v: int, target: int) -> None:
        tb = self.tb
        if not tb.cfg.tracking:
            return
        await tb.quiesce()
        count = tb.model.use_count(v)
        target = min(target, tb.cfg.use_count_max)
        self._use_raw(UseOp.USE if target > count else UseOp.UNUSE, v, abs(target - count))
        await tb.quiesce()

    async def ready_to_send(self, v: int) -> None:
        """Vector ``v`` in use, entry unmasked, function enabled and unmasked."""
        tb = self.tb
        self._ensure_used(v)
        tb.mask(v, False)
        tb.set_control(True, False)
        await tb.quiesce()

    async def make_pending(self, v: int) -> None:
        tb = self.tb
        self._ensure_used(v)
        tb.mask(v, True)
        await tb.quiesce()
        tb.notify(v)
        await tb.quiesce()

    async def release_burst(self, vectors: list[int]) -> None:
        """Exactly ``vectors`` pending and unmasked, then one MASKALL clear releases them."""
        tb = self.tb
        tb.flr()  # PBA clear, every entry masked
        tb.set_control(True, True)
        await tb.quiesce()
        for v in vectors:
            if tb.cfg.tracking and tb.model.use_count(v) == 0:
                self._use_raw(UseOp.USE, v)
            tb.write_entry(v, rand_address(self.rng), self.rng.randrange(1 << 32), control=0)
        await tb.quiesce()
        for v in vectors:
            tb.notify(v)
        await tb.quiesce()
        tb.set_control(True, False)
        await tb.quiesce()
        program_all(tb, self.hot)

    async def recipe(self, point: str, label: str) -> None:
        """A short scenario aimed at bin ``label`` of coverpoint ``point``."""
        tb, rng, cov = self.tb, self.rng, self.cov
        cp = point.split(".", 1)[1]
        v = self.pick()
        if cp == "bar.cr_region_size_dir_resp":
            kind, delta, strb = cov.bar_bins[label]
            region = label.split("/")[0]
            if region.startswith("table."):
                base = tb.entry(v, FIELDS.index(region.split(".")[1]))
            elif region == "pba":
                base = tb.pba_offset + 8 * rng.randrange(max(1, tb.pba_size // 8))
            else:
                base = cov.shape.hole
            addr = base - base % self.nb + delta
            if kind == "read":
                tb.axil.read_nowait(addr)
            else:
                tb.axil.write_nowait(addr, rng.randrange(1 << (8 * self.nb)), strb)
        elif cp == "cfg.cr_write_size_offset":
            if label == "outside_cap":
                tb.cfg_write(rng.choice((tb.cap_dword + 3, 0x0D)), rng.randrange(1 << 32), 0xF)
            elif label == "be_empty_or_split":
                tb.cfg_write(tb.cap_dword, rng.randrange(1 << 32), rng.choice((0, 5, 9, 0xA, 0xB, 0xD)))
            else:
                size, off = label.split("B@cap+")
                size, off = int(size), int(off)
                tb.cfg_write(tb.cap_dword + off // 4, rng.randrange(1 << 32), ((1 << size) - 1) << (off % 4))
        elif cp == "cfg.cp_covers_ctrl":
            tb.set_control(rng.random() < 0.8, False) if label == "covers_cap+3" else tb.cfg_write(tb.cap_dword, 0, 0x3)
        elif cp == "cfg.cp_ctrl_transition":
            a, b = label.split("->")
            tb.set_control(a[1] == "1", a[3] == "1")
            tb.set_control(b[1] == "1", b[3] == "1")
        elif cp in ("notify.cp_outcome", "notify.cp_position", "notify.cr_outcome_position"):
            if cp == "notify.cp_outcome":
                outcome, pos = label, ""
            elif cp == "notify.cp_position":
                outcome, pos = rng.choice(("sent", "pending")), label
            else:
                outcome, pos = label.split("/")
            if pos:
                v = cov.pos[pos]
            if outcome == "sent":
                await self.ready_to_send(v)
                tb.notify(v)
            elif outcome == "pending":
                await self.make_pending(v)
            elif outcome == "dropped_unused":
                await self.set_use_count(v, 0)
                tb.notify(v)
                await tb.quiesce()
                self._use_raw(UseOp.USE, v)
            else:
                tb.notify(tb.num_vectors + rng.randrange(16))
        elif cp == "release.cp_cause":
            if tb.cfg.tracking and tb.model.use_count(v) == 0:
                self._use_raw(UseOp.USE, v)
            if label == "entry_unmask":
                tb.mask(v, True)
                tb.set_control(True, False)
            else:
                tb.mask(v, False)
                tb.set_control(label == "maskall_clear", label == "maskall_clear")
            await tb.quiesce()
            tb.notify(v)
            await tb.quiesce()
            tb.mask(v, False) if label == "entry_unmask" else tb.set_control(True, False)
        elif cp == "release.cp_burst":
            n = tb.num_vectors  # a bin exists only where its burst fits: draw for this one alone
            k = 1 if label == "1" else rng.randint(2, min(3, n)) if label == "2-3" else rng.randint(4, min(8, n))
            await self.release_burst(rng.sample(range(tb.num_vectors), k))
        elif cp == "use.cp_transition":
            await self._use_recipe(label, v)
        elif cp == "backpressure.cp_stall":
            await self.ready_to_send(v)
            for _ in range(tb.cfg.msg_fifo_depth + 4):
                tb.notify(v)
        elif cp == "reset.cr_flr_state":
            queued, pending = (x.endswith("1") for x in label.split("/"))
            tb.flr()  # from a clean PBA
            tb.set_control(True, False)
            program_all(tb, self.hot)
            await tb.quiesce()
            if queued:  # a burst behind back-pressure
                w = rng.choice(self.hot)
                await self.ready_to_send(w)
                for _ in range(tb.cfg.msg_fifo_depth + 2):
                    tb.notify(w)
                await tb.notify_settled()
            if pending:  # AXI write before notify (priority), both before the FLR
                if tb.cfg.tracking and tb.model.use_count(v) == 0:
                    self._use_raw(UseOp.USE, v)
                tb.mask(v, True)
                tb.notify(v)
                await tb.notify_settled()
            if not queued:
                await tb.drain()
            tb.flr()
            await tb.quiesce()
            tb.set_control(True, False)
            program_all(tb, self.hot)
        await tb.quiesce()

    async def _use_recipe(self, label: str, v: int) -> None:
        tb = self.tb
        top = tb.cfg.use_count_max
        if label == "ignored_without_tracking":
            self._use_raw(UseOp.USE, v)
        elif label == "use_0->1":
            await self.set_use_count(v, 0)
            self._use_raw(UseOp.USE, v)
        elif label == "use_n->n+1":
            await self.set_use_count(v, 1)
            self._use_raw(UseOp.USE, v)
        elif label == "use_at_max_ignored":
            await self.set_use_count(v, top)
            self._use_raw(UseOp.USE, v)
        elif label in ("unuse_1->0", "unuse_1->0_clears_pending"):
            await self.set_use_count(v, 1)
            if label.endswith("pending"):
                await self.make_pending(v)
            self._use_raw(UseOp.UNUSE, v)
        elif label == "unuse_n->n-1":
            await self.set_use_count(v, 2)
            self._use_raw(UseOp.UNUSE, v)
        elif label == "unuse_at_0":
            await self.set_use_count(v, 0)
            self._use_raw(UseOp.UNUSE, v)
        elif label in ("unuse_all", "unuse_all_clears_pending"):
            if label.endswith("pending"):
                await self.make_pending(v)
            else:
                self._use_raw(UseOp.UNUSE_ALL, 0)  # clears the PBA: the next one clears nothing
            self._use_raw(UseOp.UNUSE_ALL, 0)
            for h in self.hot:
                self._use_raw(UseOp.USE, h)
        elif label == "out_of_range":
            self._use_raw(self.rng.choice((UseOp.USE, UseOp.UNUSE)), tb.num_vectors + self.rng.randrange(16))
        elif label == "op3_ignored":
            self._use_raw(UseOp.IGNORED, v)


#: The coverage-closure experiment: unbiased random vs coverage-driven random.
CLOSURE_MODES = ("random", "cov")


async def cov_closure_seq(tb: MsixEnv, nops: int = 4000, mode: str = "cov", batch: int = 32, targets: int = 4) -> dict:
    """Random stimulus until the configuration's coverage model is closed (or
    ``nops`` requests). ``mode="cov"``: between batches the generator reads the
    coverage database and plays a recipe for up to ``targets`` unhit bins;
    ``mode="random"``: unbiased random only. Coverage counts from the start of
    this test (so one test reproduces alone); sequence-completion bins are
    directed-only and left out. Returns (and, with ``MSIX_COV_DIR``, writes to
    ``closure.json``) the curve of bins hit against requests committed."""
    cov = tb.cov
    if cov is None:
        raise RuntimeError("coverage-driven stimulus needs the coverage model: run with COV=1 (the regression does)")
    gen = StimulusGen(tb)
    cov.mark_baseline()
    points = cov.closure_points()
    total = cov.size(points)
    await tb.use_all()
    program_all(tb, gen.hot)
    tb.set_control(True, False)
    await tb.quiesce()

    def covered() -> int:
        return total - sum(len(h) for h in cov.holes(names=points).values())

    curve = [(tb.scoreboard.op_index + 1, covered())]
    while curve[-1][0] < nops and curve[-1][1] < total:
        if mode == "cov":
            holes = [(p, b) for p, bins in cov.holes(names=points).items() for b in bins]
            for point, label in gen.rng.sample(holes, min(targets, len(holes))):
                await gen.recipe(point, label)
        for _ in range(batch):
            gen.random_op()
        await tb.quiesce()
        curve.append((tb.scoreboard.op_index + 1, covered()))
    await tb.drain()
    curve.append((tb.scoreboard.op_index + 1, covered()))
    closed_at = next((ops for ops, c in curve if c == total), None)
    result = dict(mode=mode, seed=tb.seed, config=tb.cfg.name, total=total, closed_at=closed_at, curve=curve,
                  holes=cov.holes(names=points))
    out = os.environ.get("MSIX_COV_DIR")
    if out:
        with open(os.path.join(out, f"closure-{mode}.json"), "w") as fh:
            json.dump(result, fh)
    tb.log.info("closure (%s): %d/%d bins after %d requests%s", mode, curve[-1][1], total, curve[-1][0],
                f", closed at {closed_at}" if closed_at else ", NOT closed")
    return result
