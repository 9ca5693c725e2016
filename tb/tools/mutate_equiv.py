"""Is a surviving mutant equivalent to the original design? Ask Yosys.

For mutant k of a pool: the elaborated design (the same script as the pool),
copied as ``gold``; the mutation applied alone (no ``mutsel``) to the other copy,
``gate``; both optimised (``opt -full``); then ``equiv_make gold gate``,
``equiv_struct`` (merges what is structurally equal), ``equiv_simple`` (SAT on
each remaining cone) and ``equiv_induct`` (SAT, by induction over the matched
state, which needs no reset assumption) and ``equiv_status -assert``. About 3
CPU-seconds a mutant on n8.

"proved" means equivalent in every state, reachable or not: the mutant cannot be
killed by any test. "not proved" proves nothing either way: the mutant may
still differ only in states the design never reaches after ``rst`` (then the
report's note argues it), or be a real gap of the testbench.
"""

from __future__ import annotations

import json
import subprocess

from .mutate_gen import YOSYS, Pool, _prepare

TIMEOUT_S = 120


def check(pool: Pool, index: int) -> tuple[str, str]:
    """``("proved", note)``, ``("not proved", note)`` or ``("error", note)``."""
    m = pool.get(index)
    top = pool.cfg.binding_def().toplevel
    folder = pool.folder / "equiv"
    folder.mkdir(exist_ok=True)
    script = (f"{_prepare(pool.cfg)}; copy {top} gold; {m.command}; rename {top} gate; "
              f"opt -full gold gate; memory -nomap; opt_clean; "
              f"equiv_make gold gate equiv; hierarchy -top equiv; "
              f"equiv_struct; equiv_simple; equiv_induct; equiv_status -assert")
    log = folder / f"{index}.log"
    cached = folder / f"{index}.json"  # a verdict depends on the RTL, the pool and this script only
    if cached.exists():
        d = json.loads(cached.read_text())
        if d.get("script") == script:
            return d["verdict"], d["note"]
    verdict, note = _prove(script, folder, log)
    if verdict != "error":
        cached.write_text(json.dumps({"script": script, "verdict": verdict, "note": note}))
    return verdict, note


def _prove(script: str, folder, log) -> tuple[str, str]:
    try:
        proc = subprocess.run([YOSYS, "-q", "-l", str(log), "-p", script], cwd=folder, capture_output=True,
                              text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "not proved", f"Yosys equiv: no proof within {TIMEOUT_S} s"
    if proc.returncode == 0:
        return "proved", "equivalent: Yosys equiv_simple/equiv_induct proved every output and state equal"
    text = log.read_text(errors="replace") if log.exists() else proc.stderr
    if "unproven" in text:
        n = text.count("Unproven $equiv")
        return "not proved", f"Yosys equiv: {n} signal bits not proved equal"
    return "error", f"Yosys equiv failed: {proc.stderr.strip()[-300:]}"
