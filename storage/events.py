"""A case's timeline: who did what, when, from which status to which."""
from __future__ import annotations

from storage.db import Row, Tx


async def record(tx: Tx, case_id: int, at: str, actor: str, kind: str,
                 from_status: str | None, to_status: str | None, note: str | None = None) -> None:
    await tx.insert(
        "INSERT INTO case_events (case_id, at, actor, kind, from_status, to_status, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (case_id, at, actor, kind, from_status, to_status, note),
    )


async def timeline(tx: Tx, case_id: int) -> list[Row]:
    return await tx.fetchall(
        "SELECT at, actor, kind, from_status, to_status, note FROM case_events "
        "WHERE case_id = ? ORDER BY id", (case_id,),
    )
