"""Golden reference model of QEMU's ``hw/pci/msix.c`` (pure Python, no cocotb).

>>> from qemu_msix import MsixFunction
>>> f = MsixFunction(8)
>>> f.vector_use(0)
0
"""

from .errors import DecodeError
from .layout import MsixLayout, exclusive_bar_layout, make_layout, pba_size
from .msix_function import MsixFunction, NotifyOutcome

__all__ = [
    "DecodeError",
    "MsixFunction",
    "MsixLayout",
    "NotifyOutcome",
    "exclusive_bar_layout",
    "make_layout",
    "pba_size",
]
