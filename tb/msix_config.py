"""Parameter sets of ``msix_block``: one build folder each, the same values in the model.

A :class:`MsixConfig` is the single source of a configuration: it gives the
HDL parameters (``parameters()``), the golden model built with the same N and
layout (``make_model()``), and travels into the simulation as JSON in the
``MSIX_CONFIG`` environment variable.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field

from model import MsixFunction

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
    """One parameter set of ``msix_block`` (defaults are the RTL's)."""

    name: str
    nvec: int = 8
    axi_width: int = 32
    tracking: bool = False
    use_count_width: int = 4
    fifo_depth: int = 4
    bar_size: int = -1  # all three -1: msix_init_exclusive_bar layout
    table_offset: int = -1
    pba_offset: int = -1
    cap_offset: int = 0x40
    defines: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------ HDL side
    def parameters(self) -> dict[str, int]:
        return {
            "NUM_VECTORS": self.nvec,
            "BAR_SIZE": self.bar_size,
            "TABLE_OFFSET": self.table_offset,
            "PBA_OFFSET": self.pba_offset,
            "CAP_OFFSET": self.cap_offset,
            "AXI_DATA_WIDTH": self.axi_width,
            "USE_TRACKING": int(self.tracking),
            "USE_COUNT_WIDTH": self.use_count_width,
            "MSG_FIFO_DEPTH": self.fifo_depth,
        }

    def with_fault(self, define: str) -> "MsixConfig":
        """The same parameters, built with one ``MSIX_FAULT_*`` define."""
        short = define.removeprefix("MSIX_FAULT_").lower()
        return dataclasses.replace(self, name=f"{self.name}-fault_{short}", defines=(define,))

    # ---------------------------------------------------------- model side
    def make_model(self) -> MsixFunction:
        if self.bar_size == -1:
            return MsixFunction(self.nvec, cap_offset=self.cap_offset)
        return MsixFunction(
            self.nvec,
            bar_size=self.bar_size,
            table_offset=self.table_offset,
            pba_offset=self.pba_offset,
            cap_offset=self.cap_offset,
        )

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
        text = os.environ.get(ENV_VAR)
        return cls.from_json(text) if text else CONFIGS["n8"]


#: The regression's parameter sets (each built once per simulator).
CONFIGS: dict[str, MsixConfig] = {
    c.name: c
    for c in (
        MsixConfig("n1_trk", nvec=1, tracking=True),
        MsixConfig("n8"),
        MsixConfig("n8_w64_trk_fifo2", nvec=8, axi_width=64, tracking=True, fifo_depth=2),
        MsixConfig("n64_w64", nvec=64, axi_width=64),
        MsixConfig("n65_trk", nvec=65, tracking=True, use_count_width=2),
        MsixConfig("n2048_w64_trk", nvec=2048, axi_width=64, tracking=True),
        # Non-default layout: PBA below the table, holes around both, capability at 0xa4.
        MsixConfig(
            "layout_n20_w64_trk",
            nvec=20,
            axi_width=64,
            tracking=True,
            bar_size=8192,
            table_offset=0x1000,
            pba_offset=0x0200,
            cap_offset=0xA4,
        ),
    )
}

#: The configuration the fault-injection check builds with each fault define
#: (more than 32 vectors so that the PBA has a high DWORD, tracking on).
FAULT_BASE = CONFIGS["n65_trk"]
