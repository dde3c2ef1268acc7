"""Officers, their invitation codes, and the groups bound to a division."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.db import Database, Row, Tx


@dataclass(frozen=True)
class Officer:
    id: int
    platform: str
    user_id: str
    chat_id: str
    division: str
    role: str


def _officer(row: Row) -> Officer:
    return Officer(row["id"], row["platform"], row["user_id"], row["chat_id"], row["division"],
                   row["role"])


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def create_invite(db: Database, code: str, division: str, role: str, expires_at: float,
                        created_at: str) -> None:
    async with db.transaction() as tx:
        await tx.insert(
            "INSERT INTO invites (code_hash, division, role, expires_at, created_at) "
            "VALUES (?, ?, ?, ?, ?)", (code_hash(code), division, role, expires_at, created_at))


async def valid_invite(tx: Tx, code: str, now: float) -> Row | None:
    """The code's division and role, or None if it is unknown, used or expired."""
    return await tx.fetchone(
        "SELECT division, role FROM invites WHERE code_hash = ? AND used_at IS NULL "
        "AND expires_at > ?", (code_hash(code), now))


async def use_invite(tx: Tx, code: str, used_at: str) -> None:
    await tx.execute("UPDATE invites SET used_at = ? WHERE code_hash = ?",
                     (used_at, code_hash(code)))


async def bind(tx: Tx, platform: str, user_id: str, chat_id: str, division: str, role: str,
               created_at: str) -> None:
    """Make this account an officer (again, if it was revoked: the new code decides)."""
    await tx.execute(
        "INSERT INTO officers (platform, user_id, chat_id, division, role, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, user_id) DO UPDATE SET "
        "chat_id = excluded.chat_id, division = excluded.division, role = excluded.role, "
        "active = 1, revoked_at = NULL, created_at = excluded.created_at",
        (platform, user_id, chat_id, division, role, created_at))


async def bind_group(tx: Tx, platform: str, chat_id: str, division: str, bound_at: str) -> None:
    await tx.execute(
        "INSERT INTO division_groups (platform, chat_id, division, bound_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (platform, chat_id) DO UPDATE SET division = excluded.division, "
        "bound_at = excluded.bound_at", (platform, chat_id, division, bound_at))


async def find(tx: Tx, platform: str, user_id: str) -> Officer | None:
    row = await tx.fetchone(
        "SELECT * FROM officers WHERE platform = ? AND user_id = ? AND active = 1",
        (platform, user_id))
    return _officer(row) if row else None


async def get(tx: Tx, officer_id: int) -> Officer | None:
    row = await tx.fetchone("SELECT * FROM officers WHERE id = ? AND active = 1", (officer_id,))
    return _officer(row) if row else None


async def of_division(tx: Tx, division: str, roles: tuple[str, ...] | None = None
                      ) -> list[Officer]:
    rows = await tx.fetchall(
        "SELECT * FROM officers WHERE division = ? AND active = 1 ORDER BY id", (division,))
    return [_officer(r) for r in rows if roles is None or r["role"] in roles]


async def groups_of(tx: Tx, division: str) -> list[tuple[str, str]]:
    rows = await tx.fetchall(
        "SELECT platform, chat_id FROM division_groups WHERE division = ? ORDER BY bound_at",
        (division,))
    return [(r["platform"], r["chat_id"]) for r in rows]


async def group_division(tx: Tx, platform: str, chat_id: str) -> str | None:
    row = await tx.fetchone(
        "SELECT division FROM division_groups WHERE platform = ? AND chat_id = ?",
        (platform, chat_id))
    return row["division"] if row else None


async def listing(db: Database) -> list[dict[str, object]]:
    """For the admin's command line: who is an officer where (no chat ids)."""
    rows = await db.fetchall(
        "SELECT id, platform, division, role, active, created_at, revoked_at FROM officers "
        "ORDER BY division, id")
    return [dict(r) for r in rows]


async def revoke(db: Database, officer_id: int, revoked_at: str) -> bool:
    async with db.transaction() as tx:
        return await tx.execute(
            "UPDATE officers SET active = 0, revoked_at = ? WHERE id = ? AND active = 1",
            (revoked_at, officer_id)) == 1
