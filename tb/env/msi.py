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

from typing import NamedTuple, Optional

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


def expected_tlp(address: int, data: int, requester_id: int, tag: int, fmt_type: Optional[TlpType] = None) -> Tlp:
    """The Memory Write an MSI (address, data) must produce (PCIe Base 2.2.4.1).

    ``fmt_type`` forces the header format (:class:`ExpectedBits` packs single address
    bits in each format); by default an address below 4 GiB takes the 3-DW header."""
    tlp = Tlp()
    if fmt_type is None:
        fmt_type = TlpType.MEM_WRITE if address >> 32 == 0 else TlpType.MEM_WRITE_64
    tlp.fmt_type = fmt_type
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


#: (address, data) pairs an :class:`ExpectedBits` keeps (a few MB); then it starts again.
CACHE_PAIRS = 1 << 16


def _byte_tables(parts: list[int]) -> list[list[int]]:
    """Per byte of a value, the OR of ``parts[i]`` over its bits ``i`` set, for each of the 256 byte values."""
    tables = []
    for lsb in range(0, len(parts), 8):
        table = [0]
        for bit in parts[lsb:lsb + 8]:  # the byte values below 2**k, then each with bit k set
            table += [t | bit for t in table]
        tables.append(table)
    return tables


def _spread(tables: list[list[int]], value: int) -> int:
    out = 0
    for table in tables:
        out |= table[value & 0xFF]
        value >>= 8
    return out


class ExpectedBits:
    """The bits of the Memory Write an MSI must produce, in one TLP form.

    Every field of a Memory Write sits in bits of its own, so the packing is the
    OR of each field's bits. cocotbext-pcie packs, once per header format, the
    TLP with every field zero but the requester ID, then each single address bit,
    data bit and tag value alone; the bits of an (address, data, tag) are the OR
    of those parts, and two parts sharing a bit stop the run. The first
    (address, data) of each format is also packed whole and must equal its ORed
    parts, and the zero TLP of each format and every tag's packing are decoded
    back and must equal the TLP they came from; ``tests/test_msi_check.py``
    checks the ORed parts against whole packings. So bits equal to :meth:`bits`
    decode to :func:`expected_tlp`, and the scoreboard decodes only bits that
    differ (to compare and name the fields). One instance per (requester ID, form) serves every test of a
    simulator run (:meth:`of`); the address and data parts, which do not depend
    on the requester ID, are shared by all of them.
    """

    _instances: dict[tuple[int, bool], "ExpectedBits"] = {}
    #: (form, format) -> (address parts, data parts: per byte, per byte value; header bits used), requester ID 0.
    _parts: dict[tuple[bool, TlpType], tuple[list[list[int]], list[list[int]], int]] = {}

    @classmethod
    def of(cls, requester_id: int, dw0_high: bool) -> "ExpectedBits":
        key = (requester_id, dw0_high)
        if key not in cls._instances:
            cls._instances[key] = cls(requester_id, dw0_high)
        return cls._instances[key]

    def __init__(self, requester_id: int, dw0_high: bool):
        self.requester_id, self.dw0_high = requester_id, dw0_high
        self._pairs: dict[tuple[int, int], MsiTlp] = {}
        self._tags: dict[int, int] = {}  # tag -> its bits in the header (the rest zero)
        self._verified: set = set()  # header formats whose first (address, data) this instance checked
        self._zero = {f: self._packed(0, 0, 0, f, check=True) for f in (TlpType.MEM_WRITE, TlpType.MEM_WRITE_64)}

    def _packed(self, address: int, data: int, tag: int, fmt_type: Optional[TlpType] = None,
                requester_id: Optional[int] = None, check: bool = False) -> MsiTlp:
        rid = self.requester_id if requester_id is None else requester_id
        tlp = expected_tlp(address, data, rid, tag, fmt_type)
        bits = packed(tlp, self.dw0_high)
        if check:
            back = bits.tlp()
            if back != tlp or back.th or (back.dw3 and tlp.fmt_type is TlpType.MEM_WRITE):
                raise RuntimeError(f"cocotbext-pcie: {tlp} packs to {bits.hdr:#034x}, which decodes to {back}")
        return bits

    def _fmt_parts(self, fmt_type: TlpType) -> tuple[list[list[int]], list[list[int]], int]:
        """Each address bit's header bits and each data bit's payload bits in format
        ``fmt_type`` (as byte tables), and the header bits they and the zero TLP use;
        checked to share no bit with each other."""
        parts = self._parts.get((self.dw0_high, fmt_type))
        if parts is None:
            zero = self._packed(0, 0, 0, fmt_type, requester_id=0)
            width = 32 if fmt_type is TlpType.MEM_WRITE else 64
            addr, data = [], []
            used = (zero.hdr, zero.data)
            for value, out in [((1 << i, 0), addr) for i in range(width)] + [((0, 1 << i), data) for i in range(32)]:
                one = self._packed(*value, 0, fmt_type, requester_id=0)
                part = (one.hdr ^ zero.hdr, one.data ^ zero.data)
                if part[0] & used[0] or part[1] & used[1] or (out is addr and part[1]) or (out is data and part[0]):
                    raise RuntimeError(f"cocotbext-pcie: address {value[0]:#x} data {value[1]:#x} shares bits "
                                       f"with other fields ({fmt_type.name})")
                used = (used[0] | part[0], used[1] | part[1])
                out.append(part[0] if out is addr else part[1])
            parts = self._parts[self.dw0_high, fmt_type] = (_byte_tables(addr), _byte_tables(data), used[0])
        return parts

    def bits(self, address: int, data: int, tag: int) -> MsiTlp:
        base = self._pairs.get((address, data))
        if base is None:
            if len(self._pairs) >= CACHE_PAIRS:  # a long soak rewrites the table without end
                self._pairs.clear()
            fmt_type = TlpType.MEM_WRITE if address >> 32 == 0 else TlpType.MEM_WRITE_64
            zero = self._zero[fmt_type]
            addr_parts, data_parts, used = self._fmt_parts(fmt_type)
            base = self._pairs[address, data] = MsiTlp(zero.hdr | _spread(addr_parts, address),
                                                       zero.data | _spread(data_parts, data), self.dw0_high)
            if fmt_type not in self._verified:  # the first of each format: this requester ID's bits apart
                # from the address's, and the parts ORed give the whole packing
                if (zero.hdr ^ self._packed(0, 0, 0, fmt_type, requester_id=0).hdr) & used:
                    raise RuntimeError(f"cocotbext-pcie: requester ID {self.requester_id:#06x} shares header bits "
                                       f"with the address ({fmt_type.name})")
                whole = self._packed(address, data, 0)
                if whole != base:
                    raise RuntimeError(f"cocotbext-pcie: address {address:#x} data {data:#x} packs to "
                                       f"{whole.hdr:#034x} {whole.data:#010x}, its bits ORed to {base.hdr:#034x} {base.data:#010x}")
                self._verified.add(fmt_type)
        tag_bits = self._tags.get(tag)
        if tag_bits is None:
            zero = self._zero[TlpType.MEM_WRITE]
            tag_bits = self._packed(0, 0, tag, TlpType.MEM_WRITE, check=True).hdr ^ zero.hdr
            if tag_bits & zero.hdr:
                raise RuntimeError(f"cocotbext-pcie: tag {tag} shares header bits with other fields")
            self._tags[tag] = tag_bits
        if base.hdr & tag_bits:
            raise RuntimeError(f"cocotbext-pcie: tag {tag} shares header bits with {base}")
        return MsiTlp(base.hdr | tag_bits, base.data, self.dw0_high)
