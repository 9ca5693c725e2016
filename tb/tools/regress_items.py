"""pytest items of the legacy pytest-xdist scheduling of the regression
(``python -m tb.tools.regress --scheduler xdist``; the default is Dask,
``tb/tools/regress_dask.py``): one item per (configuration, seed), each the same
task as a Dask run (``regress_task.run_seed``), stored into the same database.

The plan (configurations, seeds, report folder) comes from ``MSIX_REGRESS_PLAN`` (JSON).
"""

from __future__ import annotations

import json
import os

import pytest

from tb.tools.regress_task import run_seed, store
from tb.tools.toolchain import setup_env

setup_env()
PLAN = json.loads(os.environ.get("MSIX_REGRESS_PLAN", '{"items": [["n8", 1]], "out": "build/regress"}'))


@pytest.mark.parametrize("config,seed", [tuple(i) for i in PLAN["items"]], ids=[f"{c}-{s}" for c, s in PLAN["items"]])
def test_seed(config: str, seed: int) -> None:
    res = run_seed(config, seed, PLAN.get("closure_ops"), PLAN.get("tests"))
    store(PLAN["out"], res)
    assert res["ok"], f"{config} SEED={seed}: failed {', '.join(res['failed'])}\n" + "\n".join(res["repro"].values())
