"""One SQLite connection, driven from the event loop: its pragmas, its migrations, and
serialized transactions.

Every update the bot handles is one ``BEGIN IMMEDIATE … COMMIT``: the conversation state,
the case, its timeline event and the replies to send land together or not at all. A single
connection with an ``asyncio.Lock`` keeps those transactions from interleaving inside the
process; WAL covers readers in another process (a backup, an operator's query).

Statements run on the loop's own thread, not through aiosqlite's worker thread: in WAL
mode with ``synchronous = NORMAL`` a statement or a commit takes microseconds (no fsync),
while a thread hop per statement cost a fifth of the service's CPU and stretched each
transaction over a dozen loop round trips. What could block (another process holding
the write lock) is waited for *asynchronously*: ``BEGIN IMMEDIATE`` is retried with
``asyncio.sleep`` until ``busy_timeout_ms``, so the loop goes on serving meanwhile.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

Row = sqlite3.Row


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says why, in one line."""


T = TypeVar("T")
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_BLOCKING_WAIT_MS = 20  # the most a statement may hold up the event loop waiting for a lock

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

    def __init__(self, conn: sqlite3.Connection, path: str, busy_timeout_ms: int) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._busy_timeout = busy_timeout_ms / 1000
        self.path = path

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout_ms: int = 5000) -> Database:
        """Open (creating if missing) and migrate the database at ``path``."""
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _refuse_empty(Path(path))
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        db = cls(conn, path, busy_timeout_ms)
        try:
            # A short wait inside SQLite (it blocks the loop); longer ones are awaited.
            conn.execute(f"PRAGMA busy_timeout = {_BLOCKING_WAIT_MS}")
            # Read every page before writing anything: a damaged file (a truncated copy, a
            # disk error) is refused with its bytes as they were, not "repaired" by a write.
            await db._retrying(db._check_readable)
            await db._retrying(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Deleted content is overwritten with zeros, not left in free pages: erasing a
            # report or a reporter's draft must erase it from the file too.
            conn.execute("PRAGMA secure_delete = ON")
            await db._migrate()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(f"database {path} is damaged or not a SQLite database "
                                f"({exc}); it was left as it is: restore a backup or move it "
                                "away") from exc
        return db

    def _check_readable(self) -> None:
        """``PRAGMA quick_check``: every page read, structure checked (a few ms per MB)."""
        (verdict,) = self._conn.execute("PRAGMA quick_check(1)").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict}")

    async def _retrying(self, attempt: Callable[[], T]) -> T:
        """``attempt()``, again after an asynchronous pause while another process holds the
        database's lock, until ``busy_timeout_ms`` has passed."""
        deadline = time.monotonic() + self._busy_timeout
        pause = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode not in _BUSY or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def close(self) -> None:
        self._conn.close()

    async def _migrate(self) -> None:
        (version,) = self._conn.execute("PRAGMA user_version").fetchone()
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
            await self._retrying(lambda: self._conn.execute("BEGIN IMMEDIATE"))
            try:
                yield Tx(self._conn)
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                # A COMMIT refused (disk full, I/O error) leaves the transaction open:
                # without this ROLLBACK every later BEGIN would fail and the service would
                # stay wedged after the disk has room again.
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # SQLite may have already
                        self._conn.execute("ROLLBACK")
                raise

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and truncate it, so that old page
        images of erased data (zeroed in the file by ``secure_delete``) do not linger in
        ``-wal``. False when another process's reader kept it from completing."""
        async with self._lock:
            row = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return row is not None and row[0] == 0

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read outside any transaction (it waits for the one in progress)."""
        async with self._lock:
            return await self._retrying(
                lambda: self._conn.execute(sql, tuple(params)).fetchall())


class Tx:
    """The handle a transaction's body uses; valid only inside ``Database.transaction``.
    Its methods are coroutines so that a transaction reads like the asynchronous code around
    it, and could move to a server database without changing its callers."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute one statement; return the number of rows it changed."""
        return self._conn.execute(sql, tuple(params)).rowcount

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute one INSERT; return the new row's id."""
        rowid = self._conn.execute(sql, tuple(params)).lastrowid
        assert rowid is not None
        return rowid

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        row: Row | None = self._conn.execute(sql, tuple(params)).fetchone()
        return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    async def executescript_in_tx(self, sql: str) -> None:
        """Run a migration script statement by statement (``executescript`` would COMMIT)."""
        for statement in _split_statements(sql):
            self._conn.execute(statement)


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
