"""The scoreboard's MSI TLP check (``MsixScoreboard.check_msi``): bits equal to the
expected TLP's packing pass without a decode, and any other bits get the same
verdict as decoding them with cocotbext-pcie and comparing field by field."""

from __future__ import annotations

import random

import pytest

from tb.bindings import CONFIGS
from tb.env import msi
from tb.env.msi import ExpectedBits, MsiTlp, expected_tlp, packed
from tb.env.record import Message
from tb.env.scoreboard import Mismatch, MsixScoreboard
from tb.env.txn import Notify

RID = 0x6ECF
ADDRESSES = (0xFEED_0000, 0x3D88_F4B4_F8BC_C95C, 0x1_0000_0004)  # 3-DW, 4-DW, 4-DW just above 4 GiB


def decoded_verdict(got: MsiTlp, address: int, data: int, tag: int) -> bool:
    """The check by decoding alone: the TLP equals the expected one, no TH, DW3 zero in a 3-DW header."""
    try:
        tlp = got.tlp()
    except Exception:  # not a TLP cocotbext-pcie knows
        return False
    exp = expected_tlp(address, data, RID, tag)
    return tlp == exp and not tlp.th and not (exp.fmt_type.name == "MEM_WRITE" and tlp.dw3)


def scoreboard_verdict(config: str, got: MsiTlp, address: int, data: int, tag: int) -> bool:
    sb = MsixScoreboard(CONFIGS[config], requester_id=RID, clock_period_steps=10_000)
    sb.now = lambda: 0
    sb.tlps_checked = tag  # tag policy "count": the n-th TLP carries tag n
    sb._tlp.append(Message(address, data, "notify", 0, 0, Notify(0)))
    try:
        sb.check_msi(got)
    except Mismatch as err:
        assert f"MSI TLP #{tag}" in str(err) and f"raw_hdr={got.hdr:#034x}" in str(err), str(err)
        return False
    return True


@pytest.mark.parametrize("dw0_high", (False, True))
def test_expected_bits_are_the_packing_of_every_tag(dw0_high: bool) -> None:
    bits = ExpectedBits(RID, dw0_high)
    for address in ADDRESSES:
        for tag in range(256):
            assert bits.bits(address, 0x1A1A_FD18, tag) == packed(expected_tlp(address, 0x1A1A_FD18, RID, tag), dw0_high)


@pytest.mark.parametrize("dw0_high", (False, True))
def test_expected_bits_are_the_whole_packing_of_random_messages(dw0_high: bool) -> None:
    """The bits ORed from each field's parts equal cocotbext-pcie's packing of the
    whole TLP: random addresses below and above 4 GiB, random data and tags, and
    every address and data bit alone in both header formats."""
    rng = random.Random(7)
    rid = rng.randrange(1 << 16)
    bits = ExpectedBits(rid, dw0_high)
    single = [(1 << i, 0) for i in range(64)] + [(1 << 32 | 1 << i, 0) for i in range(32)] + \
             [(a, 1 << i) for i in range(32) for a in (0, 1 << 32)]
    randoms = [(rng.getrandbits(rng.choice((32, 64))), rng.getrandbits(32)) for _ in range(2000)]
    for address, data in single + randoms:
        tag = rng.randrange(256)
        assert bits.bits(address, data, tag) == packed(expected_tlp(address, data, rid, tag), dw0_high), \
            f"address={address:#x} data={data:#x} tag={tag}"


@pytest.mark.parametrize("address", ADDRESSES)
def test_every_flipped_bit_gets_the_decoded_verdict(address: int) -> None:
    """n8 (DW0 low, tag count): the expected bits pass; each of the 160 bits flipped
    gets the verdict of the decode: a failure, as every bit of a Memory Write's
    header and payload is a field (or DW3 of a 3-DW header, which must be zero)."""
    data, tag = 0x1280_493F, 0x5A
    good = packed(expected_tlp(address, data, RID, tag))
    assert scoreboard_verdict("n8", good, address, data, tag)
    for bit in range(160):
        hdr, d = (good.hdr ^ (1 << bit), good.data) if bit < 128 else (good.hdr, good.data ^ (1 << (bit - 128)))
        got = MsiTlp(hdr, d)
        verdict = decoded_verdict(got, address, data, tag)
        assert scoreboard_verdict("n8", got, address, data, tag) == verdict, f"bit {bit}"
        assert not verdict, f"bit {bit}"


def test_dw0_high_form_checks_its_own_order() -> None:
    """hardip_n64_w64 (DW0 in bits 127:96, tag zero): its packing passes, the other order fails."""
    address, data = ADDRESSES[1], 0xC0FFEE
    good = packed(expected_tlp(address, data, RID, 0), True)
    assert scoreboard_verdict("hardip_n64_w64", good, address, data, 0)
    assert not scoreboard_verdict("hardip_n64_w64", MsiTlp(good.hdr, good.data), address, data, 0)


def test_random_bits_get_the_decoded_verdict() -> None:
    rng = random.Random(12)
    for _ in range(300):
        address = rng.choice(ADDRESSES)
        data, tag = rng.randrange(1 << 32), rng.randrange(256)
        good = packed(expected_tlp(address, data, RID, tag))
        got = MsiTlp(good.hdr ^ rng.getrandbits(128) & rng.getrandbits(128) & rng.getrandbits(128), good.data)
        assert scoreboard_verdict("n8", got, address, data, tag) == decoded_verdict(got, address, data, tag)


def test_cache_starts_again_when_full(monkeypatch) -> None:
    monkeypatch.setattr(msi, "CACHE_PAIRS", 4)
    bits = ExpectedBits(RID, False)
    for data in range(10):
        assert bits.bits(ADDRESSES[0], data, 7) == packed(expected_tlp(ADDRESSES[0], data, RID, 7))
        assert len(bits._pairs) <= 4
