"""Misconduct reports through the real engine and SQLite: the anonymous path and its receipt
code, following up with the code, routing away from the division named, notices for a
reporter who opted in, a named report, a restart mid-report, and erasure after retention."""
from __future__ import annotations

import collections
import json
import re
import time

import pytest

from handlers import receipts
from handlers.engine import Engine
from handlers.turn import Services
from storage import officers
from storage.db import Database
from storage.seal import Sealer
from tests.support import Citizen, FakeClock, bangkok, rows

REPORTER = "8080"
INTEGRITY, CLERK_HEAD, CENTRE_HEAD, WORKS = "i1", "h1", "h2", "w1"
WHAT = "เจ้าหน้าที่เรียกเงินค่าดำเนินการขออนุญาตก่อสร้างเกินอัตรา"
WHEN = "ต้นเดือนพฤศจิกายน ที่ห้องกองช่าง"


async def bind(db: Database, chat: str, division: str, role: str) -> None:
    async with db.transaction() as tx:
        await officers.bind(tx, "telegram", chat, chat, division, role, "2026-11-01T00:00:00")


@pytest.fixture
async def staff(db: Database) -> None:
    for chat, division, role in ((INTEGRITY, "clerk", "integrity"), (CLERK_HEAD, "clerk", "head"),
                                 (CENTRE_HEAD, "planning", "head"), (WORKS, "works", "officer")):
        await bind(db, chat, division, role)


SEALER = Sealer(bytes(range(32)))  # tests/conftest.py's key


