"""cocotb tests of the host path (loaded next to msix_tests in the same simulator run).

``host/traffic=<shape>``: a cocotbext-pcie root complex enumerates the function,
allocates its MSI-X vectors and drives it over TLPs through the endpoint adapter
(tb/host/), running the phases of :data:`.testplan.HOST` in order on one
bring-up. The scoreboard checks the RTL's ports as in every test; the host-side
checker checks what the root complex gets. Defined only where the binding's
profile has what the adapter needs (``HOST_REQUIRES``).
"""

from __future__ import annotations

import os

import cocotb

from ..env.config import MsixConfig
from ..env.env import MsixEnv
from ..host.system import HostSystem
from .msix_tests import TIMEOUT_SCALE, passed, starts
from .testplan import HOST, HOST_REQUIRES, host_traffic

CFG = MsixConfig.from_env()
PROFILE = CFG.binding_def().profile
#: The traffic shapes this run defines the host test for (testplan.host_traffic: the time budget).
TRAFFIC = host_traffic(CFG, cocotb.SIM_NAME.lower().split()[0],
                       os.environ.get("MSIX_HOST_FULL", "0") not in ("", "0"))


async def _host(dut, traffic: str) -> None:
    name = f"host/traffic={traffic}"
    if not starts(dut, name):  # as msix_tests: a mutant that failed once is not run to the end
        return
    seed = int(os.environ.get("MSIX_SEED", cocotb.RANDOM_SEED))
    # Every request live (no bursts): the root complex sees each TLP leave when the RTL sends it.
    tb = MsixEnv(dut, CFG, traffic=traffic, seed=seed, name=name, bursts=False)
    # A 64-bit BAR0 where the AXI bus is 64-bit, a 32-bit one elsewhere: both kinds run.
    bar64 = CFG.axi_width == 64
    dut._log.info("SEED=%s config=%s test=%s; %s; host: BAR0 %d-bit", seed, CFG.name, name, tb.describe(),
                  64 if bar64 else 32)
    try:
        await tb.reset()
        host = HostSystem(tb, bar64=bar64)
        for phase in HOST:
            if phase.runs_on(PROFILE):
                host.checker.phase = phase.name
                await phase.seq(tb, host)
        host.checker.phase = "end of test (RTL readback)"
        await tb.finish()
    finally:
        tb.stop()  # after a failure too (msix_tests._run)
    c = host.checker
    dut._log.info("host: %d interrupts delivered, completions %s, posted writes dropped %s, %d intx_deassert, %d FLR",
                  len(c.delivered), dict(c.completions), dict(host.ep.dropped_writes), host.ep.intx_deasserts,
                  host.ep.flrs)
    passed(name)


if TRAFFIC and all(PROFILE.has(f) for f in HOST_REQUIRES):
    # The timeout scales as msix_tests' do: a mutant that hangs the DUT fails in 2.5 ms, not 50.
    @cocotb.test(name="host", timeout_time=50 * TIMEOUT_SCALE, timeout_unit="ms")
    @cocotb.parametrize(traffic=TRAFFIC)
    async def host_test(dut, traffic: str) -> None:
        """Host bring-up over TLPs (tb/seq/host.py), every phase of the plan."""
        await _host(dut, traffic)
