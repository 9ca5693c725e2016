"""The scoreboard: golden model wrapper plus in-order, exact checker.

Every request the monitors report (in commit order) is replayed into the
golden model (``qemu_msix.MsixFunction``); :meth:`MsixScoreboard.commit` returns
what it did as a :class:`~tb.env.record.CommitRecord` (outcome, messages
decided and why), which the coverage model consumes as it is. What the model
says must come out is queued, and each DUT output is compared against the head
of its queue:

  =====================  ==============================================
  DUT output             expected from the model
  =====================  ==============================================
  MSI (TLP or addr/data) ``sent`` + running tag (tag policy), requester
                         ID, fmt by address < 4 GiB, address & ~3
                         (TLP forms; addr/data: the address as stored)
  AXI B / R              SLVERR iff ``DecodeError`` (or no model
                         equivalent, e.g. a non-contiguous strobe);
                         read data, 0 on SLVERR
  ``cfg_rdata``          ``config_read``, one cycle after the request
  ``intx_deassert``      ``on_intx_deassert``, one cycle after the write
  ``err_notify_range``   rises at the first out-of-range notify
  =====================  ==============================================

Outputs the profile does not claim are neither expected nor checked. A
mismatch raises :class:`Mismatch` (the test fails) with the seed, the index and
text of the operation that caused the expectation, expected and actual values,
and the command that reproduces the run.
"""

from __future__ import annotations

import os
import shlex
from collections import deque
from typing import Any, Callable, Optional

from cocotb.simtime import convert, get_sim_time
from cocotbext.pcie.core.tlp import TlpType

from qemu_msix import DecodeError, MsixFunction, NotifyOutcome

from .bus_map import model_access
from .config import MsixConfig
from .hub import XZValue
from .msi import AddrData, ExpectedBits, expected_tlp
from .record import CommitRecord, Message
from .txn import AXI_OKAY, AXI_SLVERR, BarRead, BarWrite, CfgAccess, CtrlLevels, Flr, Notify, UseOp, VectorUse

CTRL_BYTE_ENABLE = 0x80  # ENABLE and MASKALL in byte cap+3 (Message Control bits 15, 14)
CTRL_BYTE_MASKALL = 0x40


class Mismatch(AssertionError):
    """The DUT disagreed with the golden model."""


