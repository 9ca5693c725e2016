"""Mutation coverage of the testbench (``make mutate``): the faults it catches that nobody chose.

    python -m tb.tools.mutate [--configs n8,n8_w64_trk_fifo2] [--count 150] [--seed 1] [--jobs N]
    python -m tb.tools.mutate --mutant n8:1:17          # one mutant alone, verbose
    python -m tb.tools.mutate --report                  # the report again from the stored results

1. generates a pool of mutants per configuration with Yosys's ``mutate`` pass
   (``tb/tools/mutate_gen.py``; one netlist holds them all behind ``+mutsel``)
   and builds it once for Verilator;
2. checks the original design (``mutsel`` 0) passes the screen and the rest;
3. runs each mutant (``tb/tools/mutate_run.py``): the screen, then the rest of
   the default co-simulation of that configuration only for screen survivors,
   stopping at the first failure; ``--jobs`` mutants at a time (threads), or
   on a Dask scheduler (``--scheduler``/``SCHEDULER``, the regression's engine);
4. tries to prove each survivor equivalent with Yosys (``tb/tools/mutate_equiv.py``);
5. prints the table, writes ``build/mutate/summary.json`` and ``report.html``
   (``tb/tools/mutate_report.py``).

Results are stored per mutant (``build/mutate/results/<pool>/<k>.json``) with a
hash of the testbench, the model and the netlist: a rerun reuses what is still
valid and reruns the rest (a changed testbench reruns everything).
Exit status 0 when every non-equivalent mutant is killed or the kill rate meets
``--target``; 1 otherwise; 2 if the original design fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Optional

from ..bindings import CONFIGS
from . import mutate_run
from .mutate_gen import OUT, MutantId, Pool, generate, yosys_version
from . import mutate_notes
from .mutate_run import Outcome
from .regress_progress import _clock

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIGS = ("n8", "n8_w64_trk_fifo2")
DEFAULT_COUNT = 150
DEFAULT_SEED = 1
TARGET = 0.95


def tb_hash(pool: Pool) -> str:
    """What a stored result depends on: the testbench, the model and the pool's netlist."""
    h = hashlib.sha256(pool.netlist.read_bytes())
    for top in ("tb",):
        for f in sorted((ROOT / top).rglob("*.py")):
            if "tools" not in f.parts:
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


_NETLISTS: dict[Path, str] = {}


def netlist_hash(pool: Pool) -> str:
    """The pool's netlist alone: a stored kill is kept across testbench changes only for the same mutants."""
    if pool.netlist not in _NETLISTS:
        _NETLISTS[pool.netlist] = hashlib.sha256(pool.netlist.read_bytes()).hexdigest()[:16]
    return _NETLISTS[pool.netlist]


def _result_file(pool: Pool, index: int) -> Path:
    return OUT / "results" / pool.folder.name / f"{index}.json"


def load(pool: Pool, index: int, stamp: str, stale_kills: bool = False) -> Optional[Outcome]:
    """The stored outcome if still valid; with ``stale_kills`` also a kill by an older testbench."""
    f = _result_file(pool, index)
    if not f.exists():
        return None
    d = json.loads(f.read_text())
    o = Outcome(**d["outcome"])
    if d.get("stamp") == stamp:
        return o
    argued = (mutate_notes.note(o.id) or ("",))[0] == "equivalent"
    # A kill or a proof does not depend on the testbench, but on the mutant: after an RTL change the
    # same index is another mutant (another netlist), and nothing stored is kept.
    same_mutants = d.get("netlist") == netlist_hash(pool)
    if stale_kills and same_mutants and (o.status in ("killed", "equivalent") or argued):
        o.extra["testbench"] = d.get("stamp")  # killed by an older testbench, not rerun
        return o
    return None


def store(pool: Pool, index: int, stamp: str, outcome: Outcome) -> None:
    f = _result_file(pool, index)
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps({"stamp": stamp, "netlist": netlist_hash(pool), "outcome": outcome.as_dict()}, indent=1))


def reproduce(mid: str) -> str:
    return f"make mutate MUTANT={mid}"


