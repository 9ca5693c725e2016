"""The coverage-driven regression (``make regress``).

    python -m tb.tools.regress [--seeds 4] [--configs n8,n65_trk] [--jobs N] [--out build/regress]
                               [--scheduler tcp://host:8786] [--append]

1. schedules one Dask task per (configuration, seed) (``tb/tools/regress_dask.py``,
   ``tb/tools/regress_task.py``) on a ``LocalCluster`` of ``--jobs`` workers (the
   coverage builds ``build/verilator/<config>-cov`` made first, here), or on an
   existing Dask scheduler (``--scheduler``, ``SCHEDULER``), whose workers build
   what they need once. Each task runs every cocotb test of ``tb/tests/msix_tests.py``,
   with the functional coverage model sampled, plus the two coverage-closure tests
   (unbiased random, coverage-driven random); its results come back through Dask
   into the database ``<out>/runs/<config>/seed<seed>/`` (``--append`` adds to it);
   a line per finished run (on a terminal also a bar) shows progress; Ctrl-C
   cancels the rest and writes a partial report. ``--scheduler xdist`` is the
   former pytest-xdist scheduling (``regress_items.py``), kept for comparison;
2. merges functional coverage (by bin label, across configurations) and code
   coverage (``verilator_coverage`` + ``genhtml``) over the database;
3. writes to ``--out``: ``junit.xml``, ``summary.json``, ``report.html``
   (bins with hit counts, holes highlighted, link to ``code/html/index.html``),
   ``closure.png`` (coverage against requests, random vs coverage-driven), and
   prints the summary table, every failing seed with the command that reproduces
   it with waves, and the coverage figures.

Exit status: 1 if a seed failed; 2 if a coverage target is missed (functional
100 %, RTL lines >= 95 %, toggles >= 90 %, every unhit code point waived with a
reason) and ``--no-coverage-gate`` was not given; 130 if interrupted (after
the partial report); else 0.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from ..bindings import CONFIGS
from ..env.cov import EXPORT_NAME, merge_exports
from . import regress_codecov as codecov
from . import runner
from .regress_task import seed_dir

SIM = "verilator"
DEFAULT_OUT = runner.BUILD / "regress"
#: The configuration whose closure curves the plot shows (65 vectors, tracking: the richest model).
PLOT_CONFIG = "n65_trk"


#: Configurations above this many vectors are slow with --coverage (2048 vectors:
#: about 100 s a seed): they run --heavy-seeds seeds (default 1), the others --seeds.
HEAVY_NVEC = 256


def plan(configs: list[str], seeds: list[int], heavy_seeds: int) -> list[tuple[str, int]]:
    return [(c, s) for c in configs for s in (seeds[:heavy_seeds] if CONFIGS[c].num_vectors > HEAVY_NVEC else seeds)]


def run_order(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The order of submission: the slow configurations' runs first, then the
    configurations interleaved (seed by seed), so that no core idles at the end
    and the first runs of different configurations build in parallel."""
    rank = {(c, s): sum(1 for c2, s2 in items if c2 == c and s2 < s) for c, s in items}
    return sorted(items, key=lambda i: (CONFIGS[i[0]].num_vectors <= HEAVY_NVEC, rank[i], -CONFIGS[i[0]].num_vectors))


def database(out: Path) -> list[tuple[str, int]]:
    """The (configuration, seed) pairs already in the database of the report folder ``out``."""
    found = []
    for f in sorted((Path(out) / "runs").glob("*/seed*/result.json")):
        config, seed = f.parent.parent.name, f.parent.name.removeprefix("seed")
        if config in CONFIGS and seed.isdigit():
            found.append((config, int(seed)))
    return found


# ---------------------------------------------------------------- running
def build_all(configs: list[str], jobs: int) -> float:
    t0 = time.monotonic()
    from .toolchain import setup_env

    setup_env()
    order = sorted(configs, key=lambda c: -CONFIGS[c].num_vectors)  # the slow builds first
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for f in [pool.submit(runner.build, SIM, CONFIGS[c], False, True) for c in order]:
            f.result()
    return time.monotonic() - t0


