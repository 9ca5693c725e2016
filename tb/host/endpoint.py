"""The endpoint adapter: a cocotbext-pcie Type 0 function fronting the RTL.

The root complex talks TLPs; the RTL has an AXI4-Lite BAR port, a config port,
an FLR port and a Memory Write TLP output. This adapter is the glue a hard IP
would be, built on cocotbext-pcie's public ``Endpoint`` API, and it reaches the
RTL only through the env's agents (so every request it causes is committed,
replayed into the golden model and checked by the scoreboard as usual).

Config space. The header (IDs, command/status, BAR0, capability pointer) and
the PM and PCI Express capabilities are the adapter's own (cocotbext-pcie's).
Configuration Read/Write TLPs to the three MSI-X capability DWORDs
(``CAP_OFFSET``) become requests on the RTL's config port with the TLP's byte
enables; a read completes with ``cfg_rdata``, except the next-capability byte
(cap+1), which the adapter's capability list owns. The MSI-X capability is put
last in the list whenever the other capabilities fit below ``CAP_OFFSET``, so
that the RTL's own next pointer (0) is the true one.

BAR0 (``BAR_SIZE``, 32-bit or 64-bit BAR), Memory Request TLPs of BAR offset ``o``:

============================================  ====================================  =====================
request                                       RTL accesses (AXI4-Lite)              host sees
============================================  ====================================  =====================
Read, 1 DW, first BE 0xF                      one 4-byte read at o                  SC + data; CA if SLVERR
Read, 2 DW, BEs 0xF/0xF, o QWORD aligned      64-bit bus: one 8-byte read;          SC + data; CA if any
                                              32-bit: two 4-byte reads, low first   SLVERR
Read, any other shape (sub-DWORD BEs, 3+ DW,  none (AXI reads carry no byte         CA
unaligned QWORD)                              enables; the model has no such
                                              access)
Write, 1 DW, any first BE                     one write at o, strobe = first BE     posted: SLVERR = dropped
Write, 2 DW, o QWORD aligned                  64-bit: one write, strobe             posted: SLVERR = dropped
                                              first | last << 4; 32-bit (BEs
                                              0xF/0xF): two 4-byte writes, low first
Write, 3+ DW, unaligned QWORD, or (32-bit     none                                  posted: dropped
bus) a 2-DW write with a partial BE
Any request outside BAR0                      none (cocotbext-pcie's Device)        read: UR; write: dropped
============================================  ====================================  =====================

Completion statuses (PCIe Base 2.3.1, 2.2.9): a request that hits BAR0 but
breaks the MSI-X programming model (size, alignment, a hole) is **Completer
Abort** (CA): the function claims the address and refuses the access, as the
RTL's SLVERR does. **Unsupported Request** (UR) stays what it means in PCIe:
no function claims the request (outside BAR0, cocotbext-pcie's own answer). A
posted write gets no completion: a dropped write is counted
(:attr:`MsixEndpoint.dropped_writes`, with the reason) and logged.

The RTL's ``tlp_*`` output goes upstream unchanged (the TLP the MSI monitor
decoded, in the order it left the RTL), so the root complex decodes every MSI.
The RTL's ``intx_deassert`` pulses are counted (:attr:`intx_deasserts`) and
clear the Status register's Interrupt Status bit. The PCI Express capability
advertises FLR; a host write of Device Control bit 15 becomes an ``flr``
request on the RTL's port, and the configuration write completes once it has
committed.
"""

from __future__ import annotations

import struct
from collections import Counter, deque
from typing import Callable, Optional

import cocotb
from cocotb.queue import Queue
from cocotbext.pcie.core import Endpoint
from cocotbext.pcie.core.caps import PciCap, PciCapId, PcieCapability
from cocotbext.pcie.core.tlp import Tlp, TlpType

from ..env.msi import MsiTlp
from ..env.txn import AXI_OKAY, CfgAccess, Flr

