"""One mutant through the co-simulation: the screen, then the rest, stopping at the first failure.

* ``build(pool)``: one Verilator build of a pool's netlist (all its mutants
  behind ``mutsel``), in ``build/mutate/<sim>/<pool>``; stamped, so reused.
* ``screen`` (``SCREEN``): every directed test once, under the ``stall`` traffic
  shape (or ``none`` for those that do not run under it), on the pool's
  configuration: about 2 s, and most mutants die here.
* ``rest``: every other cocotb test of the default co-simulation of that
  configuration (seed 1, default request counts), only for screen survivors.

A run uses the testbench exactly as ``make cosim`` does (``runner.run``), with
``+mutsel=<k>``, ``MSIX_FAILFAST=1`` (the tests after the first failure end at
once) and the test timeouts scaled by ``TIMEOUT_SCALE`` (a mutant that hangs
the DUT fails in about 1 ms of simulated time, not 20; the original design's
longest test takes about 0.3 ms).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from . import runner
from .locks import locked
from .mutate_gen import OUT, MutantId, Pool

SIM = "verilator"
#: Directed tests that do not run under the stall shape (tb/tests/testplan.py).
NO_STALL = ("capability", "bad_access", "axi_aw_w_apart", "contract_timing")
#: cocotb test-name regex of the screen: each directed test once (random mixes are in the rest).
SCREEN = rf"\.[a-z_]+/traffic=stall$|\.({'|'.join(NO_STALL)})/traffic=none$"
#: The rest: every test of the default co-simulation the screen did not run (the
#: coverage-closure tests are skipped there; a filter that names them would force them).
REST = rf"^(?!.*(?:{SCREEN}|\.cov_closure/))"
TIMEOUT_SCALE = 0.05
#: The seed of the default co-simulation (``make cosim``, ``make test``).
SEED = runner.DEFAULT_SEED
BUILD_ARGS = ["-Wno-fatal", "-Wno-DECLFILENAME", "-Wno-lint", "-Wno-style", "-O1"] + runner.PUBLIC_ARGS


def build(pool: Pool, sim: str = SIM) -> Path:
    """Build the pool's netlist for ``sim`` unless an up-to-date build exists; the folder."""
    from cocotb_tools.runner import get_runner

    from .toolchain import setup_env

    setup_env()
    out = OUT / sim / pool.folder.name
    args = BUILD_ARGS if sim == "verilator" else []
    netlist = pool.netlist_for(sim)
    stamp = hashlib.sha256(netlist.read_bytes() + repr((sim, args)).encode()).hexdigest()
    stamp_file = out / ".stamp"
    with locked(out.parent / f".{out.name}.lock"):
        if stamp_file.exists() and stamp_file.read_text() == stamp:
            return out
        out.mkdir(parents=True, exist_ok=True)
        stamp_file.unlink(missing_ok=True)
        get_runner(sim).build(sources=[netlist], hdl_toplevel=pool.cfg.binding_def().toplevel, build_args=args,
                              build_dir=out, always=True, timescale=runner.TIMESCALE, log_file=out / "build.log")
        stamp_file.write_text(stamp)
    return out


@dataclass
class Outcome:
    """What the co-simulation made of one mutant (``index`` 0: the original design)."""

    id: str
    status: str = "survived"  # killed | survived (| equivalent, set by mutate_equiv)
    stage: str = ""  # screen | rest: where it was killed
    killed_by: str = ""  # the first failing test
    message: str = ""  # its first lines
    tests: int = 0  # tests that ran to completion
    seconds: float = 0.0
    note: str = ""  # why a survivor is equivalent or out of reach
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _stage(pool: Pool, out: Path, index: int, tests: str, tag: str, sim: str) -> runner.RunResult:
    env = {"MSIX_FAILFAST": "1", "MSIX_TIMEOUT_SCALE": str(TIMEOUT_SCALE)}
    return runner.run(sim, pool.cfg, seed=SEED, test=tests, waves=False, tag=tag, extra_env=env,
                      prebuilt=out, extra_plusargs=(f"+mutsel={index}",))


def run_mutant(pool: Pool, index: int, out: Optional[Path] = None, sim: str = SIM, screen_only: bool = False,
               screen: str = SCREEN) -> Outcome:
    """Screen, then (if it survives and not ``screen_only``) the rest: the outcome."""
    out = out or build(pool, sim)
    mid = str(MutantId(pool.cfg.name, pool.seed, index)) if index else f"{pool.cfg.name}:original"
    res = Outcome(mid)
    t0 = time.monotonic()
    for stage, tests in (("screen", screen), ("rest", REST)):
        if stage == "rest" and screen_only:
            break
        r = _stage(pool, out, index, tests, f"m{index}-{stage}", sim)
        res.tests += len(r.passed)
        if not r.ok:
            res.status, res.stage = "killed", stage
            res.killed_by = r.failed[0] if r.failed else f"simulator exit {r.sim_exit}"
            msg = r.messages.get(res.killed_by, "") if r.failed else ""
            res.message = "\n".join(msg.strip().splitlines()[:6])[:800]
            break
    res.seconds = round(time.monotonic() - t0, 2)
    return res


def task(config: str, seed: int, index: int) -> dict:
    """One mutant as a Dask task (``make mutate SCHEDULER=...``): the worker makes the pool and
    its build itself (cached and locked, once per machine) and returns the outcome as data."""
    from ..bindings import CONFIGS
    from .mutate_gen import generate

    return run_mutant(generate(CONFIGS[config], seed), index).as_dict()
