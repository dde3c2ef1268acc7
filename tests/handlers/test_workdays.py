"""Working days, office hours and Thai dates.

Every expected date below was checked by hand against the ``holidays`` package
(Thailand, PUBLIC + GOVERNMENT). The holidays that matter here:
  2026: Sat 5 Dec (King Bhumibol's birthday) -> Mon 7 Dec in lieu; Thu 10 Dec (Constitution Day);
        Thu 31 Dec (New Year's Eve)
  2027: Fri 1 Jan (New Year's Day); Tue 6 Apr (Chakri Day); Tue 13 - Thu 15 Apr (Songkran)
"""
from __future__ import annotations

import datetime as dt

import pytest

from handlers.workdays import WorkCalendar, format_date
from tests.support import bangkok

OPENS, CLOSES = dt.time(8, 30), dt.time(16, 30)
D = dt.date


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(OPENS, CLOSES)


@pytest.mark.parametrize(("start", "n", "expected"), [
    (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Fri + 1 skips the weekend: Mon
    (D(2026, 11, 28), 1, D(2026, 11, 30)),  # from a Saturday, Monday is the first
    (D(2026, 11, 30), 0, D(2026, 11, 30)),  # zero days: the day itself
    # Songkran 2027 (Tue 13 - Thu 15 Apr): Mon 12 + 1 = Fri 16.
    (D(2027, 4, 12), 1, D(2027, 4, 16)),
    # Fri 9 Apr 2027 + 2: Mon 12 (1), Songkran Tue-Thu, Fri 16 (2).
    (D(2027, 4, 9), 2, D(2027, 4, 16)),
    # New Year: Wed 30 Dec 2026 + 1: Thu 31 Dec and Fri 1 Jan are holidays, then a weekend.
    (D(2026, 12, 30), 1, D(2027, 1, 4)),
    # Substitution day: Fri 4 Dec + 1: Sat 5 (holiday), Sun 6, Mon 7 (in lieu) -> Tue 8.
    (D(2026, 12, 4), 1, D(2026, 12, 8)),
    # Mon 30 Nov + 5: Tue 1 .. Fri 4 Dec (4), Mon 7 Dec in lieu skipped, Tue 8 Dec (5).
    (D(2026, 11, 30), 5, D(2026, 12, 8)),
])
def test_add_working_days(cal: WorkCalendar, start: dt.date, n: int, expected: dt.date) -> None:
    assert cal.add_working_days(start, n) == expected


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 12, 4), True),    # Friday
    (D(2026, 12, 5), False),   # Saturday (and a holiday)
    (D(2026, 12, 6), False),   # Sunday
    (D(2026, 12, 7), False),   # Monday in lieu of Sat 5 Dec
    (D(2027, 4, 13), False),   # Songkran
    (D(2027, 4, 14), False),
    (D(2027, 4, 15), False),
    (D(2027, 4, 16), True),
    (D(2026, 12, 31), False),  # New Year's Eve
    (D(2027, 1, 1), False),    # New Year's Day
])
def test_is_working_day(cal: WorkCalendar, day: dt.date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_holiday_names_are_thai(cal: WorkCalendar) -> None:
    assert cal.holiday_name(D(2027, 4, 13)) == "วันสงกรานต์"
    assert cal.holiday_name(D(2026, 12, 8)) is None


def test_extra_municipal_day_off() -> None:
    cal = WorkCalendar(OPENS, CLOSES, extra_days_off=[D(2026, 12, 3)])  # a Thursday
    assert not cal.is_working_day(D(2026, 12, 3))
    # Wed 2 Dec + 1 skips Thu 3 Dec: Fri 4 Dec.
    assert cal.add_working_days(D(2026, 12, 2), 1) == D(2026, 12, 4)
    # A message sent during office hours on the day off counts on Fri 4 Dec.
    assert cal.received_on(bangkok(2026, 12, 3, 10, 0)) == D(2026, 12, 4)


@pytest.mark.parametrize(("at", "expected"), [
    (bangkok(2026, 12, 2, 7, 0), D(2026, 12, 2)),     # Wed before opening: that day
    (bangkok(2026, 12, 2, 16, 29), D(2026, 12, 2)),   # a minute before closing: that day
    (bangkok(2026, 12, 2, 16, 30), D(2026, 12, 3)),   # at closing: next working day
    (bangkok(2026, 12, 2, 20, 0), D(2026, 12, 3)),    # evening: next working day
    (bangkok(2026, 11, 28, 10, 0), D(2026, 11, 30)),  # Saturday: Monday
    (bangkok(2026, 12, 5, 10, 0), D(2026, 12, 8)),    # Saturday before Mon 7 Dec in lieu: Tue
    (bangkok(2026, 12, 4, 17, 0), D(2026, 12, 8)),    # Friday evening, same long weekend
    (bangkok(2027, 4, 12, 18, 0), D(2027, 4, 16)),    # Monday evening before Songkran
    (bangkok(2026, 12, 30, 23, 59), D(2027, 1, 4)),   # last evening before New Year
])
def test_received_on(cal: WorkCalendar, at: dt.datetime, expected: dt.date) -> None:
    assert cal.received_on(at) == expected


@pytest.mark.parametrize(("at", "expected"), [
    (bangkok(2026, 12, 2, 7, 0), bangkok(2026, 12, 2, 8, 30)),
    (bangkok(2026, 12, 2, 10, 15), bangkok(2026, 12, 2, 10, 15)),  # open: now
    (bangkok(2026, 12, 2, 16, 30), bangkok(2026, 12, 3, 8, 30)),
    (bangkok(2026, 11, 28, 10, 0), bangkok(2026, 11, 30, 8, 30)),
    # 07:00 on a holiday does not wait for that day's 08:30.
    (bangkok(2026, 12, 7, 7, 0), bangkok(2026, 12, 8, 8, 30)),
])
def test_next_opening(cal: WorkCalendar, at: dt.datetime, expected: dt.datetime) -> None:
    assert cal.next_opening(at) == expected


@pytest.mark.parametrize(("at", "open_"), [
    (bangkok(2026, 12, 2, 8, 29, 59), False),
    (bangkok(2026, 12, 2, 8, 30), True),
    (bangkok(2026, 12, 2, 16, 29, 59), True),
    (bangkok(2026, 12, 2, 16, 30), False),
    (bangkok(2026, 11, 28, 10, 0), False),  # Saturday
    (bangkok(2026, 12, 7, 10, 0), False),   # substitution day
    # Other time zones are converted to Thai time first: 03:00 UTC is 10:00 in Bangkok ...
    (dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.timezone.utc), True),
    # ... and 09:30 UTC is 16:30 in Bangkok.
    (dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.timezone.utc), False),
])
def test_in_office_hours(cal: WorkCalendar, at: dt.datetime, open_: bool) -> None:
    assert cal.in_office_hours(at) is open_


