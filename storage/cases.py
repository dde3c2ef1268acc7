"""The case register: cases, their photos and their per-year reference counter."""
from __future__ import annotations

from dataclasses import dataclass

from storage.db import Row, Tx
from storage.ids import plain_id, random_base


@dataclass(frozen=True)
class NewCase:
    reference: str
    kind: str
    category: str
    division: str
    description: str
    location_lat: float | None
    location_lon: float | None
    location_text: str | None
    phone: str | None
    status: str
    platform: str
    chat_id: str
    user_id: str
    lang: str
    created_at: str
    received_on: str
    due_on: str
    ack_due_on: str
    anonymous: bool = False
    named_division: str | None = None  # a misconduct report: the division it is about
    route: str | None = None  # a misconduct report: who handles it (integrity | fallback)
    told: str | None = None
    receipt_hash: str | None = None


async def next_sequence(tx: Tx, year: int) -> int:
    """The next number of ``year``'s references, gap-free because it commits with the case."""
    row = await tx.fetchone(
        "INSERT INTO case_counters (year, last) VALUES (?, 1) "
        "ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
        (year,),
    )
    assert row is not None
    return int(row["last"])


async def insert(tx: Tx, case: NewCase, photo_hashes: list[str]) -> int:
    """Store a case and its photos; return its id (an anonymous report's is from a random
    hidden range: see :mod:`storage.ids`)."""
    id_sql, hidden = plain_id("cases"), ()
    if case.anonymous:
        base = random_base()
        while await get(tx, base) is not None:
            base = random_base()
        id_sql, hidden = "?", (base,)
    case_id = await tx.insert(
        "INSERT INTO cases (id, reference, kind, category, division, description, location_lat, "
        "location_lon, location_text, phone, status, platform, chat_id, user_id, lang, "
        "created_at, received_on, due_on, ack_due_on, anonymous, named_division, route, told, "
        "receipt_hash) "
        f"VALUES ({id_sql}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*hidden, case.reference, case.kind, case.category, case.division, case.description,
         case.location_lat, case.location_lon, case.location_text, case.phone, case.status,
         case.platform, case.chat_id, case.user_id, case.lang, case.created_at,
         case.received_on, case.due_on, case.ack_due_on, int(case.anonymous),
         case.named_division, case.route, case.told, case.receipt_hash),
    )
    await tx.executemany(
        "INSERT INTO case_photos (case_id, position, sha256) VALUES (?, ?, ?)",
        [(case_id, i, sha) for i, sha in enumerate(photo_hashes, start=1)],
    )
    return case_id


async def list_for_citizen(tx: Tx, platform: str, user_id: str, limit: int) -> list[Row]:
    """A citizen's most recent cases first."""
    return await tx.fetchall(
        "SELECT * FROM cases WHERE platform = ? AND user_id = ? ORDER BY id DESC LIMIT ?",
        (platform, user_id, limit),
    )


async def filed_since(tx: Tx, platform: str, user_id: str, since: str) -> int:
    """How many cases this citizen filed (by name) since ``since`` (UTC, ISO)."""
    row = await tx.fetchone(
        "SELECT COUNT(*) AS n FROM cases WHERE platform = ? AND user_id = ? AND created_at >= ?",
        (platform, user_id, since))
    return int(row["n"]) if row else 0


async def find(tx: Tx, reference: str) -> Row | None:
    return await tx.fetchone("SELECT * FROM cases WHERE reference = ?", (reference,))


async def find_for_citizen(tx: Tx, reference: str, platform: str, user_id: str) -> Row | None:
    """The case with ``reference`` if this citizen filed it; None otherwise (no hint which)."""
    return await tx.fetchone(
        "SELECT * FROM cases WHERE reference = ? AND platform = ? AND user_id = ?",
        (reference, platform, user_id),
    )


async def get(tx: Tx, case_id: int) -> Row | None:
    return await tx.fetchone("SELECT * FROM cases WHERE id = ?", (case_id,))


async def update(tx: Tx, case_id: int, **fields: object) -> None:
    """Set some columns of a case (names come from our code, never from input)."""
    assignments = ", ".join(f"{name} = ?" for name in fields)
    await tx.execute(f"UPDATE cases SET {assignments} WHERE id = ?", (*fields.values(), case_id))


async def add_photos(tx: Tx, case_id: int, photo_hashes: list[str]) -> None:
    """Append evidence sent after filing, after the photos the case has."""
    row = await tx.fetchone("SELECT COALESCE(MAX(position), 0) AS n FROM case_photos "
                            "WHERE case_id = ?", (case_id,))
    start = int(row["n"]) if row else 0
    await tx.executemany(
        "INSERT INTO case_photos (case_id, position, sha256) VALUES (?, ?, ?)",
        [(case_id, start + i, sha) for i, sha in enumerate(photo_hashes, start=1)],
    )


async def open_for_division(tx: Tx, division: str, closed: tuple[str, ...], limit: int
                            ) -> list[Row]:
    """A division's cases still open, the one due soonest first."""
    marks = ", ".join("?" * len(closed))
    return await tx.fetchall(
        f"SELECT * FROM cases WHERE division = ? AND status NOT IN ({marks}) "
        "ORDER BY due_on, id LIMIT ?", (division, *closed, limit))


async def resolved_before(tx: Tx, cutoff: str) -> list[Row]:
    """Cases resolved before ``cutoff`` whose citizen never said whether they are fixed."""
    return await tx.fetchall(
        "SELECT * FROM cases WHERE status = 'resolved' AND resolved_at < ? ORDER BY id",
        (cutoff,))


async def forget_phones(tx: Tx, final: tuple[str, ...], cutoff: str) -> int:
    """Erase the phone of every case final since before ``cutoff`` (its last event)."""
    marks = ", ".join("?" * len(final))
    return await tx.execute(
        f"UPDATE cases SET phone = NULL WHERE phone IS NOT NULL AND status IN ({marks}) AND "
        "(SELECT MAX(at) FROM case_events e WHERE e.case_id = cases.id) < ?", (*final, cutoff))


async def open_cases(tx: Tx, closed: tuple[str, ...]) -> list[Row]:
    marks = ", ".join("?" * len(closed))
    return await tx.fetchall(f"SELECT * FROM cases WHERE status NOT IN ({marks}) ORDER BY id",
                             closed)