def run_items(items: list[tuple[str, int]], jobs: int, out: Path, closure_ops: Optional[int],
              tests: Optional[str] = None) -> int:
    """The former scheduling (``--scheduler xdist``): one pytest item per run over pytest-xdist, same task, same database."""
    env = dict(os.environ)
    env["MSIX_REGRESS_PLAN"] = json.dumps({"items": items, "out": str(out.resolve()), "closure_ops": closure_ops,
                                           "tests": tests})
    env.pop("SEED", None)
    env.pop("TEST", None)
    cmd = [sys.executable, "-m", "pytest", str(Path(__file__).with_name("regress_items.py")), "-p", "tb.tools.regress_progress",
           "-q", "-p", "no:cacheprovider", "--tb=no", "-rN"]
    if jobs > 1:
        cmd += ["-n", str(jobs)]
    return subprocess.run(cmd, env=env, cwd=runner.ROOT).returncode


def run_dask(items: list[tuple[str, int]], configs: list[str], a: argparse.Namespace) -> tuple[float, dict, bool]:
    """Run ``items`` on Dask (a LocalCluster, or ``a.scheduler``). Returns (build seconds, figures, interrupted)."""
    from . import regress_dask

    remote = bool(a.scheduler)
    if remote:
        client, cluster = regress_dask.connect(a.scheduler, a.jobs)
        build_s = 0.0  # each worker builds what it needs (once per machine or shared build folder)
    else:  # the LocalCluster starts while this machine builds (its workers share this build folder)
        with ThreadPoolExecutor(1) as pool:
            starting = pool.submit(regress_dask.connect, "", a.jobs)
            try:
                build_s = build_all(configs, a.jobs)
            except BaseException:
                regress_dask.shutdown(*starting.result())
                raise
            client, cluster = starting.result()
        print(f"regress: coverage builds ready in {build_s:.0f} s", flush=True)
    try:
        workers = client.nthreads()
        where = (f"Dask scheduler {client.scheduler.address}" if remote else "Dask LocalCluster") + \
            f", {len(workers)} workers, {sum(workers.values())} threads"
        print(f"regress: {where}; dashboard: {client.dashboard_link}", flush=True)
        if not workers:
            print("regress: the scheduler has no worker yet; runs wait for one", flush=True)
        outcome = regress_dask.schedule(client, run_order(items), a.out, closure_ops=a.closure_ops, tests=a.tests,
                                        remote=remote)
    finally:
        regress_dask.shutdown(client, cluster)
    n = len(outcome.results)
    rate = 60.0 * n / outcome.seconds if outcome.seconds else 0.0
    print(f"regress: {n} runs in {outcome.seconds:.1f} s ({rate:.1f} runs/min) on {where}", flush=True)
    if remote:
        build_s = max((r.get("build_s", 0.0) for r in outcome.results.values()), default=0.0)
    figures = {"scheduler": where, "runs per minute": f"{rate:.1f} ({n} runs in {outcome.seconds:.0f} s)"}
    if outcome.interrupted:
        figures["interrupted"] = f"partial report: {len(items) - n} of {len(items)} runs not run"
    return build_s, figures, outcome.interrupted


# -------------------------------------------------------------- reporting
def collect(items: list[tuple[str, int]], out: Path) -> list[dict]:
    rows = []
    for c, s in items:
        if True:
            f = seed_dir(out, c, s) / "result.json"
            if f.exists():
                rows.append(json.loads(f.read_text()))
            else:
                rows.append({"config": c, "seed": s, "ok": False, "passed": [], "failed": ["(no result: the run crashed)"],
                             "ops": 0, "repro": {}, "repro_all": runner.repro_command(SIM, c, s, functional=True, waves=True),
                             "messages": {}})
    return rows