def test_due_on_fifteen_working_days(cal: WorkCalendar) -> None:
    # Received Mon 30 Nov 2026 (not counted). Tue 1 (1), Wed 2 (2), Thu 3 (3), Fri 4 (4),
    # [Sat 5, Sun 6, Mon 7 in lieu], Tue 8 (5), Wed 9 (6), [Thu 10 Constitution Day],
    # Fri 11 (7), Mon 14 (8), Tue 15 (9), Wed 16 (10), Thu 17 (11), Fri 18 (12),
    # Mon 21 (13), Tue 22 (14), Wed 23 Dec (15).
    assert cal.due_on(bangkok(2026, 11, 30, 10, 0), 15) == D(2026, 12, 23)


def test_due_on_after_hours_across_new_year(cal: WorkCalendar) -> None:
    # Sent Fri 11 Dec 2026 at 17:00: received Mon 14 Dec. Tue 15 .. Fri 18 (4),
    # Mon 21 .. Fri 25 (9), Mon 28 .. Wed 30 (12), [Thu 31, Fri 1 Jan, weekend],
    # Mon 4 Jan (13), Tue 5 (14), Wed 6 Jan 2027 (15).
    assert cal.due_on(bangkok(2026, 12, 11, 17, 0), 15) == D(2027, 1, 6)


@pytest.mark.parametrize(("day", "lang", "kwargs", "expected"), [
    (D(2026, 12, 23), "th", {}, "23 ธันวาคม 2569"),
    (D(2026, 12, 23), "th", {"short": True}, "23 ธ.ค. 2569"),
    (D(2026, 12, 23), "th", {"weekday": True}, "วันพุธที่ 23 ธันวาคม 2569"),
    (D(2026, 12, 23), "th", {"weekday": True, "short": True}, "วันพุธที่ 23 ธ.ค. 2569"),
    (D(2027, 1, 4), "th", {"weekday": True}, "วันจันทร์ที่ 4 มกราคม 2570"),
    (D(2027, 5, 2), "th", {"weekday": True}, "วันอาทิตย์ที่ 2 พฤษภาคม 2570"),
    (D(2026, 12, 23), "en", {}, "23 December 2026"),
    (D(2026, 12, 23), "en", {"short": True}, "23 Dec 2026"),
    (D(2026, 12, 23), "en", {"weekday": True}, "Wednesday 23 December 2026"),
    (D(2027, 1, 4), "en", {"weekday": True, "short": True}, "Monday 4 Jan 2027"),
])
def test_format_date(day: dt.date, lang: str, kwargs: dict[str, bool], expected: str) -> None:
    assert format_date(day, lang, **kwargs) == expected
