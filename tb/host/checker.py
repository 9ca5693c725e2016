"""The host-side checker: what the root complex gets, against the golden model.

The scoreboard stays on the RTL's ports (every request a host TLP causes is
checked there as always). On top of it, this checks the host's view:

* **MSIs**: every message the model sent (``model.sent``, in order) reaches the
  handler of its vector, once, in that order: the host programmed vector k
  with the MSI window's address and data k (cocotbext-pcie's MSI region), so
  the k-th handler call must be the data of the k-th model message.
* **Completions**: each completion the function sends carries what the model
  says: capability config reads the model's ``config_read`` (enabled bytes;
  the next-pointer byte is the adapter's list), BAR reads the model's
  ``bar_read`` as at the RTL commit, CA where the model raises ``DecodeError``
  or the request has no model access (module doc of ``endpoint.py``), SC for
  config writes.
* **Dropped writes**: every posted write the model refuses is dropped, and no
  other (``check_drops``).

A disagreement raises :class:`HostMismatch` ("HOST-SIDE MISMATCH"), naming
seed, host operation, expected, actual and the reproduce command; the RTL
side's are the scoreboard's "MISMATCH".
"""

from __future__ import annotations

import struct
from collections import Counter
from typing import Any, Optional

from cocotb.simtime import get_sim_time
from cocotbext.pcie.core.tlp import CplStatus, Tlp, TlpType

from qemu_msix import DecodeError

from ..env.bus_map import model_access
from ..env.txn import BarRead, BarWrite, CfgAccess

WRITES = (TlpType.MEM_WRITE, TlpType.MEM_WRITE_64)


class HostMismatch(AssertionError):
    """The host side got something the golden model does not say."""


def describe(tlp: Tlp) -> str:
    """A host request as a short text (type, address, length, byte enables)."""
    kind = tlp.fmt_type.name
    if tlp.fmt_type in (TlpType.CFG_READ_0, TlpType.CFG_WRITE_0):
        return f"{kind} reg {tlp.address >> 2:#x} (byte {tlp.address:#x}) BE {tlp.first_be:#x}" + (
            f" data {struct.unpack('<L', tlp.get_data())[0]:#010x}" if tlp.fmt_type == TlpType.CFG_WRITE_0 else "")
    return f"{kind} {tlp.address:#x} {tlp.length} DW BE {tlp.first_be:#x}/{tlp.last_be:#x}"


