"""Officers in the loop, end to end through the sandbox: alerts in chat, actions from chat,
and every change told to the citizen, on Telegram and LINE alike."""
from __future__ import annotations

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from handlers.flows.officer import make_invite_code
from storage import officers
from tests.support import (
    jpeg,
    FakeClock,
    LineCitizen,
    TelegramCitizen,
    file_on_telegram,
    rows,
)

PHOTO = jpeg(3)
AFTER = jpeg(4)
WORKS_OFFICER, WORKS_HEAD, HEALTH_OFFICER, CITIZEN = 2001, 2002, 2003, 1001


async def invite(service: Service, division: str, role: str = "officer",
                 hours: float = 72) -> str:
    """What ``python -m bot officers invite`` does, on the service's own clock."""
    code = make_invite_code()
    await officers.create_invite(service.db, code, division, role,
                                 service.clock().timestamp() + hours * 3600,
                                 "2026-11-30T03:00:00+00:00")
    return code


async def officer_on_telegram(service: Service, emulator: TelegramEmulator, chat_id: int,
                              division: str = "works", role: str = "officer") -> TelegramCitizen:
    person = TelegramCitizen(emulator, chat_id)
    (bound,) = await person.say(await invite(service, division, role))
    assert bound.startswith("ลงทะเบียนเป็นเจ้าหน้าที่ของ")
    return person


async def next_texts(person: TelegramCitizen, count: int) -> list[str | None]:
    """Messages the bot sent to ``person`` on its own (not answers to their action)."""
    messages = await person.emu.wait_for(person.chat_id, person.seen + count)
    new = messages[person.seen:]
    person.seen = len(messages)
    return [m["text"] for m in new]


def buttons(person: TelegramCitizen) -> list[str]:
    markup = person.last_markup()
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def test_the_whole_loop_from_filing_to_rating(
        service: Service, emulator: TelegramEmulator) -> None:
    officer = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    assert await officer.say("/start") == ["เมนูเจ้าหน้าที่ กองช่าง"]

    citizen = TelegramCitizen(emulator, CITIZEN)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("หลุมใหญ่กลางถนนหน้าโรงเรียน อันตรายมาก")
    await citizen.share_location(14.9236, 103.3)
    await citizen.send_photo(PHOTO)
    await citizen.press("เสร็จแล้ว")
    await citizen.share_contact("0812345678", expect=2)
    await citizen.press("✅ ยืนยันส่งเรื่อง")

    photo, alert = await next_texts(officer, 2)
    assert photo is None  # the citizen's photo, sent as a photo
    assert alert == (
        "🆕 เรื่องใหม่ KS-2569-00001\n\nหมวด: ถนน ทางเท้าชำรุด\nสถานะ: รอเจ้าหน้าที่รับเรื่อง\n"
        "รายละเอียด: หลุมใหญ่กลางถนนหน้าโรงเรียน อันตรายมาก\n"
        "สถานที่: ตำแหน่งที่ส่งมา (14.92360, 103.30000)\n"
        "แผนที่: https://www.google.com/maps?q=14.923600,103.300000\nรูปถ่าย: 1 รูป\n"
        "กำหนดแจ้งผล: 23 ธ.ค. 2569\nติดต่อผู้ร้อง: 0812345678")
    assert buttons(officer) == ["✅ รับเรื่อง", "🔀 โอนกอง", "🚫 ไม่ใช่อำนาจหน้าที่",
                                "❓ ถามผู้ร้อง"]

    assert await officer.press("✅ รับเรื่อง") == [
        "บันทึกแล้วค่ะ เรื่อง KS-2569-00001 สถานะ: เจ้าหน้าที่รับเรื่องแล้ว"]
    assert await next_texts(citizen, 1) == ["📌 เรื่อง KS-2569-00001: กองช่างรับเรื่องแล้วค่ะ"]
    await officer.press("🔧 เริ่มดำเนินการ")
    assert await next_texts(citizen, 1) == [
        "🔧 เรื่อง KS-2569-00001: กองช่างกำลังดำเนินการค่ะ"]
    assert await officer.press("🏁 แก้ไขเสร็จ") == ["กรุณาพิมพ์สรุปผลการแก้ไขค่ะ (ผู้ร้องจะเห็นข้อความนี้)"]
    assert await officer.say("ลาดยางปิดหลุมเรียบร้อยแล้ว") == [
        "ส่งรูปหลังแก้ไข หรือกด ข้าม ค่ะ"]
    await officer.send_photo(AFTER)
    after_photo, resolved = await next_texts(citizen, 2)
    assert after_photo is None
    assert resolved == ("✅ เรื่อง KS-2569-00001: กองช่างแจ้งว่าแก้ไขเรียบร้อยแล้วค่ะ\n"
                        "ผลการดำเนินการ: ลาดยางปิดหลุมเรียบร้อยแล้ว\n\nแก้ไขเรียบร้อยแล้วใช่ไหมคะ")
    assert await citizen.press("👍 ใช่ เรียบร้อยแล้ว") == [
        "ขอบคุณค่ะ ปิดเรื่อง KS-2569-00001 แล้ว\nให้คะแนนความพึงพอใจต่อการแก้ไขเรื่องนี้ 1–5 คะ"]
    (thanks,) = await citizen.press("⭐⭐⭐⭐⭐")
    assert thanks.startswith("ขอบคุณสำหรับคะแนนค่ะ\n\nสวัสดีค่ะ")  # back to the menu

    db = str(service.settings.database_path)
    assert rows(db, "SELECT status, rating, awaiting FROM cases") == [("closed", 5, None)]
    assert rows(db, "SELECT actor, kind, from_status, to_status, note FROM case_events "
                    "ORDER BY id") == [
        ("citizen", "filed", None, "new", None),
        ("officer:1", "accept", "new", "accepted", None),
        ("officer:1", "progress", "accepted", "in_progress", None),
        ("officer:1", "resolved", "in_progress", "resolved", "ลาดยางปิดหลุมเรียบร้อยแล้ว"),
        ("citizen", "confirmed", "resolved", "closed", None),
        ("citizen", "rated", "closed", "closed", "5"),
    ]
    # The citizen never sees who the officer is: only the division.
    seen_by_citizen = " ".join(m["text"] or "" for m in emulator.messages(CITIZEN))
    assert "officer" not in seen_by_citizen and str(WORKS_OFFICER) not in seen_by_citizen


