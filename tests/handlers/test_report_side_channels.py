"""Side channels a privacy review found around anonymous reports, each closed: row times and
row ids that date a report, a guess throttle a right code reset, sealed rows kept after a
failure or a race, update-id gaps, a group chat, the executives' report, a moved asker,
file times. Each test failed before its fix."""
from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from bot.delivery import DeliveryWorker, Failure, Pacing
from bot.media import MediaStore
from handlers.engine import Engine
from handlers.types import Incoming, Reply
from storage import officers, outbox
from storage.db import Database
from storage.seal import Sealer
from tests.handlers.test_report import (  # noqa: F401 (staff is a fixture)
    INTEGRITY,
    REPORTER,
    SEALER,
    bind,
    report,
    reported,
    staff,
    texts_to,
)
from tests.support import Citizen, FakeClock, bangkok, grievance_to_summary, jpeg, rows

DAY = "2026-11-29T17:00:00+00:00"  # midnight starting Mon 30 Nov 2026, Thai time


async def grievance(engine: Engine, chat: str) -> None:
    citizen = Citizen(engine, chat_id=chat)
    await grievance_to_summary(citizen)
    await citizen.press("confirm")


async def test_no_row_dates_a_report_or_its_reporters_answers_to_the_second(
        engine: Engine, db: Database, staff: None, clock: FakeClock) -> None:
    clock.now = bangkok(2026, 11, 30, 14, 37, 52)
    citizen = Citizen(engine, chat_id=REPORTER)
    code = await reported(citizen)
    (label,), = rows(db.path, "SELECT reference FROM cases")
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:ask:{label}")
    await officer.text("เงินสดหรือโอน")
    clock.advance(minutes=17, seconds=3)
    await citizen.text(code)
    await citizen.press("answer")
    await citizen.text("เงินสด ไม่มีใบเสร็จ")
    for created_at, payload, sealed in rows(db.path, "SELECT created_at, payload, sealed "
                                                     "FROM outbox"):
        text = json.loads(SEALER.open(sealed)["payload"] if sealed else payload)["text"]
        if "เงินสด ไม่มีใบเสร็จ" in text or text.startswith("🛡️ เรื่องแจ้งเบาะแสใหม่"):
            assert sealed and created_at == DAY
        elif label in text:  # the officer's own confirmations: their time, not the reporter's
            assert not text.startswith(("💬", "➕"))


async def test_a_right_code_of_ones_own_does_not_reset_the_guess_throttle(
        engine: Engine, db: Database, staff: None) -> None:
    guesser = Citizen(engine, chat_id="6666")
    own = await reported(guesser)
    waited = 0
    for _ in range(5):
        for wrong in ("1111222233334444", "5555666677778888"):
            (reply,) = await guesser.text(wrong)
            waited += "กรุณารอ" in reply.text
        await guesser.text(own)
        await guesser.text("/start")
    assert waited >= 7  # from the third wrong code on, every one waits


class Refusing:
    """A platform that refuses every message for good (the reporter blocked the bot)."""

    platform, max_batch = "telegram", 1

    def is_group(self, chat_id: str) -> bool:
        return False

    async def send(self, chat_id: str, replies: list[Reply], delivery: object) -> None:
        raise RuntimeError("Forbidden: bot was blocked by the user")

    def classify(self, exc: Exception) -> Failure:
        return Failure("permanent", str(exc))


async def test_a_sealed_message_refused_for_good_is_deleted_not_kept(
        engine: Engine, db: Database, staff: None) -> None:
    await report(Citizen(engine, chat_id=REPORTER))
    worker = DeliveryWorker(db, [Refusing()], {"telegram": Pacing(per_chat_interval=0)},
                            sealer=SEALER)
    sealed_heads = [h for h in await outbox.heads(db, "telegram", 500)
                    if (await outbox.batch_from(db, h, 1))[0].sealed is not None]
    assert sealed_heads
    for head in sealed_heads:
        await worker._send_batch(worker.senders["telegram"], worker.pacing["telegram"], head)
    assert rows(db.path, "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL "
                         "AND status = 'failed'") == [(0,)]


