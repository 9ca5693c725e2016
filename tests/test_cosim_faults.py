"""Fault injection: the scoreboard must go red for every ``MSIX_FAULT_*`` build.

Each fault define of the contract is built on ``FAULT_BASE`` (65 vectors, so
the PBA has a high DWORD; use tracking on) and the selected sequences are run
on it: at least one cocotb test must fail with a scoreboard MISMATCH. The clean
build runs the same sequences and must pass, so a red result is the fault's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

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


#: A random mix under ``long`` times out (80 us, with these settings) while its burst
#: plays; the next test plays bursts too. Seed 1: the timeout falls inside a burst
#: (the test checks that it did).
MID_BURST = "random_mix/mix=mix/traffic=long"
AFTER = "random_mix/mix=notify/traffic=none"
MID_BURST_ENV = {"MSIX_RANDOM_OPS": "3000", "MSIX_TIMEOUT_SCALE": "0.002"}


def _tb_lines(res) -> dict[str, str]:
    """Each test's end-of-test line (requests, TLPs), by test name, from the run's log."""
    out, test = {}, None
    for line in (res.xml.parent / "sim.log").read_text().splitlines():
        if m := re.search(r" test=(\S+);", line):
            test = m.group(1)
        elif m := re.search(r"(\d+ requests committed, \d+ MSI TLPs checked)", line):
            out[test] = m.group(1)
    return out


def _sim_ps(res) -> dict[str, int]:
    """Each test's simulated time in ps (cocotb's results give ns as a float)."""
    cases = ET.parse(res.xml).getroot().iter("testcase")
    return {c.get("name"): round(1000 * float(next(p.get("value") for p in c.iter("property")
                                                   if p.get("name") == "sim_time_duration"))) for c in cases}


@pytest.mark.parametrize("sim", runner.SIMS)
def test_a_test_that_fails_mid_burst_leaves_the_next_one_clean(sim: str) -> None:
    """The SystemVerilog players stop when a test ends while they play (burst_abort):
    the next test runs as it does alone (same requests, TLPs and simulated time)."""
    cfg = CONFIGS["n8"]
    build_all([(sim, cfg)])
    both = runner.run(sim, cfg, seed=1, test=rf"\.({re.escape(MID_BURST)}|{re.escape(AFTER)})$",
                      extra_env=MID_BURST_ENV, waves=False, tag="faults-abort")
    print(both.summary())
    assert both.failed == [MID_BURST] and both.passed == [AFTER], both.summary()
    assert "SimTimeoutError" in both.messages[MID_BURST], both.summary()
    log = (both.xml.parent / "sim.log").read_text()
    assert "bursts: the test ended while" in log, "the timeout fell outside a burst: this test checks nothing"
    assert re.search(r"bursts: the test ended while \w+ \(\d+ requests?\).* played: stopped", log), log[-2000:]
    alone = runner.run(sim, cfg, seed=1, test=rf"\.{re.escape(AFTER)}$", extra_env=MID_BURST_ENV, waves=False,
                       tag="faults-abort-alone")
    assert alone.passed == [AFTER], alone.summary()
    assert _tb_lines(both)[AFTER] == _tb_lines(alone)[AFTER]
    assert _sim_ps(both)[AFTER] == _sim_ps(alone)[AFTER]
