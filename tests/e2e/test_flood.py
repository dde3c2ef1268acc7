"""A flood from one chat, through the sandbox and the service's real flood gate: the
flooder is slowed with one polite answer and every webhook is still answered 200 (so
Telegram does not redeliver the flood); a neighbour chatting meanwhile notices nothing."""
from __future__ import annotations

import asyncio
import time

from bot.sandbox.telegram_api import TelegramEmulator
from handlers.limits import BURST, FloodGate
from tests.e2e.conftest import StartService
from tests.support import TelegramCitizen, outbox_settled, rows

FLOOD = "ข้อความเข้ามาเร็วเกินไปค่ะ กรุณารอสักครู่แล้วส่งใหม่ ระหว่างนี้ระบบจะยังไม่อ่านข้อความค่ะ"


async def test_a_hundred_messages_in_ten_seconds_are_slowed_and_nobody_else_waits(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    service = await start_service(flood=FloodGate())  # the limits the service runs with
    flooder, neighbour = 601, 602

    async def flood() -> list[int | None]:
        statuses = []
        for n in range(100):
            _, status = await emulator.send(flooder, text=f"สวัสดี {n}")
            statuses.append(status)
            await asyncio.sleep(0.1 - 0.0005 * n)  # 100 messages in under 10 s
        return statuses

    async def chat_meanwhile() -> list[float]:
        person = TelegramCitizen(emulator, neighbour)
        waits = []
        for action in (lambda: person.say("/start"), lambda: person.press("📞 ติดต่อเทศบาล"),
                       lambda: person.press("🌐 English"), lambda: person.say("/start")):
            started = time.monotonic()
            await action()
            waits.append(time.monotonic() - started)
            await asyncio.sleep(1.0)
        return waits

    started = time.monotonic()
    statuses, waits = await asyncio.gather(flood(), chat_meanwhile())
    elapsed = time.monotonic() - started
    assert elapsed < 10.5
    assert statuses == [200] * 100  # answered, so never redelivered
    await outbox_settled(str(service.settings.database_path))
    texts = [m["text"] for m in emulator.messages(flooder)]
    assert texts.count(FLOOD) == 1  # one polite answer, not a hundred
    answered = len(texts) - 1
    # A burst, then about one a second: far fewer than 100 messages were read.
    assert BURST <= answered <= BURST + elapsed + 1
    handled = rows(str(service.settings.database_path),
                   "SELECT COUNT(*) FROM processed_updates")[0][0]
    assert handled == answered + 1 + 4  # dropped messages were not even stored
    assert max(waits) < 2.0  # the neighbour's every step was answered at once
    await asyncio.sleep(1.1)
    again = TelegramCitizen(emulator, flooder)
    again.seen = len(texts)
    (menu,) = await again.say("/start")
    assert menu.startswith("สวัสดีค่ะ")  # calmer: served as usual
