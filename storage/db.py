"""One aiosqlite connection, its pragmas, its migrations, and serialized transactions.

Every update the bot handles is one ``BEGIN IMMEDIATE … COMMIT``: the conversation state,
the case, its timeline event and the replies to send land together or not at all. A single
connection with an ``asyncio.Lock`` keeps those transactions from interleaving inside the
process; WAL and ``busy_timeout`` cover another process (a backup, an operator's query).
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

Row = sqlite3.Row


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says why, in one line."""


_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def _migrations() -> list[tuple[int, str, str]]:
    """Numbered SQL files shipped in ``storage/migrations``, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    numbers = [number for number, _, _ in found]
    if len(numbers) != len(set(numbers)):  # two branches each added "their" next number
        raise DatabaseError(f"two migrations share a number: {sorted(n for _, n, _ in found)}")
    return sorted(found)


class Database:
    """The bot's SQLite file. Open with :meth:`open`, close with :meth:`close`."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout_ms: int = 5000) -> Database:
        """Open (creating if missing) and migrate the database at ``path``."""
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _refuse_empty(Path(path))
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, path)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            # Read every page before writing anything: a damaged file (a truncated copy, a
            # disk error) is refused with its bytes as they were, not "repaired" by a write.
            await db._check_readable()
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            # Deleted content is overwritten with zeros, not left in free pages: erasing a
            # report or a reporter's draft must erase it from the file too.
            await conn.execute("PRAGMA secure_delete = ON")
            await db._migrate()
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise DatabaseError(f"database {path} is damaged or not a SQLite database "
                                f"({exc}); it was left as it is: restore a backup or move it "
                                "away") from exc
        return db

    async def _check_readable(self) -> None:
        """``PRAGMA quick_check``: every page read, structure checked (a few ms per MB)."""
        cursor = await self._conn.execute("PRAGMA quick_check(1)")
        (verdict,) = await cursor.fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")

    async def close(self) -> None:
        await self._conn.close()

    async def _migrate(self) -> None:
        cursor = await self._conn.execute("PRAGMA user_version")
        (version,) = await cursor.fetchone()
        for number, name, sql in _migrations():
            if number <= version:
                continue
            async with self.transaction() as tx:
                await tx.executescript_in_tx(sql)
                await tx.execute(f"PRAGMA user_version = {number}")

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Run the block as one immediate transaction; roll back if it raises."""
        async with self._lock:
            began = False
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                began = True
                yield Tx(self._conn)
            except BaseException:
                if began or self._conn.in_transaction:  # cancelled during BEGIN, too
                    await asyncio.shield(self._conn.execute("ROLLBACK"))
                raise
            else:
                try:
                    await self._conn.execute("COMMIT")
                except BaseException:
                    # A COMMIT refused (disk full, I/O error) leaves the transaction open:
                    # without this ROLLBACK every later BEGIN would fail and the service
                    # would stay wedged after the disk has room again.
                    if self._conn.in_transaction:
                        with contextlib.suppress(sqlite3.Error):  # SQLite may have already
                            await asyncio.shield(self._conn.execute("ROLLBACK"))
                    raise

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it, so that old page
        images of erased data (zeroed in the file by ``secure_delete``) do not linger in
        ``-wal``. False when another process's reader kept it from completing."""
        async with self._lock:
            cursor = await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = await cursor.fetchone()
            return row is not None and row[0] == 0

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read outside any transaction (it waits for the one in progress)."""
        async with self._lock:
            cursor = await self._conn.execute(sql, tuple(params))
            return list(await cursor.fetchall())


class Tx:
    """The handle a transaction's body uses; valid only inside ``Database.transaction``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute one statement; return the number of rows it changed."""
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute one INSERT; return the new row's id."""
        cursor = await self._conn.execute(sql, tuple(params))
        return cursor.lastrowid

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        cursor = await self._conn.execute(sql, tuple(params))
        return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        cursor = await self._conn.execute(sql, tuple(params))
        return list(await cursor.fetchall())

    async def executescript_in_tx(self, sql: str) -> None:
        """Run a migration script statement by statement (``executescript`` would COMMIT)."""
        for statement in _split_statements(sql):
            await self._conn.execute(statement)


def _refuse_empty(path: Path) -> None:
    """An existing file of 0 bytes is what a truncated database looks like; SQLite would take
    it for a new one and the register would silently start again from KS-…-00001."""
    try:
        empty = path.stat().st_size == 0
    except FileNotFoundError:
        return  # missing: created, as on a first start
    if empty:
        raise DatabaseError(f"database {path} is an empty file (0 bytes), not a rongrian "
                            "database; it was left as it is: restore a backup, or delete it "
                            "to start an empty register")


def _split_statements(sql: str) -> list[str]:
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
