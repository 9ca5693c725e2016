"""Vector notifiers: msix_set_vector_notifiers / msix_unset_vector_notifiers
(seed 560-631), msix_fire_vector_notifier (100-116), and the poll notifier of
msix_pba_mmio_read (210-221).
"""

import pytest

from qemu_msix import MsixFunction
from tests.model_helpers import ENABLE, MASKALL, control, program, set_ctrl

NS = [1, 8, 64, 65, 2048]


class Rec:
    """Records every notifier call and message in one ordered list."""

    def __init__(self, f, fail_at=None, fail_ret=-5, use_ret=0):
        self.ev = []
        self.fail_at = fail_at
        self.fail_ret = fail_ret
        self.use_ret = use_ret
        f.on_message = lambda a, d: self.ev.append(("send", a, d))

    def use(self, v, msg):
        self.ev.append(("use", v, msg))
        if v == self.fail_at:
            return self.fail_ret
        return self.use_ret

    def release(self, v):
        self.ev.append(("rel", v))

    def poll(self, start, end):
        self.ev.append(("poll", start, end))


# ------------------------------------------------------- set_vector_notifiers
@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("hi", [0, MASKALL, ENABLE | MASKALL])
def test_set_when_not_enabled_unmasked_only_polls(n, hi):
    f = MsixFunction(n)
    control(f, hi)
    set_ctrl(f, 0, 0)
    r = Rec(f)
    assert f.set_vector_notifiers(r.use, r.release, r.poll) == 0
    assert r.ev == [("poll", 0, n)]            # seed 601-602
    r2 = Rec(f)
    assert f.set_vector_notifiers(r2.use, r2.release) == 0
    assert r2.ev == []


