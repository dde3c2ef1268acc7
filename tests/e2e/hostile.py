"""Tools for feeding the service hostile input: post raw bodies to its webhooks as the
platforms (or a forger) would, count every change to the database, and catch every
traceback logged while it happens.

Nothing of ours is replaced: these only watch the real service from outside.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import aiohttp

from tests.e2e.conftest import SECRET

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LINE_SIGNATURE_HEADER = "X-Line-Signature"
# The outbox's status columns change as the worker sends; only new or removed rows count.
_WATCHED_OUTBOX = ("INSERT", "DELETE")


async def watch_changes(db_path: str) -> None:
    """Add triggers that count every insert, update and delete in the service's tables
    (outbox: inserts and deletes only, since the delivery worker marks rows sent on its
    own time). One counter read then tells whether a request changed anything. In a
    thread: the service may hold the write lock, and needs the event loop to let go."""
    await asyncio.to_thread(_add_triggers, db_path)


def _add_triggers(db_path: str) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("CREATE TABLE IF NOT EXISTS test_changes (n INTEGER NOT NULL)")
        if conn.execute("SELECT COUNT(*) FROM test_changes").fetchone() == (0,):
            conn.execute("INSERT INTO test_changes VALUES (0)")
        tables = [name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT IN ('test_changes', 'schema_migrations')")]
        for table in tables:
            kinds = _WATCHED_OUTBOX if table == "outbox" else ("INSERT", "UPDATE", "DELETE")
            for kind in kinds:
                conn.execute(f"CREATE TRIGGER IF NOT EXISTS test_{table}_{kind.lower()} "
                             f"AFTER {kind} ON {table} "
                             "BEGIN UPDATE test_changes SET n = n + 1; END")


def changes(db_path: str) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT n FROM test_changes").fetchone()[0]


class Tracebacks(logging.Handler):
    """Every record at WARNING or above; ``broken`` are those that carry a traceback or
    are errors: what a hostile body must never produce."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def broken(self) -> list[str]:
        return [f"{r.name}: {r.getMessage()}\n{self.format(r) if r.exc_info else ''}"
                for r in self.records if r.exc_info or r.levelno >= logging.ERROR]


@contextlib.contextmanager
def catching_tracebacks() -> Iterator[Tracebacks]:
    handler = Tracebacks()
    handler.setFormatter(logging.Formatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(min(old_level or logging.WARNING, logging.WARNING))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def post(http: aiohttp.ClientSession, url: str, body: bytes,
               headers: dict[str, str] | None = None, *, timeout: float = 10.0
               ) -> tuple[int, bytes]:
    async with http.post(url, data=body, headers=headers or {},
                         timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
        return resp.status, await resp.read()


def telegram_headers(**extra: str) -> dict[str, str]:
    return {TELEGRAM_SECRET_HEADER: SECRET, "Content-Type": "application/json", **extra}


async def raw_post(url: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes
                   ) -> int:
    """POST with headers exactly as given (repeated, or not ASCII), which an HTTP client
    would tidy up; return the status of the answer."""
    host, _, port = url.removeprefix("http://").partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        lines = [f"POST {path} HTTP/1.1".encode(), f"Host: {host}".encode(),
                 f"Content-Length: {len(body)}".encode(), b"Connection: close",
                 *(name + b": " + value for name, value in headers)]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        return int(status_line.split()[1])
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def telegram_text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat text message as Telegram posts it."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1764471600, "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "x"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "x", "language_code": "th"}}}


def line_text_event(event_id: str, user_id: str, text: str) -> dict[str, Any]:
    return {"type": "message", "mode": "active", "timestamp": 1764471600000,
            "replyToken": "0" * 32, "webhookEventId": event_id,
            "deliveryContext": {"isRedelivery": False},
            "source": {"type": "user", "userId": user_id},
            "message": {"type": "text", "id": "1", "quoteToken": "q", "text": text}}
