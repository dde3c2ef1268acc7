"""Deadlines that are kept: which deadlines an open case has, the clock that stops while a
case waits on its citizen, and reminders and escalations sent once each, in office hours.

Stages of a deadline (a result due, or an acknowledgement due for a case nobody took):
``remind`` the assigned officer 2 working days before; ``head`` once it has passed;
``centre`` (the complaint centre) 3 working days after it. Each (case, stage, deadline) is
recorded in ``reminders`` in the same commit as its message, so a restart never repeats one;
a new expected date is a new deadline, with stages of its own.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers import case_rules, misconduct
from handlers.casework import OFFICER_LANG, action_choices, division_label
from handlers.municipality import Municipality, Named
from handlers.texts import t
from handlers.types import Reply
from handlers.workdays import BANGKOK, WorkCalendar, format_date
from storage import officers
from storage.db import Row, Tx

REMIND_BEFORE = 2  # working days before a deadline
CENTRE_AFTER = 3  # working days after a deadline passed


@dataclass(frozen=True)
class Due:
    kind: str  # "result" | "ack"
    on: dt.date


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(BANGKOK).date()


def deadlines(case: Row, calendar: WorkCalendar, progress_days: int) -> list[Due]:
    """The deadlines still running for ``case`` (none while it waits on its citizen):
    the result; taking a new case (acknowledgement); and for a misconduct report, telling
    the reporter of progress (plan 2.5.3 step 6.4) until work on it has started."""
    if case["paused_on"] or case["status"] in (*case_rules.FINAL, case_rules.RESOLVED):
        return []
    result = case["expected_on"] or case["due_on"]
    found = [Due("result", dt.date.fromisoformat(result))]
    if case["status"] == case_rules.NEW and case["ack_due_on"]:
        found.append(Due("ack", dt.date.fromisoformat(case["ack_due_on"])))
    if case["kind"] == "misconduct" and case["status"] in (case_rules.NEW, case_rules.ACCEPTED):
        received = dt.date.fromisoformat(case["received_on"])
        found.append(Due("progress", calendar.add_working_days(received, progress_days)))
    return found


def pause_fields(now: dt.datetime) -> dict[str, str]:
    """Stop the clocks: the case now waits on its citizen."""
    return {"paused_on": today(now).isoformat()}


def resume_fields(case: Row, now: dt.datetime, calendar: WorkCalendar) -> dict[str, object]:
    """Restart the clocks, every deadline moved by the working days the citizen took."""
    if not case["paused_on"]:
        return {}
    waited = calendar.working_days_between(dt.date.fromisoformat(case["paused_on"]), today(now))
    moved: dict[str, object] = {"paused_on": None}
    for column in ("due_on", "expected_on", "ack_due_on"):
        if case[column]:
            moved[column] = calendar.add_working_days(dt.date.fromisoformat(case[column]),
                                                      waited).isoformat()
    return moved


async def claim(tx: Tx, case_id: int, kind: str, deadline: dt.date, sent_at: str) -> bool:
    """Record that this reminder is sent; False if it was sent before."""
    return await tx.execute(
        "INSERT OR IGNORE INTO reminders (case_id, kind, deadline, sent_at) VALUES (?, ?, ?, ?)",
        (case_id, kind, deadline.isoformat(), sent_at)) == 1


async def due_reminders(tx: Tx, case: Row, calendar: WorkCalendar, muni: Municipality,
                        now: dt.datetime) -> list[tuple[str, str, Reply]]:
    """The reminders and escalations ``case`` owes now, each claimed so it is sent once."""
    day = today(now)
    sent_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    out: list[tuple[str, str, Reply]] = []
    for due in deadlines(case, calendar, muni.progress_working_days):
        stages = []
        if due.kind != "ack" and calendar.working_days_before(due.on, REMIND_BEFORE) <= day \
                <= due.on:
            stages.append("remind")
        if day > due.on:
            stages.append("head")
        if day >= calendar.add_working_days(due.on, CENTRE_AFTER):
            stages.append("centre")
        for stage in stages:
            if not await claim(tx, case["id"], f"{due.kind}:{stage}", due.on, sent_at):
                continue
            text = _text(case, due, stage, calendar, day, muni.divisions)
            reply = Reply(text, action_choices(case), columns=2)
            for platform, chat_id in await _recipients(tx, case, stage, muni):
                out.append((platform, chat_id, reply))
    return out


def _text(case: Row, due: Due, stage: str, calendar: WorkCalendar, day: dt.date,
          divisions: dict[str, Named]) -> str:
    fields = dict(reference=case["reference"],
                  division=division_label(divisions, case["division"], OFFICER_LANG),
                  due=format_date(due.on, OFFICER_LANG, weekday=True))
    if due.kind == "ack":
        return t(OFFICER_LANG, "o.ack.late", **fields)
    if due.kind == "progress":
        return t(OFFICER_LANG, "o.progress.due" if stage == "remind" else "o.progress.late",
                 **fields)
    if stage == "remind":
        return t(OFFICER_LANG, "o.remind", days=calendar.working_days_between(day, due.on),
                 **fields)
    if stage == "head":
        return t(OFFICER_LANG, "o.escalate.head", **fields)
    return t(OFFICER_LANG, "o.escalate.centre",
             days=calendar.working_days_between(due.on, day), **fields)


async def _recipients(tx: Tx, case: Row, stage: str, muni: Municipality
                      ) -> list[tuple[str, str]]:
    """Who hears of a deadline at ``stage``. A misconduct report's handlers hear of every
    stage: escalating it to a division or to the complaint centre could reach the people
    it is about."""
    division, centre = case["division"], muni.complaint_centre
    if case["kind"] == misconduct.MISCONDUCT:
        people = await misconduct.recipients(tx, muni, case)
    elif stage == "remind":
        assigned = await officers.get(tx, case["assigned_to"]) if case["assigned_to"] else None
        people = [assigned] if assigned else await officers.of_division(tx, division)
    elif stage == "head":
        people = await officers.of_division(tx, division, roles=("head",)) or \
            await officers.of_division(tx, division)
    else:
        people = await officers.of_division(tx, centre)
    return [(p.platform, p.chat_id) for p in people]