@pytest.mark.parametrize("n", NS)
def test_set_when_enabled_calls_use_for_unmasked_entries(n):
    f = MsixFunction(n)
    vs = sorted({v for v in (0, 1, n // 2, n - 1) if v < n})
    for v in vs:
        program(f, v, 0x1_0000_0000 + v, 0x100 + v, 0)   # unmasked; none in use
    control(f, ENABLE)
    r = Rec(f)
    assert f.set_vector_notifiers(r.use, r.release, r.poll) == 0
    assert r.ev == [("use", v, (0x1_0000_0000 + v, 0x100 + v)) for v in vs] + [("poll", 0, n)]
    assert f.sent == []


def test_set_accepts_positive_and_none_use_results():
    f = MsixFunction(8)
    set_ctrl(f, 2, 0)
    control(f, ENABLE)
    r = Rec(f, use_ret=7)
    assert f.set_vector_notifiers(r.use, r.release) == 0     # only ret < 0 fails (seed 596)
    f.unset_vector_notifiers()
    calls = []
    assert f.set_vector_notifiers(lambda v, m: calls.append(v), lambda v: None) == 0
    assert calls == [2]


@pytest.mark.parametrize("fail_ret", [-5, -22, -1])
def test_set_failure_undoes_newest_first(fail_ret):
    f = MsixFunction(8)
    for v in (1, 3, 4, 6):
        program(f, v, 0xFEE0_0000 + v, v, 0)      # 0, 2, 5, 7 stay masked
    control(f, ENABLE)
    r = Rec(f, fail_at=4, fail_ret=fail_ret)
    assert f.set_vector_notifiers(r.use, r.release, r.poll) == fail_ret
    assert r.ev == [
        ("use", 1, (0xFEE0_0001, 1)),
        ("use", 3, (0xFEE0_0003, 3)),
        ("use", 4, (0xFEE0_0004, 4)),
        ("rel", 3),                               # seed 607-609: --vector from the failing one
        ("rel", 1),
    ]                                             # and no poll(0, N): return before line 601
    r.ev.clear()
    # use/release were cleared (seed 610-611): mask/unmask fire nothing.
    set_ctrl(f, 1, 1)
    set_ctrl(f, 1, 0)
    set_ctrl(f, 0, 0)
    control(f, ENABLE | MASKALL)
    control(f, ENABLE)
    assert [e for e in r.ev if e[0] != "poll"] == []
    # ... but poll stayed: a PBA read still polls (seed 214-217).
    f.bar_read(f.pba_offset, 4)
    assert r.ev == [("poll", 0, 8)]


def test_set_failure_at_first_unmasked_releases_nothing():
    f = MsixFunction(8)
    set_ctrl(f, 5, 0)
    set_ctrl(f, 6, 0)
    control(f, ENABLE)
    r = Rec(f, fail_at=5)
    assert f.set_vector_notifiers(r.use, r.release) == -5
    assert r.ev == [("use", 5, (0, 0))]


def test_set_failure_at_last_vector_n2048():
    f = MsixFunction(2048)
    for v in (0, 1000, 2047):
        set_ctrl(f, v, 0)
    control(f, ENABLE)
    r = Rec(f, fail_at=2047)
    assert f.set_vector_notifiers(r.use, r.release, r.poll) == -5
    assert r.ev == [("use", 0, (0, 0)), ("use", 1000, (0, 0)), ("use", 2047, (0, 0)),
                    ("rel", 1000), ("rel", 0)]


def test_set_again_after_failure():
    f = MsixFunction(8)
    set_ctrl(f, 2, 0)
    control(f, ENABLE)
    bad = Rec(f, fail_at=2)
    assert f.set_vector_notifiers(bad.use, bad.release, bad.poll) == -5
    good = Rec(f)
    assert f.set_vector_notifiers(good.use, good.release) == 0
    assert good.ev == [("use", 2, (0, 0))]
    # poll replaced by None (seed 590 assigns it unconditionally)
    bad.ev.clear()
    f.bar_read(2048, 4)
    assert bad.ev == [] and good.ev == [("use", 2, (0, 0))]


# ------------------------------------------------------------- entry firing
@pytest.mark.parametrize("n", NS)
def test_entry_unmask_fires_use_before_pending_send(n):
    f = MsixFunction(n)
    v = n - 1
    control(f, ENABLE)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    r.ev.clear()
    f.vector_use(v)
    program(f, v, 0xFEE0_0000, 0x99, 1)
    f.notify(v)
    set_ctrl(f, v, 0)
    assert r.ev == [("use", v, (0xFEE0_0000, 0x99)), ("send", 0xFEE0_0000, 0x99)]   # seed 126 then 128-131
    r.ev.clear()
    set_ctrl(f, v, 0)                 # no change: nothing
    f.bar_write(f.table_offset + 16 * v + 8, 0x9A, 4)
    assert r.ev == []
    set_ctrl(f, v, 1)
    assert r.ev == [("rel", v)]
    set_ctrl(f, v, 3)                 # still masked: nothing
    assert r.ev == [("rel", v)]


def test_use_fires_for_unused_vectors():
    f = MsixFunction(8)
    control(f, ENABLE)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release)
    set_ctrl(f, 6, 0)
    set_ctrl(f, 6, 1)
    assert r.ev == [("use", 6, (0, 0)), ("rel", 6)]
    assert f.use_count(6) == 0


def test_no_firing_while_function_masked():
    for hi in (0, MASKALL, ENABLE | MASKALL):
        f = MsixFunction(8)
        control(f, hi)
        r = Rec(f)
        f.set_vector_notifiers(r.use, r.release)
        set_ctrl(f, 1, 0)
        set_ctrl(f, 1, 1)
        assert r.ev == [], hi


def test_use_failing_while_firing_raises_runtime_error():
    # seed 113-114: assert(ret >= 0); the model raises RuntimeError.
    f = MsixFunction(8)
    control(f, ENABLE)
    r = Rec(f, fail_at=3)
    assert f.set_vector_notifiers(r.use, r.release) == 0
    with pytest.raises(RuntimeError):
        set_ctrl(f, 3, 0)


@pytest.mark.parametrize("n", NS)
def test_function_walk_events(n):
    f = MsixFunction(n)
    vs = sorted({v for v in (0, n // 2, n - 1) if v < n})
    for v in vs:
        program(f, v, 0xFEE0_0000 + 4 * v, v, 0)
        f.vector_use(v)
    control(f, ENABLE)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    r.ev.clear()
    control(f, ENABLE | MASKALL)
    assert r.ev == [("rel", v) for v in vs]
    r.ev.clear()
    for v in reversed(vs):
        f.notify(v)
    control(f, ENABLE)
    exp = []
    for v in vs:
        exp += [("use", v, (0xFEE0_0000 + 4 * v, v)), ("send", 0xFEE0_0000 + 4 * v, v)]
    assert r.ev == exp
    r.ev.clear()
    control(f, 0)          # disable: fm -> True but no walk (seed 161-163)
    assert r.ev == []


# ------------------------------------------------------------------- unset
@pytest.mark.parametrize("n", NS)
def test_unset_releases_unmasked_when_enabled(n):
    f = MsixFunction(n)
    vs = sorted({v for v in (0, n // 2, n - 1) if v < n})
    for v in vs:
        set_ctrl(f, v, 0)
    control(f, ENABLE)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    r.ev.clear()
    f.unset_vector_notifiers()
    assert r.ev == [("rel", v) for v in vs]       # ascending (seed 624-626)
    r.ev.clear()
    # All three cleared (seed 628-630).
    for v in vs:
        set_ctrl(f, v, 1)
        set_ctrl(f, v, 0)
    f.bar_read(f.pba_offset, 4)
    control(f, ENABLE | MASKALL)
    control(f, ENABLE)
    assert r.ev == []


@pytest.mark.parametrize("hi", [0, MASKALL, ENABLE | MASKALL])
def test_unset_when_not_enabled_unmasked_releases_nothing(hi):
    f = MsixFunction(8)
    set_ctrl(f, 0, 0)
    control(f, hi)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    r.ev.clear()
    f.unset_vector_notifiers()
    assert r.ev == []
    f.bar_read(2048, 4)
    assert r.ev == []


def test_unset_after_stale_reset_releases_nothing():
    f = MsixFunction(8)
    control(f, ENABLE)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release)
    f.reset()
    set_ctrl(f, 4, 0)                 # stale fm False: fires use(4)
    r.ev.clear()
    f.unset_vector_notifiers()        # config ENABLE=0: no loop
    assert r.ev == []


# -------------------------------------------------------------------- poll
# msix_pba_mmio_read: start = addr*8, end = MIN(addr + size*8, N), addr
# relative to the PBA, size 4 per half.  Written out by hand:
POLL_RANGES = {
    1: [(0, 0, 1), (4, 32, 1)],
    8: [(0, 0, 8), (4, 32, 8)],
    64: [(0, 0, 32), (4, 32, 36)],
    65: [(0, 0, 32), (4, 32, 36), (8, 64, 40), (12, 96, 44)],
    2048: [(0, 0, 32), (4, 32, 36), (8, 64, 40), (12, 96, 44), (128, 1024, 160), (252, 2016, 284)],
}


@pytest.mark.parametrize("n", NS)
def test_poll_range_per_dword(n):
    f = MsixFunction(n)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    for off, start, end in POLL_RANGES[n]:
        r.ev.clear()
        assert f.bar_read(f.pba_offset + off, 4) == 0
        assert r.ev == [("poll", start, end)], off


@pytest.mark.parametrize("n", NS)
def test_poll_range_8byte_read_two_halves(n):
    f = MsixFunction(n)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    rng = {off: (s, e) for off, s, e in POLL_RANGES[n]}
    r.ev.clear()
    f.bar_read(f.pba_offset, 8)
    assert r.ev == [("poll",) + rng[0], ("poll",) + rng[4]]
    if 8 in rng:
        r.ev.clear()
        f.bar_read(f.pba_offset + 8, 8)
        assert r.ev == [("poll",) + rng[8], ("poll",) + rng[12]]


def test_poll_not_called_for_table_reads_or_pba_writes():
    f = MsixFunction(8)
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release, r.poll)
    r.ev.clear()
    f.bar_read(0, 4)
    f.bar_read(8, 8)
    f.bar_write(2048, 0, 4)
    f.bar_write(2048, 0, 8)
    assert r.ev == []


def test_poll_runs_before_the_read():
    f = MsixFunction(8)
    f.vector_use(5)
    calls = []

    def poll(start, end):
        calls.append((start, end))
        f.notify(5)                    # device refreshes pending state in the poll

    f.set_vector_notifiers(lambda v, m: 0, lambda v: None, poll)
    assert calls == [(0, 8)]           # seed 601-602: poll(0, N) at registration
    assert f.is_pending(5)
    f.vector_unuse(5)                  # clears the bit
    f.vector_use(5)
    assert not f.is_pending(5)
    assert f.bar_read(2048, 4) == 0x20  # set by the poll, seen by this very read
    assert calls == [(0, 8), (0, 8)]


def test_poll_only_notifier_path_after_failure_keeps_polling_on_every_read():
    f = MsixFunction(65)
    set_ctrl(f, 0, 0)
    control(f, ENABLE)
    r = Rec(f, fail_at=0)
    assert f.set_vector_notifiers(r.use, r.release, r.poll) == -5
    r.ev.clear()
    f.bar_read(2048 + 8, 8)
    assert r.ev == [("poll", 64, 40), ("poll", 96, 44)]


# ------------------------------------------------------------ seed asserts
def test_set_requires_use_and_release():
    # seed 586: assert(use_notifier && release_notifier) -> API misuse, nothing installed.
    f = MsixFunction(8)
    set_ctrl(f, 0, 0)
    control(f, ENABLE)
    polls = []
    for use, rel in ((None, lambda v: None), (lambda v, m: 0, None), (None, None)):
        with pytest.raises(ValueError):
            f.set_vector_notifiers(use, rel, lambda s, e: polls.append((s, e)))
    f.bar_read(2048, 4)
    assert polls == []


def test_unset_without_notifiers_rejected():
    # seed 619-620: assert(use && release) -> API misuse.
    f = MsixFunction(8)
    with pytest.raises(ValueError):
        f.unset_vector_notifiers()
    r = Rec(f)
    f.set_vector_notifiers(r.use, r.release)
    f.unset_vector_notifiers()
    with pytest.raises(ValueError):
        f.unset_vector_notifiers()
