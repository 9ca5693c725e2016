"""Sequences, named after the scenario they play (OpenTitan style).

Each is ``async def <scenario>_seq(tb)``: it drives requests through the
:class:`~tb.msix_env.MsixTB` helpers; the scoreboard checks every effect as it
happens, and ``tb.finish()`` (called by the test) drains and reads the whole
table, PBA and capability back. Sequences never predict results themselves:
the golden model does. Where a sequence needs a value (a read-modify-write, a
poll) it uses what the DUT returned, which the scoreboard has already checked.

Directed sequences cover each seed function of ``qemu-msix.c`` and each rule
of the spec README; ``random_mix_seq`` mixes everything under constraints.
"""

from __future__ import annotations

import json
import os
import random
from typing import Iterable

from cocotb.triggers import ClockCycles

from .msix_env import CTRL_ENABLE, MsixTB
from .msix_txn import UseOp, VectorUse

MSI_BASE = 0xFEE0_0000  # x86 interrupt window, a typical 32-bit MSI address


# ----------------------------------------------------------------- helpers
def rand_address(rng: random.Random) -> int:
    """An MSI address: mostly 32-bit (3-DW header), sometimes 64-bit, any bits 1:0."""
    r = rng.random()
    if r < 0.5:
        return MSI_BASE | rng.randrange(1 << 20)
    if r < 0.75:
        return rng.randrange(1 << 32)
    return rng.randrange(1 << 64)


def sample_vectors(tb: MsixTB, k: int = 24) -> list[int]:
    """All vectors for small tables; else both ends, DWORD/QWORD borders and random ones."""
    n = tb.nvec
    if n <= k:
        return list(range(n))
    picks = {0, 1, n - 1, n - 2, 31 % n, 32 % n, 63 % n, 64 % n}
    while len(picks) < k:
        picks.add(tb.rng.randrange(n))
    return sorted(picks)


def program_all(tb: MsixTB, vectors: Iterable[int], masked: bool = False) -> None:
    for v in vectors:
        tb.write_entry(v, rand_address(tb.rng), tb.rng.randrange(1 << 32), control=int(masked))


async def enable(tb: MsixTB, maskall: bool = False) -> None:
    tb.set_control(True, maskall)
    await tb.quiesce()


# -------------------------------------------------------- directed: the seed
async def reset_state_seq(tb: MsixTB) -> None:
    """msix_init/msix_mask_all: after rst the table is zero and masked, PBA clear,
    the function masked: every notify sets a pending bit, enabling sends nothing."""
    await tb.use_all()
    for v in sample_vectors(tb):
        tb.notify(v)
    await tb.quiesce()
    await enable(tb)  # entries are still masked: the walk sends nothing
    for v in sample_vectors(tb, 6):
        tb.mask(v, False)  # unmask a pending vector: sends the zeroed entry
    await tb.quiesce()


async def capability_seq(tb: MsixTB) -> None:
    """Config space: the three capability DWORDs, read-only fields, Message
    Control write masks under every byte-enable, accesses outside the capability."""
    rng = tb.rng
    cap = tb.cap_dword
    for d in (cap, cap + 1, cap + 2, cap - 1, cap + 3, 0, 1, 0x0D, 63):
        await tb.cfg_read(d)
    for be in range(16):  # every byte-enable, both control bits, junk elsewhere
        tb.cfg_write(cap, rng.randrange(1 << 32), be)
        tb.cfg_read_nowait(cap, rng.choice((0xF, be or 0xF)))
    for d in (cap + 1, cap + 2, cap - 1, cap + 3, 0x0D):
        tb.cfg_write(d, rng.randrange(1 << 32), 0xF)
        tb.cfg_read_nowait(d)
    # ENABLE rewritten with the same value: still a deassert each time.
    for _ in range(3):
        tb.set_control(True, False)
    tb.cfg_write(cap, CTRL_ENABLE, 0x4)  # does not cover cap+3: no deassert
    await tb.quiesce()


