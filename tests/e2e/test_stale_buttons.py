"""Buttons pressed too late: on a question the conversation has left, or an officer's action on
a case whose status has changed since the button was sent. The answer says the button no
longer applies, and nothing changes."""
from __future__ import annotations

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.e2e.test_officers import buttons, next_texts, officer_on_telegram
from tests.support import LineCitizen, TelegramCitizen, file_on_telegram, rows

STALE = "ปุ่มนี้เป็นของคำถามก่อนหน้าค่ะ"


def button(emulator: TelegramEmulator, chat_id: int, label: str) -> tuple[int, str]:
    """The newest message in the chat with an inline button ``label``: (message id, data)."""
    for message in reversed(emulator.messages(chat_id)):
        for row in (message["reply_markup"] or {}).get("inline_keyboard", []):
            for b in row:
                if b["text"] == label:
                    return message["message_id"], b["callback_data"]
    raise AssertionError(f"no button {label!r}")


async def press_old(emulator: TelegramEmulator, person: TelegramCitizen, message_id: int,
                    data: str) -> str:
    _, status = await emulator.send(person.chat_id, callback_data=data, message_id=message_id)
    assert status == 200
    (answer,) = await next_texts(person, 1)
    return answer


async def test_a_citizens_old_confirm_button_files_no_second_case(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, 6001)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    old_category = button(emulator, citizen.chat_id, "ไฟฟ้าส่องสว่างดับ")
    await citizen.press("ถนน ทางเท้าชำรุด")
    db = str(service.settings.database_path)
    before = rows(db, "SELECT step, data FROM conversations")
    answer = await press_old(emulator, citizen, *old_category)
    assert answer.startswith(STALE) and "กรุณาเล่ารายละเอียด" in answer  # asked again
    assert rows(db, "SELECT step, data FROM conversations") == before

    await citizen.say("ถนนแตกเป็นแนวยาวหน้าโรงเรียน")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม", expect=2)
    old_confirm = button(emulator, citizen.chat_id, "✅ ยืนยันส่งเรื่อง")
    (ack,) = await citizen.press("✅ ยืนยันส่งเรื่อง")
    assert "KS-2569-00001" in ack
    answer = await press_old(emulator, citizen, *old_confirm)
    assert answer.startswith(STALE)
    assert rows(db, "SELECT reference, category FROM cases") == [("KS-2569-00001", "road")]


async def test_a_line_postback_from_an_earlier_question_changes_nothing(
        service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, "U" + "8" * 32)
    await citizen.follow()
    await citizen.press("📝 ร้องเรียน")
    old = next(a for a in citizen.quick_replies() if a.get("label") == "ขยะ ความสะอาด")
    await citizen.press("ถนน ทางเท้าชำรุด")
    db = str(service.settings.database_path)
    before = rows(db, "SELECT step, data FROM conversations")
    (answer,) = await citizen._act(1, postback=old["data"], display_text=old["displayText"])
    assert answer.startswith(STALE)
    assert rows(db, "SELECT step, data FROM conversations") == before


async def test_an_officers_button_on_a_case_another_officer_moved_is_refused(
        service: Service, emulator: TelegramEmulator) -> None:
    first = await officer_on_telegram(service, emulator, 2101)
    second = await officer_on_telegram(service, emulator, 2102)
    await file_on_telegram(TelegramCitizen(emulator, 6002), "ถนน ทางเท้าชำรุด",
                           "ท่อระบายน้ำแตก น้ำท่วมถนน")
    await next_texts(first, 1)
    await next_texts(second, 1)
    old_accept = button(emulator, second.chat_id, "✅ รับเรื่อง")
    old_reject = button(emulator, second.chat_id, "🚫 ไม่ใช่อำนาจหน้าที่")
    await first.press("✅ รับเรื่อง")
    await first.press("🔧 เริ่มดำเนินการ")
    db = str(service.settings.database_path)
    before = rows(db, "SELECT status, assigned_to, division FROM cases")
    events = rows(db, "SELECT COUNT(*) FROM case_events")
    not_now = 'เรื่อง KS-2569-00001 อยู่ในสถานะ "กำลังดำเนินการ" แล้ว ทำรายการนี้ไม่ได้ค่ะ'
    assert await press_old(emulator, second, *old_accept) == not_now
    assert "🏁 แก้ไขเสร็จ" in buttons(second)  # what may happen now, instead
    assert await press_old(emulator, second, *old_reject) == not_now
    assert rows(db, "SELECT status, assigned_to, division FROM cases") == before
    assert rows(db, "SELECT COUNT(*) FROM case_events") == events
    assert before[0][0] == "in_progress"
