"""Statuses of a case and the moves allowed between them.

```mermaid
stateDiagram-v2
    [*] --> new: filed
    new --> accepted: Accept
    new --> rejected: Not our remit
    new --> new: Transfer (to another division)
    accepted --> in_progress: Start work
    accepted --> resolved: Resolved
    accepted --> new: Transfer
    in_progress --> resolved: Resolved
    in_progress --> new: Transfer
    reopened --> in_progress: Start work
    reopened --> resolved: Resolved
    reopened --> new: Transfer
    resolved --> closed: citizen says fixed
    resolved --> reopened: citizen says not fixed
    resolved --> closed_unconfirmed: no answer in 7 days
    closed --> [*]
    closed_unconfirmed --> [*]
    rejected --> [*]
```
"Ask the citizen" and "New date" change no status; they are allowed while the division works
on the case (a new date only once someone has taken it).
"""
from __future__ import annotations

NEW, ACCEPTED, IN_PROGRESS, RESOLVED = "new", "accepted", "in_progress", "resolved"
CLOSED, CLOSED_UNCONFIRMED, REJECTED, REOPENED = "closed", "closed_unconfirmed", "rejected", \
    "reopened"
FINAL = (CLOSED, CLOSED_UNCONFIRMED, REJECTED)
WORKING = (NEW, ACCEPTED, IN_PROGRESS, REOPENED)

# The officer's actions: from which statuses each is allowed, and the status it leads to
# (None: the status stays; a transfer leads to "new" for the other division).
ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": ((NEW,), ACCEPTED),
    "progress": ((ACCEPTED, REOPENED), IN_PROGRESS),
    "resolve": ((ACCEPTED, IN_PROGRESS, REOPENED), RESOLVED),
    "transfer": ((NEW, ACCEPTED, IN_PROGRESS, REOPENED), NEW),
    "reject": ((NEW,), REJECTED),
    "ask": (WORKING, None),
    "postpone": ((ACCEPTED, IN_PROGRESS, REOPENED), None),
}
# The citizen's answers to "is it fixed?", and the clock's, all from "resolved".
CONFIRMED, NOT_FIXED, UNCONFIRMED = CLOSED, REOPENED, CLOSED_UNCONFIRMED


def allowed(action: str, status: str, kind: str) -> bool:
    """Whether ``action`` may be taken now. A misconduct report is never transferred: its
    route is fixed when it is filed, away from the division it is about."""
    sources, _ = ACTIONS[action]
    return status in sources and not (kind == "misconduct" and action == "transfer")


def actions_for(status: str, kind: str) -> list[str]:
    """The officer's buttons for a case in ``status``, in the order they are shown."""
    return [a for a in ("accept", "progress", "resolve", "transfer", "reject", "ask", "postpone")
            if allowed(a, status, kind)]
