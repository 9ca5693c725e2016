"""BAR accesses of the golden model: table, PBA, holes, outside the BAR.

Rules (spec README + seed):
  * msix_table_mmio_ops / msix_pba_mmio_ops (seed 197-239): valid 4..8 bytes,
    impl max 4 -> only aligned 4- or 8-byte accesses; an 8-byte access is two
    4-byte ones, low DWORD first, each followed by the seed's re-evaluation.
  * Anything else, or a hole, or outside the BAR: DecodeError, nothing changes.
  * Table DWORDs store all 32 bits (seed 193 pci_set_long); PBA writes are
    ignored (seed 223-226); PBA bit k is bit k%32 of DWORD k/32.
"""

import pytest

from qemu_msix import DecodeError, MsixFunction, NotifyOutcome
from tests.model_helpers import ENABLE, MASKALL


# (N, kwargs, bar_size, table_offset, pba_offset, pba_size) by hand from
# msix_init_exclusive_bar (seed 347-389) or the given msix_init placement.
LAYOUTS = [
    (1, {}, 4096, 0, 2048, 8),
    (8, {}, 4096, 0, 2048, 8),
    (64, {}, 4096, 0, 2048, 8),
    (65, {}, 4096, 0, 2048, 16),
    (129, {}, 4096, 0, 2064, 24),          # PBA directly after the table
    (2048, {}, 65536, 0, 32768, 256),
    (8, {"bar_size": 4096, "table_offset": 0x808, "pba_offset": 0x8}, 4096, 0x808, 0x8, 8),
]
LAYOUT_IDS = ["n1", "n8", "n64", "n65", "n129", "n2048", "n8-custom"]


def make(n, kw):
    return MsixFunction(n, **kw)


def snapshot(f):
    """Everything a bad access must leave alone."""
    return (f.save(), bytes(f.config_read(a, 1) for a in range(256)), list(f.sent),
            f.intx_deassert_count, f.function_masked)


def holes(n, bar, tab, pba, pbasz):
    """Offsets (4-aligned) in the BAR that are neither table nor PBA, and past it."""
    tab_end, pba_end = tab + 16 * n, pba + pbasz
    inside = lambda o: tab <= o < tab_end or pba <= o < pba_end
    cands = {tab - 8, tab - 4, tab_end, tab_end + 4, pba - 8, pba - 4, pba_end, pba_end + 8,
             bar - 8, bar - 4, bar // 2 + 1024}
    in_bar = sorted(o for o in cands if 0 <= o < bar and not inside(o))
    outside = [bar, bar + 8, 2 * bar, 1 << 40]
    return in_bar, outside


@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_holes_and_outside_are_decode_errors(n, kw, bar, tab, pba, pbasz):
    f = make(n, kw)
    f.vector_use(0)
    f.notify(0)                  # leave something pending
    polls = []
    f.set_vector_notifiers(lambda v, m: 0, lambda v: None, lambda s, e: polls.append((s, e)))
    polls.clear()
    before = snapshot(f)
    in_bar, outside = holes(n, bar, tab, pba, pbasz)
    assert in_bar, "each layout has at least one hole"
    for off in in_bar + outside:
        for size in (4, 8):
            if off % size:
                continue
            with pytest.raises(DecodeError):
                f.bar_read(off, size)
            with pytest.raises(DecodeError):
                f.bar_write(off, 0, size)
            with pytest.raises(DecodeError):
                f.bar_write(off, (1 << (8 * size)) - 1, size)
    assert snapshot(f) == before
    assert polls == []


def test_hole_examples_exclusive_n8():
    # N=8: table [0,128), PBA [2048,2056), BAR 4096 -- spelled out.
    f = MsixFunction(8)
    for off in (128, 132, 136, 1024, 2040, 2044, 2056, 2060, 4092, 4096, 8192):
        with pytest.raises(DecodeError):
            f.bar_read(off, 4)
    for off in (124, 0, 2048, 2052):
        f.bar_read(off, 4)
    f.bar_read(120, 8)
    f.bar_read(2048, 8)


def test_decode_error_attributes():
    f = MsixFunction(8)
    with pytest.raises(DecodeError) as ei:
        f.bar_read(0x2, 2)
    assert ei.value.offset == 0x2 and ei.value.size == 2


BAD_SIZES = [0, 1, 2, 3, 5, 6, 7, 16]


@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_bad_size_and_misaligned_change_nothing(n, kw, bar, tab, pba, pbasz):
    f = make(n, kw)
    f.config_write(0x43, ENABLE, 1)
    f.vector_use(0)
    f.notify(0)                  # entry 0 masked -> pending
    assert f.is_pending(0)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v)), lambda v: ev.append(("rel", v)),
                           lambda s, e: ev.append(("poll", s, e)))
    ev.clear()
    before = snapshot(f)
    targets = [tab, tab + 8, tab + 12, tab + 16 * n - 4, pba, pba + pbasz - 4]
    for base in targets:
        for size in BAD_SIZES:
            for off in (base, base + 1, base + 2):
                with pytest.raises(DecodeError):
                    f.bar_read(off, size)
                with pytest.raises(DecodeError):
                    f.bar_write(off, 0, size)
        # misaligned but valid sizes
        for off, size in ((base + 1, 4), (base + 2, 4), (base + 3, 4), (base + 2, 8), (base + 6, 8)):
            with pytest.raises(DecodeError):
                f.bar_read(off, size)
            with pytest.raises(DecodeError):
                f.bar_write(off, 0, size)
    # 8-byte at a DWORD- but not QWORD-aligned offset (table +4 / +12, PBA +4)
    for off in (tab + 4, tab + 12, pba + 4):
        with pytest.raises(DecodeError):
            f.bar_read(off, 8)
        with pytest.raises(DecodeError):
            f.bar_write(off, 0, 8)   # would unmask entry 0 if carried out
    assert snapshot(f) == before
    assert ev == []
    assert f.is_pending(0) and f.sent == []


