"""Smoke of the mutation campaign (``make mutate``, tb/tools/mutate.py).

Five fixed Yosys mutants of msix_block (n8, sampling seed 1), each breaking a
different part (BAR decode, MSI header, INTx deassert, config decode, RAM
read-back) and each killed by the first screened test, are written into one
netlist behind ``+mutsel``, built for Icarus (a second simulator accepts the
written netlist; the campaign itself runs on Verilator) and run through a short
screen: the original (``mutsel`` 0) must pass it and every mutant must be killed.
"""

from __future__ import annotations

import pytest

from tb.bindings import CONFIGS
from tb.tools import mutate_gen, mutate_run

SIM = "icarus"
CONFIG, SEED = "n8", 1
#: (index, what it breaks); ids n8:1:<index>, each reruns alone with ``make mutate MUTANT=n8:1:<index>``.
SMOKE = {32: "BAR decode refuses every access", 93: "MSI header Fmt bit inverted", 143: "intx_deassert inverted",
         163: "config decode: every DWORD is Message Control", 164: "entry read-back (message data bit 16) inverted"}
SCREEN = r"\.(reset_state|notify|unmask_sends_pending)/traffic=stall$"


@pytest.fixture(scope="module")
def smoke():
    pool = mutate_gen.generate(CONFIGS[CONFIG], SEED, subset=tuple(SMOKE))
    return pool, mutate_run.build(pool, SIM)


def test_original_passes(smoke) -> None:
    pool, out = smoke
    o = mutate_run.run_mutant(pool, 0, out, SIM, screen_only=True, screen=SCREEN)
    assert o.status == "survived" and o.tests == 3, f"the unmutated netlist fails: {o.killed_by}\n{o.message}"


@pytest.mark.parametrize("index", sorted(SMOKE))
def test_mutant_is_killed(smoke, index: int) -> None:
    pool, out = smoke
    o = mutate_run.run_mutant(pool, index, out, SIM, screen_only=True, screen=SCREEN)
    m = pool.get(index)
    assert o.status == "killed", f"{m.id} ({SMOKE[index]}: {m.describe()} at {m.where}) survived the screen"
    print(f"{m.id} ({SMOKE[index]}): killed by {o.killed_by}")
