"""A citizen files a grievance on Telegram through the sandbox, end to end: the emulated
Bot API, the real python-telegram-bot ``Bot``, our webhook, engine, SQLite and outbox."""
from __future__ import annotations

import asyncio

import aiohttp

from bot.media import clean_image
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.e2e.conftest import SECRET
from tests.support import (
    jpeg,
    FakeClock,
    TelegramCitizen,
    bangkok,
    file_on_telegram,
    outbox_settled,
    rows,
)

PHOTO = jpeg(1)

MENU = ("สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของเทศบาลตำบลกระสัง\n"
        "ต้องการทำรายการใดคะ")


async def test_citizen_files_a_grievance_and_sees_exactly_these_messages(
        service: Service, emulator: TelegramEmulator, clock: FakeClock) -> None:
    clock.now = bangkok(2027, 4, 9, 15, 0)  # Friday before Songkran, in office hours
    citizen = TelegramCitizen(emulator, chat_id=424242)

    assert await citizen.say("/start") == [MENU]
    assert [b["text"] for row in citizen.last_markup()["inline_keyboard"] for b in row] == [
        "📝 ร้องเรียน", "🛡️ แจ้งเบาะแสทุจริต", "🔎 ติดตามเรื่องของฉัน",
        "📞 ติดต่อเทศบาล", "🌐 English"]
    assert await citizen.press("📝 ร้องเรียน") == ["เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"]
    assert await citizen.press("น้ำท่วม ท่อระบายน้ำ") == [
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย 10 ตัวอักษร)"]
    assert await citizen.send_sticker() == [
        "ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้ค่ะ\n\n"
        "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย 10 ตัวอักษร)"]
    assert await citizen.say("ท่ออุดตัน") == [
        "ข้อความสั้นเกินไปค่ะ กรุณาเล่าเพิ่มอีกนิด อย่างน้อย 10 ตัวอักษร"]
    assert await citizen.say("ท่อระบายน้ำหน้าตลาดสดอุดตัน น้ำท่วมขังทุกครั้งที่ฝนตก") == [
        "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม"]
    keyboard = citizen.last_markup()["keyboard"]
    assert keyboard[0] == [{"text": "📍 ส่งตำแหน่งปัจจุบัน", "request_location": True}]
    assert await citizen.share_location(14.9236, 103.3) == [
        "มีรูปถ่ายประกอบไหมคะ ส่งได้ไม่เกิน 5 รูป หรือกด ข้าม"]
    assert await citizen.send_photo(PHOTO) == [
        "ได้รับรูปที่ 1 แล้วค่ะ ส่งเพิ่มได้อีก 4 รูป หรือกด เสร็จแล้ว"]
    assert await citizen.press("เสร็จแล้ว") == [
        "ขอเบอร์โทรสำหรับติดต่อกลับไหมคะ (ไม่บังคับ)\n"
        "ใช้เพื่อติดต่อเรื่องนี้เท่านั้น และลบภายใน 365 วันหลังปิดเรื่อง"]
    assert await citizen.share_contact("+66812345678", expect=2) == [
        "ขอบคุณค่ะ",
        "กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ\n\n"
        "หมวด: น้ำท่วม ท่อระบายน้ำ\n"
        "รายละเอียด: ท่อระบายน้ำหน้าตลาดสดอุดตัน น้ำท่วมขังทุกครั้งที่ฝนตก\n"
        "สถานที่: ตำแหน่งที่ส่งมา (14.92360, 103.30000)\n"
        "รูปถ่าย: 1 รูป\nเบอร์ติดต่อ: 0812345678\n\nถูกต้องไหมคะ"]
    # "ขอบคุณค่ะ" closed the contact keyboard; the summary carries inline buttons.
    thanks = emulator.messages(citizen.chat_id)[-2]
    assert thanks["reply_markup"] == {"remove_keyboard": True}
    assert await citizen.press("✅ ยืนยันส่งเรื่อง") == [
        "✅ เทศบาลตำบลกระสัง ได้รับเรื่องของท่านแล้วค่ะ\n\n"
        "เลขที่เรื่อง: KS-2570-00001\nหน่วยงานที่รับผิดชอบ: กองช่าง\n"
        "วันที่รับเรื่อง: 9 เมษายน 2570\n"
        "กำหนดแจ้งผล: ภายใน 15 วันทำการ ไม่เกินวันศุกร์ที่ 7 พฤษภาคม 2570\n\n"
        "เก็บเลขที่เรื่องไว้เพื่อติดตามเรื่อง หรือแจ้งทางโทรศัพท์ 044-691508 ได้ค่ะ"]

    db = service.settings.database_path
    assert rows(str(db), "SELECT reference, category, division, description, location_lat, "
                         "location_lon, location_text, phone, status, received_on, due_on, "
                         "chat_id FROM cases") == [
        ("KS-2570-00001", "flood", "works",
         "ท่อระบายน้ำหน้าตลาดสดอุดตัน น้ำท่วมขังทุกครั้งที่ฝนตก", 14.9236, 103.3, None,
         "0812345678", "new", "2027-04-09", "2027-05-07", "424242")]
    (sha,), = rows(str(db), "SELECT sha256 FROM case_photos")
    stored = service.settings.media_dir / sha[:2] / sha
    assert stored.read_bytes() == clean_image(PHOTO)[0]
    assert rows(str(db), "SELECT kind, actor, to_status FROM case_events") == [
        ("filed", "citizen", "new")]
    # Every queued reply was delivered once, and nothing is left waiting.
    await outbox_settled(str(db))
    assert rows(str(db), "SELECT status, COUNT(*) FROM outbox GROUP BY status") == [("sent", 12)]
    assert len(emulator.messages(citizen.chat_id)) == 12


