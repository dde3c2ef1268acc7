"""The delivery worker knows each chat's oldest queued message from memory (it reads only the
chats it is told about, and the whole outbox once a second): what that memory must never
cost. Covered: a row queued by another process (no wake), a row withdrawn after the worker
had read it."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time

from bot.delivery import RESCAN, Pacing
from bot.sandbox.telegram_api import TelegramEmulator
from handlers.types import Reply
from storage import outbox
from tests.e2e.conftest import StartService

STAMP = "2026-11-30T03:00:00+00:00"


async def test_a_row_queued_by_another_process_goes_out_at_the_next_rescan(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    service = await start_service()
    await asyncio.sleep(RESCAN)  # the start's first scan is behind us
    with contextlib.closing(sqlite3.connect(service.settings.database_path,
                                            isolation_level=None)) as other:
        other.execute("INSERT INTO outbox (id, platform, chat_id, payload, created_at, batch) "
                      "VALUES (1000, 'telegram', '811', ?, ?, '')",
                      (Reply("จากอีกโปรเซสค่ะ").to_json(), STAMP))
    started = time.monotonic()
    (message,) = await emulator.wait_for(811, 1, timeout=RESCAN * 3)
    assert message["text"] == "จากอีกโปรเซสค่ะ"
    assert time.monotonic() - started <= RESCAN + 0.5


async def test_a_row_withdrawn_after_the_worker_read_it_is_not_sent(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    service = await start_service(pacing=Pacing(per_chat_interval=0.6))
    for text in ("หนึ่ง", "สอง"):
        async with service.db.transaction() as tx:
            await outbox.enqueue(tx, "telegram", "812", [Reply(text).to_json()], STAMP)
        service.worker.wake([("telegram", "812")])
    await emulator.wait_for(812, 1)
    await asyncio.sleep(0.1)  # "สอง" is read, and waits for the chat's interval
    async with service.db.transaction() as tx:  # the citizen blocked the bot meanwhile
        await outbox.drop_pending(tx, "telegram", "812", "the citizen left the chat")
    await asyncio.sleep(1.0)
    assert [m["text"] for m in emulator.messages(812)] == ["หนึ่ง"]
