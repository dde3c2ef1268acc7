"""Platform update ids already handled, so that a redelivered update changes nothing."""
from __future__ import annotations

from storage.db import Tx


async def claim(tx: Tx, platform: str, update_key: str, received_at: str) -> bool:
    """Record ``update_key`` as handled; False when it was handled before."""
    changed = await tx.execute(
        "INSERT OR IGNORE INTO processed_updates (platform, update_key, received_at) "
        "VALUES (?, ?, ?)",
        (platform, update_key, received_at),
    )
    return changed == 1


async def forget_before(tx: Tx, cutoff: str) -> int:
    return await tx.execute("DELETE FROM processed_updates WHERE received_at < ?", (cutoff,))
