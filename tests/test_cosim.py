"""Co-simulation regression: every configuration (every binding) on every simulator.

One pytest item per (simulator, configuration, traffic shape) runs the cocotb
tests of ``tb/tests/msix_tests.py`` (and the host test, ``tb/tests/host_tests.py``)
under that shape on the configuration's build (built once, reused by its four
items); a failure lists the failing
cocotb tests with the command that reruns each, and the profile checked.

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


def _items() -> list[tuple[str, str, str]]:
    """(simulator, configuration, traffic) items, the longest first (Icarus, many
    vectors, long stalls), so that the short ones fill in at the end."""
    cost = {"long": 3, "stall": 1, "idle": 1, "none": 1}
    items = [(sim, cfg, t) for sim in runner.SIMS for cfg in CONFIGS for t in TRAFFIC]
    return sorted(items, key=lambda i: -(CONFIGS[i[1]].num_vectors + 64) * (4 if i[0] == "icarus" else 1) * cost[i[2]])


@pytest.mark.parametrize("sim,config,traffic", _items())
def test_cosim(sim: str, config: str, traffic: str) -> None:
    test = os.environ.get("TEST")
    if test and traffic != "none":
        pytest.skip("TEST= runs its whole selection in the traffic=none item")
    # One traffic shape per item: the four shapes of a configuration balance over the workers.
    selection = test or rf"/traffic={re.escape(traffic)}$"
    res = runner.run(sim, CONFIGS[config], seed=session_seed(), test=selection,
                     tag=f"pytest-{traffic}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    print(res.summary())
    assert res.ok, "\n" + res.summary()
