"""What one committed request did: the record ``MsixScoreboard.commit`` returns.

The scoreboard fills it while it replays the request into the golden model;
the coverage model consumes it as it is (it never re-derives a model decision).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class Message:
    """One MSI the model decided: where it goes, why, and which request decided it."""

    address: int
    data: int
    cause: str  # "notify", "entry_unmask", "maskall_clear", "enable_set", "other"
    vector: Optional[int]  # the notified vector (cause "notify")
    index: int  # the deciding request's index
    op: Any  # the deciding request
    burst: int = 1  # messages the deciding request released in all


@dataclass
class CommitRecord:
    """One request, as committed at ``time`` (simulation steps), with the model's outcome."""

    index: int
    time: int
    op: Any
    outcome: Any = None  # NotifyOutcome; "OKAY"/"SLVERR" for BAR accesses; None otherwise
    messages: list[Message] = field(default_factory=list)
    ctrl_before: Optional[tuple[bool, bool]] = None  # (ENABLE, MASKALL), config writes and levels
    ctrl_after: Optional[tuple[bool, bool]] = None
    use_before: Optional[tuple[int, bool]] = None  # (use count, pending) of the vector, use ops
    any_pending_before: Optional[bool] = None  # FLR and unuse-all
    queued_before: Optional[int] = None  # FLR: messages decided and not yet out of the DUT