class HostChecker:
    """Checks the host's view of one :class:`~tb.host.endpoint.MsixEndpoint`."""

    def __init__(self, tb, ep):
        self.tb, self.ep, self.model = tb, ep, tb.model
        self.phase = "start"  # the host scenario being run (for messages)
        self.msi_addr: Optional[int] = None  # the root complex's MSI window (set after allocation)
        self.delivered: list[int] = []  # vectors whose handlers ran, in order
        self._base = len(self.model.sent)  # model messages before the host took over
        self.completions = Counter()  # by status name
        self.expected_drops = Counter()
        self._req: dict[tuple, dict] = {}  # outstanding host requests by (requester, tag)
        self._current: Optional[dict] = None  # the request the adapter is carrying out
        ep.on_request = self.on_request
        ep.on_completion = self.on_completion
        tb.monitors["bar_read"].add_callback(self._rtl_commit)
        tb.monitors["cfg"].add_callback(self._rtl_commit)

    # ------------------------------------------------------------ reporting
    def fail(self, what: str, expected: Any, actual: Any, op: str = "") -> None:
        sb = self.tb.scoreboard
        raise HostMismatch(
            f"\n*** HOST-SIDE MISMATCH: {what}\n"
            f"  seed:       SEED={sb.seed}\n"
            f"  host phase: {self.phase}\n"
            f"  operation:  {op or '-'}\n"
            f"  expected:   {expected}\n"
            f"  actual:     {actual}\n"
            f"  sim time:   {get_sim_time('ns')} ns (config {self.tb.cfg.name}); the RTL side (scoreboard) agreed so far\n"
            f"  reproduce:  {sb.repro}\n"
        )

    # ------------------------------------------------------------ MSIs
    def handler(self, vector: int):
        """The ``request_irq`` handler of ``vector`` (cocotbext-pcie calls it with no argument)."""

        async def irq() -> None:
            self.on_irq(vector)

        return irq

    def expected_vector(self, msg: tuple) -> Any:
        address, data = msg
        if self.msi_addr is None or address & ~3 != self.msi_addr:
            return f"(no handler: address {address:#x} is outside the MSI window)"
        return data

    def on_irq(self, vector: int) -> None:
        i = len(self.delivered)
        sent = self.model.sent
        if self._base + i >= len(sent):
            self.fail(f"MSI handler {vector} ran, but the model sent no message #{i}", "no interrupt",
                      f"handler of vector {vector}")
        msg = sent[self._base + i]
        exp = self.expected_vector(msg)
        if exp != vector:
            self.fail(f"MSI #{i} reached the wrong handler (model message address={msg[0]:#x} data={msg[1]:#x})",
                      f"handler of vector {exp}", f"handler of vector {vector}")
        self.delivered.append(vector)

    @property
    def sent_since_start(self) -> list:
        return self.model.sent[self._base:]

    def check_delivered(self) -> None:
        """Every model message so far reached its handler (after a drain)."""
        sent = self.sent_since_start
        if len(self.delivered) != len(sent):
            missing = [self.expected_vector(m) for m in sent[len(self.delivered):]]
            self.fail("MSIs the model sent did not reach their handlers", f"{len(sent)} interrupts",
                      f"{len(self.delivered)} (missing, in order: {missing[:16]})")

    # ------------------------------------------------------------ completions
    def on_request(self, req: Tlp) -> None:
        rec = {"req": req, "axi": []}
        if req.fmt_type in WRITES:
            why = self.write_refusal(req)
            if why is not None:
                self.expected_drops[why] += 1
            return  # posted: no completion
        self._req[(req.requester_id, req.tag)] = rec
        self._current = rec

    def _rtl_commit(self, op) -> None:
        """A bar read / config request committed: what the model answers it (as the scoreboard does)."""
        rec = self._current
        if rec is None:
            return
        if isinstance(op, BarRead):
            acc = model_access(op, self.ep.bus_bytes)
            try:  # the access as the RTL sees it (8 bytes at a QWORD on the 64-bit bus)
                rec["axi"].append((self.model.bar_read(acc.offset, acc.size), True))
            except DecodeError:
                rec["axi"].append((0, False))
        elif isinstance(op, CfgAccess) and not op.write:
            rec["axi"].append((self.model.config_read(4 * op.dword, 4), True))

    def on_completion(self, cpl: Tlp) -> None:
        rec = self._req.pop((cpl.requester_id, cpl.tag), None)
        if rec is None:
            self.fail("completion for no outstanding host request", "none", repr(cpl))
        if rec is self._current:
            self._current = None
        req = rec["req"]
        status, data, mask = self.expected_completion(rec)
        got = cpl.status
        self.completions[got.name] += 1
        got_data = bytes(cpl.get_data()) if cpl.fmt_type == TlpType.CPL_DATA else None
        same = data is None or (got_data is not None and len(got_data) == len(data) and
                                all(g & m == e & m for g, e, m in zip(got_data, data, mask)))
        if got != status or not same:
            self.fail("completion", f"{status.name}" + (f" data {data.hex()}" if data is not None else ""),
                      f"{got.name}" + (f" data {got_data.hex()}" if got_data is not None else ""), describe(req))

    def expected_completion(self, rec) -> tuple[CplStatus, Optional[bytes], bytes]:
        """(status, data or None for "not checked", byte mask of the data compared)."""
        req = rec["req"]
        full = b"\xff" * 8
        if req.fmt_type == TlpType.CFG_WRITE_0:
            return CplStatus.SC, None, full
        if req.fmt_type == TlpType.CFG_READ_0:
            reg = req.address >> 2
            if not self.ep._in_msix(reg):
                return CplStatus.SC, None, full  # the adapter's own header (cocotbext-pcie's)
            value = rec["axi"][0][0] if rec["axi"] else None
            if value is None:
                self.fail("capability read did not reach the RTL's config port", "a cfg read", "none", describe(req))
            if reg == self.ep.cap_dword:
                value = (value & ~0xFF00) | (self.ep.msix_slot.next_cap & 0xFF) << 8
            mask = bytes(0xFF if req.first_be >> i & 1 else 0 for i in range(4))  # enabled bytes only
            return CplStatus.SC, struct.pack("<L", value), mask
        # Memory Read
        offset = self.ep.match_bar(req.address)[1]
        if self.ep.shape(req, offset) is not None:
            return CplStatus.CA, None, full
        parts = rec["axi"]
        need = 1 if req.length == 1 or self.ep.bus_bytes == 8 else 2
        if len(parts) != need:
            self.fail("BAR read did not reach the RTL as documented", f"{need} AXI read(s)", f"{len(parts)}",
                      describe(req))
        if not all(ok for _, ok in parts):
            return CplStatus.CA, None, full
        if need == 1:  # the low DWORD(s) of what the RTL read
            return CplStatus.SC, (parts[0][0] & ((1 << (32 * req.length)) - 1)).to_bytes(4 * req.length, "little"), full
        return CplStatus.SC, b"".join(v.to_bytes(4, "little") for v, _ in parts), full

    # ------------------------------------------------------------ posted writes
    def write_refusal(self, req: Tlp) -> Optional[str]:
        """Why the model refuses a Memory Write (the adapter's drop reasons), or None."""
        offset = self.ep.match_bar(req.address)[1]
        why = self.ep.shape(req, offset)
        if why is not None:
            return why
        nb = self.ep.bus_bytes
        bes = (req.first_be, req.last_be)[:req.length]
        if nb == 8 and req.length == 2:
            ops = [BarWrite(offset, 0, req.first_be | req.last_be << 4)]
        else:
            ops = [BarWrite(offset + 4 * i, 0, bes[i] << ((offset + 4 * i) % nb)) for i in range(req.length)]
        for op in ops:
            acc = model_access(op, nb)
            try:
                if acc is None:
                    raise DecodeError("no model access")
                self.model.bar_decode(acc.offset, acc.size)
            except DecodeError:
                return "the RTL answered SLVERR"
        return None

    def check_drops(self) -> None:
        if self.ep.dropped_writes != self.expected_drops:
            self.fail("posted writes dropped", dict(self.expected_drops), dict(self.ep.dropped_writes))

    def check_idle(self) -> None:
        if self._req:
            reqs = [describe(r["req"]) for r in self._req.values()]
            self.fail("host requests without a completion", "none", reqs)
