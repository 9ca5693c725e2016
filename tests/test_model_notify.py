"""msix_notify, pending bits, releases on unmask, vector use counting.

Seed references (/work/shared/spec/qemu-msix.c):
  * msix_notify 485-501: out of range or unused -> return; masked -> set
    pending; else send msix_get_message (64-bit address, 32-bit data).
  * msix_is_masked 95-98: cached function mask || entry mask bit.
  * msix_handle_mask_update 118-132: on unmask, if pending: clear, msix_notify
    (which drops it if the vector is unused).
  * msix_write_config 171-174: function-level unmask walks vectors 0..N-1.
  * msix_vector_use/unuse/unuse_all 525-553.
"""

import pytest

from qemu_msix import MsixFunction, NotifyOutcome
from tests.model_helpers import ENABLE, MASKALL, control, program, set_ctrl

NS = [1, 8, 64, 65, 2048]


def addr_of(v):
    return 0xFEE0_0000 + (v << 4)


def data_of(v):
    return 0x4000 + v


def pba_bit(f, v):
    return (f.bar_read(f.pba_offset + 4 * (v // 32), 4) >> (v % 32)) & 1


# ------------------------------------------------------------------ outcomes
@pytest.mark.parametrize("n", NS)
def test_out_of_range_dropped(n):
    f = MsixFunction(n)
    control(f, ENABLE)
    for v in (n, n + 1, 2048, 4096, 65535):
        if v < n:
            continue
        assert f.notify(v) == NotifyOutcome.DROPPED_RANGE
    assert f.sent == []
    assert all(f.bar_read(f.pba_offset + o, 4) == 0 for o in range(0, 8, 4))


@pytest.mark.parametrize("n", NS)
def test_unused_dropped_in_every_mask_state(n):
    f = MsixFunction(n)
    v = n - 1
    program(f, v, addr_of(v), data_of(v), 0)
    for hi in (0, MASKALL, ENABLE | MASKALL, ENABLE):
        control(f, hi)
        for ctrl in (1, 0):
            set_ctrl(f, v, ctrl)
            assert f.notify(v) == NotifyOutcome.DROPPED_UNUSED
            assert not f.is_pending(v)
            assert pba_bit(f, v) == 0
    assert f.sent == []


@pytest.mark.parametrize("n", NS)
def test_pending_when_masked_any_way(n):
    v = n - 1
    # (control byte, entry ctrl): every masked combination
    for hi, ctrl in ((0, 0), (0, 1), (MASKALL, 0), (ENABLE | MASKALL, 0), (ENABLE | MASKALL, 1), (ENABLE, 1)):
        f = MsixFunction(n)
        f.vector_use(v)
        program(f, v, addr_of(v), data_of(v), ctrl)
        control(f, hi)
        assert f.is_masked(v)
        assert f.notify(v) == NotifyOutcome.PENDING
        assert f.is_pending(v) and pba_bit(f, v) == 1
        assert f.notify(v) == NotifyOutcome.PENDING   # idempotent
        assert f.sent == []


@pytest.mark.parametrize("n", NS)
def test_sent_when_unmasked(n):
    f = MsixFunction(n)
    v = n - 1
    f.vector_use(v)
    got = []
    f.on_message = lambda a, d: got.append((a, d))
    program(f, v, 0x0000_0012_FEE0_1003, 0xDEAD_BEEF, 0)   # 64-bit address, bits 1:0 set
    control(f, ENABLE)
    assert not f.is_masked(v)
    assert f.notify(v) == NotifyOutcome.SENT
    assert f.notify(v) == NotifyOutcome.SENT
    exp = [(0x0000_0012_FEE0_1003, 0xDEAD_BEEF)] * 2
    assert f.sent == exp
    assert got == exp
    assert not f.is_pending(v)


def test_message_is_read_at_send_time():
    f = MsixFunction(8)
    f.vector_use(4)
    control(f, ENABLE)
    program(f, 4, 0xFEE0_0000, 1, 0)
    f.notify(4)
    f.bar_write(64 + 8, 2, 4)
    f.notify(4)
    f.bar_write(64 + 4, 0xFFFF_FFFF, 4)
    f.notify(4)
    assert f.sent == [(0xFEE0_0000, 1), (0xFEE0_0000, 2), (0xFFFF_FFFF_FEE0_0000, 2)]


def test_is_masked_combinations():
    f = MsixFunction(8)
    # msix_is_masked = fmask || entry bit (seed 91-92, 97)
    for hi, fm in ((0, True), (MASKALL, True), (ENABLE | MASKALL, True), (ENABLE, False)):
        control(f, hi)
        for ctrl, bit in ((0, False), (1, True), (0xFFFF_FFFE, False), (0x8000_0001, True)):
            set_ctrl(f, 2, ctrl)
            assert f.is_masked(2) == (fm or bit), (hi, ctrl)


# ----------------------------------------------------- release via entry unmask
@pytest.mark.parametrize("n", NS)
def test_entry_unmask_releases_pending(n):
    f = MsixFunction(n)
    v = n - 1
    f.vector_use(v)
    control(f, ENABLE)
    program(f, v, addr_of(v), data_of(v), 1)
    assert f.notify(v) == NotifyOutcome.PENDING
    assert f.notify(v) == NotifyOutcome.PENDING
    f.bar_write(f.table_offset + 16 * v + 8, 0x77, 4)   # data write: no mask change, no release
    assert f.sent == [] and f.is_pending(v)
    set_ctrl(f, v, 0xFFFF_FFFE)                          # bit 0 clear, reserved bits set: unmask
    assert f.sent == [(addr_of(v), 0x77)]                # once, with the current data
    assert not f.is_pending(v) and pba_bit(f, v) == 0
    set_ctrl(f, v, 0)                                    # still unmasked: nothing
    assert len(f.sent) == 1
    set_ctrl(f, v, 1)                                    # mask: nothing sent
    set_ctrl(f, v, 0)                                    # unmask without pending: nothing
    assert len(f.sent) == 1


def test_entry_unmask_under_maskall_or_disabled_keeps_pending():
    for hi in (0, MASKALL, ENABLE | MASKALL):
        f = MsixFunction(8)
        f.vector_use(3)
        control(f, hi)
        f.notify(3)
        set_ctrl(f, 3, 0)
        assert f.sent == [] and f.is_pending(3), hi
        # ... and the function-level unmask releases it.
        control(f, ENABLE)
        assert f.sent == [(0, 0)]
        assert not f.is_pending(3)


def test_entry_mask_while_function_unmasked_sets_nothing():
    f = MsixFunction(8)
    f.vector_use(1)
    control(f, ENABLE)
    set_ctrl(f, 1, 0)
    assert f.notify(1) == NotifyOutcome.SENT
    set_ctrl(f, 1, 1)
    assert not f.is_pending(1)
    assert f.notify(1) == NotifyOutcome.PENDING


# --------------------------------------------------- function-level unmask walk
def _vectors(n):
    return sorted({v for v in (0, 1, n // 2, n - 1) if v < n})


@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("how", ["maskall_clear", "enable_set"])
def test_function_unmask_sends_pending_in_vector_order(n, how):
    f = MsixFunction(n)
    vs = _vectors(n)
    for v in vs:
        f.vector_use(v)
        program(f, v, addr_of(v), data_of(v), 0)
    masked_v = None
    if n >= 8:
        masked_v = 3          # pending but entry-masked: must stay pending
        f.vector_use(3)
        program(f, 3, addr_of(3), data_of(3), 1)
    if how == "maskall_clear":
        control(f, ENABLE | MASKALL)
    for v in reversed(vs):                # raise in reverse order
        assert f.notify(v) == NotifyOutcome.PENDING
    if masked_v is not None:
        assert f.notify(masked_v) == NotifyOutcome.PENDING
    control(f, ENABLE)
    assert f.sent == [(addr_of(v), data_of(v)) for v in vs]   # ascending vector order
    for v in vs:
        assert not f.is_pending(v)
    if masked_v is not None:
        assert f.is_pending(masked_v)
        set_ctrl(f, masked_v, 0)
        assert f.sent[-1] == (addr_of(3), data_of(3))


def test_function_unmask_order_explicit():
    f = MsixFunction(8)
    for v in range(8):
        f.vector_use(v)
        program(f, v, 0x1000 * (v + 1), v, 0)
    control(f, ENABLE | MASKALL)
    for v in (6, 2, 7, 0, 5):
        f.notify(v)
    assert f.bar_read(2048, 4) == 0b1110_0101
    control(f, ENABLE)
    assert f.sent == [(0x1000, 0), (0x3000, 2), (0x6000, 5), (0x7000, 6), (0x8000, 7)]
    assert f.bar_read(2048, 4) == 0


def test_message_taken_at_release_time():
    f = MsixFunction(8)
    f.vector_use(0)
    program(f, 0, 0xAAAA_0000, 1, 0)
    f.notify(0)                               # not enabled: pending
    program(f, 0, 0xBBBB_0000, 2, 0)
    control(f, ENABLE)
    assert f.sent == [(0xBBBB_0000, 2)]


def test_function_unmask_without_pending_sends_nothing():
    f = MsixFunction(8)
    for v in range(8):
        f.vector_use(v)
        set_ctrl(f, v, 0)
    control(f, ENABLE)
    control(f, ENABLE | MASKALL)
    control(f, ENABLE)
    assert f.sent == []


@pytest.mark.parametrize("how", ["entry", "maskall_clear", "enable_set"])
def test_unmask_of_unused_but_pending_clears_and_drops(how):
    """Only msix_load can make an unused vector pending; an unmask then
    clears the bit and msix_notify drops it (seed 128-130, 489-490)."""
    n = 8
    f = MsixFunction(n)
    if how == "maskall_clear":
        control(f, ENABLE | MASKALL)
    # Stream: all entries zero with ctrl=1 except vector 5 whose ctrl depends on how;
    # PBA byte: vectors 5 and 6 pending. Nothing is in use.
    table = bytearray()
    for v in range(n):
        ctrl = 1
        if v == 5 and how != "entry":
            ctrl = 0
        table += (0xFEE0_0000 + v).to_bytes(4, "little") + bytes(4) + v.to_bytes(4, "little") + ctrl.to_bytes(4, "little")
    f.load(bytes(table) + bytes([0b0110_0000]))
    # Function masked at load time (disabled or MASKALL): nothing changes.
    assert f.is_pending(5) and f.is_pending(6)
    if how == "entry":
        control(f, ENABLE)                  # 5 entry-masked: still pending
        assert f.is_pending(5)
        set_ctrl(f, 5, 0)
    else:
        control(f, ENABLE)
    assert f.sent == []
    assert not f.is_pending(5)
    assert f.is_pending(6)                  # entry masked: untouched
    assert f.bar_read(2048, 4) == 0b0100_0000


# -------------------------------------------------------------- use counting
@pytest.mark.parametrize("n", NS)
def test_vector_use_range(n):
    f = MsixFunction(n)
    assert f.vector_use(n - 1) == 0
    assert f.vector_use(n) == -22
    assert f.vector_use(n + 1000) == -22
    assert f.use_count(n - 1) == 1
    assert f.nr_vectors_allocated == n


@pytest.mark.parametrize("n", NS)
def test_use_unuse_counting_and_pending(n):
    f = MsixFunction(n)
    v = n - 1
    assert f.use_count(v) == 0
    assert f.vector_use(v) == 0
    assert f.vector_use(v) == 0
    assert f.use_count(v) == 2
    f.notify(v)
    assert f.is_pending(v)
    f.vector_unuse(v)                  # 2 -> 1: pending kept (seed 541-543)
    assert f.use_count(v) == 1 and f.is_pending(v)
    f.vector_unuse(v)                  # 1 -> 0: pending cleared (seed 544)
    assert f.use_count(v) == 0 and not f.is_pending(v)
    f.vector_unuse(v)                  # already 0: no-op (seed 538)
    assert f.use_count(v) == 0
    f.vector_unuse(n)                  # out of range: no-op (seed 538)
    f.vector_unuse(n + 7)
    assert f.notify(v) == NotifyOutcome.DROPPED_UNUSED
    f.vector_use(v)
    set_ctrl(f, v, 0)
    control(f, ENABLE)
    assert f.sent == []                # the cleared pending bit did not come back


@pytest.mark.parametrize("n", NS)
def test_unuse_all(n):
    f = MsixFunction(n)
    vs = _vectors(n)
    for v in vs:
        f.vector_use(v)
        f.vector_use(v)
        f.notify(v)
    f.unuse_all_vectors()
    for v in vs:
        assert f.use_count(v) == 0
        assert not f.is_pending(v)
        assert f.notify(v) == NotifyOutcome.DROPPED_UNUSED
    for o in range(0, 8, 4):
        assert f.bar_read(f.pba_offset + o, 4) == 0


def test_unuse_does_not_touch_other_vectors():
    f = MsixFunction(8)
    for v in (2, 3):
        f.vector_use(v)
        f.notify(v)
    f.vector_unuse(2)
    assert not f.is_pending(2) and f.is_pending(3)
    assert f.bar_read(2048, 4) == 0b1000


@pytest.mark.parametrize("n", NS)
def test_queries_out_of_range_raise(n):
    f = MsixFunction(n)
    for bad in (n, n + 1):
        with pytest.raises(ValueError):
            f.use_count(bad)
        with pytest.raises(ValueError):
            f.is_masked(bad)
        with pytest.raises(ValueError):
            f.is_pending(bad)
        with pytest.raises(ValueError):
            f.get_message(bad)
        with pytest.raises(ValueError):
            f.set_message(bad, 0, 0)


# ------------------------------------------------------------- set_message
def test_set_message_clears_mask_without_reevaluation():
    f = MsixFunction(8)
    control(f, ENABLE)
    f.vector_use(2)
    set_ctrl(f, 2, 0xFFFF_FFFF)
    f.notify(2)
    assert f.is_pending(2)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v)), lambda v: ev.append(("rel", v)))
    f.set_message(2, 0x0000_0001_FEE0_0003, 0xABCD)
    # seed 52-54: address, data stored; only bit 0 of the control byte cleared
    assert f.bar_read(32, 4) == 0xFEE0_0003
    assert f.bar_read(36, 4) == 0x0000_0001
    assert f.bar_read(40, 4) == 0xABCD
    assert f.bar_read(44, 4) == 0xFFFF_FFFE
    assert f.get_message(2) == (0x1_FEE0_0003, 0xABCD)
    assert not f.is_masked(2)
    # Nothing re-evaluated: no notifier, no send, pending stays set.
    assert ev == [] and f.sent == [] and f.is_pending(2)
    # A notify now sends (unmasked) and does NOT clear the stale pending bit.
    assert f.notify(2) == NotifyOutcome.SENT
    assert f.sent == [(0x1_FEE0_0003, 0xABCD)]
    assert f.is_pending(2)
    # A table write that keeps it unmasked does not release it either.
    f.bar_write(40, 0xABCE, 4)
    set_ctrl(f, 2, 0)
    assert len(f.sent) == 1 and f.is_pending(2)
    # Mask then unmask: now it is released (and the pending bit cleared).
    set_ctrl(f, 2, 1)
    set_ctrl(f, 2, 0)
    assert f.sent[1:] == [(0x1_FEE0_0003, 0xABCE)]
    assert not f.is_pending(2)


@pytest.mark.parametrize("args", [(0, 1 << 64, 0), (0, 0, 1 << 32), (0, -1, 0), (0, 0, -1)])
def test_set_message_value_misuse(args):
    f = MsixFunction(8)
    before = f.save()
    with pytest.raises(ValueError):
        f.set_message(*args)
    assert f.save() == before
