"""The plan's own indicators, for the executives: counts, the share answered within 15
working days, time to result, the share of misconduct reports, overdue cases, reopen rate,
"closed without confirmation" apart from "fixed", satisfaction, and the most frequent
reasons for refusing and transferring cases (the plan's "problems and obstacles").

Definitions, so that the figures can be checked by hand:
- a case belongs to the period if it was *filed* (Thai time) between ``start`` and ``end``;
- its *result* is the first "resolved" or "not our remit" event; it is *on time* when that
  day is no later than its due date (15 working days after receipt, moved only by the days
  it waited on its citizen; a new expected date does not excuse it);
- the on-time share counts the cases that have a result or whose due date has passed;
- *working days to result* run from the day of receipt to the day of the result;
- *overdue* cases have no result and are past their (expected) date on ``today``;
- the *reopen rate* is cases the citizen called not fixed, over cases ever resolved.
"""
from __future__ import annotations

import collections
import datetime as dt
import math
from dataclasses import dataclass, field

from handlers import case_rules
from handlers.municipality import Municipality
from handlers.texts import t
from handlers.workdays import BANGKOK, WorkCalendar, format_date
from storage.db import Row, Tx

LANG = "th"  # the executives' report is in Thai
RESULT_KINDS = ("resolved", "rejected")


def fiscal_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The Thai fiscal year holding ``day``: 1 October to 30 September."""
    start_year = day.year if day.month >= 10 else day.year - 1
    return dt.date(start_year, 10, 1), dt.date(start_year + 1, 9, 30)


@dataclass
class CaseFigures:
    """One case as the report sees it (a CSV row)."""

    reference: str
    kind: str
    anonymous: bool
    category: str
    division: str
    channel: str
    status: str
    filed_on: dt.date
    received_on: dt.date
    due_on: dt.date
    expected_on: dt.date | None
    result_on: dt.date | None
    working_days_to_result: int | None
    on_time: bool | None
    reopened: bool
    rating: int | None
    phone: str | None


@dataclass
class Report:
    start: dt.date
    end: dt.date
    today: dt.date
    cases: list[CaseFigures]
    rejection_reasons: list[tuple[str, int]] = field(default_factory=list)
    transfer_reasons: list[tuple[str, int]] = field(default_factory=list)

    def count(self, attribute: str) -> collections.Counter[str]:
        return collections.Counter(getattr(c, attribute) for c in self.cases)

    @property
    def judged(self) -> list[CaseFigures]:
        """Cases that have a result or should have had one by ``today``."""
        return [c for c in self.cases if c.result_on is not None or c.due_on < self.today]

    @property
    def on_time(self) -> int:
        return sum(1 for c in self.judged if c.on_time)

    @property
    def days_to_result(self) -> list[int]:
        return sorted(c.working_days_to_result for c in self.cases
                      if c.working_days_to_result is not None)

    @property
    def overdue(self) -> list[CaseFigures]:
        return [c for c in self.cases if c.result_on is None
                and c.status not in case_rules.FINAL and (c.expected_on or c.due_on) < self.today]

    @property
    def ever_resolved(self) -> int:
        return sum(1 for c in self.cases if c.status in (
            case_rules.RESOLVED, case_rules.CLOSED, case_rules.CLOSED_UNCONFIRMED,
            case_rules.REOPENED) or c.reopened)

    @property
    def ratings(self) -> list[int]:
        return [c.rating for c in self.cases if c.rating is not None]


def percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile (the value at or below which ``share`` of values lie)."""
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def _date(iso: str | None) -> dt.date | None:
    return dt.date.fromisoformat(iso) if iso else None


def _local_day(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso).astimezone(BANGKOK).date()


async def gather(tx: Tx, calendar: WorkCalendar, start: dt.date, end: dt.date,
                 today: dt.date, division: str | None = None) -> Report:
    """Every figure of the report, from the database, for cases filed in [start, end]."""
    cases = await tx.fetchall("SELECT * FROM cases ORDER BY id")
    events = await tx.fetchall("SELECT case_id, at, kind, note FROM case_events ORDER BY id")
    by_case: dict[int, list[Row]] = collections.defaultdict(list)
    for e in events:
        by_case[e["case_id"]].append(e)
    rows: list[CaseFigures] = []
    rejections: collections.Counter[str] = collections.Counter()
    transfers: collections.Counter[str] = collections.Counter()
    for case in cases:
        filed = _local_day(case["created_at"])
        if not start <= filed <= end or (division and case["division"] != division):
            continue
        timeline = by_case[case["id"]]
        result = next((e for e in timeline if e["kind"] in RESULT_KINDS), None)
        result_on = _local_day(result["at"]) if result else None
        received, due = dt.date.fromisoformat(case["received_on"]), \
            dt.date.fromisoformat(case["due_on"])
        for e in timeline if case["kind"] != "misconduct" else ():  # reasons may name people
            if e["kind"] == "rejected" and e["note"]:
                rejections[e["note"].split(" / ")[0]] += 1
            if e["kind"] == "transferred" and e["note"]:
                transfers[e["note"].split(": ", 1)[-1]] += 1
        rows.append(CaseFigures(
            reference=case["reference"], kind=case["kind"], anonymous=bool(case["anonymous"]),
            category=case["category"], division=case["division"], channel=case["platform"],
            status=case["status"], filed_on=filed, received_on=received, due_on=due,
            expected_on=_date(case["expected_on"]), result_on=result_on,
            working_days_to_result=calendar.working_days_between(received, result_on)
            if result_on else None,
            on_time=(result_on <= due) if result_on else (False if due < today else None),
            reopened=any(e["kind"] == "not fixed" for e in timeline),
            rating=case["rating"],
            phone=None if case["anonymous"] else case["phone"],
        ))
    return Report(start, end, today, rows, rejections.most_common(3), transfers.most_common(3))


