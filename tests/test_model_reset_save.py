"""msix_reset (seed 503-514), msix_save (438-448), msix_load (451-468).

  * reset: clear pending; config[cap+3] &= ~wmask (ENABLE, MASKALL cleared);
    table zeroed; PBA zeroed; msix_mask_all (each entry: was_masked with the
    CACHED function mask, set bit 0, msix_handle_mask_update). The cached
    function mask is NOT refreshed; use counts are kept.
  * save: N*16 table bytes then DIV_ROUND_UP(N, 8) PBA bytes.
  * load: clear pending; read table and PBA; refresh function mask from
    config; msix_handle_mask_update(v, was_masked=True) for every vector.
"""

import pytest

from qemu_msix import MsixFunction, NotifyOutcome
from tests.model_helpers import ENABLE, MASKALL, control, program, set_ctrl

NS = [1, 8, 64, 65, 2048]


def entry_bytes(lo, hi, data, ctrl):
    return b"".join(x.to_bytes(4, "little") for x in (lo, hi, data, ctrl))


def stream_len(n):
    return 16 * n + (n + 7) // 8


# -------------------------------------------------------------------- reset
@pytest.mark.parametrize("n", NS)
def test_reset_state(n):
    f = MsixFunction(n)
    vs = sorted({v for v in (0, 1, n - 1) if v < n})
    for v in vs:
        f.vector_use(v)
        f.vector_use(v)
        program(f, v, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)
        f.notify(v)
    control(f, ENABLE | MASKALL)
    deasserts = f.intx_deassert_count
    f.reset()
    # Config: ENABLE and MASKALL cleared, everything else kept.
    assert f.config_read(0x42, 2) == n - 1
    assert f.config_read(0x40, 1) == 0x11
    assert f.config_read(0x44, 4) == f.table_offset
    assert f.config_read(0x48, 4) == f.pba_offset
    assert not f.enabled
    # Table zeroed then every entry masked.
    for v in vs:
        base = f.table_offset + 16 * v
        assert [f.bar_read(base + 4 * i, 4) for i in range(4)] == [0, 0, 0, 1]
        assert not f.is_pending(v)
        assert f.use_count(v) == 2            # use counts survive reset
    for o in range(0, (n + 63) // 64 * 8, 4):
        assert f.bar_read(f.pba_offset + o, 4) == 0
    assert f.sent == []
    assert f.intx_deassert_count == deasserts  # reset deasserts nothing
    assert f.function_masked                  # was True (MASKALL), stays True


def test_reset_with_fresh_function_mask_keeps_it():
    f = MsixFunction(8)
    f.vector_use(0)
    f.reset()
    assert f.function_masked
    set_ctrl(f, 0, 0)
    assert f.notify(0) == NotifyOutcome.PENDING


@pytest.mark.parametrize("n", NS)
def test_reset_leaves_stale_function_mask(n):
    """Seed quirk: after ENABLE (fm False) + reset, fm stays False although
    ENABLE=0, so an entry unmasked by a table write sends."""
    f = MsixFunction(n)
    v = n - 1
    f.vector_use(v)
    control(f, ENABLE)
    assert not f.function_masked
    f.reset()
    assert not f.enabled
    assert not f.function_masked               # stale
    assert f.is_masked(v)                      # entry bit set by msix_mask_all
    assert f.notify(v) == NotifyOutcome.PENDING
    program(f, v, 0xFEE0_0000, 0x31, 0)        # entry unmask releases the pending vector
    assert f.sent == [(0xFEE0_0000, 0x31)]
    assert not f.is_masked(v)
    assert f.notify(v) == NotifyOutcome.SENT   # ENABLE=0, yet sent
    assert f.sent == [(0xFEE0_0000, 0x31)] * 2
    # A config write covering cap+3 refreshes the cache.
    control(f, 0)
    assert f.function_masked
    assert f.notify(v) == NotifyOutcome.PENDING
    assert len(f.sent) == 2
    assert f.intx_deassert_count == 1          # only the ENABLE write


def test_reset_stale_mask_then_enable_does_not_release():
    # fm stale False; writing ENABLE: was_masked False == new False -> no walk
    # (seed 167-169), only the INTx deassert.
    f = MsixFunction(8)
    f.vector_use(2)
    control(f, ENABLE)
    f.reset()
    set_ctrl(f, 2, 0)
    control(f, MASKALL)          # fm True, disabled
    f.notify(2)
    assert f.is_pending(2)
    control(f, ENABLE | MASKALL)
    control(f, ENABLE)           # True -> False: releases
    assert f.sent == [(0, 0)]
    f.reset()                    # stale False again
    f.vector_use(3)
    set_ctrl(f, 3, 1)
    f.notify(3)
    control(f, ENABLE)           # fm False -> False: no walk, 3 stays pending
    assert f.is_pending(3)
    assert f.sent == [(0, 0)]


def test_reset_with_stale_mask_fires_release_for_every_vector():
    n = 8
    f = MsixFunction(n)
    control(f, ENABLE)
    set_ctrl(f, 2, 0)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v, m)), lambda v: ev.append(("rel", v)))
    assert ev == [("use", 2, (0, 0))]
    ev.clear()
    f.reset()
    # msix_mask_all: with fm False and a zeroed table every vector goes
    # unmasked -> masked, whatever it was before: release 0..N-1 in order.
    assert ev == [("rel", v) for v in range(n)]


