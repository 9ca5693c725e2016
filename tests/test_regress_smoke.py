"""Smoke of the coverage-driven regression (``make regress``): 1 configuration x 2 seeds.

Runs ``tb.tools.regress`` as ``make regress`` does (coverage build, seeds on a
Dask LocalCluster, merges, reports) into a temporary folder and checks that every
report exists and that the summary agrees with the per-seed results and the
junit XML. The full regression is not part of ``make test``; its distributed
scheduling is checked by ``tests/test_regress_dask.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tb.tools import regress as msix_regress

CONFIG = "n8_w64_trk_fifo2"
SEEDS = 2
#: Request budget of each closure test: the coverage-driven one closes in about 1,300, and
#: the unbiased one (which does not close) runs to the budget, so the budget sets its cost.
CLOSURE_OPS = 5000
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("regress")
    proc = subprocess.run(
        [sys.executable, "-m", "tb.tools.regress", "--configs", CONFIG, "--seeds", str(SEEDS), "--first-seed", "11",
         "--jobs", "1", "--out", str(out), "--closure-ops", str(CLOSURE_OPS), "--no-coverage-gate"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    return out, proc


def test_regression_passes_and_reports_exist(smoke) -> None:
    out, proc = smoke
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for name in ("junit.xml", "report.html", "closure.png", "summary.json", "code/html/index.html", "code/merged.info"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, f"missing report {name}"
    assert "[  2/2]" in proc.stdout, "no progress lines"
    assert f"{CONFIG}" in proc.stdout and "functional coverage" in proc.stdout


def test_summary_is_consistent(smoke) -> None:
    out, _ = smoke
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["rows"]
    assert [(r["config"], r["seed"]) for r in rows] == [(CONFIG, 11), (CONFIG, 12)]
    assert all(r["ok"] for r in rows) and all(r["ops"] > 1000 for r in rows)
    assert summary["figures"]["seeds passed"] == f"{SEEDS}/{SEEDS}"
    assert summary["figures"]["requests simulated"] == sum(r["ops"] for r in rows)
    suite = ET.parse(out / "junit.xml").getroot()
    cases = list(suite.iter("testcase"))
    assert len(cases) == SEEDS and not any(c.find("failure") is not None or c.find("error") is not None for c in cases)
    # One configuration's own model closes with coverage-driven stimulus alone.
    assert summary["functional"]["hit"] == summary["functional"]["bins"] > 100
    closure = summary["closure"][CONFIG]
    assert closure["cov_unclosed"] == 0 and closure["median_cov"] and closure["median_cov"] < CLOSURE_OPS
    assert summary["code"]["line"][0] > 0 and summary["code"]["toggle"][0] > 0


def test_failing_seed_goes_red_with_reproduce_command(tmp_path, monkeypatch) -> None:
    """A failed seed makes the report exit 1 and list its reproduce command with waves
    (report, junit failure). Its own database entry: no dependency on the smoke run."""
    fake = tmp_path / "run"
    fake.mkdir()
    test = "notify/traffic=stall"
    repro = f"SEED=11 COV=1 WAVES=1 make cosim SIM=verilator CONFIG={CONFIG} TEST={test}"
    (fake / "result.json").write_text(json.dumps({
        "config": CONFIG, "seed": 11, "ok": False, "passed": ["capability/traffic=none"], "failed": [test], "sim_exit": 0,
        "ops": 1234, "wall": 1.0, "repro": {test: repro}, "repro_all": repro.replace(f" TEST={test}", ""),
        "messages": {test: "scoreboard: TLP mismatch"}}))
    (fake / "sim-tail.log").write_text("... FAIL notify/traffic=stall\n")
    monkeypatch.setattr(msix_regress, "seed_dir", lambda out, c, s: fake)
    rc = msix_regress.report([(CONFIG, 11)], tmp_path, 1.0, 0.0, gate=False)
    assert rc == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["figures"]["seeds passed"] == "0/1"
    assert "WAVES=1 make cosim" in (tmp_path / "report.html").read_text()
    case = next(ET.parse(tmp_path / "junit.xml").getroot().iter("testcase"))
    assert case.find("failure") is not None and repro in case.find("failure").text
