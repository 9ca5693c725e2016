"""Binding of the project's own RTL, ``msix_block`` (rtl/README.md is its contract)."""

from __future__ import annotations

from pathlib import Path

from ..env.binding import Binding, Profile, signals
from ..env.config import FAULT_DEFINES, MsixConfig

ROOT = Path(__file__).resolve().parents[2]


def rtl_files() -> tuple[str, ...]:
    """``rtl/files.f`` in compile order, relative to the repository root."""
    out = []
    for line in (ROOT / "rtl" / "files.f").read_text().splitlines():
        line = line.split("//")[0].split("#")[0].strip()
        if line and not line.startswith(("+", "-")):
            out.append(f"rtl/{line}")
    return tuple(out)


def parameters(cfg: MsixConfig) -> dict[str, int]:
    return {
        "NUM_VECTORS": cfg.num_vectors,
        "BAR_SIZE": cfg.bar_size,
        "TABLE_OFFSET": cfg.table_offset,
        "PBA_OFFSET": cfg.pba_offset,
        "CAP_OFFSET": cfg.cap_offset,
        "AXI_DATA_WIDTH": cfg.axi_width,
        "USE_TRACKING": int(cfg.tracking),
        "USE_COUNT_WIDTH": cfg.use_count_width,
        "MSG_FIFO_DEPTH": cfg.msg_fifo_depth,
    }


BINDING = Binding(
    name="msix_block",
    toplevel="msix_block",
    sources=rtl_files(),
    signals={
        **signals("bar", "s_axil_"),
        **signals("cfg", "cfg_"),
        **signals("notify", "notify_"),
        **signals("use", "use_"),
        **signals("flr", "flr_"),
        **signals("msi", "tlp_"),
        "intx": "intx_deassert",
        "err_notify_range": "err_notify_range",
        "requester_id": "requester_id",
    },
    parameters=parameters,
    profile=Profile(),  # every behaviour, decided at the commit
    faults=FAULT_DEFINES,
)

CONFIGS = (
    MsixConfig("n1_trk", num_vectors=1, tracking=True),
    MsixConfig("n8"),
    MsixConfig("n8_w64_trk_fifo2", num_vectors=8, axi_width=64, tracking=True, msg_fifo_depth=2),
    MsixConfig("n64_w64", num_vectors=64, axi_width=64),
    MsixConfig("n65_trk", num_vectors=65, tracking=True, use_count_width=2),
    MsixConfig("n2048_w64_trk", num_vectors=2048, axi_width=64, tracking=True),
    # Non-default layout: PBA below the table, holes around both, capability at 0xa4.
    MsixConfig("layout_n20_w64_trk", num_vectors=20, axi_width=64, tracking=True, bar_size=8192, table_offset=0x1000,
               pba_offset=0x0200, cap_offset=0xA4),
)
