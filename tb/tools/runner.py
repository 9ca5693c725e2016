"""Build and run a co-simulation of one configuration (cocotb_tools.runner).

* A configuration names its DUT binding (tb/bindings/): the toplevel, the
  sources and the parameters come from there.
* One build folder per (simulator, configuration): ``build/<sim>/<config>``
  (``-waves`` appended for a waveform build). A build is made once and reused
  by every test and seed; a file lock plus a stamp of the sources and
  parameters make it safe under pytest-xdist and rebuild only when needed.
* Each run gets its own folder (``.../runs/<tag>``), its results XML is parsed
  here: a failing run reports which cocotb tests failed and how to rerun them.

Command line (also ``make cosim``)::

    python -m tb.tools.runner --sim verilator --config n8 [--test NAME] [--seed N] [--waves] [--fault NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shlex
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..bindings import CONFIGS, MUST_FAIL
from ..env.config import ENV_VAR, MsixConfig
from . import tb_top
from .locks import locked

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
RTL = ROOT / "rtl"  # the project's own RTL (code-coverage figures count it)
#: The cocotb modules every run loads (one simulator process runs both).
TEST_MODULE = ["tb.tests.msix_tests", "tb.tests.host_tests"]
SIMS = ("verilator", "icarus")
TIMESCALE = ("1ns", "1ps")


def sources(cfg: MsixConfig) -> list[Path]:
    """The configuration's HDL sources in compile order (from its binding)."""
    return [(ROOT / src).resolve() for src in cfg.binding_def().sources]


#: The seed of a plain ``make test`` (derandomized CI, like the model's hypothesis profile).
DEFAULT_SEED = 1


def pick_seed() -> int:
    """``SEED=<n>`` from the environment; ``SEED=random`` draws a fresh one; default 1.

    Every run prints its seed, and every failure its reproduce command.
    """
    env = os.environ.get("SEED", "").strip()
    if env.lower() == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(env, 0) if env else DEFAULT_SEED


def waves_requested() -> bool:
    return os.environ.get("WAVES", "0") not in ("", "0")


def functional_cov_requested() -> bool:
    """``COV=1``: sample the functional coverage model (tb/msix_cov.py) in this run."""
    return os.environ.get("COV", "0") not in ("", "0")


def build_dir(sim: str, cfg: MsixConfig, waves: bool = False, coverage: bool = False) -> Path:
    """``build/<sim>/<config>``, ``-waves`` for a waveform build, ``-cov`` for a Verilator coverage build."""
    return BUILD / sim / (cfg.name + ("-waves" if waves else "") + ("-cov" if coverage else ""))


def _stamp(sim: str, cfg: MsixConfig, waves: bool, args: list[str]) -> str:  # args include --coverage
    h = hashlib.sha256()
    for src in sources(cfg) + list(tb_top.SOURCES) + [Path(tb_top.__file__)]:
        h.update(src.read_bytes())
    h.update(repr((sim, cfg.parameters(), cfg.defines, waves, args)).encode())
    return h.hexdigest()


#: Code coverage of a ``-cov`` build: line (with branch arms), toggle, expression.
#: Not ``--coverage``: its ``--coverage-fsm`` together with line coverage stops
#: Verilator 5.048 with an internal error (ARRAYSEL in msix_msg_fifo.sv).
COVERAGE_ARGS = ["--coverage-line", "--coverage-toggle", "--coverage-expr"]


#: The testbench reaches only the toplevel's ports (the DUT's and the wrapper's), so
#: only they are public: cocotb's ``--public-flat-rw`` makes every signal writable
#: from outside, and Verilator then evaluates the whole design's combinational logic
#: at every step (at 2048 vectors, a fifth of a run's time).
PUBLIC_ARGS = ["--no-public-flat-rw", "--public-depth", "1"]


def _build_args(sim: str, waves: bool, coverage: bool = False) -> list[str]:
    if sim == "verilator":
        return (["-Wno-fatal", "-Wno-DECLFILENAME", "-O3"] + PUBLIC_ARGS
                + (["--trace-fst", "--trace-structs"] if waves else [])
                + (COVERAGE_ARGS if coverage else []))
    if coverage:
        raise ValueError("code coverage needs Verilator")
    return []


