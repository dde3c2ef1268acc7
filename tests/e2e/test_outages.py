"""Platform outages, end to end: the emulated Telegram and LINE refuse connections, answer
500, throttle with 429 and hang, in turn, while citizens keep filing grievances. Webhooks
answer at once throughout (they never wait on an outbound send); when the platform comes
back, the backlog drains with nothing lost, nothing sent twice, and each chat's messages
in the order they were queued. (Single faults, the pacing and a restart with a queue are in
test_telegram_faults.py and test_line.py.)"""
from __future__ import annotations

import asyncio
import json
import time

from bot.delivery import Pacing
from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from tests.e2e.conftest import StartService
from tests.support import outbox_settled, rows

# Backoff as short as the test's, but as patient as production's 12 attempts over hours.
PATIENT = Pacing(per_chat_interval=0.0, per_group_interval=0.0, backoff_base=0.05,
                 backoff_cap=0.2, throttle_wait=0.2, max_attempts=1000)
FLOW = ["/start", "📝 ร้องเรียน", "ถนน ทางเท้าชำรุด", "ถนนยุบเป็นหลุมลึก รถจักรยานยนต์ล้มบ่อย",
        "ข้าม", "ข้าม", "ข้าม", "✅ ยืนยันส่งเรื่อง"]  # typed labels count as presses
CHATS = 4


def queued(db: str, platform: str, chat_id: str) -> list[str]:
    """What the engine queued for a chat, in order: the texts each message must carry."""
    return [json.loads(p)["text"] for (p,) in rows(
        db, "SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? ORDER BY id",
        (platform, chat_id))]


async def test_telegram_outage_loses_nothing_and_webhooks_stay_fast(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    service = await start_service(pacing=PATIENT)
    db = str(service.settings.database_path)
    await emulator.go_offline()  # connection refused
    latencies: list[float] = []

    async def citizen(chat_id: int) -> None:
        for text in FLOW:
            started = time.monotonic()
            _, status = await emulator.send(chat_id, text=text)
            latencies.append(time.monotonic() - started)
            assert status == 200

    await asyncio.gather(*(citizen(7000 + n) for n in range(CHATS // 2)))
    await emulator.go_online()
    emulator.fail("sendMessage", 500, count=6)
    emulator.fail("sendMessage", 429, retry_after=1, count=2)
    emulator.fail("sendMessage", None, delay=1.5, count=4)  # hangs
    await asyncio.gather(*(citizen(7000 + n) for n in range(CHATS // 2, CHATS)))
    assert max(latencies) < 0.5, sorted(latencies)[-3:]

    await outbox_settled(db, timeout=30)
    assert rows(db, "SELECT DISTINCT status FROM outbox") == [("sent",)]
    assert rows(db, "SELECT COUNT(*) FROM cases") == [(CHATS,)]
    statuses = {c.status for c in emulator.calls if c.method == "sendMessage"}
    assert {500, 429, 200} <= statuses
    for n in range(CHATS):
        chat = 7000 + n
        got = [m["text"] for m in emulator.messages(chat)]
        assert got == queued(db, "telegram", str(chat))  # all, once each, in order


async def test_line_outage_loses_nothing_and_webhooks_stay_fast(
        start_service: StartService, line: LineEmulator) -> None:
    service = await start_service(pacing=PATIENT)
    db = str(service.settings.database_path)
    users = [f"U{n:032x}" for n in range(1, CHATS + 1)]
    await line.go_offline()
    latencies: list[float] = []

    async def citizen(user: str) -> None:
        for n, text in enumerate(FLOW):
            started = time.monotonic()
            _, status = await line.send(user, follow=True) if n == 0 else \
                await line.send(user, text=text)
            latencies.append(time.monotonic() - started)
            assert status == 200

    await asyncio.gather(*(citizen(u) for u in users[:CHATS // 2]))
    await line.go_online()
    line.fail(None, 500, count=5)
    line.fail(None, 429, count=3)
    line.fail(None, None, delay=1.5, count=3)
    await asyncio.gather(*(citizen(u) for u in users[CHATS // 2:]))
    assert max(latencies) < 0.5, sorted(latencies)[-3:]

    await outbox_settled(db, timeout=30)
    assert rows(db, "SELECT COUNT(*) FROM cases") == [(CHATS,)]
    assert rows(db, "SELECT DISTINCT status FROM outbox") == [("sent",)]
    for user in users:
        got = [m["text"] if m["type"] == "text" else m["altText"] for m in line.messages(user)]
        expected = queued(db, "line", user)
        assert len(got) == len(expected)  # nothing lost, nothing twice
        assert [g[:40] for g in got] == [e[:40] for e in expected]  # in order
