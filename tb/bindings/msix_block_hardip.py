"""Binding of ``msix_block`` in the hard-IP style (``rtl/msix_block_hardip.sv``).

The PCIe hard IP owns the MSI-X capability: the block sees ENABLE and MASKALL
as levels, has no config, use or FLR port, and hands the MSI over as a TLP
header packed with DW0 in the top bits and tag 0.
"""

from __future__ import annotations

from ..env.binding import Binding, Profile, Settle, signals
from ..env.config import MsixConfig
from .msix_block import rtl_files


def parameters(cfg: MsixConfig) -> dict[str, int]:
    return {"NUM_VECTORS": cfg.num_vectors, "BAR_SIZE": cfg.bar_size, "TABLE_OFFSET": cfg.table_offset,
            "PBA_OFFSET": cfg.pba_offset, "CAP_OFFSET": cfg.cap_offset, "AXI_DATA_WIDTH": cfg.axi_width,
            "MSG_FIFO_DEPTH": cfg.msg_fifo_depth, "ADDR_W": (cfg.make_model().layout.bar_size - 1).bit_length()}


BINDING = Binding(
    name="msix_block_hardip",
    toplevel="msix_block_hardip",
    sources=rtl_files() + ("rtl/msix_block_hardip.sv",),
    signals={
        **signals("bar", "s_axil_"),
        **signals("ctrl", "msix_"),
        **signals("notify", "notify_"),
        **signals("msi", "tlp_"),
        "err_notify_range": "err_notify_range",
        "requester_id": "requester_id",
    },
    parameters=parameters,
    profile=Profile(config="levels", use_port=False, flr=False, msi="tlp_dw0_high", tag="zero", intx=False,
                    # a level change is applied through the block's config port: wait until it is
                    settle=Settle(after=("levels",), idle="ctrl_idle")),
)

CONFIGS = (MsixConfig("hardip_n64_w64", num_vectors=64, axi_width=64, binding="msix_block_hardip"),)
