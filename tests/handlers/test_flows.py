"""The flows on neutral types alone: no platform, no network; the real engine and SQLite."""
from __future__ import annotations

import pytest

from handlers.engine import Engine
from handlers.flows import grievance
from handlers.turn import Services
from storage.db import Database
from tests.support import Citizen

DESCRIPTION = "ถนนหน้าบ้านเลขที่ 12 เป็นหลุมลึก รถจักรยานยนต์ล้มบ่อย"


async def to_description(citizen: Citizen) -> None:
    """A road grievance as far as the description question."""
    await citizen.text("/start")
    await citizen.press("menu:file")
    await citizen.press("cat:road")


async def to_location(citizen: Citizen) -> None:
    await to_description(citizen)
    await citizen.text(DESCRIPTION)


async def to_summary(citizen: Citizen) -> None:
    await to_location(citizen)
    await citizen.press("skip")
    await citizen.press("skip")
    await citizen.press("skip")
    assert citizen.last[-1].text.startswith("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ")


async def count(db: Database, table: str) -> int:
    (row,) = await db.fetchall(f"SELECT COUNT(*) FROM {table}")
    return row[0]


async def test_anything_first_gets_the_menu(engine: Engine) -> None:
    citizen = Citizen(engine)
    (reply,) = await citizen.text("สวัสดี")
    assert reply.text.startswith("สวัสดีค่ะ ยินดีต้อนรับ")
    assert [c.value for c in reply.choices] == [
        "menu:file", "menu:misconduct", "menu:status", "menu:contact", "menu:language"]


async def test_english_from_language_code_and_from_the_menu(engine: Engine) -> None:
    english = Citizen(engine, chat_id="1", language="en-GB")
    assert (await english.text("/start"))[0].text.startswith("Hello, this is")
    thai = Citizen(engine, chat_id="2", language=None)
    await thai.text("/start")
    (reply,) = await thai.press("menu:language")
    assert reply.text.startswith("Hello, this is")
    assert reply.choices[-1].label == "🌐 ภาษาไทย"


async def test_contact_gives_phone_hours_website_and_facebook(engine: Engine) -> None:
    citizen = Citizen(engine)
    await citizen.text("/start")
    (reply,) = await citizen.press("menu:contact")
    for fact in ("044-691508", "08:30–16:30", "จันทร์–ศุกร์", "kscity.go.th", "KRASANGKSM"):
        assert fact in reply.text


@pytest.mark.parametrize("text, answer", [
    ("x" * 9, "ข้อความสั้นเกินไปค่ะ"),
    ("ก" * 2001, "ข้อความยาวเกินไปค่ะ (2001 ตัวอักษร)"),
    ("   ", "กรุณาเล่ารายละเอียดของปัญหาค่ะ"),
])
async def test_description_outside_10_to_2000_characters_is_refused(
        engine: Engine, text: str, answer: str) -> None:
    citizen = Citizen(engine)
    await to_description(citizen)
    (reply,) = await citizen.text(text)
    assert reply.text.startswith(answer)
    assert (await citizen.text("x" * 10))[0].text.startswith("เกิดเหตุที่ไหนคะ")


@pytest.mark.parametrize("kind", ["sticker", "voice", "video", "document"])
async def test_unexpected_input_gets_the_steps_question_again(engine: Engine, kind: str) -> None:
    citizen = Citizen(engine)
    await to_location(citizen)
    (reply,) = await citizen.send(other=kind)
    assert reply.text == ("ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้ค่ะ\n\n"
                          "เกิดเหตุที่ไหนคะ กดปุ่มส่งตำแหน่ง พิมพ์ที่อยู่หรือจุดสังเกต หรือกด ข้าม")
    assert reply.request == "location"


async def test_a_photo_where_text_is_expected_is_asked_again(engine: Engine) -> None:
    citizen = Citizen(engine)
    await to_description(citizen)
    (reply,) = await citizen.photo("ab" * 32)
    assert reply.text.startswith("กรุณาเล่ารายละเอียด")


@pytest.mark.parametrize("steps", range(0, 7))
async def test_cancel_works_at_every_step(engine: Engine, db: Database, steps: int) -> None:
    citizen = Citizen(engine)
    script = [lambda: citizen.text("/start"), lambda: citizen.press("menu:file"),
              lambda: citizen.press("cat:road"), lambda: citizen.text(DESCRIPTION),
              lambda: citizen.press("skip"), lambda: citizen.press("skip"),
              lambda: citizen.press("skip")]
    for action in script[:steps + 1]:
        await action()
    replies = await citizen.text("/cancel")
    assert "สวัสดีค่ะ ยินดีต้อนรับ" in replies[-1].text
    assert replies[-1].choices[0].value == "menu:file"
    # Inside the flow the citizen is told it was cancelled; at the menu there is nothing to cancel.
    assert ("ยกเลิกแล้วค่ะ" in citizen.said) == (steps >= 1)
    assert await count(db, "cases") == 0


