"""Where each chat stands in its flow: one row per (platform, chat)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.db import Tx


@dataclass
class ConversationRow:
    platform: str
    chat_id: str
    user_id: str
    lang: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    private: bool = False  # an anonymous reporter's: kept in memory, never saved here


async def load(tx: Tx, platform: str, chat_id: str) -> ConversationRow | None:
    row = await tx.fetchone(
        "SELECT user_id, lang, step, data FROM conversations WHERE platform = ? AND chat_id = ?",
        (platform, chat_id),
    )
    if row is None:
        return None
    return ConversationRow(platform, chat_id, row["user_id"], row["lang"], row["step"],
                           json.loads(row["data"]))


async def save(tx: Tx, conv: ConversationRow, updated_at: str) -> None:
    await tx.execute(
        "INSERT INTO conversations (platform, chat_id, user_id, lang, step, data, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (platform, chat_id) DO UPDATE SET user_id = excluded.user_id, "
        "lang = excluded.lang, step = excluded.step, data = excluded.data, "
        "updated_at = excluded.updated_at",
        (conv.platform, conv.chat_id, conv.user_id, conv.lang, conv.step,
         json.dumps(conv.data, ensure_ascii=False, separators=(",", ":")), updated_at),
    )


async def delete(tx: Tx, platform: str, chat_id: str) -> None:
    await tx.execute("DELETE FROM conversations WHERE platform = ? AND chat_id = ?",
                     (platform, chat_id))