def test_reset_with_fresh_mask_fires_nothing():
    f = MsixFunction(8)
    control(f, ENABLE | MASKALL)
    set_ctrl(f, 2, 0)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v)), lambda v: ev.append(("rel", v)))
    f.reset()
    assert ev == []


def test_reset_drops_pending_without_sending():
    f = MsixFunction(8)
    f.vector_use(1)
    f.notify(1)
    f.reset()
    control(f, ENABLE)
    set_ctrl(f, 1, 0)
    assert f.sent == []


# --------------------------------------------------------------------- save
@pytest.mark.parametrize("n", NS)
def test_save_initial(n):
    f = MsixFunction(n)
    exp = entry_bytes(0, 0, 0, 1) * n + bytes((n + 7) // 8)
    s = f.save()
    assert isinstance(s, bytes)
    assert len(s) == stream_len(n)
    assert s == exp


def test_save_lengths():
    # 16*N + ceil(N/8)
    assert len(MsixFunction(1).save()) == 17
    assert len(MsixFunction(8).save()) == 129
    assert len(MsixFunction(9).save()) == 146
    assert len(MsixFunction(65).save()) == 1049
    assert len(MsixFunction(2048).save()) == 32768 + 256


@pytest.mark.parametrize("n", NS)
def test_save_layout(n):
    f = MsixFunction(n)
    vs = sorted({v for v in (0, 7, 8, 31, 32, 63, 64, n - 1) if v < n})
    for v in vs:
        program(f, v, 0x0123_4567_89AB_CDEF + v, 0xA000 + v, 0x8000_0001)
        f.vector_use(v)
        f.notify(v)
    s = f.save()
    exp = bytearray(entry_bytes(0, 0, 0, 1) * n + bytes((n + 7) // 8))
    for v in vs:
        exp[16 * v:16 * v + 16] = entry_bytes(0x89AB_CDEF + v, 0x0123_4567, 0xA000 + v, 0x8000_0001)
        exp[16 * n + v // 8] |= 1 << (v % 8)
    assert s == bytes(exp)


def test_save_layout_by_hand_n9():
    f = MsixFunction(9)
    program(f, 8, 0x11223344_55667788, 0x99AABBCC, 0xFFFF_FFFF)
    f.vector_use(8)
    f.notify(8)
    f.vector_use(1)
    f.notify(1)
    s = f.save()
    assert s[128:144] == bytes([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                                0xCC, 0xBB, 0xAA, 0x99, 0xFF, 0xFF, 0xFF, 0xFF])
    assert s[144:] == bytes([0x02, 0x01])   # vector 1 -> byte 0 bit 1; vector 8 -> byte 1 bit 0


# --------------------------------------------------------------------- load
@pytest.mark.parametrize("n", NS)
def test_round_trip(n):
    a = MsixFunction(n)
    vs = sorted({v for v in (0, 5, 33, 64, n - 1) if v < n})
    for v in vs:
        program(a, v, 0xFEE0_0000 | v << 4, v, 1 | (v << 8))
        a.vector_use(v)
        a.notify(v)
    s = a.save()
    b = MsixFunction(n)
    b.load(s)
    assert b.save() == s
    for v in vs:
        assert b.is_pending(v)
        assert b.get_message(v) == (0xFEE0_0000 | v << 4, v)
    assert b.sent == []


@pytest.mark.parametrize("n", NS)
def test_load_wrong_length_rejected(n):
    f = MsixFunction(n)
    f.vector_use(0)
    f.notify(0)
    before = f.save()
    good = len(before)
    for ln in (0, good - 1, good + 1, 16 * n, good + 8):
        with pytest.raises(ValueError):
            f.load(bytes(ln))
    assert f.save() == before
    assert f.is_pending(0)


@pytest.mark.parametrize("n,last_byte", [(1, 0x02), (1, 0x80), (1, 0xFF), (65, 0x02), (65, 0x80),
                                         (9, 0x04), (2047, 0x80), (100, 0x10)])
def test_load_pba_bits_beyond_n_rejected(n, last_byte):
    # Vector n-1 sits at bit (n-1)%8 of the last PBA byte; higher bits are >= N.
    f = MsixFunction(n)
    control(f, ENABLE)
    f.vector_use(0)
    f.notify(0)                       # entry masked -> pending
    before = f.save()
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v)), lambda v: ev.append(("rel", v)))
    ev.clear()
    stream = bytearray(entry_bytes(0, 0, 0, 0) * n + bytes((n + 7) // 8))
    stream[-1] = last_byte
    with pytest.raises(ValueError):
        f.load(bytes(stream))
    assert f.save() == before
    assert ev == [] and f.sent == []
    assert f.is_pending(0)


@pytest.mark.parametrize("n", [1, 9, 65, 2047])
def test_load_top_valid_bit_accepted(n):
    f = MsixFunction(n)
    stream = bytearray(entry_bytes(0, 0, 0, 1) * n + bytes((n + 7) // 8))
    stream[-1] = 1 << ((n - 1) % 8)
    f.load(bytes(stream))
    assert f.is_pending(n - 1)


def test_load_replaces_pending_bits():
    f = MsixFunction(8)
    f.vector_use(1)
    f.notify(1)
    stream = entry_bytes(0, 0, 0, 1) * 8 + bytes([0b1000_0000])
    f.load(stream)
    assert not f.is_pending(1)
    assert f.is_pending(7)
    assert f.bar_read(2048, 4) == 0x80


def test_load_reevaluates_masks_and_sends():
    f = MsixFunction(8)
    control(f, ENABLE)
    for v in (1, 3, 4):
        f.vector_use(v)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v, m)), lambda v: ev.append(("rel", v)))
    f.on_message = lambda a, d: ev.append(("send", a, d))
    ev.clear()
    table = b""
    for v in range(8):
        ctrl = 0 if v in (1, 2, 4, 6) else 1
        table += entry_bytes(0xFEE0_0000 + v, 0, 0x50 + v, ctrl)
    # pending: 1 (used, unmasked) -> sent; 2 (unused, unmasked) -> cleared, dropped;
    # 3 (used, masked) -> stays; 4 (used, unmasked, not pending) -> use only.
    f.load(table + bytes([0b0000_1110]))
    assert ev == [
        ("use", 1, (0xFEE0_0001, 0x51)), ("send", 0xFEE0_0001, 0x51),
        ("use", 2, (0xFEE0_0002, 0x52)),
        ("use", 4, (0xFEE0_0004, 0x54)),
        ("use", 6, (0xFEE0_0006, 0x56)),
    ]
    assert f.sent == [(0xFEE0_0001, 0x51)]
    assert [f.is_pending(v) for v in range(8)] == [False, False, False, True, False, False, False, False]
    assert f.bar_read(2048, 4) == 0b1000
    assert [f.use_count(v) for v in range(8)] == [0, 1, 0, 1, 1, 0, 0, 0]   # not in the stream


def test_load_without_notifiers_sends_in_vector_order():
    f = MsixFunction(65)
    control(f, ENABLE)
    for v in (0, 31, 64):
        f.vector_use(v)
    table = b"".join(entry_bytes(0x1000 * v, 0, v, 0) for v in range(65))
    pba = bytearray(9)
    for v in (0, 31, 64):
        pba[v // 8] |= 1 << (v % 8)
    f.load(table + bytes(pba))
    assert f.sent == [(0, 0), (0x1F000, 31), (0x40000, 64)]
    assert f.bar_read(2048, 8) == 0 and f.bar_read(2056, 8) == 0


@pytest.mark.parametrize("hi", [0, MASKALL, ENABLE | MASKALL])
def test_load_while_function_masked_keeps_pending(hi):
    f = MsixFunction(8)
    control(f, hi)
    f.vector_use(1)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v)), lambda v: ev.append(("rel", v)))
    f.load(entry_bytes(0, 0, 0, 0) * 8 + bytes([0b10]))
    assert ev == [] and f.sent == []
    assert f.is_pending(1)


def test_load_refreshes_stale_function_mask():
    # After ENABLE + reset, fm is stale False; load recomputes it from config
    # (ENABLE=0 -> True), so nothing is sent.
    f = MsixFunction(8)
    f.vector_use(0)
    control(f, ENABLE)
    f.reset()
    assert not f.function_masked
    f.load(entry_bytes(0xFEE0_0000, 0, 1, 0) * 8 + bytes([1]))
    assert f.function_masked
    assert f.sent == []
    assert f.is_pending(0)
    assert f.notify(0) == NotifyOutcome.PENDING