def write_junit(path: Path, rows: list[dict], out: Path) -> None:
    """One test case per (configuration, seed); a failure carries its tests, messages, reproduce commands, log tail."""
    suite = ET.Element("testsuite", name="msix_regress", tests=str(len(rows)), errors="0", skipped="0",
                       failures=str(sum(not r["ok"] for r in rows)), time=f"{sum(r.get('wall', 0.0) for r in rows):.3f}")
    for r in rows:
        case = ET.SubElement(suite, "testcase", classname=f"regress.{r['config']}", name=f"{r['config']}-seed{r['seed']}",
                             time=f"{r.get('wall', 0.0):.3f}")
        props = ET.SubElement(case, "properties")
        for k in ("seed", "ops", "host"):
            if k in r:
                ET.SubElement(props, "property", name=k, value=str(r[k]))
        if not r["ok"]:
            fail = ET.SubElement(case, "failure", message=", ".join(r["failed"]) or "simulator error")
            tail = seed_dir(out, r["config"], r["seed"]) / "sim-tail.log"
            fail.text = "\n".join([f"{t}: {m}" for t, m in r.get("messages", {}).items()]
                                  + ["reproduce (waves):"] + list((r["repro"] or {"all": r["repro_all"]}).values())
                                  + (["log tail:", tail.read_text()] if tail.exists() else []))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def closure_stats(items: list[tuple[str, int]], out: Path) -> dict:
    """Per configuration: requests to close its model, random vs coverage-driven, on the same seeds."""
    stats = {}
    for c in dict.fromkeys(c for c, _ in items):
        per = {"random": [], "cov": [], "curves": {"random": [], "cov": []}, "total": None}
        for s in [s for c2, s in items if c2 == c]:
            for mode in ("random", "cov"):
                f = seed_dir(out, c, s) / f"closure-{mode}.json"
                if not f.exists():
                    continue
                d = json.loads(f.read_text())
                per["total"] = d["total"]
                per["curves"][mode].append((s, d["curve"], d["closed_at"]))
                per[mode].append((s, d["closed_at"], d["curve"][-1][0]))
        pairs = [(r, c_) for r, c_ in zip(per["random"], per["cov"]) if r[0] == c_[0]]
        # A random run that did not close within its budget counts as its budget: the
        # ratio is then a lower bound (shown as ">=").
        closed = [(r[1] or r[2], c_[1]) for r, c_ in pairs if c_[1]]
        per["median_random"] = statistics.median([r for r, _ in closed]) if closed else None
        per["median_cov"] = statistics.median([cv for _, cv in closed]) if closed else None
        per["ratio"] = statistics.median([r / cv for r, cv in closed]) if closed else None
        per["random_unclosed"] = sum(1 for r, _ in pairs if not r[1])
        per["cov_unclosed"] = sum(1 for _, c_ in pairs if not c_[1])
        per["lower_bound"] = per["random_unclosed"] > 0
        stats[c] = per
    return stats


