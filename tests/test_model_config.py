"""Config space of the golden model: initial bytes, write-mask merging,
msix_write_config (seed lines 144-175), INTx deassert and the cached
function mask.

Rules used (spec README "What QEMU does around msix.c"):
  * config = config & ~wmask | val & wmask, byte by byte; the only writable
    bits are ENABLE (0x80) and MASKALL (0x40) of byte cap+3 (seed 327-329);
  * msix_write_config acts only if the write covers byte cap+3 (seed 152);
  * it deasserts INTx whenever ENABLE is 1 after the write (seed 161-165);
  * function_masked = !ENABLE || MASKALL, refreshed only there (seed 139-141,
    158-159) and in msix_load, never in msix_reset.
"""

import pytest

from qemu_msix import MsixFunction, NotifyOutcome
from tests.model_helpers import ENABLE, MASKALL


def expected_config(n, table_offset, pba_offset, cap=0x40, control_hi_bits=0):
    """The 256 config bytes msix_init + pci_add_capability produce."""
    cfg = bytearray(256)
    cfg[0x06] = 0x10                       # PCI_STATUS_CAP_LIST (pci_add_capability)
    cfg[0x34] = cap                        # PCI_CAPABILITY_LIST -> our capability
    cfg[cap] = 0x11                        # PCI_CAP_ID_MSIX
    cfg[cap + 1] = 0x00                    # next pointer: end of list
    qsize = n - 1                          # seed line 320
    cfg[cap + 2] = qsize & 0xFF
    cfg[cap + 3] = (qsize >> 8) | control_hi_bits
    cfg[cap + 4:cap + 8] = (table_offset | 0).to_bytes(4, "little")   # BIR 0, line 324
    cfg[cap + 8:cap + 12] = (pba_offset | 0).to_bytes(4, "little")    # BIR 0, line 325
    return cfg


def config_bytes(f):
    return bytes(f.config_read(a, 1) for a in range(256))


# (N, kwargs, table_offset, pba_offset, cap) -- offsets from msix_init_exclusive_bar by hand
LAYOUTS = [
    (1, {}, 0, 2048, 0x40),
    (8, {}, 0, 2048, 0x40),
    (64, {}, 0, 2048, 0x40),
    (65, {}, 0, 2048, 0x40),
    (129, {}, 0, 2064, 0x40),
    (2048, {}, 0, 32768, 0x40),
    (8, {"bar_size": 4096, "table_offset": 0x808, "pba_offset": 0x8, "cap_offset": 0x80}, 0x808, 0x8, 0x80),
    (300, {"cap_offset": 0xF4}, 0, 4800, 0xF4),  # 16*300 = 4800 > 2048 -> PBA at 4800
]


@pytest.mark.parametrize("n,kw,tab,pba,cap", LAYOUTS)
def test_initial_config_bytes(n, kw, tab, pba, cap):
    f = MsixFunction(n, **kw)
    exp = expected_config(n, tab, pba, cap)
    assert config_bytes(f) == bytes(exp)
    # Wider reads are little-endian combinations of the same bytes.
    for a in range(0, 256, 2):
        assert f.config_read(a, 2) == int.from_bytes(exp[a:a + 2], "little")
    for a in range(0, 256, 4):
        assert f.config_read(a, 4) == int.from_bytes(exp[a:a + 4], "little")


def test_initial_config_words_n2048():
    f = MsixFunction(2048)
    assert f.config_read(0x40, 4) == 0x07FF_0011   # QSIZE 0x7FF in bits 31:16
    assert f.config_read(0x42, 2) == 0x07FF
    assert f.config_read(0x44, 4) == 0x0000_0000
    assert f.config_read(0x48, 4) == 0x0000_8000
    assert f.config_read(0x04, 4) == 0x0010_0000   # status bit 4 (in upper half of DWORD 4)
    assert f.config_read(0x34, 1) == 0x40


def _aligned_accesses(lo, hi):
    """Every naturally aligned (addr, size) that touches [lo, hi)."""
    out = []
    for size in (1, 2, 4):
        for a in range(lo - lo % size, hi, size):
            if a + size > lo and 0 <= a and a + size <= 256:
                out.append((a, size))
    return out


