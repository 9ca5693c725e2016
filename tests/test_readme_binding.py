"""The README's worked binding is the one the tests run (tb/bindings/scan_msix.py),
and it stays within the size the guide promises."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_binding_is_the_tested_one() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(BINDING = Binding\(\n    name=\"scan_msix\".*?)```", readme, re.S)
    assert block, "the README lost its worked binding"
    source = (ROOT / "tb" / "bindings" / "scan_msix.py").read_text()
    assert block.group(1) in source, "README's binding differs from tb/bindings/scan_msix.py"
    assert len(source.splitlines()) <= 60, "the worked binding grew past the guide's ~60 lines"


def test_scan_configuration_is_registered() -> None:
    from tb.bindings import BINDINGS, CONFIGS

    assert CONFIGS["scan_n16"].binding_def() is BINDINGS["scan_msix"]
