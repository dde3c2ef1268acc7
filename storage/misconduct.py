"""What misconduct reports keep beyond a case: the receipt codes' salt, the sealed addresses
of reporters who asked for notices, the routed reports an officer may see, and erasure."""
from __future__ import annotations

import os
import secrets

from storage.db import Row, Tx


async def receipt_salt(tx: Tx) -> bytes:
    """This installation's salt for receipt-code hashes, made on first use.

    One salt for all codes (as GlobaLeaks does) so that a typed code finds its report with
    one hash and one index lookup; a code's 53 bits and Argon2id's cost keep a stolen
    database from being searched for codes.
    """
    row = await tx.fetchone("SELECT value FROM meta WHERE key = 'receipt_salt'")
    if row is not None:
        return bytes(row["value"])
    salt = os.urandom(16)
    await tx.execute("INSERT INTO meta (key, value) VALUES ('receipt_salt', ?)", (salt,))
    return salt


async def find_by_receipt(tx: Tx, receipt_hash: str) -> Row | None:
    return await tx.fetchone("SELECT * FROM cases WHERE receipt_hash = ?", (receipt_hash,))


async def add_contact(tx: Tx, sealed: bytes) -> str:
    """Keep a sealed address under a random id (the only link to its case)."""
    contact_id = secrets.token_hex(16)
    await tx.execute("INSERT INTO report_contacts (id, sealed) VALUES (?, ?)",
                     (contact_id, sealed))
    return contact_id


async def contact(tx: Tx, contact_id: str) -> bytes | None:
    row = await tx.fetchone("SELECT sealed FROM report_contacts WHERE id = ?", (contact_id,))
    return bytes(row["sealed"]) if row else None


async def drop_contact(tx: Tx, contact_id: str) -> None:
    await tx.execute("DELETE FROM report_contacts WHERE id = ?", (contact_id,))
    await tx.execute("UPDATE cases SET contact_id = NULL WHERE contact_id = ?", (contact_id,))


async def open_routed(tx: Tx, routes: tuple[str, ...], closed: tuple[str, ...], limit: int
                      ) -> list[Row]:
    """Misconduct reports still open on the given routes, the one due soonest first."""
    if not routes:
        return []
    marks = ", ".join("?" * len(closed))
    route_marks = ", ".join("?" * len(routes))
    return await tx.fetchall(
        f"SELECT * FROM cases WHERE kind = 'misconduct' AND route IN ({route_marks}) "
        f"AND status NOT IN ({marks}) ORDER BY due_on, id LIMIT ?", (*routes, *closed, limit))


async def due_for_erasure(tx: Tx, final: tuple[str, ...], cutoff: str) -> list[Row]:
    """Misconduct reports final since before ``cutoff`` (their last event) not yet erased."""
    marks = ", ".join("?" * len(final))
    return await tx.fetchall(
        f"SELECT * FROM cases WHERE kind = 'misconduct' AND erased_on IS NULL "
        f"AND status IN ({marks}) AND "
        "(SELECT MAX(at) FROM case_events e WHERE e.case_id = cases.id) < ?", (*final, cutoff))


async def erase(tx: Tx, case_id: int, erased_on: str) -> list[str]:
    """Blank a report's content and whoever filed it, keeping what statistics count (kind,
    status, dates, the division it was about); return the photos it held that no other case holds, for their files to go."""
    photos = await tx.fetchall(
        "SELECT sha256 FROM case_photos p WHERE case_id = ? AND NOT EXISTS ("
        "SELECT 1 FROM case_photos q WHERE q.sha256 = p.sha256 AND q.case_id != p.case_id)",
        (case_id,))
    await tx.execute("DELETE FROM case_photos WHERE case_id = ?", (case_id,))
    await tx.execute("UPDATE case_events SET note = NULL WHERE case_id = ?", (case_id,))
    await tx.execute(
        "UPDATE cases SET description = '', location_text = NULL, location_lat = NULL, "
        "location_lon = NULL, phone = NULL, told = NULL, receipt_hash = NULL, "
        "platform = '', chat_id = '', user_id = '', erased_on = ? WHERE id = ?",
        (erased_on, case_id))
    return [r["sha256"] for r in photos]
