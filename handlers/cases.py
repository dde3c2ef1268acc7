"""Case rules: references citizens can read over the phone, statuses, and filing a case."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from handlers.case_rules import NEW
from handlers.workdays import BANGKOK, buddhist_year
from storage import cases as case_store
from storage import events
from storage.db import Tx

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,6})\s*-\s*(\d{4})\s*-\s*(\d{1,5})(?!\d)")
_LABEL = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,6})-R-([A-HJ-NP-Z2-9]{6})(?![A-Za-z0-9])",
                    re.IGNORECASE)  # an anonymous report's random label


def format_reference(code: str, year_be: int, sequence: int) -> str:
    """``KS-2569-00001``: municipality, Buddhist-era year of receipt, sequence in that year.

    The sequence restarts each calendar year, as registers of received documents do under
    the Regulation on Correspondence (ระเบียบงานสารบรรณ).
    """
    return f"{code}-{year_be}-{sequence:05d}"


def parse_reference(text: str, code: str) -> str | None:
    """Find a reference of municipality ``code`` in what a citizen typed (Thai digits too)."""
    label = _LABEL.search(text)
    if label and label.group(1).upper() == code.upper():
        return f"{code}-R-{label.group(2).upper()}"
    match = _REFERENCE.search(text.translate(_THAI_DIGITS))
    if not match or match.group(1).upper() != code.upper():
        return None
    return format_reference(code, int(match.group(2)), int(match.group(3)))


@dataclass(frozen=True)
class Draft:
    """A grievance as the citizen entered it, before it becomes a case."""

    category: str
    division: str
    description: str
    location_lat: float | None
    location_lon: float | None
    location_text: str | None
    photos: list[str]
    phone: str | None


@dataclass(frozen=True)
class Filed:
    reference: str
    received_on: dt.date
    due_on: dt.date


async def file_grievance(tx: Tx, draft: Draft, *, code: str, platform: str, chat_id: str,
                         user_id: str, lang: str, now: dt.datetime, received_on: dt.date,
                         due_on: dt.date, ack_due_on: dt.date, kind: str = "grievance",
                         named_division: str | None = None, route: str | None = None,
                         told: str | None = None) -> Filed:
    """Store ``draft`` as a new case with its first timeline event; return its reference.
    (A named misconduct report is filed here too, with its ``kind`` and routing.)"""
    year = buddhist_year(now.astimezone(BANGKOK).date())
    reference = format_reference(code, year, await case_store.next_sequence(tx, year))
    at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    case_id = await case_store.insert(tx, case_store.NewCase(
        reference=reference, kind=kind, category=draft.category, division=draft.division,
        description=draft.description, location_lat=draft.location_lat,
        location_lon=draft.location_lon, location_text=draft.location_text, phone=draft.phone,
        status=NEW, platform=platform, chat_id=chat_id, user_id=user_id, lang=lang,
        created_at=at, received_on=received_on.isoformat(), due_on=due_on.isoformat(),
        ack_due_on=ack_due_on.isoformat(), named_division=named_division, route=route,
        told=told,
    ), draft.photos)
    await events.record(tx, case_id, at, "citizen", "filed", None, NEW)
    return Filed(reference, received_on, due_on)
