"""Constructor and BAR layout of the golden model.

Every expected number below is computed by hand from the seed
(/work/shared/spec/qemu-msix.c):
  * msix_init_exclusive_bar (lines 347-389): bar_size = 4096, PBA at 2048;
    if 16*N > 2048 the PBA moves to 16*N; if pba_offset + pba_size > 4096 the
    BAR grows to pba_offset + pba_size; then pow2ceil.
  * pba_size = QEMU_ALIGN_UP(N, 64) / 8 (line 297 / 354).
  * msix_init (lines 291-308): N in 1..2048; table and PBA must not overlap
    (same BAR), must fit, offsets must have bits 2:0 clear (BIRMASK = 7).
"""

import re

import pytest

from qemu_msix import MsixFunction, exclusive_bar_layout, make_layout, pba_size

ERR_VECTORS = re.escape("The number of MSI-X vectors is invalid")
ERR_PLACEMENT = re.escape("table & pba overlap, or they don't fit in BARs, or don't align")

# (N, bar_size, table_offset, pba_offset, pba_size) -- worked out by hand:
EXCLUSIVE = [
    # N=1: table 16 B <= 2048 -> PBA at 2048; pba 64/8 = 8 B; 2056 <= 4096 -> 4 KiB.
    (1, 4096, 0, 2048, 8),
    # N=8: table 128 B; PBA 2048, 8 B.
    (8, 4096, 0, 2048, 8),
    # N=64: table 1024 B; ALIGN_UP(64,64)/8 = 8 B.
    (64, 4096, 0, 2048, 8),
    # N=65: table 1040 B; ALIGN_UP(65,64)=128 -> 16 B PBA.
    (65, 4096, 0, 2048, 16),
    # N=128: table 2048 B, not > 2048 -> PBA still 2048 (adjacent); 16 B.
    (128, 4096, 0, 2048, 16),
    # N=129: table 2064 > 2048 -> PBA at 2064; ALIGN_UP(129,64)=192 -> 24 B;
    # 2064 + 24 = 2088 <= 4096 -> 4 KiB.
    (129, 4096, 0, 2064, 24),
    # N=254: table 4064; PBA 4064 + 32 = 4096, not > 4096 -> 4 KiB exactly full.
    (254, 4096, 0, 4064, 32),
    # N=255: table 4080; PBA 4080 + 32 = 4112 > 4096 -> pow2ceil(4112) = 8192.
    (255, 8192, 0, 4080, 32),
    # N=256: table 4096; 4096 + 32 = 4128 -> 8192.
    (256, 8192, 0, 4096, 32),
    # N=1016: table 16256; ALIGN_UP(1016,64)=1024 -> 128 B; 16384 -> pow2ceil 16384.
    (1016, 16384, 0, 16256, 128),
    # N=1017: table 16272; + 128 = 16400 -> 32768.
    (1017, 32768, 0, 16272, 128),
    # N=2048: table 32768; PBA 256 B; 33024 -> 65536.
    (2048, 65536, 0, 32768, 256),
]


@pytest.mark.parametrize("n,bar,table,pba,pbasz", EXCLUSIVE)
def test_exclusive_bar_layout(n, bar, table, pba, pbasz):
    f = MsixFunction(n)
    assert f.bar_size == bar
    assert f.table_offset == table
    assert f.pba_offset == pba
    assert f.cap_offset == 0x40
    assert f.nr_vectors_allocated == n
    assert exclusive_bar_layout(n) == (bar, table, pba)
    assert pba_size(n) == pbasz
    # Structures are where the layout says: last table DWORD and last PBA
    # DWORD decode; one DWORD past each end is a hole or outside the BAR.
    assert f.bar_read(table + 16 * n - 4, 4) == 1  # Vector Control after msix_mask_all
    assert f.bar_read(pba + pbasz - 4, 4) == 0


@pytest.mark.parametrize("n,pbasz", [(1, 8), (63, 8), (64, 8), (65, 16), (127, 16), (128, 16),
                                     (129, 24), (1000, 128), (2047, 256), (2048, 256)])
def test_pba_size(n, pbasz):
    # QEMU_ALIGN_UP(n, 64) / 8: whole QWORDs.
    assert pba_size(n) == pbasz


def test_make_layout_fields():
    lay = make_layout(65)
    assert (lay.nentries, lay.bar_size, lay.table_offset, lay.pba_offset, lay.cap_offset) == (65, 4096, 0, 2048, 0x40)
    assert lay.table_size == 1040
    assert lay.pba_size == 16
    lay = make_layout(8, 0x2000, 0x1000, 0x800, 0x80)
    assert (lay.bar_size, lay.table_offset, lay.pba_offset, lay.cap_offset) == (0x2000, 0x1000, 0x800, 0x80)


# ---------------------------------------------------------------- msix_init
VALID_CUSTOM = [
    (8, 4096, 0, 128),            # PBA [128,136) right after table [0,128): ranges touch only
    (8, 4096, 0x808, 0x8),        # PBA [8,16) below table [0x808,0x888)
    (1, 32, 0, 16),               # table [0,16), PBA [16,24) in a 32-byte BAR
    (1, 32, 8, 0),                # PBA [0,8), table [8,24)
    (8, 4096, 3968, 0),           # table [3968,4096) ends exactly at the BAR end
    (8, 4096, 0, 4088),           # PBA [4088,4096) ends exactly at the BAR end
    (65, 4096, 0, 4080),          # 16-byte PBA [4080,4096)
    (2048, 1 << 16, 0x8000, 0),   # PBA [0,256), table [0x8000,0x10000)
    (64, 1 << 20, 0x80000, 0xFFFF8),
]


