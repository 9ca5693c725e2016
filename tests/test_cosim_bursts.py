"""Bursts change no timeline (tb/env/burst.py): the same tests, with every request
driven from Python (``MSIX_BURSTS=0``) and with bursts, pass and commit the same
requests and TLPs, each test ending at the same cycle; and the burst run did
play bursts (its players and loggers logged), the other none."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tb.bindings import CONFIGS
from tb.tools import runner
from tests.cosim_support import build_all

CONFIG = CONFIGS["n8_w64_trk_fifo2"]  # every port, use tracking, a 2-deep message queue
#: A directed test (readback, use_all) and a random mix, back to back and under long stalls.
TESTS = r"(reset_state|random_mix/mix=mix)/traffic=(none|long)$"
_SUMMARY = re.compile(r"test=(\S+?);|(\d+ requests committed, \d+ MSI TLPs checked, \d+ cycles)")


def _timeline(res: runner.RunResult) -> list[str]:
    """Per test, in run order: its name, then its requests, TLPs and end cycle."""
    log = (res.xml.parent / "sim.log").read_text()
    return [m.group(1) or m.group(2) for m in _SUMMARY.finditer(log)]


def _logged(res: runner.RunResult) -> int:
    """Lines the burst players and loggers wrote in this run (the wrapper's one log, opened anew by each run)."""
    return len((Path(res.xml.parent) / "burst.log").read_text().splitlines())


@pytest.mark.parametrize("sim", runner.SIMS)
def test_bursts_keep_the_timeline(sim: str) -> None:
    build_all([(sim, CONFIG)])
    on = runner.run(sim, CONFIG, seed=1, test=TESTS, tag="bursts-on")
    off = runner.run(sim, CONFIG, seed=1, test=TESTS, tag="bursts-off", extra_env={"MSIX_BURSTS": "0"})
    assert on.ok and off.ok, on.summary() + "\n" + off.summary()
    assert len(on.passed) == len(off.passed) == 4
    assert _logged(on) > 1000 and _logged(off) == 0, "the burst run must play bursts, the other none"
    timeline_on, timeline_off = _timeline(on), _timeline(off)
    assert len(timeline_off) == 8
    assert timeline_on == timeline_off, (
        f"bursts changed the timeline ({sim}, {CONFIG.name}, SEED=1):\n  without: {timeline_off}\n  with:    {timeline_on}\n"
        f"  reproduce: MSIX_BURSTS=0 {on.repro(TESTS)} (and without MSIX_BURSTS=0)")
