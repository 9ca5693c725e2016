"""Functional coverage of ``msix_block`` (cocotb-coverage), named after the spec.

Sampled from what the DUT did, never from what a sequence meant to do, and
never re-deriving a model decision:

* requests from the :class:`~tb.env.record.CommitRecord` the scoreboard returns
  at each commit (the model's outcome, the control bits before and after, the
  use count and pending bit before, the messages decided and why);
* responses from the AXI B/R monitors (the response code the DUT returned);
* MSI messages when the MSI monitor saw them leave (after the scoreboard
  accepted them), as the scoreboard's :class:`~tb.env.record.Message`;
* output back-pressure from the MSI handshake and the messages still queued.

Groups (``msix.<group>.<coverpoint>``, OpenTitan style ``cp_*`` / ``cr_*``):

=====================  ========================================================
``msix.bar``           ``cr_region_size_dir_resp``: table field / PBA / hole x
                       access size x read/write x OKAY/SLVERR
``msix.cfg``           ``cr_write_size_offset`` (capability bytes written),
                       ``cp_covers_ctrl``, ``cp_ctrl_transition`` (ENABLE/MASKALL
                       before -> after, all 16)
``msix.notify``        ``cp_outcome``, ``cp_position``, ``cr_outcome_position``
``msix.release``       ``cp_cause`` (entry unmask, MASKALL clear, ENABLE set),
                       ``cp_burst`` (vectors released by one request)
``msix.use``           ``cp_transition`` (use/unuse counter transitions,
                       unuse clearing a pending bit)
``msix.backpressure``  ``cp_stall`` (none / short / queue full) while messages queue
``msix.reset``         ``cr_flr_state`` (FLR with messages queued x pending bits set)
``msix.seq``           ``cp_completed`` (Linux driver and qtest sequences)
=====================  ========================================================

The model is built per configuration and profile: a bin that a parameter set
or a binding cannot reach (8-byte accesses on a 32-bit bus, vector 64 with 8
vectors, unused vectors without use tracking, config-port write shapes on a
hard-IP style DUT, FLR without an FLR port, SLVERR where the DUT answers no
access errors) is not part of that model (SystemVerilog ``ignore_bins``). Bins are keyed by label, so runs of different configurations
merge by label (:func:`merge_exports`); the union is the regression's model.

Enabled by ``MSIX_COV=1`` (the regression sets it; ``COV=1 make cosim`` too);
each run exports its database to ``$MSIX_COV_DIR/functional.xml``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections import deque
from pathlib import Path
from typing import Any, Iterable, Optional

from cocotb_coverage.coverage import CoverPoint, coverage_db

from qemu_msix import DecodeError, NotifyOutcome

from .bus_map import contiguous, model_access, size_label
from .config import MsixConfig
from .record import CommitRecord, Message
from .txn import AXI_OKAY, BarRead, BarWrite, CfgAccess, CtrlLevels, Flr, Notify, UseOp, VectorUse

ENV_ENABLE = "MSIX_COV"
ENV_DIR = "MSIX_COV_DIR"
EXPORT_NAME = "functional.xml"
ROOT = "msix"

FIELDS = ("addr_lo", "addr_hi", "data", "ctrl")
SIZES = ("1B", "2B", "4B", "8B", "other")
#: Coverpoints only directed sequences reach (not part of the random-closure experiment).
DIRECTED_ONLY = (f"{ROOT}.seq.cp_completed",)


def enabled() -> bool:
    return os.environ.get(ENV_ENABLE, "0") not in ("", "0")


def ctrl_label(enable: bool, maskall: bool) -> str:
    return f"E{int(enable)}M{int(maskall)}"


# ---------------------------------------------------------------------------
# Bus-access classification and the reachable bins of one configuration
# ---------------------------------------------------------------------------
class BarShape:
    """Region/size classification of BAR accesses for one configuration."""

    def __init__(self, cfg: MsixConfig):
        layout = cfg.make_model().layout
        self.cfg = cfg
        self.access_errors = cfg.binding_def().profile.access_errors
        self.nb = cfg.axi_width // 8
        self.table = (layout.table_offset, layout.table_offset + 16 * cfg.num_vectors)
        self.pba = (layout.pba_offset, layout.pba_offset + layout.pba_size)
        self.bar_size = layout.bar_size
        self.hole = next(a for a in (self.table[1], self.pba[1], self.bar_size - 8, self.table[0] - 8, self.pba[0] - 8)
                         if 0 <= a and a + 8 <= self.bar_size and self.region(a) == "hole" and self.region(a + 7) == "hole")

    def region(self, addr: int) -> str:
        if self.table[0] <= addr < self.table[1]:
            return "table." + FIELDS[(addr - self.table[0]) % 16 // 4]
        if self.pba[0] <= addr < self.pba[1]:
            return "pba"
        return "hole"

    def key(self, op: Any) -> tuple[str, str, str]:
        return self.region(op.addr), size_label(op, self.nb), "write" if isinstance(op, BarWrite) else "read"

    def reachable(self) -> dict[str, tuple[str, int, int]]:
        """Every (region, size, dir, resp) label an access can produce here, with
        one concrete access producing it: (dir, offset from the region's base, strobe).

        The response comes from the model's decode rules (``DecodeError`` =
        SLVERR), with the scoreboard's rule for strobes with no model equivalent.
        """
        model = self.cfg.make_model()
        nb = self.nb
        out: dict[str, tuple[str, int, int]] = {}
        bases = {"table." + f: self.table[0] + 4 * i for i, f in enumerate(FIELDS)}
        bases["pba"] = self.pba[0]
        bases["hole"] = self.hole

        def resp(op) -> str:
            acc = model_access(op, nb)
            try:
                if acc is None:
                    raise DecodeError(op.addr, 0, "no model equivalent")
                if isinstance(op, BarRead):
                    model.bar_read(acc.offset, acc.size)
                else:  # Vector Control written 1: masking releases nothing
                    model.bar_write(acc.offset, 0 if (op.addr - self.table[0]) % 16 != 12 else 1, acc.size)
                return "OKAY"
            except DecodeError:
                return "SLVERR"

        for region, base in bases.items():
            qword = base - base % nb
            for addr in range(base, base + 4):
                ops = [BarRead(addr)] + [BarWrite(addr, 0, strb) for strb in range(1 << nb)]
                for op in ops:
                    r = resp(op)
                    if r == "SLVERR" and not self.access_errors:
                        continue  # such a DUT is never sent an invalid access
                    kind = "write" if isinstance(op, BarWrite) else "read"
                    label = "/".join((region, size_label(op, nb), kind, r))
                    out.setdefault(label, (kind, addr - qword, getattr(op, "strb", 0)))
        return dict(sorted(out.items()))


def positions(num_vectors: int) -> dict[str, int]:
    """Vector positions of interest (label -> vector) that exist with ``num_vectors`` vectors."""
    pos = {"v=0": 0}
    for v in (31, 32, 63, 64):
        if v < num_vectors:
            pos[f"v={v}"] = v
    pos["v=N-1"] = num_vectors - 1
    middle = next((v for v in range(num_vectors // 2, num_vectors - 1) if v not in (31, 32, 63, 64)), None)
    if middle is not None and middle > 0:
        pos["middle"] = middle
    return pos


def position_labels(v: int, num_vectors: int, pos: dict[str, int]) -> list[str]:
    labels = [k for k, x in pos.items() if x == v and k != "middle"]
    if not labels and 0 < v < num_vectors - 1 and "middle" in pos:
        labels.append("middle")
    return labels


# ---------------------------------------------------------------------------
# The coverage model
# ---------------------------------------------------------------------------
def _noop(*_args) -> None:
    return None


class MsixCoverage:
    """The covergroups of one configuration, and the sampling hooks the env calls."""

    def __init__(self, cfg: MsixConfig):
        self.cfg = cfg
        self.profile = cfg.binding_def().profile
        self.n = cfg.num_vectors
        self.shape = BarShape(cfg)
        self.bar_bins = self.shape.reachable()
        self.pos = positions(cfg.num_vectors)
        self.cap = cfg.cap_offset
        self._cp: dict[str, Any] = {}
        self._bins: dict[str, list[str]] = {}
        self._define_model()
        # Sampling state.
        self._b: deque = deque()
        self._r: deque = deque()
        self._bursts: dict[int, int] = {}  # deciding request index -> its messages seen leaving
        self._baseline: dict[str, dict[str, int]] = {}

    # ---------------------------------------------------------- definition
    def _point(self, name: str, bins: Iterable[str]) -> None:
        bins = list(bins)
        full = f"{ROOT}.{name}"
        self._bins[full] = bins
        self._cp[full] = CoverPoint(full, xf=lambda x: x, bins=bins)(_noop)

    def _define_model(self) -> None:
        cfg, p = self.cfg, self.profile
        self._point("bar.cr_region_size_dir_resp", self.bar_bins)
        states = [ctrl_label(e, m) for e in (0, 1) for m in (0, 1)]
        if p.config == "port":
            shapes = []
            for off in range(12):  # capability bytes, every contiguous byte-enable within a DWORD
                for size in (1, 2, 3, 4):
                    if off % 4 + size <= 4:
                        shapes.append(f"{size}B@cap+{off}")
            self._point("cfg.cr_write_size_offset", shapes + ["outside_cap", "be_empty_or_split"])
            self._point("cfg.cp_covers_ctrl", ["covers_cap+3", "misses_cap+3"])
            self._point("cfg.cp_ctrl_transition", [f"{a}->{b}" for a in states for b in states])
        else:  # levels: only changes are events
            self._point("cfg.cp_ctrl_transition", [f"{a}->{b}" for a in states for b in states if a != b])
        outcomes = ["sent", "pending"] + (["dropped_unused"] if cfg.tracking else []) + ["dropped_range"]
        self._point("notify.cp_outcome", outcomes)
        self._point("notify.cp_position", self.pos)
        self._point("notify.cr_outcome_position", [f"{o}/{p}" for o in ("sent", "pending") for p in self.pos])
        self._point("release.cp_cause", ["entry_unmask", "maskall_clear", "enable_set"])
        self._point("release.cp_burst", ["1"] + (["2-3"] if self.n >= 2 else []) + (["4+"] if self.n >= 4 else []))
        if cfg.tracking:
            self._point("use.cp_transition", ["use_0->1", "use_n->n+1", "use_at_max_ignored", "unuse_1->0",
                                              "unuse_1->0_clears_pending", "unuse_n->n-1", "unuse_at_0", "unuse_all",
                                              "unuse_all_clears_pending", "out_of_range", "op3_ignored"])
        elif p.use_port:
            self._point("use.cp_transition", ["ignored_without_tracking"])
        # With a one-message queue every stall fills it: no "short" stall exists.
        self._point("backpressure.cp_stall", ["none"] + (["short"] if cfg.msg_fifo_depth > 1 else []) + ["queue_full"])
        if p.flr:
            self._point("reset.cr_flr_state", [f"queued={q}/pending={p}" for q in (0, 1) for p in (0, 1)])
        self._point("seq.cp_completed", ["linux_driver", "qtest_pba_poll"])

    def has_point(self, name: str) -> bool:
        return f"{ROOT}.{name}" in self._cp

    def sample(self, name: str, label: str) -> None:
        self._cp[f"{ROOT}.{name}"](label)

    def start(self) -> None:
        """A new test: forget the previous test's responses and bursts in flight."""
        self._b.clear()
        self._r.clear()
        self._bursts.clear()

    # ------------------------------------------------------------- requests
    def on_commit(self, rec: CommitRecord) -> None:
        """One committed request, as the scoreboard replayed it."""
        op = rec.op
        kind = type(op)
        if kind is Notify:
            outcome = rec.outcome
            if outcome is NotifyOutcome.PENDING:
                self.sample("notify.cp_outcome", "pending")
                self._sample_position("pending", op.vector)
            elif outcome is NotifyOutcome.DROPPED_UNUSED:
                self.sample("notify.cp_outcome", "dropped_unused")
            elif outcome is NotifyOutcome.DROPPED_RANGE:
                self.sample("notify.cp_outcome", "dropped_range")
            # SENT is sampled when its message leaves the DUT (on_msi)
        elif kind is BarWrite:
            self._b.append(self.shape.key(op))
        elif kind is BarRead:
            self._r.append(self.shape.key(op))
        elif kind is CfgAccess:
            if op.write:
                self._sample_cfg_write(op, rec)
        elif kind is CtrlLevels:
            self.sample("cfg.cp_ctrl_transition", f"{ctrl_label(*rec.ctrl_before)}->{ctrl_label(*rec.ctrl_after)}")
        elif kind is VectorUse:
            self._sample_use(op, rec)
        elif kind is Flr:
            self.sample("reset.cr_flr_state", f"queued={int(rec.queued_before > 0)}/pending={int(rec.any_pending_before)}")

    def _sample_position(self, outcome: str, v: int) -> None:
        for label in position_labels(v, self.n, self.pos):
            self.sample("notify.cp_position", label)
            self.sample("notify.cr_outcome_position", f"{outcome}/{label}")

    def _sample_cfg_write(self, op: CfgAccess, rec: CommitRecord) -> None:
        rel = 4 * op.dword - self.cap
        be = op.be
        if not contiguous(be):
            shape = "be_empty_or_split"
        elif not 0 <= rel < 12:
            shape = "outside_cap"
        else:
            low = (be & -be).bit_length() - 1
            shape = f"{bin(be).count('1')}B@cap+{rel + low}"
        self.sample("cfg.cr_write_size_offset", shape)
        covers = rel == 0 and bool(be & 0x8)
        self.sample("cfg.cp_covers_ctrl", "covers_cap+3" if covers else "misses_cap+3")
        if covers:
            self.sample("cfg.cp_ctrl_transition", f"{ctrl_label(*rec.ctrl_before)}->{ctrl_label(*rec.ctrl_after)}")

    def _sample_use(self, op: VectorUse, rec: CommitRecord) -> None:
        if not self.cfg.tracking:
            self.sample("use.cp_transition", "ignored_without_tracking")
            return
        if op.op == UseOp.IGNORED:
            label = "op3_ignored"
        elif op.op == UseOp.UNUSE_ALL:
            label = "unuse_all_clears_pending" if rec.any_pending_before else "unuse_all"
        elif op.vector >= self.n:
            label = "out_of_range"
        else:
            count, pending = rec.use_before
            if op.op == UseOp.USE:
                label = "use_at_max_ignored" if count >= self.cfg.use_count_max else ("use_0->1" if count == 0 else "use_n->n+1")
            elif count == 0:
                label = "unuse_at_0"
            elif count == 1:
                label = "unuse_1->0_clears_pending" if pending else "unuse_1->0"
            else:
                label = "unuse_n->n-1"
        self.sample("use.cp_transition", label)

    # Outputs, after the scoreboard checked them.
    def on_b(self, resp: int) -> None:
        if self._b:
            self.sample("bar.cr_region_size_dir_resp", "/".join(self._b.popleft() + ("OKAY" if resp == AXI_OKAY else "SLVERR",)))

    def on_r(self, data_resp: tuple[int, int]) -> None:
        if self._r:
            self.sample("bar.cr_region_size_dir_resp",
                        "/".join(self._r.popleft() + ("OKAY" if data_resp[1] == AXI_OKAY else "SLVERR",)))

    def on_msi(self, msg: Message) -> None:
        """A message left the DUT (the scoreboard's record of it: cause, vector, burst)."""
        if msg.cause == "notify":
            self.sample("notify.cp_outcome", "sent")
            self._sample_position("sent", msg.vector)
        elif msg.cause in ("entry_unmask", "maskall_clear", "enable_set"):
            self.sample("release.cp_cause", msg.cause)
            seen = self._bursts.get(msg.index, 0) + 1
            if seen == msg.burst:
                self._bursts.pop(msg.index, None)
                k = msg.burst
                self.sample("release.cp_burst", "1" if k == 1 else ("2-3" if k < 4 else "4+"))
            else:
                self._bursts[msg.index] = seen

    def sequence_completed(self, name: str) -> None:
        self.sample("seq.cp_completed", name)

    async def stall_monitor(self, clock, valid, ready, queued) -> None:
        """Output back-pressure while messages are queued, per stall episode:
        ``none`` (a queued message taken at once, no back-pressure), ``short``
        (a stall the queue absorbed), ``queue_full`` (the stall left as many
        messages waiting as the DUT's queue holds: it had to stop deciding).
        ``ready()`` is the level the sink drives, ``queued()`` the number of
        messages decided and not yet out."""
        from cocotb.triggers import RisingEdge

        depth = self.cfg.msg_fifo_depth
        edge, rise = RisingEdge(clock), RisingEdge(valid)
        run = peak = 0
        while True:
            await edge
            if not valid.value:
                if run:
                    self.sample("backpressure.cp_stall", "queue_full" if peak >= depth else "short")
                    run = peak = 0
                await rise
                continue
            level = queued()
            if ready():
                if run:
                    self.sample("backpressure.cp_stall", "queue_full" if peak >= depth else "short")
                    run = peak = 0
                elif level >= 1:
                    self.sample("backpressure.cp_stall", "none")
            else:
                run += 1
                peak = max(peak, level)

    # ------------------------------------------------------------ database
    def hits(self) -> dict[str, dict[str, int]]:
        return {name: dict(coverage_db[name].detailed_coverage) for name in self._bins}

    def mark_baseline(self) -> None:
        """Coverage from here on is counted on its own (a test closes the model alone)."""
        self._baseline = self.hits()

    def holes(self, since_baseline: bool = True, names: Optional[Iterable[str]] = None) -> dict[str, list[str]]:
        """Unhit bins per coverpoint (since :meth:`mark_baseline` by default)."""
        out = {}
        base = self._baseline if since_baseline else {}
        for name in names if names is not None else self._bins:
            h = coverage_db[name].detailed_coverage
            b = base.get(name, {})
            miss = [k for k, v in h.items() if v - b.get(k, 0) <= 0]
            if miss:
                out[name] = miss
        return out

    def closure_points(self) -> list[str]:
        return [n for n in self._bins if n not in DIRECTED_ONLY]

    def size(self, names: Optional[Iterable[str]] = None) -> int:
        return sum(len(self._bins[n]) for n in (names if names is not None else self._bins))

    def export(self, directory: Optional[str] = None) -> Optional[Path]:
        directory = directory or os.environ.get(ENV_DIR)
        if not directory:
            return None
        path = Path(directory) / EXPORT_NAME
        coverage_db.export_to_xml(str(path))
        return path


