"""The golden model is a library on its own: ``pip install ./model`` into a clean
venv gives ``import qemu_msix`` with no cocotb, no simulator and no testbench."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

USE = """
import sys, qemu_msix
f = qemu_msix.MsixFunction(8)
f.vector_use(3)
f.bar_write(3 * 16, 0xFEE00000, 4)
f.bar_write(3 * 16 + 8, 0x42, 4)
f.bar_write(3 * 16 + 12, 0, 4)
f.config_write(0x42, 0x8000, 2)
assert f.notify(3) is qemu_msix.NotifyOutcome.SENT and f.sent == [(0xFEE00000, 0x42)], f.sent
assert "cocotb" not in sys.modules and "tb" not in sys.modules
print(qemu_msix.__file__)
"""


def test_model_installs_and_runs_alone(tmp_path) -> None:
    # The wheel, built as pip builds any package (setuptools from the package index, as `make setup`).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                    "-w", str(tmp_path / "dist"), str(ROOT / "model")], check=True, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("qemu_msix_model-*.whl"))
    # A venv with nothing in it, not even pip (ensurepip costs seconds): this venv's pip,
    # the same Python, installs the wheel into its site-packages. --target, not --prefix:
    # --prefix would first uninstall the model from this venv (`make setup` put it there).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-index",
                    "--no-deps", "--target", str(site), str(wheel)], check=True, cwd=tmp_path)
    out = subprocess.run([py, "-I", "-c", USE], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert str(venv) in out.stdout, f"imported from {out.stdout!r}, not the clean venv"
    missing = subprocess.run([py, "-I", "-c", "import cocotb"], capture_output=True, text=True, cwd=tmp_path)
    assert missing.returncode != 0, "the clean venv has cocotb: the check above proves nothing"
    # This venv keeps its own (editable) model: the clean install took nothing from it.
    here = subprocess.run([sys.executable, "-c", "import qemu_msix; print(qemu_msix.__file__)"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert here.returncode == 0 and str(ROOT / "model") in here.stdout, here.stdout + here.stderr
