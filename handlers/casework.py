"""Work on a case after it is filed: moving its status, telling its citizen, alerting its
division, and pausing the citizen's conversation for a question the case asks them.

Everything here runs inside the turn's transaction and queues messages with
:meth:`Turn.notify`, so a status change, its timeline event and the messages about it
commit together.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from handlers import misconduct
from handlers.case_rules import FINAL, actions_for
from handlers.flows.common import describe_location
from handlers.municipality import Named
from handlers.texts import t
from handlers.turn import Turn
from handlers.types import Card, Choice, Reply
from handlers.workdays import BANGKOK, day_stamp, format_date
from storage import cases as case_store
from storage import conversations, events, officers
from storage.db import Row
from storage.officers import Officer

OFFICER_LANG = "th"  # officers read the municipality's own language
FOLLOW_UP_STEPS = ("c.answer", "c.confirm", "c.rating")


def stamp(turn: Turn) -> str:
    return turn.now.astimezone(dt.UTC).isoformat(timespec="seconds")


def case_stamp(turn: Turn, case: Row) -> str:
    return day_stamp(turn.now) if case["anonymous"] else stamp(turn)


def division_name(turn: Turn, code: str, lang: str) -> str:
    return division_label(turn.muni.divisions, code, lang)


def division_label(divisions: dict[str, Named], code: str, lang: str) -> str:
    """A division's name in ``lang``: reports' own pseudo-division, or the code itself for
    one the municipality file no longer has."""
    if code == misconduct.MISCONDUCT:
        return t(lang, "division.misconduct")
    named = divisions.get(code)
    return named(lang) if named else code


def category_name(turn: Turn, code: str, lang: str) -> str:
    if code == misconduct.MISCONDUCT:
        return t(lang, "category.misconduct")
    category = turn.muni.category(code)
    return category.name(lang) if category else code


async def record(turn: Turn, case: Row, actor: str, kind: str, note: str | None = None,
                 to_status: str | None = None) -> None:
    """Add an event to the case's timeline (a day, not a time, for an anonymous report)."""
    await events.record(turn.tx, case["id"], case_stamp(turn, case), actor, kind,
                        case["status"], to_status or case["status"], note)


async def move(turn: Turn, case: Row, to_status: str, actor: str, kind: str,
               note: str | None = None, **fields: Any) -> Row:
    """Change the case's status (and other columns), record the event; the fresh row."""
    await case_store.update(turn.tx, case["id"], status=to_status, **fields)
    await record(turn, case, actor, kind, note, to_status)
    if to_status in FINAL and case["contact_id"]:
        turn.news.append(case["id"])  # the last notice goes out, then the address is deleted
    fresh = await case_store.get(turn.tx, case["id"])
    assert fresh is not None
    return fresh


def tell_citizen(turn: Turn, case: Row, key: str, choices: tuple[Choice, ...] = (),
                 images: tuple[str, ...] = (), **fields: Any) -> Reply:
    """Queue text ``key`` to the case's citizen, in their language, on their platform.

    An anonymous reporter has no address: they read it when they open the report with
    their code; if they asked for notices, they get one that says only "there is news".
    """
    lang = case["lang"] or OFFICER_LANG
    reply = Reply(t(lang, key, reference=case["reference"],
                    division=division_name(turn, case["division"], lang), **fields),
                  choices, images=images)
    if case["anonymous"]:
        if case["contact_id"]:  # the engine sends one piece of news per case and step
            turn.news.append(case["id"])
    else:
        turn.notify(case["platform"], case["chat_id"], [reply])
    return reply


async def pause_citizen(turn: Turn, case: Row, step: str, reply: Reply) -> None:
    """Put the citizen's chat at ``step`` about ``case``: what they were doing (a draft)
    waits; if another case is already asking them something, this one queues behind it."""
    tx = turn.tx
    conv = await conversations.load(tx, case["platform"], case["chat_id"])
    if conv is None:
        conv = conversations.ConversationRow(case["platform"], case["chat_id"], case["user_id"],
                                             case["lang"], "menu")
    follow_up = {"step": step, "case": case["reference"], "text": reply.text,
                 "offered": {c.value: c.label for c in reply.choices}}
    if conv.step in FOLLOW_UP_STEPS:
        conv.data.setdefault("_queue", []).append(follow_up)
    else:
        conv.data = {"_paused": {"step": conv.step, "data": conv.data}, "_queue": []}
        enter_follow_up(conv, follow_up)
    await conversations.save(tx, conv, stamp(turn))


def enter_follow_up(conv: conversations.ConversationRow, follow_up: dict[str, Any]) -> None:
    conv.step = follow_up["step"]
    conv.data.update(case=follow_up["case"], _question=follow_up["text"],
                     _offered=follow_up["offered"])


def case_card(turn: Turn, case: Row, title: str, timeline: list[Row] | None = None,
              photos: int = 0) -> Card:
    if case["kind"] == misconduct.MISCONDUCT:
        return report_card(turn, case, title, timeline, photos)
    lang = OFFICER_LANG
    rows = [
        (t(lang, "o.field.category"), category_name(turn, case["category"], lang)),
        (t(lang, "o.field.status"), t(lang, f"status.{case['status']}")),
        (t(lang, "o.field.description"), _short(case["description"]) if timeline
         else case["description"]),
        (t(lang, "o.field.location"), describe_location(
            turn, case["location_text"], case["location_lat"], case["location_lon"])),
    ]
    if case["location_lat"] is not None:
        rows.append((t(lang, "o.field.map"), "https://www.google.com/maps?q="
                     f"{case['location_lat']:.6f},{case['location_lon']:.6f}"))
    if photos:
        rows.append((t(lang, "o.field.photos"), t(lang, "g.summary.photos", count=photos)))
    rows += [
        (t(lang, "o.field.due"), format_date(dt.date.fromisoformat(case["due_on"]), lang,
                                             short=True)),
        (t(lang, "o.field.contact"), case["phone"] or t(lang, "o.contact.none")),
    ]
    if timeline:
        rows.append(_timeline_row(timeline, lang, days_only=False))
    return Card(title, tuple(rows))


