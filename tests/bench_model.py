"""Benchmark: golden-model operations per second on one core (not a test).

    make bench-model            # or: .venv/bin/python tests/bench_model.py [--ops N] [--seed S]

The operation stream is the seeded random mix of tests/model_ops.py for a
device with every vector in use (notifies, mask flips, table writes, control
toggles, PBA/table reads, resets), built before timing so only the model's
work is measured.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qemu_msix import MsixFunction  # noqa: E402
from tests.model_ops import apply_op, random_op  # noqa: E402


def run(nentries: int, ops: int, seed: int) -> float:
    rng = random.Random(seed)
    f = MsixFunction(nentries)
    for v in range(nentries):
        f.vector_use(v)
    f.config_write(f.cap_offset + 3, 0x80, 1)  # ENABLE
    stream = [random_op(rng, f, tracking=False) for _ in range(ops)]
    start = time.perf_counter()
    for op in stream:
        apply_op(f, op)
    return ops / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"golden model, mixed operations, seed {args.seed}, {args.ops} ops each")
    print(f"{'vectors':>8} {'ops/s':>12}")
    for n in (8, 64, 2048):
        print(f"{n:>8} {run(n, args.ops, args.seed):>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
