"""``MsixTB``: one ``msix_block`` with its drivers, monitors and scoreboard.

Built per test (cocotbext-axi style): ``tb = MsixTB(dut, cfg, traffic=...)``,
``await tb.reset()`` (power-on ``rst``; starts the monitors), the sequence, then
``await tb.finish()`` (drain, full readback of table/PBA/capability through the
bus, final scoreboard checks, stop).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from pathlib import Path
from typing import Optional

import cocotb
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge

from .axil_master import AxiLiteMaster, AxilBMonitor, AxilReadMonitor, AxilRMonitor, AxilWriteMonitor
from .msix_agents import (
    CfgDriver,
    CfgMonitor,
    CfgReadDataMonitor,
    Completions,
    FlrDriver,
    FlrMonitor,
    NotifyDriver,
    NotifyMonitor,
    RiseMonitor,
    StrobeMonitor,
    TlpMonitor,
    ReadySink,
    UseDriver,
    UseMonitor,
    idle_cycles,
    ready_runs,
)
from . import msix_cov
from .msix_config import MsixConfig
from .msix_scoreboard import MsixScoreboard, repro_command
from .msix_txn import CfgAccess, Flr, Notify, UseOp, VectorUse

CLOCK_NS = 10
#: Per simulator process: tests finished and requests committed (see ``_record_run``).
_RUN_STATS = {"tests": 0, "ops": 0}

#: Traffic shapes every test is repeated under:
#: (driver idle gaps, TLP back-pressure, AXI B/R back-pressure).
TRAFFIC = {
    "none": ("none", "none", "none"),
    "idle": ("light", "light", "none"),
    "stall": ("none", "heavy", "light"),
    "long": ("heavy", "long", "light"),
}

# Message Control bits as seen in capability DWORD 0 (bits 31:16 = Message Control).
CTRL_ENABLE = 1 << 31
CTRL_MASKALL = 1 << 30


class MsixTB:
    """Testbench of one ``msix_block``: clock, agents, scoreboard, helpers."""

    def __init__(self, dut, cfg: MsixConfig, *, traffic: str = "none", seed: int = 0, name: str = "test"):
        self.dut = dut
        self.cfg = cfg
        self.seed = seed
        self.log = logging.getLogger("cocotb.tb")
        self.rng = random.Random(f"{seed}:{name}")
        self.traffic = traffic
        idle, backpressure, resp_backpressure = TRAFFIC[traffic]
        sub = lambda what: random.Random(f"{seed}:{name}:{what}")  # noqa: E731

        layout = cfg.make_model().layout
        self.nvec = cfg.nvec
        self.bar_size = layout.bar_size
        self.table_offset = layout.table_offset
        self.pba_offset = layout.pba_offset
        self.pba_size = layout.pba_size
        self.cap_dword = cfg.cap_offset // 4
        self.requester_id = self.rng.randrange(1 << 16)
        # Use counts as queued, so that no `use` goes beyond the RTL counter maximum.
        self.use_counts = [0] * cfg.nvec

        cocotb.start_soon(Clock(dut.clk, CLOCK_NS, "ns").start())
        self.clock = dut.clk
        dut.rst.value = 1
        dut.requester_id.value = self.requester_id

        self.axil = AxiLiteMaster(dut, "s_axil", dut.clk, cfg.axi_width,
                                  idle=idle_cycles(idle, sub("aw")), read_idle=idle_cycles(idle, sub("ar")))
        self.cfg_if = CfgDriver(dut, "cfg", dut.clk, idle=idle_cycles(idle, sub("cfg")))
        self.notify_if = NotifyDriver(dut, "notify", dut.clk, idle=idle_cycles(idle, sub("notify")))
        self.use_if = UseDriver(dut, "use", dut.clk, idle=idle_cycles(idle, sub("use")))
        self.flr_if = FlrDriver(dut, "flr", dut.clk)
        self.drivers = [self.axil.write_if, self.axil.read_if, self.cfg_if, self.notify_if, self.use_if, self.flr_if]
        self._backpressure = {
            dut.tlp_ready: ready_runs(backpressure, sub("tlp")),
            dut.s_axil_bready: ready_runs(resp_backpressure, sub("b")),
            dut.s_axil_rready: ready_runs(resp_backpressure, sub("r")),
        }
        self.sinks: list[ReadySink] = []
        self._cfg_reads = Completions()

        self.scoreboard = MsixScoreboard(
            cfg,
            requester_id=self.requester_id,
            clock_period_steps=CLOCK_NS * 1000,  # timescale 1ns/1ps
            seed=seed,
            repro=repro_command(name),
            log=self.log,
        )
        self.model = self.scoreboard.model
        self.monitors: list = []
        self._t0 = 0.0
        #: Functional coverage (tb/msix_cov.py), sampled from the monitors when MSIX_COV=1.
        self.cov: Optional[msix_cov.MsixCoverage] = msix_cov.coverage_for(cfg) if msix_cov.enabled() else None
        self._cov_task = None
        if self.cov is not None:
            self.cov.attach(dut, self.model)

    # ------------------------------------------------------------ lifecycle
    async def reset(self) -> None:
        """Power-on reset, then start monitors and back-pressure."""
        self.dut.rst.value = 1
        await ClockCycles(self.clock, 4)
        await FallingEdge(self.clock)
        self.dut.rst.value = 0
        self.start()
        await RisingEdge(self.clock)

    def _commit_sampled(self, op) -> None:
        """A committed request: coverage sees the model just before and just after the replay."""
        cov = self.cov
        cov.before(op)
        self.scoreboard.commit(op)
        cov.after(op)

    def start(self) -> None:
        sb, dut, clk = self.scoreboard, self.dut, self.clock
        commit = sb.commit if self.cov is None else self._commit_sampled
        mons = [
            AxilWriteMonitor(dut, "s_axil", clk, callback=commit),
            AxilReadMonitor(dut, "s_axil", clk, callback=commit),
            CfgMonitor(dut, "cfg", clk, callback=commit),
            NotifyMonitor(dut, "notify", clk, callback=commit),
            UseMonitor(dut, "use", clk, callback=commit),
            FlrMonitor(dut, "flr", clk, callback=commit),
            AxilBMonitor(dut, "s_axil", clk, callback=sb.check_b),
            AxilRMonitor(dut, "s_axil", clk, callback=sb.check_r),
            CfgReadDataMonitor(dut, "cfg", clk, callback=sb.check_cfg_rdata),
            TlpMonitor(dut, "tlp", clk, callback=sb.check_tlp),
            StrobeMonitor(dut, "intx_deassert", clk, callback=sb.check_intx),
            RiseMonitor(dut, "err_notify_range", clk, callback=sb.err_rose),
        ]
        # Monitors also release the drivers / waiting callers.
        mons[0].add_callback(self.axil.write_if.accepted)
        mons[1].add_callback(self.axil.read_if.accepted)
        mons[2].add_callback(self.cfg_if.accepted)
        mons[3].add_callback(self.notify_if.accepted)
        mons[4].add_callback(self.use_if.accepted)
        mons[5].add_callback(self.flr_if.accepted)
        mons[6].add_callback(self.axil.on_b)
        mons[7].add_callback(self.axil.on_r)
        mons[8].add_callback(self._cfg_reads.complete)
        if self.cov is not None:  # after the scoreboard's checks: only what the DUT got right
            mons[6].add_callback(self.cov.on_b)
            mons[7].add_callback(self.cov.on_r)
            mons[9].add_callback(self.cov.on_tlp)
            self._cov_task = cocotb.start_soon(self.cov.stall_monitor(clk))
        self.monitors = mons
        self.sinks = [ReadySink(sig, clk, runs) for sig, runs in self._backpressure.items()]
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        for agent in self.monitors + self.drivers + self.sinks:
            if agent._thread is not None:
                agent._thread.cancel()
                agent._thread = None
        if self._cov_task is not None:
            self._cov_task.cancel()
            self._cov_task = None

    async def quiesce(self) -> None:
        """Wait until every driver has handed over all its queued requests."""
        for d in self.drivers:
            await d.wait_idle()

    async def drain(self, max_cycles: int = 200_000) -> None:
        """Quiesce, then wait for every expected output (messages behind back-pressure too)."""
        await self.quiesce()
        waited = 0
        while self.scoreboard.outstanding and waited < max_cycles:
            await ClockCycles(self.clock, 16)
            waited += 16
        await ClockCycles(self.clock, 4)  # anything unexpected still in the pipe shows up now

    async def readback(self) -> None:
        """Read the whole table, the whole PBA and the capability through the ports."""
        step = self.axil.nbytes
        for addr in range(self.table_offset, self.table_offset + 16 * self.nvec, step):
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
        self.scoreboard.final_check(int(self.dut.err_notify_range.value))
        wall = time.perf_counter() - self._t0
        ops = self.scoreboard.op_index + 1
        self.log.info(
            "%d requests committed, %d MSI TLPs checked, %d cycles, %.2f s wall (%.0f ops/s)",
            ops, self.scoreboard.tlps_checked, get_sim_time("ns") // CLOCK_NS, wall, ops / wall if wall else 0,
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

    # --------------------------------------------------------------- layout
    def entry(self, vector: int, dword: int = 0) -> int:
        """BAR offset of DWORD ``dword`` (0 addr lo, 1 addr hi, 2 data, 3 control) of an entry."""
        return self.table_offset + 16 * vector + 4 * dword

    def pba_dword(self, vector: int) -> int:
        return self.pba_offset + 4 * (vector // 32)

    # ------------------------------------------------------------- requests
    def cfg_write(self, dword: int, data: int, be: int = 0xF) -> None:
        self.cfg_if.send_nowait(CfgAccess(True, dword, be, data))

    def cfg_read_nowait(self, dword: int, be: int = 0xF) -> None:
        self._cfg_reads.expect()
        self.cfg_if.send_nowait(CfgAccess(False, dword, be))

    async def cfg_read(self, dword: int, be: int = 0xF) -> int:
        c = self._cfg_reads.expect()
        self.cfg_if.send_nowait(CfgAccess(False, dword, be))
        return await c.wait()

    def set_control(self, enable: bool, maskall: bool) -> None:
        """Write Message Control's upper byte only (covers cap+3)."""
        self.cfg_write(self.cap_dword, (CTRL_ENABLE if enable else 0) | (CTRL_MASKALL if maskall else 0), be=0x8)

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
        self.notify_if.send_nowait(Notify(vector))

    def use(self, vector: int) -> None:
        """``msix_vector_use``; skipped at the RTL counter maximum (a documented limit)."""
        if vector < self.nvec:
            if self.use_counts[vector] >= self.cfg.use_count_max:
                return
            self.use_counts[vector] += 1
        self.use_if.send_nowait(VectorUse(UseOp.USE, vector))

    def unuse(self, vector: int) -> None:
        if vector < self.nvec and self.use_counts[vector]:
            self.use_counts[vector] -= 1
        self.use_if.send_nowait(VectorUse(UseOp.UNUSE, vector))

    def unuse_all(self) -> None:
        self.use_counts = [0] * self.nvec
        self.use_if.send_nowait(VectorUse(UseOp.UNUSE_ALL, 0))

    async def use_all(self) -> None:
        """Mark every vector in use once more, and wait until that took effect
        (without tracking every vector is always in use: nothing to do)."""
        if self.cfg.tracking:
            for v in range(self.nvec):
                self.use(v)
            await self.use_if.wait_idle()

    def flr(self) -> None:
        self.flr_if.send_nowait(Flr())