@pytest.mark.parametrize("n,bar,table,pba", VALID_CUSTOM)
def test_custom_layout_accepted(n, bar, table, pba):
    f = MsixFunction(n, bar_size=bar, table_offset=table, pba_offset=pba)
    assert (f.bar_size, f.table_offset, f.pba_offset) == (bar, table, pba)
    assert f.nr_vectors_allocated == n
    # Config: Table Offset/BIR = offset | 0 (seed line 324), PBA likewise (325).
    assert f.config_read(0x44, 4) == table
    assert f.config_read(0x48, 4) == pba
    assert f.bar_read(table + 12, 4) == 1
    assert f.bar_read(pba, 4) == 0


@pytest.mark.parametrize("cap", [0x40, 0x44, 0x80, 0xC0, 0xF4])
def test_cap_offset_accepted(cap):
    f = MsixFunction(8, cap_offset=cap)
    assert f.cap_offset == cap
    assert f.config_read(cap, 1) == 0x11
    assert f.config_read(0x34, 1) == cap


@pytest.mark.parametrize("n", [0, -1, 2049, 4096, 65536])
def test_invalid_vector_count(n):
    with pytest.raises(ValueError, match=ERR_VECTORS):
        MsixFunction(n)


@pytest.mark.parametrize("n", [0, 2049])
def test_invalid_vector_count_custom_layout(n):
    with pytest.raises(ValueError, match=ERR_VECTORS):
        MsixFunction(n, bar_size=1 << 20, table_offset=0, pba_offset=0x80000)


PLACEMENT_ERRORS = [
    (8, 4096, 0, 0),          # overlap: both at 0
    (8, 4096, 0, 120),        # overlap: PBA [120,128) vs table [0,128)
    (8, 4096, 128, 0x80),     # overlap: PBA [128,136) vs table [128,256)
    (65, 4096, 8, 0),         # overlap: PBA [0,16) vs table [8,1048)
    (1, 32, 0, 8),            # overlap: PBA [8,16) vs table [0,16)
    # does not fit (lines 302-303)
    (8, 4096, 3976, 0),       # table [3976,4104) > 4096
    (8, 4096, 0, 4096),       # PBA [4096,4104) > 4096
    (65, 4096, 0, 4088),      # 16-byte PBA [4088,4104) > 4096
    (2048, 32768, 0, 0x7F00), # overlap: table fills [0,32768), PBA [0x7F00,0x8000)
    (1, 16, 0, 8),            # 16-byte BAR: PBA [8,16) overlaps table [0,16)
    (8, 128, 0, 0x80),        # PBA [128,136) outside a 128-byte BAR
    # misaligned (line 304): (table | pba) & 7
    (8, 4096, 4, 2048),
    (8, 4096, 0, 2052),
    (8, 4096, 1, 2048),
    (8, 4096, 0, 2050),
    (8, 4096, 0x800 + 7, 0),
]


@pytest.mark.parametrize("n,bar,table,pba", PLACEMENT_ERRORS)
def test_invalid_placement(n, bar, table, pba):
    with pytest.raises(ValueError, match=ERR_PLACEMENT):
        MsixFunction(n, bar_size=bar, table_offset=table, pba_offset=pba)


@pytest.mark.parametrize("table,pba", [(-8, 2048), (0, -8)])
def test_negative_offsets_rejected(table, pba):
    with pytest.raises(ValueError):
        MsixFunction(8, bar_size=4096, table_offset=table, pba_offset=pba)


@pytest.mark.parametrize("bar", [0, -4096, 3000, 4097, 6144, 0x3000])
def test_bar_size_not_power_of_two(bar):
    # pci_register_bar requires a power-of-two size.
    with pytest.raises(ValueError):
        MsixFunction(8, bar_size=bar, table_offset=0, pba_offset=128)


@pytest.mark.parametrize("kwargs", [
    {"bar_size": 4096},
    {"table_offset": 0},
    {"pba_offset": 2048},
    {"bar_size": 4096, "table_offset": 0},
    {"table_offset": 0, "pba_offset": 2048},
])
def test_partial_layout_rejected(kwargs):
    with pytest.raises(ValueError):
        MsixFunction(8, **kwargs)


@pytest.mark.parametrize("cap", [0, 0x3C, 0x3F, 0x41, 0x42, 0x43, 0x7E, 0xF5, 0xF8, 0xFC, 0x100, -4])
def test_invalid_cap_offset(cap):
    # Capability must be DWORD aligned, after the 64-byte header, and its 12
    # bytes must fit in 256-byte config space: 0x40..0xF4.
    with pytest.raises(ValueError):
        MsixFunction(8, cap_offset=cap)


def test_invalid_cap_offset_custom_layout():
    with pytest.raises(ValueError):
        MsixFunction(8, bar_size=4096, table_offset=0, pba_offset=2048, cap_offset=0xF8)


@pytest.mark.parametrize("n", [1, 8, 64, 65, 2048])
def test_initial_table_and_pba(n):
    # g_malloc0 then msix_mask_all (line 335): every entry zero except Vector
    # Control = 1; PBA all zero.
    f = MsixFunction(n)
    for v in range(n):
        base = f.table_offset + 16 * v
        assert f.bar_read(base, 8) == 0
        assert f.bar_read(base + 8, 8) == 1 << 32  # data 0, control 1
    for off in range(0, pba_size(n), 4):
        assert f.bar_read(f.pba_offset + off, 4) == 0
    assert not f.enabled
    assert f.function_masked  # line 322
    assert f.sent == []
    assert f.intx_deassert_count == 0
    for v in (0, n - 1):
        assert f.is_masked(v)
        assert not f.is_pending(v)
        assert f.use_count(v) == 0
        assert f.get_message(v) == (0, 0)
