"""The one translation from bus accesses to model calls (strobes, sizes, lanes),
shared by the scoreboard, the coverage model and the stimulus filter.

An AXI4-Lite access is a bus word at ``addr`` with a write strobe; the model
takes (offset, value, size). A write whose strobe is not one contiguous run
starting at the address lane has no model equivalent (e.g. 0xF0 at a QWORD
address): the contract answers it SLVERR, as the model's ``DecodeError``.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

from qemu_msix import DecodeError

from .txn import BarRead, BarWrite


def contiguous(mask: int) -> bool:
    """One run of set bits (strobes, byte enables)."""
    low = mask & -mask
    return mask != 0 and (mask + low) & mask == 0


class ModelAccess(NamedTuple):
    """A BAR access as the model call it stands for."""

    offset: int
    size: int
    value: int  # write value (0 for a read)
    lane: int  # byte lane of ``offset`` on the bus


def model_access(op, bus_bytes: int) -> Optional[ModelAccess]:
    """The model call of a :class:`BarWrite`/:class:`BarRead`, or None (no model equivalent: SLVERR)."""
    lane = op.addr % bus_bytes
    if isinstance(op, BarRead):
        return ModelAccess(op.addr, bus_bytes - lane, 0, lane)
    strb = op.strb
    if not contiguous(strb):
        return None
    low = (strb & -strb).bit_length() - 1
    if low != lane:
        return None
    size = bin(strb).count("1")
    return ModelAccess(op.addr, size, (op.data >> (8 * low)) & ((1 << (8 * size)) - 1), lane)


def size_label(op, bus_bytes: int) -> str:
    """Access size of a BAR access for coverage: 1B, 2B, 4B, 8B or other."""
    if isinstance(op, BarWrite):
        n = bin(op.strb).count("1") if contiguous(op.strb) else 0
    else:
        n = bus_bytes - op.addr % bus_bytes
    return f"{n}B" if n in (1, 2, 4, 8) else "other"


def is_valid_access(model, op, bus_bytes: int) -> bool:
    """Whether the model accepts the access (no ``DecodeError``), without changing it."""
    acc = model_access(op, bus_bytes)
    if acc is None:
        return False
    try:
        model.bar_decode(acc.offset, acc.size)
    except DecodeError:
        return False
    return True
