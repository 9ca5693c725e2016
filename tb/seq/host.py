"""Host sequences: a root complex (cocotbext-pcie) brings the function up and
drives MSI-X over TLPs through the endpoint adapter (tb/host/).

One host test runs these phases in order on one simulated system (bring-up
is the costly part: ``alloc_irq_vectors`` writes every table entry); each
phase asserts its behaviour and that its scenario happened (interrupts,
pending bits, completions counted). The test plan (tb/tests/testplan.py,
``HOST``) maps each host behaviour to its phase.
"""

from __future__ import annotations

import struct

from cocotb.triggers import ClockCycles
from cocotbext.pcie.core.caps import PciCapId
from cocotbext.pcie.core.tlp import CplStatus, Tlp, TlpType

from qemu_msix import DecodeError

from ..env.env import MsixEnv
from ..host.endpoint import CLASS_CODE, DEVICE_ID, VENDOR_ID
from ..host.system import HostSystem
from .common import requires

#: Notifies per notify phase (a random sample of the vectors; 2048 vectors stay light).
NOTIFIES = 24
#: The FLR phase: notifies streamed around the host's FLR, and tries to catch messages queued.
FLR_NOTIFIES = 48
FLR_ATTEMPTS = 4
MASKALL = 0x4000
ENABLE = 0x8000


def _check(host: HostSystem, cond: bool, what: str, expected, actual) -> None:
    if not cond:
        host.checker.fail(what, expected, actual)


async def _flush(host: HostSystem) -> None:
    """A read of table DWORD 0, as Linux flushes posted writes: they have all committed."""
    await host.rc.mem_read_dword(host.table(0))


async def enumerate_phase(tb: MsixEnv, host: HostSystem) -> None:
    dev = await host.bring_up()
    _check(host, (dev.vendor_id, dev.device_id, dev.class_code) == (VENDOR_ID, DEVICE_ID, CLASS_CODE),
           "IDs", (VENDOR_ID, DEVICE_ID, CLASS_CODE), (dev.vendor_id, dev.device_id, dev.class_code))
    _check(host, dev.bar_size[0] == tb.bar_size, "BAR0 size", tb.bar_size, dev.bar_size[0])
    _check(host, host.bar and host.ep.match_bar(host.bar) == (0, 0), "BAR0 assigned", f"{host.bar:#x} decoded",
           host.ep.bar[:2])
    _check(host, dev.get_capability_offset(PciCapId.MSIX) == tb.cfg.cap_offset, "MSI-X capability offset",
           tb.cfg.cap_offset, dev.get_capability_offset(PciCapId.MSIX))
    _check(host, dev.get_capability_offset(PciCapId.EXP) is not None, "PCI Express capability", "found", "missing")
    ctrl = await host.msix_ctrl()
    _check(host, ctrl & 0x7FF == tb.num_vectors - 1, "Table Size", tb.num_vectors - 1, ctrl & 0x7FF)
    # The device's side: every vector in use (a QEMU device's msix_vector_use at realize).
    await tb.use_all()


async def alloc_phase(tb: MsixEnv, host: HostSystem) -> None:
    n = await host.alloc(tb.num_vectors)
    _check(host, n == tb.num_vectors, "alloc_irq_vectors(1, N)", tb.num_vectors, n)
    await host.settle()
    m = tb.model
    _check(host, m.enabled and not m.function_masked, "MSI-X enabled, function unmasked", True,
           (m.enabled, m.function_masked))
    for v in range(n):  # the root complex programmed its MSI window and data v into every entry
        vec = host.dev.msi_vectors[v]
        if m.get_message(v) != (vec.addr, vec.data) or m.is_masked(v):
            host.checker.fail(f"table entry {v} after alloc_irq_vectors", (hex(vec.addr), vec.data, "unmasked"),
                              (hex(m.get_message(v)[0]), m.get_message(v)[1], m.is_masked(v)))


async def notify_phase(tb: MsixEnv, host: HostSystem) -> None:
    """Notifies on random vectors reach their handlers, in the order sent."""
    before = len(host.checker.delivered)
    vecs = [tb.rng.randrange(tb.num_vectors) for _ in range(NOTIFIES)]
    for v in vecs:
        tb.notify(v)
    await host.settle()
    got = host.checker.delivered[before:]
    _check(host, got == vecs, "interrupts of the notifies", vecs, got)