async def test_the_cancel_button_and_the_word_cancel_work_too(engine: Engine, db: Database) -> None:
    citizen = Citizen(engine)
    await to_summary(citizen)
    assert (await citizen.press("cancel"))[-1].text.startswith("ยกเลิกแล้วค่ะ")
    await to_summary(citizen)
    assert (await citizen.text("ยกเลิก"))[-1].text.startswith("ยกเลิกแล้วค่ะ")
    assert await count(db, "cases") == 0


async def test_start_restarts_from_anywhere(engine: Engine) -> None:
    citizen = Citizen(engine)
    await to_summary(citizen)
    (reply,) = await citizen.text("/start")
    assert reply.text.startswith("สวัสดีค่ะ")
    (reply,) = await citizen.press("menu:file")
    assert reply.text == "เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"


async def test_a_button_from_an_earlier_question_is_refused_politely(engine: Engine) -> None:
    citizen = Citizen(engine)
    await to_description(citizen)
    (reply,) = await citizen.send(choice="cat:light")  # pressed on the old category message
    assert reply.text == ("ปุ่มนี้เป็นของคำถามก่อนหน้าค่ะ\n\n"
                          "กรุณาเล่ารายละเอียดของปัญหาค่ะ (อย่างน้อย 10 ตัวอักษร)")


async def test_typing_a_buttons_label_counts_as_pressing_it(engine: Engine) -> None:
    citizen = Citizen(engine)
    await to_location(citizen)
    (reply,) = await citizen.text("ข้าม")
    assert reply.text.startswith("มีรูปถ่ายประกอบไหมคะ")


async def test_edit_a_field_from_the_summary_and_come_back(engine: Engine, db: Database) -> None:
    citizen = Citizen(engine)
    await to_summary(citizen)
    await citizen.press("edit")
    (reply,) = await citizen.press("field:description")
    assert reply.text.startswith("กรุณาเล่ารายละเอียด")
    saved, reply = await citizen.text("ไฟถนนดับทั้งซอย มืดมากตอนกลางคืน")
    assert saved.text == "แก้ไขแล้วค่ะ"
    assert reply.text.startswith("กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ")
    assert reply.card is not None and reply.card.as_text() == reply.text
    assert "รายละเอียด: ไฟถนนดับทั้งซอย มืดมากตอนกลางคืน" in reply.text
    await citizen.press("edit")
    await citizen.press("field:category")
    _, reply = await citizen.press("cat:light")
    assert "หมวด: ไฟฟ้าส่องสว่างดับ" in reply.text
    await citizen.press("confirm")
    (row,) = await db.fetchall("SELECT category, division, description FROM cases")
    assert tuple(row) == ("light", "works", "ไฟถนนดับทั้งซอย มืดมากตอนกลางคืน")


async def test_up_to_five_photos_then_the_flow_moves_on(engine: Engine, db: Database) -> None:
    citizen = Citizen(engine)
    await citizen.text("/start")
    await citizen.press("menu:file")
    await citizen.press("cat:garbage")
    await citizen.text(DESCRIPTION)
    await citizen.text("ตลาดสดเทศบาล")
    for n in range(1, 5):
        (reply,) = await citizen.photo(f"{n:064x}")
        assert reply.text.startswith(f"ได้รับรูปที่ {n} แล้วค่ะ ส่งเพิ่มได้อีก {5 - n} รูป")
    (reply,) = await citizen.photo(f"{5:064x}")
    assert reply.text.startswith("ได้รับครบ 5 รูปแล้วค่ะ\n\nขอเบอร์โทรสำหรับติดต่อกลับ")
    await citizen.press("skip")
    await citizen.press("confirm")
    rows = await db.fetchall("SELECT position, sha256 FROM case_photos ORDER BY position")
    assert [tuple(r) for r in rows] == [(n, f"{n:064x}") for n in range(1, 6)]


@pytest.mark.parametrize("raw, stored", [
    ("081-234-5678", "0812345678"), ("+66 81 234 5678", "0812345678"),
    ("๐๔๔๖๙๑๕๐๘", "044691508"), ("66812345678", "0812345678"),
])
def test_phone_numbers_are_normalized(raw: str, stored: str) -> None:
    assert grievance.normalize_phone(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "08123456789012", "call me", "+1 555 0100"])
async def test_an_invalid_phone_is_asked_again(engine: Engine, raw: str) -> None:
    citizen = Citizen(engine)
    await to_location(citizen)
    await citizen.press("skip")
    await citizen.press("skip")
    (reply,) = await citizen.text(raw)
    assert reply.text.startswith("เบอร์โทรไม่ถูกต้องค่ะ")
    assert reply.request == "contact"


