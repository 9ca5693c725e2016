"""Directed sequences, named after the scenario they play (OpenTitan style).

Each is ``async def <scenario>_seq(tb)``: it drives requests through the
:class:`~tb.env.env.MsixEnv` helpers; the scoreboard checks every effect as it
happens, and ``tb.finish()`` (called by the test) drains and reads the whole
table, PBA and capability back. Sequences never predict results themselves:
the golden model does. Where a sequence needs a value (a read-modify-write, a
poll) it uses what the DUT returned, which the scoreboard has already checked.
One per seed function of ``qemu-msix.c`` and per rule of the spec README, plus
the Linux driver's and QEMU qtest's sequences. ``@requires`` names the profile
features a sequence needs.

Each sequence also checks that its scenario really happened (a
:class:`~.common.Scenario` counts the model's outcomes of the committed
requests): it waits for the commits a step depends on before the next step,
because the ports commit in priority order (notify last; a config read is no
synchronisation point for the AXI and notify ports).
"""

from __future__ import annotations

from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

from ..env.env import CTRL_ENABLE, MsixEnv
from ..env.txn import BarWrite, CfgAccess, Flr, Notify, UseOp
from .common import MSI_BASE, Scenario, enable, notify_limit, program_all, rand_address, requires, sample_vectors

O = Scenario.outcomes

# ------------------------------------------------------------------ the seed
async def reset_state_seq(tb: MsixEnv) -> None:
    """msix_init/msix_mask_all: after rst the table is zero and masked, PBA clear,
    the function masked: every notify sets a pending bit, enabling sends nothing."""
    sc = Scenario(tb, "reset_state")
    await tb.use_all()
    vecs = sample_vectors(tb)
    sc.phase()
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    sc.require("notify after rst (function masked)", sc.notifies(), O(PENDING=len(vecs)))
    sc.phase()
    await enable(tb)  # entries are still masked: the walk sends nothing
    sc.require("messages of the enable walk with every entry masked", sc.messages(), 0)
    unmask = sample_vectors(tb, 6)
    for v in unmask:
        tb.mask(v, False)  # unmask a pending vector: sends the zeroed entry
    await tb.quiesce()
    sc.require("messages of unmasking pending vectors", sc.messages("entry_unmask"), len(unmask))


@requires("cfg_port")
async def capability_seq(tb: MsixEnv) -> None:
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


async def notify_seq(tb: MsixEnv) -> None:
    """msix_notify: sent when unmasked, pending when the entry or function is
    masked, dropped when unused (tracking) or out of range (error flag)."""
    sc = Scenario(tb, "notify")
    vecs = sample_vectors(tb)
    n = len(vecs)
    program_all(tb, vecs, masked=False)
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.notify(v)  # function masked (not enabled): pending, or dropped if unused (tracking)
    await tb.quiesce()
    tracked = tb.cfg.tracking and tb.has("use_port")
    sc.require("notify before use, function masked", sc.notifies(), O(DROPPED_UNUSED=n) if tracked else O(PENDING=n))
    await tb.use_all()
    sc.phase()
    for v in vecs:
        tb.notify(v)  # now in use, still function-masked: pending
    await tb.quiesce()
    await enable(tb, maskall=True)
    for v in vecs:
        tb.notify(v)  # MASKALL: pending
    await tb.quiesce()
    sc.require("notify while the function is masked", sc.notifies(), O(PENDING=2 * n))
    sc.phase()
    tb.set_control(True, False)  # walk: send all pending, in vector order
    await tb.quiesce()
    sc.require("messages of the MASKALL-clear walk", sc.messages("maskall_clear"), n)
    sc.phase()
    for v in vecs:
        tb.notify(v)  # sent
    await tb.quiesce()  # before the masks below: an AXI write overtakes a queued notify
    sc.require("notify of unmasked vectors", sc.notifies(), O(SENT=n))
    for v in vecs[::2]:
        tb.mask(v)
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.notify(v)  # masked ones pend
    out = [x for x in (tb.num_vectors, 0xFFFF) if x < notify_limit(tb)]
    for x in out:
        tb.notify(x)  # out of range: dropped, err_notify_range
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    masked = len(vecs[::2])
    sc.require("notify with every other entry masked", sc.notifies(),
               O(SENT=2 * (n - masked), PENDING=2 * masked, DROPPED_RANGE=len(out)))


