"""The test plan as data: every cocotb test, the sequence it runs, the traffic
shapes it repeats under, and what it verifies. A sequence marked ``@requires``
runs only on a DUT whose profile claims those features (tb/env/binding.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..env.traffic import TRAFFIC
from ..seq import directed as d
from ..seq import host as h

ALL_TRAFFIC = tuple(TRAFFIC)


class _Needs:
    """A plan row whose sequence says what it needs (``@requires``)."""

    @property
    def requires(self) -> tuple[str, ...]:
        return getattr(self.seq, "requires", ())

    def runs_on(self, profile) -> bool:
        return all(profile.has(f) for f in self.requires)


@dataclass(frozen=True)
class Entry(_Needs):
    name: str
    seq: Callable
    traffic: tuple[str, ...] = ALL_TRAFFIC
    verifies: str = ""


#: Directed tests, in the order the simulator runs them.
DIRECTED = (
    Entry("reset_state", d.reset_state_seq, verifies="msix_init / msix_mask_all reset state"),
    Entry("capability", d.capability_seq, ("none", "idle"), "config space, write masks, INTx deassert"),
    Entry("notify", d.notify_seq, verifies="msix_notify: sent, pending, dropped (unused, range)"),
    Entry("table_rw", d.table_rw_seq, verifies="msix_table_mmio_read/write, 8-byte halves, address & ~3"),
    Entry("unmask_sends_pending", d.unmask_sends_pending_seq, verifies="msix_handle_mask_update"),
    Entry("function_unmask_walk", d.function_unmask_walk_seq, verifies="msix_write_config release walk"),
    Entry("pba", d.pba_seq, verifies="msix_pba_mmio_read/write"),
    Entry("vector_use", d.vector_use_seq, verifies="msix_vector_use/unuse, unuse_all_vectors"),
    Entry("use_counter_limit", d.use_counter_limit_seq, verifies="use-counter hardware limit"),
    Entry("flr", d.flr_seq, verifies="msix_reset, stale cached function mask"),
    Entry("linux_driver", d.linux_driver_seq, verifies="Linux drivers/pci/msi setup, runtime, shutdown"),
    Entry("qtest_pba_poll", d.qtest_pba_poll_seq, verifies="QEMU qtest PBA polling"),
    Entry("flr_under_traffic", d.flr_under_traffic_seq, verifies="FLR with messages queued"),
    Entry("bad_access", d.bad_access_seq, ("none", "idle"), "every decode error answers SLVERR, changes nothing"),
    Entry("tag_wrap", d.tag_wrap_seq, ("none", "stall"), "TLP tag wraps at 256"),
    Entry("address_forms", d.address_forms_seq, ("none",), "MSI header form: 4-DW for each upper address bit, 3-DW"),
    Entry("priority", d.priority_seq, verifies="one commit per cycle under all ports at once"),
    Entry("axi_aw_w_apart", d.axi_aw_w_apart_seq, ("none",), "AW without W, W without AW: never taken"),
    Entry("contract_timing", d.contract_timing_seq, ("none",), "notify throughput, walk length (rtl/README.md timing)"),
)


@dataclass(frozen=True)
class HostPhase(_Needs):
    """One phase of the host test (``host/traffic=<shape>``, tb/tests/host_tests.py):
    a root complex drives the function over TLPs through the endpoint adapter."""

    name: str
    seq: Callable
    verifies: str = ""


#: Features the host path needs: the adapter drives the config and FLR ports and forwards TLPs.
HOST_REQUIRES = ("cfg_port", "flr", "tlp")

#: Time budget of ``make test``: ``alloc_irq_vectors`` writes all 4N table DWORDs as Memory Write
#: TLPs (about 1 ms of cocotbext-pcie each), and the host test allocates twice. Above this many
#: vectors the host test runs only where HOST_HEAVY_RUNS says (2048 vectors: ~17 CPU-s a run on
#: Verilator, ~33 on Icarus): on both simulators, under ``none``. ``MSIX_HOST_FULL=1`` runs it
#: under every traffic shape.
HOST_LIGHT_VECTORS = 256
HOST_HEAVY_RUNS = {"verilator": ("none",), "icarus": ("none",)}
#: The configurations ``make test`` runs the host test on: N = 1, 8, 64, 2048 and the
#: non-default layout (the others of the binding with ``MSIX_HOST_FULL=1``).
HOST_CONFIGS = ("n1_trk", "n8", "n64_w64", "n2048_w64_trk", "layout_n20_w64_trk")


def host_traffic(cfg, sim: str, full: bool = False) -> tuple[str, ...]:
    """The traffic shapes the host test runs under for a configuration on a simulator."""
    if full:
        return ALL_TRAFFIC
    if cfg.name not in HOST_CONFIGS:
        return ()
    if cfg.num_vectors <= HOST_LIGHT_VECTORS:
        return ALL_TRAFFIC
    return HOST_HEAVY_RUNS.get(sim, ())

#: Host behaviours -> phase of the ``host`` test, in the order it runs them (one bring-up).
HOST = (
    HostPhase("enumerate", h.enumerate_phase, "enumeration: IDs, BAR0 sized and assigned, capability list "
              "reaches MSI-X at CAP_OFFSET, Table Size; capability Configuration Reads reach the config port"),
    HostPhase("alloc", h.alloc_phase, "alloc_irq_vectors(1, N) programs every entry with Memory Writes and "
              "enables MSI-X with a Configuration Write; request_irq on every vector"),
    HostPhase("notify", h.notify_phase, "notifies on random vectors reach their handlers, once, in order"),
    HostPhase("mask_pba", h.mask_pba_phase, "mask by a BAR write, the notify pends, a PBA Memory Read shows it, "
              "the unmask delivers it"),
    HostPhase("maskall", h.maskall_phase, "MASKALL set/clear by Configuration Writes releases pending vectors in "
              "vector order; intx_deassert seen by the host side"),
    HostPhase("bad_access", h.bad_access_phase, "sub-DWORD BEs, 3-DW, unaligned QWORD, beyond the table, a hole: "
              "reads complete CA, writes are dropped and counted, nothing changes; outside BAR0: UR; valid 2-DW "
              "requests are one 8-byte (64-bit bus) or two 4-byte AXI accesses"),
    HostPhase("flr_realloc", h.flr_phase, "FLR by the host (Device Control) while messages are queued; "
              "free_irq_vectors and re-allocation; notifies reach their handlers again"),
)