async def test_after_hours_the_acknowledgement_says_when_the_office_picks_it_up(
        service: Service, emulator: TelegramEmulator, clock: FakeClock) -> None:
    clock.now = bangkok(2026, 12, 4, 18, 45)  # Friday evening; Sat 5 and Mon 7 Dec are off; Thu 10 Dec too
    citizen = TelegramCitizen(emulator, chat_id=777, language_code="en")
    assert (await citizen.say("hello"))[0].startswith("Hello, this is the complaints channel")
    await citizen.press("📝 File a complaint")
    await citizen.press("Street light out")
    await citizen.say("The street light at the school gate has been dark for a week.")
    await citizen.say("Soi 3, opposite the temple")
    await citizen.press("Skip")
    assert await citizen.press("Skip", expect=2) == [
        "Thank you.",
        "Please check your complaint.\n\nCategory: Street light out\n"
        "Details: The street light at the school gate has been dark for a week.\n"
        "Location: Soi 3, opposite the temple\nPhotos: not given\nPhone: not given\n\n"
        "Is this correct?"]
    (ack,) = await citizen.press("✅ Confirm")
    assert ack == (
        "✅ Kra Sang Subdistrict Municipality has received your complaint.\n\n"
        "Reference: KS-2569-00001\nResponsible: Public Works Division\n"
        "Received: 8 December 2026\n"
        "Result due: within 15 working days, by Wednesday 30 December 2026\n\n"
        "Keep the reference to follow up here or by phone on 044-691508.\n"
        "The office is closed now; staff will pick this up on Tuesday 8 December 2026 at 08:30.")


async def test_check_my_case_lists_own_cases_and_hides_others(
        service: Service, emulator: TelegramEmulator) -> None:
    filer = TelegramCitizen(emulator, chat_id=1001)
    ack = await file_on_telegram(filer, "ขยะ ความสะอาด", "ขยะไม่ได้เก็บมาสองสัปดาห์แล้ว ส่งกลิ่นเหม็นมาก")
    assert "KS-2569-00001" in ack

    (listing,) = await filer.press("🔎 ติดตามเรื่องของฉัน")
    assert listing == ("เรื่องของท่าน:\n\nKS-2569-00001 · ขยะ ความสะอาด\n"
                       "สถานะ: รอเจ้าหน้าที่รับเรื่อง · กำหนด 23 ธ.ค. 2569\n\n"
                       "กดเลขที่เรื่อง หรือพิมพ์เลขที่เรื่องเพื่อดูรายละเอียดค่ะ")
    (detail,) = await filer.say("ks-๒๕๖๙-๐๐๐๐๑")
    assert detail.startswith("เลขที่เรื่อง: KS-2569-00001\nหมวด: ขยะ ความสะอาด\n"
                             "หน่วยงาน: กองสาธารณสุขและสิ่งแวดล้อม\n")

    stranger = TelegramCitizen(emulator, chat_id=2002)
    await stranger.say("/start")
    assert await stranger.say("KS-2569-00001") == [
        "ไม่พบเรื่องเลขที่ KS-2569-00001 ในเรื่องที่ท่านแจ้งไว้ค่ะ กรุณาตรวจสอบเลขที่อีกครั้งค่ะ"]
    assert await stranger.press("🔎 ติดตามเรื่องของฉัน") == [
        "ยังไม่มีเรื่องที่แจ้งผ่านช่องทางนี้ค่ะ"]


async def test_pressed_button_is_acknowledged_and_taken_off_its_message(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=31)
    await citizen.say("/start")
    await citizen.press("📞 ติดต่อเทศบาล")
    for _ in range(100):  # the acknowledgement is sent in the background
        if emulator.messages(citizen.chat_id)[0]["edited"]:
            break
        await asyncio.sleep(0.02)
    menu = emulator.messages(citizen.chat_id)[0]
    assert menu["reply_markup"] is None
    assert menu["text"].endswith("\n\n👉 📞 ติดต่อเทศบาล")
    # The webhook's answer carried the reply, so the spinner is stopped by a request.
    (answered,) = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
    assert answered.status == 200 and answered.headers == {}
    reply = [c for c in emulator.calls if c.method == "sendMessage"][-1]
    assert reply.headers == {"via": "webhook answer"}


async def test_wrong_or_missing_secret_is_refused_and_stores_nothing(
        service: Service, emulator: TelegramEmulator) -> None:
    update = {"update_id": 5, "message": {
        "message_id": 1, "date": 0, "text": "/start",
        "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": False,
                                                       "first_name": "x"}}}
    url = f"{service.url}/webhook/telegram"
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}):
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 403
    db = str(service.settings.database_path)
    for table in ("processed_updates", "conversations", "outbox", "cases"):
        assert rows(db, f"SELECT COUNT(*) FROM {table}") == [(0,)]
    assert emulator.messages(9) == []


async def test_malformed_bodies_get_400_and_store_nothing(service: Service) -> None:
    url = f"{service.url}/webhook/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for body in (b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}',
                     b'{"update_id": 7, "message": {"chat": 3}}'):
            async with http.post(url, data=body, headers=headers) as resp:
                assert resp.status == 400, body
        async with http.post(url, data=b"x" * (2 * 1024 * 1024), headers=headers) as resp:
            assert resp.status == 413
    db = str(service.settings.database_path)
    assert rows(db, "SELECT COUNT(*) FROM processed_updates") == [(0,)]
