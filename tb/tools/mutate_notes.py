"""Survivors of the mutation campaign that Yosys could not prove equivalent, argued by hand.

``NOTES[mutant id] = (verdict, why)``: verdict ``"equivalent"`` (no test can
kill it: the report counts it as equivalent) or ``"out of reach"`` (a real
difference the testbench cannot drive or see today: it stays a survivor).
Yosys's ``equiv_induct`` fails on these only because it proves equality in
every state, reachable or not, and without the contract's don't-cares.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

#: The RTL these notes argue about: sha256 of msix_block's sources (``rtl_sha``). A changed RTL
#: gives Yosys another netlist to sample, so every index names another mutant: notes written for
#: another RTL are ignored (and the campaign says so) until they are argued again.
RTL = "0f499c49dd755f6a"  # c869dda and later (argued 2026-11-30)

NOTES: dict[str, tuple[str, str]] = {
    "n8:1:34": ("equivalent", "reset value of cfg_rdata_q (bit 12): cfg_rdata is defined only while cfg_rvalid "
                "pulses (rtl/README.md), and every pulse follows a read that reloads the register"),
    "n8:1:39": ("equivalent", "TABLE_START is 0 in n8, so table_rel is the address: bit 0 is read by nothing "
                "(vec and lane are bits >= 2)"),
    "n8:1:70": ("equivalent", "as n8:1:39: table_rel[1] is read by nothing (vec and lane are bits >= 2)"),
    "n8:1:51": ("equivalent", "n8's PBA is 2 DWORDs: pba_dw is pba_rel[2:2], and a subtraction's low result bits "
                "depend only on the operand's low bits, so operand bit 3 reaches nothing that is read"),
    "n8:1:83": ("equivalent", "seq_vec_q in S_IDLE is read by nothing; S_RAW loads it, and at a walk's start it "
                "is 0 either way: a walk starts only with the function masked, while S_RAW and S_WALK are "
                "entered only with it unmasked and take no request, so the S_IDLE cycle before a walk's start "
                "(or rst) has zeroed it"),
    "n8:1:109": ("equivalent", "the read stage's side information (rd_cleared_q, rd_lane_q) loaded every cycle, "
                 "not only with ram_rd_en: it is used only in the cycle after a read, and that read's own cycle "
                 "has ram_rd_en high and loads it"),
    "n8:1:112": ("equivalent", "message address bit 0: a Memory Write TLP cannot carry address bits 1:0 "
                 "(msix_tlp_fmt drops them), and nothing else reads the queue's address bit 0"),
    "n8_w64_trk_fifo2:1:18": ("equivalent", "data of the table RAM's lane-1 write while wr_en[1] is low "
                              "(x in the RTL): that write is disabled"),
    "n8_w64_trk_fifo2:1:24": ("equivalent", "walk_in_use stuck at 1: the walk sends only for a pending vector, "
                              "and pending implies in use (pending is set only for a live vector; the last "
                              "unuse and unuse-all clear it)"),
    "n8_w64_trk_fifo2:1:28": ("equivalent", "ram_rd_en high in cycles without a RAM user: the RAM output and "
                              "the read stage's side information are used only in the cycle after a read "
                              "made for that user, which loads them itself"),
    "n8_w64_trk_fifo2:1:111": ("equivalent", "as n8_w64_trk_fifo2:1:28: the S_RAW compare stuck at 1 in the "
                               "read port's arbitration only adds RAM reads nobody uses (rd_is_msg has its "
                               "own compare)"),
    "n8_w64_trk_fifo2:1:107": ("equivalent", "RAM read address bit 2 in the arm without a reader "
                               "(ram_rd_en low): nothing is read"),
    "n8_w64_trk_fifo2:1:133": ("equivalent", "pba_rel[12]: only pba_dw (pba_rel[2:2] for 8 vectors) is read"),
    "n8_w64_trk_fifo2:1:42": ("out of reach", "the use counters' clear (rst, unuse-all) writes a constant "
                              "address pushed out of range (bit 25): Yosys writes nowhere, but Verilator (the "
                              "campaign's simulator) indexes the 8-entry array with the low address bits, so "
                              "the written netlist simulates there exactly as the original"),
}


@lru_cache(maxsize=None)
def rtl_sha() -> str:
    """sha256 (16 hex digits) of the mutated RTL: msix_block's sources, in compile order."""
    from ..bindings import BINDINGS
    from .mutate_gen import rtl_hash

    return rtl_hash(BINDINGS["msix_block"].sources).hexdigest()[:16]


def current() -> bool:
    """The notes were argued for the RTL as it is now."""
    return rtl_sha() == RTL


def note(mutant_id: str) -> Optional[tuple[str, str]]:
    """(verdict, why) of a survivor argued about, if the notes are for the current RTL."""
    return NOTES.get(mutant_id) if current() else None