VENDOR_ID = 0x1234  # QEMU's vendor ID: the model is QEMU's msix.c
DEVICE_ID = 0x4D58  # "MX"
CLASS_CODE = 0x088000  # base class 08h (system peripheral), subclass 80h (other)

PM_LEN, PCIE_LEN, MSIX_LEN = 2, 15, 3  # capability lengths in DWORDs
CAP_FIRST, CAP_END = 0x10, 0x40  # capability area, DWORD numbers 0x40..0xFF


class MsixCapSlot(PciCap):
    """The MSI-X capability's place in the adapter's list; its DWORDs are the RTL's."""

    def __init__(self):
        super().__init__()
        self.cap_id = PciCapId.MSIX
        self.length = MSIX_LEN

    async def _read_register(self, reg):  # never called: the adapter routes these DWORDs to the RTL
        raise AssertionError("MSI-X capability DWORDs are served by the RTL")

    async def _write_register(self, reg, data, mask):
        raise AssertionError("MSI-X capability DWORDs are served by the RTL")


class FlrPcieCapability(PcieCapability):
    """PCI Express capability advertising FLR; the request goes to ``on_flr``."""

    def __init__(self, on_flr: Callable):
        super().__init__()
        self.function_level_reset_capability = True
        self.on_flr = on_flr

    async def initiate_function_level_reset(self):
        await self.on_flr()


def cap_offsets(cap_dword: int) -> tuple[int, int]:
    """DWORD offsets of the PM and PCI Express capabilities around MSI-X at ``cap_dword``:
    below it when both fit (MSI-X last, its RTL next pointer 0 is right), else above it."""
    need = PM_LEN + PCIE_LEN
    if cap_dword - CAP_FIRST >= need:
        return CAP_FIRST, CAP_FIRST + PM_LEN
    if cap_dword + MSIX_LEN + need <= CAP_END:
        return cap_dword + MSIX_LEN, cap_dword + MSIX_LEN + PM_LEN
    raise ValueError(f"capability at {4 * cap_dword:#x}: no room for the PM and PCI Express capabilities "
                     f"({4 * need} bytes) below or above it")


