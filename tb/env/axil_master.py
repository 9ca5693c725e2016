"""AXI4-Lite master of the BAR port (32- or 64-bit data), over the two request
drivers of the binding's ``bar`` port.

It keeps a write and a read channel in flight independently (as a CPU would),
with idle-cycle insertion between requests and any WSTRB (for the bad-access
tests), and reports each response code. Address and data of a write are
presented together. ``allow`` (set by the env from the profile) leaves out
the accesses a DUT does not claim to answer (invalid ones, without access errors).
"""

from __future__ import annotations

from typing import Callable, Optional

from .completions import Completions
from .txn import BarRead, BarWrite


class AxiLiteMaster:
    """``write``/``read`` wait for the response and return it; the ``*_nowait``
    forms only queue the request (the scoreboard checks every response anyway)."""

    def __init__(self, write_if, read_if, width: int, allow: Optional[Callable[[object], bool]] = None):
        self.width = width
        self.nbytes = width // 8
        self.write_if = write_if
        self.read_if = read_if
        self.allow = allow
        self._b_waiting = Completions()
        self._r_waiting = Completions()

    # The response monitors call these (hooked up by the env).
    def on_b(self, resp: int) -> None:
        self._b_waiting.complete(resp)

    def on_r(self, data_resp: tuple[int, int]) -> None:
        self._r_waiting.complete(data_resp)

    def full_strb(self, addr: int) -> int:
        """Strobe of a natural access of the bus at ``addr`` (DWORD in the high lanes at +4)."""
        if self.nbytes == 8 and addr & 4:
            return 0xF0
        return (1 << self.nbytes) - 1

    def _queue(self, op, driver, waiting: Completions, wait: bool = False):
        """Queue ``op``; with ``wait``, the :class:`Completion` of its response (None if not driven)."""
        if self.allow is not None and not self.allow(op):
            return None  # not driven: the profile does not claim this access
        c = waiting.expect() if wait else waiting.skip()
        driver.send_nowait(op)
        return c

    def write_nowait(self, addr: int, data: int, strb: Optional[int] = None) -> None:
        """Queue a write; ``data`` is the bus word (lanes as on the wires)."""
        self._queue(BarWrite(addr, data, self.full_strb(addr) if strb is None else strb), self.write_if, self._b_waiting)

    async def write(self, addr: int, data: int, strb: Optional[int] = None) -> Optional[int]:
        c = self._queue(BarWrite(addr, data, self.full_strb(addr) if strb is None else strb), self.write_if,
                        self._b_waiting, wait=True)
        return None if c is None else await c.wait()

    def read_nowait(self, addr: int) -> None:
        self._queue(BarRead(addr), self.read_if, self._r_waiting)

    async def read(self, addr: int) -> Optional[tuple[int, int]]:
        """(bus word, resp) of one read."""
        c = self._queue(BarRead(addr), self.read_if, self._r_waiting, wait=True)
        return None if c is None else await c.wait()

    # DWORD helpers: place/extract a 32-bit value in its lanes.
    def write_dword_nowait(self, addr: int, value: int) -> None:
        self.write_nowait(addr, value << (8 * (addr & 4)) if self.nbytes == 8 else value)

    async def write_dword(self, addr: int, value: int) -> Optional[int]:
        return await self.write(addr, value << (8 * (addr & 4)) if self.nbytes == 8 else value)

    async def read_dword(self, addr: int) -> int:
        data, _ = await self.read(addr)
        if self.nbytes == 8:
            data >>= 8 * (addr & 4)
        return data & 0xFFFF_FFFF

    async def wait_idle(self) -> None:
        await self.write_if.wait_idle()
        await self.read_if.wait_idle()
