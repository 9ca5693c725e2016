"""The regression's runs, scheduled on Dask (``dask.distributed``).

* No scheduler given: a ``LocalCluster`` on 127.0.0.1, one single-threaded worker
  process per job (``--jobs``), dashboard on a free port of 127.0.0.1.
* ``--scheduler tcp://host:port`` (``SCHEDULER=``), or the path of a scheduler
  file (``dask scheduler --scheduler-file``): an existing scheduler and its workers
  (started by hand, or by dask-jobqueue on Slurm/LSF/SGE/PBS). Workers run the same
  checkout and venv; they need no shared disk.

One task per (configuration, seed): ``regress_task.run_seed``. Its result comes
back through Dask and is written into the client's database (``regress_task.store``)
as soon as it arrives, so an interrupted regression keeps what finished. A task
whose worker died is run again on another worker by the scheduler
(``distributed.scheduler.allowed-failures``, default 3); a DUT failure is a
returned result, never retried. Each (configuration, seed) is counted once.
Ctrl-C cancels the runs not finished; the caller then writes the partial report.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .regress_progress import Progress
from .regress_task import run_seed, store


@dataclass
class Outcome:
    results: dict = field(default_factory=dict)  # (config, seed) -> result (without the file bytes)
    interrupted: bool = False
    seconds: float = 0.0  # first submission to last result
    workers: int = 0
    where: str = ""


#: Dask settings of the regression's LocalCluster (and of the test's and bench's workers, as
#: ``DASK_*`` variables: ``tuning_env``). A run is one long task that waits on its simulator:
#: no profiling, no work stealing, slower system monitors. Together they take the idle
#: cost of a 2-worker cluster from about 20 % of a core to under 3 %, which the simulators get.
TUNING = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def tuning_env() -> dict[str, str]:
    """``TUNING`` as environment variables for ``dask scheduler`` / ``dask worker`` processes."""
    return {"DASK_" + k.upper().replace(".", "__").replace("-", "_"): str(v) for k, v in TUNING.items()}


def connect(scheduler: str, jobs: int):
    """A Dask client: on ``scheduler`` (an address or a scheduler file), else on a new LocalCluster.
    Returns (client, cluster or None)."""
    from distributed import Client, LocalCluster

    if scheduler:
        if scheduler.endswith(".json") or Path(scheduler).is_file():
            return Client(scheduler_file=scheduler, timeout="60s"), None
        return Client(scheduler, timeout="60s"), None
    import dask

    dask.config.set(TUNING)  # the nanny hands the client's configuration to its workers
    # Workers forked from a server that has imported distributed: a 2-worker cluster
    # starts in about 1 s instead of 4 s (spawn imports everything again per worker).
    dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"})
    cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
    return Client(cluster), cluster


def shutdown(client, cluster) -> None:
    """Close the client; a LocalCluster is closed with every process it started (simulators of cancelled runs too)."""
    procs = []
    if cluster is not None:
        with contextlib.suppress(Exception):
            import psutil

            procs = psutil.Process().children(recursive=True)
    with contextlib.suppress(Exception):
        client.close(timeout=10)
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close(timeout=20)
        for p in procs:
            with contextlib.suppress(Exception):
                p.kill()


def _lost(config: str, seed: int, exc: BaseException) -> dict:
    """The result of a task that returned none (e.g. its workers kept dying: ``KilledWorker``)."""
    from . import runner

    why = f"(no result: {type(exc).__name__}: {exc})"
    return {"config": config, "seed": seed, "ok": False, "passed": [], "failed": [why], "sim_exit": 1, "ops": 0,
            "wall": 0.0, "build_s": 0.0, "repro": {},
            "repro_all": runner.repro_command("verilator", config, seed, functional=True, waves=True),
            "messages": {why: str(exc)[:2000]}, "log_tail": "", "files": {}}


def schedule(client, items: list[tuple[str, int]], out: Path, *, closure_ops: Optional[int] = None,
             tests: Optional[str] = None, remote: bool = False, progress: Optional[Progress] = None) -> Outcome:
    """Run ``items`` on the client's cluster, store each result under ``out``; Ctrl-C cancels what is left."""
    from distributed import as_completed

    outcome = Outcome()
    prog = progress or Progress(len(items))
    token = uuid.uuid4().hex[:6]
    futures: dict = {}
    t0 = time.monotonic()
    try:
        nthreads = sum(client.nthreads().values())
        outcome.workers = len(client.nthreads())
        # Earlier items first (the caller orders them: slow configurations first, configurations interleaved).
        for i, (c, s) in enumerate(items):
            f = client.submit(run_seed, c, s, closure_ops, tests, key=f"msix-regress-{c}-seed{s}-{token}",
                              priority=len(items) - i, pure=False)
            futures[f] = (c, s)
        ac = as_completed(list(futures))
        last_tick = 0.0
        while not ac.is_empty():
            batch = ac.next_batch(block=False)
            for f in batch:
                c, s = futures[f]
                try:
                    res = f.result()
                except Exception as exc:  # noqa: BLE001 - reported as a failed run
                    res = _lost(c, s, exc)
                f.release()
                if (c, s) in outcome.results:  # counted once
                    continue
                store(out, res)
                outcome.results[(c, s)] = {k: v for k, v in res.items() if k not in ("files", "log_tail")}
                prog.finished(f"{c}-{s}", res["ok"], res.get("wall", 0.0), res.get("ops", 0),
                              where=res.get("host", "") if remote else "")
            if not batch:
                time.sleep(0.2)
                now = time.monotonic()
                if prog.bar and now - last_tick > 1.0:
                    last_tick = now
                    with contextlib.suppress(Exception):
                        nthreads = sum(client.nthreads().values())
                    prog.tick(running=min(nthreads, len(items) - prog.done))
    except KeyboardInterrupt:
        outcome.interrupted = True
        left = [f for f, key in futures.items() if key not in outcome.results]
        prog.note(f"regress: interrupted; cancelling the {len(left)} runs not finished, writing the partial report")
        with contextlib.suppress(Exception):
            client.cancel(left, force=True)
    finally:
        prog.close()
    outcome.seconds = time.monotonic() - t0
    return outcome