async def test_update_ids_leave_no_gap_and_no_time(engine: Engine, db: Database, staff: None,
                                                    clock: FakeClock) -> None:
    ids = itertools.count(5000)
    other, reporter = Citizen(engine, chat_id="4242"), Citizen(engine, chat_id=REPORTER)

    async def say(citizen: Citizen, **fields: object) -> None:
        clock.advance(seconds=7)
        await citizen.send(update_key=str(next(ids)), **fields)

    await say(other, text="/start")
    await say(reporter, text="/start")
    await say(reporter, choice="menu:misconduct")
    await say(reporter, choice="anonymous")
    for fields in ({"choice": "div:works"}, {"text": "เจ้าหน้าที่เรียกเงินค่าดำเนินการเกินอัตรา"},
                   {"text": "ต้นเดือนพฤศจิกายน"}, {"choice": "skip"}, {"choice": "told:no"},
                   {"choice": "confirm"}):
        await say(reporter, **fields)
    await say(other, text="/start")
    kept = rows(db.path, "SELECT update_key, received_at FROM processed_updates")
    assert sorted(int(k) for k, _ in kept) == list(range(5000, 5011))
    assert {at for _, at in kept} == {DAY}
    clock.advance(days=3)
    assert await engine.forget_updates() == 0  # kept while a platform might redeliver
    clock.advance(days=1)
    assert await engine.forget_updates() == 11  # and not for longer


