"""pytest items of the regression (``python -m tb.tools.regress`` runs this file
under pytest-xdist): one item per (configuration, seed), each running every
cocotb test of ``tb/tests/msix_tests.py`` on the Verilator coverage build with the
functional model sampled, the two coverage-closure tests included.

The plan (configurations, seeds) comes from ``MSIX_REGRESS_PLAN`` (JSON);
each item leaves ``result.json`` in its run folder for the report.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from tb.bindings import CONFIGS
from tb.tools import runner
from tb.tools.toolchain import setup_env

setup_env()
PLAN = json.loads(os.environ.get("MSIX_REGRESS_PLAN", '{"items": [["n8", 1]]}'))
SIM = "verilator"


def run_dir_tag(seed: int) -> str:
    return f"regress-seed{seed}"


@pytest.mark.parametrize("config,seed", [tuple(i) for i in PLAN["items"]], ids=[f"{c}-{s}" for c, s in PLAN["items"]])
def test_seed(config: str, seed: int) -> None:
    t0 = time.monotonic()
    res = runner.run(SIM, CONFIGS[config], seed=seed, coverage=True, tag=run_dir_tag(seed), waves=False,
                     extra_env={k: v for k, v in (("MSIX_CLOSURE_OPS", os.environ.get("MSIX_CLOSURE_OPS")),) if v})
    run_dir = res.xml.parent
    stats_file = run_dir / "stats.json"
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {"tests": 0, "ops": 0}
    (run_dir / "result.json").write_text(json.dumps({
        "config": config, "seed": seed, "ok": res.ok, "passed": res.passed, "failed": res.failed,
        "sim_exit": res.sim_exit, "ops": stats["ops"], "wall": time.monotonic() - t0,
        "repro": {t: res.repro(t, waves=True) for t in res.failed},
        "repro_all": res.repro(None, waves=True),
        "messages": {t: res.messages.get(t, "")[:2000] for t in res.failed},
    }, indent=1))
    assert res.ok, "\n" + res.summary()
