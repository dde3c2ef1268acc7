"""Deadlines kept by the scheduler, with a clock the test controls: reminders before,
escalations at and after, each sent once (even across a restart), none outside office
hours; the clock stopped while the case waits on its citizen; a new expected date."""
from __future__ import annotations

import json

import pytest

from handlers.engine import Engine
from handlers.turn import Services
from storage import officers
from storage.db import Database
from tests.support import Citizen, FakeClock, bangkok, grievance_to_summary

# Filed Monday 30 Nov 2026 at 10:00: received that day; to be taken (acknowledged) by
# Tue 1 Dec; result due Wed 23 Dec (15 working days; Mon 7 and Thu 10 Dec are holidays).
WORKER, HEAD, CENTRE = "w1", "w2", "c1"


async def bind(db: Database, chat: str, division: str, role: str) -> None:
    async with db.transaction() as tx:
        await officers.bind(tx, "telegram", chat, chat, division, role, "2026-11-01T00:00:00")


async def sent_to(db: Database, chat: str) -> list[str]:
    rows = await db.fetchall("SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (chat,))
    return [json.loads(r[0])["text"] for r in rows]


@pytest.fixture
async def filed(engine: Engine, db: Database) -> Citizen:
    for chat, division, role in ((WORKER, "works", "officer"), (HEAD, "works", "head"),
                                 (CENTRE, "planning", "centre")):
        await bind(db, chat, division, role)
    citizen = Citizen(engine, chat_id="1001")
    await grievance_to_summary(citizen)
    await citizen.press("confirm")
    return citizen


async def at(engine: Engine, clock: FakeClock, *when: int) -> int:
    clock.now = bangkok(*when)
    return await engine.remind()


async def test_a_case_nobody_takes_goes_to_the_head_then_the_centre(
        filed: Citizen, engine: Engine, db: Database, clock: FakeClock) -> None:
    assert await at(engine, clock, 2026, 12, 1, 16, 0) == 0  # the ack deadline day itself
    assert await at(engine, clock, 2026, 12, 2, 9, 0) == 1  # passed: the head is told
    assert (await sent_to(db, HEAD))[-1] == (
        "🔺 เรื่อง KS-2569-00001 ของกองช่าง ยังไม่มีผู้รับเรื่อง (กำหนดรับวันอังคารที่ 1 ธันวาคม 2569)")
    assert await at(engine, clock, 2026, 12, 3, 9, 0) == 0
    assert await at(engine, clock, 2026, 12, 4, 9, 0) == 1  # 3 working days later: the centre
    assert (await sent_to(db, CENTRE)) == [
        "🔺 เรื่อง KS-2569-00001 ของกองช่าง ยังไม่มีผู้รับเรื่อง (กำหนดรับวันอังคารที่ 1 ธันวาคม 2569)"]


async def test_reminder_before_escalations_after_each_once_and_only_in_office_hours(
        filed: Citizen, engine: Engine, db: Database, clock: FakeClock,
        services: Services, tmp_path) -> None:
    officer = Citizen(engine, chat_id=WORKER)
    await officer.send(choice="o:accept:KS-2569-00001")  # the worker takes it: assigned
    before = len(await sent_to(db, WORKER))

    assert await at(engine, clock, 2026, 12, 18, 10, 0) == 0  # 3 working days before
    assert await at(engine, clock, 2026, 12, 21, 10, 0) == 1  # 2 working days before
    assert (await sent_to(db, WORKER))[before:] == [
        "⏳ เรื่อง KS-2569-00001 ต้องแจ้งผลภายในวันพุธที่ 23 ธันวาคม 2569 (อีก 2 วันทำการ)"]
    assert await at(engine, clock, 2026, 12, 22, 10, 0) == 0  # never twice
    assert await at(engine, clock, 2026, 12, 24, 20, 0) == 0  # passed, but the office is shut
    assert await at(engine, clock, 2026, 12, 26, 10, 0) == 0  # Saturday
    assert await at(engine, clock, 2026, 12, 24, 8, 30) == 1  # opening time: the head
    assert (await sent_to(db, HEAD))[-1] == (
        "🔺 เรื่อง KS-2569-00001 ของกองช่าง เลยกำหนดแจ้งผลวันพุธที่ 23 ธันวาคม 2569แล้วค่ะ")

    restarted = Engine(await Database.open(tmp_path / "rongrian.db"), services)
    try:
        assert await at(restarted, clock, 2026, 12, 25, 10, 0) == 0  # a restart repeats none
        assert await at(restarted, clock, 2026, 12, 28, 10, 0) == 1  # +3 working days: centre
    finally:
        await restarted.db.close()
    assert (await sent_to(db, CENTRE))[-1] == (
        "🔴 เรื่อง KS-2569-00001 ของกองช่าง เลยกำหนดวันพุธที่ 23 ธันวาคม 2569มาแล้ว 3 วันทำการค่ะ")


async def test_the_clock_stops_while_the_case_waits_on_its_citizen(
        filed: Citizen, engine: Engine, db: Database, clock: FakeClock) -> None:
    officer = Citizen(engine, chat_id=WORKER)
    await officer.send(choice="o:accept:KS-2569-00001")
    clock.now = bangkok(2026, 12, 14, 10, 0)
    await officer.send(choice="o:ask:KS-2569-00001")
    await officer.text("หลุมอยู่ฝั่งไหนของถนนคะ")
    assert await at(engine, clock, 2026, 12, 21, 10, 0) == 0  # paused: no reminder
    clock.now = bangkok(2026, 12, 22, 11, 0)  # answered 6 working days later
    await filed.text("ฝั่งขาเข้าตลาดค่ะ")
    (row,) = await db.fetchall("SELECT due_on, paused_on FROM cases")
    # Dec 15, 16, 17, 18, 21, 22 waited: the result is now due 6 working days after Dec 23.
    assert tuple(row) == ("2027-01-04", None)


async def test_a_new_expected_date_tells_the_citizen_and_runs_its_own_clock(
        filed: Citizen, engine: Engine, db: Database, clock: FakeClock) -> None:
    officer = Citizen(engine, chat_id=WORKER)
    await officer.send(choice="o:accept:KS-2569-00001")
    await officer.send(choice="o:postpone:KS-2569-00001")
    (reply,) = await officer.text("31/02/2570")
    assert reply.text.startswith("วันที่ไม่ถูกต้อง หรือไม่ใช่วันในอนาคตค่ะ")
    await officer.text("15/01/2570")
    await officer.text("รอวัสดุยางมะตอยจากจังหวัด")
    assert (await sent_to(db, "1001"))[-1] == (
        "📅 เรื่อง KS-2569-00001: กองช่างขอเลื่อนกำหนดแจ้งผลเป็นวันศุกร์ที่ 15 มกราคม 2570ค่ะ\n"
        "เหตุผล: รอวัสดุยางมะตอยจากจังหวัด")
    assert await at(engine, clock, 2026, 12, 24, 9, 0) == 0  # the old date no longer counts
    assert await at(engine, clock, 2027, 1, 13, 9, 0) == 1  # 2 working days before Jan 15


async def test_a_misconduct_report_owes_progress_within_five_working_days(
        engine: Engine, db: Database, clock: FakeClock) -> None:
    """Plan 2.5.3 step 6.4. Received Mon 30 Nov: progress due Tue 8 Dec (Mon 7 is off)."""
    await bind(db, WORKER, "clerk", "integrity")  # the report handlers of kra_sang.toml
    await bind(db, "2002", "works", "head")  # the division the report is about: never told
    async with db.transaction() as tx:
        await tx.insert(
            "INSERT INTO cases (reference, kind, anonymous, category, division, description, "
            "status, platform, chat_id, user_id, lang, created_at, received_on, due_on, "
            "ack_due_on, named_division, route) VALUES ('KS-R-ABCDEF', 'misconduct', 1, "
            "'misconduct', 'misconduct', 'x', 'accepted', '', '', '', '', "
            "'2026-11-29T17:00:00+00:00', '2026-11-30', '2026-12-23', '2026-12-01', 'works', "
            "'integrity')")
    assert await at(engine, clock, 2026, 12, 2, 10, 0) == 0
    assert await at(engine, clock, 2026, 12, 3, 10, 0) == 1  # 2 working days before: Fri 4, Thu 3
    assert (await sent_to(db, WORKER))[-1] == (
        "🛡️ เรื่องแจ้งเบาะแส KS-R-ABCDEF ต้องแจ้งความคืบหน้าแก่ผู้แจ้งภายใน"
        "วันอังคารที่ 8 ธันวาคม 2569ค่ะ")
    # Past the deadline, the escalation goes to the handlers again, never to the division
    # the report is about nor to its head.
    assert await at(engine, clock, 2026, 12, 9, 10, 0) == 1
    assert (await sent_to(db, WORKER))[-1] == (
        "🔺 เรื่องแจ้งเบาะแส KS-R-ABCDEF เลยกำหนดแจ้งความคืบหน้าแก่ผู้แจ้ง "
        "(วันอังคารที่ 8 ธันวาคม 2569) แล้วค่ะ")
    assert await sent_to(db, "2002") == []
