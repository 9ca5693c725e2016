"""Invariants of the golden model over random operation sequences (hypothesis).

Hypothesis prints the shrunk failing sequence; `make test` is derandomized
(profile "ci"), HYPOTHESIS_PROFILE=explore searches further.
"""

from functools import lru_cache

from hypothesis import given
from hypothesis import strategies as st

from qemu_msix import MsixFunction, NotifyOutcome
from tests.model_ops import CONTROL_BYTES, apply_op

SIZES = (1, 8, 33, 64, 65)


@lru_cache(maxsize=None)  # one strategy per size, built once: hypothesis then draws, not rebuilds
def operations(n, max_ops=60):
    """Operations on a function of ``n`` vectors (no ``set_message``: see the save/load test)."""
    f = MsixFunction(n)
    # Mostly a few low vectors, so use -> masked notify -> unmask chains happen often.
    entry = st.one_of(st.integers(0, min(n, 3) - 1), st.integers(0, n - 1))
    vector = st.one_of(entry, st.integers(0, n + 1))  # includes out-of-range vectors
    table_dword = st.builds(lambda e, d: f.table_offset + 16 * e + 4 * d, entry, st.integers(0, 3))
    table_qword = st.builds(lambda e, h: f.table_offset + 16 * e + 8 * h, entry, st.integers(0, 1))
    vector_control = st.builds(lambda e: f.table_offset + 16 * e + 12, entry)
    pba_dword = st.builds(lambda d: f.pba_offset + 4 * d, st.integers(0, f.layout.pba_size // 4 - 1))
    notify = st.tuples(st.just("notify"), vector)
    mask_write = st.tuples(st.just("write"), vector_control, st.sampled_from((0, 1, 0xFFFF_FFFE, 0xFFFF_FFFF)), st.just(4))
    op = st.one_of(
        notify, notify, mask_write, mask_write,  # weighted: what MSI-X is about
        st.tuples(st.just("use"), vector),
        st.tuples(st.just("unuse"), vector),
        st.tuples(st.just("unuse_all")),
        st.tuples(st.just("reset")),
        st.tuples(st.just("control"), st.sampled_from(CONTROL_BYTES)),
        st.tuples(st.just("control_word"), st.sampled_from(CONTROL_BYTES)),
        st.tuples(st.just("write"), table_dword, st.integers(0, 2**32 - 1), st.just(4)),
        st.tuples(st.just("write"), table_qword, st.integers(0, 2**64 - 1), st.just(8)),
        st.tuples(st.just("read"), pba_dword, st.just(4)),
    )
    # Devices declare their vectors first (tracking off = every vector in use).
    declare = st.lists(st.tuples(st.just("use"), entry), min_size=1, max_size=n + 2)
    body = st.lists(op, min_size=max_ops // 2, max_size=max_ops)
    return st.builds(lambda uses, ops: uses + ops, declare, body)


def scenarios(max_ops=60):
    """A function size and a list of operations on it."""
    return st.sampled_from(SIZES).flatmap(lambda n: st.tuples(st.just(n), operations(n, max_ops)))


def pba_dwords(f):
    return [f.bar_read(f.pba_offset + 4 * i, 4) for i in range(f.layout.pba_size // 4)]


def observable_state(f):
    """Everything software or the device can observe of the function."""
    table = [f.bar_read(f.table_offset + 4 * i, 4) for i in range(4 * f.nentries)]
    cap = [f.config_read(f.cap_offset + i, 4) for i in (0, 4, 8)]
    return table, pba_dwords(f), cap, f.enabled, f.function_masked, [f.use_count(v) for v in range(f.nentries)]


@given(scenarios())
def test_notify_sends_or_sets_pending_never_both(scenario):
    n, ops = scenario
    f = MsixFunction(n)
    for op in ops:
        if op[0] != "notify":
            apply_op(f, op)
            continue
        v = op[1]
        sent_before = len(f.sent)
        pending_before = f.is_pending(v) if v < n else False
        pba_before = pba_dwords(f)
        masked_before = f.is_masked(v) if v < n else None
        outcome = f.notify(v)
        # msix_notify: out of range or unused -> dropped; masked -> pending; else sent.
        if v < n and f.use_count(v):
            assert outcome is (NotifyOutcome.PENDING if masked_before else NotifyOutcome.SENT)
        if outcome is NotifyOutcome.SENT:
            assert len(f.sent) == sent_before + 1 and f.sent[-1] == f.get_message(v)
            assert pba_dwords(f) == pba_before
        elif outcome is NotifyOutcome.PENDING:
            assert len(f.sent) == sent_before and f.is_pending(v)
            assert not pending_before or pba_dwords(f) == pba_before
        else:
            assert len(f.sent) == sent_before and pba_dwords(f) == pba_before
            assert (outcome is NotifyOutcome.DROPPED_RANGE) == (v >= n)


@given(scenarios())
def test_pba_bits_at_or_above_n_read_zero(scenario):
    n, ops = scenario
    f = MsixFunction(n)
    for op in ops:
        apply_op(f, op)
        pba = pba_dwords(f)
        value = sum(dword << 32 * i for i, dword in enumerate(pba))
        assert value >> n == 0


@given(scenarios())
def test_pending_only_for_used_and_masked_vectors(scenario):
    """Pending implies in use (seed: notify drops unused vectors, the last
    unuse clears the bit) and masked (every unmask path releases it)."""
    n, ops = scenario
    f = MsixFunction(n)
    for op in ops:
        apply_op(f, op)
        for v in range(n):
            if f.is_pending(v):
                assert f.use_count(v) > 0, f"vector {v} pending but not in use after {op}"
                assert f.is_masked(v), f"vector {v} pending but unmasked after {op}"


def migrate(f):
    """A fresh function given f's state the way QEMU restores a device:
    the device re-declares its vectors, config space is restored, then ``msix_load``."""
    g = MsixFunction(f.nentries)
    for v in range(f.nentries):
        for _ in range(f.use_count(v)):
            g.vector_use(v)
    g.config_write(f.cap_offset + 3, f.config_read(f.cap_offset + 3, 1), 1)
    g.load(f.save())
    return g


@given(scenarios(max_ops=40), st.data())
def test_save_load_preserves_registers_and_future_behaviour(before, data):
    """set_message is left out: it can leave a vector pending and unmasked,
    which load then sends (a documented seed behaviour, tested directly)."""
    n, ops = before
    f = MsixFunction(n)
    for op in ops:
        apply_op(f, op)
    g = migrate(f)
    assert g.sent == [], "load must not send: nothing pending was unmasked"

    maskall = bool(f.config_read(f.cap_offset + 3, 1) & 0x40)
    if f.function_masked != (not f.enabled or maskall):
        # Seed quirk: msix_reset leaves the cached function mask stale; load recomputes it.
        assert g.function_masked == (not g.enabled or maskall)
        return
    assert observable_state(g) == observable_state(f)

    # The same future on both, compared operation by operation.
    f_sent = len(f.sent)
    for op in data.draw(operations(n, max_ops=40), label="future"):
        assert apply_op(g, op) == apply_op(f, op), f"diverged at {op}"
    assert g.sent == f.sent[f_sent:]
    assert observable_state(g) == observable_state(f)