def test_bar_write_value_too_big_changes_nothing():
    f = MsixFunction(8)
    f.config_write(0x43, ENABLE, 1)
    f.vector_use(0)
    f.notify(0)
    before = snapshot(f)
    for off, val, size in ((12, 1 << 32, 4), (8, 1 << 64, 8), (12, -1, 4), (0, -1, 8)):
        with pytest.raises(ValueError):
            f.bar_write(off, val, size)
    assert snapshot(f) == before


# ----------------------------------------------------------------- the table
@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_table_dwords_store_all_32_bits(n, kw, bar, tab, pba, pbasz):
    f = make(n, kw)
    for v in sorted({0, n // 2, n - 1}):
        base = tab + 16 * v
        vals = [0xFEE0_0003 ^ v, 0xDEAD_BEEF, 0x8000_0000 | v, 0xFFFF_FFFE]   # addr bits 1:0, reserved ctrl bits
        for i, val in enumerate(vals):
            f.bar_write(base + 4 * i, val, 4)
        for i, val in enumerate(vals):
            assert f.bar_read(base + 4 * i, 4) == val
        assert f.bar_read(base, 8) == vals[0] | vals[1] << 32
        assert f.bar_read(base + 8, 8) == vals[2] | vals[3] << 32
        assert f.get_message(v) == (vals[0] | vals[1] << 32, vals[2])
        assert not f.is_masked(v) or f.function_masked
        f.bar_write(base + 12, 0xFFFF_FFFF, 4)
        assert f.bar_read(base + 12, 4) == 0xFFFF_FFFF
        # 8-byte writes land as two DWORDs, little-endian.
        f.bar_write(base, 0x0000_0001_2345_6789, 8)
        assert f.bar_read(base, 4) == 0x2345_6789
        assert f.bar_read(base + 4, 4) == 0x0000_0001
        f.bar_write(base + 8, 0x0000_0003_CAFE_F00D, 8)
        assert f.bar_read(base + 8, 4) == 0xCAFE_F00D
        assert f.bar_read(base + 12, 4) == 0x0000_0003
        assert f.get_message(v) == (0x1_2345_6789, 0xCAFE_F00D)
        assert f.is_masked(v)            # bit 0 of 3 is set
    # Untouched entries keep their reset value.
    if n > 3:
        assert f.bar_read(tab + 16, 8) == 0
        assert f.bar_read(tab + 24, 8) == 1 << 32


def test_table_accessible_while_disabled_and_function_masked():
    f = MsixFunction(8)
    for hi in (0, MASKALL, ENABLE | MASKALL, ENABLE):
        f.config_write(0x43, hi, 1)
        f.bar_write(0x10 + 8, hi + 1, 4)
        assert f.bar_read(0x10 + 8, 4) == hi + 1


def test_8byte_write_low_half_first_sends_new_data():
    """Data (low half) is stored before Vector Control (high half) is
    re-evaluated: the released pending message carries the NEW data."""
    f = MsixFunction(8)
    f.config_write(0x43, ENABLE, 1)
    base = 16 * 3
    f.bar_write(base + 0, 0xFEE0_1000, 4)
    f.bar_write(base + 8, 0x1111, 4)                  # old data, entry still masked
    f.vector_use(3)
    assert f.notify(3) == NotifyOutcome.PENDING
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v, m)), lambda v: ev.append(("rel", v)))
    f.on_message = lambda a, d: ev.append(("send", a, d))
    f.bar_write(base + 8, (0x0 << 32) | 0x2222, 8)    # data=0x2222, control=0
    assert ev == [("use", 3, (0xFEE0_1000, 0x2222)), ("send", 0xFEE0_1000, 0x2222)]
    assert f.sent == [(0xFEE0_1000, 0x2222)]
    assert not f.is_pending(3)
    # Masking through an 8-byte write: release after the new data is stored.
    ev.clear()
    f.bar_write(base + 8, (0x1 << 32) | 0x3333, 8)
    assert ev == [("rel", 3)]
    assert f.bar_read(base + 8, 4) == 0x3333
    assert f.notify(3) == NotifyOutcome.PENDING


