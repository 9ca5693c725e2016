"""cocotb module of ``make bench``: the RTL's message rate and latency, in cycles.

Not a test of the suite: ``tests/bench_cosim.py`` runs it on Verilator and
reads the JSON it writes to ``$MSIX_BENCH_OUT``. Everything runs through the
normal testbench (``MsixEnv``), so the scoreboard checks every message against
the golden model while the cycles are counted. With ``tlp_ready`` always high:

* latency: notify handshake edge -> first rising edge with ``tlp_valid`` high,
  for single notifies into an empty queue;
* notify burst: back-to-back notifies of unmasked vectors, TLP beats per cycle
  from the first beat to the last;
* release walk: every vector pending under MASKALL, then one config write
  clearing MASKALL releases them all; TLP beats per cycle over the walk, and
  the cycles from the config write's handshake to the first ``tlp_valid``.
"""

from __future__ import annotations

import json
import os

import cocotb
from cocotb.simtime import get_sim_time

from tb.env.config import MsixConfig
from tb.env.env import CLOCK_NS, MsixEnv
from tb.env.hub import CycleHub, int_reader

CFG = MsixConfig.from_env()
PERIOD = CLOCK_NS * 1000  # sim steps (1 ps) per cycle


def cycle() -> int:
    return get_sim_time() // PERIOD


def rate(beats: list[int]) -> float:
    """TLP beats per cycle from the first beat to the last."""
    return (len(beats) - 1) / (beats[-1] - beats[0]) if len(beats) > 1 else 0.0


@cocotb.test()
async def msi_rate_and_latency(dut) -> None:
    tb = MsixEnv(dut, CFG, traffic="none", seed=1, name="bench_rtl")
    await tb.reset()
    valid_edges: list[int] = []  # rising edges where tlp_valid is high
    beats: list[int] = []  # rising edges where a TLP is taken
    tlp_valid, tlp_ready = int_reader(dut.tlp_valid, "tlp_valid"), int_reader(dut.tlp_ready, "tlp_ready")

    def sample() -> None:
        if tlp_valid():
            now = cycle()
            valid_edges.append(now)
            if tlp_ready():
                beats.append(now)

    CycleHub.of(tb.clock).add_rising(sample)
    notify_edges: list[int] = []
    cfg_edges: list[int] = []
    tb.monitors["notify"].add_callback(lambda _op: notify_edges.append(cycle()))
    tb.monitors["cfg"].add_callback(lambda _op: cfg_edges.append(cycle()))

    n = tb.num_vectors
    vectors = list(range(n))
    await tb.use_all()
    for v in vectors:
        tb.write_entry(v, 0xFEE0_0000 + 16 * v, 0x4000 + v, control=0)
    tb.set_control(True, False)
    await tb.drain()

    # 1. Latency of single notifies into an empty queue.
    latencies = []
    for v in vectors[:16]:
        valid_edges.clear()
        tb.notify(v)
        await tb.drain()
        latencies.append(valid_edges[0] - notify_edges[-1])

    # 2. A burst of back-to-back notifies.
    beats.clear()
    burst = [vectors[i % n] for i in range(256)]
    for v in burst:
        tb.notify(v)
    await tb.drain()
    burst_beats = list(beats)

    # 3. Every vector pending under MASKALL, then one unmask releases them all.
    tb.set_control(True, True)
    for v in vectors:
        tb.notify(v)
    await tb.drain()
    beats.clear()
    valid_edges.clear()
    tb.set_control(True, False)
    await tb.drain()
    walk_beats = list(beats)
    walk_start = cfg_edges[-1]

    await tb.finish()
    assert len(burst_beats) == len(burst) and len(walk_beats) == n, "a message is missing"
    result = {
        "config": CFG.name,
        "vectors": n,
        "msg_fifo_depth": CFG.msg_fifo_depth,
        "notify_to_tlp_valid_cycles": {"min": min(latencies), "max": max(latencies)},
        "notify_burst": {"tlps": len(burst_beats), "cycles": burst_beats[-1] - burst_beats[0] + 1,
                         "tlps_per_cycle": rate(burst_beats)},
        "release_walk": {"tlps": len(walk_beats), "cycles": walk_beats[-1] - walk_beats[0] + 1,
                         "tlps_per_cycle": rate(walk_beats),
                         "cfg_write_to_first_tlp_valid_cycles": valid_edges[0] - walk_start},
    }
    dut._log.info("bench_rtl: %s", json.dumps(result))
    out = os.environ.get("MSIX_BENCH_OUT")
    if out:
        with open(out, "w") as fh:
            json.dump(result, fh, indent=1)
