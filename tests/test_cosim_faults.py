"""Fault injection: the scoreboard must go red for every ``MSIX_FAULT_*`` build.

Each fault define of the contract is built on ``FAULT_BASE`` (65 vectors, so
the PBA has a high DWORD; use tracking on) and the selected sequences are run
on it: at least one cocotb test must fail with a scoreboard MISMATCH. The clean
build runs the same sequences and must pass, so a red result is the fault's.
"""

from __future__ import annotations

import pytest

from tb.bindings import CONFIGS, FAULT_BASE, MUST_FAIL
from tb.env.config import FAULT_DEFINES
from tb.tools import runner
from tests.cosim_support import build_all, session_seed

#: Icarus: a fault build costs it well under a second, Verilator 6 to 8 CPU-s (one
#: build per define); the scoreboard's verdict does not depend on the simulator.
SIM = "icarus"
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


# A foreign DUT that drives X: the scan example reads X from PBA DWORD 1 with this
# define. Icarus keeps X (Verilator is two-state, so only Icarus can show it): every
# read of that DWORD must fail as a MISMATCH naming the signal, never a Python error.
X_CFG = CONFIGS["scan_n16"].with_fault("SCAN_MSIX_FAULT_X_RDATA")
X_SELECTION = r"\.pba/traffic=none$"


def test_x_on_a_dut_output_is_a_mismatch_naming_the_signal() -> None:
    res = runner.run("icarus", X_CFG, seed=session_seed(), test=X_SELECTION, waves=False, tag="faults")
    print(res.summary())
    assert res.failed == ["pba/traffic=none"], res.summary()
    msg = res.messages["pba/traffic=none"]
    assert "MISMATCH: X/Z on DUT output bar_rdata" in msg and "bar_read(addr=0x804)" in msg, msg
    assert "reproduce:" in msg and "FAULT=x_rdata" in msg, msg


def test_scan_dut_needs_its_settle_discipline() -> None:
    """Without settling after table writes and level changes, requests race the
    scan_msix release scan and the exact check goes red; with it (scan_n16 in
    test_cosim.py) every test passes."""
    res = runner.run(SIM, MUST_FAIL["scan_n16_unsettled"], seed=session_seed(),
                     test=r"\.random_mix/mix=masks/traffic=(none|stall)$", waves=False, tag="faults")
    print(res.summary())
    assert res.failed and all("MISMATCH" in res.messages[t] for t in res.failed), res.summary()


def test_a_failed_test_leaves_the_next_one_clean() -> None:
    """A test that fails with its agents running (coverage closure without the coverage
    model raises at its start) must not fail the next test of the same simulator run
    (the host test runs after it; n64_w64 is a host configuration)."""
    cfg = CONFIGS["n64_w64"]
    build_all([(SIM, cfg)])
    res = runner.run(SIM, cfg, seed=session_seed(), test=r"\.cov_closure/mode=cov$|\.host/traffic=none$",
                     waves=False, tag="faults")
    print(res.summary())
    assert res.failed == ["cov_closure/mode=cov"] and res.passed == ["host/traffic=none"], res.summary()
