"""Co-simulation regression: every configuration on every simulator.

One pytest item per (simulator, configuration) runs all cocotb tests of
``tb/msix_tests.py`` on that build (each sequence under each traffic shape);
a failure lists the failing cocotb tests with the command that reruns each.

    .venv/bin/python -m pytest tests/test_cosim.py -k "verilator and n8"
    SEED=1234 TEST=random_mix .venv/bin/python -m pytest tests/test_cosim.py -k "icarus and n65"
    WAVES=1 ...   (waveform builds: build/<sim>/<config>-waves/runs/...)
"""

from __future__ import annotations

import os

import pytest

from tb import msix_runner as runner
from tb.msix_config import CONFIGS
from tests.cosim_support import prebuild_selected, session_seed



@pytest.fixture(scope="module", autouse=True)
def _prebuild(request):
    """Build every selected (simulator, configuration) up front, in parallel."""
    prebuild_selected(request.session, "sim", "config")


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("sim", runner.SIMS)
def test_cosim(sim: str, config: str) -> None:
    res = runner.run(sim, CONFIGS[config], seed=session_seed(), test=os.environ.get("TEST") or None,
                     tag=f"pytest-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")
    print(res.summary())
    assert res.ok, "\n" + res.summary()
