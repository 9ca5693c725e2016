"""One task of the regression: one (configuration, seed) run, and where its result goes.

``run_seed`` runs on a Dask worker (or in a pytest-xdist item, ``--scheduler xdist``):
it builds the configuration's Verilator coverage build unless an up-to-date one
exists (``runner.build``: a file lock and a stamp, so once per worker machine, or
once for all workers sharing a build folder), runs every cocotb test of
``tb/tests/msix_tests.py`` with the functional model sampled, and returns
everything the report needs *as data*: pass/fail, the tests, requests simulated,
reproduce commands, the log tail and the bytes of ``functional.xml``,
``coverage.dat``, ``closure-*.json`` and ``stats.json``. Nothing has to be on a
shared disk: its private run folder is deleted once read.

A failing DUT is a returned result (``ok: False``), never an exception, so Dask
never retries it; only a run whose worker died is run again (elsewhere).

``store`` writes a returned result into the client's database
(``<out>/runs/<config>/seed<seed>/``), which the report reads.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import traceback
import uuid
from pathlib import Path
from typing import Optional

SIM = "verilator"
#: Files of a run folder that the report reads (code coverage, functional coverage, closure curves, request count).
FILES = ("coverage.dat", "functional.xml", "closure-random.json", "closure-cov.json", "stats.json")
LOG_TAIL_LINES = 80
#: Environment of a Dask worker that its simulators must not inherit.
SIM_ENV_DROP = ("MALLOC_TRIM_THRESHOLD_",)
LOG_TAIL_CHARS = 16000


def _tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])[-LOG_TAIL_CHARS:]


def run_seed(config: str, seed: int, closure_ops: Optional[int] = None, tests: Optional[str] = None) -> dict:
    """Run ``config`` with ``seed`` on the coverage build; the result as a dict (see the module doc)."""
    from ..bindings import CONFIGS
    from . import runner
    from .toolchain import setup_env

    setup_env()
    # A Dask nanny sets MALLOC_TRIM_THRESHOLD_ for its worker; inherited by the simulator
    # (cocotb's Python runs inside it), it costs that run about 15 % of its speed.
    for var in SIM_ENV_DROP:
        os.environ.pop(var, None)
    t0 = time.monotonic()
    cfg = CONFIGS[config]
    base = {"config": config, "seed": seed, "host": socket.gethostname(), "pid": os.getpid(),
            "repro_all": runner.repro_command(SIM, config, seed, functional=True, waves=True)}
    # A private run folder: a retried run never shares one with the run of a dead worker.
    tag = f"regress-seed{seed}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    run_dir = runner.build_dir(SIM, cfg, coverage=True) / "runs" / tag
    try:
        tb = time.monotonic()
        runner.build(SIM, cfg, False, True)
        build_s = time.monotonic() - tb
        res = runner.run(SIM, cfg, seed=seed, coverage=True, tag=tag, waves=False, test=tests or None,
                         extra_env={"MSIX_CLOSURE_OPS": str(closure_ops)} if closure_ops else None)
    except Exception:  # the build or the runner broke: a failed run with its traceback, not a retried task
        msg = traceback.format_exc()
        shutil.rmtree(run_dir, ignore_errors=True)
        return {**base, "ok": False, "passed": [], "failed": ["(simulator error)"], "sim_exit": 1, "ops": 0,
                "wall": time.monotonic() - t0, "build_s": 0.0, "repro": {}, "messages": {"(simulator error)": msg[-4000:]},
                "log_tail": msg[-LOG_TAIL_CHARS:], "files": {}}
    files = {name: (run_dir / name).read_bytes() for name in FILES if (run_dir / name).exists()}
    stats = json.loads(files["stats.json"]) if "stats.json" in files else {"tests": 0, "ops": 0}
    out = {**base, "ok": res.ok, "passed": res.passed, "failed": res.failed, "sim_exit": res.sim_exit,
           "ops": stats["ops"], "wall": time.monotonic() - t0, "build_s": build_s,
           "repro": {t: res.repro(t, waves=True) for t in res.failed},
           "repro_all": res.repro(None, waves=True),
           "messages": {t: res.messages.get(t, "")[:2000] for t in res.failed},
           "log_tail": _tail(run_dir / "sim.log"), "files": files}
    shutil.rmtree(run_dir, ignore_errors=True)
    return out


def seed_dir(out: Path, config: str, seed: int) -> Path:
    """The database folder of one (configuration, seed) in the report folder ``out``."""
    return Path(out) / "runs" / config / f"seed{seed}"


def store(out: Path, result: dict) -> Path:
    """Write a ``run_seed`` result into ``seed_dir``: its files, ``sim-tail.log`` and ``result.json``."""
    d = seed_dir(out, result["config"], result["seed"])
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True, exist_ok=True)
    for name, data in result.get("files", {}).items():
        (d / name).write_bytes(data)
    (d / "sim-tail.log").write_text(result.get("log_tail", ""))
    (d / "result.json").write_text(json.dumps({k: v for k, v in result.items() if k not in ("files", "log_tail")}, indent=1))
    return d