def plot(closure: dict, path: Path) -> Optional[Path]:
    # A Figure of its own: no pyplot to import, no global figure state
    from matplotlib.figure import Figure

    cfg = PLOT_CONFIG if PLOT_CONFIG in closure and closure[PLOT_CONFIG]["curves"]["cov"] else next(
        (c for c in closure if closure[c]["curves"]["cov"]), None)
    if cfg is None:
        return None
    per = closure[cfg]
    total = per["total"]
    fig = Figure(figsize=(8, 4.5), dpi=110)
    # Fixed margins: tight_layout measures every text for about the same layout here
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.11, top=0.93)
    ax = fig.add_subplot()
    for mode, color, name in (("random", "tab:red", "unbiased random"), ("cov", "tab:blue", "coverage-driven random")):
        for i, (seed, curve, closed_at) in enumerate(per["curves"][mode]):
            xs = [max(1, x) for x, _ in curve]
            ys = [100.0 * y / total for _, y in curve]
            ax.step(xs, ys, where="post", color=color, alpha=0.6, lw=1.2, label=name if i == 0 else None)
            if closed_at:
                ax.plot([closed_at], [100.0], "o", color=color, ms=3)
    ax.set_xscale("log")
    ax.set_xlabel("requests committed (operations)")
    ax.set_ylabel(f"functional bins hit (% of {total})")
    ratio = per["ratio"]
    title = f"Coverage closure on {cfg}, {len(per['curves']['cov'])} seeds"
    if ratio:
        ge = ">=" if per["lower_bound"] else ""
        title += f": median {ge}{per['median_random']:.0f} vs {per['median_cov']:.0f} requests ({ge}{ratio:.1f}x)"
    ax.set_title(title, fontsize=10)
    ax.set_ylim(0, 101)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.savefig(path)
    return path


