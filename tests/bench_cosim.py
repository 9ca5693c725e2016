"""Benchmark of ``make bench``: co-simulation throughput against a no-Python limit,
the golden model, Icarus vs Verilator, build times, regression wall time, the
RTL's message rate and latency, and its area. Not a test: it prints figures.

    make bench                      # or: .venv/bin/python tests/bench_cosim.py
    .venv/bin/python tests/bench_cosim.py --ops 30000 --no-area --no-builds

Prints one Markdown table and writes it to ``build/bench/bench.md`` (and the
raw figures to ``build/bench/bench.json``). Each figure comes from one run on
this machine, measured one after the other (nothing else runs meanwhile),
except the area, which ``rtl/synth/area.py`` reuses while the RTL is unchanged.

What is measured (seed 1, configuration ``n8`` unless said otherwise):

* co-simulation: ``random_mix`` with ``MSIX_RANDOM_OPS`` random operations and
  no back-pressure (``traffic=none``), mixes ``mix`` (writes, reads, notifies,
  masks, config, use, FLR) and ``notify`` (notify-heavy), full scoreboard; and
  mix ``mix`` under the ``long`` traffic shape (long idle gaps and stalls). The
  figures are the testbench's own line ("N requests committed, ... cycles,
  wall"): from reset release to the end of the final checks, simulator start-up
  and Python imports excluded. A request is one committed bus operation.
* the reference: the same runs on the testbench of commit ``REFERENCE`` (the
  last one before the event-driven cycle engine), exported from git into
  ``build/bench/reference/`` and run in the same bench run, so that every
  speed-up is a ratio measured on the same machine at the same time. Both must
  commit the same requests and TLPs in the same cycles. The machine's load moves
  one run's figure by up to a half, and load only ever adds time, so each
  figure and its reference run ``--repeat`` times in turn (now, reference,
  now, ...): the report gives the fastest run of each (their ratio is the
  figure), the median, and the range of the pairs' ratios.
* profiles: cProfile (cocotb's ``COCOTB_ENABLE_PROFILING``) of the ``mix`` runs,
  reference and now; the top entries by own time go in the report, and the
  Python function calls per request: a count, which the machine's load does
  not move, so that it shows a change of the testbench's work when the times
  are noisy.
* the limit: the same run, recorded by ``tb/tools/bench_limit/msix_stim_recorder.sv``
  (every input of the block at every rising edge), replayed into the same RTL
  by the Verilator C++ driver ``tb/tools/bench_limit/msix_replay.cpp``; it must commit
  the same requests and TLPs in the same cycles. One replay pass takes
  milliseconds, so the driver repeats it for at least ``--limit-seconds`` and
  reports its median pass; the bench runs it 5 times and doubles that time
  until the 5 figures spread less than 10 % (or a run takes 8 s).
* the golden model alone: ``tests/bench_model.py``'s stream, 8 vectors.
* Icarus: the ``mix`` run on Icarus 11.
* build time: a fresh build of every configuration on both simulators.
* regression wall time: ``make regress`` with a fixed ``SEEDS`` (when the target exists), and
  its runs per minute on the same seeds, one after the other: a Dask LocalCluster
  (the default), the former pytest-xdist scheduling (``SCHEDULER=xdist``), and a Dask
  scheduler + two worker processes on 127.0.0.1 (``SCHEDULER=tcp://...``), builds ready.
* RTL: ``tests/bench_rtl.py`` (cycle counts on Verilator).
* area: ``rtl/synth/area.py`` (Yosys, generic and Xilinx 7-series).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "rtl" / "synth"))

from tb.bindings import CONFIGS  # noqa: E402
from tb.env.config import ENV_VAR, MsixConfig  # noqa: E402
from tb.tools import runner  # noqa: E402
from tb.tools.toolchain import setup_env  # noqa: E402

OUT = ROOT / "build" / "bench"
LIMIT = ROOT / "tb" / "tools" / "bench_limit"
SEED = 1
BENCH_CONFIG = CONFIGS["n8"]
RTL_CONFIGS = ("n64_w64", "n2048_w64_trk", "n8_w64_trk_fifo2")
#: The testbench the speed figures are compared with (main before issue 12's cycle engine).
REFERENCE = "eb39952"
TB_LINE = re.compile(
    r"(\d+) requests committed, (\d+) MSI TLPs checked, (\d+) cycles, ([\d.]+) s wall"
)


def _cocotb_env(cfg: MsixConfig, ops: int) -> dict[str, str]:
    return {ENV_VAR: cfg.to_json(), "MSIX_SEED": str(SEED), "MSIX_RANDOM_OPS": str(ops)}


def _mix_test(mix: str, traffic: str = "none") -> str:
    return f"random_mix/mix={mix}/traffic={traffic}"


def _parse_tb_line(log: Path) -> dict:
    match = TB_LINE.search(log.read_text())
    if not match:
        raise RuntimeError(f"no throughput line in {log}")
    requests, tlps, cycles, wall = int(match[1]), int(match[2]), int(match[3]), float(match[4])
    return {"requests": requests, "tlps": tlps, "cycles": cycles, "seconds": wall,
            "ops_per_s": requests / wall, "cycles_per_s": cycles / wall}


# --------------------------------------------------------------------------- co-simulation
def cosim(sim: str, mix: str, ops: int, traffic: str = "none", profile: bool = False) -> dict:
    """One random-mix run with the full scoreboard (the normal runner and build)."""
    env = {"MSIX_RANDOM_OPS": str(ops)} | ({"COCOTB_ENABLE_PROFILING": "1"} if profile else {})
    res = runner.run(sim, BENCH_CONFIG, seed=SEED, test=_mix_test(mix, traffic), tag=f"bench-{mix}-{traffic}",
                     extra_env=env)
    if not res.ok:
        raise RuntimeError(res.summary())
    out = _parse_tb_line(res.xml.parent / "sim.log")
    if profile:
        pstat = res.xml.parent / "cocotb.pstat"
        out["profile"], out["calls"] = profile_top(pstat), profile_calls(pstat)
    return out


def reference_tree() -> Path:
    """The reference testbench, exported from git (the same RTL and model)."""
    ref = OUT / "reference" / REFERENCE
    if not (ref / "tb").is_dir():
        ref.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", REFERENCE], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(ref)], input=archive, check=True)
    return ref


def cosim_reference(mix: str, ops: int, traffic: str = "none", profile: bool = False) -> dict:
    """The same run on the reference testbench (its own runner and build folder)."""
    ref = reference_tree()
    env = dict(os.environ, MSIX_RANDOM_OPS=str(ops), SEED=str(SEED), PYTHONPATH=str(ref))
    if profile:
        env["COCOTB_ENABLE_PROFILING"] = "1"
    proc = subprocess.run([sys.executable, "-m", "tb.tools.runner", "--sim", "verilator", "--config",
                           BENCH_CONFIG.name, "--test", _mix_test(mix, traffic)],
                          cwd=ref, env=env, capture_output=True, text=True)
    log = OUT / f"reference-{mix}-{traffic}.log"
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"reference run failed, see {log}")
    out = _parse_tb_line(log)
    if profile:
        pstat = ref / "build" / "verilator" / BENCH_CONFIG.name / "runs" / "cli" / "cocotb.pstat"
        out["profile"], out["calls"] = profile_top(pstat), profile_calls(pstat)
    return out


def fastest_run(runs: list[dict]) -> dict:
    """The fastest of repeated runs of one stream (each must do the same work: load only adds
    time), with every run's seconds and their median."""
    first = runs[0]
    for x in runs[1:]:
        if (x["requests"], x["tlps"], x["cycles"]) != (first["requests"], first["tlps"], first["cycles"]):
            raise RuntimeError(f"repeated runs of one stream differ: {first} vs {x}")
    out = dict(min(runs, key=lambda x: x["seconds"]))
    out["runs_s"] = [x["seconds"] for x in runs]
    out["median_s"] = sorted(out["runs_s"])[len(runs) // 2]
    return out


def paired(now, ref, repeat: int) -> tuple[dict, Optional[dict]]:
    """``now()`` and ``ref()`` (None: no reference) run ``repeat`` times in turn; the fastest of each,
    the reference's with the range of the pair ratios now / reference (``pair_ratios``)."""
    a, b = [], []
    for _ in range(repeat):
        a.append(now())
        if ref is not None:
            b.append(ref())
    m = fastest_run(a)
    if not b:
        return m, None
    r = fastest_run(b)
    r["pair_ratios"] = [y["seconds"] / x["seconds"] for x, y in zip(a, b)]  # same work: time ratio = speed ratio
    return m, r


def _ratio_text(now: dict, ref: dict, key: str) -> str:
    """``now / reference = 1.85x`` (fastest runs) with the medians' ratio and the range of the pairs' ratios."""
    text = f"**now / reference = {now[key] / ref[key]:.2f}x**"
    pr = ref.get("pair_ratios", [])
    if len(pr) > 1:
        text += (f" (fastest of {len(pr)} runs each, taken in turn; medians {ref['median_s'] / now['median_s']:.2f}x; "
                 f"pairs {min(pr):.2f}x–{max(pr):.2f}x)")
    return text


def _seconds_text(x: dict) -> str:
    runs = x.get("runs_s", [])
    return f"{x['seconds']:.2f} s" + (f" (fastest of {len(runs)}: {min(runs):.2f}–{max(runs):.2f} s, median "
                                      f"{x['median_s']:.2f} s)" if len(runs) > 1 else "")


def profile_top(pstat: Path, n: int = 8) -> list[dict]:
    """The top ``n`` functions of a cProfile dump by own time."""
    import pstats

    st = pstats.Stats(str(pstat))
    total = st.total_tt
    rows = []
    for (file, line, func), (_cc, ncalls, tottime, cumtime, _) in sorted(
            st.stats.items(), key=lambda kv: -kv[1][2])[:n]:
        where = file.split("site-packages/")[-1] if "site-packages/" in file else os.path.relpath(file, ROOT) \
            if file.startswith(str(ROOT)) else file
        rows.append({"function": f"{where}:{line}({func})", "calls": ncalls, "own_s": tottime, "cum_s": cumtime,
                     "share": tottime / total if total else 0.0})
    return rows


def profile_calls(pstat: Path) -> int:
    """Python function calls of a profiled run: the same stream makes the same calls, whatever the load."""
    import pstats

    return pstats.Stats(str(pstat)).total_calls


def _cocotb_run(build_dir: Path, test_module: str, test_dir: Path, env: dict, plusargs=(), test_filter=None) -> None:
    """Run a cocotb module on an existing Verilator build; raises unless every test passed."""
    from cocotb_tools.runner import get_runner

    test_dir.mkdir(parents=True, exist_ok=True)
    xml = test_dir / "results.xml"
    get_runner("verilator").test(
        test_module=test_module, hdl_toplevel=runner.hdl_toplevel(build_dir, BENCH_CONFIG), hdl_toplevel_lang="verilog",
        build_dir=build_dir, test_dir=test_dir, seed=SEED, extra_env=env, plusargs=list(plusargs),
        test_filter=test_filter, results_xml=str(xml), timescale=runner.TIMESCALE, log_file=test_dir / "sim.log",
    )
    res = runner.parse_results(xml, "verilator", "bench", SEED)
    if not res.ok:
        raise RuntimeError(f"{test_module} failed, see {test_dir / 'sim.log'}")


# --------------------------------------------------------------------------- the limit
def record_stimulus(mix: str, ops: int) -> Path:
    """Rerun the co-simulation on a build with the stimulus recorder bound in."""
    from cocotb_tools.runner import get_runner

    build_dir = OUT / "record" / BENCH_CONFIG.name
    get_runner("verilator").build(
        sources=runner.sources(BENCH_CONFIG) + [LIMIT / "msix_stim_recorder.sv"],
        hdl_toplevel=BENCH_CONFIG.binding_def().toplevel,
        parameters=BENCH_CONFIG.parameters(), build_args=runner._build_args("verilator", False),
        build_dir=build_dir, always=False, timescale=runner.TIMESCALE, log_file=build_dir / "build.log",
    )
    stim = OUT / f"stim-{mix}.txt"
    _cocotb_run(build_dir, runner.TEST_MODULE, build_dir / "runs" / mix, _cocotb_env(BENCH_CONFIG, ops),
                plusargs=[f"+msix_stim={stim}"], test_filter=r"(^|\.)" + re.escape(_mix_test(mix)) + "$")
    return stim


def build_replay(cfg: MsixConfig) -> tuple[Path, float]:
    """Build the C++ replay driver with the same RTL and parameters; (binary, seconds)."""
    mdir = OUT / "limit" / cfg.name
    shutil.rmtree(mdir, ignore_errors=True)
    mdir.mkdir(parents=True)
    params = [f"-G{k}={v}" for k, v in cfg.parameters().items()]
    cmd = ["verilator", "--cc", "--exe", "--build", "-O3", "-Wno-fatal", "-Wno-DECLFILENAME", "-j", "2",
           "--top-module", cfg.binding_def().toplevel, "--Mdir", str(mdir), "-o", "msix_replay", *params,
           *map(str, runner.sources(cfg)), str(LIMIT / "msix_replay.cpp")]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"C++ replay build failed:\n{proc.stderr[-3000:]}")
    return mdir / "msix_replay", time.perf_counter() - start


