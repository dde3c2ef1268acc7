"""The municipality a deployment serves: divisions, categories and routing, contacts, hours.

All of it comes from a TOML file (Kra Sang's by default, ``handlers/data/kra_sang.toml``),
so a division renamed or a category added is an edit to that file, never to code.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The municipality file is missing something or contradicts itself; says what, in one line."""


@dataclass(frozen=True)
class Named:
    th: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.th


@dataclass(frozen=True)
class Category:
    code: str
    name: Named
    division: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: Named
    phone: str
    website: str
    facebook: str
    address: Named
    office_opens: dt.time
    office_closes: dt.time
    result_working_days: int
    ack_working_days: int
    progress_working_days: int
    phone_retention_days: int
    extra_days_off: frozenset[dt.date]
    complaint_centre: str
    divisions: dict[str, Named]
    categories: tuple[Category, ...]
    # Misconduct reports: who receives them, as (division, role) pairs; who receives one
    # about the receivers' own division instead; days after closing until it is erased.
    # Without a [misconduct] section: the complaint centre's integrity officers, and its head.
    misconduct_receivers: tuple[tuple[str, str], ...] = ()
    misconduct_fallback: tuple[tuple[str, str], ...] = ()
    report_retention_days: int = 90
    cases_per_day: int = 10  # cases one citizen may file in a day (a flood, not a grievance)
    # Minutes (lowest, highest) an anonymous report's alerts and relays wait, at random: an
    # alert that arrives the minute a report is sent dates it to the minute.
    report_alert_delay: tuple[int, int] = (0, 0)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)


DEFAULT_CONFIG = "kra_sang.toml"


def load_municipality(path: str | Path | None = None) -> Municipality:
    """Read the municipality file at ``path`` (the packaged Kra Sang file when None)."""
    try:
        if path is None:
            text = resources.files("handlers.data").joinpath(DEFAULT_CONFIG).read_text("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except FileNotFoundError as exc:
        raise ConfigError(f"municipality config not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"municipality config {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"municipality config {path} is not valid TOML: {exc}") from exc
    return _parse(raw)


def _parse(raw: dict[str, Any]) -> Municipality:
    try:
        m = raw["municipality"]
        divisions = {code: Named(d["th"], d["en"]) for code, d in raw["divisions"].items()}
        categories = tuple(
            Category(c["code"], Named(c["th"], c["en"]), c["division"]) for c in raw["categories"]
        )
        muni = Municipality(
            code=m["code"],
            name=Named(m["name_th"], m["name_en"]),
            phone=m["phone"],
            website=m["website"],
            facebook=m["facebook"],
            address=Named(m["address_th"], m["address_en"]),
            office_opens=dt.time.fromisoformat(m["office_opens"]),
            office_closes=dt.time.fromisoformat(m["office_closes"]),
            result_working_days=int(m["result_working_days"]),
            ack_working_days=int(m.get("ack_working_days", 1)),
            progress_working_days=int(m.get("progress_working_days", 5)),
            phone_retention_days=int(m["phone_retention_days"]),
            extra_days_off=frozenset(_date(d) for d in m.get("extra_days_off", [])),
            complaint_centre=m["complaint_centre"],
            divisions=divisions,
            categories=categories,
            cases_per_day=int(m.get("cases_per_day", 10)),
            **_misconduct(raw.get("misconduct", {}), m["complaint_centre"]),
        )
    except KeyError as exc:
        raise ConfigError(f"municipality config lacks {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"municipality config has a bad value: {exc}") from exc
    _check(muni)
    return muni


def _misconduct(raw: dict[str, Any], centre: str) -> dict[str, Any]:
    found: dict[str, Any] = {"misconduct_receivers": ((centre, "integrity"),),
                             "misconduct_fallback": ((centre, "head"),)}
    for key, field_name in (("receivers", "misconduct_receivers"),
                            ("fallback", "misconduct_fallback")):
        if key in raw:
            found[field_name] = tuple((str(d), str(r)) for d, r in raw[key])
    if "retention_days" in raw:
        found["report_retention_days"] = int(raw["retention_days"])
    if "alert_delay_minutes" in raw:
        low, high = (int(m) for m in raw["alert_delay_minutes"])
        if not 0 <= low <= high <= 24 * 60:
            raise ValueError("misconduct.alert_delay_minutes must be [low, high] within a day")
        found["report_alert_delay"] = (low, high)
    return found


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _check(muni: Municipality) -> None:
    if not muni.categories:
        raise ConfigError("municipality config lists no categories")
    codes = [c.code for c in muni.categories]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise ConfigError(f"municipality config repeats category code {', '.join(repeated)}")
    for c in muni.categories:
        if c.division not in muni.divisions:
            raise ConfigError(f"category {c.code!r} routes to unknown division {c.division!r}")
    if muni.complaint_centre not in muni.divisions:
        raise ConfigError(f"complaint_centre {muni.complaint_centre!r} is not a division")
    for division, _role in (*muni.misconduct_receivers, *muni.misconduct_fallback):
        if division not in muni.divisions:
            raise ConfigError(f"misconduct reports route to unknown division {division!r}")
    if not muni.misconduct_receivers:
        raise ConfigError("misconduct.receivers names nobody")
    if muni.office_opens >= muni.office_closes:
        raise ConfigError("office_opens must be before office_closes")