async def test_a_restart_mid_flow_continues_at_the_same_step(services: Services,
                                                            tmp_path) -> None:
    path = tmp_path / "restart.db"
    first = await Database.open(path)
    citizen = Citizen(Engine(first, services))
    await citizen.text("/start")
    await citizen.press("menu:file")
    await citizen.press("cat:flood")
    await citizen.text(DESCRIPTION)
    await first.close()

    second = await Database.open(path)  # a new process on the same file
    try:
        again = Citizen(Engine(second, services), chat_id=citizen.chat_id)
        (reply,) = await again.text("หน้าโรงเรียนบ้านกระสัง")
        assert reply.text.startswith("มีรูปถ่ายประกอบไหมคะ")
        await again.press("skip")
        await again.press("skip")
        await again.press("confirm")
        (row,) = await second.fetchall("SELECT category, description, location_text FROM cases")
        assert tuple(row) == ("flood", DESCRIPTION, "หน้าโรงเรียนบ้านกระสัง")
    finally:
        await second.close()


async def test_the_same_update_twice_files_one_case_and_acknowledges_once(
        engine: Engine, db: Database) -> None:
    citizen = Citizen(engine)
    await to_summary(citizen)
    first = await citizen.send(update_key="confirm-1", choice="confirm")
    second = await citizen.send(update_key="confirm-1", choice="confirm")
    assert "KS-2569-00001" in first[0].text
    assert second == []
    assert await count(db, "cases") == 1
    (row,) = await db.fetchall("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%KS-2569-00001%'")
    assert row[0] == 1


async def test_references_count_up_within_a_year(engine: Engine) -> None:
    for n in range(1, 4):
        citizen = Citizen(engine, chat_id=f"c{n}")
        await to_summary(citizen)
        (reply,) = await citizen.press("confirm")
        assert f"KS-2569-{n:05d}" in reply.text


async def test_a_bug_in_a_step_apologizes_keeps_state_and_is_not_retried(
        engine: Engine, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken step must not crash the webhook nor loop on redelivery; the draft stays."""
    citizen = Citizen(engine)
    await to_summary(citizen)

    async def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(grievance, "file_grievance", broken)
    (reply,) = await citizen.send(update_key="boom", choice="confirm")
    assert reply.text.startswith("ขออภัยค่ะ ระบบขัดข้องชั่วคราว")
    assert await citizen.send(update_key="boom", choice="confirm") == []  # redelivered: no-op
    monkeypatch.undo()
    (reply,) = await citizen.send(choice="confirm")  # the summary's buttons still work
    assert "KS-2569-00001" in reply.text


@pytest.mark.parametrize("payload", ["more:²", "more:-1", "more:999999", "more:", "more:x"])
async def test_forged_page_payloads_get_the_question_again(engine: Engine, payload: str) -> None:
    citizen = Citizen(engine)
    await citizen.text("/start")
    await citizen.press("menu:file")
    (reply,) = await citizen.send(choice=payload)
    assert reply.text == "เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"


@pytest.mark.parametrize("lat, lon", [(999.0, 103.3), (14.9, -1e308), (float("nan"), 0.0)])
async def test_an_impossible_location_is_refused(engine: Engine, lat: float, lon: float) -> None:
    citizen = Citizen(engine)
    await to_location(citizen)
    (reply,) = await citizen.location(lat, lon)
    assert reply.text.startswith("ตำแหน่งนี้ไม่ถูกต้องค่ะ\n\nเกิดเหตุที่ไหนคะ")


async def test_a_description_of_emoji_alone_asks_for_words(engine: Engine) -> None:
    citizen = Citizen(engine)
    await to_description(citizen)
    (reply,) = await citizen.text("😡" * 12)
    assert reply.text == "กรุณาเล่าเป็นข้อความค่ะ ว่าเกิดอะไรขึ้นที่ไหน"


async def test_phone_numbers_are_erased_after_the_retention_period(
        engine: Engine, db: Database, clock) -> None:
    citizen = Citizen(engine)
    await to_location(citizen)
    await citizen.press("skip")
    await citizen.press("skip")
    await citizen.text("0812345678")
    await citizen.press("confirm")
    async with db.transaction() as tx:  # the case ends (rejected) today
        await tx.execute("UPDATE cases SET status = 'rejected'")
    clock.advance(days=364)
    assert await engine.forget_phones() == 0
    clock.advance(days=2)
    assert await engine.forget_phones() == 1
    (row,) = await db.fetchall("SELECT phone FROM cases")
    assert row[0] is None