async def notify_seq(tb: MsixTB) -> None:
    """msix_notify: sent when unmasked, pending when the entry or function is
    masked, dropped when unused (tracking) or out of range (error flag)."""
    vecs = sample_vectors(tb)
    program_all(tb, vecs, masked=False)
    await tb.quiesce()
    for v in vecs:
        tb.notify(v)  # function masked (not enabled): pending, or dropped if unused (tracking)
    await tb.quiesce()
    await tb.use_all()
    for v in vecs:
        tb.notify(v)  # now in use, still function-masked: pending
    await enable(tb, maskall=True)
    for v in vecs:
        tb.notify(v)  # MASKALL: pending
    tb.set_control(True, False)  # walk: send all pending, in vector order
    await tb.quiesce()
    for v in vecs:
        tb.notify(v)  # sent
    for v in vecs[::2]:
        tb.mask(v)
    for v in vecs:
        tb.notify(v)  # masked ones pend
    tb.notify(tb.nvec)  # out of range: dropped, err_notify_range
    tb.notify(0xFFFF)
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()


async def table_rw_seq(tb: MsixTB) -> None:
    """msix_table_mmio_read/write: every DWORD stores all 32 bits (reserved
    control bits and address bits 1:0 too); 8-byte accesses are two halves."""
    rng = tb.rng
    vecs = sample_vectors(tb)
    for v in vecs:
        for dw in range(4):
            tb.axil.write_dword_nowait(tb.entry(v, dw), rng.randrange(1 << 32))
    for v in vecs:
        for dw in range(4):
            tb.axil.read_nowait(tb.entry(v, dw))
    if tb.axil.nbytes == 8:
        for v in vecs:
            tb.axil.write_nowait(tb.entry(v, 0), rng.randrange(1 << 64))
            tb.axil.write_nowait(tb.entry(v, 2), rng.randrange(1 << 64))
            tb.axil.read_nowait(tb.entry(v, 0))
            tb.axil.read_nowait(tb.entry(v, 2))
    # Messages carry address & ~3, and the header size follows address bits 63:32.
    await tb.use_all()
    await enable(tb)
    for v in vecs:
        tb.write_entry(v, rand_address(rng) | rng.randrange(4), rng.randrange(1 << 32), control=0)
        tb.notify(v)
    await tb.quiesce()


async def unmask_sends_pending_seq(tb: MsixTB) -> None:
    """msix_handle_mask_update: an entry unmask sends its pending message with
    the entry as just written; masking or unmasking without pending does nothing."""
    rng = tb.rng
    vecs = sample_vectors(tb, 12)
    await tb.use_all()
    program_all(tb, vecs, masked=True)
    await enable(tb)
    for v in vecs:
        tb.notify(v)  # pending
    for v in vecs:
        tb.axil.write_dword_nowait(tb.entry(v, 2), rng.randrange(1 << 32))  # new data while pending
        if tb.axil.nbytes == 8 and v % 2:
            # data + control in one 8-byte write: low half first, so the message has the new data
            tb.axil.write_nowait(tb.entry(v, 2), rng.randrange(1 << 32) | 0xFFFF_FFFE << 32)
        else:
            tb.axil.write_dword_nowait(tb.entry(v, 3), rng.randrange(1 << 32) & ~1)  # reserved bits kept
    for v in vecs:
        tb.mask(v, True)
        tb.mask(v, False)  # nothing pending: nothing sent
    tb.set_control(True, True)  # function masked: unmasking an entry keeps it pending
    for v in vecs:
        tb.mask(v, True)
        tb.notify(v)
        tb.mask(v, False)
    tb.set_control(True, False)
    await tb.quiesce()


