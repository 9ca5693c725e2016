"""Survivors of the mutation campaign that Yosys could not prove equivalent, argued by hand.

``NOTES[mutant id] = (verdict, why)``: verdict ``"equivalent"`` (no test can
kill it: the report counts it as equivalent) or ``"out of reach"`` (a real
difference the testbench cannot drive or see today: it stays a survivor).
Yosys's ``equiv_induct`` fails on these only because it proves equality in
every state, reachable or not, and without the contract's don't-cares.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]

#: The RTL these notes argue about: sha256 of msix_block's sources (``rtl_sha``). A changed RTL
#: gives Yosys another netlist to sample, so every index names another mutant: notes written for
#: another RTL are ignored (and the campaign says so) until they are argued again.
RTL = "cb2891a3adda5fec"  # d3516b1

NOTES: dict[str, tuple[str, str]] = {
    "n8:1:1": ("equivalent", "n8's PBA is 2 DWORDs: pba_dw is pba_rel[2:2]; bit 3 of pba_rel is read by nothing"),
    "n8:1:58": ("equivalent", "TABLE_START is 0 in n8, so a - 0 has no borrow: inverting a[0] changes only "
                "table_rel[0], which nothing reads (vec and lane are bits >= 2)"),
    "n8:1:43": ("equivalent", "reset value of cfg_rdata_q: cfg_rdata is defined only while cfg_rvalid pulses "
                "(rtl/README.md), and every pulse follows a read that reloads the register"),
    "n8:1:97": ("equivalent", "seq_vec_q in S_IDLE without tw_send/cfg_start_walk: a held value nobody reads; "
                "S_RAW and S_WALK load it before use"),
    "n8_w64_trk_fifo2:1:4": ("equivalent", "bit 4 of the odd PBA DWORD of a 64-bit read: with 8 vectors that DWORD "
                             "(vectors 32..63) is constant 0, as is the mutation"),
    "n8_w64_trk_fifo2:1:48": ("equivalent", "address bit 1 only matters for a misaligned access, which shape_ok "
                              "rejects whatever in_pba says (ok = shape_ok && (in_table || in_pba))"),
    "n8_w64_trk_fifo2:1:104": ("equivalent", "count_q of a 2-deep FIFO is 0, 1 or 2: XOR-ing bit 0 into bit 1 "
                               "leaves count_q != 0 unchanged for all three (3 is unreachable)"),
    "n8_w64_trk_fifo2:1:73": ("out of reach", "a constant use-counter read address pushed out of range (bit 13): "
                              "Yosys reads undefined, but Verilator (the campaign's simulator) indexes the "
                              "8-entry array with the low address bits, so the written netlist simulates there "
                              "exactly as the original"),
    "n8_w64_trk_fifo2:1:115": ("out of reach", "as n8_w64_trk_fifo2:1:73: a constant use-counter read address "
                               "pushed out of range (bit 4) that Verilator wraps back into the array"),
    "n8_w64_trk_fifo2:1:108": ("equivalent", "the S_IDLE arm without tw_send/cfg_start_walk holds state_q, which "
                               "is S_IDLE (2'b00) there: clearing its bit 1 changes nothing"),
}


@lru_cache(maxsize=None)
def rtl_sha() -> str:
    """sha256 (16 hex digits) of the mutated RTL: msix_block's sources, in compile order."""
    from ..bindings import BINDINGS

    h = hashlib.sha256()
    for src in BINDINGS["msix_block"].sources:
        h.update((ROOT / src).read_bytes())
    return h.hexdigest()[:16]


def current() -> bool:
    """The notes were argued for the RTL as it is now."""
    return rtl_sha() == RTL


def note(mutant_id: str) -> Optional[tuple[str, str]]:
    """(verdict, why) of a survivor argued about, if the notes are for the current RTL."""
    return NOTES.get(mutant_id) if current() else None