def test_8byte_write_address_half_does_not_reevaluate_mask():
    f = MsixFunction(8)
    f.config_write(0x43, ENABLE, 1)
    f.vector_use(1)
    f.notify(1)
    f.bar_write(16, 0xFFFF_FFFF_FFFF_FFFF, 8)   # address only: entry stays masked
    assert f.is_pending(1) and f.sent == []
    f.bar_write(28, 0, 4)
    assert f.sent == [(0xFFFF_FFFF_FFFF_FFFF, 0)]


def test_8byte_table_read_combines_halves():
    f = MsixFunction(2048)
    base = 16 * 2047
    f.bar_write(base, 0x89AB_CDEF, 4)
    f.bar_write(base + 4, 0x0123_4567, 4)
    f.bar_write(base + 8, 0x5555_AAAA, 4)
    assert f.bar_read(base, 8) == 0x0123_4567_89AB_CDEF
    assert f.bar_read(base + 8, 8) == 0x0000_0001_5555_AAAA


# ------------------------------------------------------------------- the PBA
def pba_vectors(n):
    return sorted({v for v in (0, 31, 32, 63, 64, n - 1) if v < n})


@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_pba_bit_positions(n, kw, bar, tab, pba, pbasz):
    for v in pba_vectors(n):
        f = make(n, kw)
        f.vector_use(v)
        assert f.notify(v) == NotifyOutcome.PENDING    # masked at init
        for d in range(pbasz // 4):
            exp = (1 << (v % 32)) if d == v // 32 else 0
            assert f.bar_read(pba + 4 * d, 4) == exp, (v, d)
        for q in range(pbasz // 8):
            exp = (1 << (v % 64)) if q == v // 64 else 0
            assert f.bar_read(pba + 8 * q, 8) == exp, (v, q)
    # All of them together.
    f = make(n, kw)
    vs = pba_vectors(n)
    for v in vs:
        f.vector_use(v)
        f.notify(v)
    exp_bits = sum(1 << v for v in vs)
    got = 0
    for d in range(pbasz // 4):
        got |= f.bar_read(pba + 4 * d, 4) << (32 * d)
    assert got == exp_bits


@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_pba_bits_at_or_above_n_read_zero(n, kw, bar, tab, pba, pbasz):
    f = make(n, kw)
    for v in range(n):
        f.vector_use(v)
        f.notify(v)
    # All N bits set; bits N..pbasz*8-1 read 0.
    for d in range(pbasz // 4):
        lo = 32 * d
        exp = 0
        for b in range(32):
            if lo + b < n:
                exp |= 1 << b
        assert f.bar_read(pba + 4 * d, 4) == exp


def test_pba_values_by_hand():
    f = MsixFunction(65)
    for v in (0, 1, 31, 32, 33, 63, 64):
        f.vector_use(v)
        f.notify(v)
    assert f.bar_read(2048, 4) == 0x8000_0003
    assert f.bar_read(2052, 4) == 0x8000_0003
    assert f.bar_read(2056, 4) == 0x0000_0001
    assert f.bar_read(2060, 4) == 0
    assert f.bar_read(2048, 8) == 0x8000_0003_8000_0003
    assert f.bar_read(2056, 8) == 1


@pytest.mark.parametrize("n,kw,bar,tab,pba,pbasz", LAYOUTS, ids=LAYOUT_IDS)
def test_pba_writes_ignored(n, kw, bar, tab, pba, pbasz):
    f = make(n, kw)
    vs = pba_vectors(n)
    for v in vs:
        f.vector_use(v)
        f.notify(v)
    before = [f.bar_read(pba + 4 * d, 4) for d in range(pbasz // 4)]
    snap = snapshot(f)
    for d in range(pbasz // 4):
        f.bar_write(pba + 4 * d, 0, 4)
        f.bar_write(pba + 4 * d, 0xFFFF_FFFF, 4)
    for q in range(pbasz // 8):
        f.bar_write(pba + 8 * q, 0, 8)
        f.bar_write(pba + 8 * q, (1 << 64) - 1, 8)
    assert [f.bar_read(pba + 4 * d, 4) for d in range(pbasz // 4)] == before
    assert snapshot(f) == snap
    for v in range(n):
        assert f.is_pending(v) == (v in vs)


def test_pba_accessible_while_disabled_and_enabled():
    f = MsixFunction(8)
    f.vector_use(7)
    f.notify(7)
    for hi in (0, MASKALL, ENABLE | MASKALL):
        f.config_write(0x43, hi, 1)
        assert f.bar_read(2048, 4) == 0x80
    f.config_write(0x43, ENABLE, 1)     # entry 7 still masked
    assert f.bar_read(2048, 4) == 0x80
    f.bar_write(16 * 7 + 12, 0, 4)      # unmask: sent, bit cleared
    assert f.bar_read(2048, 4) == 0
    assert f.sent == [(0, 0)]
