"""Configurations: one DUT binding with one parameter set, one build folder each,
the same values in the model.

A :class:`MsixConfig` is the single source of a configuration: the binding it
builds (``binding``, a name in :data:`tb.bindings.BINDINGS`), the HDL parameters
(``parameters()``, through the binding), the golden model built with the same N
and layout (``make_model()``); it travels into the simulation as JSON in the
``MSIX_CONFIG`` environment variable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field

from qemu_msix import MsixFunction

ENV_VAR = "MSIX_CONFIG"

#: Build defines of the contract, each breaking one behaviour (rtl/README.md).
FAULT_DEFINES = (
    "MSIX_FAULT_PENDING_NOT_CLEARED",
    "MSIX_FAULT_MASK_IGNORED",
    "MSIX_FAULT_PBA_HIGH_BIT",
    "MSIX_FAULT_RESET_UNMASKED",
    "MSIX_FAULT_DROP_ON_BACKPRESSURE",
)


@dataclass(frozen=True)
class MsixConfig:
    """One parameter set of one binding (defaults are msix_block's)."""

    name: str
    num_vectors: int = 8
    axi_width: int = 32
    tracking: bool = False
    use_count_width: int = 4
    msg_fifo_depth: int = 4  # MSG_FIFO_DEPTH: messages the DUT queues for its output
    bar_size: int = -1  # all three -1: msix_init_exclusive_bar layout
    table_offset: int = -1
    pba_offset: int = -1
    cap_offset: int = 0x40
    defines: tuple[str, ...] = field(default=())
    binding: str = "msix_block"

    # ------------------------------------------------------------ HDL side
    def binding_def(self):
        from ..bindings import BINDINGS

        return BINDINGS[self.binding]

    def parameters(self) -> dict[str, int]:
        return self.binding_def().parameters(self)

    def with_fault(self, define: str) -> "MsixConfig":
        """The same parameters, built with one fault define (``MSIX_FAULT_*`` or the binding's own)."""
        short = define.split("FAULT_", 1)[-1].lower()
        return dataclasses.replace(self, name=f"{self.name}-fault_{short}", defines=(define,))

    # ---------------------------------------------------------- model side
    def make_model(self) -> MsixFunction:
        if self.bar_size == -1:
            return MsixFunction(self.num_vectors, cap_offset=self.cap_offset)
        return MsixFunction(self.num_vectors, bar_size=self.bar_size, table_offset=self.table_offset,
                            pba_offset=self.pba_offset, cap_offset=self.cap_offset)

    @property
    def use_count_max(self) -> int:
        """The RTL ignores a ``use`` at this count; the testbench stays below it."""
        return (1 << self.use_count_width) - 1

    # ------------------------------------------------------------ transport
    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "MsixConfig":
        d = json.loads(text)
        d["defines"] = tuple(d["defines"])
        return cls(**d)

    @classmethod
    def from_env(cls) -> "MsixConfig":
        from ..bindings import CONFIGS

        text = os.environ.get(ENV_VAR)
        return cls.from_json(text) if text else CONFIGS["n8"]
