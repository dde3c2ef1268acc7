"""Row ids that say nothing of when a row was written.

SQLite numbers rows in order, so a row's id places it between rows whose times are exact.
An anonymous report, its events and the messages sealed for its reporter therefore take ids
from ranges of their own, below zero: a range starts at a random (or, for a lane, a
hashed) multiple of ``SPAN``, and rows within it count up, so one report's events and one
lane's messages keep their order. Everything else counts up from 1 as usual; those ids are
given explicitly (:func:`plain_id`), since SQLite's own "largest id + 1" would follow a
negative id when a table holds nothing else.
"""
from __future__ import annotations

import hashlib
import secrets

from storage.db import Tx

SPAN = 1 << 20  # rows a hidden range holds
_RANGES = 1 << 40  # hidden ranges: collisions are as likely as guessing a 40-bit number


def random_base() -> int:
    return -(secrets.randbelow(_RANGES) + 1) * SPAN


def lane_base(lane: str) -> int:
    """The range of an outbox lane (a random string already): derived, so that every batch
    on the lane continues its range."""
    number = int.from_bytes(hashlib.sha256(lane.encode()).digest()[:5], "big")
    return -(number + 1) * SPAN


def plain_id(table: str) -> str:
    """SQL for the next ordinary id of ``table``, to stand for the id's value in an INSERT
    (the statement computes it itself, one statement fewer than asking first; ``executemany``
    computes it again for each row). Names come from our code, never from input."""
    return f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table} WHERE id > 0)"


async def next_hidden(tx: Tx, table: str, base: int) -> int:
    """The next id in the hidden range starting at ``base``."""
    row = await tx.fetchone(
        f"SELECT COALESCE(MAX(id), ?) + 1 AS n FROM {table} WHERE id > ? AND id < ?",
        (base, base, base + SPAN))
    assert row is not None
    return int(row["n"])
