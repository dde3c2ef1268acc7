"""LINE at parity with Telegram, end to end: the LINE emulation signs webhooks and checks
every reply and push; the real line-bot-sdk talks to it; the real service, engine and SQLite
do the rest."""
from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.media import clean_image
from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from handlers.types import Reply
from storage import cases as case_store
from storage import outbox
from tests.e2e.conftest import StartService
from tests.support import (
    LineCitizen,
    TelegramCitizen,
    file_on_telegram,
    jpeg,
    outbox_settled,
    rows,
)

USER = "U" + "1" * 32
IMAGE = jpeg(2)
MENU = ("สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของเทศบาลตำบลกระสัง\n"
        "ต้องการทำรายการใดคะ")
SUMMARY = ("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ\n\nหมวด: ขยะ ความสะอาด\n"
           "รายละเอียด: ขยะล้นถังหน้าตลาดมาสามวันแล้ว ส่งกลิ่นเหม็น\n"
           "สถานที่: ตำแหน่งที่ส่งมา (14.92360, 103.30000)\nรูปถ่าย: 1 รูป\n"
           "เบอร์ติดต่อ: 0812345678\n\nถูกต้องไหมคะ")


async def file_on_line(citizen: LineCitizen) -> str:
    await citizen.follow()
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ขยะ ความสะอาด")
    await citizen.say("ขยะล้นถังหน้าตลาดมาสามวันแล้ว ส่งกลิ่นเหม็น")
    await citizen.share_location(14.9236, 103.3)
    await citizen.send_image(IMAGE)
    await citizen.press("เสร็จแล้ว")
    await citizen.say("081 234 5678", expect=2)
    (ack,) = await citizen.press("✅ ยืนยันส่งเรื่อง")
    return ack


async def test_a_line_citizen_files_a_grievance_all_by_free_replies(
        service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, USER)
    assert await citizen.follow() == [MENU]
    assert [a["label"] for a in citizen.quick_replies()] == [
        "📝 ร้องเรียน", "🛡️ แจ้งเบาะแสทุจริต", "🔎 ติดตามเรื่องของฉัน",
        "📞 ติดต่อเทศบาล", "🌐 English"]
    assert await citizen.press("📝 ร้องเรียน") == ["เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"]
    assert len(citizen.quick_replies()) == 12  # 11 categories and cancel
    assert await citizen.press("ขยะ ความสะอาด") == [
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย 10 ตัวอักษร)"]
    assert await citizen.send_sticker() == [
        "ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้ค่ะ\n\n"
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย 10 ตัวอักษร)"]
    assert await citizen.say("ขยะล้นถังหน้าตลาดมาสามวันแล้ว ส่งกลิ่นเหม็น") == [
        "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม"]
    assert citizen.quick_replies()[0] == {"type": "location", "label": "📍 ส่งตำแหน่งปัจจุบัน"}
    assert await citizen.share_location(14.9236, 103.3) == [
        "มีรูปถ่ายประกอบไหมคะ ส่งได้ไม่เกิน 5 รูป หรือกด ข้าม"]
    assert [a["type"] for a in citizen.quick_replies()] == [
        "camera", "cameraRoll", "postback", "postback"]
    assert await citizen.send_image(IMAGE) == [
        "ได้รับรูปที่ 1 แล้วค่ะ ส่งเพิ่มได้อีก 4 รูป หรือกด เสร็จแล้ว"]
    assert await citizen.press("เสร็จแล้ว") == [
        "ขอเบอร์โทรสำหรับติดต่อกลับไหมคะ (ไม่บังคับ)\n"
        "ใช้เพื่อติดต่อเรื่องนี้เท่านั้น และลบภายใน 365 วันหลังปิดเรื่อง"]
    assert await citizen.say("081 234 5678", expect=2) == ["ขอบคุณค่ะ", SUMMARY]
    summary = line.messages(USER)[-1]
    assert summary["type"] == "flex" and summary["contents"]["type"] == "bubble"
    assert summary["contents"]["header"]["contents"][0]["text"] == "กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ"
    (ack,) = await citizen.press("✅ ยืนยันส่งเรื่อง")
    assert ack == (
        "✅ เทศบาลตำบลกระสัง ได้รับเรื่องของท่านแล้วค่ะ\n\n"
        "เลขที่เรื่อง: KS-2569-00001\nหน่วยงานที่รับผิดชอบ: กองสาธารณสุขและสิ่งแวดล้อม\n"
        "วันที่รับเรื่อง: 30 พฤศจิกายน 2569\n"
        "กำหนดแจ้งผล: ภายใน 15 วันทำการ ไม่เกินวันพุธที่ 23 ธันวาคม 2569\n\n"
        "เก็บเลขที่เรื่องไว้เพื่อติดตามเรื่อง หรือแจ้งทางโทรศัพท์ 044-691508 ได้ค่ะ")

    db = str(service.settings.database_path)
    assert rows(db, "SELECT reference, platform, chat_id, category, division, phone, due_on "
                    "FROM cases") == [
        ("KS-2569-00001", "line", USER, "garbage", "health", "0812345678", "2026-12-23")]
    (sha,), = rows(db, "SELECT sha256 FROM case_photos")
    assert (service.settings.media_dir / sha[:2] / sha).read_bytes() == clean_image(IMAGE)[0]
    # The whole flow cost the Official Account nothing: every answer rode a reply token.
    await outbox_settled(db)
    # 11 messages in 10 reply calls ("thanks" and the summary shared one), and no push.
    assert (line.replies_sent, line.pushes_sent) == (10, 0)
    assert len(line.messages(USER)) == 11
    assert {m["via"] for m in line.messages(USER)} == {"reply"}