@pytest.mark.parametrize("n,cap", [(1, 0x40), (2048, 0x40), (65, 0x80)])
def test_write_mask_all_ones_every_access_touching_cap(n, cap):
    """All-ones writes: only ENABLE|MASKALL of cap+3 may change."""
    for addr, size in _aligned_accesses(cap, cap + 12):
        f = MsixFunction(n, cap_offset=cap)
        f.config_write(addr, (1 << (8 * size)) - 1, size)
        covers = addr <= cap + 3 < addr + size
        exp = expected_config(n, f.table_offset, f.pba_offset, cap, (ENABLE | MASKALL) if covers else 0)
        assert config_bytes(f) == bytes(exp), (addr, size)
        # And zeros clear them again without touching QSIZE/ID/offsets.
        f.config_write(addr, 0, size)
        assert config_bytes(f) == bytes(expected_config(n, f.table_offset, f.pba_offset, cap)), (addr, size)


def test_write_mask_whole_config_space_readonly():
    """Nothing outside byte cap+3 bits 7:6 is writable (incl. 0x06 and 0x34)."""
    f = MsixFunction(8)
    before = config_bytes(f)
    for a in range(0, 256, 4):
        if a == 0x40:
            continue
        f.config_write(a, 0xFFFF_FFFF, 4)
    for a in range(0, 256):
        if a == 0x43:
            continue
        f.config_write(a, 0xA5, 1)
    assert config_bytes(f) == before
    assert f.intx_deassert_count == 0
    assert f.function_masked


@pytest.mark.parametrize("value,size,addr,hi", [
    (0xC0, 1, 0x43, 0xC0),
    (0x3F, 1, 0x43, 0x00),        # non-writable bits of byte 3 ignored
    (0x80, 1, 0x43, 0x80),
    (0x40, 1, 0x43, 0x40),
    (0x8000, 2, 0x42, 0x80),
    (0xC0FF, 2, 0x42, 0xC0),      # low byte (QSIZE) is read-only
    (0x7FFF, 2, 0x42, 0x40),
    (0x4000_0000, 4, 0x40, 0x40),
    (0xFFFF_FFFF, 4, 0x40, 0xC0),
    (0x8000_0000, 4, 0x40, 0x80),
    (0x3FFF_FFFF, 4, 0x40, 0x00),
])
def test_write_merge_values_n2048(value, size, addr, hi):
    # N=2048: byte cap+3 holds QSIZE bits 10:8 = 0x07, which must survive.
    f = MsixFunction(2048)
    f.config_write(addr, value, size)
    assert f.config_read(0x43, 1) == 0x07 | hi
    assert f.config_read(0x42, 2) == 0x07FF | hi << 8
    assert f.config_read(0x40, 1) == 0x11 and f.config_read(0x41, 1) == 0
    assert f.enabled == bool(hi & ENABLE)


@pytest.mark.parametrize("args", [
    (256, 1), (255, 2), (254, 4), (253, 4), (-1, 1), (0, 3), (0, 8), (0, 0), (0x40, 5),
])
def test_config_read_misuse(args):
    f = MsixFunction(8)
    with pytest.raises(ValueError):
        f.config_read(*args)


@pytest.mark.parametrize("addr,value,size", [
    (256, 0, 1), (255, 0, 2), (253, 0, 4), (-1, 0, 1), (0x40, 0, 3), (0x40, 0, 8),
    (0x43, 0x100, 1), (0x42, 0x1_0000, 2), (0x40, 1 << 32, 4), (0x43, -1, 1), (0x42, -0x8000, 2),
])
def test_config_write_misuse_changes_nothing(addr, value, size):
    f = MsixFunction(8)
    before = config_bytes(f)
    with pytest.raises(ValueError):
        f.config_write(addr, value, size)
    assert config_bytes(f) == before
    assert f.intx_deassert_count == 0
    assert f.function_masked


# ------------------------------------------------------------ covering cap+3
COVERING = [(0x43, 1), (0x42, 2), (0x40, 4)]
NOT_COVERING = [(0x42, 1), (0x40, 1), (0x41, 1), (0x44, 1), (0x40, 2), (0x44, 2), (0x44, 4), (0x3C, 4), (0x48, 4)]


def _value_for(addr, size, hi):
    """A value that puts `hi` into byte 0x43 if the access covers it."""
    if addr <= 0x43 < addr + size:
        return hi << (8 * (0x43 - addr))
    return 0


