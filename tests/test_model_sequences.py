"""End-to-end client sequences (spec README "A real client"):

  * Linux drivers/pci/msi/msi.c: msix_capability_init, request/disable irq,
    pci_msix_shutdown -- as config and BAR accesses, with the device raising
    interrupts in between;
  * QEMU tests/qtest/libqos/pci.c: qpci_msix_enable (ENABLE only), entry set
    and (un)mask, and qpci_msix_pending polling the PBA DWORD at (v/32)*4
    (with the historical write-back of the cleared bit, which the PBA ignores).
"""

import pytest

from qemu_msix import MsixFunction, NotifyOutcome

CAP = 0x40
PCI_MSIX_FLAGS = CAP + 2
PCI_MSIX_TABLE = CAP + 4
PCI_MSIX_PBA = CAP + 8
FLAGS_QSIZE = 0x07FF
FLAGS_MASKALL = 0x4000
FLAGS_ENABLE = 0x8000
ENTRY_LOWER_ADDR, ENTRY_UPPER_ADDR, ENTRY_DATA, ENTRY_VECTOR_CTRL = 0, 4, 8, 12
CTRL_MASKBIT = 1


def linux_msg(v):
    """What an x86 Linux irq domain would program: LAPIC address with a
    destination ID, data = vector number (fixed delivery, edge)."""
    return 0xFEE0_0000 | ((v % 16) << 12), 0x20 + (v % 0xC0)


class LinuxDriver:
    """drivers/pci/msi/msi.c, reduced to the accesses it makes."""

    def __init__(self, f):
        self.f = f
        self.ctrl = {}

    def clear_and_set_ctrl(self, clear, set_):
        # pci_msix_clear_and_set_ctrl: 16-bit read-modify-write of Message Control
        ctrl = self.f.config_read(PCI_MSIX_FLAGS, 2)
        ctrl = (ctrl & ~clear) | set_
        self.f.config_write(PCI_MSIX_FLAGS, ctrl & 0xFFFF, 2)

    def entry(self, v, field):
        return self.base + 16 * v + field

    def capability_init(self, nvec):
        f = self.f
        self.clear_and_set_ctrl(0, FLAGS_MASKALL | FLAGS_ENABLE)
        flags = f.config_read(PCI_MSIX_FLAGS, 2)
        self.tsize = (flags & FLAGS_QSIZE) + 1
        table = f.config_read(PCI_MSIX_TABLE, 4)
        assert table & 7 == 0                         # BIR 0
        self.base = table & ~7
        for v in range(nvec):                         # msix_setup_msi_descs
            self.ctrl[v] = f.bar_read(self.entry(v, ENTRY_VECTOR_CTRL), 4)
        for v in range(nvec):                         # pci_write_msg_msix
            lo_hi, data = linux_msg(v)
            unmasked = not (self.ctrl[v] & CTRL_MASKBIT)
            if unmasked:
                f.bar_write(self.entry(v, ENTRY_VECTOR_CTRL), self.ctrl[v] | CTRL_MASKBIT, 4)
            f.bar_write(self.entry(v, ENTRY_LOWER_ADDR), lo_hi & 0xFFFF_FFFF, 4)
            f.bar_write(self.entry(v, ENTRY_UPPER_ADDR), lo_hi >> 32, 4)
            f.bar_write(self.entry(v, ENTRY_DATA), data, 4)
            if unmasked:
                f.bar_write(self.entry(v, ENTRY_VECTOR_CTRL), self.ctrl[v], 4)
            f.bar_read(self.entry(v, ENTRY_DATA), 4)
        for v in range(self.tsize):                   # msix_mask_all
            f.bar_write(self.entry(v, ENTRY_VECTOR_CTRL), CTRL_MASKBIT, 4)
        for v in range(nvec):
            self.ctrl[v] |= CTRL_MASKBIT
        self.clear_and_set_ctrl(FLAGS_MASKALL, 0)

    def unmask(self, v):                              # pci_msix_unmask: no read-back
        self.ctrl[v] &= ~CTRL_MASKBIT
        self.f.bar_write(self.entry(v, ENTRY_VECTOR_CTRL), self.ctrl[v], 4)

    def mask(self, v):                                # pci_msix_mask: write, then flush read
        self.ctrl[v] |= CTRL_MASKBIT
        self.f.bar_write(self.entry(v, ENTRY_VECTOR_CTRL), self.ctrl[v], 4)
        self.f.bar_read(self.base, 4)

    def shutdown(self):                               # pci_msix_shutdown
        for v in sorted(self.ctrl):
            self.mask(v)
        self.clear_and_set_ctrl(FLAGS_ENABLE, 0)