#: Compiler cache of the Verilator builds. Every build compiles the same Verilator
#: and cocotb runtime (verilated.cpp, verilated_vpi.cpp ...: most of a build's CPU
#: time); with ccache (Debian ``ccache``, installed by ``make setup``) only the first
#: build of a fresh clone compiles them.
CCACHE_DIR = BUILD / "ccache"


def _use_ccache() -> None:
    import shutil

    if "OBJCACHE" not in os.environ and shutil.which("ccache"):
        os.environ["OBJCACHE"] = "ccache"  # verilated.mk prefixes every compile with it
        os.environ.setdefault("CCACHE_DIR", str(CCACHE_DIR))


def build(sim: str, cfg: MsixConfig, waves: bool = False, coverage: bool = False) -> Path:
    """Build ``cfg`` for ``sim`` unless an up-to-date build exists; returns the folder."""
    if sim == "verilator":
        from .toolchain import setup_env

        setup_env()
        _use_ccache()
    out = build_dir(sim, cfg, waves, coverage)
    args = _build_args(sim, waves, coverage)
    stamp = _stamp(sim, cfg, waves, args)
    stamp_file = out / ".stamp"
    with locked(out.parent / f".{out.name}.lock"):
        if stamp_file.exists() and stamp_file.read_text() == stamp:
            return out
        out.mkdir(parents=True, exist_ok=True)
        stamp_file.unlink(missing_ok=True)
        # The DUT inside msix_tb_top: its own ports, plus the burst and back-pressure
        # players (tb/tools/tb_top.py). Where Yosys cannot read the RTL for its port
        # list, the DUT is the toplevel and every request plays from Python.
        top = out / f"{tb_top.TOP}.sv"
        top.unlink(missing_ok=True)
        try:
            top.write_text(tb_top.generate(cfg, sources(cfg)))
            extra, toplevel, parameters = list(tb_top.SOURCES) + [top], tb_top.TOP, {}
        except RuntimeError as err:
            print(f"runner: no {tb_top.TOP} for {cfg.name} (every request plays from Python): {err}", file=sys.stderr)
            extra, toplevel, parameters = [], cfg.binding_def().toplevel, cfg.parameters()
        _cocotb_build(sim, out, sources(cfg) + extra, toplevel, args, parameters=parameters,
                      defines={d: 1 for d in cfg.defines}, waves=waves)
        stamp_file.write_text(stamp)
    return out


def _cocotb_build(sim: str, out: Path, srcs: list[Path], toplevel: str, args: list[str], **kw) -> None:
    """cocotb's runner build into ``out`` (the project's timescale, log in ``out/build.log``)."""
    from cocotb_tools.runner import get_runner

    get_runner(sim).build(sources=srcs, hdl_toplevel=toplevel, build_args=args, build_dir=out, always=True,
                          timescale=TIMESCALE, log_file=out / "build.log", **kw)


#: A design of one flop: building it compiles the Verilator and cocotb runtime.
_WARM_SV = """`timescale 1ns/1ps
module msix_toolchain_check (input logic clk, input logic d, output logic q);
  always_ff @(posedge clk) q <= d;
endmodule
"""


def warm_runtime() -> list[Path]:
    """Build a one-flop design with the co-simulation's and the coverage's Verilator
    flags (``make setup``): proves the C++ compiler and cocotb's VPI library work,
    and leaves the runtime every build compiles (about 20 CPU-s each) in ccache."""
    from .toolchain import setup_env

    setup_env()
    _use_ccache()
    outs = []
    for coverage in (False, True):
        out = BUILD / "verilator" / ("_toolchain-cov" if coverage else "_toolchain")
        out.mkdir(parents=True, exist_ok=True)
        src = out / "msix_toolchain_check.sv"
        src.write_text(_WARM_SV)
        with locked(out.parent / f".{out.name}.lock"):
            _cocotb_build("verilator", out, [src], "msix_toolchain_check", _build_args("verilator", False, coverage))
        outs.append(out)
    return outs


