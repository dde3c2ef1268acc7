"""Limits on one person: a flood of messages is slowed with one polite answer, and the
cases a citizen may file in a day are capped; nobody else notices either."""
from __future__ import annotations

import dataclasses

import pytest

from handlers.engine import Engine
from handlers.limits import FloodGate
from handlers.turn import Services
from storage.db import Database
from tests.conftest import UNHURRIED
from tests.support import Citizen, FakeClock, grievance_to_summary, rows


def test_a_burst_then_a_steady_rate_and_one_warning_per_flood() -> None:
    gate = FloodGate(burst=3, per_second=1.0)
    chat = ("telegram", "1")
    assert [gate.admit(chat, 0.0) for _ in range(6)] == ["ok", "ok", "ok", "warn", "drop", "drop"]
    assert gate.admit(chat, 0.5) == "drop"  # half a token: still over
    assert gate.admit(chat, 1.0) == "ok"  # one a second
    assert gate.admit(chat, 1.0) == "drop"  # the same flood: warned once is enough
    assert gate.admit(("telegram", "2"), 1.0) == "ok"  # another chat never waits
    assert [gate.admit(chat, 100.0) for _ in range(4)] == ["ok", "ok", "ok", "warn"]  # refilled


@pytest.fixture
def capped(db: Database, services: Services) -> Engine:
    """An engine whose municipality allows 2 cases a day per citizen."""
    muni = dataclasses.replace(services.municipality, cases_per_day=2)
    return Engine(db, dataclasses.replace(services, municipality=muni), flood=UNHURRIED)


async def test_a_citizen_files_so_many_cases_a_day_and_keeps_the_draft_for_tomorrow(
        capped: Engine, db: Database, clock: FakeClock) -> None:
    citizen = Citizen(capped, chat_id="1001")
    for n in (1, 2):
        await grievance_to_summary(citizen, f"ถนนชำรุดจุดที่ {n} หน้าตลาด")
        await citizen.press("confirm")
    await grievance_to_summary(citizen, "ถนนชำรุดจุดที่ 3 หน้าตลาด")
    (refused, summary) = await citizen.press("confirm")
    assert refused.text == ("วันนี้ท่านแจ้งเรื่องครบ 2 เรื่องแล้วค่ะ กรุณาส่งเรื่องนี้พรุ่งนี้ "
                            "หรือโทร 044-691508 ค่ะ")
    assert "ถนนชำรุดจุดที่ 3" in summary.text  # the summary again: the draft is kept
    assert rows(db.path, "SELECT COUNT(*) FROM cases") == [(2,)]
    other = Citizen(capped, chat_id="2002")  # a neighbour is not affected
    await grievance_to_summary(other, "ไฟส่องสว่างดับทั้งซอย")
    (ack,) = await other.press("confirm")
    assert ack.text.startswith("✅")
    clock.advance(days=1)
    (ack,) = await citizen.press("confirm")
    assert ack.text.startswith("✅") and "KS-2569-00004" in ack.text


async def test_anonymous_reports_are_capped_per_chat_in_memory(
        capped: Engine, db: Database) -> None:
    citizen = Citizen(capped, chat_id="1001")
    for n in range(3):
        await citizen.text("/start")
        await citizen.press("menu:misconduct")
        await citizen.press("anonymous")
        await citizen.press("div:")
        await citizen.text(f"เจ้าหน้าที่เรียกเงินครั้งที่ {n + 1} โดยไม่มีใบเสร็จ")
        await citizen.text("ตลาดสด")
        await citizen.press("skip")
        await citizen.press("told:")
        answer = await citizen.press("confirm")
    assert answer[0].text.startswith("วันนี้ท่านแจ้งเรื่องครบ 2 เรื่องแล้วค่ะ")
    assert rows(db.path, "SELECT COUNT(*) FROM cases") == [(2,)]
