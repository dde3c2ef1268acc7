"""Faults on the Telegram path: the platform answering 429 / 500 / 403, a redelivered
update, a restart mid-conversation, a failed photo download, and polling instead of webhooks."""
from __future__ import annotations

import aiohttp

from bot.delivery import Pacing
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.e2e.conftest import SECRET, StartService
from tests.support import TelegramCitizen, jpeg, outbox_settled, rows, telegram_to_summary



def send_statuses(emulator: TelegramEmulator) -> list[int]:
    return [c.status for c in emulator.calls if c.method == "sendMessage"]


async def test_429_then_500_then_ok_delivers_each_message_exactly_once(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    # Every reply by request: the delivery worker's retries are under test (Telegram reports
    # nothing on a reply carried in a webhook's answer; see test_reply_in_answer.py).
    service = await start_service(telegram_reply_in_answer=False)
    emulator.fail("sendMessage", 429, retry_after=1)
    emulator.fail("sendMessage", 500)
    citizen = TelegramCitizen(emulator, chat_id=501)
    (menu,) = await citizen.say("/start")
    assert menu.startswith("สวัสดีค่ะ")
    await outbox_settled(str(service.settings.database_path))
    assert send_statuses(emulator) == [429, 500, 200]
    assert len(emulator.messages(citizen.chat_id)) == 1
    (row,) = rows(str(service.settings.database_path), "SELECT status, attempts FROM outbox")
    assert row == ("sent", 2)  # the 429 counts no attempt: waiting, not giving up, cures it


async def test_order_in_a_chat_is_kept_when_a_send_fails(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=502)
    await telegram_to_summary(citizen)
    texts = [m["text"] for m in emulator.messages(citizen.chat_id)]
    assert texts[-2] == "ขอบคุณค่ะ" and texts[-1].startswith("กรุณาตรวจสอบ")
    # Now the same two-message step with the first send failing twice.
    await citizen.press("✏️ แก้ไข")
    await citizen.press("เบอร์ติดต่อ")
    emulator.fail("sendMessage", 502, count=2)
    new = await citizen.share_contact("0812345678", expect=2)
    assert new[0] == "แก้ไขแล้วค่ะ" and new[1].startswith("กรุณาตรวจสอบ")


async def test_a_blocked_citizen_fails_for_good_and_stays_visible(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    # By request: a reply in a webhook's answer goes only to someone who just wrote to the
    # bot, which unblocks it; a blocked chat is reached only by a later notice.
    service = await start_service(telegram_reply_in_answer=False)
    emulator.block(503)
    _, status = await emulator.send(503, text="/start")
    assert status == 200
    db = str(service.settings.database_path)
    await outbox_settled(db)
    (row,) = rows(db, "SELECT status, attempts, last_error FROM outbox")
    assert row == ("failed", 1, "Forbidden: Forbidden: bot was blocked by the user")
    # Another chat is not held up by it.
    citizen = TelegramCitizen(emulator, chat_id=504)
    assert (await citizen.say("/start"))[0].startswith("สวัสดีค่ะ")


async def test_a_redelivered_update_files_one_case_and_one_acknowledgement(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=505)
    await telegram_to_summary(citizen)  # the confirmation itself is sent by hand below
    confirm = next(b for row in citizen.last_markup()["inline_keyboard"] for b in row
                   if b["text"] == "✅ ยืนยันส่งเรื่อง")
    message_id = emulator.messages(citizen.chat_id)[-1]["message_id"]
    # Our answer is lost on the way (with the acknowledgement it carried): Telegram delivers
    # the update again.
    update, status = await emulator.send(citizen.chat_id, callback_data=confirm["callback_data"],
                                         message_id=message_id, lose_answer=True)
    assert status == 0
    assert await emulator.deliver(update) == 200
    assert await emulator.deliver(update) == 200  # and once more: still one of everything
    db = str(service.settings.database_path)
    await outbox_settled(db)
    assert rows(db, "SELECT COUNT(*) FROM cases") == [(1,)]
    acks = [m for m in emulator.messages(citizen.chat_id) if "KS-2569-00001" in (m["text"] or "")]
    assert len(acks) == 1


async def test_a_restart_mid_conversation_continues_at_the_same_step(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    first = await start_service()
    citizen = TelegramCitizen(emulator, chat_id=506)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("สัตว์จรจัด")
    await first.stop()

    second = await start_service()  # a new process would do exactly this on the same files
    assert await citizen.say("สุนัขจรจัดหลายตัวไล่กัดเด็กนักเรียนหน้าโรงเรียน") == [
        "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม"]
    await citizen.say("หน้าโรงเรียนอนุบาลกระสัง")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม", expect=2)
    (ack,) = await citizen.press("✅ ยืนยันส่งเรื่อง")
    assert "KS-2569-00001" in ack
    assert rows(str(second.settings.database_path), "SELECT category, location_text FROM cases") \
        == [("animals", "หน้าโรงเรียนอนุบาลกระสัง")]


async def test_replies_queued_before_a_stop_are_sent_after_the_restart(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    first = await start_service(telegram_reply_in_answer=False)  # the queue is under test
    emulator.fail("sendMessage", 500, count=1000)  # Telegram is down
    _, status = await emulator.send(507, text="/start")
    assert status == 200  # accepted and stored although it cannot be sent yet
    await first.stop()
    emulator.faults.clear()  # Telegram is back
    await start_service()
    (menu,) = await emulator.wait_for(507, 1)
    assert menu["text"].startswith("สวัสดีค่ะ")


async def test_a_failed_photo_download_asks_telegram_to_redeliver(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=508)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนลูกรังเป็นหลุมเป็นบ่อ รถสัญจรลำบากมาก")
    await citizen.press("ข้าม")
    emulator.fail("getFile", 500)
    update, status = await emulator.send(citizen.chat_id, photo=jpeg(5))
    assert status == 503
    db = str(service.settings.database_path)
    assert rows(db, "SELECT COUNT(*) FROM processed_updates WHERE update_key = ?",
                (str(update["update_id"]),)) == [(0,)]
    assert await emulator.deliver(update) == 200  # Telegram retries; now it works
    messages = await emulator.wait_for(citizen.chat_id, citizen.seen + 1)
    assert messages[-1]["text"].startswith("ได้รับรูปที่ 1 แล้วค่ะ")


async def test_polling_mode_serves_a_municipality_without_a_public_address(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    emulator.webhook_url = "https://stale.example/webhook"  # left over from webhook mode
    await start_service(telegram_mode="polling")
    assert emulator.webhook_url is None  # deleted before the service says it is up
    citizen = TelegramCitizen(emulator, chat_id=509)
    (menu,) = await citizen.say("hello")
    assert menu.startswith("สวัสดีค่ะ")
    await citizen.press("📞 ติดต่อเทศบาล")
    assert "044-691508" in emulator.messages(citizen.chat_id)[-1]["text"]


async def test_messages_to_one_chat_are_paced(start_service: StartService,
                                              emulator: TelegramEmulator) -> None:
    await start_service(pacing=Pacing(per_chat_interval=0.3, backoff_base=0.05))
    citizen = TelegramCitizen(emulator, chat_id=510)
    await telegram_to_summary(citizen)
    sends = [c.at for c in emulator.calls if c.method == "sendMessage"]
    gaps = [b - a for a, b in zip(sends, sends[1:])]
    assert min(gaps) >= 0.29  # the "thanks" and the summary went out 0.3 s apart


async def test_webhook_answers_while_telegram_is_down(service: Service,
                                                      emulator: TelegramEmulator) -> None:
    """Webhook handling never waits on outbound sends."""
    emulator.fail("sendMessage", None, delay=1.5, count=5)  # every send hangs 1.5 s
    url = f"{service.url}/webhook/telegram"
    async with aiohttp.ClientSession() as http:
        for n in range(5):
            update = {"update_id": 900 + n, "message": {
                "message_id": n + 1, "date": 0, "text": "/start",
                "chat": {"id": 600 + n, "type": "private"},
                "from": {"id": 600 + n, "is_bot": False, "first_name": "x"}}}
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                                 timeout=aiohttp.ClientTimeout(total=1.0)) as resp:
                assert resp.status == 200


async def test_a_group_is_paced_slower_than_a_private_chat(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    """Telegram allows a group 20 messages a minute: a burst of alerts there is spread out."""
    from handlers.types import Reply
    from storage import outbox

    service = await start_service(pacing=Pacing(per_chat_interval=0.0, per_group_interval=0.4))
    async with service.db.transaction() as tx:
        for chat in ("-1001", "777"):
            for n in range(3):
                await outbox.enqueue(tx, "telegram", chat, [Reply(f"alert {n}").to_json()],
                                     "2026-11-30T03:00:00+00:00")
    service.worker.wake()
    await emulator.wait_for(-1001, 3)
    await emulator.wait_for(777, 3)

    def gaps(chat: int) -> list[float]:
        at = [c.at for c in emulator.calls
              if c.method == "sendMessage" and int(c.params["chat_id"]) == chat]
        return [b - a for a, b in zip(at, at[1:])]

    assert min(gaps(-1001)) >= 0.39
    assert max(gaps(777)) < 0.39


async def test_a_revoked_token_fails_a_send_for_good_at_once(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    """Telegram's 401 (the token was revoked in @BotFather) is not retried twelve times."""
    service = await start_service(telegram_reply_in_answer=False)
    emulator.fail("sendMessage", 401)
    _, status = await emulator.send(513, text="/start")
    assert status == 200
    db = str(service.settings.database_path)
    await outbox_settled(db)
    assert rows(db, "SELECT status, attempts FROM outbox") == [("failed", 1)]