def test_linux_sequence_n8_explicit():
    f = MsixFunction(8)
    for v in range(8):
        assert f.vector_use(v) == 0                   # device realize: all vectors used
    drv = LinuxDriver(f)
    drv.capability_init(8)
    assert drv.tsize == 8 and drv.base == 0
    assert f.config_read(PCI_MSIX_FLAGS, 2) == 0x8007    # ENABLE | QSIZE 7
    assert f.intx_deassert_count == 2                 # both RMW writes cover cap+3 with ENABLE=1
    assert f.enabled and not f.function_masked
    assert f.sent == []
    # table as programmed: vector 3 -> 0xFEE03000 / 0x23, masked
    assert [f.bar_read(48 + 4 * i, 4) for i in range(4)] == [0xFEE0_3000, 0, 0x23, 1]

    # Device raises 0 and 5 before any request_irq: pending.
    assert f.notify(5) == NotifyOutcome.PENDING
    assert f.notify(0) == NotifyOutcome.PENDING
    assert f.bar_read(2048, 4) == 0b10_0001           # (Linux never reads this; we do)

    drv.unmask(5)                                     # request_irq(5): pending delivered
    drv.unmask(0)
    drv.unmask(1)
    assert f.sent == [(0xFEE0_5000, 0x25), (0xFEE0_0000, 0x20)]
    assert f.notify(1) == NotifyOutcome.SENT
    assert f.notify(0) == NotifyOutcome.SENT
    assert f.notify(2) == NotifyOutcome.PENDING      # not requested: stays masked

    drv.mask(1)                                       # disable_irq(1)
    assert f.notify(1) == NotifyOutcome.PENDING
    assert f.notify(1) == NotifyOutcome.PENDING
    drv.unmask(1)                                     # enable_irq(1): one message
    assert f.sent == [(0xFEE0_5000, 0x25), (0xFEE0_0000, 0x20), (0xFEE0_1000, 0x21),
                      (0xFEE0_0000, 0x20), (0xFEE0_1000, 0x21)]

    drv.shutdown()
    assert f.config_read(PCI_MSIX_FLAGS, 2) == 0x0007
    assert not f.enabled and f.function_masked
    assert f.intx_deassert_count == 2                 # disabling write: not enabled after
    assert all(f.bar_read(16 * v + 12, 4) == 1 for v in range(8))
    assert f.notify(0) == NotifyOutcome.PENDING
    assert len(f.sent) == 5
    assert f.is_pending(2)                            # raised while masked, never released
    assert f.bar_read(2048, 4) == 0b101
    assert all(a & 3 == 0 for a, _ in f.sent)         # TLP-representable addresses


@pytest.mark.parametrize("n", [1, 8, 64, 65, 2048])
def test_linux_sequence_all_vectors(n):
    f = MsixFunction(n)
    for v in range(n):
        f.vector_use(v)
    drv = LinuxDriver(f)
    drv.capability_init(n)
    assert drv.tsize == n
    assert f.intx_deassert_count == 2
    assert f.sent == []
    for v in range(n):
        lo_hi, data = linux_msg(v)
        assert f.get_message(v) == (lo_hi, data)
        assert f.is_masked(v)
    # Raise every vector while masked, then request them in descending order:
    # each unmask delivers exactly its own message.
    for v in range(n):
        assert f.notify(v) == NotifyOutcome.PENDING
    for v in reversed(range(n)):
        drv.unmask(v)
    assert f.sent == [linux_msg(v) for v in reversed(range(n))]
    assert all(not f.is_pending(v) for v in (0, n - 1))
    base = len(f.sent)
    for v in (0, n - 1):
        assert f.notify(v) == NotifyOutcome.SENT
    assert f.sent[base:] == [linux_msg(0), linux_msg(n - 1)]
    drv.shutdown()
    assert not f.enabled
    assert f.intx_deassert_count == 2
    assert f.notify(n - 1) == NotifyOutcome.PENDING


def test_linux_setup_with_entry_left_unmasked():
    """An entry left unmasked (e.g. by firmware) is masked around the message
    write and restored; with MASKALL set nothing is sent or fired."""
    f = MsixFunction(8)
    f.bar_write(2 * 16 + 12, 0, 4)
    f.vector_use(2)
    ev = []
    f.set_vector_notifiers(lambda v, m: ev.append(("use", v, m)), lambda v: ev.append(("rel", v)),
                           lambda s, e: ev.append(("poll", s, e)))
    assert ev == [("poll", 0, 8)]
    ev.clear()
    drv = LinuxDriver(f)
    drv.capability_init(8)
    assert drv.ctrl[2] == 1                           # read 0, then msix_mask_all wrote 1
    assert ev == [] and f.sent == []                 # function masked all along
    drv.unmask(2)
    assert ev == [("use", 2, (0xFEE0_2000, 0x22))]
    f.notify(2)
    drv.shutdown()
    assert ev == [("use", 2, (0xFEE0_2000, 0x22)), ("rel", 2)]   # no poll: Linux never reads the PBA
    assert f.sent == [(0xFEE0_2000, 0x22)]


