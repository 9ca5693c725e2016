"""In-order completions: callers waiting for responses (reads, writes) in request order."""

from __future__ import annotations

from collections import deque
from typing import Any, Optional

from cocotb.triggers import Event


class Completions:
    """FIFO of callers waiting for in-order responses."""

    def __init__(self):
        self._waiting: deque = deque()

    def expect(self) -> "Completion":
        c = Completion()
        self._waiting.append(c)
        return c

    def skip(self) -> None:
        """A request whose response nobody waits for (it keeps its place in the order)."""
        self._waiting.append(None)

    def complete(self, value: Any) -> None:
        if self._waiting:
            c = self._waiting.popleft()
            if c is not None:
                c.set(value)


class Completion:
    __slots__ = ("value", "_event")

    def __init__(self):
        self.value = None
        self._event: Optional[Event] = None

    def set(self, value: Any) -> None:
        self.value = value
        if self._event is not None:
            self._event.set()

    async def wait(self) -> Any:
        if self.value is None:
            self._event = Event()
            await self._event.wait()
        return self.value
