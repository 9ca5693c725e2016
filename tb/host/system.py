"""The host system: cocotbext-pcie's ``RootComplex``, one link, the endpoint adapter
over the env's RTL ports, and the host-side checker.

    host = HostSystem(tb)                  # after tb.reset(): the env's monitors exist
    dev = await host.bring_up()            # enumerate, BAR0 assigned, memory + bus master on
    await host.alloc(tb.num_vectors)       # alloc_irq_vectors(1, N), request_irq on every vector

The driver calls are the root complex's own (Linux-style, ``PciDevice``):
``enumerate``, ``alloc_irq_vectors``, ``request_irq``, ``free_irq_vectors``.
"""

from __future__ import annotations

import logging

from cocotb.triggers import ClockCycles
from cocotbext.pcie.core import Device, RootComplex
from cocotbext.pcie.core.caps import PciCapId

from .checker import HostChecker
from .endpoint import MsixEndpoint


#: The link (generation, width): its ACK and flow-control update latency lets DLLPs coalesce,
#: which halves the cost of a TLP against an untimed link (measured: n64_w64 host test 2.2 s -> 1.1 s).
LINK = (1, 4)
#: Bound on the wait for MSIs still on the link after the RTL sent them (a lost one fails after it).
LINK_WAIT_CYCLES = 5000


class HostSystem:
    def __init__(self, tb, *, bar64: bool = False):
        self.tb = tb
        logging.getLogger("cocotb.pcie").setLevel(logging.ERROR)  # INFO: a line per TLP; WARNING: each probe of an empty slot
        self.rc = RootComplex()
        self.ep = MsixEndpoint(tb, bar64=bar64)
        self.device = Device(self.ep)
        port = self.rc.make_port()
        for p in (port, self.device.upstream_port):
            p.max_link_speed, p.max_link_width = LINK
        port.connect(self.device)
        self.checker = HostChecker(tb, self.ep)
        self.dev = None  # the root complex's PciDevice of the function, after enumeration
        self.bar = 0  # BAR0's address
        self._requested: set[int] = set()

    async def bring_up(self):
        """Enumerate, then enable memory decoding and bus mastering (``pci_enable_device``)."""
        await self.rc.enumerate()
        self.dev = self.rc.find_device(self.ep.pcie_id)
        await self.dev.enable_device()
        await self.dev.set_master()
        self.bar = self.dev.bar_addr[0]
        # The function's requester ID is the one it captured (a hard IP drives it so); no MSI is in flight yet.
        rid = int(self.ep.pcie_id)
        self.tb.requester_id = self.tb.scoreboard.requester_id = rid
        getattr(self.tb.dut, self.tb.binding.signal("requester_id")).value = rid
        return self.dev

    async def alloc(self, max_vecs: int) -> int:
        """``alloc_irq_vectors(1, max_vecs)``; ``request_irq`` on every vector the first time.

        cocotbext-pcie 0.2.16 keeps handlers across ``free_irq_vectors`` (it has no
        ``free_irq``): a second ``request_irq`` would run two handlers per MSI.
        """
        n = await self.dev.alloc_irq_vectors(1, max_vecs)
        if n < 1:
            raise AssertionError(f"alloc_irq_vectors(1, {max_vecs}) returned {n}")
        self.checker.msi_addr = self.dev.msi_vectors[0].addr
        for v in range(n):
            if v not in self._requested:
                self.dev.request_irq(v, self.checker.handler(v))
                self._requested.add(v)
        return n

    async def free(self) -> None:
        await self.dev.free_irq_vectors()

    # ------------------------------------------------------------ host accesses
    def table(self, vector: int, dword: int = 0) -> int:
        return self.bar + self.tb.entry(vector, dword)

    def pba(self, vector: int) -> int:
        return self.bar + self.tb.pba_dword(vector)

    async def msix_ctrl(self) -> int:
        """Message Control (Configuration Read, 2 bytes at cap+2)."""
        return await self.dev.capability_read_word(PciCapId.MSIX, 2)

    async def set_msix_ctrl(self, value: int) -> None:
        await self.dev.capability_write_word(PciCapId.MSIX, 2, value)

    async def flr(self) -> None:
        """Device Control bit 15 (Initiate Function Level Reset) through the PCIe capability."""
        ctrl = await self.dev.capability_read_word(PciCapId.EXP, 8)
        await self.dev.capability_write_word(PciCapId.EXP, 8, ctrl | 0x8000)

    async def settle(self) -> None:
        """Every queued request committed, every expected RTL output seen, then every
        MSI through the link and its handler run; check the host's view so far."""
        await self.tb.drain()
        c, waited = self.checker, 0
        while len(c.delivered) < len(c.sent_since_start) and waited < LINK_WAIT_CYCLES:  # MSIs crossing the link
            await ClockCycles(self.tb.clock, 4)
            waited += 4
        await ClockCycles(self.tb.clock, 4)  # anything more (a duplicate) would show now
        self.checker.check_delivered()
        self.checker.check_idle()
