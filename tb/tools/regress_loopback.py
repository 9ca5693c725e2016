"""A Dask scheduler and workers as separate processes on 127.0.0.1, for the
regression's tests and bench (``tests/test_regress_dask.py``, ``tests/bench_cosim.py``)
and for trying ``SCHEDULER=`` on one machine::

    python -m tb.tools.regress_loopback --workers 2      # prints the address, Ctrl-C stops all

Each process is ``dask scheduler`` / ``dask worker`` of this venv in its own
process group (a killed worker takes its simulator with it, as a lost machine
would), without a nanny (killing the worker process kills the worker), ports
chosen by the system, the address read from a scheduler file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

from .regress_dask import tuning_env

ROOT = Path(__file__).resolve().parents[2]


def _dask() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]


class LoopbackCluster:
    """``with LoopbackCluster(2, timeout=60) as lc: lc.address, lc.workers`` (Popen objects)."""

    def __init__(self, n_workers: int = 2, timeout: float = 60.0, workdir: Optional[Path] = None) -> None:
        self.n_workers = n_workers
        self.timeout = timeout
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="msix-dask-"))
        self.scheduler_file = self.dir / "scheduler.json"
        self.scheduler: Optional[subprocess.Popen] = None
        self.workers: list[subprocess.Popen] = []
        self.address = ""
        self.env = {**os.environ, **tuning_env()}

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        fh = open(self.dir / log, "w")
        return subprocess.Popen(_dask() + args, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def start(self) -> "LoopbackCluster":
        deadline = time.monotonic() + self.timeout
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
                                      "127.0.0.1:0", "--scheduler-file", str(self.scheduler_file)], "scheduler.log")
        while True:
            try:
                self.address = json.loads(self.scheduler_file.read_text())["address"]
                break
            except (FileNotFoundError, ValueError, KeyError):  # not there yet, or read while being written
                if self.scheduler.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("dask scheduler did not start:\n"
                                       + (self.dir / "scheduler.log").read_text()[-3000:]) from None
                time.sleep(0.1)
        for i in range(self.n_workers):
            self.workers.append(self._spawn(["worker", "--scheduler-file", str(self.scheduler_file), "--host", "127.0.0.1",
                                             "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}",
                                             "--local-directory", str(self.dir / f"w{i}"), "--death-timeout", "60"],
                                            f"worker{i}.log"))
        self.wait_for_workers(self.n_workers, deadline)
        return self

    def wait_for_workers(self, n: int, deadline: float) -> None:
        from distributed import Client

        with Client(self.address, timeout=max(1.0, deadline - time.monotonic())) as client:
            client.wait_for_workers(n, timeout=max(1.0, deadline - time.monotonic()))

    def kill_worker(self, proc: subprocess.Popen) -> None:
        """SIGKILL a worker and everything it started (its simulator): a lost machine."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def stop(self) -> None:
        procs = self.workers + ([self.scheduler] if self.scheduler else [])
        for p in procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "LoopbackCluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args(argv)

    def stop(signum, frame):  # SIGTERM (and SIGINT, even if inherited as ignored): stop every process started
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with LoopbackCluster(a.workers) as lc:
        print(f"scheduler {lc.address} with {a.workers} workers; try: SCHEDULER={lc.address} make regress ...  "
              f"(Ctrl-C stops them)", flush=True)
        try:
            while all(w.poll() is None for w in lc.workers):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
