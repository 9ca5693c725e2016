"""Transactions of the request ports, as the monitors report them.

Each is a small immutable tuple whose ``str`` reads like the model call it
stands for, so that a scoreboard message shows the operation as written.
``from_bus`` builds one from the values a monitor sampled (by role name).
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Union


class BarWrite(NamedTuple):
    """AXI4-Lite write (AW and W taken in one cycle)."""

    addr: int
    data: int
    strb: int

    def __str__(self) -> str:
        return f"bar_write(addr={self.addr:#x}, data={self.data:#x}, strb={self.strb:#x})"


class BarRead(NamedTuple):
    """AXI4-Lite read (AR)."""

    addr: int

    def __str__(self) -> str:
        return f"bar_read(addr={self.addr:#x})"


class CfgAccess(NamedTuple):
    """Config-port request on one absolute config DWORD."""

    write: bool
    dword: int
    be: int = 0xF
    data: int = 0

    @classmethod
    def from_bus(cls, write: int, dword: int, be: int, data: int) -> "CfgAccess":
        return cls(bool(write), dword, be, data if write else 0)

    def __str__(self) -> str:
        if self.write:
            return f"cfg_write(dword={self.dword:#x} [byte {4 * self.dword:#x}], be={self.be:#x}, data={self.data:#010x})"
        return f"cfg_read(dword={self.dword:#x} [byte {4 * self.dword:#x}], be={self.be:#x})"


class CtrlLevels(NamedTuple):
    """New ENABLE/MASKALL levels of a hard-IP style DUT: the model's write of byte cap+3."""

    enable: bool
    maskall: bool

    @classmethod
    def from_bus(cls, enable: int, maskall: int) -> "CtrlLevels":
        return cls(bool(enable), bool(maskall))

    def __str__(self) -> str:
        return f"levels(ENABLE={int(self.enable)}, MASKALL={int(self.maskall)}) [config write of byte cap+3]"


class Notify(NamedTuple):
    vector: int

    def __str__(self) -> str:
        return f"notify({self.vector})"


class UseOp(enum.IntEnum):
    USE = 0
    UNUSE = 1
    UNUSE_ALL = 2
    IGNORED = 3


class VectorUse(NamedTuple):
    op: UseOp
    vector: int = 0

    @classmethod
    def from_bus(cls, op: int, vector: int) -> "VectorUse":
        return cls(UseOp(op), vector)

    def __str__(self) -> str:
        if self.op == UseOp.UNUSE_ALL:
            return "unuse_all_vectors()"
        name = {UseOp.USE: "vector_use", UseOp.UNUSE: "vector_unuse"}.get(self.op, "use_op3_ignored")
        return f"{name}({self.vector})"


class Flr(NamedTuple):
    def __str__(self) -> str:
        return "flr() [msix_reset]"


Request = Union[BarWrite, BarRead, CfgAccess, CtrlLevels, Notify, VectorUse, Flr]

AXI_OKAY = 0
AXI_SLVERR = 2
