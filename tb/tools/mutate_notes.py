"""Survivors of the mutation campaign that Yosys could not prove equivalent, argued by hand.

``NOTES[mutant id] = (verdict, why)``: verdict ``"equivalent"`` (no test can
kill it: the report counts it as equivalent) or ``"out of reach"`` (a real
difference the testbench cannot drive or see today: it stays a survivor).
Yosys's ``equiv_induct`` fails on these only because it proves equality in
every state, reachable or not, and without the contract's don't-cares.
"""

from __future__ import annotations

NOTES: dict[str, tuple[str, str]] = {
    "n8:1:1": ("equivalent", "n8's PBA is 2 DWORDs: pba_dw is pba_rel[2:2]; bit 3 of pba_rel is read by nothing"),
    "n8:1:58": ("equivalent", "TABLE_START is 0 in n8, so a - 0 has no borrow: inverting a[0] changes only "
                "table_rel[0], which nothing reads (vec and lane are bits >= 2)"),
    "n8:1:43": ("equivalent", "reset value of cfg_rdata_q: cfg_rdata is defined only while cfg_rvalid pulses "
                "(rtl/README.md), and every pulse follows a read that reloads the register"),
    "n8:1:97": ("equivalent", "seq_vec_q in S_IDLE without tw_send/cfg_start_walk: a held value nobody reads; "
                "S_RAW and S_WALK load it before use"),
}
