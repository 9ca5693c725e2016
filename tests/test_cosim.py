"""Co-simulation regression: every configuration (every binding) on every simulator.

Each pytest item runs the cocotb tests of ``tb/tests/msix_tests.py`` (and the
host test, ``tb/tests/host_tests.py``) on the configuration's build (built once,
reused by its items): one item per (simulator, configuration) runs every traffic
shape in one simulator run (``all``), except above ``SPLIT_ABOVE`` vectors, where
one item per traffic shape lets the four shapes of a slow configuration run on
both cores. A failure lists the failing cocotb tests with the command that
reruns each, and the profile checked.

    .venv/bin/python -m pytest tests/test_cosim.py -k "verilator-n8-"
    SEED=1234 TEST=random_mix .venv/bin/python -m pytest tests/test_cosim.py -k "icarus and n65"
    WAVES=1 ...   (waveform builds: build/<sim>/<config>-waves/runs/...)
"""

from __future__ import annotations

import os
import re

import pytest

from tb.bindings import CONFIGS
from tb.env.traffic import TRAFFIC
from tb.tools import runner
from tests.cosim_support import prebuild_selected, session_seed


@pytest.fixture(scope="module", autouse=True)
def _prebuild(request):
    """Build every selected (simulator, configuration) up front, in parallel."""
    prebuild_selected(request.session, "sim", "config")


#: Configurations with more vectors than this get one item per traffic shape (their
#: runs are long); the others run all shapes in one item, one simulator start-up
#: (about 1.5 CPU-s) instead of four.
SPLIT_ABOVE = 256
ALL = "all"


def _shapes(config: str) -> list[str]:
    return list(TRAFFIC) if CONFIGS[config].num_vectors > SPLIT_ABOVE else [ALL]


def _items() -> list[tuple[str, str, str]]:
    """(simulator, configuration, traffic) items, the longest first (Icarus, many
    vectors, long stalls), so that the short ones fill in at the end."""
    cost = {"long": 3, "stall": 1, "idle": 1, "none": 1, ALL: 6}
    items = [(sim, cfg, t) for sim in runner.SIMS for cfg in CONFIGS for t in _shapes(cfg)]
    return sorted(items, key=lambda i: -(CONFIGS[i[1]].num_vectors + 64) * (4 if i[0] == "icarus" else 1) * cost[i[2]])


@pytest.mark.parametrize("sim,config,traffic", _items())
def test_cosim(sim: str, config: str, traffic: str) -> None:
    test = os.environ.get("TEST")
    if test and traffic not in ("none", ALL):
        pytest.skip("TEST= runs its whole selection in the configuration's all (or traffic=none) item")
    shapes = "|".join(map(re.escape, TRAFFIC)) if traffic == ALL else re.escape(traffic)
    selection = test or rf"/traffic=({shapes})$"
    res = runner.run(sim, CONFIGS[config], seed=session_seed(), test=selection,
                     tag=f"pytest-{traffic}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    print(res.summary())
    assert res.ok, "\n" + res.summary()