def hdl_toplevel(out: Path, cfg: MsixConfig) -> str:
    """The toplevel of the build in ``out``: the wrapper where it was generated, else the DUT."""
    return tb_top.TOP if (out / f"{tb_top.TOP}.sv").exists() else cfg.binding_def().toplevel


@dataclass
class RunResult:
    """Outcome of one simulator run, from its results XML."""

    sim: str
    config: str
    seed: int
    xml: Path
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)
    sim_exit: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.passed) and not self.failed and self.sim_exit == 0

    #: The run sampled functional coverage (a coverage-driven test needs it to reproduce).
    functional: bool = False
    #: The DUT binding and the profile it was checked against.
    profile: str = ""

    def repro(self, test: Optional[str] = None, waves: bool = False) -> str:
        return repro_command(self.sim, self.config, self.seed, test, functional=self.functional, waves=waves)

    def summary(self) -> str:
        lines = [f"{self.sim}/{self.config} SEED={self.seed}: {len(self.passed)} passed, {len(self.failed)} failed"]
        if self.profile:
            lines.append(f"  {self.profile}")
        if self.sim_exit:
            lines.append(f"  simulator exit code {self.sim_exit}")
        for name in self.failed:
            lines.append(f"  FAILED {name}\n    reproduce: {self.repro(name)}")
            msg = self.messages.get(name, "").strip()
            if msg:
                lines.append("    " + msg[:3000].replace("\n", "\n    "))
        return "\n".join(lines)


def repro_command(sim: str, config: str, seed: int, test: Optional[str] = None, *, functional: bool = False,
                  waves: bool = False) -> str:
    base, _, fault = config.partition("-fault_")
    env = [f"SEED={seed}"] + (["COV=1"] if functional else []) + (["WAVES=1"] if waves else [])
    parts = env + ["make cosim", f"SIM={sim}", f"CONFIG={base}"] + ([f"FAULT={fault}"] if fault else [])
    if test:
        parts.append("TEST=" + shlex.quote(test))
    return " ".join(parts)


def parse_results(xml: Path, sim: str, config: str, seed: int, sim_exit: int = 0) -> RunResult:
    res = RunResult(sim, config, seed, xml, sim_exit=sim_exit)
    if not xml.exists():
        return res
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = case.get("name", "?")
        bad = [c for c in case if c.tag in ("failure", "error")]
        if bad:
            res.failed.append(name)
            res.messages[name] = "\n".join(b.get("message") or (b.text or "")[-2000:] for b in bad)
        elif not any(c.tag == "skipped" for c in case):
            res.passed.append(name)
    return res


#: A simulator's Python start-up, paid by every run (``make test`` starts ~90):
#: pytest's assertion rewriting (cocotb's default: every module imported, the
#: libraries too) only for the testbench, whose asserts it explains; and
#: bytecode caches written (also pytest's rewritten ones, under __pycache__/)
#: even where PYTHONDONTWRITEBYTECODE is set, so nothing is re-parsed per run.
STARTUP_ENV = {"COCOTB_REWRITE_ASSERTION_FILES": str(ROOT / "tb" / "*.py"), "PYTHONDONTWRITEBYTECODE": ""}


