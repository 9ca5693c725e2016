"""cocotb tests of ``msix_block`` (the module the simulator loads).

Every sequence of :mod:`tb.msix_seqs` becomes one test per traffic shape
(``<sequence>/traffic=<shape>``): the same stimulus under no idle cycles and
no back-pressure, light idles, heavy back-pressure, and long stalls.

The configuration comes from ``MSIX_CONFIG`` (set by :mod:`tb.msix_runner`),
so the model is built with the same N and layout as the RTL. The seed is
cocotb's (``COCOTB_RANDOM_SEED``, set from ``SEED`` by the runner); each test
derives its own stream from (seed, test name), so one test reproduces alone.
"""

from __future__ import annotations

import os

import cocotb

from . import msix_cov
from . import msix_seqs as seqs
from .msix_config import MsixConfig
from .msix_env import TRAFFIC, MsixTB

CFG = MsixConfig.from_env()
ALL_TRAFFIC = tuple(TRAFFIC)
#: Requests per random test (MSIX_RANDOM_OPS=100000 for a soak or throughput run).
RANDOM_OPS = int(os.environ.get("MSIX_RANDOM_OPS", "1500"))


async def _run(dut, name: str, traffic: str, seq, *args) -> None:
    """One test: ``name`` is the cocotb test name (it also keys the random streams)."""
    seed = int(os.environ.get("MSIX_SEED", cocotb.RANDOM_SEED))
    dut._log.info("SEED=%s config=%s test=%s", seed, CFG.name, name)
    tb = MsixTB(dut, CFG, traffic=traffic, seed=seed, name=name)
    await tb.reset()
    await seq(tb, *args)
    await tb.finish()


def _directed(seq, traffic=ALL_TRAFFIC):
    """A test running ``seq`` under each traffic shape."""

    short = seq.__name__.removesuffix("_seq")

    @cocotb.test(name=short, timeout_time=20, timeout_unit="ms")  # 2M cycles: a hang fails, not stalls CI
    @cocotb.parametrize(traffic=traffic)
    async def test(dut, traffic: str) -> None:
        await _run(dut, f"{short}/traffic={traffic}", traffic, seq)

    test.__doc__ = seq.__doc__
    return test


test_reset_state = _directed(seqs.reset_state_seq)
test_capability = _directed(seqs.capability_seq, ("none", "idle"))
test_notify = _directed(seqs.notify_seq)
test_table_rw = _directed(seqs.table_rw_seq)
test_unmask_sends_pending = _directed(seqs.unmask_sends_pending_seq)
test_function_unmask_walk = _directed(seqs.function_unmask_walk_seq)
test_pba = _directed(seqs.pba_seq)
test_vector_use = _directed(seqs.vector_use_seq)
test_use_counter_limit = _directed(seqs.use_counter_limit_seq)
test_flr = _directed(seqs.flr_seq)
test_linux_driver = _directed(seqs.linux_driver_seq)
test_qtest_pba_poll = _directed(seqs.qtest_pba_poll_seq)
test_flr_under_traffic = _directed(seqs.flr_under_traffic_seq)
test_bad_access = _directed(seqs.bad_access_seq, ("none", "idle"))
test_tag_wrap = _directed(seqs.tag_wrap_seq, ("none", "stall"))
test_priority = _directed(seqs.priority_seq)


@cocotb.test(timeout_time=20 * max(1, RANDOM_OPS // 1500), timeout_unit="ms")
@cocotb.parametrize(mix=tuple(seqs.MIXES), traffic=ALL_TRAFFIC)
async def random_mix(dut, mix: str, traffic: str) -> None:
    """Constrained-random mixes (see ``random_mix_seq``) under each traffic shape."""
    await _run(dut, f"random_mix/mix={mix}/traffic={traffic}", traffic, seqs.random_mix_seq, RANDOM_OPS, mix)


#: Request budget of a coverage-closure test (MSIX_CLOSURE_OPS).
CLOSURE_OPS = int(os.environ.get("MSIX_CLOSURE_OPS", "8000"))


@cocotb.test(timeout_time=40 * max(1, CLOSURE_OPS // 4000), timeout_unit="ms", skip=not msix_cov.enabled())
@cocotb.parametrize(mode=seqs.CLOSURE_MODES)
async def cov_closure(dut, mode: str) -> None:
    """Close this configuration's coverage model with random stimulus, unbiased
    (``mode=random``) or coverage-driven (``mode=cov``); needs ``COV=1`` (the
    regression sets it). Heavy TLP back-pressure, so that every stall bin is reachable."""
    await _run(dut, f"cov_closure/mode={mode}", "stall", seqs.cov_closure_seq, CLOSURE_OPS, mode)
