"""Replies waiting to be delivered, written in the transaction of the step that made them.

The delivery worker takes, per chat (or per sealed lane), only the oldest pending row, so a
chat's messages go out in the order they were queued. A row leaves 'pending' as 'sent' or
'failed'; a sealed row (an anonymous reporter's) is deleted instead, once sent or refused.
A reply that travels in a Telegram webhook's answer is written 'sent' at once, and goes back
to 'pending' if the platform delivers its update again (its answer never arrived).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from storage.ids import lane_base, next_hidden, plain_id
from storage.db import Database, Row, Tx


# A chat's pending rows, through the partial index of pending rows: the planner would take
# outbox_by_chat (the same columns, every row) and read each message the chat was ever sent,
# which for an officers' group is every alert; it must not (SQLite refuses the statement if
# it cannot use the index named).
_PENDING = "INDEXED BY outbox_pending"
_COLUMNS = ("id, platform, chat_id, payload, attempts, not_before, batch, reply_token, "
            "reply_expires, reply_tried, sealed")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    platform: str
    chat_id: str
    payload: str
    attempts: int
    not_before: float
    batch: str
    reply_token: str | None
    reply_expires: float | None
    reply_tried: bool = False  # a send by reply token was started before (see 0005)
    sealed: bytes | None = None  # an anonymous reporter's message: see ``enqueue_sealed``

    @property
    def retry_key(self) -> str:
        """A UUID that is the same every time this row heads a send (LINE's X-Line-Retry-Key)."""
        return str(uuid.uuid5(uuid.UUID(self.batch), str(self.id))) if self.batch else ""


class Head(NamedTuple):
    """A chat's oldest pending row, as much as scheduling needs: the delivery worker keeps one
    per waiting chat in memory, and reads the whole row only to send it (``batch_from``)."""

    id: int
    chat_id: str  # the chat, or a sealed lane
    not_before: float
    batch: str


def _item(r: Row) -> OutboxItem:
    return OutboxItem(r["id"], r["platform"], r["chat_id"], r["payload"], r["attempts"],
                      r["not_before"], r["batch"], r["reply_token"], r["reply_expires"],
                      bool(r["reply_tried"]), r["sealed"])


async def enqueue(tx: Tx, platform: str, chat_id: str, payloads: Iterable[str], created_at: str,
                  *, reply_token: str | None = None, reply_expires: float | None = None,
                  not_before: float = 0.0) -> int:
    """Queue the replies of one step as one batch (answering ``reply_token`` if given), to
    leave no sooner than ``not_before`` (epoch seconds)."""
    batch = str(uuid.uuid4())
    rows = [(platform, chat_id, p, created_at, batch, reply_token, reply_expires, not_before)
            for p in payloads]
    await tx.executemany(
        "INSERT INTO outbox (id, platform, chat_id, payload, created_at, batch, reply_token, "
        f"reply_expires, not_before) VALUES ({plain_id('outbox')}, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    return len(rows)


async def has_pending(tx: Tx, platform: str, chat_id: str) -> bool:
    """Whether anything is still waiting (or on its way) to this chat."""
    return await tx.fetchone(
        f"SELECT 1 FROM outbox {_PENDING} WHERE platform = ? AND chat_id = ? "
        "AND status = 'pending' LIMIT 1", (platform, chat_id)) is not None


async def record_answered(tx: Tx, platform: str, chat_id: str, payload: str, created_at: str,
                          answers: str) -> None:
    """A reply leaving in a webhook's answer to the update ``answers`` names (a keyed tag of
    it): written 'sent' in the step's own transaction, since no send of ours will ever report
    on it."""
    await tx.execute(
        "INSERT INTO outbox (id, platform, chat_id, payload, created_at, batch, status, "
        f"attempts, sent_at, answers) VALUES ({plain_id('outbox')}, ?, ?, ?, ?, '', 'sent', 1, "
        "?, ?)", (platform, chat_id, payload, created_at, created_at, answers))


async def requeue_answered(tx: Tx, platform: str, chat_id: str, answers: str) -> bool:
    """The update ``answers`` names came again, so our webhook answer never reached the
    platform: the reply that answer carried is queued again, if it is still the chat's newest
    message (a later one means the chat has moved on and the old question would confuse)."""
    row = await tx.fetchone(
        "SELECT id, answers FROM outbox WHERE platform = ? AND chat_id = ? "
        "ORDER BY id DESC LIMIT 1", (platform, chat_id))
    if row is None or row["answers"] != answers:
        return False
    await tx.execute("UPDATE outbox SET status = 'pending', sent_at = NULL, attempts = 0, "
                     "answers = NULL, batch = ? WHERE id = ?", (str(uuid.uuid4()), row["id"]))
    return True


async def enqueue_sealed(tx: Tx, platform: str, lane: str, blobs: Iterable[bytes],
                         created_at: str, *, not_before: float = 0.0) -> int:
    """Queue one sealed batch (to an anonymous reporter, or about their report): each blob
    seals the address, the reply token and the message; ``lane`` (random) keeps the order
    of the lane's messages, in an id range of its own (see :mod:`storage.ids`)."""
    batch = str(uuid.uuid4())
    first = await next_hidden(tx, "outbox", lane_base(lane))
    rows = [(first + n, platform, lane, "", created_at, batch, blob, not_before)
            for n, blob in enumerate(blobs)]
    await tx.executemany(
        "INSERT INTO outbox (id, platform, chat_id, payload, created_at, batch, sealed, "
        "not_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    return len(rows)


async def chat_rows(tx: Tx, platform: str, chat_id: str) -> list[Row]:
    """Every row still kept for a chat, pending or not, oldest first."""
    return await tx.fetchall(
        "SELECT id, status, payload, reply_token, reply_expires FROM outbox "
        "WHERE platform = ? AND chat_id = ? ORDER BY id", (platform, chat_id))


async def reseal(tx: Tx, row_id: int, lane: str, blob: bytes, created_at: str) -> None:
    """Turn a pending row into a sealed one on ``lane`` (its chat became anonymous), moved
    into the lane's id range (in the order of calls) and dated by day."""
    new_id = await next_hidden(tx, "outbox", lane_base(lane))
    await tx.execute("UPDATE outbox SET id = ?, chat_id = ?, payload = '', reply_token = NULL, "
                     "reply_expires = NULL, sealed = ?, created_at = ? WHERE id = ?",
                     (new_id, lane, blob, created_at, row_id))


async def delete(tx: Tx, row_ids: list[int]) -> None:
    await tx.execute(f"DELETE FROM outbox WHERE id IN ({_marks(row_ids)})", row_ids)


async def heads(db: Database, platform: str, limit: int) -> list[Head]:
    """The oldest pending row of each chat on ``platform``, oldest chats first."""
    rows = await db.fetchall(
        "SELECT o.id, o.chat_id, o.not_before, o.batch FROM outbox o "
        "JOIN (SELECT MIN(id) AS id FROM outbox WHERE status = 'pending' AND platform = ? "
        "      GROUP BY chat_id) h ON h.id = o.id ORDER BY o.id LIMIT ?",
        (platform, limit),
    )
    return [Head(*r) for r in rows]


async def head(db: Database, platform: str, chat_id: str) -> Head | None:
    """The oldest pending row of one chat (or sealed lane), if any."""
    rows = await db.fetchall(
        f"SELECT id, chat_id, not_before, batch FROM outbox {_PENDING} WHERE status = 'pending' "
        "AND platform = ? AND chat_id = ? ORDER BY id LIMIT 1", (platform, chat_id))
    return Head(*rows[0]) if rows else None


async def batch_from(db: Database, head: Head, limit: int) -> list[OutboxItem]:
    """``head`` and the pending rows of its batch after it, at most ``limit`` in all, as they
    are now; none if ``head`` is no longer pending (sent, dropped, or sealed meanwhile).

    The same head always yields the same rows: a batch's rows are written in one commit and
    leave 'pending' together, so a retried send carries exactly what the first one did. They
    are written with consecutive ids, so only ``limit`` ids are looked at, not every row
    queued after the head (a backlog, after an outage).
    """
    if limit <= 1 or not head.batch:
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE id = ? AND status = 'pending'", (head.id,))
    else:
        rows = await db.fetchall(
            f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending' AND batch = ? "
            "AND id >= ? AND id < ? ORDER BY id", (head.batch, head.id, head.id + limit))
    items = [_item(r) for r in rows]
    return items if items and items[0].id == head.id else []


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))


async def mark_reply_tried(db: Database, ids: list[int]) -> None:
    """Written (and committed) before a send by reply token, so that after a crash the next
    attempt knows a refused token may mean the first one was delivered."""
    async with db.transaction() as tx:
        await tx.execute(f"UPDATE outbox SET reply_tried = 1 WHERE id IN ({_marks(ids)})", ids)


async def forget_reply_token(db: Database, ids: list[int],
                             resealed: dict[int, bytes] | None = None) -> None:
    """The platform refused the token before it was ever used: from now on, push. A sealed
    row keeps its token inside its seal: ``resealed`` gives each its new seal, without it."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET reply_token = NULL, reply_tried = 0 "
                         f"WHERE id IN ({_marks(ids)})", ids)
        await tx.executemany("UPDATE outbox SET sealed = ? WHERE id = ?",
                             [(blob, row_id) for row_id, blob in (resealed or {}).items()])


async def mark_sent(db: Database, ids: list[int], sent_at: str) -> None:
    """Delivered: kept as 'sent', except a sealed row, of which nothing is kept (one sealed
    while it was on its way included)."""
    async with db.transaction() as tx:
        await tx.execute(f"DELETE FROM outbox WHERE id IN ({_marks(ids)}) AND sealed IS NOT NULL",
                         ids)
        await tx.execute(
            f"UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 "
            f"WHERE id IN ({_marks(ids)})", (sent_at, *ids),
        )


async def mark_retry(db: Database, ids: list[int], not_before: float, error: str,
                     *, count_attempt: bool = True) -> None:
    """Try again after ``not_before``; a throttled send (over quota) does not count an attempt."""
    async with db.transaction() as tx:
        await tx.execute(
            f"UPDATE outbox SET attempts = attempts + ?, not_before = ?, last_error = ? "
            f"WHERE id IN ({_marks(ids)})", (int(count_attempt), not_before, error, *ids),
        )


async def mark_failed(db: Database, ids: list[int], error: str) -> None:
    """Refused for good: kept as 'failed' for the operator, except a sealed row, which is
    deleted (a reporter who blocked the bot leaves no sealed address behind)."""
    async with db.transaction() as tx:
        await tx.execute(f"DELETE FROM outbox WHERE id IN ({_marks(ids)}) AND sealed IS NOT NULL",
                         ids)
        await tx.execute(
            f"UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
            f"WHERE id IN ({_marks(ids)})", (error, *ids),
        )


async def drop_pending(tx: Tx, platform: str, chat_id: str, reason: str) -> int:
    """Give up on everything still queued for a chat (the person left it); kept as 'failed'."""
    return await tx.execute(
        "UPDATE outbox SET status = 'failed', last_error = ? "
        "WHERE platform = ? AND chat_id = ? AND status = 'pending'", (reason, platform, chat_id),
    )


async def troubles(db: Database, limit: int = 100) -> list[dict[str, object]]:
    """For the operator: rows that failed for good, and pending rows held back by an error
    (a platform down, a quota exhausted), newest first. No chat ids, no content."""
    rows = await db.fetchall(
        "SELECT id, platform, status, attempts, last_error, created_at, not_before FROM outbox "
        "WHERE status = 'failed' OR (status = 'pending' AND last_error IS NOT NULL) "
        "ORDER BY id DESC LIMIT ?", (limit,),
    )
    return [dict(r) for r in rows]
