"""``MsixEnv``: one DUT, wired from its binding, with the scoreboard and coverage.

Built per test (cocotbext-axi style): ``tb = MsixEnv(dut, cfg, traffic=...)``,
``await tb.reset()`` (power-on reset; starts the monitors), the sequence, then
``await tb.finish()`` (drain, full readback of table/PBA/capability through the
bus, final scoreboard checks, stop).

One notify, end to end: a sequence calls ``tb.notify(v)`` -> the ``notify``
driver presents it -> the ``notify`` monitor reports it at its commit ->
``MsixScoreboard.commit`` replays it into the model and returns a
``CommitRecord`` (with the messages it decided) -> the coverage model samples
the record -> the ``msi`` monitor reports the message leaving the DUT ->
``MsixScoreboard.check_msi`` compares it and returns the model's ``Message``
-> the coverage model samples that. When the sequence waits for its drivers
(``quiesce``), requests it queued may play as a burst from the SystemVerilog
side instead (tb/env/burst.py); the monitors' callbacks then get the same
reports, in the same order and at the same times, when the burst ends.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import random
import time
from pathlib import Path
from typing import Optional

import cocotb
from cocotb.clock import Clock
from cocotb.simtime import convert, get_sim_time
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge

from . import cov as msix_cov
from . import ports
from .axil_master import AxiLiteMaster
from .burst import Bursts, Feed, OutputLog, Player, output_ports, request_ports
from .bus_map import is_valid_access
from .completions import Completions
from .config import MsixConfig
from .driver import ValidReadyDriver
from .gate import Gate
from .hub import CycleHub, XZValue, int_reader
from .monitor import ChangeMonitor, PulseMonitor, RiseMonitor, ValidReadyMonitor
from .scoreboard import MsixScoreboard, repro_command
from .traffic import TRAFFIC, ReadySink, idle_cycles, ready_runs
from .txn import CfgAccess, CtrlLevels, Flr, Notify, UseOp, VectorUse

CLOCK_NS = 10
#: Per simulator process: tests finished and requests committed (see ``_record_run``).
_RUN_STATS = {"tests": 0, "ops": 0}

# Message Control bits as seen in capability DWORD 0 (bits 31:16 = Message Control).
CTRL_ENABLE = 1 << 31
CTRL_MASKALL = 1 << 30

#: Request ports in commit-report order (the order monitors run at one edge).
REQUEST_ORDER = ("bar_write", "bar_read", "cfg", "ctrl", "notify", "use", "flr")


class MsixEnv:
    """Testbench of one DUT: clock, agents (by port name), scoreboard, coverage, helpers."""

    def __init__(self, dut, cfg: MsixConfig, *, traffic: str = "none", seed: int = 0, name: str = "test",
                 bursts: bool = True):
        self.dut = dut
        self.cfg = cfg
        self.binding = b = cfg.binding_def()
        self.profile = p = b.profile
        self.seed = seed
        self.log = logging.getLogger("cocotb.tb")
        self.rng = random.Random(f"{seed}:{name}")
        self.traffic = traffic
        idle, backpressure, resp_backpressure = TRAFFIC[traffic]
        sub = lambda what: random.Random(f"{seed}:{name}:{what}")  # noqa: E731

        layout = cfg.make_model().layout
        self.num_vectors = cfg.num_vectors
        self.bar_size = layout.bar_size
        self.table_offset = layout.table_offset
        self.pba_offset = layout.pba_offset
        self.pba_size = layout.pba_size
        self.cap_dword = cfg.cap_offset // 4
        self.requester_id = self.rng.randrange(1 << 16)
        # Use counts as queued, so that no `use` goes beyond the RTL counter maximum.
        self.use_counts = [0] * cfg.num_vectors
        self._levels = (False, False)  # ENABLE/MASKALL as last queued (levels profile)

        self.clock = getattr(dut, b.clock)
        self._reset = getattr(dut, b.reset)
        # The clock toggles in the simulator (GPI), so a cycle where no agent acts costs no Python.
        cocotb.start_soon(Clock(self.clock, CLOCK_NS, "ns", impl="gpi").start())  # rises now
        CycleHub.of(self.clock).set_clock(convert(CLOCK_NS, "ns", to="step"), get_sim_time())
        self._reset.value = 0 if b.reset_active_low else 1
        if b.signal("requester_id"):
            getattr(dut, b.signal("requester_id")).value = self.requester_id

        sig = b.signals
        settle = p.settle
        idle_sig = getattr(dut, settle.idle) if settle.idle else None
        self.gate = Gate(settle, self.clock, int_reader(idle_sig, settle.idle) if idle_sig is not None else None) \
            if settle.after else None

        def driver(port: str, stream: Optional[str]) -> ValidReadyDriver:
            pdef = ports.REQUESTS[port]
            gaps = idle_cycles(idle, sub(stream)) if stream else None
            return ValidReadyDriver(dut, pdef, b.port_signals(pdef.name), self.clock, idle=gaps, gate=self.gate)

        #: Request drivers by port name (only the ports the profile has).
        self.drivers: dict[str, ValidReadyDriver] = {
            "bar_write": driver("bar_write", "aw"),
            "bar_read": driver("bar_read", "ar"),
        }
        if p.config == "port":
            self.drivers["cfg"] = driver("cfg", "cfg")
        else:
            self.drivers["ctrl"] = driver("ctrl", None)
        self.drivers["notify"] = driver("notify", "notify")
        if p.use_port:
            self.drivers["use"] = driver("use", "use")
        if p.flr:
            self.drivers["flr"] = driver("flr", None)
        if self.gate is not None:
            self.gate.drivers = list(self.drivers.values())
        self._notify_limit = 1 << len(getattr(dut, sig["notify.vector"]))

        self.axil = AxiLiteMaster(self.drivers["bar_write"], self.drivers["bar_read"], cfg.axi_width)
        for role in ("bar.bready", "bar.rready"):
            getattr(dut, sig[role]).value = 1  # high unless a ReadySink applies back-pressure
        #: (output monitor, ready signal, back-pressure runs) per sink.
        self._backpressure = [
            ("msi", getattr(dut, sig["msi.ready"]), ready_runs(backpressure, sub("tlp"))),
            ("bar_b", getattr(dut, sig["bar.bready"]), ready_runs(resp_backpressure, sub("b"))),
            ("bar_r", getattr(dut, sig["bar.rready"]), ready_runs(resp_backpressure, sub("r"))),
        ]
        self.sinks: list[ReadySink] = []
        self._cfg_reads = Completions()

        self.scoreboard = MsixScoreboard(cfg, requester_id=self.requester_id,
                                         clock_period_steps=CLOCK_NS * 1000,  # timescale 1ns/1ps
                                         seed=seed, repro=repro_command(name), log=self.log)
        self.model = self.scoreboard.model
        if not p.access_errors:
            self.axil.allow = lambda op: is_valid_access(self.model, op, self.axil.nbytes)
        self.monitors: dict[str, object] = {}
        #: Queued requests play as bursts where they can (tb/env/burst.py); ``bursts=False``
        #: or ``MSIX_BURSTS=0``: every request from Python (tests/test_cosim_bursts.py compares).
        self.bursts: Optional[Bursts] = None
        self._allow_bursts = bursts and os.environ.get("MSIX_BURSTS", "1") != "0"
        self._tasks: list = []
        self._t0 = 0.0
        #: Functional coverage (tb/env/cov.py), sampled from the records when MSIX_COV=1.
        self.cov: Optional[msix_cov.MsixCoverage] = msix_cov.coverage_for(cfg) if msix_cov.enabled() else None

    # ------------------------------------------------------------ lifecycle
    async def reset(self) -> None:
        """Power-on reset, then start monitors and back-pressure."""
        asserted = 0 if self.binding.reset_active_low else 1
        self._reset.value = asserted
        await ClockCycles(self.clock, 4)
        await FallingEdge(self.clock)
        self._reset.value = 1 - asserted
        self.start()
        await RisingEdge(self.clock)

    def start(self) -> None:
        dut, clk, b, p, sb, cov = self.dut, self.clock, self.binding, self.profile, self.scoreboard, self.cov
        on_xz = sb.xz
        if cov is None:
            commit = sb.commit
        else:
            cov.start()
            commit = lambda op: cov.on_commit(sb.commit(op))  # noqa: E731

        # The scoreboard and coverage hear the monitors through the feed (held while a burst plays).
        feed = Feed(sb)
        order = itertools.count()  # the monitors' order at one edge (the hub runs them as they join)

        def monitor(name, cls, pdef, signals, check, driving=None):
            m = mons[name] = cls(dut, pdef, signals, clk, on_xz=on_xz, driving=driving)
            m.order = next(order)
            m.add_callback(feed.port(m.order, check))

        mons = self.monitors
        for port in REQUEST_ORDER:
            if port in self.drivers:
                pdef = ports.REQUESTS[port]
                cls = ChangeMonitor if port == "ctrl" else ValidReadyMonitor
                monitor(port, cls, pdef, b.port_signals(pdef.name), commit, self.drivers[port].driving)
        checks = {"bar_b": sb.check_b, "bar_r": sb.check_r, "cfg_r": sb.check_cfg_rdata, "intx": sb.check_intx,
                  "msi": sb.check_msi if cov is None else (lambda m: cov.on_msi(sb.check_msi(m)))}
        outputs = output_ports(b)
        for name, (pdef, signals) in outputs.items():
            monitor(name, ValidReadyMonitor if pdef.ready else PulseMonitor, pdef, signals, checks[name])
        if p.err_flag:
            mons["err"] = RiseMonitor(dut, b.signal("err_notify_range"), clk, callback=feed.port(next(order), sb.err_rose))
        # Monitors also release the drivers / waiting callers (at once, also while a burst plays).
        for port, drv in self.drivers.items():
            mons[port].add_callback(drv.accepted)
        mons["bar_b"].add_callback(self.axil.on_b)
        mons["bar_r"].add_callback(self.axil.on_r)
        if "cfg_r" in mons:
            mons["cfg_r"].add_callback(self._cfg_reads.complete)
        if cov is not None:  # after the scoreboard's checks: only what the DUT got right
            mons["bar_b"].add_callback(feed.port(mons["bar_b"].order, cov.on_b))
            mons["bar_r"].add_callback(feed.port(mons["bar_r"].order, cov.on_r))
            msi = b.port_signals("msi")
            self._tasks.append(cocotb.start_soon(cov.stall_monitor(
                clk, getattr(dut, msi["valid"]), lambda: mons["msi"].ready_level(), lambda: len(sb._tlp))))
        # Bursts (tb/env/burst.py): on the wrapper's players, without a settle gate or coverage sampling.
        # What they log reaches every callback of the port's monitor, as if it had sampled it.
        if self.gate is None and cov is None and self._allow_bursts:
            players = {port: Player(dut, port, pdef, sig, self.drivers[port], mons[port], on_xz)
                       for port, (pdef, sig) in request_ports(b).items()
                       if port in self.drivers and Player.available(dut, port)}
            if players:
                logs = [OutputLog(dut, name, pdef, sig, mons[name], on_xz) for name, (pdef, sig) in outputs.items()]
                self.bursts = Bursts(clk, dut.burst_any, dut.burst_abort, feed, players, logs)
        self.sinks = []
        for port, ready, runs in self._backpressure:
            # the pattern plays in the simulator where the wrapper has a msix_tb_ready (tb/tools/tb_top.py)
            player = (getattr(dut, f"ready_{port}_start"), getattr(dut, f"ready_{port}_chunk"), f"ready_{port}") \
                if hasattr(dut, f"ready_{port}_start") else None
            sink, mon = ReadySink(ready, clk, runs, player), mons[port]
            mon.ready_level, mon.on_valid = sink.level, sink.valid_changed
            # ready rises under a valid output: it hands over at the next edge (wake the hub)
            sink.valid_level, sink.on_ready = mon.valid_level, CycleHub.of(clk).poke
            self.sinks.append(sink)
        self._t0, self._cpu0 = time.perf_counter(), time.process_time()

    def stop(self) -> None:
        for agent in list(self.monitors.values()) + list(self.drivers.values()):
            if agent._thread is not None:
                agent._thread.cancel()
                agent._thread = None
        for sink in self.sinks:
            sink.stop()
        self.sinks = []
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self.bursts is not None:
            stopped = self.bursts.close()
            if stopped:
                self.log.info("bursts: the test ended while %s played: stopped (burst_abort), their log discarded",
                              ", ".join(stopped))
            self.bursts = None

    async def quiesce(self) -> None:
        """Wait until every driver has handed over all its queued requests (the
        requests queued since the last wait play as a burst, if they can)."""
        if self.bursts is not None:
            self.bursts.play(self.drivers)
        for d in self.drivers.values():
            await d.wait_idle()

    async def drain(self, max_cycles: int = 200_000) -> None:
        """Quiesce, then wait for every expected output (messages behind back-pressure too).

        Checks every 16 cycles, then lets 4 more pass (anything unexpected still
        in the pipe shows up). Each check sleeps to just before its rising edge,
        so a long stall costs one wake per check, not one per cycle.
        """
        await self.quiesce()
        hub = CycleHub.of(self.clock)
        period = hub.period
        first = hub.next_rising(get_sim_time())
        waited = 0
        while self.scoreboard.outstanding and waited < max_cycles:
            waited += 16
            await hub.sleep_to(first + (waited - 1) * period - period // 4)
        await hub.sleep_to(first + (waited + 3) * period - period // 4)
        await RisingEdge(self.clock)  # end on the edge itself, as a cycle count would

    async def readback(self) -> None:
        """Read the whole table, the whole PBA and the capability through the ports,
        back to back: the shape's idle gaps end here, its back-pressure on the
        responses stays. The readback reads state, and without the gaps a
        2048-vector readback takes about 13,000 cycles, not 49,000 under ``long``."""
        for port in ("bar_read", "cfg"):
            if port in self.drivers:
                self.drivers[port].no_gaps()
        step = self.axil.nbytes
        for addr in range(self.table_offset, self.table_offset + 16 * self.num_vectors, step):
            self.axil.read_nowait(addr)
        for addr in range(self.pba_offset, self.pba_offset + self.pba_size, step):
            self.axil.read_nowait(addr)
        for i in range(3):
            self.cfg_read_nowait(self.cap_dword + i)

    async def finish(self) -> None:
        """End of test: drain, full readback, every expectation met, stop."""
        await self.drain()
        await self.readback()
        await self.drain()
        flag = None
        if self.profile.err_flag:
            name = self.binding.signal("err_notify_range")
            try:
                flag = int_reader(getattr(self.dut, name), name)()
            except XZValue as err:
                self.scoreboard.xz(err, "status")
        self.scoreboard.final_check(flag)
        wall, cpu = time.perf_counter() - self._t0, time.process_time() - self._cpu0
        ops = self.scoreboard.op_index + 1
        self.log.info(
            "%d requests committed, %d MSI TLPs checked, %d cycles, %.2f s wall (%.0f ops/s), %.2f s CPU",
            ops, self.scoreboard.tlps_checked, get_sim_time("ns") // CLOCK_NS, wall, ops / wall if wall else 0, cpu,
        )
        self.stop()
        self._record_run(ops)

    def _record_run(self, ops: int) -> None:
        """With ``MSIX_COV_DIR`` (the regression): requests simulated so far in this
        run (``stats.json``) and the coverage database (``functional.xml``)."""
        out = os.environ.get(msix_cov.ENV_DIR)
        if not out:
            return
        _RUN_STATS["tests"] += 1
        _RUN_STATS["ops"] += ops
        (Path(out) / "stats.json").write_text(json.dumps(_RUN_STATS))
        if self.cov is not None:
            self.cov.export(out)

    def describe(self) -> str:
        """The binding and profile this run checks (printed at the start of every test)."""
        return f"binding {self.binding.name} ({self.binding.toplevel}): {self.profile.describe()}"

    # --------------------------------------------------------------- layout
    def entry(self, vector: int, dword: int = 0) -> int:
        """BAR offset of DWORD ``dword`` (0 addr lo, 1 addr hi, 2 data, 3 control) of an entry."""
        return self.table_offset + 16 * vector + 4 * dword

    def pba_dword(self, vector: int) -> int:
        return self.pba_offset + 4 * (vector // 32)

    def has(self, feature: str) -> bool:
        return self.profile.has(feature)

    # ------------------------------------------------------------- requests
    # What the profile does not claim is not driven (and changes nothing in the model).
    def cfg_write(self, dword: int, data: int, be: int = 0xF) -> None:
        if "cfg" in self.drivers:
            self.drivers["cfg"].send_nowait(CfgAccess(True, dword, be, data))
        elif dword == self.cap_dword and be & 0x8:  # levels: only byte cap+3 bits 7:6 are writable
            self._set_levels(bool(data & CTRL_ENABLE), bool(data & CTRL_MASKALL))

    def cfg_read_nowait(self, dword: int, be: int = 0xF) -> None:
        if "cfg" in self.drivers:
            self._cfg_reads.skip()
            self.drivers["cfg"].send_nowait(CfgAccess(False, dword, be))

    async def cfg_read(self, dword: int, be: int = 0xF) -> int:
        """A config read through the DUT's config port; without one, the hard IP's
        answer (the model's config space, once every queued request has committed)."""
        if "cfg" not in self.drivers:
            await self.quiesce()
            return self.model.config_read(4 * dword, 4) if 0 <= dword - self.cap_dword < 3 else 0
        c = self._cfg_reads.expect()
        self.drivers["cfg"].send_nowait(CfgAccess(False, dword, be))
        return await c.wait()

    def set_control(self, enable: bool, maskall: bool) -> None:
        """Message Control's ENABLE/MASKALL: a write of byte cap+3 only, or new levels."""
        if "cfg" in self.drivers:
            self.cfg_write(self.cap_dword, (CTRL_ENABLE if enable else 0) | (CTRL_MASKALL if maskall else 0), be=0x8)
        else:
            self._set_levels(enable, maskall)

    def _set_levels(self, enable: bool, maskall: bool) -> None:
        # Unchanged levels are no event for the DUT (the model's write would change nothing observable here).
        if (enable, maskall) != self._levels:
            self._levels = (enable, maskall)
            self.drivers["ctrl"].send_nowait(CtrlLevels(enable, maskall))

    def write_entry(self, vector: int, address: int, data: int, control: Optional[int] = None) -> None:
        """Program an entry with DWORD writes (address low, high, data[, control])."""
        w = self.axil.write_dword_nowait
        w(self.entry(vector, 0), address & 0xFFFF_FFFF)
        w(self.entry(vector, 1), address >> 32)
        w(self.entry(vector, 2), data)
        if control is not None:
            w(self.entry(vector, 3), control)

    def mask(self, vector: int, masked: bool = True) -> None:
        self.axil.write_dword_nowait(self.entry(vector, 3), int(masked))

    def notify(self, vector: int) -> None:
        if vector < self._notify_limit:  # a vector wider than the port cannot be driven
            self.drivers["notify"].send_nowait(Notify(vector))

    async def notify_settled(self) -> None:
        """Wait until every queued notify has committed."""
        await self.drivers["notify"].wait_idle()

    def use_op(self, op: UseOp, vector: int = 0) -> None:
        """A raw request on the use port (none without one)."""
        if "use" in self.drivers:
            self.drivers["use"].send_nowait(VectorUse(op, vector))

    def use(self, vector: int) -> None:
        """``msix_vector_use``; skipped at the RTL counter maximum (a documented limit)."""
        if vector < self.num_vectors:
            if self.use_counts[vector] >= self.cfg.use_count_max:
                return
            self.use_counts[vector] += 1
        self.use_op(UseOp.USE, vector)

    def unuse(self, vector: int) -> None:
        if vector < self.num_vectors and self.use_counts[vector]:
            self.use_counts[vector] -= 1
        self.use_op(UseOp.UNUSE, vector)

    def unuse_all(self) -> None:
        self.use_counts = [0] * self.num_vectors
        self.use_op(UseOp.UNUSE_ALL, 0)

    async def use_all(self) -> None:
        """Mark every vector in use once more, and wait until that took effect
        (without tracking every vector is always in use: nothing to do)."""
        if self.cfg.tracking:
            for v in range(self.num_vectors):
                self.use(v)
            drv = self.drivers["use"]
            if self.bursts is not None:
                self.bursts.play({"use": drv})
            await drv.wait_idle()

    def flr(self) -> None:
        if "flr" in self.drivers:
            self.drivers["flr"].send_nowait(Flr())
