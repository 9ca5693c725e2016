"""The scoreboard: golden model wrapper plus in-order, exact checker.

Every request the monitors report (in commit order) is replayed into the
golden model (``model.MsixFunction``); what the model says must come out is
queued, and each DUT output is compared against the head of its queue:

  =====================  ==============================================
  DUT output             expected from the model
  =====================  ==============================================
  MSI TLP (decoded)      ``sent`` (address & ~3, data) + running tag,
                         requester ID, fmt by address < 4 GiB
  AXI B / R              SLVERR iff ``DecodeError`` (or no model
                         equivalent, e.g. a non-contiguous strobe);
                         read data, 0 on SLVERR
  ``cfg_rdata``          ``config_read``, one cycle after the request
  ``intx_deassert``      ``on_intx_deassert``, one cycle after the write
  ``err_notify_range``   rises at the first out-of-range notify
  =====================  ==============================================

A mismatch raises :class:`Mismatch` (the test fails) with the seed, the index
and text of the operation that caused the expectation, expected and actual
values, and the command that reproduces the run.
"""

from __future__ import annotations

import os
import shlex
from collections import deque
from typing import Any, Callable, Optional

from cocotb.simtime import get_sim_time
from cocotbext.pcie.core.tlp import PcieId, Tlp, TlpType

from model import DecodeError, MsixFunction, NotifyOutcome

from .msix_config import MsixConfig
from .msix_txn import AXI_OKAY, AXI_SLVERR, BarRead, BarWrite, CfgAccess, Flr, Notify, UseOp, VectorUse


class Mismatch(AssertionError):
    """The DUT disagreed with the golden model."""


def expected_tlp(address: int, data: int, requester_id: int, tag: int) -> Tlp:
    """The Memory Write an MSI (address, data) must produce (PCIe Base 2.2.4.1)."""
    tlp = Tlp()
    tlp.fmt_type = TlpType.MEM_WRITE if address >> 32 == 0 else TlpType.MEM_WRITE_64
    tlp.requester_id = PcieId.from_int(requester_id)
    tlp.tag = tag
    tlp.set_addr_be_data(address & ~3, data.to_bytes(4, "little"))
    return tlp


def _contiguous(strb: int) -> bool:
    low = strb & -strb
    return strb != 0 and (strb + low) & strb == 0