async def test_transfer_goes_to_the_other_division_and_tells_the_citizen(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    health = await officer_on_telegram(service, emulator, HEALTH_OFFICER, "health")
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "มีซากสัตว์ตายกลางถนน ส่งกลิ่นเหม็น")
    await next_texts(works, 1)
    assert await works.press("🔀 โอนกอง") == ["โอนเรื่อง KS-2569-00001 ให้กองใดคะ"]
    await works.press("กองสาธารณสุขและสิ่งแวดล้อม")
    assert await works.say("เป็นเรื่องซากสัตว์ ไม่ใช่ถนนชำรุด") == [
        "โอนเรื่อง KS-2569-00001 ให้กองสาธารณสุขและสิ่งแวดล้อมแล้วค่ะ"]
    assert await next_texts(citizen, 1) == [
        "🔀 เรื่อง KS-2569-00001: ส่งต่อให้กองสาธารณสุขและสิ่งแวดล้อมดูแลค่ะ\n"
        "เหตุผล: เป็นเรื่องซากสัตว์ ไม่ใช่ถนนชำรุด"]
    (alert,) = await next_texts(health, 1)
    assert alert.startswith("🔀 เรื่องโอนมาจากกองช่าง: KS-2569-00001")
    db = str(service.settings.database_path)
    assert rows(db, "SELECT division, status FROM cases") == [("health", "new")]
    # The old division can no longer act on it.
    assert await works.say("KS-2569-00001") == ["ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"]