class MsixEndpoint(Endpoint):
    """Type 0 function whose BAR0 and MSI-X capability are the RTL's (module doc)."""

    def __init__(self, tb, *, bar64: bool = False):
        super().__init__()
        self.tb = tb
        self.vendor_id, self.device_id, self.class_code = VENDOR_ID, DEVICE_ID, CLASS_CODE
        self.bar64 = bar64
        self.configure_bar(0, tb.bar_size, ext=bar64)
        self.bus_bytes = tb.axil.nbytes
        self.cap_dword = tb.cap_dword

        # Capabilities: PM and PCIe (cocotbext-pcie's) placed around MSI-X at CAP_OFFSET.
        pm_at, pcie_at = cap_offsets(self.cap_dword)
        self.deregister_capability(self.pm_cap)
        self.deregister_capability(self.pcie_cap)
        self.pcie_cap = FlrPcieCapability(self._flr)
        self.msix_slot = MsixCapSlot()
        self.register_capability(self.pm_cap, pm_at)
        self.register_capability(self.pcie_cap, pcie_at)
        self.register_capability(self.msix_slot, self.cap_dword)

        for t in (TlpType.CFG_READ_0, TlpType.CFG_WRITE_0):
            self.register_rx_tlp_handler(t, self._config_tlp)
        for t in (TlpType.MEM_READ, TlpType.MEM_READ_64):
            self.register_rx_tlp_handler(t, self._mem_read_tlp)
        for t in (TlpType.MEM_WRITE, TlpType.MEM_WRITE_64):
            self.register_rx_tlp_handler(t, self._mem_write_tlp)

        #: Posted writes the function dropped, by reason; every one is logged.
        self.dropped_writes: Counter = Counter()
        self.intx_deasserts = 0
        self.msi_out = 0  # MSI TLPs out of the RTL (then handed upstream)
        self.flrs = 0
        #: The host-side checker (tb/host/checker.py) sees every completion before it leaves.
        self.on_completion: Optional[Callable[[Tlp], None]] = None
        #: Called with each host request as the adapter takes it (the checker's expectations).
        self.on_request: Optional[Callable[[Tlp], None]] = None
        #: The AXI accesses of the last few BAR requests, (request, [access, ...]): the 1-DW / 2-DW shape checks.
        self.axi_log: deque = deque(maxlen=8)
        self._msi_q: Queue = Queue()

        mons = tb.monitors
        mons["msi"].add_callback(self._msi_from_rtl)
        if "intx" in mons:
            mons["intx"].add_callback(self._intx)
        cocotb.start_soon(self._forward_msi())

    # ------------------------------------------------------------ upstream
    def _msi_from_rtl(self, msi: MsiTlp) -> None:
        """The MSI monitor saw a TLP leave the RTL (already checked against the model)."""
        self.msi_out += 1
        self._msi_q.put_nowait(msi)

    async def _forward_msi(self) -> None:
        # One task: TLPs go upstream in the order they left the RTL.
        while True:
            msi = await self._msi_q.get()
            await self.send(msi.tlp())

    def _intx(self, _=None) -> None:
        self.intx_deasserts += 1
        self.interrupt_status = False  # Status bit 3: INTx no longer asserted

    async def upstream_send(self, tlp: Tlp) -> None:
        # Every completion the function sends (its own header's too) passes the checker.
        if self.on_completion is not None and tlp.is_completion():
            self.on_completion(tlp)
        await super().upstream_send(tlp)

    async def _complete(self, req: Tlp, cpl: Tlp) -> None:
        await self.send(cpl)

    # ------------------------------------------------------------ config space
    def _in_msix(self, reg: int) -> bool:
        return 0 <= reg - self.cap_dword < MSIX_LEN

    async def _config_tlp(self, tlp: Tlp) -> None:
        reg = tlp.address >> 2
        if self.on_request is not None:
            self.on_request(tlp)
        if not self._in_msix(reg) or (tlp.completer_id.device, tlp.completer_id.function) != \
                (self.device_num, self.function_num):
            if tlp.fmt_type == TlpType.CFG_READ_0:
                return await self._config_read_own(tlp)
            return await self._config_write_own(tlp)
        if tlp.completer_id.bus != self.bus_num:
            self.pcie_id = self.pcie_id._replace(bus=tlp.completer_id.bus)
        cfg = self.tb.drivers["cfg"]
        if tlp.fmt_type == TlpType.CFG_READ_0:
            data = await self.tb.cfg_read(reg, tlp.first_be)
            if reg == self.cap_dword:  # the next pointer is the adapter's list
                data = (data & ~0xFF00) | (self.msix_slot.next_cap & 0xFF) << 8
            cpl = Tlp.create_completion_data_for_tlp(tlp, self.pcie_id)
            cpl.set_data(struct.pack("<L", data))
            cpl.byte_count = 4
        else:
            data, = struct.unpack("<L", tlp.get_data())
            await cfg.send(CfgAccess(True, reg, tlp.first_be, data))  # completes after the commit
            cpl = Tlp.create_completion_for_tlp(tlp, self.pcie_id)
        await self._complete(tlp, cpl)

    async def _config_read_own(self, tlp: Tlp) -> None:
        await Endpoint.handle_config_0_read_tlp(self, tlp)  # cocotbext-pcie's header and capabilities

    async def _config_write_own(self, tlp: Tlp) -> None:
        await Endpoint.handle_config_0_write_tlp(self, tlp)

    async def _flr(self) -> None:
        """Device Control "Initiate Function Level Reset": the RTL's flr port."""
        self.flrs += 1
        await self.tb.drivers["flr"].send(Flr())

    # ------------------------------------------------------------ BAR0
    def _bar_offset(self, tlp: Tlp) -> int:
        bar = self.match_bar(tlp.address)
        assert bar is not None and bar[0] == 0, f"TLP routed to the function outside BAR0: {tlp!r}"
        return bar[1]

    def shape(self, tlp: Tlp, offset: int) -> Optional[str]:
        """Why a BAR request has no RTL access (None: it has one), per the module table."""
        if tlp.length > 2:
            return f"{tlp.length}-DW request"
        if tlp.length == 2 and offset % 8:
            return "unaligned QWORD"
        partial = tlp.first_be != 0xF or (tlp.length == 2 and tlp.last_be != 0xF)
        if partial and tlp.fmt_type in (TlpType.MEM_READ, TlpType.MEM_READ_64):
            return f"sub-DWORD read (BE {tlp.first_be:#x}/{tlp.last_be:#x})"
        if partial and tlp.length == 2 and self.bus_bytes == 4:
            # A QWORD write is one 8-byte access (the model's): all of it or nothing, as on the 64-bit bus.
            return f"partial QWORD write (BE {tlp.first_be:#x}/{tlp.last_be:#x})"
        return None

    def _begin(self, tlp: Tlp) -> tuple[int, list, Optional[str]]:
        """A BAR0 request arrives: (offset, its AXI log, why it is refused or None)."""
        offset = self._bar_offset(tlp)
        if self.on_request is not None:
            self.on_request(tlp)
        log: list = []
        self.axi_log.append((tlp, log))
        return offset, log, self.shape(tlp, offset)

    async def _mem_read_tlp(self, tlp: Tlp) -> None:
        offset, log, why = self._begin(tlp)
        data, ok = b"", why is None
        if ok:
            axil = self.tb.axil
            step = self.bus_bytes if tlp.length * 4 <= self.bus_bytes else 4
            for addr in range(offset, offset + 4 * tlp.length, step):
                word, resp = await axil.read(addr)
                log.append(("read", addr))
                ok = ok and resp == AXI_OKAY
                lane = addr % self.bus_bytes
                n = min(step, 4 * tlp.length)
                data += ((word >> (8 * lane)) & ((1 << (8 * n)) - 1)).to_bytes(n, "little")
        if ok:
            cpl = Tlp.create_completion_data_for_tlp(tlp, self.pcie_id)
            cpl.set_data(data)
            cpl.byte_count = 4 * tlp.length
            cpl.lower_address = tlp.address & 0x7F
        else:
            self.tb.log.info("host: Memory Read at BAR0+%#x (%s) completes CA", offset,
                             why or "the RTL answered SLVERR")
            cpl = Tlp.create_ca_completion_for_tlp(tlp, self.pcie_id)
        await self._complete(tlp, cpl)

    async def _mem_write_tlp(self, tlp: Tlp) -> None:
        offset, log, why = self._begin(tlp)
        if why is None:
            axil, nb = self.tb.axil, self.bus_bytes
            payload = int.from_bytes(tlp.get_data(), "little")
            bes = (tlp.first_be, tlp.last_be)[:tlp.length]
            if nb == 8 and tlp.length == 2:  # one 8-byte access
                writes = [(offset, payload, tlp.first_be | tlp.last_be << 4)]
            else:  # DWORD by DWORD, low first, in its lanes
                lane = lambda a: 8 * (a % nb)  # noqa: E731
                writes = [(offset + 4 * i, ((payload >> (32 * i)) & 0xFFFF_FFFF) << lane(offset + 4 * i),
                           bes[i] << (lane(offset + 4 * i) // 8)) for i in range(tlp.length)]
            bad = []
            for addr, word, strb in writes:
                resp = await axil.write(addr, word, strb)
                log.append(("write", addr, strb))
                if resp != AXI_OKAY:
                    bad.append(f"{addr:#x} strobe {strb:#x}")
            if bad:
                why = "the RTL answered SLVERR at " + ", ".join(bad)
        if why is not None:
            self.dropped_writes[why.split(" at ")[0]] += 1
            self.tb.log.info("host: posted Memory Write at BAR0+%#x dropped (%s)", offset, why)