class MsixScoreboard:
    """Replays committed requests into the model and checks every output in order."""

    def __init__(
        self,
        cfg: MsixConfig,
        *,
        requester_id: int,
        clock_period_steps: int,
        seed: Any = None,
        repro: str = "",
        log=None,
    ):
        self.cfg = cfg
        self.model: MsixFunction = cfg.make_model()
        self.requester_id = requester_id
        self.period = clock_period_steps
        self.seed = seed
        self.repro = repro
        self.log = log
        self.bus_bytes = cfg.axi_width // 8
        self._cap_dword = cfg.cap_offset // 4

        if not cfg.tracking:  # USE_TRACKING=0: every vector is always in use
            for v in range(cfg.nvec):
                self.model.vector_use(v)

        # What is being replayed, for messages.
        self.op_index = -1
        self._op: Any = None
        self._now = 0
        self._last_commit = -1
        self.recent: deque = deque(maxlen=12)

        # Expected outputs, each (expected, op index, op[, due time]).
        self._b: deque = deque()
        self._r: deque = deque()
        self._cfg_r: deque = deque()
        self._tlp: deque = deque()
        self._intx: deque = deque()
        self.model.on_message = self._on_message
        self.model.on_intx_deassert = self._on_intx

        self.tlps_checked = 0
        self.err_expected_at: Optional[int] = None
        self.err_seen_at: Optional[int] = None
        self.counts: dict[str, int] = {}

        self._commit: dict[type, Callable[[Any], None]] = {
            BarWrite: self._bar_write,
            BarRead: self._bar_read,
            CfgAccess: self._cfg_access,
            Notify: self._notify,
            VectorUse: self._vector_use,
            Flr: self._flr,
        }

    # ------------------------------------------------------------ reporting
    def _fail(self, what: str, expected: Any, actual: Any, index: int, op: Any) -> None:
        recent = "\n".join(f"      #{i} @{t}: {o}" for i, t, o in self.recent)
        raise Mismatch(
            f"\n*** MISMATCH: {what}\n"
            f"  seed:       SEED={self.seed}\n"
            f"  operation:  #{index}: {op}\n"
            f"  expected:   {expected}\n"
            f"  actual:     {actual}\n"
            f"  sim time:   {get_sim_time('ns')} ns (config {self.cfg.name})\n"
            f"  last operations committed:\n{recent}\n"
            f"  reproduce:  {self.repro}\n"
        )

    # ------------------------------------------------------------- requests
    def commit(self, op: Any) -> None:
        """One request took effect at this rising edge (called by a monitor)."""
        now = get_sim_time()
        if now == self._last_commit:
            self._fail("two requests accepted in one cycle", "at most one", op, self.op_index + 1, op)
        self._last_commit = now
        self._now = now
        self.op_index += 1
        self._op = op
        self.recent.append((self.op_index, now, op))
        self._commit[type(op)](op)

    def _on_message(self, address: int, data: int) -> None:
        self._tlp.append((address, data, self.op_index, self._op))

    def _on_intx(self) -> None:
        self._intx.append((self._now + self.period, self.op_index, self._op))

    def _bar_write(self, op: BarWrite) -> None:
        resp = AXI_SLVERR
        lane = op.addr % self.bus_bytes
        strb = op.strb
        if _contiguous(strb):
            low = (strb & -strb).bit_length() - 1
            size = bin(strb).count("1")
            if low == lane:  # else: no model equivalent (e.g. 0xF0 at a QWORD address)
                value = (op.data >> (8 * low)) & ((1 << (8 * size)) - 1)
                try:
                    self.model.bar_write(op.addr, value, size)
                    resp = AXI_OKAY
                except DecodeError:
                    pass
        self._b.append((resp, self.op_index, op))

    def _bar_read(self, op: BarRead) -> None:
        lane = op.addr % self.bus_bytes
        try:
            expected = (self.model.bar_read(op.addr, self.bus_bytes - lane) << (8 * lane), AXI_OKAY)
        except DecodeError:
            expected = (0, AXI_SLVERR)
        self._r.append((expected, self.op_index, op))

    def _cfg_access(self, op: CfgAccess) -> None:
        in_cap = 0 <= op.dword - self._cap_dword < 3
        if op.write:
            if in_cap:  # byte by byte, ascending: msix_write_config runs on byte cap+3 only
                base = 4 * op.dword
                for i in range(4):
                    if op.be >> i & 1:
                        self.model.config_write(base + i, (op.data >> (8 * i)) & 0xFF, 1)
            return
        expected = self.model.config_read(4 * op.dword, 4) if in_cap else 0
        mask = sum(0xFF << (8 * i) for i in range(4) if op.be >> i & 1)
        self._cfg_r.append((expected, mask, self._now + self.period, self.op_index, op))

    def _notify(self, op: Notify) -> None:
        outcome = self.model.notify(op.vector)
        if outcome is NotifyOutcome.DROPPED_RANGE and self.err_expected_at is None:
            self.err_expected_at = self._now

    def _vector_use(self, op: VectorUse) -> None:
        if not self.cfg.tracking:
            return  # accepted and ignored
        if op.op == UseOp.USE:
            if op.vector < self.cfg.nvec and self.model.use_count(op.vector) >= self.cfg.use_count_max:
                return  # hardware limit (rtl/README.md): a use at the counter maximum is ignored
            self.model.vector_use(op.vector)
        elif op.op == UseOp.UNUSE:
            self.model.vector_unuse(op.vector)
        elif op.op == UseOp.UNUSE_ALL:
            self.model.unuse_all_vectors()

    def _flr(self, op: Flr) -> None:
        self.model.reset()

    # -------------------------------------------------------------- outputs
    def check_b(self, resp: int) -> None:
        if not self._b:
            self._fail("unexpected AXI write response", "none", f"bresp={resp}", self.op_index, self._op)
        expected, index, op = self._b.popleft()
        if resp != expected:
            self._fail("AXI write response", f"bresp={expected}", f"bresp={resp}", index, op)

    def check_r(self, data_resp: tuple[int, int]) -> None:
        if not self._r:
            self._fail("unexpected AXI read response", "none", data_resp, self.op_index, self._op)
        expected, index, op = self._r.popleft()
        if data_resp != expected:
            self._fail(
                "AXI read response",
                f"rdata={expected[0]:#x} rresp={expected[1]}",
                f"rdata={data_resp[0]:#x} rresp={data_resp[1]}",
                index,
                op,
            )

    def check_cfg_rdata(self, data: int) -> None:
        now = get_sim_time()
        if not self._cfg_r:
            self._fail("unexpected cfg_rvalid", "none", f"cfg_rdata={data:#010x}", self.op_index, self._op)
        expected, mask, due, index, op = self._cfg_r.popleft()
        if data & mask != expected & mask or now != due:
            self._fail(
                "config read data",
                f"cfg_rdata={expected:#010x} (bytes {mask:#010x}) one cycle after the request (t={due})",
                f"cfg_rdata={data:#010x} at t={now}",
                index,
                op,
            )

    def check_tlp(self, tlp: Tlp) -> None:
        if not self._tlp:
            self._fail("unexpected MSI TLP", "none", tlp, self.op_index, self._op)
        address, data, index, op = self._tlp.popleft()
        tag = self.tlps_checked & 0xFF
        self.tlps_checked += 1
        exp = expected_tlp(address, data, self.requester_id, tag)
        ok = tlp == exp and not tlp.th
        if ok and exp.fmt_type is TlpType.MEM_WRITE and tlp.raw_hdr >> 96:
            ok = False  # DW3 of a 3-DW header must be zero
        if not ok:
            self._fail(
                f"MSI TLP #{self.tlps_checked - 1} (model message address={address:#x} data={data:#x})",
                exp,
                f"{tlp} raw_hdr={tlp.raw_hdr:#034x}",
                index,
                op,
            )

    def check_intx(self, _: Any = None) -> None:
        now = get_sim_time()
        if not self._intx:
            self._fail("unexpected intx_deassert pulse", "none", f"pulse at t={now}", self.op_index, self._op)
        due, index, op = self._intx.popleft()
        if now != due:
            self._fail("intx_deassert timing", f"pulse one cycle after the write (t={due})", f"t={now}", index, op)

    def err_rose(self, _: Any = None) -> None:
        if self.err_seen_at is None:
            self.err_seen_at = get_sim_time()

    # ------------------------------------------------------------ end of test
    @property
    def outstanding(self) -> int:
        """Expected outputs not seen yet."""
        return len(self._b) + len(self._r) + len(self._cfg_r) + len(self._tlp) + len(self._intx)

    def final_check(self, err_flag: int) -> None:
        """Nothing expected is missing, and the error flag is right."""
        for name, q in (("AXI B", self._b), ("AXI R", self._r), ("cfg_rdata", self._cfg_r),
                        ("MSI TLP", self._tlp), ("intx_deassert", self._intx)):
            if q:  # every queue entry ends with (op index, op)
                head = q[0]
                self._fail(f"missing {name} output(s) at the end of the test ({len(q)} outstanding)",
                           head[:-2], "nothing", head[-2], head[-1])
        expected_flag = int(self.err_expected_at is not None)
        if err_flag != expected_flag or self.err_seen_at != self.err_expected_at:
            self._fail(
                "err_notify_range",
                f"flag={expected_flag}, rising at t={self.err_expected_at}",
                f"flag={err_flag}, rose at t={self.err_seen_at}",
                self.op_index,
                self._op,
            )


def repro_command(test: str) -> str:
    """The command that reruns ``test`` with this seed (template set by tb.msix_runner)."""
    template = os.environ.get("MSIX_REPRO", "SEED=<seed> make cosim SIM=<sim> CONFIG=<config> TEST={test}")
    return template.replace("{test}", shlex.quote(test))