async def test_signature_is_checked_and_a_forgery_stores_nothing(
        service: Service, line: LineEmulator) -> None:
    event = {"type": "message", "mode": "active", "timestamp": 0, "replyToken": "r",
             "webhookEventId": "01FORGED", "deliveryContext": {"isRedelivery": False},
             "source": {"type": "user", "userId": USER},
             "message": {"type": "text", "id": "1", "quoteToken": "q", "text": "/start"}}
    body = json.dumps({"destination": "Ubot", "events": [event]}).encode()
    url = f"{service.url}/webhook/line"
    tampered = body.replace(b"/start", b"/stort")
    async with aiohttp.ClientSession() as http:
        for data, headers, status in (
                (body, {}, 400),
                (body, {"X-Line-Signature": "bm90IGEgc2lnbmF0dXJl"}, 401),
                (tampered, {"X-Line-Signature": line.sign(body)}, 401),
                (b"\xff\xfe", {"X-Line-Signature": line.sign(b"\xff\xfe")}, 400),
                (b"[]", {"X-Line-Signature": line.sign(b"[]")}, 400)):
            async with http.post(url, data=data, headers=headers) as resp:
                assert resp.status == status, (data[:20], headers)
        db = str(service.settings.database_path)
        for table in ("processed_updates", "conversations", "outbox", "cases"):
            assert rows(db, f"SELECT COUNT(*) FROM {table}") == [(0,)]
        verify = json.dumps({"destination": "Ubot", "events": []}).encode()
        async with http.post(url, data=verify,
                             headers={"X-Line-Signature": line.sign(verify)}) as resp:
            assert resp.status == 200  # the console's "Verify" button
        async with http.post(url, data=body, headers={"X-Line-Signature": line.sign(body)}) as r:
            assert r.status == 200  # the same body, signed right, is accepted
    assert rows(db, "SELECT COUNT(*) FROM processed_updates") == [(1,)]


async def test_a_redelivered_event_files_one_case_and_one_acknowledgement(
        service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, USER)
    await file_on_line(citizen)
    assert await line.deliver([citizen.events[-1]], redelivery=True) == 200
    db = str(service.settings.database_path)
    await outbox_settled(db)
    assert rows(db, "SELECT COUNT(*) FROM cases") == [(1,)]
    assert sum("KS-2569-00001" in (m["altText"] or "") for m in line.messages(USER)) == 1


async def test_an_expired_reply_token_falls_back_to_one_push(
        service: Service, line: LineEmulator) -> None:
    line.reply_token_ttl = 0.0  # LINE refuses every reply token from now on
    citizen = LineCitizen(line, USER)
    assert await citizen.follow() == [MENU]
    await outbox_settled(str(service.settings.database_path))
    assert [(c.method, c.status) for c in line.calls] == [("reply", 400), ("push", 200)]
    assert line.messages(USER)[-1]["via"] == "push"
    assert len(line.messages(USER)) == 1


