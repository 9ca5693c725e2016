"""Progress of the regression.

* ``Progress``: the terminal progress of the Dask scheduling
  (``tb/tools/regress_dask.py``): one line per finished run
  (``[done/total] mm:ss  PASS|FAIL  config-seed  (duration)  failures, requests/s``)
  and, on a terminal, a bar under them (runs done, failures, requests/s).
* The pytest hooks below: the same lines for the legacy pytest-xdist scheduling
  (``--scheduler xdist``), printed by the xdist controller.
"""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


class Progress:
    """Runs done, failures and requests/s of a regression, as lines and (on a terminal) a live bar."""

    WIDTH = 30

    def __init__(self, total: int, stream: Optional[TextIO] = None, bar: Optional[bool] = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.bar = self.stream.isatty() if bar is None else bar
        self.t0 = time.monotonic()
        self.done = self.failed = self.ops = 0
        self.running = 0
        self._drawn = False

    def _rate(self) -> float:
        return self.ops / max(1e-6, time.monotonic() - self.t0)

    def status(self) -> str:
        n = int(self.WIDTH * self.done / self.total) if self.total else self.WIDTH
        return (f"[{'#' * n}{'.' * (self.WIDTH - n)}] {self.done}/{self.total} runs, {self.failed} failed, "
                f"{self.running} running, {self._rate():,.0f} requests/s, {_clock(time.monotonic() - self.t0)}")

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False

    def tick(self, running: Optional[int] = None) -> None:
        """Redraw the bar (a no-op when the output is not a terminal)."""
        if running is not None:
            self.running = running
        if self.bar:
            self._clear()
            self.stream.write(self.status())
            self.stream.flush()
            self._drawn = True

    def finished(self, name: str, ok: bool, duration: float, ops: int, where: str = "") -> None:
        self.done += 1
        self.failed += not ok
        self.ops += ops
        self._clear()
        failed = f"  [{self.failed} failed so far]" if self.failed else ""
        self.stream.write(f"[{self.done:>3}/{self.total}] {_clock(time.monotonic() - self.t0)}  {'PASS' if ok else 'FAIL'}  "
                          f"{name}  ({duration:.1f} s, {ops} requests{', ' + where if where else ''}){failed}"
                          f"  {self._rate():,.0f} requests/s\n")
        self.tick()

    def note(self, text: str) -> None:
        self._clear()
        self.stream.write(text + "\n")
        self.tick()

    def close(self) -> None:
        self._clear()
        self.stream.flush()


# ----------------------------------------------------- pytest plugin (--scheduler xdist)
_state = {"t0": time.monotonic(), "done": 0, "total": 0, "failed": 0, "tr": None}


def pytest_configure(config) -> None:
    _state["tr"] = config.pluginmanager.getplugin("terminalreporter")
    _state["t0"] = time.monotonic()


def pytest_collection_finish(session) -> None:
    _state["total"] = len(session.items)


def pytest_xdist_node_collection_finished(node, ids) -> None:
    _state["total"] = len(ids)


def pytest_runtest_logreport(report) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    _state["done"] += 1
    ok = report.outcome == "passed"
    _state["failed"] += not ok
    name = report.nodeid.split("::")[-1]
    failed = f"  [{_state['failed']} failed so far]" if _state["failed"] else ""
    line = (f"[{_state['done']:>3}/{_state['total']}] {_clock(time.monotonic() - _state['t0'])}  {'PASS' if ok else 'FAIL'}  "
            f"{name}  ({report.duration:.1f} s){failed}")
    tr = _state["tr"]
    if tr is not None:
        tr.write_line(line)
    else:
        print(line, flush=True)