def _share(part: int, whole: int) -> str:
    return f"{part} จาก {whole} ({100 * part / whole:.1f}%)" if whole else "-"


def summary(report: Report, muni: Municipality) -> str:
    """The report as a short Thai text for chat and for the executives."""
    total = len(report.cases)
    misconduct = sum(1 for c in report.cases if c.kind == "misconduct")

    def listing(counter: collections.Counter[str], name) -> str:
        return " · ".join(f"{name(k)} {n}" for k, n in counter.most_common()) or "-"

    def category(code: str) -> str:
        c = muni.category(code)
        return c.name(LANG) if c else code

    def division(code: str) -> str:
        named = muni.divisions.get(code)
        return named(LANG) if named else code

    days = report.days_to_result
    ratings = report.ratings
    statuses = report.count("status")
    lines = [
        f"📊 รายงานเรื่องร้องเรียน {muni.name(LANG)}",
        f"{format_date(report.start, LANG)} – {format_date(report.end, LANG)}",
        "",
        f"เรื่องทั้งหมด: {total} เรื่อง",
        f"แจ้งเบาะแสการทุจริต: {_share(misconduct, total)} "
        f"(ไม่เปิดเผยตัวตน {sum(1 for c in report.cases if c.anonymous)} เรื่อง)",
        f"ช่องทาง: {listing(report.count('channel'), lambda k: k.upper() if k == 'line' else k.title())}",
        f"สถานะ: {listing(statuses, lambda k: t(LANG, 'status.' + k))}",
        f"ตามหมวด: {listing(report.count('category'), category)}",
        f"ตามหน่วยงาน: {listing(report.count('division'), division)}",
        "",
        f"แจ้งผลภายใน {muni.result_working_days} วันทำการ: "
        f"{_share(report.on_time, len(report.judged))}",
        f"วันทำการจนแจ้งผล: มัธยฐาน {percentile(days, 0.5) if days else '-'} · "
        f"P90 {percentile(days, 0.9) if days else '-'}",
        f"เกินกำหนดและยังไม่แจ้งผล: {len(report.overdue)} เรื่อง",
        f"เปิดเรื่องใหม่เพราะยังไม่เรียบร้อย: "
        f"{_share(sum(1 for c in report.cases if c.reopened), report.ever_resolved)}",
        f"ปิดเรื่อง แก้ไขเรียบร้อย: {statuses.get(case_rules.CLOSED, 0)} · "
        f"ปิดโดยไม่ได้รับการยืนยัน: {statuses.get(case_rules.CLOSED_UNCONFIRMED, 0)}",
        "ความพึงพอใจเฉลี่ย: "
        + (f"{sum(ratings) / len(ratings):.1f} / 5 ({len(ratings)} คะแนน)" if ratings else "-"),
        "",
        "ปัญหาและอุปสรรค",
        "เหตุผลที่ไม่อยู่ในอำนาจหน้าที่บ่อยที่สุด: "
        + ("; ".join(f"{r} ({n})" for r, n in report.rejection_reasons) or "-"),
        "เหตุผลการโอนเรื่องบ่อยที่สุด: "
        + ("; ".join(f"{r} ({n})" for r, n in report.transfer_reasons) or "-"),
    ]
    return "\n".join(lines)


CSV_COLUMNS = ("reference", "kind", "category", "division", "channel", "status", "filed_on",
               "received_on", "due_on", "expected_on", "result_on", "working_days_to_result",
               "on_time", "reopened", "rating")


def csv_rows(report: Report, with_phones: bool = False) -> list[list[str]]:
    """The cases, one row each: no reporter identifiers ever; phones only when asked, and
    never for an anonymous report."""
    header = [*CSV_COLUMNS, *(["phone"] if with_phones else [])]
    out = [header]
    for c in report.cases:
        values = [getattr(c, name) for name in CSV_COLUMNS]
        if with_phones:
            values.append(c.phone)
        out.append(["" if v is None else str(int(v)) if isinstance(v, bool) else str(v)
                    for v in values])
    return out