async def test_not_our_remit_says_why_and_where_to_go(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ทางหลวงแผ่นดินหมายเลข 226 เป็นหลุม")
    await next_texts(works, 1)
    await works.press("🚫 ไม่ใช่อำนาจหน้าที่")
    await works.say("เป็นทางหลวงแผ่นดิน ไม่ใช่ถนนของเทศบาล")
    assert await works.say("แขวงทางหลวงบุรีรัมย์ โทร 1586") == [
        "บันทึกแล้วค่ะ เรื่อง KS-2569-00001 สถานะ: ไม่อยู่ในอำนาจหน้าที่ของเทศบาล"]
    assert await next_texts(citizen, 1) == [
        "เรื่อง KS-2569-00001: ไม่อยู่ในอำนาจหน้าที่ของเทศบาลค่ะ\n"
        "เหตุผล: เป็นทางหลวงแผ่นดิน ไม่ใช่ถนนของเทศบาล\nติดต่อได้ที่: แขวงทางหลวงบุรีรัมย์ โทร 1586"]
    db = str(service.settings.database_path)
    assert rows(db, "SELECT status FROM cases") == [("rejected",)]


async def test_ask_the_citizen_relays_the_answer_and_resumes_a_draft(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ไฟฟ้าส่องสว่างดับ", "ไฟถนนดับหลายดวงในซอย")
    await next_texts(works, 1)
    await citizen.press("📝 ร้องเรียน")  # the citizen starts a second complaint meanwhile
    await works.press("❓ ถามผู้ร้อง")
    assert await works.say("ซอยอะไร ใกล้บ้านเลขที่เท่าไหร่คะ") == [
        "ส่งคำถามเรื่อง KS-2569-00001 ให้ผู้ร้องแล้วค่ะ คำตอบจะส่งถึงท่านทางแชตส่วนตัว"]
    assert await next_texts(citizen, 1) == [
        "❓ กองช่างขอข้อมูลเพิ่มเติมเรื่อง KS-2569-00001:\nซอยอะไร ใกล้บ้านเลขที่เท่าไหร่คะ\n\n"
        "พิมพ์คำตอบ หรือส่งรูปถ่ายได้เลยค่ะ"]
    assert await citizen.say("ซอย 5 ใกล้บ้านเลขที่ 41") == [
        "ส่งคำตอบให้เจ้าหน้าที่แล้วค่ะ ขอบคุณค่ะ\n\nเรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"]
    (relayed,) = await next_texts(works, 1)
    assert relayed == "💬 ผู้ร้องตอบเรื่อง KS-2569-00001:\nซอย 5 ใกล้บ้านเลขที่ 41"
    db = str(service.settings.database_path)
    assert rows(db, "SELECT kind, note FROM case_events WHERE kind IN ('asked', 'answered')") == [
        ("asked", "ซอยอะไร ใกล้บ้านเลขที่เท่าไหร่คะ"), ("answered", "ซอย 5 ใกล้บ้านเลขที่ 41")]


async def resolve(officer: TelegramCitizen, note: str) -> None:
    await officer.press("✅ รับเรื่อง")
    await officer.press("🏁 แก้ไขเสร็จ")
    await officer.say(note)
    await officer.press("ข้าม")


async def test_not_fixed_reopens_and_tells_the_head(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    head = await officer_on_telegram(service, emulator, WORKS_HEAD, role="head")
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "น้ำประปา", "น้ำประปาไม่ไหลทั้งหมู่ 3")
    await next_texts(works, 1)
    await next_texts(head, 1)
    await resolve(works, "ซ่อมท่อแตกแล้ว")
    await next_texts(citizen, 2)
    assert await citizen.press("👎 ยังไม่เรียบร้อย") == [
        "รับทราบค่ะ เปิดเรื่อง KS-2569-00001 อีกครั้ง และแจ้งหัวหน้ากองช่างแล้วค่ะ\n\n"
        "สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของเทศบาลตำบลกระสัง\nต้องการทำรายการใดคะ"]
    assert await next_texts(head, 1) == [
        "⚠️ ผู้ร้องแจ้งว่าเรื่อง KS-2569-00001 ยังไม่เรียบร้อย เปิดเรื่องอีกครั้งค่ะ"]
    assert buttons(head) == ["🔧 เริ่มดำเนินการ", "🏁 แก้ไขเสร็จ", "🔀 โอนกอง", "❓ ถามผู้ร้อง",
                            "📅 เลื่อนกำหนด"]
    db = str(service.settings.database_path)
    assert rows(db, "SELECT status FROM cases") == [("reopened",)]


async def test_no_answer_in_seven_days_closes_without_confirmation(
        service: Service, emulator: TelegramEmulator, clock: FakeClock) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ไฟฟ้าส่องสว่างดับ", "ไฟถนนหน้าวัดดับมาหลายคืนแล้ว")
    await next_texts(works, 1)
    await resolve(works, "เปลี่ยนหลอดไฟแล้ว")
    await next_texts(citizen, 2)
    clock.advance(days=6, hours=23)
    assert await service.engine.autoclose() == 0
    clock.advance(hours=2)
    assert await service.engine.autoclose() == 1
    assert await next_texts(citizen, 1) == [
        "ปิดเรื่อง KS-2569-00001 แล้ว เนื่องจากไม่ได้รับการยืนยันภายใน 7 วันค่ะ "
        "หากยังไม่เรียบร้อย แจ้งเรื่องใหม่ได้ตลอดเวลาค่ะ"]
    db = str(service.settings.database_path)
    assert rows(db, "SELECT status, rating FROM cases") == [("closed_unconfirmed", None)]
    assert await service.engine.autoclose() == 0  # once only
    # The old "is it fixed?" buttons no longer apply.
    (reply,) = await citizen.press("👍 ใช่ เรียบร้อยแล้ว")
    assert reply.startswith("ปุ่มนี้เป็นของคำถามก่อนหน้าค่ะ")


async def test_refusals_change_nothing(service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    health = await officer_on_telegram(service, emulator, HEALTH_OFFICER, "health")
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ฝาท่อระบายน้ำหายไป อันตราย")
    await next_texts(works, 1)
    db = str(service.settings.database_path)
    before = rows(db, "SELECT status, division FROM cases")
    events_before = rows(db, "SELECT COUNT(*) FROM case_events")
    forbidden = "ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"

    async def forge(person: TelegramCitizen, payload: str) -> str | None:
        """Post a button press with ``payload`` under the person's newest message."""
        message_id = emulator.messages(person.chat_id)[-1]["message_id"]
        _, status = await emulator.send(person.chat_id, callback_data=payload,
                                        message_id=message_id)
        assert status == 200
        (answer,) = await next_texts(person, 1)
        return answer

    # A citizen forging an officer's button, or typing an officer's command.
    assert await citizen.say("/cases") == [forbidden]
    assert await forge(citizen, "o:accept:KS-2569-00001") == forbidden
    # An officer of another division, on the case and on its page.
    assert await forge(health, "o:accept:KS-2569-00001") == forbidden
    assert await health.say("KS-2569-00001") == [forbidden]
    # A move the case's status does not allow (resolve before anyone accepted it).
    assert await forge(works, "o:resolve:KS-2569-00001") == (
        'เรื่อง KS-2569-00001 อยู่ในสถานะ "รอเจ้าหน้าที่รับเรื่อง" แล้ว ทำรายการนี้ไม่ได้ค่ะ')
    # Payloads no button ever carried.
    for payload in ("o:explode:KS-2569-00001", "o:accept:KS-2569-99999", "o:accept:"):
        assert await forge(works, payload) == forbidden
    # A plain officer asking for the heads' overdue list.
    assert await works.say("/overdue") == [forbidden]
    # A revoked officer pressing the alert's real button.
    assert await officers.revoke(service.db, 1, "2026-11-30T04:00:00+00:00")
    assert await forge(works, "o:accept:KS-2569-00001") == forbidden

    assert rows(db, "SELECT status, division FROM cases") == before
    assert rows(db, "SELECT COUNT(*) FROM case_events") == events_before


async def test_invitation_codes_work_once_and_expire(
        service: Service, emulator: TelegramEmulator, clock: FakeClock) -> None:
    code = await invite(service, "works")
    first = TelegramCitizen(emulator, 3001)
    assert (await first.say(code))[0].startswith("ลงทะเบียนเป็นเจ้าหน้าที่ของกองช่าง")
    second = TelegramCitizen(emulator, 3002)
    assert await second.say(code) == ["รหัสนี้ใช้ไม่ได้ หรือหมดอายุแล้วค่ะ"]  # reused
    expired = await invite(service, "works", hours=1)
    clock.advance(hours=2)
    assert await second.say(expired) == ["รหัสนี้ใช้ไม่ได้ หรือหมดอายุแล้วค่ะ"]
    # A group code said in a private chat is refused and stays usable for its group.
    group_code = await invite(service, "works", role="group")
    assert await second.say(group_code) == ["รหัสนี้ใช้ไม่ได้ หรือหมดอายุแล้วค่ะ"]
    assert rows(str(service.settings.database_path),
                "SELECT COUNT(*) FROM officers WHERE active = 1") == [(1,)]


async def test_an_officer_on_telegram_serves_a_citizen_on_line(
        service: Service, emulator: TelegramEmulator, line: LineEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = LineCitizen(line, "U" + "2" * 32)
    await citizen.follow()
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ไฟฟ้าส่องสว่างดับ")
    await citizen.say("ไฟถนนหน้าตลาดดับทั้งแถว")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม", expect=2)
    await citizen.press("✅ ยืนยันส่งเรื่อง")
    await next_texts(works, 1)
    await works.press("✅ รับเรื่อง")
    update = (await line.wait_for(citizen.user_id, citizen.seen + 1))[-1]
    assert update["text"] == "📌 เรื่อง KS-2569-00001: กองช่างรับเรื่องแล้วค่ะ"
    assert update["via"] == "push"  # nothing to reply to: a push, counted against the quota


async def test_a_telegram_group_bound_to_a_division_gets_alerts_and_officers_act_in_it(
        service: Service, emulator: TelegramEmulator) -> None:
    group = -100200300
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    _, status = await emulator.send(group, text="สวัสดีทุกคน", user_id=WORKS_OFFICER)
    assert status == 200
    _, status = await emulator.send(group, text=await invite(service, "works", "group"),
                                    user_id=7777)  # whoever adds the bot sends the code
    (bound,) = await emulator.wait_for(group, 1)
    assert bound["text"] == "กลุ่มนี้จะได้รับแจ้งเรื่องใหม่ของกองช่างค่ะ"
    _, status = await emulator.send(group, text="ใครว่างบ้าง", user_id=7777)  # chatter

    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ไฟฟ้าส่องสว่างดับ", "ไฟถนนดับทั้งซอย 9")
    await next_texts(works, 1)
    messages = await emulator.wait_for(group, 2)
    assert messages[-1]["text"].startswith("🆕 เรื่องใหม่ KS-2569-00001")
    assert len(messages) == 2  # the group's own chatter got no answer

    accept = next(b for row in messages[-1]["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"] == "✅ รับเรื่อง")
    await emulator.send(group, callback_data=accept["callback_data"],
                        message_id=messages[-1]["message_id"], user_id=7777)  # not an officer
    await emulator.send(group, callback_data=accept["callback_data"],
                        message_id=messages[-1]["message_id"], user_id=WORKS_OFFICER)
    messages = await emulator.wait_for(group, 3)
    assert messages[-1]["text"] == ("บันทึกแล้วค่ะ เรื่อง KS-2569-00001 สถานะ: "
                                    "เจ้าหน้าที่รับเรื่องแล้ว")
    assert await next_texts(citizen, 1) == ["📌 เรื่อง KS-2569-00001: กองช่างรับเรื่องแล้วค่ะ"]
    db = str(service.settings.database_path)
    assert rows(db, "SELECT actor, kind FROM case_events ORDER BY id") == [
        ("citizen", "filed"), ("officer:1", "accept")]


async def test_an_officer_on_line_and_a_line_group_serve_a_citizen_on_telegram(
        service: Service, emulator: TelegramEmulator, line: LineEmulator) -> None:
    officer_id, group = "U" + "7" * 32, "C" + "8" * 32
    officer = LineCitizen(line, officer_id)
    await officer.follow()
    assert (await officer.say(await invite(service, "works")))[0].startswith(
        "ลงทะเบียนเป็นเจ้าหน้าที่ของกองช่าง")
    _, status = await line.send(officer_id, text=await invite(service, "works", "group"),
                                group=group)
    (bound,) = await line.wait_for(group, 1)
    assert bound["text"] == "กลุ่มนี้จะได้รับแจ้งเรื่องใหม่ของกองช่างค่ะ"

    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ถนนยุบเป็นแอ่งหน้าตลาดสด")
    alert = (await line.wait_for(officer_id, officer.seen + 1))[-1]
    assert alert["type"] == "flex" and alert["via"] == "push"
    assert alert["altText"].startswith("🆕 เรื่องใหม่ KS-2569-00001")
    in_group = (await line.wait_for(group, 2))[-1]
    accept = next(i["action"] for i in in_group["quickReply"]["items"]
                  if i["action"]["label"] == "✅ รับเรื่อง")
    await line.send(officer_id, postback=accept["data"], group=group)
    done = (await line.wait_for(group, 3))[-1]
    assert done["text"] == "บันทึกแล้วค่ะ เรื่อง KS-2569-00001 สถานะ: เจ้าหน้าที่รับเรื่องแล้ว"
    assert done["via"] == "reply"
    assert await next_texts(citizen, 1) == ["📌 เรื่อง KS-2569-00001: กองช่างรับเรื่องแล้วค่ะ"]


async def test_two_officers_in_one_group_do_not_answer_each_others_prompts(
        service: Service, emulator: TelegramEmulator) -> None:
    """One officer's half-done action is theirs alone; a colleague's chatter is not its reason."""
    group = -100200301
    await officer_on_telegram(service, emulator, WORKS_OFFICER)
    await officer_on_telegram(service, emulator, WORKS_HEAD, role="head")
    await emulator.send(group, text=await invite(service, "works", "group"), user_id=7777)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ทางหลวงชนบทเป็นหลุมลึก")
    alert = (await emulator.wait_for(group, 2))[-1]
    reject = next(b for row in alert["reply_markup"]["inline_keyboard"] for b in row
                  if b["text"] == "🚫 ไม่ใช่อำนาจหน้าที่")
    await emulator.send(group, callback_data=reject["callback_data"],
                        message_id=alert["message_id"], user_id=WORKS_OFFICER)
    await emulator.wait_for(group, 3)  # "why is it not our remit?"
    _, status = await emulator.send(group, text="ใครสั่งข้าวกลางวันบ้าง", user_id=WORKS_HEAD)
    assert status == 200
    await emulator.send(group, text="เป็นทางหลวงชนบท กรมทางหลวงชนบทดูแล",
                        user_id=WORKS_OFFICER)
    await emulator.wait_for(group, 4)  # "where should the citizen go?"
    await emulator.send(group, text="สำนักงานทางหลวงชนบทบุรีรัมย์", user_id=WORKS_OFFICER)
    (told,) = await next_texts(citizen, 1)
    assert "ใครสั่งข้าว" not in told
    assert told.startswith("เรื่อง KS-2569-00001: ไม่อยู่ในอำนาจหน้าที่ของเทศบาลค่ะ\n"
                           "เหตุผล: เป็นทางหลวงชนบท กรมทางหลวงชนบทดูแล")


async def test_looking_at_the_list_abandons_a_half_done_transfer(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ฝาท่อหายหน้าบ้านเลขที่ 3")
    await next_texts(works, 1)
    await works.press("🔀 โอนกอง")
    await works.press("กองคลัง")
    await works.say("/cases")
    (reply,) = await works.say("ขอดูรายละเอียดก่อนนะ")
    assert reply == "เมนูเจ้าหน้าที่ กองช่าง"  # just the menu: nothing was transferred
    assert rows(str(service.settings.database_path), "SELECT division FROM cases") == [
        ("works",)]


async def test_no_case_card_in_a_group_that_is_not_the_officers_division(
        service: Service, emulator: TelegramEmulator) -> None:
    await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ทางเท้าแตก ผู้สูงอายุหกล้ม")
    stranger_group = -100999
    await emulator.send(stranger_group, text="/cases", user_id=WORKS_OFFICER)
    (answer,) = await emulator.wait_for(stranger_group, 1)
    assert answer["text"] == "ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"


async def test_a_head_gets_the_report_with_its_chart_in_chat(
        service: Service, emulator: TelegramEmulator) -> None:
    head = await officer_on_telegram(service, emulator, WORKS_HEAD, role="head")
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "ถนนเป็นหลุมหน้าวัด")
    await next_texts(head, 1)
    await next_texts(works, 1)
    chart, text = await head.say("/report", expect=2)
    assert chart is None  # the chart, sent as a photo
    photo = emulator.messages(WORKS_HEAD)[-2]["photo_url"]
    assert photo is not None
    assert text.startswith("📊 รายงานเรื่องร้องเรียน เทศบาลตำบลกระสัง\n"
                           "1 ตุลาคม 2569 – 30 กันยายน 2570\n\nเรื่องทั้งหมด: 1 เรื่อง")
    assert await works.say("/report") == ["ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"]


async def test_two_cases_asking_at_once_queue_and_a_walk_away_declines(
        service: Service, emulator: TelegramEmulator) -> None:
    works = await officer_on_telegram(service, emulator, WORKS_OFFICER)
    citizen = TelegramCitizen(emulator, CITIZEN)
    await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", "หลุมบนถนนสายหลัก หน้าตลาด")
    await file_on_telegram(citizen, "ไฟฟ้าส่องสว่างดับ", "ไฟถนนดับหน้าโรงเรียนอนุบาล")
    await next_texts(works, 2)
    await works.say("KS-2569-00001")
    await works.press("❓ ถามผู้ร้อง")
    await works.say("หลุมกว้างประมาณเท่าไรคะ")
    await works.say("KS-2569-00002")
    await works.press("✅ รับเรื่อง")
    await works.press("🏁 แก้ไขเสร็จ")
    await works.say("เปลี่ยนหลอดไฟแล้ว")
    await works.press("ข้าม")
    await next_texts(citizen, 3)  # the question, "accepted", and "resolved: is it fixed?"
    # The answer goes to the first case; then the second case's question comes back.
    answered, again = (await citizen.say("กว้างประมาณหนึ่งเมตรค่ะ"))[0].split("\n\n", 1)
    assert answered == "ส่งคำตอบให้เจ้าหน้าที่แล้วค่ะ ขอบคุณค่ะ"
    assert again.startswith("✅ เรื่อง KS-2569-00002: กองช่างแจ้งว่าแก้ไขเรียบร้อยแล้วค่ะ")
    assert (await next_texts(works, 1))[0].startswith("💬 ผู้ร้องตอบเรื่อง KS-2569-00001:")
    await citizen.press("👍 ใช่ เรียบร้อยแล้ว")
    db = str(service.settings.database_path)
    assert rows(db, "SELECT reference, status, awaiting FROM cases ORDER BY id") == [
        ("KS-2569-00001", "new", None), ("KS-2569-00002", "closed", None)]

    # Asked again, the citizen walks away with /start: the officer is told, clocks run.
    await works.say("KS-2569-00001")
    await works.press("❓ ถามผู้ร้อง")
    await works.say("ยังอยู่ที่เดิมไหมคะ")
    await next_texts(citizen, 1)
    assert rows(db, "SELECT paused_on IS NOT NULL FROM cases WHERE id = 1") == [(1,)]
    (menu,) = await citizen.say("/start")
    assert menu.startswith("สวัสดีค่ะ")
    assert await next_texts(works, 1) == [
        "ผู้ร้องไม่ตอบคำถามเรื่อง KS-2569-00001 ค่ะ นับเวลาต่อแล้ว"]
    assert rows(db, "SELECT awaiting, paused_on FROM cases WHERE id = 1") == [(None, None)]
