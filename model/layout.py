"""Where table and PBA sit in the BAR: ``msix_init`` and ``msix_init_exclusive_bar``."""

from __future__ import annotations

from dataclasses import dataclass

from .constants import (
    MSIX_CAP_LENGTH,
    MSIX_MAX_VECTORS,
    PCI_CONFIG_HEADER_SIZE,
    PCI_CONFIG_SPACE_SIZE,
    PCI_MSIX_ENTRY_SIZE,
    PCI_MSIX_FLAGS_BIRMASK,
)

# The seed's error texts, so a rejected configuration reads like QEMU's.
ERR_VECTORS = "The number of MSI-X vectors is invalid"
ERR_PLACEMENT = "table & pba overlap, or they don't fit in BARs, or don't align"


def align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


def pba_size(nentries: int) -> int:
    """PBA bytes: whole QWORDs, as ``QEMU_ALIGN_UP(nentries, 64) / 8``."""
    return align_up(nentries, 64) // 8


def pow2ceil(value: int) -> int:
    return 1 << (value - 1).bit_length()


@dataclass(frozen=True)
class MsixLayout:
    """A validated placement of the MSI-X structures in one memory BAR."""

    nentries: int
    bar_size: int
    table_offset: int
    pba_offset: int
    cap_offset: int

    @property
    def table_size(self) -> int:
        return self.nentries * PCI_MSIX_ENTRY_SIZE

    @property
    def pba_size(self) -> int:
        return pba_size(self.nentries)


def exclusive_bar_layout(nentries: int) -> tuple[int, int, int]:
    """(bar_size, table_offset, pba_offset) of ``msix_init_exclusive_bar``.

    A 4 KiB BAR with the table in the lower half and the PBA at 2048, unless the
    table is larger; then the PBA follows it and the BAR grows to a power of two.
    """
    bar_size = 4096
    bar_pba_offset = bar_size // 2
    bar_pba_size = pba_size(nentries)
    if nentries * PCI_MSIX_ENTRY_SIZE > bar_pba_offset:
        bar_pba_offset = nentries * PCI_MSIX_ENTRY_SIZE
    if bar_pba_offset + bar_pba_size > 4096:
        bar_size = bar_pba_offset + bar_pba_size
    return pow2ceil(bar_size), 0, bar_pba_offset


def _overlap(first1: int, len1: int, first2: int, len2: int) -> bool:
    """QEMU's ``ranges_overlap``."""
    return first1 < first2 + len2 and first2 < first1 + len1


def make_layout(
    nentries: int,
    bar_size: int | None = None,
    table_offset: int | None = None,
    pba_offset: int | None = None,
    cap_offset: int = PCI_CONFIG_HEADER_SIZE,
) -> MsixLayout:
    """Validate the arguments as ``msix_init`` does; raise ``ValueError`` with its reason."""
    if not isinstance(nentries, int) or not 1 <= nentries <= MSIX_MAX_VECTORS:
        raise ValueError(f"{ERR_VECTORS}: {nentries!r} (must be 1..{MSIX_MAX_VECTORS})")

    given = (bar_size, table_offset, pba_offset)
    if all(v is None for v in given):
        bar_size, table_offset, pba_offset = exclusive_bar_layout(nentries)
    elif any(v is None for v in given):
        raise ValueError("bar_size, table_offset and pba_offset go together: give all three or none")
    if bar_size <= 0 or bar_size & (bar_size - 1):
        # pci_register_bar() asserts a power-of-two BAR size.
        raise ValueError(f"BAR size {bar_size:#x} is not a power of two")
    if table_offset < 0 or pba_offset < 0:
        raise ValueError(f"{ERR_PLACEMENT}: negative offset")

    table_size = nentries * PCI_MSIX_ENTRY_SIZE
    if _overlap(table_offset, table_size, pba_offset, pba_size(nentries)):
        raise ValueError(f"{ERR_PLACEMENT}: table and PBA overlap")
    if table_offset + table_size > bar_size or pba_offset + pba_size(nentries) > bar_size:
        raise ValueError(f"{ERR_PLACEMENT}: table or PBA does not fit in the {bar_size:#x}-byte BAR")
    if (table_offset | pba_offset) & PCI_MSIX_FLAGS_BIRMASK:
        raise ValueError(f"{ERR_PLACEMENT}: offsets must be 8-byte aligned")

    # pci_add_capability(): after the standard header, inside config space;
    # capability pointers are DWORD aligned (their low two bits are reserved).
    if not (PCI_CONFIG_HEADER_SIZE <= cap_offset <= PCI_CONFIG_SPACE_SIZE - MSIX_CAP_LENGTH) or cap_offset & 3:
        raise ValueError(
            f"capability offset {cap_offset:#x} must be DWORD aligned within "
            f"{PCI_CONFIG_HEADER_SIZE:#x}..{PCI_CONFIG_SPACE_SIZE - MSIX_CAP_LENGTH:#x}"
        )
    return MsixLayout(nentries, bar_size, table_offset, pba_offset, cap_offset)