async def function_unmask_walk_seq(tb: MsixTB) -> None:
    """msix_write_config: clearing MASKALL or setting ENABLE walks vectors 0..N-1
    and sends each pending, unmasked one; masked entries stay pending."""
    rng = tb.rng
    vecs = sample_vectors(tb, 40)
    await tb.use_all()
    program_all(tb, vecs, masked=False)
    for v in vecs[::3]:
        tb.mask(v)
    for v in reversed(vecs):
        tb.notify(v)  # not enabled: all pending
    await enable(tb, maskall=False)  # ENABLE 0->1 walk
    for v in vecs:
        tb.notify(v)
    for _ in range(3):
        tb.set_control(True, True)
        for v in rng.sample(vecs, len(vecs) // 2):
            tb.notify(v)
        tb.set_control(True, False)  # MASKALL 1->0 walk
    tb.set_control(False, True)  # disable: MASKALL writes without ENABLE do not walk nor deassert
    for v in vecs:
        tb.notify(v)
    tb.set_control(False, False)
    tb.set_control(True, True)
    tb.set_control(True, False)
    for v in vecs[::3]:
        tb.mask(v, False)
    await tb.quiesce()


async def pba_seq(tb: MsixTB) -> None:
    """msix_pba_mmio_read/write: PBA reads per DWORD/QWORD, bits >= N read 0,
    PBA writes answer OKAY and change nothing."""
    rng = tb.rng
    await tb.use_all()
    for v in sample_vectors(tb, 64):
        tb.notify(v)
    for addr in range(tb.pba_offset, tb.pba_offset + tb.pba_size, 4):
        tb.axil.write_dword_nowait(addr, rng.randrange(1 << 32))
        tb.axil.read_nowait(addr)
    if tb.axil.nbytes == 8:
        for addr in range(tb.pba_offset, tb.pba_offset + tb.pba_size, 8):
            tb.axil.write_nowait(addr, rng.randrange(1 << 64))
    await tb.quiesce()


async def vector_use_seq(tb: MsixTB) -> None:
    """msix_vector_use/unuse/unuse_all_vectors: unused vectors are dropped, the
    last unuse clears the pending bit, unuse-all clears every count and the PBA."""
    vecs = sample_vectors(tb, 10)
    program_all(tb, vecs, masked=True)
    await enable(tb)
    for v in vecs:
        tb.notify(v)  # unused (tracking): dropped
        tb.use(v)
        tb.use(v)
        tb.notify(v)  # pending
        tb.unuse(v)
    await tb.quiesce()
    for v in vecs[::2]:
        tb.unuse(v)  # last unuse: pending cleared
    tb.use(tb.nvec)  # out of range: ignored
    tb.unuse(tb.nvec)
    tb.use_if.send_nowait(VectorUse(UseOp.IGNORED, vecs[0]))
    for v in vecs:
        tb.mask(v, False)  # only the still-used, still-pending ones send
    for v in vecs:
        tb.mask(v, True)
        tb.notify(v)
    tb.unuse_all()  # counts and PBA cleared
    for v in vecs:
        tb.notify(v)
        tb.mask(v, False)
    await tb.quiesce()


async def use_counter_limit_seq(tb: MsixTB) -> None:
    """The documented hardware limit: a use at the counter maximum is ignored
    (the counter neither wraps nor changes), so exactly ``max`` unuses release
    the vector again. Each step commits before the PBA is read (ports are
    independent: a read could otherwise overtake them), so a counter that
    wrapped (vector unused, notify dropped) shows at once."""
    if not tb.cfg.tracking:
        return
    v = sample_vectors(tb, 1)[0]
    pba_dword = tb.pba_offset + 4 * (v // 32)

    async def step(*requests):
        for send, arg in requests:
            send(arg)
        await tb.quiesce()
        tb.axil.read_nowait(pba_dword)
        await tb.quiesce()

    use, unuse = VectorUse(UseOp.USE, v), VectorUse(UseOp.UNUSE, v)
    program_all(tb, [v], masked=True)
    await enable(tb)
    # One use beyond the maximum (ignored), then a notify: still in use, so pending.
    await step(*[(tb.use_if.send_nowait, use)] * (tb.cfg.use_count_max + 1), (tb.notify, v))
    for _ in range(tb.cfg.use_count_max - 1):
        await step((tb.use_if.send_nowait, unuse))  # uses left: still pending
    await step((tb.use_if.send_nowait, unuse))  # the last unuse clears the pending bit
    await step((tb.notify, v))  # unused now: dropped


async def flr_seq(tb: MsixTB) -> None:
    """msix_reset: table zeroed and masked, PBA and ENABLE/MASKALL cleared; use
    counts and the cached function mask are kept (so an unmask after FLR sends
    even with ENABLE clear, as in the seed)."""
    vecs = sample_vectors(tb, 12)
    await tb.use_all()
    program_all(tb, vecs)
    await enable(tb)
    for v in vecs[::2]:
        tb.mask(v)
        tb.notify(v)
    tb.flr()
    await tb.quiesce()
    for v in vecs:
        tb.notify(v)  # entries masked again: pending
    for v in vecs[:4]:
        tb.write_entry(v, rand_address(tb.rng), tb.rng.randrange(1 << 32), control=0)  # sends (cached unmask)
    await tb.cfg_read(tb.cap_dword)
    tb.flr()
    tb.set_control(True, True)
    tb.flr()
    await tb.quiesce()


# ------------------------------------------------------ directed: the system
async def linux_driver_seq(tb: MsixTB) -> None:
    """Linux drivers/pci/msi/msi.c: setup, runtime unmask/mask (+flush read), shutdown."""
    rng = tb.rng
    cap = tb.cap_dword
    ctrl = await tb.cfg_read(cap) >> 16  # pci_read_config_word(PCI_MSIX_FLAGS)
    tb.cfg_write(cap, (ctrl | 0xC000) << 16, be=0xC)  # ENABLE | MASKALL
    ctrl = await tb.cfg_read(cap) >> 16
    nvec = (ctrl & 0x7FF) + 1
    table = await tb.cfg_read(cap + 1) & ~7
    assert nvec == tb.nvec and table == tb.table_offset, "capability disagrees with the configuration"
    vecs = sample_vectors(tb, 32)
    await tb.use_all()
    for v in vecs:  # msix_setup_msi_descs + pci_write_msg_msix
        vctrl = await tb.axil.read_dword(tb.entry(v, 3))
        unmasked = not vctrl & 1
        if unmasked:
            tb.axil.write_dword_nowait(tb.entry(v, 3), vctrl | 1)
        tb.write_entry(v, MSI_BASE | (rng.randrange(256) << 12), rng.randrange(1 << 16))
        if unmasked:
            tb.axil.write_dword_nowait(tb.entry(v, 3), vctrl)
        await tb.axil.read_dword(tb.entry(v, 2))  # flush
    for v in range(tb.nvec):  # msix_mask_all
        tb.axil.write_dword_nowait(tb.entry(v, 3), 1)
    ctrl = await tb.cfg_read(cap) >> 16
    tb.cfg_write(cap, (ctrl & ~0x4000) << 16, be=0xC)  # clear MASKALL
    # Runtime: the device raises interrupts while the driver masks/unmasks.
    for _ in range(4):
        for v in vecs:
            tb.axil.write_dword_nowait(tb.entry(v, 3), 0)  # unmask, no read-back
        for _ in range(len(vecs) * 2):
            tb.notify(rng.choice(vecs))
        for v in rng.sample(vecs, len(vecs) // 3):
            tb.axil.write_dword_nowait(tb.entry(v, 3), 1)  # mask ...
            await tb.axil.read_dword(tb.table_offset)  # ... then flush
        for _ in range(len(vecs)):
            tb.notify(rng.choice(vecs))
        await tb.quiesce()
    for v in range(tb.nvec):  # shutdown: mask everything, clear ENABLE
        tb.axil.write_dword_nowait(tb.entry(v, 3), 1)
    ctrl = await tb.cfg_read(cap) >> 16
    tb.cfg_write(cap, (ctrl & ~0x8000) << 16, be=0xC)
    await tb.quiesce()
    if tb.cov is not None:
        tb.cov.sequence_completed("linux_driver")


async def qtest_pba_poll_seq(tb: MsixTB) -> None:
    """QEMU tests/qtest/libqos/pci.c: ENABLE only, then poll the PBA DWORD at
    (v/32)*4 for a masked vector until pending, unmask, poll until clear."""
    rng = tb.rng
    cap = tb.cap_dword
    ctrl = await tb.cfg_read(cap) >> 16
    tb.cfg_write(cap, (ctrl | 0x8000) << 16, be=0xC)  # qpci_msix_enable
    pba = await tb.cfg_read(cap + 2) & ~7
    assert pba == tb.pba_offset, "capability disagrees with the configuration"
    await tb.use_all()
    for v in sample_vectors(tb, 8):
        tb.write_entry(v, MSI_BASE | rng.randrange(1 << 16) << 4, rng.randrange(1 << 32), control=1)
        await tb.quiesce()
        tb.notify(v)
        # The device event happens before the guest polls (notify has the lowest
        # priority: back-to-back polls would otherwise keep it waiting).
        await tb.notify_if.wait_idle()
        for _ in range(50):  # qpci_msix_pending
            if await tb.axil.read_dword(pba + 4 * (v // 32)) >> (v % 32) & 1:
                break
        else:
            raise AssertionError(f"vector {v} never became pending")
        tb.mask(v, False)  # qpci_msix_masked -> unmask: the message goes out
        for _ in range(50):
            if not await tb.axil.read_dword(pba + 4 * (v // 32)) >> (v % 32) & 1:
                break
        tb.notify(v)
        await tb.quiesce()
    if tb.cov is not None:
        tb.cov.sequence_completed("qtest_pba_poll")


async def flr_under_traffic_seq(tb: MsixTB) -> None:
    """FLR in the middle of traffic with messages queued behind back-pressure:
    decided messages still leave, in order; everything after sees the reset state."""
    rng = tb.rng
    vecs = sample_vectors(tb, 16)
    for _ in range(3):
        await tb.use_all()
        program_all(tb, vecs)
        await enable(tb)
        for _ in range(40):
            tb.notify(rng.choice(vecs))
        for v in vecs[:3]:
            tb.axil.read_nowait(tb.entry(v, 2))
        await ClockCycles(tb.clock, rng.randint(0, 30))
        tb.flr()
        for _ in range(20):
            tb.notify(rng.choice(vecs))
        await tb.quiesce()


async def bad_access_seq(tb: MsixTB) -> None:
    """Every decode error: sub-DWORD, non-contiguous and zero strobes, misaligned
    addresses, holes of the BAR; each answers SLVERR (read data 0), changes nothing."""
    rng = tb.rng
    nb = tb.axil.nbytes
    vecs = sample_vectors(tb, 6)
    await tb.use_all()
    program_all(tb, vecs, masked=True)
    await enable(tb)
    for v in vecs:
        tb.notify(v)
    targets = [tb.entry(v, dw) for v in vecs for dw in range(4)] + [tb.pba_offset]
    holes = [a for a in (tb.table_offset + 16 * tb.nvec, tb.pba_offset + tb.pba_size, tb.bar_size - nb,
                         tb.table_offset - nb, tb.pba_offset - nb)
             if 0 <= a < tb.bar_size and not (tb.table_offset <= a < tb.table_offset + 16 * tb.nvec)
             and not (tb.pba_offset <= a < tb.pba_offset + tb.pba_size)]
    full = (1 << nb) - 1
    for base in targets:
        base -= base % nb
        for strb in (0x1, 0x2, 0x3, 0x6, 0x5, 0x9, 0x0, 0x7, 0xE, 0xC) + ((0xF0, 0x0F, 0xFF, 0x3C, 0xF8) if nb == 8 else ()):
            tb.axil.write_nowait(base, rng.randrange(1 << (8 * nb)), strb & full)
        for off in range(1, nb):  # misaligned address, full and matching strobes
            tb.axil.write_nowait(base + off, rng.randrange(1 << (8 * nb)), full)
            tb.axil.write_nowait(base + off, rng.randrange(1 << (8 * nb)), (full << off) & full)
            tb.axil.read_nowait(base + off)
    for hole in holes:
        tb.axil.write_nowait(hole, rng.randrange(1 << (8 * nb)), full)
        tb.axil.read_nowait(hole)
    for _ in range(64):  # anywhere in the BAR
        addr = rng.randrange(tb.bar_size)
        tb.axil.write_nowait(addr, rng.randrange(1 << (8 * nb)), rng.randrange(1 << nb))
        tb.axil.read_nowait(addr)
    for v in vecs:  # still pending and masked: unmask sends the untouched entries
        tb.mask(v, False)
    await tb.quiesce()


async def tag_wrap_seq(tb: MsixTB) -> None:
    """More than 256 messages: the tag wraps."""
    await tb.use_all()
    vecs = sample_vectors(tb, 8)
    program_all(tb, vecs)
    await enable(tb)
    for i in range(300):
        tb.notify(vecs[i % len(vecs)])
    await tb.quiesce()


async def priority_seq(tb: MsixTB) -> None:
    """All ports requesting back to back at once: one commit per cycle, in
    priority order flr > cfg > AXI write > AXI read > use > notify."""
    rng = tb.rng
    vecs = sample_vectors(tb, 16)
    await tb.use_all()
    program_all(tb, vecs)
    await tb.quiesce()
    for _ in range(4):
        for _ in range(20):
            tb.notify(rng.choice(vecs))
            v = rng.choice(vecs)
            tb.axil.write_dword_nowait(tb.entry(v, 3), rng.randrange(2))
            tb.axil.read_nowait(tb.entry(rng.choice(vecs), rng.randrange(4)))
            if tb.cfg.tracking:
                tb.use(v) if rng.random() < 0.5 else tb.unuse(v)
        for _ in range(6):
            tb.set_control(True, rng.random() < 0.5)
            tb.cfg_read_nowait(tb.cap_dword)
        tb.flr() if rng.random() < 0.5 else None
        await tb.quiesce()


# ------------------------------------------------------------ random mixes
#: Weights of the random mixes (op kind -> weight).
MIXES = {
    "mix": dict(notify=30, ctrl_write=12, entry_write=10, qword_write=3, read=12, pba_read=5, cfg=6, use=8, bad=3, flr=1),
    "notify": dict(notify=70, ctrl_write=6, entry_write=4, read=6, pba_read=4, cfg=4, use=4, bad=1, flr=0.5),
    "masks": dict(notify=25, ctrl_write=40, read=8, pba_read=8, cfg=12, use=4, bad=1, flr=0.5),
}


def random_access(tb: MsixTB, rng: random.Random, addr: int) -> None:
    """A write (random data and strobe) or a read at ``addr``, whatever its shape."""
    nb = tb.axil.nbytes
    if rng.random() < 0.5:
        tb.axil.write_nowait(addr, rng.randrange(1 << (8 * nb)), rng.randrange(1 << nb))
    else:
        tb.axil.read_nowait(addr)


def flr_and_reprogram(tb: MsixTB, rng: random.Random, hot: list[int]) -> None:
    """FLR, then enable and reprogram a few hot vectors so traffic keeps flowing."""
    tb.flr()
    tb.set_control(True, False)
    program_all(tb, rng.sample(hot, min(4, len(hot))))


async def random_mix_seq(tb: MsixTB, nops: int = 2000, mix: str = "mix", batch: int = 24) -> None:
    """Constrained random: notify bursts, mask/unmask storms, MASKALL/ENABLE
    toggles, table rewrites, reads, use/unuse, bad accesses, rare FLR, all ports
    at once (so the priority rules are exercised)."""
    rng = tb.rng
    nb = tb.axil.nbytes
    n = tb.nvec
    kinds, weights = zip(*MIXES[mix].items())
    hot = sample_vectors(tb, 16)  # most traffic on a few vectors, so that effects interact
    pick = lambda: rng.choice(hot) if rng.random() < 0.8 else rng.randrange(n)  # noqa: E731
    await tb.use_all()
    program_all(tb, hot, masked=False)
    tb.set_control(True, False)
    done = 0
    while done < nops:
        for kind in rng.choices(kinds, weights, k=batch):
            done += 1
            if kind == "notify":
                v = pick() if rng.random() > 0.01 else rng.randrange(n, 1 << 16)
                for _ in range(rng.choice((1, 1, 1, 4))):
                    tb.notify(v)
            elif kind == "ctrl_write":
                v = pick()
                tb.axil.write_dword_nowait(tb.entry(v, 3), rng.randrange(2) | (rng.randrange(1 << 32) & -2 if rng.random() < 0.1 else 0))
            elif kind == "entry_write":
                v = pick()
                dw = rng.randrange(3)
                value = rand_address(rng) if dw < 2 else rng.randrange(1 << 32)
                if dw == 0:
                    value &= 0xFFFF_FFFF
                elif dw == 1:
                    value = 0 if rng.random() < 0.6 else value >> 32
                tb.axil.write_dword_nowait(tb.entry(v, dw), value)
            elif kind == "qword_write":
                if nb == 8:
                    v = pick()
                    tb.axil.write_nowait(tb.entry(v, 2 * rng.randrange(2)), rng.randrange(1 << 64) & ~(rng.randrange(2) << 32))
                else:
                    tb.write_entry(pick(), rand_address(rng), rng.randrange(1 << 32))
            elif kind == "read":
                tb.axil.read_nowait(tb.entry(pick(), rng.randrange(4)) & ~(nb - 1) | (4 * rng.randrange(2) if nb == 8 else 0))
            elif kind == "pba_read":
                tb.axil.read_nowait(tb.pba_offset + nb * rng.randrange(tb.pba_size // nb))
            elif kind == "cfg":
                r = rng.random()
                if r < 0.6:  # MASKALL / ENABLE toggles, mostly enabled and unmasked
                    tb.set_control(rng.random() < 0.85, rng.random() < 0.3)
                elif r < 0.8:
                    tb.cfg_write(tb.cap_dword + rng.randrange(3), rng.randrange(1 << 32), rng.randrange(16))
                else:
                    tb.cfg_read_nowait(tb.cap_dword + rng.randrange(-1, 4))
            elif kind == "use":
                if tb.cfg.tracking:
                    r = rng.random()
                    v = pick()
                    if r < 0.5:
                        tb.use(v)
                    elif r < 0.97:
                        tb.unuse(v)
                    elif r < 0.99:
                        tb.unuse_all()
                        for v in hot:
                            tb.use(v)
                    else:
                        tb.use_if.send_nowait(VectorUse(UseOp.IGNORED, v))
                else:
                    tb.use(pick())  # accepted and ignored
            elif kind == "bad":
                random_access(tb, rng, rng.randrange(tb.bar_size))
            elif kind == "flr":
                flr_and_reprogram(tb, rng, hot)
        await tb.quiesce()


# ----------------------------------------------------- coverage-driven random
class StimulusGen:
    """The random generator of the coverage-closure tests.

    ``random_op`` draws one request from the whole vocabulary (the same for both
    modes, so that "unbiased" and "coverage-driven" differ only in choice);
    ``recipe`` plays a short scenario aimed at one bin of :mod:`tb.msix_cov`.
    Recipes read state (use counts) from the scoreboard's model, which mirrors
    what the DUT has committed, and order steps across ports with ``quiesce``.
    """

    def __init__(self, tb: MsixTB):
        self.tb = tb
        self.rng = tb.rng
        self.cov = tb.cov
        self.nb = tb.axil.nbytes
        self.hot = sample_vectors(tb, 16)  # includes 0, N-1 and the PBA word borders

    # ---------------------------------------------------------- random ops
    KINDS = dict(notify=30, ctrl_write=12, entry_write=8, qword_write=3, read=10, pba_read=5, cfg=8, use=8, bad=5, flr=1)

    def pick(self) -> int:
        return self.rng.choice(self.hot) if self.rng.random() < 0.7 else self.rng.randrange(self.tb.nvec)

    def random_op(self) -> None:
        tb, rng, nb = self.tb, self.rng, self.nb
        kind = rng.choices(tuple(self.KINDS), tuple(self.KINDS.values()))[0]
        if kind == "notify":
            v = self.pick() if rng.random() > 0.01 else rng.randrange(tb.nvec, 1 << 16)
            for _ in range(rng.choice((1, 1, 1, 4))):
                tb.notify(v)
        elif kind == "ctrl_write":
            tb.axil.write_dword_nowait(tb.entry(self.pick(), 3), rng.randrange(2))
        elif kind == "entry_write":
            dw = rng.randrange(3)
            tb.axil.write_dword_nowait(tb.entry(self.pick(), dw), rand_address(rng) & 0xFFFF_FFFF if dw != 1 else rng.choice((0, rng.randrange(1 << 32))))
        elif kind == "qword_write":
            if nb == 8:
                tb.axil.write_nowait(tb.entry(self.pick(), 2 * rng.randrange(2)), rng.randrange(1 << 64) & ~(rng.randrange(2) << 32))
            else:
                tb.write_entry(self.pick(), rand_address(rng), rng.randrange(1 << 32))
        elif kind == "read":
            tb.axil.read_nowait(tb.entry(self.pick(), rng.randrange(4)) & ~(nb - 1) | (4 * rng.randrange(2) if nb == 8 else 0))
        elif kind == "pba_read":
            tb.axil.read_nowait(tb.pba_offset + nb * rng.randrange(tb.pba_size // nb))
        elif kind == "cfg":
            r = rng.random()
            if r < 0.5:
                tb.set_control(rng.random() < 0.8, rng.random() < 0.3)
            elif r < 0.8:
                tb.cfg_write(tb.cap_dword + rng.randrange(-1, 4), rng.randrange(1 << 32), rng.randrange(16))
            else:
                tb.cfg_read_nowait(tb.cap_dword + rng.randrange(-1, 4))
        elif kind == "use":
            v = self.pick() if rng.random() > 0.02 else rng.randrange(tb.nvec, 1 << 16)
            op = rng.choices((UseOp.USE, UseOp.UNUSE, UseOp.UNUSE_ALL, UseOp.IGNORED), (50, 45, 2, 3))[0]
            tb.use_if.send_nowait(VectorUse(op, v))
            if op == UseOp.UNUSE_ALL:
                for h in self.hot:
                    tb.use_if.send_nowait(VectorUse(UseOp.USE, h))
        elif kind == "bad":  # any address shape and strobe, in the table, the PBA or a hole
            base = rng.choice((tb.entry(self.pick(), rng.randrange(4)), tb.pba_offset + 4 * rng.randrange(tb.pba_size // 4),
                               self.cov.shape.hole if self.cov else 0, rng.randrange(tb.bar_size)))
            random_access(tb, rng, base - base % nb + rng.randrange(nb))
        elif kind == "flr":
            flr_and_reprogram(tb, rng, self.hot)

    # ------------------------------------------------------------- recipes
    def _use_raw(self, op: UseOp, v: int, times: int = 1) -> None:
        for _ in range(times):
            self.tb.use_if.send_nowait(VectorUse(op, v))

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
                from .msix_cov import FIELDS
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
                tb.notify(tb.nvec + rng.randrange(16))
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
            k = {"1": 1, "2-3": rng.randint(2, min(3, tb.nvec)), "4+": rng.randint(4, min(8, tb.nvec))}[label]
            await self.release_burst(rng.sample(range(tb.nvec), k))
        elif cp == "use.cp_transition":
            await self._use_recipe(label, v)
        elif cp == "backpressure.cp_stall":
            await self.ready_to_send(v)
            for _ in range(tb.cfg.fifo_depth + 4):
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
                for _ in range(tb.cfg.fifo_depth + 2):
                    tb.notify(w)
                await tb.notify_if.wait_idle()
            if pending:  # AXI write before notify (priority), both before the FLR
                if tb.cfg.tracking and tb.model.use_count(v) == 0:
                    self._use_raw(UseOp.USE, v)
                tb.mask(v, True)
                tb.notify(v)
                await tb.notify_if.wait_idle()
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
            self._use_raw(self.rng.choice((UseOp.USE, UseOp.UNUSE)), tb.nvec + self.rng.randrange(16))
        elif label == "op3_ignored":
            self._use_raw(UseOp.IGNORED, v)


#: The coverage-closure experiment: unbiased random vs coverage-driven random.
CLOSURE_MODES = ("random", "cov")


async def cov_closure_seq(tb: MsixTB, nops: int = 4000, mode: str = "cov", batch: int = 32, targets: int = 4) -> dict:
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
