"""Survivors of the mutation campaign that Yosys could not prove equivalent, argued by hand.

``NOTES[mutant id] = (verdict, why)``: verdict ``"equivalent"`` (no test can
kill it: the report counts it as equivalent) or ``"out of reach"`` (a real
difference the testbench cannot drive or see today: it stays a survivor).
"""

from __future__ import annotations

NOTES: dict[str, tuple[str, str]] = {
}