async def texts_to(db: Database, chat: str) -> list[str]:
    """What is queued for ``chat``: in clear, in order; then what is sealed for it (about an
    anonymous report: each on a lane of its own, so in no particular order)."""
    found = await db.fetchall("SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (chat,))
    sealed = [SEALER.open(blob) for (blob,) in await db.fetchall(
        "SELECT sealed FROM outbox WHERE sealed IS NOT NULL")]
    return [json.loads(r[0])["text"] for r in found] + sorted(
        json.loads(m["payload"])["text"] for m in sealed if m["chat_id"] == chat)


async def report(citizen: Citizen, division: str = "works", *, mode: str = "anonymous",
                 what: str = WHAT) -> str:
    """File a report; return the receipt code (anonymous) or the reference (named)."""
    await citizen.text("/start")
    await citizen.press("menu:misconduct")
    await citizen.press(mode)
    await citizen.press(f"div:{division}")
    await citizen.text(what)
    await citizen.text(WHEN)
    await citizen.press("skip")
    await citizen.press("told:no")
    (ack,) = await citizen.press("confirm")
    if mode == "named":
        return re.search(r"KS-\d{4}-\d{5}", ack.text).group(0)
    return re.search(r"\d{4} \d{4} \d{4} \d{4}", ack.text).group(0).replace(" ", "")


async def reported(citizen: Citizen, division: str = "works") -> str:
    """File an anonymous report, keep the receipt and decline notices (the reporter is back
    at the menu); return the receipt code."""
    code = await report(citizen, division)
    await citizen.press("saved")
    await citizen.press("notify:no")
    return code


def sealed(services: Services, db_path: str) -> list[dict]:
    """The messages waiting for anonymous reporters, opened with the service's key."""
    blobs = rows(db_path, "SELECT sealed FROM outbox WHERE sealed IS NOT NULL ORDER BY id")
    return [services.sealer.open(b) for (b,) in blobs]


async def test_an_anonymous_report_keeps_nothing_of_its_reporter(
        engine: Engine, db: Database, staff: None, services: Services) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    await citizen.text("/start")
    (intro,) = await citizen.press("menu:misconduct")
    assert intro.text.splitlines()[1].startswith("🔒 แบบไม่ระบุตัวตน")
    assert "Telegram ยังรู้" in intro.text
    assert citizen.buttons() == ["🕶️ ไม่ระบุตัวตน", "🙋 ระบุชื่อ", "🔑 มีรหัสรับแจ้งแล้ว", "❌ ยกเลิก"]
    (division,) = await citizen.press("anonymous")
    assert division.text.startswith("ร่างนี้อยู่ในหน่วยความจำเท่านั้น")
    assert "❔ ไม่ทราบ" in citizen.buttons()
    await citizen.press("div:works")
    (short,) = await citizen.text("เรียกเงิน")
    assert short.text.startswith("ข้อความสั้นเกินไปค่ะ")
    await citizen.text(WHAT)
    await citizen.text(WHEN)
    (waiting,) = await citizen.sticker()
    assert waiting.text.startswith("ขออภัยค่ะ ระบบยังรับข้อความประเภทนี้ไม่ได้ค่ะ")
    await citizen.press("skip")
    (summary,) = await citizen.press("told:no")
    assert "รูปแบบ: 🕶️ ไม่ระบุตัวตน" in summary.text and "กองที่เกี่ยวข้อง: กองช่าง" in summary.text
    (receipt,) = await citizen.press("confirm")
    code = re.search(r"รหัสรับแจ้ง: (\d{4} \d{4} \d{4} \d{4})", receipt.text).group(1)
    assert receipt.remember and "เมื่อกด บันทึกแล้ว ข้อความนี้จะถูกลบค่ะ" in receipt.text

    path = db.path
    (case,) = rows(path, "SELECT reference, kind, anonymous, platform, chat_id, user_id, lang, "
                         "created_at, named_division, route, description, receipt_hash FROM cases")
    assert re.fullmatch(r"KS-R-[A-HJ-NP-Z2-9]{6}", case[0])
    assert case[1:10] == ("misconduct", 1, "", "", "", "", "2026-11-29T17:00:00+00:00",
                          "works", "integrity")  # midnight of the day, Thai time
    assert case[10] == WHAT and case[11] == receipts.digest(
        code.replace(" ", ""), bytes(rows(path, "SELECT value FROM meta")[0][0]))
    assert rows(path, "SELECT at FROM case_events") == [("2026-11-29T17:00:00+00:00",)]
    # The chat is in memory: no conversation row, no plain outbox row, no dedup timing.
    assert rows(path, "SELECT COUNT(*) FROM conversations WHERE chat_id = ?", (REPORTER,)) == [(0,)]
    assert rows(path, "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (REPORTER,)) == [(0,)]
    assert {m["chat_id"] for m in sealed(services, path)} == {REPORTER, INTEGRITY}
    # The alert went to the integrity officer only: not the works division, not a head.
    (alert,) = await texts_to(db, INTEGRITY)
    assert alert.startswith(f"🛡️ เรื่องแจ้งเบาะแสใหม่ {case[0]}")
    assert "ผู้แจ้ง: ไม่ระบุตัวตน" in alert and "กองที่ถูกแจ้ง: กองช่าง" in alert
    assert "แจ้งความคืบหน้าภายใน: 8 ธ.ค. 2569" in alert  # 5 working days; Mon 7 Dec is off
    for chat in (WORKS, CLERK_HEAD, CENTRE_HEAD):
        assert await texts_to(db, chat) == []
    # It leaves 5 to 30 minutes later, at random, sealed and dated by day: neither its
    # arrival nor its row dates the report.
    (not_before, created_at), = rows(path, "SELECT not_before, created_at FROM outbox "
                                           "WHERE not_before > 0")
    assert time.time() + 5 * 60 - 60 <= not_before <= time.time() + 30 * 60
    assert created_at == "2026-11-29T17:00:00+00:00"
    assert not any(case[0] in payload for (payload,) in rows(path, "SELECT payload FROM outbox"))
    assert all(i < 0 for (i,) in rows(path, "SELECT id FROM outbox WHERE sealed IS NOT NULL"))
    # Nor do its row ids: the case and its events sit in a random range below zero.
    (case_id, event_id), = rows(path, "SELECT c.id, e.id FROM cases c JOIN case_events e "
                                      "ON e.case_id = c.id")
    assert case_id < 0 and case_id < event_id < case_id + (1 << 20)

    (notify,) = await citizen.press("saved")
    assert notify.delete == (receipt.remember,)  # the message with the code is deleted
    assert notify.text.startswith("ต้องการรับแจ้งเตือนเมื่อมีความคืบหน้าไหมคะ")
    (menu,) = await citizen.press("notify:no")
    assert menu.text.startswith("รับทราบค่ะ ตรวจสอบความคืบหน้าได้ด้วยรหัสรับแจ้งค่ะ")
    assert rows(path, "SELECT COUNT(*) FROM report_contacts") == [(0,)]
    assert receipts.parse(code) is not None


async def test_the_reporter_follows_up_answers_and_adds_with_the_code(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    code = await reported(citizen)
    (label,) = rows(db.path, "SELECT reference FROM cases")[0]
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:accept:{label}")
    await officer.send(choice=f"o:ask:{label}")
    (done,) = await officer.text("จำนวนเงินที่ถูกเรียกเท่าไร")
    assert done.text.startswith(f"บันทึกคำถามเรื่อง {label} แล้วค่ะ")

    await citizen.press("menu:misconduct")
    await citizen.press("code")
    (view,) = await citizen.send(text=" ".join(receipts.display(code).split()), message_id="77")
    assert view.delete == ("msg:77",)  # the message with the typed code leaves the chat
    assert "สถานะ: เจ้าหน้าที่รับเรื่องแล้ว" in view.text
    assert "❓ เจ้าหน้าที่ถาม: จำนวนเงินที่ถูกเรียกเท่าไร" in view.text
    assert citizen.buttons() == ["💬 ตอบคำถาม", "➕ เพิ่มข้อมูล", "🏠 เมนูหลัก"]
    await citizen.press("answer")
    (refused,) = await citizen.send(text=f"3,000 บาท รหัส {code}", message_id="78")
    assert refused.text.startswith("ข้อความนี้มีรหัสรับแจ้งของท่านอยู่") and refused.delete == (
        "msg:78",)
    (answered, view) = await citizen.text("3,000 บาท จ่ายเป็นเงินสด")
    assert answered.text == "ส่งให้ผู้รับเรื่องแล้วค่ะ ขอบคุณค่ะ"
    assert "💬 ท่านตอบ: 3,000 บาท จ่ายเป็นเงินสด" in view.text
    assert citizen.buttons() == ["➕ เพิ่มข้อมูล", "🏠 เมนูหลัก"]  # nothing left to answer
    assert f"💬 ผู้ร้องตอบเรื่อง {label}:\n3,000 บาท จ่ายเป็นเงินสด" in await texts_to(db, INTEGRITY)
    await citizen.press("add")
    await citizen.photo("ab" * 32)
    assert rows(db.path, "SELECT sha256 FROM case_photos") == [("ab" * 32,)]
    assert f"➕ ผู้แจ้งเพิ่มข้อมูลเรื่อง {label}:\n(รูปถ่าย)" in await texts_to(db, INTEGRITY)
    assert [k for (k,) in rows(db.path, "SELECT kind FROM case_events ORDER BY id")] == [
        "filed", "accept", "asked", "answered", "added"]
    # Every time kept is a day.
    assert {a for (a,) in rows(db.path, "SELECT at FROM case_events")} == {
        "2026-11-29T17:00:00+00:00"}


async def test_a_code_typed_at_the_menu_opens_the_report_and_leaves_the_chat(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    code = await reported(citizen)
    await citizen.press("menu:status")  # an ordinary chat again
    await citizen.text("/start")
    (view,) = await citizen.send(text=receipts.display(code), message_id="91")
    assert view.text.startswith("🛡️ เรื่องที่ท่านแจ้งเบาะแส") and view.delete == ("msg:91",)
    assert rows(db.path, "SELECT COUNT(*) FROM conversations WHERE chat_id = ?",
                (REPORTER,)) == [(0,)]  # private again before anything was written


async def test_wrong_codes_wait_longer_each_time_then_lock_the_chat_out(
        engine: Engine, db: Database, staff: None, clock: FakeClock) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    code = await reported(citizen)
    await citizen.press("menu:misconduct")
    await citizen.press("code")
    wrong = "1111222233334444" if code != "1111222233334444" else "5555666677778888"
    for _ in range(2):
        (reply,) = await citizen.text(wrong)
        assert reply.text.startswith("รหัสไม่ถูกต้องค่ะ\n\nกรุณาพิมพ์")
    (reply,) = await citizen.text(wrong)
    assert reply.text.startswith("รหัสไม่ถูกต้องค่ะ\nกรุณารอ 5 วินาที")
    (reply,) = await citizen.text(code)  # even the right code waits its turn
    assert reply.text.startswith("กรุณารอ 5 วินาที")
    clock.advance(seconds=5)
    (reply,) = await citizen.text(wrong)
    assert "กรุณารอ 10 วินาที" in reply.text
    for seconds in (10, 20, 40, 80, 160, 320):  # the 5th to the 10th wrong code
        clock.advance(seconds=seconds)
        (reply,) = await citizen.text(wrong)
    assert "ลองผิดหลายครั้งเกินไป" in reply.text  # the tenth: an hour
    clock.advance(seconds=3599)
    assert "ลองผิดหลายครั้งเกินไป" in (await citizen.text(code))[0].text
    clock.advance(seconds=1)
    (view,) = await citizen.text(code)
    assert view.text.startswith("🛡️ เรื่องที่ท่านแจ้งเบาะแส")
    # Another chat was never slowed down.
    other = Citizen(engine, chat_id="9191")
    await other.text("/start")
    await other.press("menu:misconduct")
    await other.press("code")
    assert (await other.text(code))[0].text.startswith("🛡️ เรื่องที่ท่านแจ้งเบาะแส")


async def test_a_report_about_the_integrity_officers_division_goes_to_the_fallback(
        engine: Engine, db: Database, staff: None) -> None:
    await report(Citizen(engine, chat_id=REPORTER), division="clerk")
    (label, route), = rows(db.path, "SELECT reference, route FROM cases")
    assert route == "fallback"
    (alert,) = await texts_to(db, CENTRE_HEAD)
    assert alert.startswith("🛡️ เรื่องแจ้งเบาะแสใหม่")
    # The clerk's head is a fallback receiver, but the report is about the clerk's office.
    for chat in (INTEGRITY, CLERK_HEAD, WORKS):
        assert await texts_to(db, chat) == []
    for chat in (INTEGRITY, CLERK_HEAD):
        officer = Citizen(engine, chat_id=chat)
        (refused,) = await officer.send(choice=f"o:case:{label}")
        assert refused.text == "ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"
        (refused,) = await officer.send(choice=f"o:accept:{label}")
        assert refused.text == "ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"
    head = Citizen(engine, chat_id=CENTRE_HEAD)
    (listing,) = await head.text("/cases")
    assert label in listing.text
    (card,) = await head.send(choice=f"o:case:{label}")
    assert "🔀 โอนกอง" not in [c.label for c in card.choices]  # never transferred


async def test_the_named_division_cannot_open_a_report_about_it(
        engine: Engine, db: Database, staff: None) -> None:
    await bind(db, "w-head", "works", "head")
    await bind(db, "admin", "planning", "admin")
    await report(Citizen(engine, chat_id=REPORTER), division="works")
    (label,), = rows(db.path, "SELECT reference FROM cases")
    for chat in (WORKS, "w-head", "admin"):
        officer = Citizen(engine, chat_id=chat)
        (refused,) = await officer.send(choice=f"o:case:{label}")
        assert refused.text == "ขออภัยค่ะ ท่านไม่มีสิทธิ์ทำรายการนี้ค่ะ"
        (listing,) = await officer.text("/cases")
        assert label not in listing.text


async def test_a_reporter_who_opted_in_hears_only_that_there_is_news(
        engine: Engine, db: Database, staff: None, services: Services) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    await report(citizen)
    await citizen.press("saved")
    (done,) = await citizen.press("notify:yes")
    assert done.text.startswith("ตั้งค่าแล้วค่ะ")
    (contact_id, blob), = rows(db.path, "SELECT id, sealed FROM report_contacts")
    assert services.sealer.open(blob)["chat_id"] == REPORTER and REPORTER.encode() not in blob
    (label, linked), = rows(db.path, "SELECT reference, contact_id FROM cases")
    assert linked == contact_id
    def to_reporter() -> collections.Counter[str]:  # sealed rows sit in random id ranges
        return collections.Counter(json.loads(m["payload"])["text"]
                                   for m in sealed(services, db.path) if m["chat_id"] == REPORTER)

    before = to_reporter()
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:accept:{label}")
    news = "🔔 มีความคืบหน้าเรื่องที่ท่านแจ้งเบาะแสไว้ค่ะ ดูได้ด้วยรหัสรับแจ้ง ที่เมนู แจ้งเบาะแสทุจริต"
    assert to_reporter() - before == collections.Counter([news])
    await officer.send(choice=f"o:resolve:{label}")
    await officer.text("ตรวจสอบแล้ว ได้ดำเนินการทางวินัยกับเจ้าหน้าที่")
    await officer.press("skip")
    assert rows(db.path, "SELECT status, contact_id FROM cases") == [("closed", None)]
    assert rows(db.path, "SELECT COUNT(*) FROM report_contacts") == [(0,)]  # gone at close
    assert to_reporter() - before == collections.Counter([news, news])  # the last one too


async def test_a_named_report_is_a_case_with_updates_routed_to_integrity(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    reference = await report(citizen, mode="named")
    assert reference == "KS-2569-00001"
    assert rows(db.path, "SELECT kind, anonymous, chat_id, division, named_division, route "
                         "FROM cases") == [
        ("misconduct", 0, REPORTER, "misconduct", "works", "integrity")]
    assert citizen.last[0].text.startswith("✅ เทศบาลตำบลกระสัง ได้รับเรื่องแจ้งเบาะแสของท่านแล้วค่ะ")
    assert "ผู้รับเรื่อง: ผู้รับเรื่องทุจริต" in citizen.last[0].text
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:accept:{reference}")
    assert (await texts_to(db, REPORTER))[-1] == (
        f"📌 เรื่อง {reference}: ผู้รับเรื่องทุจริตรับเรื่องแล้วค่ะ")
    assert await texts_to(db, WORKS) == []
    assert rows(db.path, "SELECT MAX(not_before) FROM outbox") == [(0,)]  # named: no wait


async def test_a_restart_mid_report_leaves_nothing_of_the_draft(
        engine: Engine, db: Database, staff: None, services: Services) -> None:
    chat = "7731946025"
    citizen = Citizen(engine, chat_id=chat)
    await citizen.text("/start")  # an ordinary chat: its row holds the chat id
    assert rows(db.path, "SELECT COUNT(*) FROM conversations WHERE chat_id = ?", (chat,)) == [(1,)]
    await citizen.press("menu:misconduct")
    await citizen.press("anonymous")
    await citizen.press("div:works")
    await citizen.text(WHAT)
    restarted = Engine(db, services)  # a new process: memory is gone
    data = b"".join(p.read_bytes() for p in db_files(db))
    for trace in (chat.encode(), WHAT.encode(), b'"what"'):
        assert trace not in data  # not in the file, not in -wal, not in -shm
    citizen.engine = restarted
    (menu,) = await citizen.text(WHEN)
    assert menu.text.startswith("สวัสดีค่ะ")  # the chat starts again from the menu
    assert rows(db.path, "SELECT COUNT(*) FROM cases") == [(0,)]


def db_files(db: Database) -> list:
    from pathlib import Path
    base = Path(db.path)
    return [p for p in (base, Path(f"{base}-wal"), Path(f"{base}-shm")) if p.exists()]


async def test_leaving_for_a_named_flow_makes_the_chat_ordinary_again(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    await reported(citizen)
    await citizen.press("menu:file")
    (step, data), = rows(db.path, "SELECT step, data FROM conversations WHERE chat_id = ?",
                         (REPORTER,))
    assert step == "g.category" and "report" not in data and "code" not in data


async def test_closed_reports_are_erased_after_the_retention_period(
        engine: Engine, db: Database, staff: None, clock: FakeClock) -> None:
    await report(Citizen(engine, chat_id=REPORTER))
    (label,), = rows(db.path, "SELECT reference FROM cases")
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:accept:{label}")
    await officer.send(choice=f"o:resolve:{label}")
    await officer.text("ไม่พบมูลความผิด")
    await officer.photo("cd" * 32)
    clock.now = bangkok(2027, 2, 27, 10, 0)  # 89 days later
    assert await engine.erase_reports() == []
    clock.now = bangkok(2027, 3, 1, 10, 0)
    assert await engine.erase_reports() == ["cd" * 32]
    assert rows(db.path, "SELECT kind, status, description, location_text, receipt_hash, "
                         "erased_on FROM cases") == [
        ("misconduct", "closed", "", None, None, "2027-03-01")]
    assert rows(db.path, "SELECT COUNT(*) FROM case_events WHERE note IS NOT NULL") == [(0,)]
    assert rows(db.path, "SELECT COUNT(*) FROM case_photos") == [(0,)]


def test_receipt_codes_do_not_collide_and_read_back_however_typed() -> None:
    codes = {receipts.new_code() for _ in range(100_000)}
    assert len(codes) == 100_000
    assert all(len(c) == 16 and c.isdigit() for c in codes)
    code = "0123456789012345"
    assert receipts.display(code) == "0123 4567 8901 2345"
    for typed in ("0123 4567 8901 2345", "0123-4567-8901-2345", "๐๑๒๓ ๔๕๖๗ ๘๙๐๑ ๒๓๔๕"):
        assert receipts.parse(typed) == code
    assert receipts.parse("0123 4567 8901 234") is None
    assert receipts.contains("code is 0123-4567 8901.2345 ok", code)
    assert not receipts.contains("0123 4567 8901 2344", code)
