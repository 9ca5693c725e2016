"""``msix_tb_top``: the DUT of a configuration with its own ports, plus the burst
players and loggers (tb/sv/, tb/env/burst.py), generated per configuration.

The wrapper has every port of the binding's toplevel, with the same name,
direction and width, so the agents reach the DUT exactly as without it. Per
valid/ready request port (``burst.PORTS``) it adds a ``msix_tb_burst`` whose
valid and fields replace the testbench's on the DUT's inputs while its
``burst_<port>_active`` is high; per output (``burst.output_ports``) a
``msix_tb_burst_log`` of its handshakes while any player is active, and per
output with a ready a ``msix_tb_ready`` playing its sink's back-pressure
(tb/env/traffic.py). The
parameters are the configuration's, written into the DUT's instance. The port
list comes from Yosys (``portlist`` of the toplevel with the parameters), so any
binding gets a wrapper.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import tempfile
from pathlib import Path

from ..env import burst
from ..env.config import MsixConfig
from .locks import locked

ROOT = Path(__file__).resolve().parents[2]
TOP = "msix_tb_top"
#: The SystemVerilog the wrapper instantiates (compiled with every wrapped build).
SOURCES = tuple(ROOT / "tb" / "sv" / f for f in ("msix_tb_burst.sv", "msix_tb_burst_log.sv", "msix_tb_ready.sv",
                                                   "msix_tb_period.sv"))
ONE, ZERO = "1'b1", "1'b0"


#: Port lists already read, by a hash of what Yosys reads (the Verilator and the
#: Icarus build of a configuration share one: Yosys takes seconds at 2048 vectors).
PORTS_CACHE = ROOT / "build" / "ports"


def dut_ports(cfg: MsixConfig, sources: list[Path]) -> list[tuple[str, str, int]]:
    """(direction, name, width) of every port of the configuration's toplevel, in order."""
    b = cfg.binding_def()
    h = hashlib.sha256(repr((b.toplevel, sorted(cfg.parameters().items()), sorted(cfg.defines))).encode())
    for src in sources:
        h.update(src.read_bytes())
    cached = PORTS_CACHE / f"{h.hexdigest()[:32]}.txt"
    with locked(cached.with_suffix(".lock")):  # the other simulator's build waits for this one's Yosys
        if not cached.exists():
            text = _yosys_portlist(cfg, sources)
            cached.with_suffix(".tmp").write_text(text)
            cached.with_suffix(".tmp").rename(cached)
        ports = [m.groups() for m in _PORT.finditer(cached.read_text())]
    if not ports:
        raise RuntimeError(f"tb_top: yosys found no ports on {b.toplevel}")
    return [(d, name, abs(int(hi) - int(lo)) + 1) for d, hi, lo, name in ports]


def _yosys_portlist(cfg: MsixConfig, sources: list[Path]) -> str:
    """Yosys ``portlist`` of the toplevel, elaborated alone with the parameters."""
    b = cfg.binding_def()
    # (Yosys cannot parse a negative value; those select defaults, not widths, as in mutate_gen.py)
    chparam = " ".join(f"-set {k} {int(v)}" for k, v in cfg.parameters().items() if v >= 0)
    defines = " ".join(f"-D{d}" for d in cfg.defines)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ports.txt"
        script = (f"read_verilog -sv {defines} {' '.join(str(s) for s in sources)}; "
                  + (f"chparam {chparam} {b.toplevel}; " if chparam else "")
                  + f"tee -q -o {out} portlist {b.toplevel}")
        run = subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True)
        if run.returncode != 0 or not out.exists():
            raise RuntimeError(f"tb_top: yosys could not read the ports of {b.toplevel}:\n{run.stderr or run.stdout}")
        return out.read_text()


#: A line of Yosys ``portlist``: ``input [11:0] s_axil_awaddr``.
_PORT = re.compile(r"^(input|output|inout) \[(-?\d+):(-?\d+)\] (\S+)$", re.M)


def _vec(width: int) -> str:
    return f"[{width - 1}:0] " if width > 1 else ""