async def table_rw_seq(tb: MsixEnv) -> None:
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
    sc = Scenario(tb, "table_rw")
    for v in vecs:
        tb.write_entry(v, rand_address(rng) | rng.randrange(4), rng.randrange(1 << 32), control=0)
    await tb.quiesce()  # the entries are written before the notifies (notify commits last)
    sc.phase()
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    sc.require("notify of the rewritten, unmasked entries", sc.notifies(), O(SENT=len(vecs)))


async def unmask_sends_pending_seq(tb: MsixEnv) -> None:
    """msix_handle_mask_update: an entry unmask sends its pending message with
    the entry as just written; masking or unmasking without pending does nothing."""
    rng = tb.rng
    vecs = sample_vectors(tb, 12)
    sc = Scenario(tb, "unmask_sends_pending")
    await tb.use_all()
    program_all(tb, vecs, masked=True)
    await enable(tb)
    sc.phase()
    for v in vecs:
        tb.notify(v)  # pending
    await tb.quiesce()
    sc.require("notify of masked entries", sc.notifies(), O(PENDING=len(vecs)))
    sc.phase()
    for v in vecs:
        tb.axil.write_dword_nowait(tb.entry(v, 2), rng.randrange(1 << 32))  # new data while pending
        if tb.axil.nbytes == 8 and v % 2:
            # data + control in one 8-byte write: low half first, so the message has the new data
            tb.axil.write_nowait(tb.entry(v, 2), rng.randrange(1 << 32) | 0xFFFF_FFFE << 32)
        else:
            tb.axil.write_dword_nowait(tb.entry(v, 3), rng.randrange(1 << 32) & ~1)  # reserved bits kept
    await tb.quiesce()
    sc.require("messages of unmasking pending entries", sc.messages("entry_unmask"), len(vecs))
    sc.phase()
    for v in vecs:
        tb.mask(v, True)
        tb.mask(v, False)  # nothing pending: nothing sent
    tb.set_control(True, True)  # function masked: unmasking an entry keeps it pending
    await tb.quiesce()
    sc.require("messages of unmasking entries without pending", sc.messages(), 0)
    for v in vecs:
        tb.mask(v, True)
        await tb.quiesce()
        tb.notify(v)
        await tb.quiesce()
        tb.mask(v, False)
    await tb.quiesce()
    sc.require("notify of masked entries under MASKALL", sc.notifies(), O(PENDING=len(vecs)))
    sc.require("messages of unmasking entries under MASKALL", sc.messages(), 0)
    sc.phase()
    tb.set_control(True, False)
    await tb.quiesce()
    sc.require("messages of the MASKALL-clear walk", sc.messages("maskall_clear"), len(vecs))


