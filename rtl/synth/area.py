"""Area of msix_block with Yosys (Debian yosys 0.23): generic and Xilinx 7-series.

    python rtl/synth/area.py [--vectors 64 2048] [--target generic xc7] [--jobs 2] [--force]

For each (target, NUM_VECTORS) it reads the RTL (``rtl/files.f``, with
``SYNTHESIS`` defined), sets ``NUM_VECTORS`` (every other parameter at its RTL
default), runs ``generic.ys`` or ``xc7.ys`` beside this file, and prints one
row: the inferred memories (``$mem_v2``: depth x width, read/write ports, bits),
block RAMs (RAMB36E1, RAMB18E1), LUT RAMs, LUTs and flip-flops. The generic
LUT count is ``abc -lut 6``; the xc7 LUT count is the LUT1..LUT6 cells.

Results are kept in ``build/synth/<target>-n<N>/`` and reused while the RTL,
the scripts and the Yosys version are unchanged (a 2048-vector run takes
minutes); ``--force`` reruns.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
RTL = HERE.parent
ROOT = RTL.parent
OUT = ROOT / "build" / "synth"
TARGETS = ("generic", "xc7")
TOP = "msix_block"


def rtl_sources() -> list[Path]:
    out = []
    for line in (RTL / "files.f").read_text().splitlines():
        line = line.split("//")[0].split("#")[0].strip()
        if line and not line.startswith(("+", "-")):
            out.append(RTL / line)
    return out


def yosys_version() -> str:
    return subprocess.run(["yosys", "-V"], capture_output=True, text=True, check=True).stdout.strip()


def _stamp(target: str, nvec: int) -> str:
    h = hashlib.sha256()
    for src in rtl_sources() + [HERE / f"{target}.ys"]:
        h.update(src.read_bytes())
    h.update(f"{target} {nvec} {yosys_version()}".encode())
    return h.hexdigest()


def _memories(dump: str) -> list[dict]:
    """Each ``$mem_v2`` cell of an RTLIL dump: name, depth, width, ports."""
    mems = []
    for cell in re.split(r"\n\s*cell ", dump)[1:]:
        if not cell.startswith("$mem_v2"):
            continue
        param = lambda name: int(re.search(rf"parameter \\{name} (\d+)", cell).group(1))  # noqa: E731
        memid = re.search(r'parameter \\MEMID "\\*([^"]*)"', cell)
        mems.append({
            "name": memid.group(1) if memid else "?",
            "depth": param("SIZE"),
            "width": param("WIDTH"),
            "rd_ports": param("RD_PORTS"),
            "wr_ports": param("WR_PORTS"),
        })
    return mems


def _summary(target: str, nvec: int, cells: dict[str, int], mems: list[dict], seconds: float) -> dict:
    count = lambda pattern: sum(n for t, n in cells.items() if re.fullmatch(pattern, t))  # noqa: E731
    if target == "xc7":
        luts = count(r"LUT[1-6]")
        ffs = count(r"FD[A-Z]*")
        lutram = count(r"RAM\d+[MSX]\d*|RAM\d+X1[SD]")
    else:
        luts = count(r"\$lut")
        ffs = count(r"\$_(S?DFFE?|DFFSRE?|ALDFFE?|DLATCH)_\w+")
        lutram = 0
    return {
        "target": target,
        "vectors": nvec,
        "memories": mems,
        "memory_bits": sum(m["depth"] * m["width"] for m in mems),
        "ramb36": cells.get("RAMB36E1", 0),
        "ramb18": cells.get("RAMB18E1", 0),
        "lutram": lutram,
        "luts": luts,
        "ffs": ffs,
        "seconds": round(seconds, 1),
        "cells": cells,
    }


def synthesize(target: str, nvec: int, force: bool = False) -> dict:
    """Run (or reuse) one synthesis; returns its summary (also ``summary.json``)."""
    out = OUT / f"{target}-n{nvec}"
    out.mkdir(parents=True, exist_ok=True)
    stamp = _stamp(target, nvec)
    summary_file = out / "summary.json"
    if not force and summary_file.exists():
        summary = json.loads(summary_file.read_text())
        if summary.get("stamp") == stamp:
            summary["cached"] = True
            return summary
    sources = " ".join(str(s) for s in rtl_sources())
    script = (
        f"read_verilog -sv -DSYNTHESIS {sources}; "
        f"chparam -set NUM_VECTORS {nvec} {TOP}; hierarchy -check -top {TOP}; "
        f"script {HERE / (target + '.ys')}"
    )
    start = time.perf_counter()
    proc = subprocess.run(["yosys", "-q", "-l", "yosys.log", "-p", script], cwd=out, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"yosys failed for {target} N={nvec} (see {out / 'yosys.log'}):\n{proc.stderr[-2000:]}")
    cells = json.loads((out / "stat.json").read_text())["modules"][f"\\{TOP}"]["num_cells_by_type"]
    summary = _summary(target, nvec, cells, _memories((out / "memories.il").read_text()), seconds)
    summary["stamp"] = stamp
    summary_file.write_text(json.dumps(summary, indent=1))
    summary["cached"] = False
    return summary


def run_all(vectors=(64, 2048), targets=TARGETS, jobs: int = 2, force: bool = False) -> list[dict]:
    """Every (target, N), longest first, ``jobs`` Yosys processes at a time."""
    todo = sorted(((t, n) for t in targets for n in vectors), key=lambda tn: (-tn[1], tn[0] != "xc7"))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda tn: synthesize(*tn, force=force), todo))
    return sorted(results, key=lambda r: (r["target"], r["vectors"]))


def memory_text(summary: dict) -> str:
    """``u_table_ram.mem 2048x128 (1R/1W), ...``"""
    parts = []
    for m in summary["memories"]:
        name = m["name"].lstrip("\\")
        parts.append(f"{name} {m['depth']}x{m['width']} ({m['rd_ports']}R/{m['wr_ports']}W)")
    return ", ".join(parts)


def table(results: list[dict]) -> str:
    lines = [
        "| target | vectors | inferred memories (depth x width, ports) | memory bits | RAMB36E1 | RAMB18E1 | LUT RAM | LUTs | FFs | yosys s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['target']} | {r['vectors']} | {memory_text(r)} | {r['memory_bits']:,} | {r['ramb36']} | {r['ramb18']} "
            f"| {r['lutram']} | {r['luts']:,} | {r['ffs']:,} | {r['seconds']}{' (cached)' if r.get('cached') else ''} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--vectors", type=int, nargs="+", default=[64, 2048])
    p.add_argument("--target", nargs="+", choices=TARGETS, default=list(TARGETS))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--force", action="store_true", help="rerun even if a result for this RTL exists")
    a = p.parse_args(argv)
    print(table(run_all(a.vectors, a.target, a.jobs, a.force)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
