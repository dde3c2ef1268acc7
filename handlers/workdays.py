"""Working days, office hours and Thai-calendar dates: the arithmetic behind every deadline.

Working days are Monday to Friday, less Thai public and government holidays (from the
``holidays`` package, substitution days included) and the municipality's own extra days off.
A case received during office hours is received that day; one received in the evening, at a
weekend or on a holiday is received when the office next opens. The result is due on the
``n``-th working day *after* that day: the day of receipt is not counted, as in Thai
administrative practice (Civil and Commercial Code s. 193/3).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

BANGKOK = dt.timezone(dt.timedelta(hours=7), "ICT")  # Thailand keeps no daylight saving time


def day_stamp(now: dt.datetime) -> str:
    """Midnight of ``now``'s day in Thailand, as UTC ISO text: the only time kept about an
    anonymous report (an exact time could be matched against who was seen on their phone),
    and where a citizen's day of filing starts."""
    day = now.astimezone(BANGKOK).date()
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=BANGKOK)
    return midnight.astimezone(dt.UTC).isoformat(timespec="seconds")


class WorkCalendar:
    def __init__(self, opens: dt.time, closes: dt.time,
                 extra_days_off: Iterable[dt.date] = ()) -> None:
        self.opens = opens
        self.closes = closes
        self._extra = frozenset(extra_days_off)
        self._holidays = holidays.Thailand(
            categories=(holidays.PUBLIC, holidays.GOVERNMENT), language="th"
        )

    def holiday_name(self, day: dt.date) -> str | None:
        return self._holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays and day not in self._extra

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``day`` (``day`` itself is not counted)."""
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_before(self, day: dt.date, n: int) -> dt.date:
        """The working day ``n`` working days before ``day`` (its mirror of ``add``)."""
        for _ in range(n):
            day -= dt.timedelta(days=1)
            while not self.is_working_day(day):
                day -= dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days fall after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def in_office_hours(self, at: dt.datetime) -> bool:
        local = at.astimezone(BANGKOK)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """When the office is next open at or after ``at`` (``at`` itself if it is open)."""
        local = at.astimezone(BANGKOK)
        if self.in_office_hours(local):
            return local
        day = local.date()
        if not (self.is_working_day(day) and local.time() < self.opens):
            day = self.next_working_day(day)
        return dt.datetime.combine(day, self.opens, tzinfo=BANGKOK)

    def received_on(self, at: dt.datetime) -> dt.date:
        """The working day a message sent at ``at`` counts as received."""
        return self.next_opening(at).date()

    def due_on(self, at: dt.datetime, working_days: int) -> dt.date:
        """The last day of a ``working_days`` deadline for something received at ``at``."""
        return self.add_working_days(self.received_on(at), working_days)


THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
               "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
THAI_MONTHS_SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
                     "ต.ค.", "พ.ย.", "ธ.ค.")
THAI_WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")


def buddhist_year(day: dt.date) -> int:
    return day.year + 543


def format_date(day: dt.date, lang: str, *, weekday: bool = False, short: bool = False) -> str:
    """``18 ธ.ค. 2569`` / ``วันศุกร์ที่ 18 ธันวาคม 2569``; English keeps the Gregorian year."""
    if lang == "en":
        text = day.strftime("%-d %b %Y") if short else day.strftime("%-d %B %Y")
        return f"{day.strftime('%A')} {text}" if weekday else text
    month = (THAI_MONTHS_SHORT if short else THAI_MONTHS)[day.month - 1]
    text = f"{day.day} {month} {buddhist_year(day)}"
    return f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {text}" if weekday else text
