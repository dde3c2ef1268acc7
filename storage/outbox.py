"""Replies waiting to be delivered, written in the transaction of the step that made them.

The delivery worker takes, per chat, only the oldest pending row, so a chat's messages go
out in the order they were queued; a row leaves 'pending' only as 'sent' or 'failed'.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.db import Database, Tx


@dataclass(frozen=True)
class OutboxItem:
    id: int
    platform: str
    chat_id: str
    payload: str
    attempts: int
    not_before: float


async def enqueue(tx: Tx, platform: str, chat_id: str, payloads: Iterable[str],
                  created_at: str) -> int:
    rows = [(platform, chat_id, p, created_at) for p in payloads]
    await tx.executemany(
        "INSERT INTO outbox (platform, chat_id, payload, created_at) VALUES (?, ?, ?, ?)", rows
    )
    return len(rows)


async def heads(db: Database, platform: str, limit: int) -> list[OutboxItem]:
    """The oldest pending row of each chat on ``platform``, oldest chats first."""
    rows = await db.fetchall(
        "SELECT o.id, o.platform, o.chat_id, o.payload, o.attempts, o.not_before FROM outbox o "
        "JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending' AND platform = ? "
        "      GROUP BY chat_id) h ON h.id = o.id ORDER BY o.id LIMIT ?",
        (platform, limit),
    )
    return [OutboxItem(r["id"], r["platform"], r["chat_id"], r["payload"], r["attempts"],
                       r["not_before"]) for r in rows]


async def mark_sent(db: Database, item_id: int, sent_at: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 "
            "WHERE id = ?", (sent_at, item_id),
        )


async def mark_retry(db: Database, item_id: int, not_before: float, error: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ? "
            "WHERE id = ?", (not_before, error, item_id),
        )


async def mark_failed(db: Database, item_id: int, error: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
            "WHERE id = ?", (error, item_id),
        )


async def failed(db: Database, limit: int = 100) -> list[dict[str, object]]:
    """Rows that will not be retried, newest first, for the operator to see."""
    rows = await db.fetchall(
        "SELECT id, platform, attempts, last_error, created_at FROM outbox "
        "WHERE status = 'failed' ORDER BY id DESC LIMIT ?", (limit,),
    )
    return [dict(r) for r in rows]