@pytest.mark.parametrize("addr,size", COVERING)
def test_deassert_on_every_covering_write_while_enabled(addr, size):
    f = MsixFunction(8)
    log = []
    f.on_intx_deassert = lambda: log.append("intx")
    f.config_write(addr, _value_for(addr, size, ENABLE), size)     # 0 -> ENABLE
    assert f.intx_deassert_count == 1
    f.config_write(addr, _value_for(addr, size, ENABLE), size)     # no change: still deasserts
    assert f.intx_deassert_count == 2
    f.config_write(addr, _value_for(addr, size, ENABLE | MASKALL), size)
    assert f.intx_deassert_count == 3
    f.config_write(addr, _value_for(addr, size, ENABLE | MASKALL), size)
    assert f.intx_deassert_count == 4
    f.config_write(addr, _value_for(addr, size, 0), size)          # disable: not enabled after
    assert f.intx_deassert_count == 4
    f.config_write(addr, _value_for(addr, size, MASKALL), size)    # maskall alone: not enabled
    assert f.intx_deassert_count == 4
    assert log == ["intx"] * 4


@pytest.mark.parametrize("addr,size", NOT_COVERING)
def test_no_deassert_when_write_misses_cap_plus_3(addr, size):
    f = MsixFunction(8)
    f.config_write(0x43, ENABLE, 1)
    assert f.intx_deassert_count == 1
    f.config_write(addr, (1 << (8 * size)) - 1, size)
    f.config_write(addr, 0, size)
    assert f.intx_deassert_count == 1
    assert f.enabled


def test_deassert_other_cap_offset():
    f = MsixFunction(8, cap_offset=0x80)
    f.config_write(0x43, 0xFF, 1)   # header area, not our capability
    assert f.intx_deassert_count == 0 and not f.enabled
    f.config_write(0x83, ENABLE, 1)
    assert f.intx_deassert_count == 1 and f.enabled
    f.config_write(0x80, 0x8000_0000, 4)
    assert f.intx_deassert_count == 2


# ---------------------------------------------------------- function mask cache
def test_function_masked_follows_covering_writes():
    f = MsixFunction(8)
    assert f.function_masked            # seed line 322
    f.config_write(0x43, ENABLE, 1)
    assert not f.function_masked
    f.config_write(0x43, ENABLE | MASKALL, 1)
    assert f.function_masked
    f.config_write(0x43, ENABLE, 1)
    assert not f.function_masked
    f.config_write(0x43, 0, 1)
    assert f.function_masked
    f.config_write(0x43, MASKALL, 1)
    assert f.function_masked


def test_function_masked_refreshed_only_by_covering_write():
    # msix_reset leaves the cached mask stale (False); only a write covering
    # cap+3 refreshes it (seed 152, 158-159).
    f = MsixFunction(8)
    f.config_write(0x43, ENABLE, 1)
    f.reset()
    assert not f.enabled
    assert not f.function_masked        # stale
    for addr, size in NOT_COVERING:
        f.config_write(addr, 0, size)
        assert not f.function_masked, (addr, size)
    assert f.intx_deassert_count == 1
    f.config_write(0x42, 0, 2)          # covers cap+3, ENABLE=0
    assert f.function_masked
    assert f.intx_deassert_count == 1   # not enabled: no deassert


def test_table_writes_do_not_touch_function_mask():
    f = MsixFunction(8)
    f.bar_write(12, 0, 4)
    assert f.function_masked
    f.config_write(0x43, ENABLE, 1)
    f.bar_write(12, 1, 4)
    assert not f.function_masked


# ---------------------------------------------- ENABLE/MASKALL transitions
STATES = {  # name: byte cap+3 bits
    "off": 0,
    "maskall": MASKALL,
    "on": ENABLE,
    "on+maskall": ENABLE | MASKALL,
}
# function_masked = !ENABLE || MASKALL:
FM = {"off": True, "maskall": True, "on": False, "on+maskall": True}