async def function_unmask_walk_seq(tb: MsixEnv) -> None:
    """msix_write_config: clearing MASKALL or setting ENABLE walks vectors 0..N-1
    and sends each pending, unmasked one; masked entries stay pending."""
    rng = tb.rng
    sc = Scenario(tb, "function_unmask_walk")
    vecs = sample_vectors(tb, 40)
    masked = set(vecs[::3])
    await tb.use_all()
    program_all(tb, vecs, masked=False)
    for v in vecs[::3]:
        tb.mask(v)
    await tb.quiesce()
    sc.phase()
    for v in reversed(vecs):
        tb.notify(v)  # not enabled: all pending
    await tb.quiesce()
    sc.require("notify before ENABLE", sc.notifies(), O(PENDING=len(vecs)))
    sc.phase()
    await enable(tb, maskall=False)  # ENABLE 0->1 walk
    sc.require("messages of the ENABLE walk", sc.messages("enable_set"), len(vecs) - len(masked))
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    for _ in range(3):
        tb.set_control(True, True)
        await tb.quiesce()
        picked = rng.sample(vecs, len(vecs) // 2)
        for v in picked:
            tb.notify(v)
        await tb.quiesce()
        sc.phase()
        tb.set_control(True, False)  # MASKALL 1->0 walk
        await tb.quiesce()
        sc.require("messages of the MASKALL-clear walk", sc.messages("maskall_clear"), len(set(picked) - masked))
    sc.phase()
    tb.set_control(False, True)  # disable: MASKALL writes without ENABLE do not walk nor deassert
    await tb.quiesce()
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    tb.set_control(False, False)
    tb.set_control(True, True)
    await tb.quiesce()
    sc.require("messages with the function masked", sc.messages(), 0)
    tb.set_control(True, False)
    await tb.quiesce()
    sc.require("messages of the last MASKALL-clear walk", sc.messages("maskall_clear"), len(vecs) - len(masked))
    sc.phase()
    for v in vecs[::3]:
        tb.mask(v, False)
    await tb.quiesce()
    sc.require("messages of unmasking the pending, masked entries", sc.messages("entry_unmask"), len(masked))


async def pba_seq(tb: MsixEnv) -> None:
    """msix_pba_mmio_read/write: PBA reads per DWORD/QWORD, bits >= N read 0,
    PBA writes answer OKAY and change nothing."""
    rng = tb.rng
    sc = Scenario(tb, "pba")
    await tb.use_all()
    vecs = sample_vectors(tb, 64)
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()  # pending before the reads (a read overtakes a queued notify)
    sc.require("notify with the function masked", sc.notifies(), O(PENDING=len(vecs)))
    for addr in range(tb.pba_offset, tb.pba_offset + tb.pba_size, 4):
        tb.axil.write_dword_nowait(addr, rng.randrange(1 << 32))
        tb.axil.read_nowait(addr)
    if tb.axil.nbytes == 8:
        for addr in range(tb.pba_offset, tb.pba_offset + tb.pba_size, 8):
            tb.axil.write_nowait(addr, rng.randrange(1 << 64))
    await tb.quiesce()


@requires("use_port")
async def vector_use_seq(tb: MsixEnv) -> None:
    """msix_vector_use/unuse/unuse_all_vectors: unused vectors are dropped, the
    last unuse clears the pending bit, unuse-all clears every count and the PBA."""
    sc = Scenario(tb, "vector_use")
    trk = tb.cfg.tracking
    vecs = sample_vectors(tb, 10)
    n, half = len(vecs), len(vecs[::2])
    program_all(tb, vecs, masked=True)
    await enable(tb)
    sc.phase()
    for v in vecs:
        tb.notify(v)  # unused (tracking): dropped
    await tb.quiesce()  # use requests overtake a queued notify
    for v in vecs:
        tb.use(v)
        tb.use(v)
    await tb.quiesce()
    for v in vecs:
        tb.notify(v)  # pending
    await tb.quiesce()
    for v in vecs:
        tb.unuse(v)
    await tb.quiesce()
    sc.require("notify before and after use", sc.notifies(), O(DROPPED_UNUSED=n, PENDING=n) if trk else O(PENDING=2 * n))
    for v in vecs[::2]:
        tb.unuse(v)  # last unuse: pending cleared
        tb.axil.read_nowait(tb.pba_dword(v))
    tb.use(tb.num_vectors)  # out of range: ignored
    tb.unuse(tb.num_vectors)
    tb.use_op(UseOp.IGNORED, vecs[0])
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.mask(v, False)  # only the still-used, still-pending ones send
    await tb.quiesce()
    sc.require("messages of unmasking after the last unuse", sc.messages("entry_unmask"), n - half if trk else n)
    for v in vecs:
        tb.mask(v, True)
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    sc.require("notify of masked entries", sc.notifies(), O(PENDING=n - half, DROPPED_UNUSED=half) if trk else O(PENDING=n))
    tb.unuse_all()  # counts and PBA cleared
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()
    for v in vecs:
        tb.mask(v, False)
    await tb.quiesce()
    sc.require("messages after unuse-all", sc.messages(), 0 if trk else n)


@requires("use_port")
async def use_counter_limit_seq(tb: MsixEnv) -> None:
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
        for send, *args in requests:
            send(*args)
        await tb.quiesce()
        tb.axil.read_nowait(pba_dword)
        await tb.quiesce()

    use, unuse = (tb.use_op, UseOp.USE, v), (tb.use_op, UseOp.UNUSE, v)
    sc = Scenario(tb, "use_counter_limit")
    program_all(tb, [v], masked=True)
    await enable(tb)
    # One use beyond the maximum (ignored), then a notify: still in use, so pending.
    await step(*[use] * (tb.cfg.use_count_max + 1))
    sc.phase()
    await step((tb.notify, v))
    sc.require("notify at the counter maximum", sc.notifies(), O(PENDING=1))
    for _ in range(tb.cfg.use_count_max - 1):
        await step(unuse)  # uses left: still pending
    await step(unuse)  # the last unuse clears the pending bit
    sc.phase()
    await step((tb.notify, v))  # unused now: dropped
    sc.require("notify after max unuses", sc.notifies(), O(DROPPED_UNUSED=1))


@requires("flr")
async def flr_seq(tb: MsixEnv) -> None:
    """msix_reset: table zeroed and masked, PBA and ENABLE/MASKALL cleared; use
    counts and the cached function mask are kept (so an unmask after FLR sends
    even with ENABLE clear, as in the seed)."""
    sc = Scenario(tb, "flr")
    vecs = sample_vectors(tb, 12)
    await tb.use_all()
    program_all(tb, vecs)
    await enable(tb)
    for v in vecs[::2]:
        tb.mask(v)
    await tb.quiesce()
    sc.phase()
    for v in vecs[::2]:
        tb.notify(v)
    await tb.quiesce()
    sc.require("notify of masked entries before FLR", sc.notifies(), O(PENDING=len(vecs[::2])))
    tb.flr()
    await tb.quiesce()
    sc.phase()
    for v in vecs:
        tb.notify(v)  # entries masked again: pending
    await tb.quiesce()  # before the unmasks: AXI writes overtake queued notifies
    sc.require("notify after FLR (entries masked)", sc.notifies(), O(PENDING=len(vecs)))
    sc.phase()
    for v in vecs[:4]:
        tb.write_entry(v, rand_address(tb.rng), tb.rng.randrange(1 << 32), control=0)  # sends (cached unmask)
    await tb.quiesce()
    sc.require("messages of an unmask after FLR (cached function mask)", sc.messages("entry_unmask"), len(vecs[:4]))
    await tb.cfg_read(tb.cap_dword)
    tb.flr()
    tb.set_control(True, True)
    tb.flr()
    await tb.quiesce()


# ---------------------------------------------------------------- the system
async def linux_driver_seq(tb: MsixEnv) -> None:
    """Linux drivers/pci/msi/msi.c: setup, runtime unmask/mask (+flush read), shutdown."""
    rng = tb.rng
    cap = tb.cap_dword
    ctrl = await tb.cfg_read(cap) >> 16  # pci_read_config_word(PCI_MSIX_FLAGS)
    tb.cfg_write(cap, (ctrl | 0xC000) << 16, be=0xC)  # ENABLE | MASKALL
    ctrl = await tb.cfg_read(cap) >> 16
    num_vectors = (ctrl & 0x7FF) + 1
    table = await tb.cfg_read(cap + 1) & ~7
    assert num_vectors == tb.num_vectors and table == tb.table_offset, "capability disagrees with the configuration"
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
    for v in range(tb.num_vectors):  # msix_mask_all
        tb.axil.write_dword_nowait(tb.entry(v, 3), 1)
    ctrl = await tb.cfg_read(cap) >> 16
    tb.cfg_write(cap, (ctrl & ~0x4000) << 16, be=0xC)  # clear MASKALL
    # Runtime: the device raises interrupts while the driver masks/unmasks.
    sc = Scenario(tb, "linux_driver")
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
    got = sc.notifies()
    sc.require("runtime interrupts sent", got.get("SENT", 0) > 0, True)
    for v in range(tb.num_vectors):  # shutdown: mask everything, clear ENABLE
        tb.axil.write_dword_nowait(tb.entry(v, 3), 1)
    ctrl = await tb.cfg_read(cap) >> 16
    tb.cfg_write(cap, (ctrl & ~0x8000) << 16, be=0xC)
    await tb.quiesce()
    if tb.cov is not None:
        tb.cov.sequence_completed("linux_driver")


async def qtest_pba_poll_seq(tb: MsixEnv) -> None:
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
        await tb.notify_settled()
        for _ in range(50):  # qpci_msix_pending
            if await tb.axil.read_dword(pba + 4 * (v // 32)) >> (v % 32) & 1:
                break
        else:
            raise AssertionError(f"vector {v} never became pending")
        tb.mask(v, False)  # qpci_msix_masked -> unmask: the message goes out
        for _ in range(50):
            if not await tb.axil.read_dword(pba + 4 * (v // 32)) >> (v % 32) & 1:
                break
        else:
            raise AssertionError(f"vector {v} still pending after its unmask")
        tb.notify(v)
        await tb.quiesce()
    if tb.cov is not None:
        tb.cov.sequence_completed("qtest_pba_poll")


@requires("flr")
async def flr_under_traffic_seq(tb: MsixEnv) -> None:
    """FLR in the middle of traffic with messages queued behind back-pressure:
    decided messages still leave, in order; everything after sees the reset state."""
    rng = tb.rng
    sc = Scenario(tb, "flr_under_traffic")
    vecs = sample_vectors(tb, 16)
    for rnd in range(3):
        await tb.use_all()
        program_all(tb, vecs)
        await enable(tb)
        for _ in range(40):
            tb.notify(rng.choice(vecs))
        for v in vecs[:3]:
            tb.axil.read_nowait(tb.entry(v, 2))
        delay = rng.randint(0, 30)
        if rnd == 0:
            await tb.notify_settled()  # FLR right behind the last notify: its message is still queued
        else:
            await ClockCycles(tb.clock, delay)  # FLR somewhere in the traffic (flr overtakes queued notifies)
        tb.flr()
        for _ in range(20):
            tb.notify(rng.choice(vecs))
        await tb.quiesce()
    flrs = sc.commits(Flr)
    sc.require("FLRs committed", len(flrs), 3)
    sc.require("decided messages still queued at the first FLR", flrs[0].queued_before > 0, True)


@requires("access_errors")
async def bad_access_seq(tb: MsixEnv) -> None:
    """Every decode error: sub-DWORD, non-contiguous and zero strobes, misaligned
    addresses, holes of the BAR; each answers SLVERR (read data 0), changes nothing."""
    rng = tb.rng
    nb = tb.axil.nbytes
    vecs = sample_vectors(tb, 6)
    sc = Scenario(tb, "bad_access")
    await tb.use_all()
    program_all(tb, vecs, masked=True)
    await enable(tb)
    for v in vecs:
        tb.notify(v)
    await tb.quiesce()  # pending before the accesses (which would overtake the notifies)
    sc.require("notify of masked entries", sc.notifies(), O(PENDING=len(vecs)))
    sc.phase()  # a random valid access below may unmask one of them first: count every release
    targets = [tb.entry(v, dw) for v in vecs for dw in range(4)] + [tb.pba_offset]
    holes = [a for a in (tb.table_offset + 16 * tb.num_vectors, tb.pba_offset + tb.pba_size, tb.bar_size - nb,
                         tb.table_offset - nb, tb.pba_offset - nb)
             if 0 <= a < tb.bar_size and not (tb.table_offset <= a < tb.table_offset + 16 * tb.num_vectors)
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
    sc.require("messages releasing the pending entries", sc.messages("entry_unmask"), len(vecs))


async def tag_wrap_seq(tb: MsixEnv) -> None:
    """More than 256 messages: the tag wraps."""
    await tb.use_all()
    vecs = sample_vectors(tb, 8)
    program_all(tb, vecs)
    await enable(tb)
    sc = Scenario(tb, "tag_wrap")
    for i in range(300):
        tb.notify(vecs[i % len(vecs)])
    await tb.quiesce()
    sc.require("notify of unmasked entries", sc.notifies(), O(SENT=300))


async def address_forms_seq(tb: MsixEnv) -> None:
    """The message's Memory Write header follows its address: 4-DW as soon as any bit
    of the upper address DWORD is set (each bit alone), 3-DW below 4 GiB."""
    await tb.use_all()
    await enable(tb)
    sc = Scenario(tb, "address_forms")
    v = tb.rng.randrange(tb.num_vectors)
    highs = [1 << k for k in range(32)] + [0]
    for hi in highs:
        tb.write_entry(v, hi << 32 | tb.rng.randrange(1 << 32), tb.rng.randrange(1 << 32), control=0)
        await tb.quiesce()  # the entry as written, before the notify (AXI writes leave gaps a notify could take)
        tb.notify(v)
        await tb.quiesce()
    sc.require("messages, one per upper address DWORD", sc.notifies(), O(SENT=len(highs)))


async def priority_seq(tb: MsixEnv) -> None:
    """All ports requesting back to back at once: one commit per cycle, in
    priority order flr > cfg > AXI write > AXI read > use > notify."""
    rng = tb.rng
    vecs = sample_vectors(tb, 16)
    await tb.use_all()
    program_all(tb, vecs)
    await tb.quiesce()
    sc = Scenario(tb, "priority")
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
    recs, period = sc.records, tb.scoreboard.period
    contested = sum(1 for a, b in zip(recs, recs[1:]) if b.time - a.time == period and type(a.op) is not type(b.op))
    sc.require("commits of different ports on consecutive cycles", contested > 0, True)




async def axi_aw_w_apart_seq(tb: MsixEnv) -> None:
    """AXI4-Lite acceptance: AWREADY and WREADY rise together and only while both
    AWVALID and WVALID are high. An address without its data, or data without its
    address, held for a few cycles, is never taken (no ready, no B response)."""
    sc = Scenario(tb, "axi_aw_w_apart")
    vecs = sample_vectors(tb, 2)
    await tb.use_all()
    program_all(tb, vecs, masked=True)
    await enable(tb)
    for v in vecs:
        tb.notify(v)  # pending: a write taken by mistake would unmask and send it
    await tb.quiesce()
    sc.require("notify of masked entries", sc.notifies(), O(PENDING=len(vecs)))
    bar = lambda role: getattr(tb.dut, tb.binding.signals[f"bar.{role}"])  # noqa: E731
    nb = tb.axil.nbytes
    for v in vecs:
        for alone in ("awvalid", "wvalid"):
            await FallingEdge(tb.clock)  # the driver is idle: its valids are low until it presents again
            addr = tb.entry(v, 3)
            bar("awaddr").value = addr - addr % nb
            bar("wdata").value = 0  # Vector Control 0: would unmask (and send) if taken
            bar("wstrb").value = ((1 << nb) - 1) if nb == 4 else (0xF0 if addr % 8 else 0x0F)
            bar(alone).value = 1
            for _ in range(4):
                await ReadOnly()
                if bar("awready").value or bar("wready").value:
                    raise AssertionError(f"AXI write taken with only {alone} high (vector {v}): "
                                         "AWREADY/WREADY must wait for both valids")
                await FallingEdge(tb.clock)
            bar(alone).value = 0
    await ClockCycles(tb.clock, 4)  # a B response of a wrongly taken write is unexpected: mismatch
    sc.phase()
    for v in vecs:
        tb.mask(v, False)  # the real writes: each releases its pending vector
    await tb.quiesce()
    sc.require("messages of the real unmasks", sc.messages("entry_unmask"), len(vecs))


async def contract_timing_seq(tb: MsixEnv) -> None:
    """msix_block's cycle timing (rtl/README.md), which the scoreboard does not see
    (it follows the commits, whenever they happen): back-to-back notifies commit one
    per cycle (queue depth >= 3, no back-pressure); a function unmask with nothing
    to release (a masked vector pending at most) is one busy cycle; a walk ends one
    cycle after its last release; a table write that releases a vector is one busy cycle."""
    if tb.binding.name != "msix_block" or tb.traffic != "none":
        return  # the timing is this block's contract, not the profile's; exact only without gaps
    sc = Scenario(tb, "contract_timing")
    period = tb.scoreboard.period
    vecs = sample_vectors(tb, 4)
    every = sample_vectors(tb)
    await tb.use_all()
    program_all(tb, sorted(set(every) | set(vecs)), masked=False)
    await enable(tb)
    if tb.cfg.msg_fifo_depth >= 3:
        sc.phase()
        for i in range(16):
            tb.notify(vecs[i % len(vecs)])
        await tb.quiesce()
        times = [r.time for r in sc.commits(Notify)]
        sc.require("cycles between back-to-back notifies", {(b - a) // period for a, b in zip(times, times[1:])}, {1})
    await tb.drain()
    for pending in (False, True):
        tb.set_control(True, True)
        await tb.quiesce()
        if pending:
            tb.notify(vecs[0])  # function masked: pending; the walk releases it at its first vector
        else:
            for v in every:
                tb.mask(v)
            await tb.quiesce()
            for v in every:
                tb.notify(v)  # pending but masked: the walk must not count them as left to release
        await tb.quiesce()
        sc.phase()
        tb.set_control(True, False)  # function unmask: the walk
        tb.notify(vecs[0])  # presented with it, taken once the walk has ended
        await tb.quiesce()
        (cfg,), (ntf,) = sc.commits(CfgAccess), sc.commits(Notify)
        # Busy cycles: none to release, one; else the walk visits 0..v (releasing v) and ends
        # the cycle after, or at vector N-1, whichever comes first.
        busy = min(vecs[0] + 2, tb.num_vectors) if pending else 1
        sc.require(f"cycles from the function unmask to the next request ({'one' if pending else 'no'} release)",
                   (ntf.time - cfg.time) // period, busy + 1)
        sc.require("messages of the walk", sc.messages("maskall_clear"), int(pending))
        if not pending:
            for v in every:
                tb.mask(v, False)  # releases them now
        await tb.drain()
    # A table write that releases a pending, in-use vector: one busy cycle (S_RAW, the entry
    # read back) before the next request.
    v = vecs[-1]
    tb.mask(v)
    await tb.quiesce()
    tb.notify(v)  # entry masked: pending
    await tb.quiesce()
    sc.phase()
    tb.mask(v, False)  # releases it
    tb.notify(v)  # presented with it, taken once the read-back cycle is over
    await tb.quiesce()
    (wr,), (ntf,) = sc.commits(BarWrite), sc.commits(Notify)
    sc.require("cycles from a releasing table write to the next request", (ntf.time - wr.time) // period, 2)
    sc.require("messages of the releasing write", sc.messages("entry_unmask"), 1)
    await tb.drain()
