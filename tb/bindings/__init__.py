"""The DUT bindings the testbench knows, and their configurations.

One module per binding: it defines ``BINDING`` (a :class:`tb.env.binding.Binding`)
and ``CONFIGS`` (the parameter sets that `make test` and the regression run on
it). To verify your own MSI-X RTL, add a module here (README: "verify your own
MSI-X RTL"); ``scan_msix.py`` is the worked example.
"""

from __future__ import annotations

import dataclasses

from ..env.binding import Settle
from ..env.config import MsixConfig
from . import msix_block, msix_block_hardip, scan_msix

_MODULES = (msix_block, msix_block_hardip, scan_msix)

BINDINGS = {m.BINDING.name: m.BINDING for m in _MODULES}

#: Every configuration by name (each built once per simulator).
CONFIGS = {c.name: c for m in _MODULES for c in m.CONFIGS}

for _cfg in CONFIGS.values():
    BINDINGS[_cfg.binding].check(_cfg)

# The scan example checked without its settle discipline: requests race the scan,
# so the check must go red (tests/test_cosim_faults.py). Not part of CONFIGS.
_UNSETTLED = dataclasses.replace(scan_msix.BINDING, name="scan_msix_unsettled",
                                 profile=dataclasses.replace(scan_msix.BINDING.profile, settle=Settle()))
BINDINGS[_UNSETTLED.name] = _UNSETTLED
#: Configurations that must fail a check (negative tests); the runner knows them too.
MUST_FAIL = {c.name: c for c in (
    MsixConfig("scan_n16_unsettled", num_vectors=16, msg_fifo_depth=1, binding=_UNSETTLED.name),
)}

#: The configuration the fault-injection check builds with each MSIX_FAULT_* define
#: (more than 32 vectors so that the PBA has a high DWORD, tracking on).
FAULT_BASE = CONFIGS["n65_trk"]
