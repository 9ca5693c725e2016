"""The regression on a real Dask scheduler and two workers (separate processes on 127.0.0.1).

* The same seeds through ``--scheduler tcp://...`` and through the default
  LocalCluster give the same pass/fail table, request counts and merged
  functional coverage, and the remote runs came back from the workers.
* A worker killed (with its simulator) while it runs a seed: that seed is run
  again on the other worker, every seed is reported exactly once and passes.

Small on purpose: configuration n8_w64_trk_fifo2 (the coverage build the smoke
uses too), 2 seeds, only the two coverage-closure
tests (``--tests cov_closure``) with a 3000-request budget.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import psutil
import pytest

from tb.env.cov import EXPORT_NAME, merge_exports
from tb.tools.regress_loopback import LoopbackCluster
from tb.tools.regress_task import seed_dir

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "n8_w64_trk_fifo2"
FIRST_SEED = 21
SEEDS = 2
ARGS = ["--configs", CONFIG, "--seeds", str(SEEDS), "--first-seed", str(FIRST_SEED), "--closure-ops", "3000",
        "--tests", "cov_closure", "--no-coverage-gate"]
RUN_TIMEOUT = 240


def regress(out: Path, *extra: str, args: list[str] = ARGS) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tb.tools.regress", *args, "--out", str(out), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def figures(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    rows = [(r["config"], r["seed"], r["ok"], r["ops"]) for r in summary["rows"]]
    functional = merge_exports([seed_dir(out, c, s) / EXPORT_NAME for c, s, _, _ in rows])
    cases = sorted(c.get("name") for c in ET.parse(out / "junit.xml").getroot().iter("testcase"))
    return {"rows": rows, "functional": functional, "hit": summary["functional"], "cases": cases,
            "requests": summary["figures"]["requests simulated"]}


def test_two_workers_match_local_run(tmp_path) -> None:
    with LoopbackCluster(2, timeout=60) as lc:
        remote = regress(tmp_path / "remote", "--scheduler", lc.address)
        worker_pids = {w.pid for w in lc.workers}
        if remote.returncode == 0:  # APPEND: one more seed added to a copy of that database
            shutil.copytree(tmp_path / "remote", tmp_path / "appended")
            # No --first-seed: the added seed is numbered after the database's highest.
            args = [x for x in ARGS[:ARGS.index("--first-seed")] + ARGS[ARGS.index("--first-seed") + 2:]]
            appended = regress(tmp_path / "appended", "--scheduler", lc.address, "--append", "--seeds", "1", args=args)
    assert remote.returncode == 0, remote.stdout[-4000:] + remote.stderr[-4000:]
    assert f"Dask scheduler {lc.address}, 2 workers" in remote.stdout
    assert "dashboard: http://127.0.0.1:" in remote.stdout and f"[  {SEEDS}/{SEEDS}]" in remote.stdout
    local = regress(tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stdout[-4000:] + local.stderr[-4000:]
    assert "Dask LocalCluster, 2 workers" in local.stdout

    r, l_ = figures(tmp_path / "remote"), figures(tmp_path / "local")
    assert r["rows"] == l_["rows"] == [(CONFIG, FIRST_SEED + i, True, r["rows"][i][3]) for i in range(SEEDS)]
    assert all(ops > 1000 for *_, ops in r["rows"])
    assert r["requests"] == l_["requests"] == sum(ops for *_, ops in r["rows"])
    assert r["functional"] == l_["functional"] and r["hit"] == l_["hit"] and r["hit"]["hit"] > 100
    assert r["cases"] == l_["cases"] == [f"{CONFIG}-seed{FIRST_SEED + i}" for i in range(SEEDS)]
    # The results came back through Dask from the two worker processes, not from this machine's runs folder.
    pids = {json.loads((seed_dir(tmp_path / "remote", CONFIG, FIRST_SEED + i) / "result.json").read_text())["pid"]
            for i in range(SEEDS)}
    assert pids <= worker_pids
    for name in ("report.html", "closure.png", "code/html/index.html"):
        assert (tmp_path / "remote" / name).is_file()

    assert appended.returncode == 0, appended.stdout[-4000:] + appended.stderr[-4000:]
    a = figures(tmp_path / "appended")
    assert [row[:3] for row in a["rows"]] == [(CONFIG, FIRST_SEED + i, True) for i in range(SEEDS + 1)]
    assert a["rows"][:SEEDS] == r["rows"] and a["requests"] == r["requests"] + a["rows"][-1][3]
    assert len(a["cases"]) == SEEDS + 1
    assert json.loads((tmp_path / "appended" / "summary.json").read_text())["figures"]["database"] == \
        f"{SEEDS + 1} runs ({SEEDS} earlier, 1 added)"


def test_killed_worker_run_retried_and_counted_once(tmp_path) -> None:
    out = tmp_path / "killed"
    with LoopbackCluster(2, timeout=60) as lc:
        proc = subprocess.Popen([sys.executable, "-m", "tb.tools.regress", *ARGS, "--out", str(out), "--scheduler", lc.address],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            # Kill the first worker seen running a simulator (or its build): mid-run.
            victim = None
            deadline = time.monotonic() + 90
            while victim is None and time.monotonic() < deadline and proc.poll() is None:
                for w in lc.workers:
                    try:
                        busy = psutil.Process(w.pid).children(recursive=True)
                    except psutil.NoSuchProcess:
                        busy = []
                    if busy:
                        victim = w
                        break
                time.sleep(0.05)
            assert victim is not None, "no worker was seen running a seed"
            lc.kill_worker(victim)
            stdout, _ = proc.communicate(timeout=RUN_TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        survivor = next(w for w in lc.workers if w is not victim)
    # The killed run's private folder (a lost machine would take it along).
    for leftover in (ROOT / "build" / "verilator" / f"{CONFIG}-cov" / "runs").glob(f"regress-seed*-{victim.pid}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    assert proc.returncode == 0, stdout[-6000:]
    summary = json.loads((out / "summary.json").read_text())
    assert [(r["config"], r["seed"]) for r in summary["rows"]] == [(CONFIG, FIRST_SEED + i) for i in range(SEEDS)]
    assert all(r["ok"] for r in summary["rows"]) and summary["figures"]["seeds passed"] == f"{SEEDS}/{SEEDS}"
    # One progress line per seed, no duplicate; both runs finished on the surviving worker.
    for i in range(SEEDS):
        assert stdout.count(f"PASS  {CONFIG}-{FIRST_SEED + i} ") == 1, stdout
    assert "FAIL" not in stdout
    pids = [json.loads((seed_dir(out, CONFIG, FIRST_SEED + i) / "result.json").read_text())["pid"] for i in range(SEEDS)]
    assert pids == [survivor.pid] * SEEDS
    assert len(list(ET.parse(out / "junit.xml").getroot().iter("testcase"))) == SEEDS


def test_loopback_waits_for_a_whole_scheduler_file(tmp_path, monkeypatch) -> None:
    """The scheduler writes its file while the cluster may already read it: an empty
    or half-written file is read again, not taken (it once failed CI with a JSON error)."""
    lc = LoopbackCluster(0, timeout=10, workdir=tmp_path)
    lc.scheduler_file.write_text("")  # created, not yet written
    address = "tcp://127.0.0.1:12345"

    class Running:  # the scheduler process, still up
        pid = 0

        @staticmethod
        def poll():
            return None

    def spawn(_args, _log):
        def write() -> None:
            time.sleep(0.3)
            lc.scheduler_file.write_text('{"address": "tcp://127.0.0.1:1')  # half of it
            time.sleep(0.3)
            lc.scheduler_file.write_text(json.dumps({"address": address}))

        threading.Thread(target=write, daemon=True).start()
        return Running()

    monkeypatch.setattr(lc, "_spawn", spawn)
    monkeypatch.setattr(lc, "wait_for_workers", lambda n, deadline: None)
    assert lc.start().address == address


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