class Progress:
    """One line per finished mutant (the regression's style) and the running totals."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.killed, self.t0 = total, 0, 0, time.monotonic()

    def line(self, o: Outcome, cached: bool = False) -> None:
        self.done += 1
        self.killed += o.status == "killed"
        what = f"KILLED by {o.killed_by} ({o.stage})" if o.status == "killed" else o.status.upper()
        print(f"[{self.done:>3}/{self.total}] {_clock(time.monotonic() - self.t0)}  {o.id:<24} {what}"
              f"  ({'stored' if cached else f'{o.seconds:.1f} s'})  [{self.killed} killed so far]", flush=True)


def report_only(configs: list[str], count: int, seed: int) -> dict:
    """The summary of the stored results (no simulation); survivors get their (cached) Yosys proof."""
    from . import mutate_equiv

    pools, outcomes = [], {}
    for name in configs:
        pool = generate(CONFIGS[name], seed)
        pools.append((pool, None, ""))
        for k in range(1, count + 1):
            f = _result_file(pool, k)
            if not f.exists():
                raise SystemExit(f"mutate --report: no stored result for {MutantId(name, seed, k)}; run make mutate")
            d = json.loads(f.read_text())
            o = Outcome(**d["outcome"])
            if o.status == "survived" and mutate_notes.note(o.id) is None:
                verdict, note = mutate_equiv.check(pool, k)
                o.status, o.note = ("equivalent", note) if verdict == "proved" else (o.status, o.note or note)
            outcomes[o.id] = o
    return summarize(pools, outcomes, count, seed)


def campaign(configs: list[str], count: int, seed: int, jobs: int, equiv: bool = True,
             survivors_only: bool = False, scheduler: str = "") -> dict:
    """Every pool, the original check, every mutant, the equivalence proofs: the summary dict.
    ``survivors_only``: after a testbench change, rerun only the mutants that were not
    killed (a kill by the older testbench is kept and marked as such)."""
    from . import mutate_equiv

    pools = []
    for name in configs:
        cfg = CONFIGS[name]
        t0 = time.monotonic()
        pool = generate(cfg, seed)
        out = mutate_run.build(pool)
        print(f"mutate: pool {pool.folder.name}: {len(pool.mutations)} mutants listed, running {count}; "
              f"netlist {pool.netlist.relative_to(ROOT)}, build {out.relative_to(ROOT)} ({time.monotonic() - t0:.0f} s)",
              flush=True)
        pools.append((pool, out, tb_hash(pool)))
    for pool, out, stamp in pools:  # the original design must pass everything the mutants run
        orig = load(pool, 0, stamp) or mutate_run.run_mutant(pool, 0, out)
        if orig.status != "survived":
            print(f"mutate: the ORIGINAL design fails on {pool.cfg.name}: {orig.killed_by}\n{orig.message}", file=sys.stderr)
            sys.exit(2)
        store(pool, 0, stamp, orig)
        print(f"mutate: original design of {pool.cfg.name} passes the screen and the rest ({orig.tests} tests)", flush=True)
    todo = [(pool, out, stamp, k) for pool, out, stamp in pools for k in range(1, count + 1)]
    prog = Progress(len(todo))
    outcomes: dict[str, Outcome] = {}
    pending = []
    for pool, out, stamp, k in todo:
        o = load(pool, k, stamp, stale_kills=survivors_only)
        if o is not None:
            outcomes[o.id] = o
            prog.line(o, cached=True)
        else:
            pending.append((pool, out, stamp, k))
    def finished(pool, stamp, k, o: Outcome) -> None:
        if o.status == "survived":
            _apply_note(o)
        store(pool, k, stamp, o)
        outcomes[o.id] = o
        prog.line(o)

    if scheduler:  # the regression's Dask engine: a farm's scheduler (workers build what they need)
        from distributed import as_completed as dask_completed

        from .regress_dask import connect, shutdown

        client, cluster = connect(scheduler, jobs)
        try:
            futs = {client.submit(mutate_run.task, pool.cfg.name, pool.seed, k, pure=False): (pool, stamp, k)
                    for pool, _, stamp, k in pending}
            for f in dask_completed(futs):
                finished(*futs[f], Outcome(**f.result()))
        finally:
            shutdown(client, cluster)
    else:
        with ThreadPoolExecutor(max(1, jobs)) as ex:
            futs = {ex.submit(mutate_run.run_mutant, pool, k, out): (pool, stamp, k) for pool, out, stamp, k in pending}
            for f in as_completed(futs):
                finished(*futs[f], f.result())
    if equiv:
        for pool, _, stamp in pools:
            for k in range(1, count + 1):
                o = outcomes[str(MutantId(pool.cfg.name, pool.seed, k))]
                if o.status == "survived" and not o.extra.get("equiv_tried") and mutate_notes.note(o.id) is None:
                    verdict, note = mutate_equiv.check(pool, k)
                    o.extra["equiv_tried"] = True
                    o.extra["equiv"] = verdict
                    if verdict == "proved":
                        o.status, o.note = "equivalent", note
                    else:
                        o.note = o.note or note
                    store(pool, k, stamp, o)
    return summarize(pools, outcomes, count, seed)


def _apply_note(o: Outcome) -> None:
    """A survivor argued about in tb/tools/mutate_notes.py: equivalent, or out of reach (still a survivor)."""
    argued = mutate_notes.note(o.id)
    if argued is not None:
        verdict, o.note = argued
        if verdict == "equivalent":
            o.status = "equivalent"


def summarize(pools, outcomes: dict[str, Outcome], count: int, seed: int) -> dict:
    if mutate_notes.NOTES and not mutate_notes.current():
        print(f"mutate: the {len(mutate_notes.NOTES)} hand-argued notes (tb/tools/mutate_notes.py) are for RTL "
              f"{mutate_notes.RTL}, not this one ({mutate_notes.rtl_sha()}): not applied, the survivors they "
              "argued about are other mutants now; argue the survivors again", file=sys.stderr)
    rows, mutants = [], []
    for pool, _, _ in pools:
        c = {"config": pool.cfg.name, "generated": 0, "killed": 0, "killed_screen": 0, "survived": 0, "equivalent": 0}
        for k in range(1, count + 1):
            m = pool.get(k)
            o = outcomes[m.id]
            if o.status == "survived":
                _apply_note(o)
            c["generated"] += 1
            c[o.status] += 1
            c["killed_screen"] += o.status == "killed" and o.stage == "screen"
            mutants.append({**o.as_dict(), "config": pool.cfg.name, "index": k, "mode": m.mode, "where": m.where,
                            "signal": m.signal, "describe": m.describe(), "source": m.source_line(),
                            "cell": m.cell, "reproduce": reproduce(m.id)})
        rows.append(c)
    total = {k: sum(r[k] for r in rows) for k in ("generated", "killed", "killed_screen", "survived", "equivalent")}
    # --survivors-only: kills (and proofs) stored by an older testbench, not rerun.
    total["from_older_testbench"] = sum(1 for m in mutants if m["extra"].get("testbench"))
    live = total["generated"] - total["equivalent"]
    total["kill_rate"] = round(total["killed"] / live, 4) if live else 1.0
    return {"yosys": yosys_version(), "seed": seed, "count_per_config": count, "configs": rows, "total": total,
            "screen": mutate_run.SCREEN, "rest": mutate_run.REST, "timeout_scale": mutate_run.TIMEOUT_SCALE,
            "target": TARGET, "mutants": mutants, "notes_rtl": mutate_notes.RTL, "rtl": mutate_notes.rtl_sha(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def table(summary: dict) -> str:
    head = f"{'configuration':<20} {'generated':>9} {'killed':>7} {'(screen)':>9} {'survived':>9} {'equivalent':>11} {'kill rate':>10}"
    lines = [head, "-" * len(head)]
    for r in summary["configs"] + [{"config": "total", **summary["total"]}]:
        live = r["generated"] - r["equivalent"]
        rate = f"{100 * r['killed'] / live:.1f} %" if live else "-"
        lines.append(f"{r['config']:<20} {r['generated']:>9} {r['killed']:>7} {r['killed_screen']:>9} {r['survived']:>9} "
                     f"{r['equivalent']:>11} {rate:>10}")
    lines.append("kill rate = killed / (generated - equivalent); target "
                 f"{100 * summary['target']:.0f} %")
    if summary["total"].get("from_older_testbench"):
        lines.append(f"({summary['total']['from_older_testbench']} kills/proofs kept from an older testbench: "
                     "--survivors-only reran only the survivors)")
    surv = [m for m in summary["mutants"] if m["status"] == "survived"]
    if surv:
        lines.append(f"\n{len(surv)} survivors (reproduce: make mutate MUTANT=<id>):")
        for m in surv:
            lines.append(f"  {m['id']:<22} {m['where']:<28} {m['describe']}")
            if m.get("note"):
                lines.append(f"  {'':<22} {m['note']}")
    return "\n".join(lines)


def one(mid_text: str) -> int:
    """Rerun one mutant alone (screen then rest), printing what it changes and why it died."""
    mid = MutantId.parse(mid_text)
    if mid.config not in CONFIGS:
        raise SystemExit(f"mutate: unknown configuration {mid.config!r} in {mid_text}")
    pool = generate(CONFIGS[mid.config], mid.seed)
    m = pool.get(mid.index)
    print(f"mutant {m.id}: {m.where}: {m.describe()}\n  source: {m.source_line()}\n  yosys: {m.command}", flush=True)
    o = mutate_run.run_mutant(pool, mid.index)
    print(f"{o.id}: {o.status.upper()}" + (f" by {o.killed_by} ({o.stage}, {o.seconds:.1f} s)\n{o.message}"
                                           if o.status == "killed" else f" ({o.tests} tests passed, {o.seconds:.1f} s)"))
    print(f"run folders: {(OUT / mutate_run.SIM / pool.folder.name / 'runs').relative_to(ROOT)}/m{mid.index}-*")
    return 0 if o.status == "killed" else 1


def main(argv: Optional[list[str]] = None) -> int:
    from . import mutate_report

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", default=os.environ.get("CONFIGS") or ",".join(DEFAULT_CONFIGS))
    p.add_argument("--count", type=int, default=int(os.environ.get("COUNT") or DEFAULT_COUNT),
                   help="mutants per configuration (at most the pool size)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("MUTATE_SEED") or DEFAULT_SEED),
                   help="seed of Yosys's sampling")
    p.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS") or os.cpu_count() or 1))
    p.add_argument("--mutant", default=os.environ.get("MUTANT") or None, help="rerun one mutant: <config>:<seed>:<index>")
    p.add_argument("--no-equiv", action="store_true", help="skip the Yosys equivalence proofs of survivors")
    p.add_argument("--target", type=float, default=TARGET)
    p.add_argument("--scheduler", default=os.environ.get("SCHEDULER", ""),
                   help="a Dask scheduler (address or file) to run the mutants on, as make regress does")
    p.add_argument("--report", action="store_true", help="only the table and report of the stored results")
    p.add_argument("--survivors-only", action="store_true", default=bool(os.environ.get("SURVIVORS_ONLY")),
                   help="after a testbench change: rerun the survivors, keep the older kills (marked)")
    a = p.parse_args(argv)
    if a.mutant:
        return one(a.mutant)
    configs = [c.strip() for c in a.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        raise SystemExit(f"mutate: unknown configuration(s) {', '.join(unknown)}")
    print(f"mutate: {yosys_version()}; sampling seed {a.seed}; {a.count} mutants per configuration on "
          f"{', '.join(configs)}; {a.jobs} at a time; co-simulation seed {mutate_run.SEED}", flush=True)
    if a.report:
        summary = report_only(configs, a.count, a.seed)
    else:
        summary = campaign(configs, a.count, a.seed, a.jobs, equiv=not a.no_equiv, survivors_only=a.survivors_only,
                           scheduler=a.scheduler)
    summary["target"] = a.target
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=1))
    mutate_report.write_html(summary, OUT / "report.html")
    print("\n" + table(summary))
    print(f"\nreport: {(OUT / 'report.html').relative_to(ROOT)}, {(OUT / 'summary.json').relative_to(ROOT)}")
    t = summary["total"]
    return 0 if t["survived"] == 0 or t["kill_rate"] >= a.target else 1


if __name__ == "__main__":
    sys.exit(main())
