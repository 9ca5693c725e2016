"""Every port of the testbench, declared once (cocotbext-axi ``define_stream`` style).

A :class:`PortDef` says which roles carry the handshake and which carry the
fields of the transaction; the one driver (:mod:`.driver`) and the one monitor
(:mod:`.monitor`) are built from it and from the DUT signals the binding names
for those roles. Adding a port is one line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from . import msi
from .txn import BarRead, BarWrite, CfgAccess, CtrlLevels, Flr, Notify, VectorUse


@dataclass(frozen=True)
class PortDef:
    name: str  # the binding's port ("bar", "cfg", "notify" ...)
    valids: tuple[str, ...]  # roles raised together by the driver (none: a level port)
    ready: Optional[str]  # role that completes the handshake with valids[0]
    fields: tuple[tuple[str, str], ...]  # (transaction field, role)
    build: Callable[..., Any]  # fields sampled by the monitor -> transaction
    kinds: Any = None  # request kind for the settle gate: a str, or txn -> str
    also: tuple[str, ...] = ()  # roles that must be high too at the handshake (WVALID, WREADY)

    @property
    def driven(self) -> tuple[str, ...]:
        return self.valids + tuple(role for _, role in self.fields)

    @property
    def sampled(self) -> tuple[str, ...]:
        return self.valids[:1] + ((self.ready,) if self.ready else ()) + self.also + tuple(r for _, r in self.fields)

    def kind(self, txn: Any) -> str:
        return self.kinds(txn) if callable(self.kinds) else self.kinds


# Requests (driven by the testbench, reported at their commit).
BAR_WRITE = PortDef("bar", ("awvalid", "wvalid"), "awready", (("addr", "awaddr"), ("data", "wdata"), ("strb", "wstrb")),
                    BarWrite, "bar_write", also=("wvalid", "wready"))
BAR_READ = PortDef("bar", ("arvalid",), "arready", (("addr", "araddr"),), BarRead, "bar_read")
CFG = PortDef("cfg", ("valid",), "ready", (("write", "write"), ("dword", "dword"), ("be", "be"), ("data", "wdata")),
              CfgAccess.from_bus, lambda t: "cfg_write" if t.write else "cfg_read")
CTRL = PortDef("ctrl", (), None, (("enable", "enable"), ("maskall", "maskall")), CtrlLevels.from_bus, "levels")
NOTIFY = PortDef("notify", ("valid",), "ready", (("vector", "vector"),), Notify, "notify")
USE = PortDef("use", ("valid",), "ready", (("op", "op"), ("vector", "vector")), VectorUse.from_bus, "use")
FLR = PortDef("flr", ("valid",), "ready", (), Flr, "flr")

#: The request ports by the name the env keeps their agents under.
REQUESTS = {"bar_write": BAR_WRITE, "bar_read": BAR_READ, "cfg": CFG, "ctrl": CTRL, "notify": NOTIFY, "use": USE,
            "flr": FLR}

# Outputs (sampled only).
BAR_B = PortDef("bar", ("bvalid",), "bready", (("resp", "bresp"),), lambda resp: resp)
BAR_R = PortDef("bar", ("rvalid",), "rready", (("data", "rdata"), ("resp", "rresp")), lambda data, resp: (data, resp))
CFG_R = PortDef("cfg", ("rvalid",), None, (("data", "rdata"),), lambda data: data)  # a one-cycle pulse
MSI = {
    "tlp": PortDef("msi", ("valid",), "ready", (("hdr", "hdr"), ("data", "data")), msi.decode_tlp),
    "tlp_dw0_high": PortDef("msi", ("valid",), "ready", (("hdr", "hdr"), ("data", "data")), msi.decode_tlp_dw0_high),
    "addr_data": PortDef("msi", ("valid",), "ready", (("addr", "addr"), ("data", "data")), msi.decode_addr_data),
}
STROBE = PortDef("status", ("strobe",), None, (), lambda: None)  # a one-cycle status pulse (intx_deassert)
