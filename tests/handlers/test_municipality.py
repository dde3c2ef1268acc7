"""The municipality file: the packaged Kra Sang one, a custom one, and what a bad one says."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from handlers.municipality import ConfigError, Municipality, load_municipality

CUSTOM = """\
[municipality]
code = "TS"
name_th = "เทศบาลตำบลทดสอบ"
name_en = "Test Subdistrict Municipality"
phone = "02-000-0000"
website = "https://example.org"
facebook = "https://www.facebook.com/example"
address_th = "สำนักงานเทศบาลตำบลทดสอบ"
address_en = "Test Municipal Office"
office_opens = "09:00"
office_closes = "16:00"
result_working_days = 10
phone_retention_days = 30
extra_days_off = [2026-12-24, "2026-12-28"]
complaint_centre = "clerk"

[divisions.clerk]
th = "สำนักปลัดเทศบาล"
en = "Office of the Municipal Clerk"

[divisions.works]
th = "กองช่าง"
en = "Public Works Division"

[[categories]]
code = "road"
th = "ถนน"
en = "Road"
division = "works"

[[categories]]
code = "other"
th = "เรื่องอื่น ๆ"
en = "Something else"
division = "clerk"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "municipality.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_kra_sang_config() -> None:
    m = load_municipality()
    assert m.code == "KS"
    assert m.name("th") == "เทศบาลตำบลกระสัง"
    assert m.phone == "044-691508"
    assert m.complaint_centre == "planning"
    assert (m.office_opens, m.office_closes) == (dt.time(8, 30), dt.time(16, 30))
    assert m.result_working_days == 15
    assert len(m.categories) == 11
    assert m.divisions["works"].th == "กองช่าง"
    assert m.divisions["works"]("en") == "Public Works Division"
    assert all(c.division in m.divisions for c in m.categories)
    assert m.category("road").division == "works"  # type: ignore[union-attr]
    assert m.category("no-such-thing") is None


def test_custom_config(tmp_path: Path) -> None:
    m = load_municipality(write(tmp_path, CUSTOM))
    assert isinstance(m, Municipality)
    assert m.code == "TS"
    assert [c.code for c in m.categories] == ["road", "other"]
    assert m.category("other").name("en") == "Something else"  # type: ignore[union-attr]
    assert (m.office_opens, m.office_closes) == (dt.time(9, 0), dt.time(16, 0))
    # A TOML date and an ISO string are both accepted.
    assert m.extra_days_off == {dt.date(2026, 12, 24), dt.date(2026, 12, 28)}


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('division = "works"', 'division = "parks"', "category 'road' routes to unknown division 'parks'"),
    ('code = "other"', 'code = "road"', "repeats category code road"),
    ('phone = "02-000-0000"\n', "", "lacks 'phone'"),
    ('division = "clerk"\n', "", "lacks 'division'"),
    ('complaint_centre = "clerk"', 'complaint_centre = "press"', "complaint_centre 'press'"),
    ('office_opens = "09:00"', 'office_opens = "17:00"',
     "office_opens must be before office_closes"),
    ('office_opens = "09:00"', 'office_opens = "nine"', "bad value"),
    ("[divisions.clerk]", "[divisions.clerk", "is not valid TOML"),
    ("[divisions.clerk]", '[misconduct]\nreceivers = [["press", "integrity"]]\n\n[divisions.clerk]',
     "misconduct reports route to unknown division 'press'"),
    ("[divisions.clerk]", "[misconduct]\nreceivers = []\n\n[divisions.clerk]",
     "misconduct.receivers names nobody"),
    ("[divisions.clerk]", "[misconduct]\nalert_delay_minutes = [30, 5]\n\n[divisions.clerk]",
     "alert_delay_minutes must be [low, high] within a day"),
])
def test_bad_config_says_what_in_one_line(tmp_path: Path, old: str, new: str,
                                          expected: str) -> None:
    assert old in CUSTOM
    path = write(tmp_path, CUSTOM.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_municipality(path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_misconduct_routing_defaults_to_the_complaint_centre(tmp_path: Path) -> None:
    m = load_municipality(write(tmp_path, CUSTOM))
    assert m.misconduct_receivers == ((m.complaint_centre, "integrity"),)
    assert m.misconduct_fallback == ((m.complaint_centre, "head"),)
    assert m.report_retention_days == 90
    kra_sang = load_municipality()
    assert kra_sang.misconduct_receivers == (("clerk", "integrity"),)
    assert kra_sang.misconduct_fallback == (("planning", "head"), ("clerk", "head"))
    assert (m.report_alert_delay, kra_sang.report_alert_delay) == ((0, 0), (5, 30))


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="not found") as info:
        load_municipality(missing)
    assert str(missing) in str(info.value)
    assert "\n" not in str(info.value)