class MsixScoreboard:
    """Replays committed requests into the model and checks every output in order."""

    def __init__(self, cfg: MsixConfig, *, requester_id: int, clock_period_steps: int, seed: Any = None,
                 repro: str = "", log=None):
        self.cfg = cfg
        self.profile = cfg.binding_def().profile
        self.model: MsixFunction = cfg.make_model()
        self.requester_id = requester_id
        self.period = clock_period_steps
        self.seed = seed
        self.repro = repro
        self.log = log
        self.bus_bytes = cfg.axi_width // 8
        self._cap_dword = cfg.cap_offset // 4
        self._tag_step = 1 if self.profile.tag == "count" else 0
        self._msi_bits = ExpectedBits.of(requester_id, self.profile.msi == "tlp_dw0_high") \
            if self.profile.msi != "addr_data" else None

        if not cfg.tracking:  # no use tracking: every vector is always in use
            for v in range(cfg.num_vectors):
                self.model.vector_use(v)

        # What is being replayed, for messages.
        self.op_index = -1
        self._op: Any = None
        self._rec: Optional[CommitRecord] = None
        self._now = 0
        self._last_commit = -1
        self.recent: deque = deque(maxlen=12)

        # Expected outputs: records/messages, each knowing the request that caused it.
        self._b: deque = deque()  # (resp, index, op)
        self._r: deque = deque()  # ((data, resp), index, op)
        self._cfg_r: deque = deque()  # (data, mask, due, index, op)
        self._tlp: deque = deque()  # Message
        self._intx: deque = deque()  # (due, index, op)
        self.model.on_message = self._on_message
        self.model.on_intx_deassert = self._on_intx

        self.tlps_checked = 0
        #: The time (sim steps) of the edge being reported: now, or a logged edge (tb/env/burst.py's Feed).
        self.now: Callable[[], int] = get_sim_time
        #: Called with every CommitRecord once replayed (a directed sequence counts its scenario with it).
        self.observers: list[Callable[[CommitRecord], None]] = []
        self.err_expected_at: Optional[int] = None
        self.err_seen_at: Optional[int] = None

        self._commit: dict[type, Callable[[Any, CommitRecord], None]] = {
            BarWrite: self._bar_write,
            BarRead: self._bar_read,
            CfgAccess: self._cfg_access,
            CtrlLevels: self._levels,
            Notify: self._notify,
            VectorUse: self._vector_use,
            Flr: self._flr,
        }

    # ------------------------------------------------------------ reporting
    def _fail(self, what: str, expected: Any, actual: Any, index: int, op: Any) -> None:
        recent = "\n".join(f"      #{i} @{t}: {o}" for i, t, o in self.recent)
        raise Mismatch(
            f"\n*** MISMATCH: {what}\n"
            f"  side:       RTL (the DUT's ports against the golden model)\n"
            f"  seed:       SEED={self.seed}\n"
            f"  operation:  #{index}: {op}\n"
            f"  expected:   {expected}\n"
            f"  actual:     {actual}\n"
            f"  sim time:   {convert(self.now(), 'step', to='ns'):.0f} ns (config {self.cfg.name}, binding {self.cfg.binding})\n"
            f"  last operations committed:\n{recent}\n"
            f"  reproduce:  {self.repro}\n"
        )

    def xz(self, err: XZValue, port: str) -> None:
        """A monitor read X or Z: name the signal and the operation it belongs to."""
        head = {"bar": self._r[0][1:] if self._r else None, "msi": (self._tlp[0].index, self._tlp[0].op) if self._tlp else None,
                "cfg": self._cfg_r[0][-2:] if self._cfg_r else None}.get(port)
        index, op = head if head else (self.op_index, self._op)
        self._fail(f"X/Z on DUT output {err.signal} (port {port})", "0 or 1 on every bit", err.bits, index, op)

    # ------------------------------------------------------------- requests
    def commit(self, op: Any) -> CommitRecord:
        """One request took effect at this rising edge (called by a monitor)."""
        now = self.now()
        if now == self._last_commit:
            self._fail("two requests accepted in one cycle", "at most one", op, self.op_index + 1, op)
        self._last_commit = now
        self._now = now
        self.op_index += 1
        self._op = op
        self.recent.append((self.op_index, now, op))
        rec = self._rec = CommitRecord(self.op_index, now, op)
        self._commit[type(op)](op, rec)
        if len(rec.messages) > 1:
            for m in rec.messages:
                m.burst = len(rec.messages)
        for observe in self.observers:
            observe(rec)
        return rec

    def _on_message(self, address: int, data: int) -> None:
        rec = self._rec
        op = rec.op
        if type(op) is Notify:
            cause, vector = "notify", op.vector
        elif type(op) is BarWrite:
            cause, vector = "entry_unmask", None
        elif rec.ctrl_before is not None:  # a function unmask walk
            cause, vector = ("enable_set" if not rec.ctrl_before[0] else "maskall_clear"), None
        else:
            cause, vector = "other", None
        msg = Message(address, data, cause, vector, rec.index, op)
        rec.messages.append(msg)
        self._tlp.append(msg)

    def _on_intx(self) -> None:
        if self.profile.intx:
            self._intx.append((self._now + self.period, self.op_index, self._op))

    def _bar_write(self, op: BarWrite, rec: CommitRecord) -> None:
        resp = AXI_SLVERR
        acc = model_access(op, self.bus_bytes)
        if acc is not None:
            try:
                self.model.bar_write(acc.offset, acc.value, acc.size)
                resp = AXI_OKAY
            except DecodeError:
                pass
        rec.outcome = "OKAY" if resp == AXI_OKAY else "SLVERR"
        self._b.append((resp, self.op_index, op))

    def _bar_read(self, op: BarRead, rec: CommitRecord) -> None:
        acc = model_access(op, self.bus_bytes)
        try:
            expected = (self.model.bar_read(acc.offset, acc.size) << (8 * acc.lane), AXI_OKAY)
        except DecodeError:
            expected = (0, AXI_SLVERR)
        rec.outcome = "OKAY" if expected[1] == AXI_OKAY else "SLVERR"
        self._r.append((expected, self.op_index, op))

    def _ctrl(self) -> tuple[bool, bool]:
        mc = self.model.config_read(self.cfg.cap_offset + 2, 2)
        return bool(mc & 0x8000), bool(mc & 0x4000)

    def _cfg_access(self, op: CfgAccess, rec: CommitRecord) -> None:
        in_cap = 0 <= op.dword - self._cap_dword < 3
        if op.write:
            if in_cap:  # byte by byte, ascending: msix_write_config runs on byte cap+3 only
                base = 4 * op.dword
                rec.ctrl_before = self._ctrl()
                for i in range(4):
                    if op.be >> i & 1:
                        self.model.config_write(base + i, (op.data >> (8 * i)) & 0xFF, 1)
                rec.ctrl_after = self._ctrl()
            return
        expected = self.model.config_read(4 * op.dword, 4) if in_cap else 0
        mask = sum(0xFF << (8 * i) for i in range(4) if op.be >> i & 1)
        self._cfg_r.append((expected, mask, self._now + self.period, self.op_index, op))

    def _levels(self, op: CtrlLevels, rec: CommitRecord) -> None:
        """New ENABLE/MASKALL levels: the hard IP's config write of byte cap+3."""
        rec.ctrl_before = self._ctrl()
        byte = (CTRL_BYTE_ENABLE if op.enable else 0) | (CTRL_BYTE_MASKALL if op.maskall else 0)
        self.model.config_write(self.cfg.cap_offset + 3, byte, 1)
        rec.ctrl_after = self._ctrl()

    def _notify(self, op: Notify, rec: CommitRecord) -> None:
        outcome = rec.outcome = self.model.notify(op.vector)
        if outcome is NotifyOutcome.DROPPED_RANGE and self.err_expected_at is None:
            self.err_expected_at = self._now

    def _any_pending(self) -> bool:
        return any(self.model.is_pending(x) for x in range(self.cfg.num_vectors))

    def _vector_use(self, op: VectorUse, rec: CommitRecord) -> None:
        m, n = self.model, self.cfg.num_vectors
        if op.op == UseOp.UNUSE_ALL:
            rec.any_pending_before = self._any_pending()
        elif op.vector < n:
            rec.use_before = (m.use_count(op.vector), m.is_pending(op.vector))
        if not self.cfg.tracking:
            return  # accepted and ignored
        if op.op == UseOp.USE:
            if op.vector < n and m.use_count(op.vector) >= self.cfg.use_count_max:
                return  # hardware limit (rtl/README.md): a use at the counter maximum is ignored
            m.vector_use(op.vector)
        elif op.op == UseOp.UNUSE:
            m.vector_unuse(op.vector)
        elif op.op == UseOp.UNUSE_ALL:
            m.unuse_all_vectors()

    def _flr(self, op: Flr, rec: CommitRecord) -> None:
        rec.any_pending_before = self._any_pending()
        rec.queued_before = len(self._tlp)
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
            self._fail("AXI read response", f"rdata={expected[0]:#x} rresp={expected[1]}",
                       f"rdata={data_resp[0]:#x} rresp={data_resp[1]}", index, op)

    def check_cfg_rdata(self, data: int) -> None:
        now = self.now()
        if not self._cfg_r:
            self._fail("unexpected cfg_rvalid", "none", f"cfg_rdata={data:#010x}", self.op_index, self._op)
        expected, mask, due, index, op = self._cfg_r.popleft()
        if data & mask != expected & mask or now != due:
            self._fail("config read data",
                       f"cfg_rdata={expected:#010x} (bytes {mask:#010x}) one cycle after the request (t={due})",
                       f"cfg_rdata={data:#010x} at t={now}", index, op)

    def check_msi(self, got: Any) -> Message:
        """One message left the DUT: compare it with the next one the model decided."""
        if not self._tlp:
            self._fail("unexpected MSI", "none", got, self.op_index, self._op)
        msg = self._tlp.popleft()
        n = self.tlps_checked
        self.tlps_checked += 1
        if isinstance(got, AddrData):
            if got != (msg.address, msg.data):
                self._fail(f"MSI #{n}", AddrData(msg.address, msg.data), got, msg.index, msg.op)
            return msg
        tag = (n * self._tag_step) & 0xFF
        if got == self._msi_bits.bits(msg.address, msg.data, tag):
            return msg  # the expected TLP's own bits
        exp = expected_tlp(msg.address, msg.data, self.requester_id, tag)
        try:
            tlp = got.tlp()
        except Exception:  # cocotbext-pcie cannot decode it (e.g. an unknown type): str(got) says why
            ok = False
        else:
            ok = tlp == exp and not tlp.th
            if ok and exp.fmt_type is TlpType.MEM_WRITE and tlp.dw3:
                ok = False  # DW3 of a 3-DW header must be zero
        if not ok:
            self._fail(f"MSI TLP #{n} (model message address={msg.address:#x} data={msg.data:#x})", exp, got,
                       msg.index, msg.op)
        return msg

    def check_intx(self, _: Any = None) -> None:
        now = self.now()
        if not self._intx:
            self._fail("unexpected intx_deassert pulse", "none", f"pulse at t={now}", self.op_index, self._op)
        due, index, op = self._intx.popleft()
        if now != due:
            self._fail("intx_deassert timing", f"pulse one cycle after the write (t={due})", f"t={now}", index, op)

    def err_rose(self, _: Any = None) -> None:
        if self.err_seen_at is None:
            self.err_seen_at = self.now()

    # ------------------------------------------------------------ end of test
    @property
    def outstanding(self) -> int:
        """Expected outputs not seen yet."""
        return len(self._b) + len(self._r) + len(self._cfg_r) + len(self._tlp) + len(self._intx)

    def final_check(self, err_flag: Optional[int]) -> None:
        """Nothing expected is missing, and the error flag (if the profile has one) is right."""
        for name, q in (("AXI B", self._b), ("AXI R", self._r), ("cfg_rdata", self._cfg_r),
                        ("intx_deassert", self._intx)):
            if q:  # every queue entry ends with (op index, op)
                head = q[0]
                self._fail(f"missing {name} output(s) at the end of the test ({len(q)} outstanding)",
                           head[:-2], "nothing", head[-2], head[-1])
        if self._tlp:
            m = self._tlp[0]
            self._fail(f"missing MSI output(s) at the end of the test ({len(self._tlp)} outstanding)",
                       f"address={m.address:#x} data={m.data:#x}", "nothing", m.index, m.op)
        if err_flag is None:
            return
        expected_flag = int(self.err_expected_at is not None)
        if err_flag != expected_flag or self.err_seen_at != self.err_expected_at:
            self._fail("err_notify_range", f"flag={expected_flag}, rising at t={self.err_expected_at}",
                       f"flag={err_flag}, rose at t={self.err_seen_at}", self.op_index, self._op)


def repro_command(test: str) -> str:
    """The command that reruns ``test`` with this seed (template set by the runner)."""
    template = os.environ.get("MSIX_REPRO", "SEED=<seed> make cosim SIM=<sim> CONFIG=<config> TEST={test}")
    return template.replace("{test}", shlex.quote(test))