async def test_an_anonymous_reporters_refused_reply_token_is_resealed_and_pushed_once(
        service: Service, line: LineEmulator) -> None:
    """A private chat's token lives inside the seal: it is sealed again without it, and the
    message is pushed; nothing sealed is left once it is delivered."""
    citizen = LineCitizen(line, USER)
    await citizen.follow()
    await citizen.press("🛡️ แจ้งเบาะแสทุจริต")
    await citizen.press("🕶️ ไม่ระบุตัวตน")  # private from here on
    db = str(service.settings.database_path)
    await outbox_settled(db)
    line.reply_token_ttl = 0.0  # LINE refuses every reply token from now on
    line.fail("push", 500)  # and the push falls through once: the retry must not reply again
    sent = len(line.messages(USER))
    await citizen.press("❔ ไม่ทราบ")
    await outbox_settled(db)
    assert [(c.method, c.status) for c in line.calls][-3:] == [
        ("reply", 400), ("push", 500), ("push", 200)]
    assert len(line.messages(USER)) == sent + 1
    assert rows(db, "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL") == [(0,)]


async def test_a_push_whose_answer_was_lost_is_not_delivered_twice(
        service: Service, line: LineEmulator) -> None:
    """LINE accepted the push but the answer never arrived (a 500 after the fact): the retry
    carries the same X-Line-Retry-Key, LINE answers 409, and the bot counts it delivered."""
    line.reply_token_ttl = 0.0
    line.lose_answer("push")
    citizen = LineCitizen(line, USER)
    await citizen.follow()
    db = str(service.settings.database_path)
    await outbox_settled(db)
    pushes = [c for c in line.calls if c.method == "push"]
    assert [c.status for c in pushes] == [500, 409]
    assert pushes[0].headers["X-Line-Retry-Key"] == pushes[1].headers["X-Line-Retry-Key"]
    assert len(line.messages(USER)) == 1
    assert rows(db, "SELECT status FROM outbox") == [("sent",)]


async def test_a_reply_whose_answer_was_lost_is_not_pushed_again(
        service: Service, line: LineEmulator) -> None:
    """LINE delivered a reply but its answer never came back (or the service died before
    recording it): the retry finds the token used, and since the first attempt was written
    down before it went out, the bot takes it as delivered instead of pushing a copy."""
    line.lose_answer("reply")
    citizen = LineCitizen(line, USER)
    await citizen.follow()
    db = str(service.settings.database_path)
    await outbox_settled(db)
    assert [(c.method, c.status) for c in line.calls] == [("reply", 500), ("reply", 400)]
    assert len(line.messages(USER)) == 1
    assert rows(db, "SELECT status, reply_tried FROM outbox") == [("sent", 1)]


async def test_a_push_refused_with_500_is_retried_until_delivered_once(
        service: Service, line: LineEmulator) -> None:
    line.reply_token_ttl = 0.0
    line.fail("push", 500, count=2)
    citizen = LineCitizen(line, USER)
    assert await citizen.follow() == [MENU]
    await outbox_settled(str(service.settings.database_path))
    assert [c.status for c in line.calls if c.method == "push"] == [500, 500, 200]
    assert len(line.messages(USER)) == 1


async def test_over_the_monthly_quota_a_push_waits_visibly_and_is_sent_later(
        service: Service, line: LineEmulator) -> None:
    line.reply_token_ttl = 0.0
    line.monthly_quota = 0
    await LineCitizen(line, USER).follow(expect=0)
    db = str(service.settings.database_path)
    for _ in range(200):
        held = rows(db, "SELECT status, attempts, last_error FROM outbox")
        if held[0][2]:
            break
        await asyncio.sleep(0.01)
    assert held == [("pending", 0, "LINE 429: You have reached your monthly limit.")]
    line.monthly_quota = 10  # next month, or a bigger plan
    messages = await line.wait_for(USER, 1)
    assert messages[0]["text"] == MENU
    await outbox_settled(db)


async def test_after_unfollow_nothing_more_is_sent(service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, USER)
    await citizen.follow()
    line.fail("reply", 500, count=1000)  # LINE is down: the next answer stays queued
    line.reply_token_ttl = 0.0
    line.fail("push", 500, count=1000)
    await citizen.press("📞 ติดต่อเทศบาล", expect=0)
    await citizen.unfollow()
    line.faults.clear()
    db = str(service.settings.database_path)
    await outbox_settled(db)
    assert rows(db, "SELECT status, last_error FROM outbox ORDER BY id") == [
        ("sent", None), ("failed", "the citizen left the chat")]
    await asyncio.sleep(0.1)
    assert len(line.messages(USER)) == 1


