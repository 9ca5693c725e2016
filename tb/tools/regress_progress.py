"""pytest plugin of the regression: one progress line per finished item
(``[done/total] mm:ss  PASS|FAIL  item  (duration)``), printed by the xdist controller."""

from __future__ import annotations

import time

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
    el = int(time.monotonic() - _state["t0"])
    name = report.nodeid.split("::")[-1]
    failed = f"  [{_state['failed']} failed so far]" if _state["failed"] else ""
    line = (f"[{_state['done']:>3}/{_state['total']}] {el // 60:02d}:{el % 60:02d}  {'PASS' if ok else 'FAIL'}  "
            f"{name}  ({report.duration:.1f} s){failed}")
    tr = _state["tr"]
    if tr is not None:
        tr.write_line(line)
    else:
        print(line, flush=True)
