"""Static checks of every bound DUT: lint-clean on Verilator (-Wall), accepted
by Icarus, and parameter sets that ``msix_init`` rejects stop with the reason.

Runs over the co-simulation configurations (tb/bindings/: each with its
binding's toplevel, sources and parameters) and every fault define, so a new
configuration or binding is linted without being listed twice.
"""

import subprocess
from pathlib import Path

import pytest

from tb.bindings import CONFIGS, FAULT_BASE

ROOT = Path(__file__).resolve().parent.parent
RTL = ROOT / "rtl"
#: name -> (configuration, defines)
LINT_SETS = {name: (cfg, ()) for name, cfg in CONFIGS.items()}
LINT_SETS.update({d: (FAULT_BASE, (d,)) for d in FAULT_BASE.binding_def().faults})
LINT_SETS.update({d: (cfg, (d,)) for cfg in CONFIGS.values() if cfg.binding != FAULT_BASE.binding
                  for d in cfg.binding_def().faults})
MSIX_BLOCK = CONFIGS["n8"]

# Rejected by msix_init (or by the RTL's own range checks), with the reason's words.
INVALID_SETS = {
    "no_vectors": ({"NUM_VECTORS": 0}, "outside 1..2048"),
    "too_many_vectors": ({"NUM_VECTORS": 2049}, "outside 1..2048"),
    "overlap": ({"NUM_VECTORS": 8, "BAR_SIZE": 4096, "TABLE_OFFSET": 0, "PBA_OFFSET": 64}, "overlap"),
    "pba_does_not_fit": ({"NUM_VECTORS": 8, "BAR_SIZE": 4096, "TABLE_OFFSET": 0, "PBA_OFFSET": 4092}, "fit"),
    "table_does_not_fit": ({"NUM_VECTORS": 8, "BAR_SIZE": 4096, "TABLE_OFFSET": 4000, "PBA_OFFSET": 0}, "fit"),
    "misaligned": ({"NUM_VECTORS": 8, "BAR_SIZE": 4096, "TABLE_OFFSET": 4, "PBA_OFFSET": 2048}, "multiple of 8"),
    "bar_not_pow2": ({"NUM_VECTORS": 8, "BAR_SIZE": 6144, "TABLE_OFFSET": 0, "PBA_OFFSET": 2048}, "power of two"),
}


def _run(cmd, cwd=RTL):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def _verilator_lint(cfg, params, defines=()):
    b = cfg.binding_def()
    cmd = ["verilator", "--lint-only", "-Wall", *b.sources, "--top-module", b.toplevel]
    cmd += [f"-G{k}={v}" for k, v in params.items()] + [f"+define+{d}" for d in defines]
    return _run(cmd, ROOT)


def _icarus(cfg, params, tmp_path, defines=()):
    b = cfg.binding_def()
    out = tmp_path / "msix.vvp"
    cmd = ["iverilog", "-g2012", "-Wall", "-o", str(out), *b.sources, "-s", b.toplevel]
    cmd += [f"-P{b.toplevel}.{k}={v}" for k, v in params.items()] + [f"-D{d}" for d in defines]
    built = _run(cmd, ROOT)
    if built.returncode:
        return built
    return _run(["vvp", "-n", str(out)])  # parameter checks fire at time 0 on Icarus


def _warnings(result):
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if "%Warning" in line or "%Error" in line or "warning:" in line.lower()]


@pytest.mark.parametrize("name", sorted(LINT_SETS))
def test_verilator_lint_clean(name):
    cfg, defines = LINT_SETS[name]
    result = _verilator_lint(cfg, cfg.parameters(), defines)
    assert result.returncode == 0 and not _warnings(result), result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(LINT_SETS))
def test_icarus_accepts(name, tmp_path):
    cfg, defines = LINT_SETS[name]
    result = _icarus(cfg, cfg.parameters(), tmp_path, defines)
    assert result.returncode == 0 and not _warnings(result), result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(INVALID_SETS))
def test_rejected_parameters_name_the_reason(name, tmp_path):
    params, reason = INVALID_SETS[name]
    for result in (_verilator_lint(MSIX_BLOCK, params), _icarus(MSIX_BLOCK, params, tmp_path)):
        output = result.stdout + result.stderr
        assert result.returncode != 0, f"{params} was accepted:\n{output}"
        assert reason in output, f"{params}: expected the reason '{reason}' in:\n{output}"