async def test_one_register_across_platforms_and_answers_go_back_where_the_case_came_from(
        service: Service, line: LineEmulator, emulator: TelegramEmulator) -> None:
    line_citizen = LineCitizen(line, USER)
    assert "KS-2569-00001" in await file_on_line(line_citizen)
    telegram_citizen = TelegramCitizen(emulator, chat_id=4242)
    ack = await file_on_telegram(telegram_citizen, "น้ำประปา", "น้ำประปาไม่ไหลมาสองวันแล้ว ทั้งหมู่บ้าน")
    assert "KS-2569-00002" in ack  # one sequence for both platforms

    (detail,) = await line_citizen.say("KS-2569-00001")
    assert detail.startswith("เลขที่เรื่อง: KS-2569-00001\nหมวด: ขยะ ความสะอาด")
    (other,) = await line_citizen.say("KS-2569-00002")
    assert other.startswith("ไม่พบเรื่องเลขที่ KS-2569-00002")  # not the LINE user's case
    (mine,) = await telegram_citizen.say("KS-2569-00002")
    assert mine.startswith("เลขที่เรื่อง: KS-2569-00002\nหมวด: น้ำประปา")

    pushes_before = line.pushes_sent
    async with service.db.transaction() as tx:  # what an officer's action queues: news
        for reference in ("KS-2569-00001", "KS-2569-00002"):
            case = await case_store.find(tx, reference)
            await outbox.enqueue(tx, case["platform"], case["chat_id"],
                                 [Reply(f"ข่าวเรื่อง {reference}").to_json()],
                                 "2026-11-30T03:00:00+00:00")
    service.worker.wake()
    assert (await line.wait_for(USER, line_citizen.seen + 1))[-1] == {
        **line.messages(USER)[-1], "text": "ข่าวเรื่อง KS-2569-00001", "via": "push"}
    telegram_messages = await emulator.wait_for(4242, telegram_citizen.seen + 1)
    assert telegram_messages[-1]["text"] == "ข่าวเรื่อง KS-2569-00002"
    assert line.pushes_sent == pushes_before + 1


async def test_a_location_picked_on_the_map_keeps_its_address(
        service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, USER)
    await citizen.follow()
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนแตกร้าวยาวหลายเมตร")
    await citizen.share_location(14.9236, 103.3, address="ตลาดสดกระสัง อ.กระสัง")
    await citizen.press("ข้าม")
    (_, summary) = await citizen.press("ข้าม", expect=2)
    assert "สถานที่: ตลาดสดกระสัง อ.กระสัง" in summary
    await citizen.press("✅ ยืนยันส่งเรื่อง")
    assert rows(str(service.settings.database_path),
                "SELECT location_lat, location_lon, location_text FROM cases") == [
        (14.9236, 103.3, "ตลาดสดกระสัง อ.กระสัง")]


async def test_photos_reach_line_as_signed_links_that_only_work_signed(
        start_service: StartService, line: LineEmulator, emulator: TelegramEmulator) -> None:
    """A LINE officer sees the Telegram citizen's photo; the link works only as signed."""
    from tests.e2e.test_officers import invite

    service = await start_service()
    service.line.public_base_url = service.url  # PUBLIC_BASE_URL; the port is known only now
    officer = LineCitizen(line, "U" + "3" * 32)
    await officer.follow()
    await officer.say(await invite(service, "works"))
    citizen = TelegramCitizen(emulator, 1001)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนยุบเป็นหลุมกว้าง")
    await citizen.press("ข้าม")
    await citizen.send_photo(IMAGE)
    await citizen.press("เสร็จแล้ว")
    await citizen.press("ข้าม", expect=2)
    await citizen.press("✅ ยืนยันส่งเรื่อง")
    photo, alert = (await line.wait_for(officer.user_id, officer.seen + 2))[-2:]
    assert photo["type"] == "image" and alert["type"] == "flex"
    url = photo["image_url"]
    assert url.startswith(f"{service.url}/media/")
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            assert resp.status == 200 and await resp.read() == clean_image(IMAGE)[0]
        for forged in (url[:-1] + ("0" if url[-1] != "0" else "1"), url.split("?")[0],
                       url.replace("e=", "e=1")):
            async with http.get(forged) as resp:
                assert resp.status == 404, forged
