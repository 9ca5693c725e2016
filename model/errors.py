"""Exceptions raised by the golden model."""


class DecodeError(Exception):
    """A BAR access QEMU's memory core rejects (MEMTX_DECODE_ERROR).

    Raised for 1/2-byte, 3/5/6/7-byte and misaligned accesses, and for accesses
    to a hole of the BAR (neither table nor PBA). The access changed nothing.
    """

    def __init__(self, offset: int, size: int, reason: str):
        super().__init__(f"BAR access of {size} byte(s) at offset {offset:#x}: {reason}")
        self.offset = offset
        self.size = size
        self.reason = reason