def replay(binary: Path, stim: Path, min_seconds: float = 0.5, runs: int = 5, max_spread: float = 0.10) -> dict:
    """The limit: ``runs`` runs of the replay driver (each repeating the stream for
    ``min_seconds``); doubles ``min_seconds`` until the figures spread < ``max_spread``."""
    while True:
        figures = []
        for _ in range(runs):
            out = subprocess.run([str(binary), str(stim), str(min_seconds)], check=True, capture_output=True,
                                 text=True).stdout
            fields = dict(kv.split("=") for kv in out.split())
            figures.append(fields)
        per_pass = sorted(float(f["median"]) for f in figures)  # each run's median pass
        median = per_pass[len(per_pass) // 2]
        spread = (per_pass[-1] - per_pass[0]) / median
        if spread < max_spread or min_seconds >= 8:
            break
        min_seconds *= 2
    r = {k: int(figures[0][k]) for k in ("cycles", "requests", "tlps")}
    r.update(seconds=median, spread=spread, passes=int(figures[0]["passes"]), min_seconds=min_seconds, runs=runs)
    r["ops_per_s"] = r["requests"] / r["seconds"]
    r["cycles_per_s"] = r["cycles"] / r["seconds"]
    return r


# --------------------------------------------------------------------------- others
def model_ops_per_s(ops: int) -> float:
    from tests.bench_model import run as run_model

    return run_model(8, ops, SEED)


def build_times() -> list[dict]:
    """A fresh build of every configuration on both simulators, one at a time."""
    from cocotb_tools.runner import get_runner

    rows = []
    for sim in runner.SIMS:
        for cfg in CONFIGS.values():
            build_dir = OUT / "builds" / sim / cfg.name
            shutil.rmtree(build_dir, ignore_errors=True)
            start = time.perf_counter()
            get_runner(sim).build(
                sources=runner.sources(cfg), hdl_toplevel=cfg.binding_def().toplevel, parameters=cfg.parameters(),
                build_args=runner._build_args(sim, False), build_dir=build_dir, always=True,
                timescale=runner.TIMESCALE, log_file=build_dir / "build.log",
            )
            rows.append({"sim": sim, "config": cfg.name, "seconds": time.perf_counter() - start})
    return rows


_RUNS_LINE = re.compile(r"^regress: (\d+) runs in ([\d.]+) s \(([\d.]+) runs/min\)", re.M)


def _regress(seeds: int, configs: str, scheduler: str, tag: str) -> dict:
    cmd = ["make", "regress", f"SEEDS={seeds}", f"CONFIGS={configs}", "REGRESS_ARGS=--no-coverage-gate"]
    start = time.perf_counter()
    env = dict(os.environ, REGRESS_OUT=str(OUT / f"regress{tag}"), SCHEDULER=scheduler)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    (OUT / f"regress{tag}.log").write_text(proc.stdout + proc.stderr)
    verdicts = [" ".join(line.split()) for line in proc.stdout.splitlines()
                if line.startswith(("seeds passed", "COVERAGE TARGETS", "FAILING SEEDS"))]
    m = _RUNS_LINE.search(proc.stdout)
    return {"command": " ".join(([f"SCHEDULER={scheduler}"] if scheduler else []) + cmd), "seconds": seconds,
            "exit": proc.returncode, "verdict": "; ".join(verdicts), "log": str((OUT / f"regress{tag}.log").relative_to(ROOT)),
            "runs": int(m.group(1)) if m else 0, "runs_s": float(m.group(2)) if m else 0.0,
            # Of the whole command (start-up, runs, merges, reports): what a user waits for.
            "runs_per_min": 60.0 * int(m.group(1)) / seconds if m else 0.0}


def regression(seeds: int, configs: str) -> dict:
    """Wall time of ``make regress SEEDS=<seeds> CONFIGS=<configs>`` and its runs per
    minute on a LocalCluster, on pytest-xdist and on two loopback Dask workers.

    A subset of configurations cannot close every coverage target, so these
    timing runs skip the coverage gate and write their reports under build/bench/.
    The coverage builds are made first, so that every figure is of the runs alone.
    """
    from tb.tools.regress_loopback import LoopbackCluster

    for name in configs.split(","):
        runner.build("verilator", CONFIGS[name], False, True)
    out = _regress(seeds, configs, "", "")
    out["xdist"] = _regress(seeds, configs, "xdist", "-xdist")
    with LoopbackCluster(2, timeout=120) as lc:
        out["two_workers"] = _regress(seeds, configs, lc.address, "-2workers")
    return out


def rtl_figures(name: str) -> dict:
    cfg = CONFIGS[name]
    build_dir = runner.build("verilator", cfg)
    out = OUT / f"rtl-{name}.json"
    out.unlink(missing_ok=True)
    env = _cocotb_env(cfg, 0) | {"MSIX_BENCH_OUT": str(out)}
    _cocotb_run(build_dir, "tests.bench_rtl", OUT / "rtl" / name, env)
    return json.loads(out.read_text())


# --------------------------------------------------------------------------- report
def _n(x: float) -> str:
    return f"{x:,.0f}"


def report(r: dict, ops: int) -> str:
    cmd = f"MSIX_RANDOM_OPS={ops} SEED={SEED} make cosim CONFIG={BENCH_CONFIG.name} TEST=random_mix/mix=<mix>/traffic=none"
    rows = []
    add = lambda what, figure, note="": rows.append(f"| {what} | {figure} | {note} |")  # noqa: E731
    same_run = lambda a, b: (a["requests"], a["tlps"], a["cycles"]) == (b["requests"], b["tlps"], b["cycles"])  # noqa: E731

    def same_text(a: dict, b: dict) -> str:
        if same_run(a, b):
            return "same requests, TLPs and cycles: yes"
        if (a["requests"], a["tlps"]) == (b["requests"], b["tlps"]):
            # a758df6: the final readback runs without the shape's idle gaps (its reads are the same)
            return (f"same requests and TLPs: yes; {a['cycles']:,} cycles against {b['cycles']:,} "
                    "(the final readback has no idle gaps since `a758df6`)")
        return "same requests, TLPs and cycles: NO"
    for mix in ("mix", "notify"):
        c, lim, ref = r["cosim"][mix], r["limit"][mix], r.get("reference", {}).get(mix)
        # The recorder also logs the rising edge at time 0, which the testbench's cycle count omits.
        same = (c["requests"], c["tlps"], c["cycles"] + 1) == (lim["requests"], lim["tlps"], lim["cycles"])
        add(f"co-simulation, Verilator, full scoreboard, mix `{mix}`",
            f"**{_n(c['ops_per_s'])} ops/s**, {_n(c['cycles_per_s'])} cycles/s",
            f"{c['requests']:,} requests, {c['tlps']:,} TLPs, {c['cycles']:,} cycles in {_seconds_text(c)}")
        if ref:
            add(f"reference testbench ({REFERENCE}), same run, mix `{mix}`",
                f"{_n(ref['ops_per_s'])} ops/s, {_n(ref['cycles_per_s'])} cycles/s",
                f"{_ratio_text(c, ref, 'ops_per_s')}; {same_text(c, ref)}")
        add(f"limit: C++ replay of the same stream, mix `{mix}`",
            f"**{_n(lim['ops_per_s'])} ops/s**, {_n(lim['cycles_per_s'])} cycles/s",
            f"{lim['requests']:,} requests, {lim['tlps']:,} TLPs, {lim['seconds'] * 1e3:.2f} ms per pass "
            f"(median of {lim['runs']} runs' median passes, {lim['passes']} passes a run, spread {lim['spread']:.1%}); "
            f"same requests, TLPs and cycles as the co-simulation: {'yes' if same else 'NO'}")
        add(f"ratio co-simulation / limit, mix `{mix}`", f"1 : {lim['ops_per_s'] / c['ops_per_s']:,.0f}",
            f"reference 1 : {lim['ops_per_s'] / ref['ops_per_s']:,.0f}" if ref else "")
    lg, lref = r.get("long"), r.get("reference", {}).get("long")
    if lg:
        add("co-simulation, Verilator, mix `mix`, traffic `long` (idle gaps, stalls)",
            f"**{_n(lg['cycles_per_s'])} cycles/s**, {_n(lg['ops_per_s'])} ops/s",
            f"{lg['requests']:,} requests, {lg['tlps']:,} TLPs, {lg['cycles']:,} cycles in {_seconds_text(lg)}")
        if lref:
            add(f"reference testbench ({REFERENCE}), traffic `long`",
                f"{_n(lref['cycles_per_s'])} cycles/s, {_n(lref['ops_per_s'])} ops/s",
                f"{_ratio_text(lg, lref, 'cycles_per_s')}; {same_text(lg, lref)}")
    for traffic, c in r.get("calls", {}).items():
        ref = c.get("reference")
        add(f"Python function calls (cProfile), mix `mix`, traffic `{traffic}`",
            f"**{c['now'] / c['requests']:,.0f} per request** ({c['now']:,} for {c['requests']:,} requests)",
            f"reference {ref / c['requests']:,.0f} per request: **{ref / c['now']:.2f}x fewer**; a count, "
            "not a time, so the machine's load does not move it" if ref else "no reference run")
    ic, vc = r["icarus"], r["cosim"]["mix"]
    add("co-simulation, Icarus 11, mix `mix`", f"**{_n(ic['ops_per_s'])} ops/s**, {_n(ic['cycles_per_s'])} cycles/s",
        f"Verilator / Icarus = {vc['ops_per_s'] / ic['ops_per_s']:.2f}")
    add("golden model alone (8 vectors)", f"**{_n(r['model_ops_per_s'])} ops/s**",
        "`make bench-model` stream, no simulator")
    for b in r.get("builds", []):
        add(f"build, {b['sim']}, `{b['config']}`", f"{b['seconds']:.2f} s", "fresh build (cocotb runner)")
    if "limit_build_s" in r:
        add("build, C++ limit driver (`n8`)", f"{r['limit_build_s']:.1f} s", "verilator --exe --build")
    reg = r.get("regression")
    if reg:
        add(f"regression wall time, `{reg['command']}`", f"{reg['seconds']:.0f} s",
            f"exit {reg['exit']}{': ' + reg['verdict'] if reg['verdict'] else ''} (log: {reg.get('log', 'regress.log')})")
        if "two_workers" in reg:
            x, w = reg["xdist"], reg["two_workers"]
            add("regression runs per minute: local LocalCluster vs two workers (scheduler + 2 workers on 127.0.0.1)",
                f"**{reg['runs_per_min']:.2f} vs {w['runs_per_min']:.2f} runs/min**",
                f"same {reg['runs']} runs, builds ready, per minute of the whole command: LocalCluster of "
                f"{os.cpu_count()} workers {reg['seconds']:.1f} s (runs alone {reg['runs_s']:.1f} s), `dask scheduler` + "
                f"2 `dask worker` {w['seconds']:.1f} s (runs alone {w['runs_s']:.1f} s, exit {w['exit']})")
            add("regression runs per minute: former pytest-xdist scheduling (`SCHEDULER=xdist`)",
                f"{x['runs_per_min']:.2f} runs/min",
                f"same runs: {x['seconds']:.1f} s (pytest alone {x['runs_s']:.1f} s, exit {x['exit']}); "
                f"LocalCluster / xdist = {reg['runs_per_min'] / x['runs_per_min']:.2f}" if x["runs_per_min"] else "no figure")
    else:
        add("regression wall time", "not measured", "`--no-regress`")
    for x in r.get("rtl", []):
        tag = f"`{x['config']}` ({x['vectors']} vectors, MSG_FIFO_DEPTH={x['msg_fifo_depth']})"
        lat = x["notify_to_tlp_valid_cycles"]
        add(f"RTL notify → tlp_valid, {tag}", f"{lat['max']} cycles" + ("" if lat["min"] == lat["max"] else f" (min {lat['min']})"),
            "notify handshake edge to the first edge with tlp_valid high")
        b, w = x["notify_burst"], x["release_walk"]
        add(f"RTL back-to-back notifies, {tag}", f"{b['tlps_per_cycle']:.3f} TLP/cycle",
            f"{b['tlps']} TLPs in {b['cycles']} cycles")
        add(f"RTL release of all pending vectors (MASKALL 1→0), {tag}", f"{w['tlps_per_cycle']:.3f} TLP/cycle",
            f"{w['tlps']} TLPs in {w['cycles']} cycles; config write → first tlp_valid "
            f"{w['cfg_write_to_first_tlp_valid_cycles']} cycles")
    for a in r.get("area", []):
        add(f"area, Yosys `{a['target']}`, {a['vectors']} vectors",
            f"{a['ramb36']} RAMB36E1, {a['ramb18']} RAMB18E1, {a['luts']:,} LUTs, {a['ffs']:,} FFs"
            if a["target"] == "xc7" else f"{a['luts']:,} LUT6, {a['ffs']:,} FFs, {a['memory_bits']:,} memory bits",
            f"{a['memory_bits']:,} memory bits; " + area_memory_text(a)
            + (f"; {a['lutram']} LUT-RAM cells" if a["lutram"] else "") + ("; cached" if a.get("cached") else ""))
    profiles = []
    for what, prof in r.get("profiles", {}).items():
        profiles += ["", f"Profile, {what} (cProfile, top entries by own time):", "",
                     "| function | calls | own s | share | cumulative s |", "|---|---|---|---|---|"]
        profiles += [f"| `{p['function']}` | {p['calls']:,} | {p['own_s']:.3f} | {p['share']:.1%} | {p['cum_s']:.3f} |"
                     for p in prof]
    head = [
        f"# make bench ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()})",
        "",
        f"Co-simulation command: `{cmd}`",
        "",
        "| measurement | figure | detail |",
        "|---|---|---|",
    ]
    return "\n".join(head + rows + profiles) + "\n"


def area_memory_text(a: dict) -> str:
    from area import memory_text

    return memory_text(a)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=30000, help="MSIX_RANDOM_OPS of the random-mix runs")
    p.add_argument("--long-ops", type=int, default=10000, help="MSIX_RANDOM_OPS of the traffic=long runs")
    p.add_argument("--profile-ops", type=int, default=5000, help="MSIX_RANDOM_OPS of the profiled runs")
    p.add_argument("--limit-seconds", type=float, default=0.5, help="least time of one C++ replay run")
    p.add_argument("--no-reference", action="store_true", help=f"skip the reference testbench ({REFERENCE})")
    p.add_argument("--repeat", type=int, default=5,
                   help="runs of each co-simulation figure and its reference, in turn (the fastest are reported)")
    p.add_argument("--model-ops", type=int, default=300_000)
    p.add_argument("--seeds", type=int, default=2, help="SEEDS of `make regress`")
    p.add_argument("--regress-configs", default="n8,n65_trk", help="CONFIGS of `make regress`")
    p.add_argument("--no-builds", action="store_true", help="skip the fresh builds of every configuration")
    p.add_argument("--no-area", action="store_true", help="skip the Yosys area runs")
    p.add_argument("--no-regress", action="store_true", help="skip `make regress`")
    a = p.parse_args(argv)
    if a.repeat < 1:
        p.error("--repeat must be at least 1")
    setup_env()
    OUT.mkdir(parents=True, exist_ok=True)
    r: dict = {"ops": a.ops, "seed": SEED}

    step = lambda what: print(f"bench: {what} ...", file=sys.stderr, flush=True)  # noqa: E731
    step("building the co-simulation (n8, both simulators)")
    for sim in runner.SIMS:
        runner.build(sim, BENCH_CONFIG)
    r["cosim"], r["limit"], r["reference"], r["profiles"] = {}, {}, {}, {}
    against = "" if a.no_reference else f" and on the reference testbench {REFERENCE}, in turn"
    for mix in ("mix", "notify"):
        step(f"co-simulation, Verilator, mix {mix}, {a.repeat} times{against}")
        r["cosim"][mix], ref = paired(lambda: cosim("verilator", mix, a.ops),
                                      None if a.no_reference else (lambda: cosim_reference(mix, a.ops)), a.repeat)
        if ref:
            r["reference"][mix] = ref
    step(f"co-simulation, Verilator, mix mix, traffic long, {a.repeat} times{against}")
    r["long"], ref = paired(lambda: cosim("verilator", "mix", a.long_ops, "long"),
                            None if a.no_reference else (lambda: cosim_reference("mix", a.long_ops, "long")), a.repeat)
    if ref:
        r["reference"]["long"] = ref
    step("profiles (cProfile)")
    r["calls"] = {}
    for traffic in ("none", "long"):
        now = cosim("verilator", "mix", a.profile_ops, traffic, profile=True)
        r["profiles"][f"now, mix `mix`, traffic `{traffic}`"] = now["profile"]
        r["calls"][traffic] = {"now": now["calls"], "requests": now["requests"]}
        if not a.no_reference:
            ref = cosim_reference("mix", a.profile_ops, traffic, profile=True)
            r["profiles"][f"reference {REFERENCE}, mix `mix`, traffic `{traffic}`"] = ref["profile"]
            r["calls"][traffic]["reference"] = ref["calls"]
    step("co-simulation, Icarus, mix mix")
    r["icarus"] = cosim("icarus", "mix", a.ops)
    step("limit: C++ replay driver")
    binary, r["limit_build_s"] = build_replay(BENCH_CONFIG)
    for mix in ("mix", "notify"):
        stim = record_stimulus(mix, a.ops)
        r["limit"][mix] = replay(binary, stim, a.limit_seconds)
    step("golden model")
    r["model_ops_per_s"] = model_ops_per_s(a.model_ops)
    step("RTL rate and latency")
    r["rtl"] = [rtl_figures(name) for name in RTL_CONFIGS]
    if not a.no_builds:
        step("fresh builds of every configuration")
        r["builds"] = build_times()
    if not a.no_regress:
        step("regression")
        r["regression"] = regression(a.seeds, a.regress_configs)
    if not a.no_area:
        step("area (Yosys; reused while the RTL is unchanged)")
        from area import run_all

        r["area"] = run_all()

    text = report(r, a.ops)
    (OUT / "bench.md").write_text(text)
    (OUT / "bench.json").write_text(json.dumps(r, indent=1))
    print(text)
    print(f"written: {OUT / 'bench.md'}, {OUT / 'bench.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