# (from, to) -> what the covering write does, derived from seed 158-174:
#   deassert iff ENABLE after the write;
#   walk "unmask" iff enabled after and fm True -> False: use(v) for entry-unmasked
#     vectors, pending+unmasked ones sent;
#   walk "mask" iff enabled after and fm False -> True: release(v) for entry-unmasked;
#   no walk if not enabled after (return at line 161-163), even if fm changed.
TRANSITIONS = [
    ("off", "off", False, None),
    ("off", "maskall", False, None),
    ("off", "on", True, "unmask"),
    ("off", "on+maskall", True, None),
    ("maskall", "off", False, None),
    ("maskall", "maskall", False, None),
    ("maskall", "on", True, "unmask"),
    ("maskall", "on+maskall", True, None),
    ("on", "off", False, None),           # fm False -> True but not enabled: no release!
    ("on", "maskall", False, None),       # likewise
    ("on", "on", True, None),
    ("on", "on+maskall", True, "mask"),
    ("on+maskall", "off", False, None),
    ("on+maskall", "maskall", False, None),
    ("on+maskall", "on", True, "unmask"),
    ("on+maskall", "on+maskall", True, None),
]


@pytest.mark.parametrize("src,dst,deassert,walk", TRANSITIONS)
def test_enable_maskall_transitions(src, dst, deassert, walk):
    f = MsixFunction(8)
    # Vector 2: used, entry unmasked; vector 5: used, entry masked; vector 6:
    # unused, entry unmasked. Messages distinct.
    for v, ctrl in ((2, 0), (5, 1), (6, 0)):
        f.bar_write(16 * v + 0, 0xFEE0_0000 + (v << 12), 4)
        f.bar_write(16 * v + 4, 0, 4)
        f.bar_write(16 * v + 8, 0x40 + v, 4)
        f.bar_write(16 * v + 12, ctrl, 4)
    f.vector_use(2)
    f.vector_use(5)
    f.config_write(0x43, STATES[src], 1)
    assert f.function_masked == FM[src]

    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v, m)), lambda v: ev.append(("release", v)))
    f.on_message = lambda a, d: ev.append(("send", a, d))
    f.on_intx_deassert = lambda: ev.append(("intx",))

    # Device raises 2 and 5 in the source state.
    out2 = f.notify(2)
    out5 = f.notify(5)
    assert out5 == NotifyOutcome.PENDING
    if FM[src]:
        assert out2 == NotifyOutcome.PENDING
    else:
        assert out2 == NotifyOutcome.SENT
    ev.clear()
    sent_before = len(f.sent)

    f.config_write(0x43, STATES[dst], 1)

    exp = []
    if deassert:
        exp.append(("intx",))
    if walk == "unmask":
        # vector order: 2 (use, then its pending send), 6 (use only; unused, not pending)
        exp += [("use", 2, (0xFEE0_2000, 0x42)), ("send", 0xFEE0_2000, 0x42), ("use", 6, (0xFEE0_6000, 0x46))]
    elif walk == "mask":
        exp += [("release", 2), ("release", 6)]
    assert ev == exp
    assert f.function_masked == FM[dst]
    assert f.enabled == (dst in ("on", "on+maskall"))
    assert f.intx_deassert_count == (1 if src.startswith("on") else 0) + (1 if deassert else 0)
    assert f.is_pending(5)                       # entry-masked vector never released
    assert f.is_pending(2) == (FM[src] and walk != "unmask")
    assert len(f.sent) == sent_before + (1 if walk == "unmask" else 0)


@pytest.mark.parametrize("src,dst,deassert,walk", TRANSITIONS)
def test_enable_maskall_transitions_without_notifiers(src, dst, deassert, walk):
    """Same transitions, no notifiers: only the pending send is observable."""
    f = MsixFunction(8)
    f.bar_write(0x20, 0xFEE0_2000, 4)
    f.bar_write(0x28, 0x42, 4)
    f.bar_write(0x2C, 0, 4)
    f.vector_use(2)
    f.config_write(0x43, STATES[src], 1)
    f.notify(2)
    sent = list(f.sent)
    f.config_write(0x43, STATES[dst], 1)
    if FM[src] and walk == "unmask":
        assert f.sent == sent + [(0xFEE0_2000, 0x42)]
        assert not f.is_pending(2)
    else:
        assert f.sent == sent
        assert f.is_pending(2) == FM[src]
    # After the transition the cached mask governs notify.
    out = f.notify(2)
    assert out == (NotifyOutcome.PENDING if FM[dst] else NotifyOutcome.SENT)
