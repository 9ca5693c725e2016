"""Golden model of one PCI function's MSI-X: QEMU ``hw/pci/msix.c``, bit for bit.

Method names follow the seed (``msix_notify`` -> ``notify``, ``msix_write_config``
-> ``_write_config`` ...) so the two can be read side by side. What QEMU's
memory core and generic config path add around the seed is reproduced too:
  * config writes are merged byte by byte through the write mask first;
  * BAR accesses must be aligned 4- or 8-byte ones (else ``DecodeError``), an
    8-byte access is two 4-byte halves, low DWORD first.

Deliberate choices where the seed is silent (all documented in README.md):
  * ``load`` rejects a stream of the wrong length, or one with PBA bits >= N
    set (no ``msix_save`` produces either), before changing anything;
  * misuse of the Python API (bad sizes, vectors out of range for a query,
    values that do not fit) raises ``ValueError``; an assertion of the seed
    (use notifier failing while firing) raises ``RuntimeError``.
"""

from __future__ import annotations

import enum
from typing import Callable, Optional

from .constants import (
    EINVAL,
    MSIX_CONTROL_OFFSET,
    MSIX_ENABLE_MASK,
    MSIX_MASKALL_MASK,
    PCI_CAP_ID_MSIX,
    PCI_CAPABILITY_LIST,
    PCI_CONFIG_HEADER_SIZE,
    PCI_CONFIG_SPACE_SIZE,
    PCI_MSIX_ENTRY_CTRL_MASKBIT,
    PCI_MSIX_FLAGS,
    PCI_MSIX_PBA,
    PCI_MSIX_TABLE,
    PCI_STATUS,
    PCI_STATUS_CAP_LIST,
)
from .errors import DecodeError
from .layout import make_layout

Message = tuple  # (address: 64-bit int, data: 32-bit int)
UseNotifier = Callable[[int, Message], Optional[int]]
ReleaseNotifier = Callable[[int], None]
PollNotifier = Callable[[int, int], None]

_DWORD_MASK = 0xFFFF_FFFF
_CTRL = 3  # Vector Control is DWORD 3 of an entry
_MASKBIT = PCI_MSIX_ENTRY_CTRL_MASKBIT


class NotifyOutcome(enum.Enum):
    """What ``msix_notify`` did with a request."""

    SENT = "sent"
    PENDING = "pending"
    DROPPED_UNUSED = "dropped: vector not in use"
    DROPPED_RANGE = "dropped: vector out of range"