async def mask_pba_phase(tb: MsixEnv, host: HostSystem) -> None:
    """The host masks a vector through a BAR write; a notify pends; a PBA read
    (Memory Read TLP) shows it; the unmask delivers it."""
    rc, v = host.rc, tb.rng.randrange(tb.num_vectors)
    before = len(host.checker.delivered)
    await rc.mem_write_dword(host.table(v, 3), 1)
    await _flush(host)
    tb.notify(v)
    await host.settle()
    _check(host, tb.model.is_pending(v) and len(host.checker.delivered) == before, f"vector {v} pending",
           "pending, no interrupt", (tb.model.is_pending(v), host.checker.delivered[before:]))
    pba = await rc.mem_read_dword(host.pba(v))
    _check(host, pba >> (v % 32) & 1, f"PBA bit {v} (host read)", 1, f"{pba:#010x}")
    await rc.mem_write_dword(host.table(v, 3), 0)
    await _flush(host)
    await host.settle()
    got = host.checker.delivered[before:]
    _check(host, got == [v] and not tb.model.is_pending(v), "unmask delivers the pending vector", [v], got)
    pba = await rc.mem_read_dword(host.pba(v))
    _check(host, not pba >> (v % 32) & 1, f"PBA bit {v} after the unmask", 0, f"{pba:#010x}")


async def maskall_phase(tb: MsixEnv, host: HostSystem) -> None:
    """MASKALL set and cleared through Configuration Writes releases the pending vectors in vector order."""
    before = len(host.checker.delivered)
    ctrl = await host.msix_ctrl()
    await host.set_msix_ctrl(ctrl | MASKALL)
    vecs = [tb.rng.randrange(tb.num_vectors) for _ in range(8)]
    for v in vecs:
        tb.notify(v)
    await host.settle()
    _check(host, len(host.checker.delivered) == before and all(tb.model.is_pending(v) for v in vecs),
           "MASKALL: notifies pend", "no interrupt, all pending", host.checker.delivered[before:])
    _check(host, await host.msix_ctrl() & MASKALL, "Message Control MASKALL (host read)", 1, 0)
    await host.set_msix_ctrl(ctrl & ~MASKALL)
    await host.settle()
    got = host.checker.delivered[before:]
    _check(host, got == sorted(set(vecs)), "MASKALL clear releases in vector order", sorted(set(vecs)), got)
    _check(host, 0 < host.ep.intx_deasserts == tb.model.intx_deassert_count, "intx_deassert seen by the host side",
           f"{tb.model.intx_deassert_count} (> 0)", host.ep.intx_deasserts)


