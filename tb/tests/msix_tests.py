"""cocotb tests (the module the simulator loads), generated from the test plan.

Every directed entry of :mod:`.testplan` whose features the DUT's profile
claims becomes one test per traffic shape (``<name>/traffic=<shape>``), then
the random mixes and the coverage-closure tests. The configuration (and with
it the binding) comes from ``MSIX_CONFIG`` (set by the runner); the seed is
``MSIX_SEED``; each test derives its own streams from (seed, test name), so
one test reproduces alone.
"""

from __future__ import annotations

import gc
import os

import cocotb

from ..env import cov as msix_cov
from ..env.config import MsixConfig
from ..env.env import MsixEnv
from ..seq import closure, random_mix
from .testplan import ALL_TRAFFIC, DIRECTED

# The simulator's Python holds many long-lived objects (cocotb, the DUT's handles, the model):
# the collector never rescans what start-up built, and runs on the young generation less often.
# Measured 2026-11-30 (medians of 3 runs each, in turn): a 2048-vector Icarus run takes 14 % less
# CPU, n64_w64's 8 % less.
gc.freeze()
gc.set_threshold(50_000, 50, 100)

CFG = MsixConfig.from_env()
PROFILE = CFG.binding_def().profile
#: Requests per random test (MSIX_RANDOM_OPS=100000 for a soak or throughput run).
RANDOM_OPS = int(os.environ.get("MSIX_RANDOM_OPS", "1500"))
#: Request budget of a coverage-closure test (MSIX_CLOSURE_OPS).
CLOSURE_OPS = int(os.environ.get("MSIX_CLOSURE_OPS", "8000"))
#: Scale of every test's timeout: a mutant that hangs the DUT (tb/tools/mutate.py) fails fast.
TIMEOUT_SCALE = float(os.environ.get("MSIX_TIMEOUT_SCALE", "1"))
#: MSIX_FAILFAST=1: once a test has failed, the later ones end at once (mutation runs).
FAILFAST = os.environ.get("MSIX_FAILFAST", "0") not in ("", "0")
_failed: list[str] = []


def starts(dut, name: str) -> bool:
    """Whether test ``name`` runs (not after an earlier failure under MSIX_FAILFAST); it
    counts as failed until :func:`passed` (a timeout cancels the test before that)."""
    if FAILFAST and _failed:
        dut._log.info("skipped after the failure of %s (MSIX_FAILFAST)", _failed[0])
        return False
    _failed.append(name)
    return True


def passed(name: str) -> None:
    _failed.remove(name)


async def _run(dut, name: str, traffic: str, seq, *args) -> None:
    """One test: ``name`` is the cocotb test name (it also keys the random streams)."""
    if not starts(dut, name):
        return
    seed = int(os.environ.get("MSIX_SEED", cocotb.RANDOM_SEED))
    tb = MsixEnv(dut, CFG, traffic=traffic, seed=seed, name=name)
    dut._log.info("SEED=%s config=%s test=%s; %s", seed, CFG.name, name, tb.describe())
    try:
        await tb.reset()
        await seq(tb, *args)
        await tb.finish()
    finally:
        tb.stop()  # after a failure too: its agents leave the clock's hub, and the next test starts clean
    passed(name)


def _directed(entry):
    """A test running ``entry.seq`` under each of its traffic shapes."""

    @cocotb.test(name=entry.name, timeout_time=20 * TIMEOUT_SCALE, timeout_unit="ms")  # 2M cycles: a hang fails, not stalls CI
    @cocotb.parametrize(traffic=entry.traffic)
    async def test(dut, traffic: str) -> None:
        await _run(dut, f"{entry.name}/traffic={traffic}", traffic, entry.seq)

    test.__doc__ = entry.seq.__doc__
    return test


for _entry in DIRECTED:
    if _entry.runs_on(PROFILE):
        globals()[f"test_{_entry.name}"] = _directed(_entry)


@cocotb.test(name="random_mix", timeout_time=20 * TIMEOUT_SCALE * max(1, RANDOM_OPS // 1500),
             timeout_unit="ms")
@cocotb.parametrize(mix=tuple(random_mix.MIXES), traffic=ALL_TRAFFIC)
async def random_mix_test(dut, mix: str, traffic: str) -> None:
    """Constrained-random mixes (see ``random_mix_seq``) under each traffic shape."""
    await _run(dut, f"random_mix/mix={mix}/traffic={traffic}", traffic, random_mix.random_mix_seq, RANDOM_OPS, mix)


@cocotb.test(timeout_time=40 * max(1, CLOSURE_OPS // 4000), timeout_unit="ms", skip=not msix_cov.enabled())
@cocotb.parametrize(mode=closure.CLOSURE_MODES)
async def cov_closure(dut, mode: str) -> None:
    """Close this configuration's coverage model with random stimulus, unbiased
    (``mode=random``) or coverage-driven (``mode=cov``); needs ``COV=1`` (the
    regression sets it). Heavy TLP back-pressure, so that every stall bin is reachable."""
    await _run(dut, f"cov_closure/mode={mode}", "stall", closure.cov_closure_seq, CLOSURE_OPS, mode)