class MsixFunction:
    """One PCI function with an MSI-X capability, table and PBA in one BAR.

    ``MsixFunction(n)`` is ``msix_init_exclusive_bar``; giving ``bar_size``,
    ``table_offset`` and ``pba_offset`` is ``msix_init`` with both structures in
    that BAR (BIR 0). Invalid parameters raise ``ValueError`` with the seed's reason.

    Outputs, in order: ``sent`` lists every MSI as ``(address, data)`` (also
    passed to ``on_message``); ``intx_deassert_count`` counts every INTx
    deassert (also signalled through ``on_intx_deassert``).
    """

    def __init__(
        self,
        nentries: int,
        *,
        bar_size: Optional[int] = None,
        table_offset: Optional[int] = None,
        pba_offset: Optional[int] = None,
        cap_offset: int = PCI_CONFIG_HEADER_SIZE,
    ):
        layout = make_layout(nentries, bar_size, table_offset, pba_offset, cap_offset)
        self.layout = layout
        self._n = nentries
        self._cap = cap_offset
        self._table_lo, self._table_hi = layout.table_offset, layout.table_offset + layout.table_size
        self._pba_lo, self._pba_hi = layout.pba_offset, layout.pba_offset + layout.pba_size

        self.sent: list[Message] = []
        self.on_message: Optional[Callable[[int, int], None]] = None
        self.intx_deassert_count = 0
        self.on_intx_deassert: Optional[Callable[[], None]] = None
        self._use_notifier: Optional[UseNotifier] = None
        self._release_notifier: Optional[ReleaseNotifier] = None
        self._poll_notifier: Optional[PollNotifier] = None

        # pci_add_capability(): capability header, list pointer, status bit;
        # the capability is read-only except what msix_init makes writable.
        self._config = bytearray(PCI_CONFIG_SPACE_SIZE)
        self._wmask = bytearray(PCI_CONFIG_SPACE_SIZE)
        cfg, cap = self._config, cap_offset
        cfg[cap] = PCI_CAP_ID_MSIX
        cfg[cap + 1] = cfg[PCI_CAPABILITY_LIST]
        cfg[PCI_CAPABILITY_LIST] = cap
        cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST
        cfg[cap + PCI_MSIX_FLAGS : cap + PCI_MSIX_FLAGS + 2] = (nentries - 1).to_bytes(2, "little")
        cfg[cap + PCI_MSIX_TABLE : cap + PCI_MSIX_TABLE + 4] = layout.table_offset.to_bytes(4, "little")
        cfg[cap + PCI_MSIX_PBA : cap + PCI_MSIX_PBA + 4] = layout.pba_offset.to_bytes(4, "little")
        self._wmask[cap + MSIX_CONTROL_OFFSET] = MSIX_ENABLE_MASK | MSIX_MASKALL_MASK

        # msix_init(): zeroed table, PBA (whole QWORDs) and use counts.
        self._table = [0] * (4 * nentries)  # little-endian DWORDs
        self._pba = [0] * (layout.pba_size // 4)  # DWORD k holds vectors 32k..32k+31
        self._used = [0] * nentries
        self._function_masked = True
        self._mask_all()

    # ------------------------------------------------------------------ state
    @property
    def nentries(self) -> int:
        return self._n

    @property
    def nr_vectors_allocated(self) -> int:
        """``msix_nr_vectors_allocated``."""
        return self._n

    @property
    def enabled(self) -> bool:
        """``msix_enabled``: ENABLE in Message Control."""
        return bool(self._config[self._cap + MSIX_CONTROL_OFFSET] & MSIX_ENABLE_MASK)

    @property
    def function_masked(self) -> bool:
        """The seed's cached ``msix_function_masked`` (not refreshed by ``reset``)."""
        return self._function_masked

    @property
    def bar_size(self) -> int:
        return self.layout.bar_size

    @property
    def table_offset(self) -> int:
        return self.layout.table_offset

    @property
    def pba_offset(self) -> int:
        return self.layout.pba_offset

    @property
    def cap_offset(self) -> int:
        return self._cap

    def _maskall(self) -> bool:
        """``msix_masked``: MASKALL in Message Control."""
        return bool(self._config[self._cap + MSIX_CONTROL_OFFSET] & MSIX_MASKALL_MASK)

    def _check_vector(self, vector: int) -> None:
        if not 0 <= vector < self._n:
            raise ValueError(f"vector {vector} out of range 0..{self._n - 1}")

    def _vector_masked(self, vector: int, fmask: bool) -> bool:
        """``msix_vector_masked`` (the Xen pirq case does not apply)."""
        return fmask or bool(self._table[4 * vector + _CTRL] & _MASKBIT)

    def is_masked(self, vector: int) -> bool:
        """``msix_is_masked``: entry mask bit or the cached function mask."""
        self._check_vector(vector)
        return self._vector_masked(vector, self._function_masked)

    def is_pending(self, vector: int) -> bool:
        """``msix_is_pending``."""
        self._check_vector(vector)
        return bool(self._pba[vector >> 5] >> (vector & 31) & 1)

    def _set_pending(self, vector: int) -> None:
        self._pba[vector >> 5] |= 1 << (vector & 31)

    def _clr_pending(self, vector: int) -> None:
        self._pba[vector >> 5] &= ~(1 << (vector & 31))

    def _clear_all_vectors(self) -> None:
        """``msix_clear_all_vectors``: bits >= N are never set, so clear every DWORD."""
        self._pba = [0] * len(self._pba)

    def _update_function_masked(self) -> None:
        """``msix_update_function_masked``."""
        self._function_masked = not self.enabled or self._maskall()

    # --------------------------------------------------------------- messages
    def get_message(self, vector: int) -> Message:
        """``msix_get_message``: (64-bit address, 32-bit data) of the entry."""
        self._check_vector(vector)
        t = self._table
        base = 4 * vector
        return t[base] | t[base + 1] << 32, t[base + 2]

    def set_message(self, vector: int, address: int, data: int) -> None:
        """``msix_set_message``: store the message and clear the mask bit.

        As in the seed, this side channel re-evaluates nothing: no notifier
        fires and a pending bit stays set.
        """
        self._check_vector(vector)
        _check_value(address, 8)
        _check_value(data, 4)
        base = 4 * vector
        t = self._table
        t[base], t[base + 1], t[base + 2] = address & _DWORD_MASK, address >> 32, data
        t[base + _CTRL] &= ~_MASKBIT

    def _send(self, vector: int) -> None:
        """``msi_send_message`` with the entry's current message."""
        t = self._table
        base = 4 * vector
        msg = (t[base] | t[base + 1] << 32, t[base + 2])
        self.sent.append(msg)
        if self.on_message is not None:
            self.on_message(*msg)

    def _deassert_intx(self) -> None:
        """``pci_device_deassert_intx``."""
        self.intx_deassert_count += 1
        if self.on_intx_deassert is not None:
            self.on_intx_deassert()

    def notify(self, vector: int) -> NotifyOutcome:
        """``msix_notify``: send the vector's message, or set it pending if masked.

        Out of range or not in use: dropped, as in the seed.
        """
        if not 0 <= vector < self._n:
            return NotifyOutcome.DROPPED_RANGE
        if not self._used[vector]:
            return NotifyOutcome.DROPPED_UNUSED
        if self._function_masked or self._table[4 * vector + _CTRL] & _MASKBIT:
            self._pba[vector >> 5] |= 1 << (vector & 31)
            return NotifyOutcome.PENDING
        self._send(vector)
        return NotifyOutcome.SENT

    # ------------------------------------------------------- mask transitions
    def _fire_vector_notifier(self, vector: int, is_masked: bool) -> None:
        """``msix_fire_vector_notifier``."""
        if self._use_notifier is None:
            return
        if is_masked:
            self._release_notifier(vector)
        else:
            ret = self._use_notifier(vector, self.get_message(vector))
            if ret is not None and ret < 0:
                raise RuntimeError(f"vector use notifier failed ({ret}) for vector {vector}: QEMU asserts here")

    def _handle_mask_update(self, vector: int, was_masked: bool) -> None:
        """``msix_handle_mask_update``: on unmask, send and clear a pending vector."""
        is_masked = self._function_masked or bool(self._table[4 * vector + _CTRL] & _MASKBIT)
        if is_masked == was_masked:
            return
        self._fire_vector_notifier(vector, is_masked)
        if not is_masked and self._pba[vector >> 5] >> (vector & 31) & 1:
            self._clr_pending(vector)
            self.notify(vector)

    def _mask_all(self) -> None:
        """``msix_mask_all``: set every entry's mask bit, one vector at a time."""
        t = self._table
        if self._use_notifier is None:
            # Masking can neither send nor clear pending; only notifiers observe it.
            for i in range(_CTRL, len(t), 4):
                t[i] |= _MASKBIT
            return
        for vector in range(self._n):
            was_masked = self._vector_masked(vector, self._function_masked)
            t[4 * vector + _CTRL] |= _MASKBIT
            self._handle_mask_update(vector, was_masked)

    def _release_on_function_unmask(self) -> None:
        """The ``msix_write_config`` walk when the function mask went 1 -> 0.

        Without a use notifier only pending vectors with a clear entry mask are
        affected, so visit just those, in vector order, reading live state.
        """
        t, pba = self._table, self._pba
        for word in range(len(pba)):
            for bit in range(32):
                bits = pba[word] >> bit
                if not bits:
                    break
                if bits & 1:
                    vector = 32 * word + bit
                    if not t[4 * vector + _CTRL] & _MASKBIT:
                        self._handle_mask_update(vector, True)

    # ----------------------------------------------------------- config space
    def config_read(self, addr: int, size: int) -> int:
        """``pci_default_read_config``: little-endian bytes of config space."""
        _check_config_access(addr, size)
        return int.from_bytes(self._config[addr : addr + size], "little")

    def config_write(self, addr: int, value: int, size: int) -> None:
        """``pci_default_write_config``: merge through the write mask, then ``msix_write_config``."""
        _check_config_access(addr, size)
        _check_value(value, size)
        cfg, wmask = self._config, self._wmask
        for i in range(size):
            mask = wmask[addr + i]
            cfg[addr + i] = cfg[addr + i] & ~mask | (value >> 8 * i) & mask
        self._write_config(addr, size)

    def _write_config(self, addr: int, size: int) -> None:
        """``msix_write_config``: act when the write covers Message Control's upper byte."""
        enable_pos = self._cap + MSIX_CONTROL_OFFSET
        if not addr <= enable_pos < addr + size:
            return
        was_masked = self._function_masked
        self._update_function_masked()
        if not self.enabled:
            return
        self._deassert_intx()
        if self._function_masked == was_masked:
            return
        if self._use_notifier is None:
            if not self._function_masked:
                self._release_on_function_unmask()
            return  # masking with no notifier observes nothing
        for vector in range(self._n):
            self._handle_mask_update(vector, self._vector_masked(vector, was_masked))

    # ---------------------------------------------------------------- the BAR
    def _decode(self, offset: int, size: int) -> None:
        """Reject what QEMU's memory core rejects, before any effect."""
        if size not in (4, 8):
            raise DecodeError(offset, size, "only 4- and 8-byte accesses are valid")
        if offset & (size - 1):
            raise DecodeError(offset, size, "misaligned")
        if not (self._table_lo <= offset < self._table_hi or self._pba_lo <= offset < self._pba_hi):
            raise DecodeError(offset, size, "neither MSI-X table nor PBA (a hole of the BAR)")

    def bar_decode(self, offset: int, size: int) -> None:
        """The access rules alone: raises ``DecodeError`` where ``bar_read``/``bar_write``
        would, and changes nothing (a testbench asks it before driving an access)."""
        self._decode(offset, size)

    def bar_read(self, offset: int, size: int) -> int:
        """A read of the BAR; an 8-byte read is two 4-byte reads, low first."""
        self._decode(offset, size)
        low = self._read_dword(offset)
        if size == 4:
            return low
        return low | self._read_dword(offset + 4) << 32

    def bar_write(self, offset: int, value: int, size: int) -> None:
        """A write to the BAR; an 8-byte write is two 4-byte writes, low first."""
        self._decode(offset, size)
        _check_value(value, size)
        self._write_dword(offset, value & _DWORD_MASK)
        if size == 8:
            self._write_dword(offset + 4, value >> 32)

    def _read_dword(self, offset: int) -> int:
        if offset < self._table_hi and offset >= self._table_lo:
            return self._table[(offset - self._table_lo) >> 2]  # msix_table_mmio_read
        return self._pba_mmio_read(offset - self._pba_lo)

    def _write_dword(self, offset: int, value: int) -> None:
        if offset < self._table_hi and offset >= self._table_lo:
            self._table_mmio_write(offset - self._table_lo, value)
        # msix_pba_mmio_write: PBA writes are accepted and ignored.

    def _table_mmio_write(self, addr: int, value: int) -> None:
        """``msix_table_mmio_write``: store the DWORD, then re-evaluate the mask."""
        index = addr >> 2
        if index & 3 != _CTRL:
            self._table[index] = value  # only Vector Control can change the mask
            return
        vector = addr >> 4
        was_masked = self._function_masked or bool(self._table[index] & _MASKBIT)
        self._table[index] = value
        self._handle_mask_update(vector, was_masked)

    def _pba_mmio_read(self, addr: int) -> int:
        """``msix_pba_mmio_read``: poll notifier first, then the PBA DWORD.

        The seed computes the poll range end as ``addr + size * 8`` (not
        ``(addr + size) * 8``); reproduced as is.
        """
        if self._poll_notifier is not None:
            self._poll_notifier(addr * 8, min(addr + 4 * 8, self._n))
        return self._pba[addr >> 2]

    # ---------------------------------------------------------------- vectors
    def vector_use(self, vector: int) -> int:
        """``msix_vector_use``: 0, or ``-EINVAL`` for a vector out of range."""
        if not 0 <= vector < self._n:
            return -EINVAL
        self._used[vector] += 1
        return 0

    def vector_unuse(self, vector: int) -> None:
        """``msix_vector_unuse``: the last unuse clears the pending bit."""
        if not 0 <= vector < self._n or not self._used[vector]:
            return
        self._used[vector] -= 1
        if self._used[vector]:
            return
        self._clr_pending(vector)

    def unuse_all_vectors(self) -> None:
        """``msix_unuse_all_vectors`` (``msix_free_irq_entries``)."""
        self._used = [0] * self._n
        self._clear_all_vectors()

    def use_count(self, vector: int) -> int:
        """How many ``vector_use`` calls are outstanding for ``vector``."""
        self._check_vector(vector)
        return self._used[vector]

    # ------------------------------------------------------------------ reset
    def reset(self) -> None:
        """``msix_reset``: clear PBA and ENABLE/MASKALL, zero the table, mask every entry.

        As in the seed, the cached function mask is not refreshed, use counts
        are kept, and no INTx deassert happens here.
        """
        self._clear_all_vectors()
        self._config[self._cap + MSIX_CONTROL_OFFSET] &= ~self._wmask[self._cap + MSIX_CONTROL_OFFSET]
        self._table = [0] * (4 * self._n)
        self._pba = [0] * len(self._pba)
        self._mask_all()

    # ------------------------------------------------------------- migration
    def save(self) -> bytes:
        """``msix_save``: N*16 table bytes, then ceil(N/8) PBA bytes."""
        table = b"".join(dw.to_bytes(4, "little") for dw in self._table)
        pba = b"".join(dw.to_bytes(4, "little") for dw in self._pba)
        return table + pba[: (self._n + 7) // 8]

    def load(self, data: bytes) -> None:
        """``msix_load`` (call after restoring config space): state, then mask re-evaluation."""
        n = self._n
        table_len, pba_len = 16 * n, (n + 7) // 8
        if len(data) != table_len + pba_len:
            raise ValueError(f"MSI-X state of {len(data)} bytes; {table_len + pba_len} expected for {n} vectors")
        pba_bytes = bytearray(data[table_len:]) + bytes(len(self._pba) * 4 - pba_len)
        pba = [int.from_bytes(pba_bytes[i : i + 4], "little") for i in range(0, len(pba_bytes), 4)]
        if n % 8 and pba[(n - 1) >> 5] >> (n & 31):  # only the last byte can hold bits >= N
            raise ValueError(f"MSI-X state has pending bits at or above vector {n}")

        self._clear_all_vectors()
        self._table = [int.from_bytes(data[i : i + 4], "little") for i in range(0, table_len, 4)]
        self._pba = pba
        self._update_function_masked()
        for vector in range(n):
            self._handle_mask_update(vector, True)

    # -------------------------------------------------------------- notifiers
    def set_vector_notifiers(
        self,
        use: UseNotifier,
        release: ReleaseNotifier,
        poll: Optional[PollNotifier] = None,
    ) -> int:
        """``msix_set_vector_notifiers``: 0, or the failing ``use`` result after undoing.

        ``use(vector, (address, data))`` returns a negative errno to fail (None is 0);
        ``release(vector)``; ``poll(vector_start, vector_end)`` before each PBA read.
        """
        if use is None or release is None:
            raise ValueError("use and release notifiers are both required (QEMU asserts)")
        self._use_notifier, self._release_notifier, self._poll_notifier = use, release, poll
        if self._control_enabled_unmasked():
            for vector in range(self._n):
                ret = self._set_notifier_for_vector(vector)
                if ret < 0:
                    for done in range(vector - 1, -1, -1):  # undo, newest first
                        self._unset_notifier_for_vector(done)
                    # As in the seed, the poll notifier stays installed.
                    self._use_notifier = self._release_notifier = None
                    return ret
        if self._poll_notifier is not None:
            self._poll_notifier(0, self._n)
        return 0

    def unset_vector_notifiers(self) -> None:
        """``msix_unset_vector_notifiers``: release every unmasked vector, then forget."""
        if self._use_notifier is None or self._release_notifier is None:
            raise ValueError("no vector notifiers are set (QEMU asserts)")
        if self._control_enabled_unmasked():
            for vector in range(self._n):
                self._unset_notifier_for_vector(vector)
        self._use_notifier = self._release_notifier = self._poll_notifier = None

    def _control_enabled_unmasked(self) -> bool:
        ctrl = self._config[self._cap + MSIX_CONTROL_OFFSET]
        return ctrl & (MSIX_ENABLE_MASK | MSIX_MASKALL_MASK) == MSIX_ENABLE_MASK

    def _set_notifier_for_vector(self, vector: int) -> int:
        """``msix_set_notifier_for_vector``."""
        if self._vector_masked(vector, self._function_masked):
            return 0
        ret = self._use_notifier(vector, self.get_message(vector))
        return 0 if ret is None else ret

    def _unset_notifier_for_vector(self, vector: int) -> None:
        """``msix_unset_notifier_for_vector``."""
        if self._vector_masked(vector, self._function_masked):
            return
        self._release_notifier(vector)


def _check_config_access(addr: int, size: int) -> None:
    if size not in (1, 2, 4):
        raise ValueError(f"config access size {size}: must be 1, 2 or 4")
    if not 0 <= addr <= PCI_CONFIG_SPACE_SIZE - size:
        raise ValueError(f"config access of {size} byte(s) at {addr:#x} is outside the 256-byte config space")


def _check_value(value: int, size: int) -> None:
    if not 0 <= value < 1 << 8 * size:
        raise ValueError(f"value {value:#x} does not fit in {size} byte(s)")


