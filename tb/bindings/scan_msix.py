"""Worked example: binding a foreign MSI-X design (examples/scan_msix/scan_msix.sv).

Hard-IP style levels, no use tracking, no FLR, (address, data) output,
active-low reset, other signal names, and pending vectors released by a PBA
scan some cycles after the unmask (so the testbench lets it settle).
"""

from ..env.binding import Binding, Profile, Settle, signals
from ..env.config import MsixConfig

BINDING = Binding(
    name="scan_msix",
    toplevel="scan_msix",
    sources=("examples/scan_msix/scan_msix.sv",),
    signals={
        **signals("bar", "bar_"),  # AXI4-Lite: bar_awvalid, bar_awready, ...
        **signals("ctrl", "msix_"),  # msix_enable, msix_maskall
        **signals("notify", "irq_"),  # irq_valid, irq_ready, irq_vector
        **signals("msi", "msi_", hdr=None, addr="msi_addr"),  # msi_valid, msi_ready, msi_addr, msi_data
    },
    parameters=lambda cfg: {"NVEC": cfg.num_vectors},
    profile=Profile(
        config="levels",  # ENABLE/MASKALL come from the hard IP as levels
        use_port=False,  # every vector always in use
        flr=False,  # reset only
        msi="addr_data",
        access_errors=False,  # decodes valid accesses only: drive nothing else
        intx=False,
        err_flag=False,
        # Releases pending vectors with a PBA scan after a table write or a level
        # change: such a request goes alone, and the rest waits for scan_idle.
        settle=Settle(after=("bar_write", "levels"), cycles=1, idle="scan_idle"),
    ),
    reset="rst_n",
    reset_active_low=True,
    axi_widths=(32,),
    faults=("SCAN_MSIX_FAULT_X_RDATA",),  # PBA DWORD 1 reads X
)

# msg_fifo_depth: one output register (the coverage model's "queue full").
CONFIGS = (MsixConfig("scan_n16", num_vectors=16, msg_fifo_depth=1, binding="scan_msix"),)
