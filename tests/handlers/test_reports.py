"""The executives' report against a fixture computed by hand: every figure asserted."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from handlers import chart, reports
from handlers.municipality import Municipality
from handlers.turn import Services
from storage.db import Database

D = dt.date
TODAY = D(2026, 12, 1)

# reference, kind, anonymous, category, division, platform, chat, status, filed (Thai date),
# due, rating, phone, events [(day, kind, note)]
CASES = [
    ("KS-2569-00001", "grievance", 0, "road", "works", "telegram", "5551", "closed",
     D(2026, 11, 2), D(2026, 11, 23), 5, "0811111111",
     [(D(2026, 11, 10), "resolved", "ปะถนนแล้ว"), (D(2026, 11, 11), "confirmed", None)]),
    ("KS-2569-00002", "grievance", 0, "light", "works", "line", "U" + "a" * 32, "reopened",
     D(2026, 11, 3), D(2026, 11, 24), None, None,
     [(D(2026, 11, 30), "resolved", "เปลี่ยนหลอด"), (D(2026, 11, 30), "not fixed", None)]),
    ("KS-2569-00003", "grievance", 0, "garbage", "health", "line", "U" + "b" * 32, "rejected",
     D(2026, 11, 4), D(2026, 11, 25), None, None,
     [(D(2026, 11, 5), "rejected", "เป็นพื้นที่เอกชน / เจ้าของที่ดิน")]),
    ("KS-2569-00004", "grievance", 0, "garbage", "works", "telegram", "5554", "new",
     D(2026, 11, 5), D(2026, 11, 26), None, None,
     [(D(2026, 11, 6), "transferred", "health → works: เป็นท่อระบายน้ำ")]),
    ("KS-2569-00005", "grievance", 0, "welfare", "welfare", "line", "U" + "c" * 32, "new",
     D(2026, 11, 20), D(2026, 12, 11), None, None, []),
    ("KS-2569-00006", "grievance", 0, "road", "works", "line", "U" + "d" * 32, "new",
     D(2026, 9, 15), D(2026, 10, 6), None, None, []),  # last fiscal year: left out
    ("KS-2569-00007", "misconduct", 1, "other", "planning", "line", "U" + "e" * 32,
     "closed_unconfirmed", D(2026, 11, 6), D(2026, 11, 27), None, "0899999999",
     [(D(2026, 11, 20), "resolved", "ตั้งกรรมการสอบแล้ว")]),
    ("KS-2569-00008", "grievance", 0, "road", "works", "telegram", "5558", "rejected",
     D(2026, 11, 9), D(2026, 11, 30), None, None,
     [(D(2026, 11, 9), "rejected", "เป็นพื้นที่เอกชน / สำนักงานที่ดิน")]),
]


def stamp(day: dt.date) -> str:
    return dt.datetime(day.year, day.month, day.day, 3, 0, tzinfo=dt.UTC).isoformat()


@pytest.fixture
async def report(db: Database, services: Services) -> reports.Report:
    async with db.transaction() as tx:
        for (ref, kind, anon, cat, div, platform, chat, status, filed, due, rating, phone,
             timeline) in CASES:
            case_id = await tx.insert(
                "INSERT INTO cases (reference, kind, anonymous, category, division, description,"
                " status, platform, chat_id, user_id, lang, created_at, received_on, due_on,"
                " ack_due_on, rating, phone) VALUES (?, ?, ?, ?, ?, 'x', ?, ?, ?, ?, 'th', ?, ?,"
                " ?, ?, ?, ?)",
                (ref, kind, anon, cat, div, status, platform, chat, chat, stamp(filed),
                 filed.isoformat(), due.isoformat(), filed.isoformat(), rating, phone))
            for day, event, note in timeline:
                await tx.insert("INSERT INTO case_events (case_id, at, actor, kind, note) "
                                "VALUES (?, ?, 'test', ?, ?)", (case_id, stamp(day), event, note))
        return await reports.gather(tx, services.calendar, D(2026, 10, 1), D(2027, 9, 30),
                                    TODAY)


def test_every_figure(report: reports.Report) -> None:
    assert [c.reference[-1] for c in report.cases] == list("1234578")
    assert report.count("channel") == {"telegram": 3, "line": 4}
    assert report.count("status") == {"new": 2, "rejected": 2, "closed": 1, "reopened": 1,
                                      "closed_unconfirmed": 1}
    assert report.count("division") == {"works": 4, "health": 1, "welfare": 1, "planning": 1}
    assert report.count("category") == {"road": 2, "garbage": 2, "light": 1, "welfare": 1,
                                        "other": 1}
    # Judged: the five with a result and KS-…04 (due 26 Nov, none yet); on time: 1, 3, 7, 8.
    assert [c.reference[-1] for c in report.judged] == list("123478")
    assert report.on_time == 4
    # Working days receipt → result: 6 (Nov 3–10), 19 (Nov 4–30), 1, 10 (Nov 9–20), 0.
    assert report.days_to_result == [0, 1, 6, 10, 19]
    assert reports.percentile(report.days_to_result, 0.5) == 6
    assert reports.percentile(report.days_to_result, 0.9) == 19
    assert [c.reference for c in report.overdue] == ["KS-2569-00004"]
    assert report.ever_resolved == 3 and sum(c.reopened for c in report.cases) == 1
    assert report.ratings == [5]
    assert report.rejection_reasons == [("เป็นพื้นที่เอกชน", 2)]
    assert report.transfer_reasons == [("เป็นท่อระบายน้ำ", 1)]


def test_the_thai_summary(report: reports.Report, municipality: Municipality) -> None:
    assert reports.summary(report, municipality) == "\n".join([
        "📊 รายงานเรื่องร้องเรียน เทศบาลตำบลกระสัง",
        "1 ตุลาคม 2569 – 30 กันยายน 2570",
        "",
        "เรื่องทั้งหมด: 7 เรื่อง",
        "แจ้งเบาะแสการทุจริต: 1 จาก 7 (14.3%) (ไม่เปิดเผยตัวตน 1 เรื่อง)",
        "ช่องทาง: LINE 4 · Telegram 3",
        "สถานะ: ไม่อยู่ในอำนาจหน้าที่ของเทศบาล 2 · รอเจ้าหน้าที่รับเรื่อง 2 · "
        "ปิดเรื่องแล้ว (แก้ไขเรียบร้อย) 1 · เปิดเรื่องอีกครั้ง 1 · "
        "ปิดเรื่องแล้ว (ไม่ได้รับการยืนยัน) 1",
        "ตามหมวด: ถนน ทางเท้าชำรุด 2 · ขยะ ความสะอาด 2 · ไฟฟ้าส่องสว่างดับ 1 · "
        "สวัสดิการสังคม 1 · เรื่องอื่น ๆ 1",
        "ตามหน่วยงาน: กองช่าง 4 · กองสาธารณสุขและสิ่งแวดล้อม 1 · กองสวัสดิการสังคม 1 · "
        "กองวิชาการและแผนงาน 1",
        "",
        "แจ้งผลภายใน 15 วันทำการ: 4 จาก 6 (66.7%)",
        "วันทำการจนแจ้งผล: มัธยฐาน 6 · P90 19",
        "เกินกำหนดและยังไม่แจ้งผล: 1 เรื่อง",
        "เปิดเรื่องใหม่เพราะยังไม่เรียบร้อย: 1 จาก 3 (33.3%)",
        "ปิดเรื่อง แก้ไขเรียบร้อย: 1 · ปิดโดยไม่ได้รับการยืนยัน: 1",
        "ความพึงพอใจเฉลี่ย: 5.0 / 5 (1 คะแนน)",
        "",
        "ปัญหาและอุปสรรค",
        "เหตุผลที่ไม่อยู่ในอำนาจหน้าที่บ่อยที่สุด: เป็นพื้นที่เอกชน (2)",
        "เหตุผลการโอนเรื่องบ่อยที่สุด: เป็นท่อระบายน้ำ (1)",
    ])


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_csv_has_no_reporter_identifiers_and_phones_only_when_asked(
        report: reports.Report) -> None:
    plain = csv_text(reports.csv_rows(report))
    assert plain.splitlines()[0] == ",".join(reports.CSV_COLUMNS)
    assert plain.splitlines()[1] == ("KS-2569-00001,grievance,road,works,telegram,closed,"
                                     "2026-11-02,2026-11-02,2026-11-23,,2026-11-10,6,1,0,5")
    for secret in ("0811111111", "0899999999", "5551", "U" + "a" * 32, "U" + "e" * 32):
        assert secret not in plain
    with_phones = reports.csv_rows(report, with_phones=True)
    assert with_phones[0][-1] == "phone" and with_phones[1][-1] == "0811111111"
    anonymous = next(r for r in with_phones if r[0] == "KS-2569-00007")
    assert anonymous[-1] == ""  # never an anonymous reporter's number


def test_the_chart_is_a_png(report: reports.Report) -> None:
    png = chart.render(report)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


@pytest.mark.parametrize("day, year", [(D(2026, 10, 1), (D(2026, 10, 1), D(2027, 9, 30))),
                                       (D(2026, 9, 30), (D(2025, 10, 1), D(2026, 9, 30)))])
def test_the_thai_fiscal_year(day: dt.date, year: tuple[dt.date, dt.date]) -> None:
    assert reports.fiscal_year(day) == year