def write_html(path: Path, rows: list[dict], functional: dict, code: Optional[codecov.CodeCoverage],
               code_html: Optional[Path], closure: dict, plot_png: Optional[Path], figures: dict) -> None:
    e = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>msix_block regression</title><style>",
           "body{font-family:sans-serif;margin:1.5em;max-width:70em} table{border-collapse:collapse;margin:0.5em 0}",
           "td,th{border:1px solid #bbb;padding:2px 8px;text-align:left;font-size:13px} .hole{background:#f8c8c8;font-weight:bold}",
           ".ok{background:#d4f0d4} .bad{background:#f8c8c8} code{font-size:12px} details{margin:0.3em 0}</style></head><body>",
           "<h1>msix_block regression</h1>"]
    out.append("<h2>Summary</h2><table><tr><th>figure</th><th>value</th></tr>")
    for k, v in figures.items():
        out.append(f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>")
    out.append("</table>")
    if code_html:
        out.append(f"<p>Code coverage (lcov): <a href='{e(os.path.relpath(code_html, path.parent))}'>{e(str(code_html))}</a></p>")
    if plot_png:
        out.append(f"<h2>Coverage closure</h2><img src='{e(plot_png.name)}' alt='closure plot'>")
    out.append("<table><tr><th>configuration</th><th>bins</th><th>median requests to close, random</th>"
               "<th>coverage-driven</th><th>ratio</th><th>seeds not closed (random / cov)</th></tr>")
    for c, per in closure.items():
        ratio = (">=" if per["lower_bound"] else "") + f"{per['ratio']:.1f}x" if per["ratio"] else "-"
        out.append(f"<tr><td>{c}</td><td>{per['total']}</td><td>{per['median_random']}</td><td>{per['median_cov']}</td>"
                   f"<td>{ratio}</td><td>{per['random_unclosed']} / {per['cov_unclosed']}</td></tr>")
    out.append("</table>")
    out.append("<h2>Seeds</h2><table><tr><th>configuration</th><th>seed</th><th>result</th><th>tests</th><th>requests</th><th>reproduce (waves)</th></tr>")
    for r in rows:
        cls = "ok" if r["ok"] else "bad"
        rep = "<br>".join(f"<code>{e(cmd)}</code>" for cmd in r["repro"].values()) or ""
        out.append(f"<tr class='{cls}'><td>{r['config']}</td><td>{r['seed']}</td><td>{'PASS' if r['ok'] else 'FAIL'}</td>"
                   f"<td>{len(r['passed'])}/{len(r['passed']) + len(r['failed'])}</td><td>{r['ops']}</td><td>{rep}</td></tr>")
    out.append("</table><h2>Functional coverage (merged over configurations and seeds)</h2>")
    for cp, bins in functional.items():
        hit = sum(1 for v in bins.values() if v)
        out.append(f"<details {'open' if hit < len(bins) else ''}><summary><b>{e(cp)}</b>: {hit}/{len(bins)} bins"
                   f"{' <span class=hole>HOLES</span>' if hit < len(bins) else ''}</summary><table><tr><th>bin</th><th>hits</th></tr>")
        for label, hits in bins.items():
            out.append(f"<tr{' class=hole' if not hits else ''}><td>{e(label)}</td><td>{hits}</td></tr>")
        out.append("</table></details>")
    if code is not None:
        out.append("<h2>Code coverage: unhit points</h2><table><tr><th>point</th><th>type</th><th>instance</th><th>reason</th></tr>")
        for p, why in code.unhit():
            out.append(f"<tr{' class=hole' if not why else ''}><td>{e(Path(p.file).name)}:{p.line} {e(p.comment)}</td>"
                       f"<td>{p.type}</td><td>{e(p.hier)}</td><td>{e(why or 'NOT EXPLAINED')}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    path.write_text("\n".join(out))


def report(items: list[tuple[str, int]], out: Path, wall: float, build_s: float, gate: bool, *,
           extra: Optional[dict] = None) -> int:
    """Reports of the runs ``items`` found in the database of ``out`` (``extra``: more summary figures)."""
    configs = list(dict.fromkeys(c for c, _ in items))
    rows = collect(items, out)
    write_junit(out / "junit.xml", rows, out)
    exports = [seed_dir(out, r["config"], r["seed"]) / EXPORT_NAME for r in rows]
    functional = merge_exports([p for p in exports if p.exists()])
    f_hit = sum(1 for b in functional.values() for v in b.values() if v)
    f_all = sum(len(b) for b in functional.values())
    dats = [seed_dir(out, r["config"], r["seed"]) / "coverage.dat" for r in rows]
    code = code_html = None
    code_err = ""
    try:
        _, code_html, code = codecov.merge([p for p in dats if p.exists()], out / "code", runner.RTL)
    except Exception as exc:  # reported, and the gate fails
        code_err = str(exc)
    closure = closure_stats(items, out)
    png = plot(closure, out / "closure.png")

    figures = {
        "seeds passed": f"{sum(r['ok'] for r in rows)}/{len(rows)}",
        "requests simulated": sum(r["ops"] for r in rows),
        "wall time": f"{wall:.0f} s (builds {build_s:.0f} s)",
        **(extra or {}),
        "functional coverage": f"{100.0 * f_hit / f_all if f_all else 0:.1f} % ({f_hit}/{f_all} bins)",
    }
    unexplained = []
    if code is not None:
        waived = {}
        for p, why in code.unhit():
            if why:
                waived[p.type] = waived.get(p.type, 0) + 1
        for kind, (h, n) in code.totals().items():
            w = waived.get(kind, 0)
            figures[f"RTL {kind} coverage"] = (f"{100.0 * h / n:.1f} % ({h}/{n}); "
                                               f"{100.0 * h / (n - w):.1f} % without the {w} explained points")
        unexplained = [p for p, why in code.unhit() if not why]
        figures["unhit code points"] = f"{len(code.unhit())} ({len(unexplained)} not explained)"
    else:
        figures["code coverage"] = f"unavailable: {code_err}"
    for c, per in closure.items():
        if per["ratio"]:
            ge = ">=" if per["lower_bound"] else ""
            figures[f"closure {c}"] = (f"random {ge}{per['median_random']:.0f} vs coverage-driven {per['median_cov']:.0f} "
                                       f"requests: {ge}{per['ratio']:.1f}x"
                                       + (f" ({per['random_unclosed']} random runs not closed)" if per["random_unclosed"] else ""))
    write_html(out / "report.html", rows, functional, code, code_html, closure, png, figures)
    (out / "summary.json").write_text(json.dumps({"rows": [{k: r[k] for k in ("config", "seed", "ok", "ops")} for r in rows],
                                                  "figures": figures, "functional": {"hit": f_hit, "bins": f_all},
                                                  "code": code.totals() if code else None,
                                                  "closure": {c: {k: v for k, v in p.items() if k != "curves"} for c, p in closure.items()}},
                                                 indent=1, default=str))

    # ---- terminal
    print("\n" + "=" * 78)
    print(f"{'configuration':<22}{'seeds':>6}{'passed':>8}{'failed':>8}{'requests':>12}{'func. bins':>14}")
    for c in configs:
        rs = [r for r in rows if r["config"] == c]
        bins = [seed_dir(out, c, r["seed"]) / EXPORT_NAME for r in rs]
        m = merge_exports([p for p in bins if p.exists()])
        h = sum(1 for b in m.values() for v in b.values() if v)
        n = sum(len(b) for b in m.values())
        print(f"{c:<22}{len(rs):>6}{sum(r['ok'] for r in rs):>8}{sum(not r['ok'] for r in rs):>8}"
              f"{sum(r['ops'] for r in rs):>12}{f'{h}/{n}':>14}")
    print("-" * 78)
    for k, v in figures.items():
        print(f"{k:<28}{v}")
    failed = [r for r in rows if not r["ok"]]
    if failed:
        print(f"\nFAILING SEEDS ({len(failed)}), each with the command that reproduces it with waves:")
        for r in failed:
            print(f"  {r['config']} SEED={r['seed']}: {', '.join(r['failed']) or 'simulator error'}")
            for cmd in (r["repro"] or {"all": r["repro_all"]}).values():
                print(f"    {cmd}")
    holes = [(cp, b) for cp, bins in functional.items() for b, v in bins.items() if not v]
    for cp, b in holes[:30]:
        print(f"  functional hole: {cp} / {b}")
    for p in unexplained[:30]:
        print(f"  unexplained code hole: {Path(p.file).name}:{p.line} {p.type} {p.comment}")
    print(f"\nreports: {out / 'report.html'}  {out / 'closure.png'}  {out / 'junit.xml'}"
          + (f"  {code_html}" if code_html else ""))
    if failed:
        return 1
    if gate:
        short = []
        if f_hit < f_all:
            short.append(f"functional coverage {f_hit}/{f_all}")
        if code is None:
            short.append("no code coverage")
        else:
            for kind, target in codecov.TARGETS.items():
                # Met, or every gap of that kind listed with its reason (the rule).
                if code.percent(kind) < target and any(p.type == kind for p in unexplained):
                    short.append(f"RTL {kind} {code.percent(kind):.1f} % < {target} % with unexplained points")
            if unexplained:
                short.append(f"{len(unexplained)} unhit code points without a reason")
        if short:
            print("COVERAGE TARGETS MISSED: " + "; ".join(short))
            return 2
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=int(os.environ.get("SEEDS", "4")), help="seeds per configuration (SEEDS)")
    p.add_argument("--heavy-seeds", type=int, default=int(os.environ.get("HEAVY_SEEDS", "1")),
                   help=f"seeds of configurations with more than {HEAVY_NVEC} vectors (HEAVY_SEEDS)")
    p.add_argument("--first-seed", type=int, default=int(os.environ["FIRST_SEED"]) if os.environ.get("FIRST_SEED") else None,
                   help="seeds are first..first+N-1 (FIRST_SEED; default 1, with --append the next seed after the database's)")
    p.add_argument("--configs", default=os.environ.get("CONFIGS", ""), help="comma-separated (default: all)")
    p.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", os.cpu_count() or 2)),
                   help="workers of the LocalCluster (JOBS; ignored with --scheduler)")
    p.add_argument("--scheduler", default=os.environ.get("SCHEDULER", ""),
                   help="an existing Dask scheduler: tcp://host:port or a scheduler file (SCHEDULER); "
                        "default: a LocalCluster of --jobs workers; 'xdist': the former pytest-xdist scheduling")
    p.add_argument("--append", action="store_true", default=os.environ.get("APPEND", "") not in ("", "0"),
                   help="add these runs to the database of --out instead of starting a new one (APPEND=1)")
    p.add_argument("--tests", default=os.environ.get("REGRESS_TESTS") or None,
                   help="run only the cocotb tests matching this name or regex (REGRESS_TESTS; default: all)")
    p.add_argument("--out", type=Path, default=Path(os.environ.get("REGRESS_OUT", DEFAULT_OUT)))
    p.add_argument("--closure-ops", type=int, default=int(os.environ.get("CLOSURE_OPS", "60000")),
                   help="request budget of each closure test (CLOSURE_OPS)")
    p.add_argument("--no-coverage-gate", dest="gate", action="store_false", help="exit 0 even if coverage targets are missed")
    a = p.parse_args(argv)
    configs = [c for c in a.configs.split(",") if c] or sorted(CONFIGS)
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        p.error(f"unknown configuration(s): {', '.join(unknown)}; known: {', '.join(sorted(CONFIGS))}")
    a.out.mkdir(parents=True, exist_ok=True)
    previous = database(a.out) if a.append else []
    if not a.append:
        shutil.rmtree(a.out / "runs", ignore_errors=True)
    first = a.first_seed if a.first_seed is not None else (max((s for _, s in previous), default=0) + 1 if a.append else 1)
    seeds = list(range(first, first + a.seeds))
    for stale in ("junit.xml", "report.html", "closure.png", "summary.json"):
        (a.out / stale).unlink(missing_ok=True)
    items = plan(configs, seeds, a.heavy_seeds)
    t0 = time.monotonic()
    print(f"regress: {len(configs)} configurations x {len(seeds)} seeds ({seeds[0]}..{seeds[-1]}; "
          f"{a.heavy_seeds} for configurations above {HEAVY_NVEC} vectors) = {len(items)} runs"
          + (f", added to the {len(previous)} runs of {a.out / 'runs'}" if a.append else ""), flush=True)
    interrupted = False
    if a.scheduler == "xdist":
        print(f"regress: pytest-xdist, {a.jobs} workers", flush=True)
        build_s = build_all(configs, a.jobs)
        print(f"regress: coverage builds ready in {build_s:.0f} s", flush=True)
        for c, s in items:  # no stale result of an earlier run of the same seed
            shutil.rmtree(seed_dir(a.out, c, s), ignore_errors=True)
        t_runs = time.monotonic()
        run_items(items, a.jobs, a.out, a.closure_ops, a.tests)
        secs = time.monotonic() - t_runs
        extra = {"scheduler": f"pytest-xdist, {a.jobs} workers",
                 "runs per minute": f"{60.0 * len(items) / secs:.1f} ({len(items)} runs in {secs:.0f} s)"}
        print(f"regress: {len(items)} runs in {secs:.1f} s ({60.0 * len(items) / secs:.1f} runs/min) on pytest-xdist", flush=True)
    else:
        for c, s in items:  # no stale result of an earlier run of the same seed
            shutil.rmtree(seed_dir(a.out, c, s), ignore_errors=True)
        build_s, extra, interrupted = run_dask(items, configs, a)
    done = set(database(a.out))
    reported = list(dict.fromkeys(previous + [i for i in items if not interrupted or i in done]))
    # One table row per configuration: group the database by configuration, seeds ascending.
    order = list(dict.fromkeys(c for c, _ in reported))
    reported = sorted(reported, key=lambda i: (order.index(i[0]), i[1]))
    if a.append:
        extra["database"] = f"{len(reported)} runs ({len(previous)} earlier, {len(reported) - len(previous)} added)"
    rc = report(reported, a.out, time.monotonic() - t0, build_s, a.gate, extra=extra)
    if interrupted:
        print(f"regress: INTERRUPTED: partial report of {len(reported)} runs; {len(items) - len(done & set(items))} not run")
        return 130
    return rc


if __name__ == "__main__":
    sys.exit(main())
