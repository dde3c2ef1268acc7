"""A case's timeline: who did what, when, from which status to which."""
from __future__ import annotations

from storage.db import Row, Tx
from storage.ids import next_hidden, plain_id


async def record(tx: Tx, case_id: int, at: str, actor: str, kind: str,
                 from_status: str | None, to_status: str | None, note: str | None = None) -> None:
    """Add an event; an anonymous report's (its id is below zero) takes the next id of the
    report's own hidden range, so that no event id places it among other cases' events."""
    fields = (case_id, at, actor, kind, from_status, to_status, note)
    if case_id < 0:
        id_sql, params = "?", (await next_hidden(tx, "case_events", case_id), *fields)
    else:
        id_sql, params = plain_id("case_events"), fields
    await tx.insert(
        "INSERT INTO case_events (id, case_id, at, actor, kind, from_status, to_status, note) "
        f"VALUES ({id_sql}, ?, ?, ?, ?, ?, ?, ?)", params)


async def timeline(tx: Tx, case_id: int) -> list[Row]:
    return await tx.fetchall(
        "SELECT at, actor, kind, from_status, to_status, note FROM case_events "
        "WHERE case_id = ? ORDER BY id", (case_id,),
    )


async def last_note(tx: Tx, case_id: int, kind: str) -> str | None:
    """The note of the case's latest event of ``kind`` (the question last asked), if any."""
    row = await tx.fetchone("SELECT note FROM case_events WHERE case_id = ? AND kind = ? "
                            "ORDER BY id DESC LIMIT 1", (case_id, kind))
    return row["note"] if row else None