def generate(cfg: MsixConfig, sources: list[Path]) -> str:
    """The wrapper's Verilog for ``cfg``."""
    b = cfg.binding_def()
    dut = dut_ports(cfg, sources)
    width = {name: w for _, name, w in dut}
    decl = [f"  {d} logic {_vec(w)}{n}" for d, n, w in dut]
    # One log for every player and logger (tb/env/burst.py reads it once a burst). Python
    # reads it in a callback at the fall of burst_any; Verilator runs every process of
    # that edge, this flush too, before any callback (Icarus: the players and loggers flush).
    body = ["  int burst_log_fd;", "  initial burst_log_fd = $fopen(\"burst.log\", \"w\");"]
    conn, actives = {n: n for _, n, _ in dut}, []
    decl.append("  input logic burst_abort")  # every player stops (a test ended while a burst played)
    for port, (pdef, sig) in burst.request_ports(b).items():
        p = f"burst_{port}"
        fields = [sig[role] for _, role in pdef.fields]
        w = max(1, sum(width[f] for f in fields))
        # the port's other handshake signals (WREADY): its own valids are the player's
        also = [sig[r] for r in pdef.also if r not in pdef.valids]
        decl += [f"  input logic [95:0] {p}_go", f"  output logic {p}_active"]  # go = {count, start time}
        body += [f"  logic {p}_valid;", f"  logic {_vec(w)}{p}_payload;",
                 f"  msix_tb_burst #(.W({w}), .NAME(\"{p}\")) u_{p} (.clk({b.clock}), .go({p}_go), .abort(burst_abort), "
                 f".active({p}_active), .valid({p}_valid), .payload({p}_payload), "
                 f".ready({sig[pdef.ready]}), .also({' & '.join(also) or ONE}), .log_fd(burst_log_fd));"]
        actives.append(f"{p}_active")
        for role in pdef.valids:
            conn[sig[role]] = f"{p}_active ? {p}_valid : {sig[role]}"
        lsb = sum(width[f] for f in fields)
        for f in fields:
            lsb -= width[f]
            conn[f] = f"{p}_active ? {p}_payload[{lsb + width[f] - 1}:{lsb}] : {f}"
    # any player active: the loggers' enable, and the one fall Python awaits per burst
    decl.append("  output logic burst_any")
    body.append(f"  assign burst_any = {' | '.join(actives) or ZERO};")
    body += ["`ifdef VERILATOR", "  always @(negedge burst_any) $fflush(burst_log_fd);", "`endif"]
    for name, (odef, sig) in burst.output_ports(b).items():
        fields = [sig[role] for _, role in odef.fields]
        w = max(1, sum(width[f] for f in fields))
        ready = ONE
        if odef.ready:  # the sink's back-pressure pattern (tb/env/traffic.py ReadySink)
            r = f"ready_{name}"
            decl += [f"  input logic [63:0] {r}_start", f"  output logic [31:0] {r}_chunk"]
            body += [f"  logic {r}_drive, {r}_ready;",
                     f"  msix_tb_ready #(.NAME(\"{r}\")) u_{r} (.clk({b.clock}), .start_at({r}_start), "
                     f".drive({r}_drive), .ready({r}_ready), .chunk({r}_chunk));",
                     f"  wire {r}_level = {r}_drive ? {r}_ready : {sig[odef.ready]};"]
            conn[sig[odef.ready]] = ready = f"{r}_level"
        data = "{" + ", ".join(fields) + "}" if fields else ZERO
        body.append(f"  msix_tb_burst_log #(.W({w}), .NAME(\"burst_{name}\")) u_burst_{name} (.clk({b.clock}), "
                    f".enable(burst_any), .valid({sig[odef.valids[0]]}), .ready({ready}), .data({data}), "
                    ".log_fd(burst_log_fd));")
    params = ", ".join(f".{k}({int(v)})" for k, v in cfg.parameters().items())
    inst = ",\n".join(f"    .{n}({c})" for n, c in conn.items())
    return (f"// Generated by tb/tools/tb_top.py for configuration {cfg.name}: {b.toplevel} with its own\n"
            f"// ports, and the burst players of tb/env/burst.py. Do not edit.\n"
            "`timescale 1ns/1ps\n"
            "/* verilator coverage_off */\n"
            f"module {TOP} (\n" + ",\n".join(decl) + "\n);\n"
            + "\n".join(body) + "\n"
            f"  {b.toplevel} {'#(' + params + ') ' if params else ''}u_dut (\n{inst}\n  );\n"
            "endmodule\n"
            "/* verilator coverage_on */\n")

