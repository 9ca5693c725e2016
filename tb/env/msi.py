"""The MSI output forms (``Profile.msi``): how a message leaves the DUT.

* ``tlp``: a Memory Write TLP, header DW0 in ``hdr[31:0]`` ... DW3 in ``hdr[127:96]``;
* ``tlp_dw0_high``: the same header packed the other way, DW0 in ``hdr[127:96]``;
* ``addr_data``: (address, data) handed to a hard IP that builds the TLP itself.

The monitor reports a TLP form's bits as an :class:`MsiTlp`; cocotbext-pcie
decodes them (:meth:`MsiTlp.tlp`) and packs the expected Memory Write
(:class:`ExpectedBits`). Bits equal to the expected packing decode to the
expected TLP; any other bits are decoded and compared field by field.
"""

from __future__ import annotations

from typing import NamedTuple

from cocotbext.pcie.core.tlp import PcieId, Tlp, TlpType


class AddrData(NamedTuple):
    address: int
    data: int

    def __str__(self) -> str:
        return f"msi(address={self.address:#x}, data={self.data:#010x})"


def _dws(hdr: int, dw0_high: bool) -> list[int]:
    """The four header DWORDs, DW0 first."""
    dws = [(hdr >> (32 * i)) & 0xFFFF_FFFF for i in range(4)]
    return dws[::-1] if dw0_high else dws


def _hdr(dws: list[int], dw0_high: bool) -> int:
    return sum(dw << (32 * i) for i, dw in enumerate(dws[::-1] if dw0_high else dws))


class MsiTlp(NamedTuple):
    """A TLP form's message as it left the DUT: its header and payload bits."""

    hdr: int
    data: int
    dw0_high: bool = False

    def tlp(self) -> Tlp:
        """Decoded by cocotbext-pcie; ``dw3`` is header DWORD 3 (zero in a 3-DW header)."""
        dws = _dws(self.hdr, self.dw0_high)
        # Header DWORDs go out big-endian (DW0 first), the payload DWORD little-endian.
        raw_bytes = b"".join(dw.to_bytes(4, "big") for dw in dws)
        hdr_len = 16 if raw_bytes[0] >> 5 & 1 else 12
        tlp = Tlp.unpack(raw_bytes[:hdr_len] + self.data.to_bytes(4, "little"))
        tlp.dw3 = dws[3]
        return tlp

    def __str__(self) -> str:
        try:
            tlp = str(self.tlp())
        except Exception as err:  # cocotbext-pcie cannot decode it (e.g. an unknown type)
            tlp = f"undecodable TLP ({err})"
        return f"{tlp} raw_hdr={self.hdr:#034x} data={self.data:#010x}"


def decode_tlp(hdr: int, data: int) -> MsiTlp:
    """``tlp`` form: DW0 in bits 31:0."""
    return MsiTlp(hdr, data)


def decode_tlp_dw0_high(hdr: int, data: int) -> MsiTlp:
    """``tlp_dw0_high`` form: DW0 in bits 127:96."""
    return MsiTlp(hdr, data, True)


def decode_addr_data(addr: int, data: int) -> AddrData:
    return AddrData(addr, data)


def expected_tlp(address: int, data: int, requester_id: int, tag: int) -> Tlp:
    """The Memory Write an MSI (address, data) must produce (PCIe Base 2.2.4.1)."""
    tlp = Tlp()
    tlp.fmt_type = TlpType.MEM_WRITE if address >> 32 == 0 else TlpType.MEM_WRITE_64
    tlp.requester_id = PcieId.from_int(requester_id)
    tlp.tag = tag
    tlp.set_addr_be_data(address & ~3, data.to_bytes(4, "little"))
    return tlp


def packed(tlp: Tlp, dw0_high: bool = False) -> MsiTlp:
    """The bits a DUT presents for ``tlp`` (cocotbext-pcie's packing; DW3 zero in a 3-DW header)."""
    raw = bytes(tlp.pack())
    n = tlp.get_header_size()
    dws = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, n, 4)] + [0] * (4 - n // 4)
    return MsiTlp(_hdr(dws, dw0_high), int.from_bytes(raw[n:n + 4], "little"), dw0_high)


#: (address, data) pairs an :class:`ExpectedBits` keeps packed (a few MB); then it starts again.
CACHE_PAIRS = 1 << 16


class ExpectedBits:
    """The bits of the Memory Write an MSI must produce, in one TLP form.

    cocotbext-pcie packs the expected TLP once per (address, data), with tag 0,
    and once per tag value, to find the tag's bits. The first packing of each
    header format (3 and 4 DWORDs) and every tag's are decoded back and must
    equal the TLP they came from: packing and decoding agree, so bits equal to
    :meth:`bits` decode to :func:`expected_tlp`, and the scoreboard decodes
    only bits that differ (to compare and name the fields). One instance per
    (requester ID, form) serves every test of a simulator run (:meth:`of`).
    """

    _instances: dict[tuple[int, bool], "ExpectedBits"] = {}

    @classmethod
    def of(cls, requester_id: int, dw0_high: bool) -> "ExpectedBits":
        key = (requester_id, dw0_high)
        if key not in cls._instances:
            cls._instances[key] = cls(requester_id, dw0_high)
        return cls._instances[key]

    def __init__(self, requester_id: int, dw0_high: bool):
        self.requester_id, self.dw0_high = requester_id, dw0_high
        self._base: dict[tuple[int, int], MsiTlp] = {}
        self._tags: dict[int, int] = {}  # tag -> its bits in the header (the rest zero)
        self._checked: set = set()  # header formats whose packing decoded back
        self._zero = self._packed(0, 0, 0, check=True).hdr

    def _packed(self, address: int, data: int, tag: int, check: bool = False) -> MsiTlp:
        tlp = expected_tlp(address, data, self.requester_id, tag)
        bits = packed(tlp, self.dw0_high)
        if check or tlp.fmt_type not in self._checked:
            back = bits.tlp()
            if back != tlp or back.th or (back.dw3 and tlp.fmt_type is TlpType.MEM_WRITE):
                raise RuntimeError(f"cocotbext-pcie: {tlp} packs to {bits.hdr:#034x}, which decodes to {back}")
            self._checked.add(tlp.fmt_type)
        return bits

    def bits(self, address: int, data: int, tag: int) -> MsiTlp:
        base = self._base.get((address, data))
        if base is None:
            if len(self._base) >= CACHE_PAIRS:  # a long soak rewrites the table without end
                self._base.clear()
            base = self._base[address, data] = self._packed(address, data, 0)
        tag_bits = self._tags.get(tag)
        if tag_bits is None:
            tag_bits = self._packed(0, 0, tag, check=True).hdr ^ self._zero
            if tag_bits & self._zero:
                raise RuntimeError(f"cocotbext-pcie: tag {tag} shares header bits with other fields")
            self._tags[tag] = tag_bits
        if base.hdr & tag_bits:
            raise RuntimeError(f"cocotbext-pcie: tag {tag} shares header bits with {base}")
        return MsiTlp(base.hdr | tag_bits, base.data, self.dw0_high)
