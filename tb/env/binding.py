"""How the testbench meets a DUT: the binding (ports, signal names, clock and
reset, parameters) and the profile (which of the golden model's behaviours the
DUT claims).

A binding names each signal by its *role* (``"notify.valid"``, ``"bar.awaddr"``,
``"msi.addr"`` ...): the agents are built from the roles a binding has, kept by
port name, and never see the DUT's own names. :func:`signals` spells the usual
``<prefix><role>`` naming in one line per port; a dict overrides single names.

The profile decides what the testbench drives and what it checks: a behaviour
the DUT does not claim is neither driven (no stimulus for it) nor checked, and
the run's report states the profile (:meth:`Profile.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

#: Every role of a request or output port, by port (the msix_block contract's names).
PORT_ROLES: dict[str, tuple[str, ...]] = {
    "bar": ("awvalid", "awready", "awaddr", "wvalid", "wready", "wdata", "wstrb", "bvalid", "bready", "bresp",
            "arvalid", "arready", "araddr", "rvalid", "rready", "rdata", "rresp"),
    "cfg": ("valid", "ready", "write", "dword", "be", "wdata", "rvalid", "rdata"),
    "ctrl": ("enable", "maskall"),
    "notify": ("valid", "ready", "vector"),
    "use": ("valid", "ready", "op", "vector"),
    "flr": ("valid", "ready"),
    "msi": ("valid", "ready", "hdr", "data"),  # addr_data form: "addr" instead of "hdr"
}

#: MSI output forms: a Memory Write TLP with header DW0 in bits 31:0 (msix_block),
#: the same header with DW0 in the top bits (127:96), or (address, data) for a hard IP.
MSI_FORMS = ("tlp", "tlp_dw0_high", "addr_data")
#: TLP tag policies: a running count mod 256 from reset (msix_block), always zero.
TAG_POLICIES = ("count", "zero")


def signals(port: str, prefix: str, **renamed: Optional[str]) -> dict[str, str]:
    """``{"port.role": prefix + role}`` for every role of ``port``; ``renamed`` names single
    roles otherwise (a new role too), ``None`` leaves a role out."""
    out = {f"{port}.{role}": prefix + role for role in PORT_ROLES[port]}
    for role, name in renamed.items():
        out.pop(f"{port}.{role}", None)
        if name is not None:
            out[f"{port}.{role}"] = name
    return out


@dataclass(frozen=True)
class Settle:
    """Timing discipline of a DUT that does not decide every message at the commit.

    A request of a kind in ``after`` (``"bar_write"``, ``"levels"``, ``"cfg_write"``)
    is presented alone (every other port quiet) and, once committed, holds every
    further request for ``cycles`` cycles and until the output ``idle`` reads 1.
    Messages are still compared exactly and in order; only the stimulus waits.
    """

    after: tuple[str, ...] = ()
    cycles: int = 0
    idle: Optional[str] = None

    def describe(self) -> str:
        if not self.after:
            return "decides at the commit"
        until = " and ".join(x for x in (f"{self.cycles} cycles" if self.cycles else "",
                                         f"{self.idle}=1" if self.idle else "") if x)
        return f"settles after {'/'.join(self.after)} (others held until {until})"


@dataclass(frozen=True)
class Profile:
    """The behaviours a DUT claims, beyond the ones every MSI-X table has."""

    config: str = "port"  # "port": cfg_* requests; "levels": ENABLE/MASKALL level inputs (hard IP)
    use_port: bool = True  # msix_vector_use/unuse port (without: every vector always in use)
    flr: bool = True  # function-level reset port (msix_reset)
    msi: str = "tlp"  # one of MSI_FORMS
    tag: str = "count"  # one of TAG_POLICIES (TLP forms only)
    access_errors: bool = True  # invalid BAR accesses answer SLVERR (False: only valid ones are driven)
    intx: bool = True  # intx_deassert pulse output
    err_flag: bool = True  # sticky err_notify_range output
    settle: Settle = field(default_factory=Settle)

    def __post_init__(self):
        if self.config not in ("port", "levels"):
            raise ValueError(f"profile config {self.config!r}: 'port' or 'levels'")
        if self.msi not in MSI_FORMS:
            raise ValueError(f"profile msi {self.msi!r}: one of {MSI_FORMS}")
        if self.tag not in TAG_POLICIES:
            raise ValueError(f"profile tag {self.tag!r}: one of {TAG_POLICIES}")

    def has(self, feature: str) -> bool:
        """Whether the DUT claims ``feature`` (the names sequences require, see tb/seq)."""
        return {
            "cfg_port": self.config == "port",
            "use_port": self.use_port,
            "flr": self.flr,
            "access_errors": self.access_errors,
            "tlp": self.msi != "addr_data",  # the MSI leaves as a TLP (the host path forwards it)
        }[feature]

    def describe(self) -> str:
        parts = [
            "config port" if self.config == "port" else "ENABLE/MASKALL levels",
            "use port" if self.use_port else "no use port",
            "FLR" if self.flr else "no FLR",
            f"MSI as {self.msi}" + (f" (tag {self.tag})" if self.msi != "addr_data" else ""),
            "access errors answered" if self.access_errors else "valid accesses only",
            "intx_deassert" if self.intx else "no intx_deassert",
            "err_notify_range" if self.err_flag else "no error flag",
            self.settle.describe(),
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class Binding:
    """One DUT as the testbench sees it."""

    name: str
    toplevel: str
    sources: tuple[str, ...]  # compile order, relative to the repository root
    signals: Mapping[str, str]  # role ("port.role", or "intx", "err_notify_range", "requester_id") -> DUT signal
    parameters: Callable  # MsixConfig -> {HDL parameter: value}
    profile: Profile = field(default_factory=Profile)
    clock: str = "clk"
    reset: str = "rst"
    reset_active_low: bool = False
    axi_widths: tuple[int, ...] = (32, 64)  # AXI data widths the DUT can be built with
    faults: tuple[str, ...] = ()  # build defines that each break one behaviour (FAULT=<name after FAULT_>)

    def fault_define(self, short: str) -> str:
        """The fault define named ``short`` (``MASK_IGNORED`` or the whole define)."""
        for d in self.faults:
            if short.upper() in (d, d.split("FAULT_", 1)[-1]):
                return d
        raise ValueError(f"binding {self.name} has no fault {short!r}; it has {list(self.faults)}")

    def has_port(self, port: str) -> bool:
        return any(r.startswith(port + ".") for r in self.signals)

    def signal(self, role: str) -> Optional[str]:
        return self.signals.get(role)

    def port_signals(self, port: str) -> dict[str, str]:
        """``{role: DUT signal}`` of one port (roles without the port prefix)."""
        head = port + "."
        return {r[len(head):]: s for r, s in self.signals.items() if r.startswith(head)}

    def check(self, cfg) -> None:
        """Refuse a configuration the binding cannot build, with the reason."""
        if cfg.axi_width not in self.axi_widths:
            raise ValueError(f"binding {self.name}: AXI width {cfg.axi_width} not in {self.axi_widths}")
        if cfg.tracking and not self.profile.use_port:
            raise ValueError(f"binding {self.name}: use tracking needs a use port")
        missing = [p for p, need in (("cfg", self.profile.config == "port"), ("ctrl", self.profile.config == "levels"),
                                     ("use", self.profile.use_port), ("flr", self.profile.flr)) if need and not self.has_port(p)]
        if missing:
            raise ValueError(f"binding {self.name}: the profile needs port(s) {missing} the signals do not name")