def _bad_offsets(tb: MsixEnv) -> dict[str, int]:
    """BAR offsets in no region: just beyond the table (or the PBA), and a hole."""
    m, out = tb.model, {}
    table_end = tb.table_offset + 16 * tb.num_vectors
    pba_end = tb.pba_offset + tb.pba_size
    for name, cands in (("beyond the table", (table_end, pba_end)),
                        ("hole", (tb.bar_size - 8, (max(table_end, pba_end) + tb.bar_size) // 2 & ~7))):
        for off in cands:
            try:
                if off < tb.bar_size:
                    m.bar_decode(off, 4)
            except DecodeError:
                out[name] = off
                break
    return out


async def _request(host: HostSystem, kind: TlpType, offset: int, length: int, first_be: int, last_be: int,
                   data: bytes = b""):
    """A hand-made Memory Request TLP to BAR0 (reads: the completion)."""
    req = Tlp()
    req.fmt_type = kind
    req.requester_id = host.rc.pcie_id
    req.address = host.bar + offset
    req.length = length
    req.first_be, req.last_be = first_be, last_be
    if kind == TlpType.MEM_WRITE:
        req.set_data(data)
        await host.rc.perform_posted_operation(req)
        return None
    cpls = await host.rc.perform_nonposted_operation(req)
    return cpls[0] if cpls else None


@requires("access_errors")
async def bad_access_phase(tb: MsixEnv, host: HostSystem) -> None:
    """Bad host accesses each get their documented completion and change nothing;
    valid 2-DW requests are one 8-byte access (64-bit bus) or two DWORDs (32-bit)."""
    m, rng = tb.model, tb.rng
    v = rng.randrange(tb.num_vectors)
    ent = tb.entry(v)
    state = (m.save(), m.config_read(tb.cfg.cap_offset, 4))
    reads = [("sub-DWORD read", ent + 8, 1, 0x3, 0), ("3-DW read", ent, 3, 0xF, 0xF),
             ("unaligned QWORD read", ent + 4, 2, 0xF, 0xF)]
    writes = [("sub-DWORD write", ent + 8, 1, 0x1, 0), ("3-DW write", ent, 3, 0xF, 0xF),
              ("unaligned QWORD write", ent + 4, 2, 0xF, 0xF), ("2-DW write, partial last BE", ent, 2, 0xF, 0x3)]
    for name, off in _bad_offsets(tb).items():
        reads.append((f"read {name}", off, 1, 0xF, 0))
        writes.append((f"write {name}", off, 1, 0xF, 0))
    for name, off, length, fbe, lbe in reads:
        cpl = await _request(host, TlpType.MEM_READ, off, length, fbe, lbe)
        _check(host, cpl is not None and cpl.status == CplStatus.CA, f"{name} at BAR0+{off:#x}", "CA",
               cpl.status.name if cpl else "no completion")
    drops = sum(host.ep.dropped_writes.values())
    for name, off, length, fbe, lbe in writes:
        await _request(host, TlpType.MEM_WRITE, off, length, fbe, lbe, bytes(rng.randrange(256) for _ in range(4 * length)))
    # Outside BAR0 (no function claims it): cocotbext-pcie's Device answers UR.
    cpl = await _request(host, TlpType.MEM_READ, tb.bar_size, 1, 0xF, 0)
    _check(host, cpl is not None and cpl.status == CplStatus.UR, "read outside BAR0", "UR",
           cpl.status.name if cpl else "no completion")
    await _flush(host)
    await host.settle()
    host.checker.check_drops()
    _check(host, sum(host.ep.dropped_writes.values()) - drops == len(writes), "bad writes dropped", len(writes),
           sum(host.ep.dropped_writes.values()) - drops)
    _check(host, (m.save(), m.config_read(tb.cfg.cap_offset, 4)) == state, "bad accesses change nothing",
           "same table, PBA, Message Control", "changed")
    # Valid 2-DW requests on the entry's address: the AXI accesses the bus width says.
    addr = host.dev.msi_vectors[v].addr
    await host.rc.mem_write(host.table(v, 0), struct.pack("<Q", addr))
    got = await host.rc.mem_read(host.table(v, 0), 8)
    (_, wr), (_, rd) = list(host.ep.axi_log)[-2:]
    two = host.ep.bus_bytes == 4
    want = ([("write", ent, 0xF), ("write", ent + 4, 0xF)] if two else [("write", ent, 0xFF)],
            [("read", ent), ("read", ent + 4)] if two else [("read", ent)])
    _check(host, (wr, rd) == want, "QWORD-aligned 2-DW write and read as AXI accesses", want, (wr, rd))
    _check(host, struct.unpack("<Q", got)[0] == addr, "2-DW read of the entry address", hex(addr), got.hex())
    await host.settle()


async def flr_phase(tb: MsixEnv, host: HostSystem) -> None:
    """FLR by the host while messages are queued; messages decided before it reach
    their handlers; after free_irq_vectors and re-allocation, notifies reach them again."""
    queued_at_flr: list[int] = []  # messages decided and not yet out of the RTL, at each FLR commit
    tb.monitors["flr"].add_callback(lambda _op: queued_at_flr.append(len(tb.model.sent) - host.ep.msi_out))
    for attempt in range(FLR_ATTEMPTS):
        # A stream of notifies that outlasts the FLR's trip over the link: the FLR commits
        # while messages are decided and not yet out (idle gaps may miss it: try again).
        start = len(tb.model.sent)
        for _ in range(FLR_NOTIFIES):
            tb.notify(tb.rng.randrange(tb.num_vectors))
        while len(tb.model.sent) < start + 3 and tb.model.enabled:
            await ClockCycles(tb.clock, 1)
        await host.flr()  # completes once the RTL's flr committed
        await host.settle()
        if queued_at_flr[-1] >= 1:
            break
        await host.free()
        await host.alloc(tb.num_vectors)
    _check(host, queued_at_flr[-1] >= 1, "FLR while messages are queued",
           ">= 1 message decided, not yet out of the RTL", f"{queued_at_flr} in {len(queued_at_flr)} attempts")
    ctrl = await host.msix_ctrl()
    _check(host, not ctrl & (ENABLE | MASKALL), "Message Control after FLR", 0, f"{ctrl:#06x}")
    await host.free()
    n = await host.alloc(tb.num_vectors)
    _check(host, n == tb.num_vectors, "re-allocation", tb.num_vectors, n)
    await host.settle()
    await notify_phase(tb, host)
    await host.free()
    await host.settle()
