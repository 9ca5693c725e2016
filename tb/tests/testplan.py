"""The test plan as data: every cocotb test, the sequence it runs, the traffic
shapes it repeats under, and what it verifies. A sequence marked ``@requires``
runs only on a DUT whose profile claims those features (tb/env/binding.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..env.traffic import TRAFFIC
from ..seq import directed as d

ALL_TRAFFIC = tuple(TRAFFIC)


@dataclass(frozen=True)
class Entry:
    name: str
    seq: Callable
    traffic: tuple[str, ...] = ALL_TRAFFIC
    verifies: str = ""

    @property
    def requires(self) -> tuple[str, ...]:
        return getattr(self.seq, "requires", ())

    def runs_on(self, profile) -> bool:
        return all(profile.has(f) for f in self.requires)


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
    Entry("priority", d.priority_seq, verifies="one commit per cycle under all ports at once"),
    Entry("axi_aw_w_apart", d.axi_aw_w_apart_seq, ("none",), "AW without W, W without AW: never taken"),
    Entry("contract_timing", d.contract_timing_seq, ("none",), "notify throughput, walk length (rtl/README.md timing)"),
)
