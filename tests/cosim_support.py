"""Helpers shared by the co-simulation pytest files (builds, seeds)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from tb.bindings import CONFIGS
from tb.env.config import MsixConfig
from tb.tools import runner

_SEED: list[int] = []


def session_seed() -> int:
    """``SEED`` if given, else one fresh seed for this pytest process (printed per run)."""
    if not _SEED:
        _SEED.append(runner.pick_seed())
    return _SEED[0]


def build_all(pairs: list[tuple[str, MsixConfig]]) -> None:
    """Build (simulator, configuration) pairs, two at a time (each build is locked)."""
    jobs = max(1, min(len(pairs), (os.cpu_count() or 2)))
    waves = runner.waves_requested()
    # One Verilator build first: where `make setup` has not filled the compiler cache with
    # the Verilator and cocotb runtime, two builds started together would both compile it.
    first = next((p for p in pairs if p[0] == "verilator"), None)
    if first is not None:
        runner.build(*first, waves)
    with ThreadPoolExecutor(jobs) as pool:
        for f in [pool.submit(runner.build, sim, cfg, waves) for sim, cfg in pairs if (sim, cfg) != first]:
            f.result()


def prebuild_selected(session, sim_arg: str, cfg_arg: str) -> None:
    """Build what the selected items of this session will run, before the first runs."""
    pairs = []
    for item in session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if sim_arg in params and cfg_arg in params:
            cfg = params[cfg_arg]
            pair = (params[sim_arg], CONFIGS[cfg] if isinstance(cfg, str) else cfg)
            if pair not in pairs:
                pairs.append(pair)
    # Verilator builds are the slow ones: start them first.
    pairs.sort(key=lambda p: (p[0] != "verilator", -p[1].num_vectors))
    build_all(pairs)
