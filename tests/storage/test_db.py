"""The SQLite file: pragmas, migrations, transactions, and the small table modules."""
from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import pytest

from storage import cases, outbox, updates
from storage.db import Database, DatabaseError

LATEST = 7  # the number of the newest file in storage/migrations

AT = "2026-11-30T10:00:00+07:00"


async def scalar(db: Database, sql: str) -> object:
    (row,) = await db.fetchall(sql)
    return row[0]


async def test_fresh_file_is_created_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "rongrian.db"  # missing parents are created too
    db = await Database.open(path)
    try:
        assert path.is_file()
        assert await scalar(db, "PRAGMA user_version") == LATEST
        assert await scalar(db, "PRAGMA journal_mode") == "wal"
        assert await scalar(db, "PRAGMA foreign_keys") == 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master "
                                                  "WHERE type = 'table'")}
        assert {"processed_updates", "conversations", "case_counters", "cases",
                "case_photos", "case_events", "outbox"} <= tables
    finally:
        await db.close()


async def test_reopening_keeps_data_and_does_not_migrate_again(tmp_path: Path) -> None:
    # Re-running 0001 would fail on CREATE TABLE of a table that exists: opening succeeds,
    # the version stays 1 and the row written before is still there.
    path = tmp_path / "rongrian.db"
    db = await Database.open(path)
    async with db.transaction() as tx:
        await updates.claim(tx, "telegram", "42", AT)
    await db.close()

    db = await Database.open(path)
    try:
        assert await scalar(db, "PRAGMA user_version") == LATEST
        assert await scalar(db, "SELECT COUNT(*) FROM processed_updates") == 1
        assert await scalar(db, "PRAGMA foreign_keys") == 1  # per connection, set again
    finally:
        await db.close()