async def test_a_private_chats_redelivered_update_is_still_a_no_op(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    await citizen.text("/start")
    await citizen.press("menu:misconduct")
    await citizen.press("anonymous")
    assert (await citizen.send(update_key="again", choice="div:works"))
    assert await citizen.send(update_key="again", choice="div:works") == []


async def test_row_ids_do_not_place_a_report_among_grievances(
        engine: Engine, db: Database, staff: None) -> None:
    await grievance(engine, "1001")
    await report(Citizen(engine, chat_id=REPORTER))
    await grievance(engine, "1002")
    cases = rows(db.path, "SELECT id, anonymous FROM cases ORDER BY id")
    assert [(i, a) for i, a in cases if i > 0] == [(1, 0), (2, 0)]  # no gap where it was
    ((hidden, _),) = [(i, a) for i, a in cases if a]
    assert hidden < 0
    events = [i for (i,) in rows(db.path, "SELECT id FROM case_events WHERE id > 0")]
    assert events == list(range(1, len(events) + 1))


async def test_a_report_never_goes_into_a_group_chat(engine: Engine, db: Database,
                                                     staff: None) -> None:
    await report(Citizen(engine, chat_id=REPORTER), division="works")
    (label, what), = rows(db.path, "SELECT reference, description FROM cases")
    async with db.transaction() as tx:
        await officers.bind_group(tx, "telegram", "-100777", "clerk", "2026-11-01T00:00:00")
    for choice in (f"o:case:{label}", f"o:accept:{label}", "o:list"):
        out = await engine.handle(Incoming("telegram", f"g-{choice}", "-100777", INTEGRITY,
                                           choice=choice, group=True))
        assert not any(what[:20] in r.text or label in r.text for r in out.replies)
    assert rows(db.path, "SELECT status FROM cases") == [("new",)]


async def test_the_executives_report_names_no_reason_given_on_a_report(
        engine: Engine, db: Database, staff: None) -> None:
    await bind(db, "admin-w", "works", "admin")
    await report(Citizen(engine, chat_id=REPORTER), division="works")
    (label,), = rows(db.path, "SELECT reference FROM cases")
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:reject:{label}")
    await officer.text("นายสมชาย กองช่าง ไม่มีมูล")
    await officer.text("ไม่มี")
    (summary, *_) = await Citizen(engine, chat_id="admin-w").text("/report")
    assert "ทั้งหมด" in summary.text and "นายสมชาย" not in summary.text


async def test_an_answer_does_not_follow_an_asker_into_the_named_division(
        engine: Engine, db: Database, staff: None) -> None:
    await bind(db, "i2", "clerk", "integrity")
    reporter = Citizen(engine, chat_id=REPORTER)
    code = await reported(reporter)
    (label,), = rows(db.path, "SELECT reference FROM cases")
    officer = Citizen(engine, chat_id=INTEGRITY)
    await officer.send(choice=f"o:ask:{label}")
    await officer.text("เงินสดหรือโอน")
    await bind(db, INTEGRITY, "works", "officer")  # moved into the division reported on
    await reporter.text(code)
    await reporter.press("answer")
    await reporter.text("เงินสด ไม่มีใบเสร็จ")
    assert not any("เงินสด ไม่มีใบเสร็จ" in t for t in await texts_to(db, INTEGRITY))
    assert any("เงินสด ไม่มีใบเสร็จ" in t for t in await texts_to(db, "i2"))  # handled still


async def test_a_message_in_flight_as_its_chat_turns_private_leaves_no_row(
        engine: Engine, db: Database, staff: None) -> None:
    citizen = Citizen(engine, chat_id=REPORTER)
    await citizen.text("/start")
    await citizen.press("menu:misconduct")
    (head,) = [h for h in await outbox.heads(db, "telegram", 500) if h.chat_id == REPORTER]
    await citizen.press("anonymous")  # while the worker is sending `head`...
    await outbox.mark_sent(db, [head.id], "2026-11-30T03:00:01+00:00")  # ...it arrives
    assert rows(db.path, "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL "
                         "AND status != 'pending'") == [(0,)]


async def test_evidence_files_carry_their_day_and_unused_ones_go(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    kept, dropped = await store.save(jpeg(9)), await store.save(jpeg(10))
    assert os.stat(store.path(kept)).st_mtime % 86400 == 0  # the day, not the second
    assert store.forget_unused({kept}) == 0  # too fresh: perhaps a draft in progress
    for sha in (kept, dropped):
        os.utime(store.path(sha), (0, 0))
    assert store.forget_unused({kept}) == 1
    assert store.path(kept).exists() and not store.path(dropped).exists()


async def test_photos_in_use_include_drafts_private_and_saved(
        engine: Engine, db: Database, staff: None) -> None:
    saved, private = "ab" * 32, "cd" * 32
    citizen = Citizen(engine, chat_id="1001")
    await citizen.text("/start")
    await citizen.press("menu:file")
    await citizen.press("cat:road")
    await citizen.text("ถนนทรุดตัวเป็นแอ่งลึก หน้าโรงเรียน")
    await citizen.press("skip")  # the location: the draft now waits for photos
    await citizen.photo(saved)
    reporter = Citizen(engine, chat_id=REPORTER)
    await reporter.text("/start")
    await reporter.press("menu:misconduct")
    await reporter.press("anonymous")
    await reporter.press("div:works")
    await reporter.text("เจ้าหน้าที่เรียกเงินค่าดำเนินการเกินอัตรา")
    await reporter.text("ต้นเดือนพฤศจิกายน")
    await reporter.photo(private)
    assert {saved, private} <= await engine.photos_in_use()


def test_an_update_tag_is_keyed() -> None:
    """A carried reply names its update by a tag: stable under one key, unrelated under
    another, and not the id (update ids put private chats' updates in time)."""
    one, other = Sealer(bytes(range(32))), Sealer(bytes(32))
    assert one.tag("telegram:1234567") == one.tag("telegram:1234567")
    assert one.tag("telegram:1234567") != one.tag("telegram:1234568")
    assert one.tag("telegram:1234567") != other.tag("telegram:1234567")
    assert "1234567" not in one.tag("telegram:1234567")
