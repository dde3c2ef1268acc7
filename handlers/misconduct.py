"""Where a misconduct report goes, and who may open it: never the division it is about.

Reports go to the receivers the municipality names (its integrity officers); a report about
the receivers' own division goes to the fallback instead (the complaint centre's head and
the municipal clerk). Whoever works in the division named is struck from either list, so
no configuration can send a report to the people it is about.
"""
from __future__ import annotations

import datetime as dt
import random

from handlers.municipality import Municipality
from handlers.workdays import WorkCalendar
from storage import officers
from storage.db import Row, Tx
from storage.officers import Officer

MISCONDUCT = "misconduct"  # the kind, the category and the pseudo-division of every report
INTEGRITY, FALLBACK = "integrity", "fallback"
UNKNOWN = ""  # the reporter does not know the division


def progress_due(calendar: WorkCalendar, muni: Municipality, received: dt.date) -> dt.date:
    """When the reporter is owed word of progress: ``progress_working_days`` after the report
    came in (the plan's 5 days, 2.5.3 step 6.4)."""
    return calendar.add_working_days(received, muni.progress_working_days)


def route_for(muni: Municipality, named: str) -> str:
    receivers = {division for division, _ in muni.misconduct_receivers}
    return FALLBACK if named in receivers else INTEGRITY


def handler_roles(muni: Municipality, route: str, named: str | None) -> list[tuple[str, str]]:
    """The (division, role) pairs that handle a report on ``route`` about ``named``."""
    pairs = muni.misconduct_fallback if route == FALLBACK else muni.misconduct_receivers
    return [(division, role) for division, role in pairs if division != named]


async def recipients(tx: Tx, muni: Municipality, case: Row) -> list[Officer]:
    """The active officers who handle ``case``: its alerts, reminders and relays go here."""
    found: list[Officer] = []
    for division, role in handler_roles(muni, case["route"], case["named_division"]):
        found += [o for o in await officers.of_division(tx, division, roles=(role,))
                  if o not in found]
    return found


def may_handle(muni: Municipality, officer: Officer, case: Row) -> bool:
    return (officer.division, officer.role) in handler_roles(muni, case["route"],
                                                          case["named_division"])


def routes_of(muni: Municipality, officer: Officer) -> tuple[str, ...]:
    """The routes whose reports ``officer`` may be given (each report is checked again)."""
    me = (officer.division, officer.role)
    return tuple(route for route, pairs in ((INTEGRITY, muni.misconduct_receivers),
                                            (FALLBACK, muni.misconduct_fallback))
                 if me in pairs)


def alert_delay(muni: Municipality, case: Row) -> float:
    """Seconds an alert about ``case`` (or a relay from its reporter) waits: a random part of
    the configured window for an anonymous report, none for any other case."""
    if not case["anonymous"]:
        return 0.0
    low, high = muni.report_alert_delay
    return random.uniform(low, high) * 60