async def test_transaction_rolls_back_when_body_raises(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with db.transaction() as tx:
            await updates.claim(tx, "telegram", "1", AT)
            await cases.next_sequence(tx, 2569)
            raise RuntimeError("boom")
    assert await scalar(db, "SELECT COUNT(*) FROM processed_updates") == 0
    assert await scalar(db, "SELECT COUNT(*) FROM case_counters") == 0
    # The lock was released and the connection is usable: the same key claims fine now.
    async with db.transaction() as tx:
        assert await updates.claim(tx, "telegram", "1", AT) is True


async def test_claim_once_per_platform(db: Database) -> None:
    async with db.transaction() as tx:
        assert await updates.claim(tx, "telegram", "1001", AT) is True
        assert await updates.claim(tx, "telegram", "1001", AT) is False
        assert await updates.claim(tx, "line", "1001", AT) is True
    async with db.transaction() as tx:  # and still False in a later transaction
        assert await updates.claim(tx, "telegram", "1001", AT) is False


async def test_next_sequence_counts_per_year(db: Database) -> None:
    async with db.transaction() as tx:
        got = [await cases.next_sequence(tx, 2569) for _ in range(3)]
        got.append(await cases.next_sequence(tx, 2570))
        got.append(await cases.next_sequence(tx, 2569))
    assert got == [1, 2, 3, 1, 4]


async def queue(db: Database, platform: str, chat_id: str, *payloads: str) -> None:
    async with db.transaction() as tx:
        await outbox.enqueue(tx, platform, chat_id, payloads, AT)


async def head_rows(db: Database, platform: str, limit: int = 10) -> list[outbox.OutboxItem]:
    """Each chat's oldest pending row, whole (``heads`` gives what scheduling needs)."""
    return [(await outbox.batch_from(db, h, 1))[0]
            for h in await outbox.heads(db, platform, limit)]


async def test_outbox_heads_one_per_chat_in_id_order(db: Database) -> None:
    await queue(db, "telegram", "A", "a1")       # id 1
    await queue(db, "telegram", "B", "b1")       # id 2
    await queue(db, "telegram", "A", "a2", "a3")  # ids 3, 4
    await queue(db, "line", "A", "line-a1")      # id 5: another platform

    heads = await head_rows(db, "telegram")
    assert [(h.id, h.chat_id, h.payload) for h in heads] == [(1, "A", "a1"), (2, "B", "b1")]
    assert [h.id for h in await outbox.heads(db, "telegram", limit=1)] == [1]
    assert [h.payload for h in await head_rows(db, "line")] == ["line-a1"]
    assert await outbox.head(db, "telegram", "A") == (await outbox.heads(db, "telegram", 10))[0]

    await outbox.mark_sent(db, [1], AT)
    heads = await head_rows(db, "telegram")
    assert [(h.id, h.payload) for h in heads] == [(2, "b1"), (3, "a2")]

    await outbox.mark_sent(db, [2], AT)
    assert [h.payload for h in await head_rows(db, "telegram")] == ["a2"]
    await outbox.mark_sent(db, [3, 4], AT)
    assert await outbox.head(db, "telegram", "A") is None


async def test_mark_retry_keeps_the_row_pending(db: Database) -> None:
    await queue(db, "telegram", "A", "a1")
    await outbox.mark_retry(db, [1], not_before=1_800_000_000.5, error="429 Too Many Requests")
    (head,) = await head_rows(db, "telegram")
    assert (head.id, head.attempts, head.not_before) == (1, 1, 1_800_000_000.5)
    (row,) = await db.fetchall("SELECT status, last_error FROM outbox WHERE id = 1")
    assert tuple(row) == ("pending", "429 Too Many Requests")


async def test_mark_failed_moves_on_and_is_listed(db: Database) -> None:
    await queue(db, "telegram", "A", "a1", "a2")
    await queue(db, "telegram", "B", "b1")
    await queue(db, "line", "C", "c1")
    await outbox.mark_retry(db, [1], not_before=0, error="timeout")
    await outbox.mark_failed(db, [1], "403 Forbidden: bot was blocked by the user")
    await outbox.mark_failed(db, [3], "400 Bad Request: chat not found")
    await outbox.mark_retry(db, [4], not_before=5.0, error="429 quota", count_attempt=False)

    assert [h.payload for h in await head_rows(db, "telegram")] == ["a2"]
    assert await outbox.troubles(db) == [  # newest first; held-back pending rows too
        {"id": 4, "platform": "line", "status": "pending", "attempts": 0,
         "last_error": "429 quota", "created_at": AT, "not_before": 5.0},
        {"id": 3, "platform": "telegram", "status": "failed", "attempts": 1,
         "last_error": "400 Bad Request: chat not found", "created_at": AT, "not_before": 0.0},
        {"id": 1, "platform": "telegram", "status": "failed", "attempts": 2,
         "last_error": "403 Forbidden: bot was blocked by the user", "created_at": AT,
         "not_before": 0.0},
    ]


async def test_corrupted_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "rongrian.db"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(DatabaseError) as info:
        await Database.open(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rongrian.db"]  # no -wal/-shm left


async def test_a_batch_is_the_same_rows_on_every_attempt(db: Database) -> None:
    """A retried LINE push must carry exactly what the first attempt did, under the same key."""
    async with db.transaction() as tx:
        await outbox.enqueue(tx, "line", "U1", ["a", "b", "c"], AT, reply_token="rt",
                             reply_expires=123.0)
        await outbox.enqueue(tx, "line", "U1", ["d"], AT)
    (head,) = await outbox.heads(db, "line", 10)
    first = await outbox.batch_from(db, head, 5)
    assert [i.payload for i in first] == ["a", "b", "c"]
    assert {i.reply_token for i in first} == {"rt"}
    await outbox.mark_retry(db, [i.id for i in first], 0, "500")
    (again,) = await outbox.heads(db, "line", 10)
    assert [i.id for i in await outbox.batch_from(db, again, 5)] == [i.id for i in first]
    assert first[0].retry_key == (await outbox.batch_from(db, again, 5))[0].retry_key
    assert len(first[0].retry_key) == 36
    assert [i.payload for i in await outbox.batch_from(db, again, 2)] == ["a", "b"]
    await outbox.mark_sent(db, [i.id for i in first], AT)
    (nxt,) = await head_rows(db, "line")
    assert nxt.payload == "d" and nxt.retry_key != first[0].retry_key


async def test_plain_ids_count_up_from_one_past_hidden_rows(db: Database) -> None:
    """An ordinary row's id is computed by its own INSERT: it starts at 1 even when the table
    holds only a sealed lane's rows (SQLite's own "largest id + 1" would follow them below
    zero), and each row of one ``executemany`` takes the next."""
    async with db.transaction() as tx:
        await outbox.enqueue_sealed(tx, "telegram", "lane-x", [b"s1", b"s2"], AT)
        await outbox.enqueue(tx, "telegram", "A", ["a1", "a2"], AT)
        await outbox.record_answered(tx, "telegram", "B", "b1", AT, "tag")
        await outbox.enqueue(tx, "telegram", "A", ["a3"], AT)
    ids = [r["id"] for r in await db.fetchall("SELECT id FROM outbox ORDER BY id")]
    assert ids[:2] == [ids[0], ids[0] + 1] and ids[0] < 0
    assert ids[2:] == [1, 2, 3, 4]
    payloads = await db.fetchall("SELECT payload FROM outbox WHERE id > 0 ORDER BY id")
    assert [r["payload"] for r in payloads] == ["a1", "a2", "b1", "a3"]


async def test_a_chats_pending_rows_are_found_without_reading_what_it_was_sent(
        db: Database) -> None:
    """The outbox keeps what was sent (an officers' group gets every alert): finding a chat's
    pending row, for every step and every send, must not read them. Counted in SQLite's
    virtual machine steps, not timed."""
    async def pending(chat: str) -> bool:
        async with db.transaction() as tx:
            return await outbox.has_pending(tx, "telegram", chat)

    async def vm_steps(read: Awaitable[object]) -> int:
        ticks = 0

        def tick() -> int:
            nonlocal ticks
            ticks += 1
            return 0  # go on
        db._conn.set_progress_handler(tick, 1)
        try:
            await read
        finally:
            db._conn.set_progress_handler(None, 1)
        return ticks

    for chat, sent in (("few", 1), ("many", 2000)):
        async with db.transaction() as tx:
            await outbox.enqueue(tx, "telegram", chat, [f"m{n}" for n in range(sent)], AT)
        ids = [r["id"] for r in await db.fetchall(
            "SELECT id FROM outbox WHERE chat_id = ?", (chat,))]
        await outbox.mark_sent(db, ids, AT)
        await queue(db, "telegram", chat, "the pending one")
    assert await pending("many") and await outbox.head(db, "telegram", "many") is not None
    assert await vm_steps(pending("many")) == await vm_steps(pending("few"))
    assert await vm_steps(outbox.head(db, "telegram", "many")) == \
        await vm_steps(outbox.head(db, "telegram", "few"))
    # A batch (LINE sends up to 5 messages in one call) is read without the rows queued after
    # it, a whole backlog after an outage.
    async with db.transaction() as tx:
        await outbox.enqueue(tx, "line", "U1", ["a", "b"], AT)
    (first,) = await outbox.heads(db, "line", 10)
    read = []
    for chat in ("U2", "U3"):
        async with db.transaction() as tx:
            await outbox.enqueue(tx, "line", chat, [f"m{n}" for n in range(1000)], AT)
        assert [i.payload for i in await outbox.batch_from(db, first, 5)] == ["a", "b"]
        read.append(await vm_steps(outbox.batch_from(db, first, 5)))
    assert read[0] == read[1]  # 1,000 rows after it or 2,000