def run(
    sim: str,
    cfg: MsixConfig,
    *,
    seed: Optional[int] = None,
    test: Optional[str] = None,
    waves: Optional[bool] = None,
    tag: str = "",
    extra_env: Optional[dict[str, str]] = None,
    quiet: bool = True,
    coverage: bool = False,
    prebuilt: Optional[Path] = None,
    extra_plusargs: tuple[str, ...] = (),
) -> RunResult:
    """Run the cocotb tests (all, or those whose name matches ``test``) on a build of ``cfg``.

    ``coverage=True`` (the regression) runs the Verilator ``--coverage`` build and
    samples the functional model; the run folder then holds ``coverage.dat``
    (code), ``functional.xml`` (functional) and ``stats.json`` (requests simulated).
    ``COV=1`` samples the functional model on the ordinary build. ``prebuilt``
    runs an existing build folder instead (the mutation campaign's netlist,
    tb/tools/mutate_gen.py), with ``extra_plusargs`` (``+mutsel=<k>``).
    """
    from cocotb_tools.runner import get_runner

    seed = pick_seed() if seed is None else seed
    waves = waves_requested() if waves is None else waves
    out = prebuilt or build(sim, cfg, waves, coverage)
    test_dir = out / "runs" / (tag or f"seed{seed}")
    test_dir.mkdir(parents=True, exist_ok=True)
    xml = test_dir / "results.xml"
    for stale in ("coverage.dat", "functional.xml", "stats.json", "closure-random.json", "closure-cov.json", xml.name):
        (test_dir / stale).unlink(missing_ok=True)
    functional = coverage or functional_cov_requested()
    env = {ENV_VAR: cfg.to_json(), "MSIX_SEED": str(seed),
           "MSIX_REPRO": repro_command(sim, cfg.name, seed, functional=functional) + " TEST={test}"}
    env.update(STARTUP_ENV)
    if functional:
        env.update({"MSIX_COV": "1", "MSIX_COV_DIR": str(test_dir)})
    env.update(extra_env or {})
    test_filter = None
    if test:
        # A plain name selects that test under every traffic shape ("notify"), or
        # one variant ("notify/traffic=stall"); anything with regex syntax is used as is.
        plain = not any(c in test for c in "*[]^$|()?+\\")
        test_filter = r"(^|\.)" + re.escape(test) + "(/|$)" if plain else test
    runner = get_runner(sim)
    toplevel = hdl_toplevel(out, cfg)
    plusargs = [f"+dumpfile_path={test_dir / (toplevel + '.fst')}"] if waves and sim == "icarus" else []
    plusargs += list(extra_plusargs)
    sim_exit = 0
    try:
        runner.test(
            test_module=TEST_MODULE,
            hdl_toplevel=toplevel,
            hdl_toplevel_lang="verilog",
            build_dir=out,
            test_dir=test_dir,
            seed=seed,
            extra_env=env,
            waves=waves,
            plusargs=plusargs,
            test_filter=test_filter,
            results_xml=str(xml),
            timescale=TIMESCALE,
            log_file=test_dir / "sim.log" if quiet else None,
        )
    except SystemExit as exc:  # under pytest the runner exits on failure; we report ourselves
        sim_exit = exc.code if isinstance(exc.code, int) else 1
    except RuntimeError:  # the simulator itself exited non-zero
        sim_exit = 1
    res = parse_results(xml, sim, cfg.name, seed, sim_exit)
    res.functional = functional
    b = cfg.binding_def()
    res.profile = f"binding {b.name} ({b.toplevel}): {b.profile.describe()}"
    if res.failed or not res.passed:
        res.sim_exit = res.sim_exit or (0 if res.passed else 1)
    return res


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim", default=os.environ.get("SIM", "verilator"), choices=SIMS)
    p.add_argument("--config", default=os.environ.get("CONFIG", "n8"), choices=sorted(CONFIGS) + sorted(MUST_FAIL))
    p.add_argument("--fault", default=os.environ.get("FAULT") or None,
                   help="a fault define of the binding to build with (MASK_IGNORED, or the whole define)")
    p.add_argument("--test", default=os.environ.get("TEST") or None, help="cocotb test name (or a regex)")
    p.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="default: $SEED (a number or 'random'), else 1")
    p.add_argument("--waves", action="store_true", default=None, help="also: WAVES=1")
    a = p.parse_args(argv)
    cfg = CONFIGS.get(a.config) or MUST_FAIL[a.config]
    if a.fault:
        cfg = cfg.with_fault(cfg.binding_def().fault_define(a.fault))
    res = run(a.sim, cfg, seed=a.seed, test=a.test, waves=a.waves, tag="cli", quiet=False)
    print(res.summary())
    if a.waves or waves_requested():
        fst = "dump.fst" if a.sim == "verilator" else hdl_toplevel(build_dir(a.sim, cfg, True), cfg) + ".fst"
        print(f"waves: {build_dir(a.sim, cfg, True) / 'runs' / 'cli'}/{fst}")
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