_MODELS: dict[str, MsixCoverage] = {}


def coverage_for(cfg: MsixConfig) -> MsixCoverage:
    """One model per configuration per process (the database is process-global)."""
    if cfg.name not in _MODELS:
        _MODELS[cfg.name] = MsixCoverage(cfg)
    return _MODELS[cfg.name]


# ---------------------------------------------------------------------------
# Merging exports (by bin label, across configurations)
# ---------------------------------------------------------------------------
def read_export(path: Path) -> dict[str, dict[str, int]]:
    """{coverpoint: {bin label: hits}} of one ``export_to_xml`` file."""
    out: dict[str, dict[str, int]] = {}
    for elem in ET.parse(path).getroot().iter():
        if "bin" in elem.attrib and "hits" in elem.attrib:
            cp = elem.attrib["abs_name"].rsplit(".bin", 1)[0].removeprefix("top.")
            out.setdefault(cp, {})[elem.attrib["bin"]] = int(elem.attrib["hits"])
    return out


def merge_exports(paths: Iterable[Path]) -> dict[str, dict[str, int]]:
    """Union of bins, sum of hits. (cocotb-coverage's ``merge_coverage`` keys bins
    by position, which is only right when every file has the same bins; the
    per-configuration models do not.)"""
    merged: dict[str, dict[str, int]] = {}
    for p in paths:
        for cp, bins in read_export(p).items():
            dst = merged.setdefault(cp, {})
            for label, hits in bins.items():
                dst[label] = dst.get(label, 0) + hits
    return {cp: merged[cp] for cp in sorted(merged)}
