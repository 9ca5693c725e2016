"""The MSI output forms (``Profile.msi``): how a message leaves the DUT.

* ``tlp``: a Memory Write TLP, header DW0 in ``hdr[31:0]`` ... DW3 in ``hdr[127:96]``;
* ``tlp_dw0_high``: the same header packed the other way, DW0 in ``hdr[127:96]``;
* ``addr_data``: (address, data) handed to a hard IP that builds the TLP itself.

TLPs are decoded with cocotbext-pcie; the raw header stays as ``tlp.raw_hdr``.
"""

from __future__ import annotations

from typing import NamedTuple

from cocotbext.pcie.core.tlp import PcieId, Tlp, TlpType


class AddrData(NamedTuple):
    address: int
    data: int

    def __str__(self) -> str:
        return f"msi(address={self.address:#x}, data={self.data:#010x})"


def _decode(header_dws: list[int], data: int, raw: int) -> Tlp:
    # Header DWORDs go out big-endian (DW0 first), the payload DWORD little-endian.
    raw_bytes = b"".join(dw.to_bytes(4, "big") for dw in header_dws)
    hdr_len = 16 if raw_bytes[0] >> 5 & 1 else 12
    tlp = Tlp.unpack(raw_bytes[:hdr_len] + data.to_bytes(4, "little"))
    tlp.raw_hdr = raw
    tlp.dw3 = header_dws[3]
    return tlp


def decode_tlp(hdr: int, data: int) -> Tlp:
    """``tlp`` form: DW0 in bits 31:0."""
    return _decode([(hdr >> (32 * i)) & 0xFFFF_FFFF for i in range(4)], data, hdr)


def decode_tlp_dw0_high(hdr: int, data: int) -> Tlp:
    """``tlp_dw0_high`` form: DW0 in bits 127:96."""
    return _decode([(hdr >> (32 * (3 - i))) & 0xFFFF_FFFF for i in range(4)], data, hdr)


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
