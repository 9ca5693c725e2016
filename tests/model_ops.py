"""Random operation streams for the golden model (shared by property tests and the benchmark).

An operation is a tuple ``(name, *args)``; ``apply_op`` runs it on a model and
returns what it observably produced, so two models can be compared op by op.
"""

from __future__ import annotations

import random

from qemu_msix import DecodeError, MsixFunction

# Message Control upper byte values: ENABLE (0x80) and MASKALL (0x40).
CONTROL_BYTES = (0x00, 0x40, 0x80, 0xC0)


def apply_op(f: MsixFunction, op: tuple):
    """Run one operation; return its observable result (read data, outcome, error)."""
    name, *args = op
    if name == "notify":
        return f.notify(*args)
    if name == "use":
        return f.vector_use(*args)
    if name == "unuse":
        return f.vector_unuse(*args)
    if name == "unuse_all":
        return f.unuse_all_vectors()
    if name == "reset":
        return f.reset()
    if name == "control":  # config write of the Message Control upper byte
        return f.config_write(f.cap_offset + 3, args[0], 1)
    if name == "control_word":  # 16-bit read-modify-write as Linux does
        flags = f.config_read(f.cap_offset + 2, 2)
        return f.config_write(f.cap_offset + 2, flags & 0x3FFF | args[0] << 8, 2)
    try:
        if name == "write":
            return f.bar_write(*args)
        if name == "read":
            return f.bar_read(*args)
    except DecodeError as err:
        return ("decode-error", err.reason)
    raise ValueError(f"unknown operation {op!r}")


def random_op(rng: random.Random, f: MsixFunction, tracking: bool = True) -> tuple:
    """One operation biased toward what exercises MSI-X: notifies, mask flips, control toggles.

    ``tracking=False`` is the usual device: every vector stays in use, so no
    use/unuse operations (the share goes to notifies).
    """
    n = f.nentries
    vector = rng.randrange(n + 2)  # a few out of range
    kind = rng.random()
    if not tracking and 0.88 <= kind < 0.9925:
        return ("notify", vector)
    if kind < 0.30:
        return ("notify", vector)
    if kind < 0.50:  # Vector Control: mask or unmask
        entry = rng.randrange(n)
        return ("write", f.table_offset + 16 * entry + 12, rng.choice((0, 1, 1, 0xFFFF_FFFE)), 4)
    if kind < 0.60:
        entry = rng.randrange(n)
        dword = rng.randrange(4)
        return ("write", f.table_offset + 16 * entry + 4 * dword, rng.getrandbits(32), 4)
    if kind < 0.65:
        entry = rng.randrange(n)
        return ("write", f.table_offset + 16 * entry + 8 * rng.randrange(2), rng.getrandbits(64), 8)
    if kind < 0.72:
        return ("control", rng.choice(CONTROL_BYTES))
    if kind < 0.80:
        return ("read", f.pba_offset + 4 * rng.randrange(f.layout.pba_size // 4), 4)
    if kind < 0.88:
        return ("read", f.table_offset + 4 * rng.randrange(4 * n), 4)
    if kind < 0.96:
        return ("use", vector)
    if kind < 0.99:
        return ("unuse", vector)
    if kind < 0.9925:
        return ("unuse_all",)
    if kind < 0.995:
        return ("reset",)
    # An access the memory core rejects.
    return ("write", f.table_offset + 2, 0xFFFF, 2)