# --------------------------------------------------------- QEMU qtest libqos
class QtestPci:
    """tests/qtest/libqos/pci.c MSI-X helpers."""

    def __init__(self, f):
        self.f = f

    def msix_enable(self):                            # qpci_msix_enable
        val = self.f.config_read(PCI_MSIX_FLAGS, 2)
        self.f.config_write(PCI_MSIX_FLAGS, val | FLAGS_ENABLE, 2)
        table = self.f.config_read(PCI_MSIX_TABLE, 4)
        pba = self.f.config_read(PCI_MSIX_PBA, 4)
        assert table & 7 == 0 and pba & 7 == 0        # both in BAR 0
        self.table_off, self.pba_off = table & ~7, pba & ~7

    def set_entry(self, v, addr, data):               # qpci_msix_set_entry
        base = self.table_off + 16 * v
        self.f.bar_write(base + ENTRY_LOWER_ADDR, addr & 0xFFFF_FFFF, 4)
        self.f.bar_write(base + ENTRY_UPPER_ADDR, addr >> 32, 4)
        self.f.bar_write(base + ENTRY_DATA, data, 4)
        self.set_masked(v, False)

    def set_masked(self, v, masked):                  # qpci_msix_set_masked
        off = self.table_off + 16 * v + ENTRY_VECTOR_CTRL
        ctrl = self.f.bar_read(off, 4)
        ctrl = ctrl | CTRL_MASKBIT if masked else ctrl & ~CTRL_MASKBIT
        self.f.bar_write(off, ctrl, 4)

    def masked(self, v):                              # qpci_msix_masked
        if self.f.config_read(PCI_MSIX_FLAGS, 2) & FLAGS_MASKALL:
            return True
        return bool(self.f.bar_read(self.table_off + 16 * v + ENTRY_VECTOR_CTRL, 4) & CTRL_MASKBIT)

    def pending(self, v):                             # qpci_msix_pending (with the old write-back)
        off = self.pba_off + (v // 32) * 4
        pba_entry = self.f.bar_read(off, 4)
        self.f.bar_write(off, pba_entry & ~(1 << (v % 32)) & 0xFFFF_FFFF, 4)   # ignored by the PBA
        return bool(pba_entry & (1 << (v % 32)))


# Hand-written poll ranges for the PBA DWORD of vector v:
# start = (v//32)*4*8, end = MIN((v//32)*4 + 32, N)  (seed 215-216)
QTEST_CASES = [
    # (N, v, pba dword offset, expected poll range)
    (1, 0, 0, (0, 1)),
    (8, 7, 0, (0, 8)),
    (64, 31, 0, (0, 32)),
    (64, 32, 4, (32, 36)),
    (64, 63, 4, (32, 36)),
    (65, 64, 8, (64, 40)),
    (2048, 0, 0, (0, 32)),
    (2048, 33, 4, (32, 36)),
    (2048, 1000, 124, (992, 156)),
    (2048, 2047, 252, (2016, 284)),
]


@pytest.mark.parametrize("n,v,dw,poll", QTEST_CASES)
def test_qtest_pba_polling(n, v, dw, poll):
    f = MsixFunction(n)
    polls = []
    f.set_vector_notifiers(lambda vec, m: 0, lambda vec: None, lambda s, e: polls.append((s, e)))
    assert polls == [(0, n)]
    f.vector_use(v)
    q = QtestPci(f)
    q.msix_enable()
    assert f.intx_deassert_count == 1
    assert f.enabled and not f.function_masked
    assert (q.table_off, q.pba_off) == (f.table_offset, f.pba_offset)
    addr, data = 0x0000_0001_0000_0000 + 0x40 * v, 0x1234_0000 | v
    q.set_entry(v, addr, data)
    assert not q.masked(v)

    q.set_masked(v, True)
    assert q.masked(v)
    assert f.notify(v) == NotifyOutcome.PENDING
    polls.clear()
    assert q.pending(v) is True
    assert q.pending(v) is True                       # the write-back did not clear it
    assert polls == [poll, poll]
    assert f.bar_read(f.pba_offset + dw, 4) == 1 << (v % 32)
    assert f.sent == []

    q.set_masked(v, False)                            # unmask: delivered, bit cleared
    assert f.sent == [(addr, data)]
    assert q.pending(v) is False
    assert f.notify(v) == NotifyOutcome.SENT
    assert q.pending(v) is False
    assert f.sent == [(addr, data), (addr, data)]


def test_qtest_maskall_seen_by_masked_helper():
    f = MsixFunction(8)
    f.vector_use(3)
    q = QtestPci(f)
    q.msix_enable()
    q.set_entry(3, 0xFEE0_0000, 0x33)
    f.config_write(PCI_MSIX_FLAGS, FLAGS_ENABLE | FLAGS_MASKALL, 2)
    assert q.masked(3)
    assert f.notify(3) == NotifyOutcome.PENDING
    assert q.pending(3)
    f.config_write(PCI_MSIX_FLAGS, FLAGS_ENABLE, 2)  # function unmask releases it
    assert f.sent == [(0xFEE0_0000, 0x33)]
    assert not q.pending(3)
    assert f.intx_deassert_count == 3
