"""AXI4-Lite master and monitors for the ``s_axil_*`` BAR port (32- or 64-bit data).

The master keeps a write and a read channel in flight independently (as a CPU
would), with idle-cycle insertion between requests, any WSTRB (for the
bad-access tests), and reports each response code. Address and data of a
write are presented together, as the contract requires.
"""

from __future__ import annotations

from typing import Iterator, Optional

from .msix_agents import Completions, ValidReadyDriver, ValidReadyMonitor
from .msix_txn import BarRead, BarWrite


class AxilWriteDriver(ValidReadyDriver):
    """AW and W of one write, raised together and held until taken."""

    _signals = ["awvalid", "awaddr", "wvalid", "wdata", "wstrb"]
    _valids = ("awvalid", "wvalid")

    def _drive(self, txn: BarWrite) -> None:
        b = self.bus
        b.awaddr.value = txn.addr
        b.wdata.value = txn.data
        b.wstrb.value = txn.strb


class AxilReadDriver(ValidReadyDriver):
    """AR of one read."""

    _signals = ["arvalid", "araddr"]
    _valids = ("arvalid",)

    def _drive(self, txn: BarRead) -> None:
        self.bus.araddr.value = txn.addr


class AxilWriteMonitor(ValidReadyMonitor):
    """Reports a :class:`BarWrite` at the cycle AW and W are taken (together)."""

    _signals = ["awvalid", "awready", "awaddr", "wvalid", "wready", "wdata", "wstrb"]
    _valid = "awvalid"
    _ready = "awready"

    def _sample(self) -> BarWrite:
        r = self.read
        if not (r.wvalid() and r.wready()):
            raise AssertionError("AWREADY without WREADY: the contract takes address and data in one cycle")
        return BarWrite(r.awaddr(), r.wdata(), r.wstrb())


class AxilReadMonitor(ValidReadyMonitor):
    """Reports a :class:`BarRead` at the AR handshake."""

    _signals = ["arvalid", "arready", "araddr"]
    _valid = "arvalid"
    _ready = "arready"

    def _sample(self) -> BarRead:
        return BarRead(self.read.araddr())


class AxilBMonitor(ValidReadyMonitor):
    """Reports each write response code."""

    _signals = ["bvalid", "bready", "bresp"]
    _valid = "bvalid"
    _ready = "bready"

    def _sample(self) -> int:
        return self.read.bresp()


class AxilRMonitor(ValidReadyMonitor):
    """Reports each read response as (data, resp)."""

    _signals = ["rvalid", "rready", "rdata", "rresp"]
    _valid = "rvalid"
    _ready = "rready"

    def _sample(self) -> tuple[int, int]:
        return self.read.rdata(), self.read.rresp()


class AxiLiteMaster:
    """AXI4-Lite master on ``<name>_*``: write/read with per-request idle gaps.

    ``write``/``read`` wait for the response and return it; the ``*_nowait``
    forms only queue the request (the scoreboard checks every response anyway).
    """

    def __init__(self, dut, name: str, clock, width: int, idle: Optional[Iterator[int]] = None,
                 read_idle: Optional[Iterator[int]] = None):
        self.width = width
        self.nbytes = width // 8
        self.write_if = AxilWriteDriver(dut, name, clock, idle=idle)
        self.read_if = AxilReadDriver(dut, name, clock, idle=read_idle if read_idle is not None else idle)
        # bready/rready: high unless the TB attaches a ReadySink (back-pressure).
        getattr(dut, f"{name}_bready").value = 1
        getattr(dut, f"{name}_rready").value = 1
        self._b_waiting = Completions()
        self._r_waiting = Completions()

    # Response monitors call these (hooked up by the TB).
    def on_b(self, resp: int) -> None:
        self._b_waiting.complete(resp)

    def on_r(self, data_resp: tuple[int, int]) -> None:
        self._r_waiting.complete(data_resp)

    def full_strb(self, addr: int) -> int:
        """Strobe of a natural access of the bus at ``addr`` (DWORD in the high lanes at +4)."""
        if self.nbytes == 8 and addr & 4:
            return 0xF0
        return (1 << self.nbytes) - 1

    def write_nowait(self, addr: int, data: int, strb: Optional[int] = None) -> None:
        """Queue a write; ``data`` is the bus word (lanes as on the wires)."""
        self._b_waiting.expect()
        self.write_if.send_nowait(BarWrite(addr, data, self.full_strb(addr) if strb is None else strb))

    async def write(self, addr: int, data: int, strb: Optional[int] = None) -> int:
        c = self._b_waiting.expect()
        self.write_if.send_nowait(BarWrite(addr, data, self.full_strb(addr) if strb is None else strb))
        return await c.wait()

    def read_nowait(self, addr: int) -> None:
        self._r_waiting.expect()
        self.read_if.send_nowait(BarRead(addr))

    async def read(self, addr: int) -> tuple[int, int]:
        """(bus word, resp) of one read."""
        c = self._r_waiting.expect()
        self.read_if.send_nowait(BarRead(addr))
        return await c.wait()

    # DWORD helpers: place/extract a 32-bit value in its lanes.
    def write_dword_nowait(self, addr: int, value: int) -> None:
        self.write_nowait(addr, value << (8 * (addr & 4)) if self.nbytes == 8 else value)

    async def write_dword(self, addr: int, value: int) -> int:
        return await self.write(addr, value << (8 * (addr & 4)) if self.nbytes == 8 else value)

    async def read_dword(self, addr: int) -> int:
        data, _ = await self.read(addr)
        if self.nbytes == 8:
            data >>= 8 * (addr & 4)
        return data & 0xFFFF_FFFF

    async def wait_idle(self) -> None:
        await self.write_if.wait_idle()
        await self.read_if.wait_idle()
