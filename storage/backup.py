"""An online copy of the database with SQLite's backup API, safe while the service writes.

Copying the file with ``cp`` while the service runs can catch it between a WAL write and a
checkpoint and yield a torn copy; the backup API reads one consistent snapshot instead (in
WAL mode the service keeps writing meanwhile). The copy is written beside its destination
under a temporary name, checked, then renamed into place: a failed or interrupted backup
never leaves a half-written file at ``target``.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.db import DatabaseError


class BackupError(RuntimeError):
    """The backup was not made; the message says why, in one line."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes
    cases: int


async def backup(source: Path, target: Path, *, force: bool = False,
                 busy_timeout_ms: int = 5000) -> BackupResult:
    """Copy the database at ``source`` to ``target``; refuse an existing ``target`` unless
    ``force`` (then its stale ``-wal``/``-shm``, which would be replayed onto the copy,
    go too)."""
    if not source.is_file():
        raise DatabaseError(f"no database at {source}")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; add --force to replace it")
    if target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        # mode=rw: never create an empty database where the real one should be.
        src = await aiosqlite.connect(f"file:{source}?mode=rw", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open database {source}: {exc}") from exc
    try:
        await src.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        dst = sqlite3.connect(partial, check_same_thread=False)  # used from src's thread
        try:
            await src.backup(dst, pages=-1)  # one step: one snapshot, consistent
            (verdict,) = dst.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy failed its check: {verdict}")
            (cases,) = dst.execute("SELECT COUNT(*) FROM cases").fetchone()
        finally:
            dst.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise DatabaseError(f"backup of {source} failed: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        await src.close()
    with open(partial, "rb") as f:  # on disk before it takes the name
        os.fsync(f.fileno())
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, cases)