def _timeline_row(timeline: list[Row], lang: str, days_only: bool) -> tuple[str, str]:
    lines = [f"{_when(e['at'], days_only)} "
             f"{t(lang, 'status.' + e['to_status']) if e['to_status'] else ''}"
             f"{' · ' + _short(e['note']) if e['note'] else ''} ({e['kind']})"
             for e in timeline[-TIMELINE_SHOWN:]]
    return t(lang, "o.field.timeline"), "\n".join(lines)


def report_card(turn: Turn, case: Row, title: str, timeline: list[Row] | None,
                photos: int) -> Card:
    """A misconduct report as its handlers see it: what it says, never who said it."""
    lang = OFFICER_LANG
    named = case["named_division"]
    progress = misconduct.progress_due(turn.services.calendar, turn.muni,
                                       dt.date.fromisoformat(case["received_on"]))
    rows = [
        (t(lang, "o.field.status"), t(lang, f"status.{case['status']}")),
        (t(lang, "o.field.named"), division_name(turn, named, lang) if named
         else t(lang, "r.division.unknown")),
        (t(lang, "o.field.description"), _short(case["description"]) if timeline
         else case["description"]),
        (t(lang, "o.field.when"), case["location_text"] or t(lang, "g.summary.none")),
        (t(lang, "o.field.told"), t(lang, f"r.told.{case['told']}") if case["told"]
         else t(lang, "g.summary.none")),
    ]
    if photos:
        rows.append((t(lang, "o.field.photos"), t(lang, "g.summary.photos", count=photos)))
    rows += [
        (t(lang, "o.field.progress"), format_date(progress, lang, short=True)),
        (t(lang, "o.field.due"), format_date(dt.date.fromisoformat(case["due_on"]), lang,
                                             short=True)),
        (t(lang, "o.field.reporter"), t(lang, "o.reporter.anonymous" if case["anonymous"]
                                        else "o.reporter.named")),
    ]
    if timeline:
        rows.append(_timeline_row(timeline, lang, days_only=bool(case["anonymous"])))
    return Card(title, tuple(rows))


TIMELINE_SHOWN, NOTE_SHOWN = 12, 160  # a card must fit one message (Telegram: 4,096)


def _short(text: str) -> str:
    return text if len(text) <= NOTE_SHOWN else text[:NOTE_SHOWN - 1] + "…"


def _when(iso: str, days_only: bool = False) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(BANGKOK).strftime(
        "%d/%m" if days_only else "%d/%m %H:%M")


def action_choices(case: Row) -> tuple[Choice, ...]:
    return tuple(Choice(f"o:{action}:{case['reference']}", t(OFFICER_LANG, f"o.do.{action}"))
                 for action in actions_for(case["status"], case["kind"]))


async def case_photos(turn: Turn, case: Row) -> tuple[str, ...]:
    rows = await turn.tx.fetchall(
        "SELECT sha256 FROM case_photos WHERE case_id = ? ORDER BY position", (case["id"],))
    return tuple(r["sha256"] for r in rows)


async def alert_division(turn: Turn, case: Row, title: str) -> None:
    """Tell every officer of the case's division, and its bound groups, with the actions;
    a misconduct report only its handlers, one by one (a group has too many readers)."""
    images = await case_photos(turn, case)
    card = case_card(turn, case, title, photos=len(images))
    reply = Reply(card.as_text(), action_choices(case), columns=2, card=card, images=images)
    tell_officers(turn, case, await handlers_of(turn, case), reply)
    if case["kind"] == misconduct.MISCONDUCT:
        return
    for platform, chat_id in await officers.groups_of(turn.tx, case["division"]):
        turn.notify(platform, chat_id, [reply])


def tell_officers(turn: Turn, case: Row, people: Iterable[Officer], reply: Reply) -> None:
    """Send ``reply`` about ``case`` to each of ``people``, one by one; about an anonymous
    report, sealed and after its random delay (``misconduct.alert_delay``)."""
    delay = misconduct.alert_delay(turn.muni, case)
    for person in people:
        turn.notify(person.platform, person.chat_id, [reply], delay=delay,
                    seal=bool(case["anonymous"]))


async def handlers_of(turn: Turn, case: Row, roles: tuple[str, ...] | None = None
                      ) -> list[officers.Officer]:
    """Who works on ``case``: its division's officers (with one of ``roles``, if given), or
    for a misconduct report its routed handlers, whatever ``roles`` says."""
    if case["kind"] == misconduct.MISCONDUCT:
        return await misconduct.recipients(turn.tx, turn.muni, case)
    return await officers.of_division(turn.tx, case["division"], roles=roles)


async def tell_heads(turn: Turn, case: Row, key: str) -> None:
    """Tell the division's heads (its officers, when it has no head registered)."""
    people = await handlers_of(turn, case, roles=("head",)) or await handlers_of(turn, case)
    text = t(OFFICER_LANG, key, reference=case["reference"])
    for officer in people:
        turn.notify(officer.platform, officer.chat_id,
                    [Reply(text, action_choices(case), columns=2)])
