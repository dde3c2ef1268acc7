"""Reporting misconduct by municipal staff (plan 2.5.3), anonymously or by name.

The form: division → what happened → when and where → evidence → told anyone? → summary.
A named report is filed like a grievance (a reference, updates in chat) but routed to the
integrity officers. An anonymous one runs in private mode (:mod:`handlers.private`): the
draft never leaves memory, the case keeps nothing of the reporter, and the only key back to
it is a receipt code shown once. With that code the reporter opens the report, reads the
officers' questions and the outcome, answers, and adds evidence.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import secrets

from handlers import misconduct, receipts
from handlers.case_rules import FINAL, NEW
from handlers.cases import Draft, file_grievance
from handlers.casework import (
    OFFICER_LANG,
    alert_division,
    division_name,
    record,
    tell_officers,
)
from handlers.deadlines import resume_fields
from handlers.flows.common import (
    MENU,
    cancel_choice,
    draft,
    menu_choices,
    over_daily_limit,
    photos_step,
)
from handlers.flows.officer import officer_reply_about
from handlers.texts import t
from handlers.turn import Turn, step
from handlers.types import Card, Choice, Reply
from handlers.workdays import BANGKOK, day_stamp, format_date
from storage import cases as case_store
from storage import events
from storage import misconduct as report_store
from storage.db import Row

INTRO, DIVISION, WHAT, WHEN, EVIDENCE, TOLD, SUMMARY = (
    "r.intro", "r.division", "r.what", "r.when", "r.evidence", "r.told", "r.summary")
SAVED, NOTIFY, CODE, VIEW, ANSWER, ADD = (
    "a.saved", "a.notify", "a.code", "a.view", "a.answer", "a.add")
PRIVATE_STEPS = ("r.", "a.", MENU)  # where a private chat may stand and stay private
WHAT_MIN, WHAT_MAX, WHEN_MIN, WHEN_MAX = 10, 2000, 3, 300
LABEL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PLATFORMS = {"telegram": "Telegram", "line": "LINE"}


def typed(turn: Turn, low: int, high: int) -> str | None:
    """The text typed, if it is a real answer of ``low``–``high`` characters; otherwise
    say what is wrong (the caller asks again) and return None."""
    text = (turn.incoming.text or "").strip()
    if len(text) < low:
        turn.note(turn.t("g.description.short", min=low))
    elif not any(ch.isalnum() for ch in text):
        turn.note(turn.t("g.description.words"))
    elif len(text) > high:
        turn.note(turn.t("g.description.long", length=len(text), max=high))
    else:
        return text
    return None


# -- the choice ----------------------------------------------------------------------------
async def prompt_intro(turn: Turn) -> None:
    turn.say(turn.t("r.intro", platform=PLATFORMS[turn.incoming.platform]),
             [turn.choice("anonymous", "r.anonymous"), turn.choice("named", "r.named"),
              turn.choice("code", "r.have_code"), cancel_choice(turn)])


@step(INTRO, prompt=prompt_intro)
async def receive_intro(turn: Turn) -> None:
    choice = turn.incoming.choice
    if choice not in ("anonymous", "named", "code"):
        await turn.reprompt()
        return
    turn.reset()
    if choice == "named":
        draft(turn)["anonymous"] = False
        await turn.goto(DIVISION)
        return
    turn.conv.private = True  # from here on, this chat lives in memory only
    if choice == "code":
        await turn.goto(CODE)
        return
    draft(turn)["anonymous"] = True
    turn.note(turn.t("r.memory_only"))
    await turn.goto(DIVISION)


# -- the form ------------------------------------------------------------------------------
async def prompt_division(turn: Turn) -> None:
    choices = [Choice(f"div:{code}", name(turn.lang))
               for code, name in turn.muni.divisions.items()]
    turn.say(turn.t("r.division"), [*choices, turn.choice("div:", "r.division.unknown"),
                                    cancel_choice(turn)], columns=2)


@step(DIVISION, prompt=prompt_division)
async def receive_division(turn: Turn) -> None:
    value = turn.incoming.choice or ""
    division = value.removeprefix("div:")
    if not value.startswith("div:") or (division and division not in turn.muni.divisions):
        await turn.reprompt()
        return
    draft(turn)["division"] = division
    await turn.goto(WHAT)


async def prompt_what(turn: Turn) -> None:
    turn.say(turn.t("r.what", min=WHAT_MIN), [cancel_choice(turn)])


@step(WHAT, prompt=prompt_what)
async def receive_what(turn: Turn) -> None:
    text = typed(turn, WHAT_MIN, WHAT_MAX)
    if text is None:
        await turn.reprompt()
        return
    draft(turn)["what"] = text
    await turn.goto(WHEN)


async def prompt_when(turn: Turn) -> None:
    turn.say(turn.t("r.when"), [cancel_choice(turn)])


@step(WHEN, prompt=prompt_when)
async def receive_when(turn: Turn) -> None:
    text = typed(turn, WHEN_MIN, WHEN_MAX)
    if text is None:
        await turn.reprompt()
        return
    draft(turn)["when"] = text
    await turn.goto(EVIDENCE)


async def after_evidence(turn: Turn) -> None:
    await turn.goto(TOLD)


photos_step(EVIDENCE, ask="r.evidence", then=after_evidence)


async def prompt_told(turn: Turn) -> None:
    turn.say(turn.t("r.told"), [turn.choice("told:no", "r.told.no"),
                                turn.choice("told:yes", "r.told.yes"),
                                turn.choice("told:", "r.told.skip"), cancel_choice(turn)])


@step(TOLD, prompt=prompt_told)
async def receive_told(turn: Turn) -> None:
    value = turn.incoming.choice or ""
    if value not in ("told:no", "told:yes", "told:"):
        await turn.reprompt()
        return
    draft(turn)["told"] = value.removeprefix("told:") or None
    await turn.goto(SUMMARY)


async def prompt_summary(turn: Turn) -> None:
    d = draft(turn)
    none = turn.t("g.summary.none")
    named = d.get("division")
    photos = len(d.get("photos", []))
    card = Card(turn.t("r.summary"), (
        (turn.t("r.field.mode"), turn.t("r.anonymous" if d.get("anonymous") else "r.named")),
        (turn.t("r.field.division"), division_name(turn, named, turn.lang) if named
         else turn.t("r.division.unknown")),
        (turn.t("r.field.what"), d["what"]),
        (turn.t("r.field.when"), d["when"]),
        (turn.t("r.field.evidence"), turn.t("g.summary.photos", count=photos) if photos
         else none),
        (turn.t("r.field.told"), turn.t(f"r.told.{d['told']}") if d.get("told") else none),
    ), turn.t("g.summary.question"))
    turn.say_card(card, [turn.choice("confirm", "g.confirm"), cancel_choice(turn)])


@step(SUMMARY, prompt=prompt_summary)
async def receive_summary(turn: Turn) -> None:
    if turn.incoming.choice != "confirm" or await over_daily_limit(turn):
        await turn.reprompt()
    elif draft(turn).get("anonymous"):
        await file_anonymous(turn)
    else:
        await file_named(turn)


# -- filing --------------------------------------------------------------------------------
def _dates(turn: Turn) -> tuple[dt.date, dt.date, dt.date]:
    """Received, acknowledgement due, result due: counted from the day, never the hour."""
    calendar, muni = turn.services.calendar, turn.muni
    received = calendar.received_on(turn.now)
    return (received, calendar.add_working_days(received, muni.ack_working_days),
            calendar.add_working_days(received, muni.result_working_days))


def _progress_row(turn: Turn, received: dt.date, lang: str) -> tuple[str, str]:
    """The card's line saying by when the reporter is owed word of progress."""
    due = misconduct.progress_due(turn.services.calendar, turn.muni, received)
    return t(lang, "r.receipt.progress"), format_date(due, lang)


async def _alert(turn: Turn, reference: str) -> Row:
    case = await case_store.find(turn.tx, reference)
    assert case is not None
    await alert_division(turn, case, t(OFFICER_LANG, "o.report.alert", reference=reference))
    return case


async def file_named(turn: Turn) -> None:
    """A report by name: a case like a grievance, routed to the report handlers."""
    d = draft(turn)
    named = d.get("division") or misconduct.UNKNOWN
    received, ack_due, due = _dates(turn)
    incoming = turn.incoming
    filed = await file_grievance(
        turn.tx, Draft(category=misconduct.MISCONDUCT, division=misconduct.MISCONDUCT,
                       description=d["what"], location_lat=None, location_lon=None,
                       location_text=d["when"], photos=list(d.get("photos", [])), phone=None),
        code=turn.muni.code, platform=incoming.platform, chat_id=incoming.chat_id,
        user_id=incoming.user_id, lang=turn.lang, now=turn.now, received_on=received,
        due_on=due, ack_due_on=ack_due, kind=misconduct.MISCONDUCT,
        named_division=named, route=misconduct.route_for(turn.muni, named), told=d.get("told"))
    turn.case_reference = filed.reference
    await _alert(turn, filed.reference)
    card = Card(turn.t("r.ack", name=turn.muni.name(turn.lang)), (
        (turn.t("g.ack.reference"), filed.reference),
        (turn.t("r.ack.handled"), turn.t("division.misconduct")),
        (turn.t("g.ack.received"), format_date(received, turn.lang)),
        _progress_row(turn, received, turn.lang),
        (turn.t("g.ack.due"), format_date(due, turn.lang)),
    ), turn.t("g.ack.keep", phone=turn.muni.phone))
    turn.reset()
    turn.conv.step = MENU
    turn.say_card(card, menu_choices(turn))


async def file_anonymous(turn: Turn) -> None:
    """Store the report with nothing of its reporter, and show its receipt code once."""
    d = draft(turn)
    named = d.get("division") or misconduct.UNKNOWN
    code = receipts.new_code()
    while receipts.contains(d["what"], code) or receipts.contains(d["when"], code):
        code = receipts.new_code()  # a code must never sit inside the report it opens
    salt = await report_store.receipt_salt(turn.tx)
    received, ack_due, due = _dates(turn)
    label = await _new_label(turn)
    at = day_stamp(turn.now)
    case_id = await case_store.insert(turn.tx, case_store.NewCase(
        reference=label, kind=misconduct.MISCONDUCT, category=misconduct.MISCONDUCT,
        division=misconduct.MISCONDUCT, description=d["what"], location_lat=None,
        location_lon=None, location_text=d["when"], phone=None, status=NEW, platform="",
        chat_id="", user_id="", lang="", created_at=at, received_on=received.isoformat(),
        due_on=due.isoformat(), ack_due_on=ack_due.isoformat(), anonymous=True,
        named_division=named, route=misconduct.route_for(turn.muni, named), told=d.get("told"),
        receipt_hash=await asyncio.to_thread(receipts.digest, code, salt),
    ), list(d.get("photos", [])))
    await events.record(turn.tx, case_id, at, "reporter", "filed", None, NEW)
    turn.services.anonymous_today.add((turn.incoming.platform, turn.incoming.chat_id),
                                      turn.now.astimezone(BANGKOK).date())
    await _alert(turn, label)
    token = secrets.token_hex(8)
    turn.reset()
    turn.data.update(report=case_id, receipt_message=token)
    footer = turn.t("r.receipt.keep") + turn.t(f"r.receipt.{turn.incoming.platform}")
    card = Card(turn.t("r.receipt"), (
        (turn.t("r.receipt.code"), receipts.display(code)),
        (turn.t("g.ack.received"), format_date(received, turn.lang)),
        _progress_row(turn, received, turn.lang),
        (turn.t("g.ack.due"), format_date(due, turn.lang)),
    ), footer)
    turn.conv.step = SAVED
    turn.say_card(card, [turn.choice("saved", "r.saved")], remember=token)


async def _new_label(turn: Turn) -> str:
    """``KS-R-7KQ3MZ``: random, so that its number says nothing of when it was filed."""
    while True:
        label = f"{turn.muni.code}-R-" + "".join(secrets.choice(LABEL_ALPHABET)
                                                 for _ in range(6))
        if await case_store.find(turn.tx, label) is None:
            return label


async def prompt_saved(turn: Turn) -> None:
    turn.say(turn.t("r.receipt.keep"), [turn.choice("saved", "r.saved")])


@step(SAVED, prompt=prompt_saved)
async def receive_saved(turn: Turn) -> None:
    if turn.incoming.choice != "saved":
        await turn.reprompt()
        return
    token = turn.data.pop("receipt_message", None)
    if token:
        turn.unsay(token)
    await turn.goto(NOTIFY)


async def prompt_notify(turn: Turn) -> None:
    turn.say(turn.t("r.notify"), [turn.choice("notify:yes", "r.notify.yes"),
                                  turn.choice("notify:no", "r.notify.no")])


@step(NOTIFY, prompt=prompt_notify)
async def receive_notify(turn: Turn) -> None:
    choice = turn.incoming.choice
    if choice not in ("notify:yes", "notify:no"):
        await turn.reprompt()
        return
    case_id = turn.data.pop("report", None)
    if choice == "notify:yes" and case_id is not None:
        sealer = turn.services.sealer
        assert sealer is not None, "the service seals reporters' addresses"
        incoming = turn.incoming
        contact_id = await report_store.add_contact(turn.tx, sealer.seal(
            {"platform": incoming.platform, "chat_id": incoming.chat_id, "lang": turn.lang}))
        await case_store.update(turn.tx, case_id, contact_id=contact_id)
        turn.note(turn.t("r.notify.on"))
    else:
        turn.note(turn.t("r.notify.off"))
    turn.reset()
    await turn.goto(MENU)


# -- following up with the receipt code ----------------------------------------------------
def chat(turn: Turn) -> tuple[str, str]:
    return turn.incoming.platform, turn.incoming.chat_id


async def prompt_code(turn: Turn) -> None:
    turn.say(turn.t("a.code"), [cancel_choice(turn)])


@step(CODE, prompt=prompt_code)
async def receive_code(turn: Turn) -> None:
    guard, now = turn.services.guard, turn.now.timestamp()
    code = receipts.parse(turn.incoming.text or "")
    if code is not None:
        turn.unsay_incoming()  # a typed code does not stay in the chat
    wait = guard.wait(chat(turn), now)
    if wait > 0:
        turn.note(_wait_text(turn, wait))
        await turn.reprompt()
        return
    if code is None:
        turn.note(turn.t("a.code.bad"))
        await turn.reprompt()
        return
    salt = await report_store.receipt_salt(turn.tx)
    case = await report_store.find_by_receipt(
        turn.tx, await asyncio.to_thread(receipts.digest, code, salt))
    if case is None:
        wait = guard.failed(chat(turn), now)
        turn.note(turn.t("a.code.bad") + ("\n" + _wait_text(turn, wait) if wait else ""))
        await turn.reprompt()
        return
    turn.data.update(report=case["id"], code=code)  # memory only: this chat is private
    await turn.goto(VIEW)


def _wait_text(turn: Turn, seconds: float) -> str:
    if turn.services.guard.locked(chat(turn)):
        return turn.t("a.code.locked")
    return turn.t("a.code.wait", seconds=int(seconds + 0.999))


async def opened(turn: Turn) -> Row | None:
    """The report this chat opened with its code; None (back to the menu) if it is gone."""
    case_id = turn.data.get("report")
    case = await case_store.get(turn.tx, case_id) if case_id else None
    if case is None or not turn.data.get("code"):
        turn.reset()
        await turn.goto(MENU)
        return None
    return case


async def prompt_view(turn: Turn) -> None:
    case = await opened(turn)
    if case is None:
        return
    lang = turn.lang
    timeline = await events.timeline(turn.tx, case["id"])
    received = dt.date.fromisoformat(case["received_on"])
    rows = [
        (t(lang, "a.field.status"), _status_text(lang, case["status"])),
        (t(lang, "a.field.received"), format_date(received, lang)),
        _progress_row(turn, received, lang),
        (t(lang, "a.field.due"), format_date(dt.date.fromisoformat(
            case["expected_on"] or case["due_on"]), lang)),
    ]
    history = [line for e in timeline if (line := _history_line(lang, e))]
    if history:
        rows.append((t(lang, "a.field.history"), "\n".join(history[-10:])))
    choices = [turn.choice("answer", "a.answer")] if case["awaiting"] == "answer" else []
    if case["status"] not in FINAL:
        choices.append(turn.choice("add", "a.add"))
    turn.say_card(Card(turn.t("a.view"), tuple(rows)), [*choices, turn.choice("menu", "menu.back")])


def _status_text(lang: str, status: str) -> str:
    """A status as the reporter reads it ("closed" says what closing a report means)."""
    return t(lang, "r.status.closed") if status == "closed" else t(lang, f"status.{status}")


def _history_line(lang: str, event: Row) -> str | None:
    """What the reporter may read of one event: who acted stays out of it."""
    day = format_date(dt.datetime.fromisoformat(event["at"]).astimezone(BANGKOK).date(), lang,
                      short=True)
    kind, note = event["kind"], event["note"]
    if kind == "filed":
        return t(lang, "a.ev.filed", day=day)
    if kind in ("asked", "answered", "postponed") and note:
        return t(lang, f"a.ev.{kind}", day=day, note=note)
    if kind == "added":
        return t(lang, "a.ev.added", day=day)
    if event["to_status"] and event["to_status"] != event["from_status"]:
        status = _status_text(lang, event["to_status"])
        return t(lang, "a.ev.note", day=day, status=status, note=note) if note and \
            kind in ("resolved", "rejected") else t(lang, "a.ev.status", day=day, status=status)
    return None


@step(VIEW, prompt=prompt_view)
async def receive_view(turn: Turn) -> None:
    choice = turn.incoming.choice
    if choice == "answer":
        await turn.goto(ANSWER)
    elif choice == "add":
        await turn.goto(ADD)
    else:
        await turn.reprompt()


async def prompt_answer(turn: Turn) -> None:
    case = await opened(turn)
    if case is None:
        return
    asked = await events.last_note(turn.tx, case["id"], "asked")
    turn.say(turn.t("a.answer.prompt", question=asked or ""),
             [cancel_choice(turn)])


def holds_code(turn: Turn, text: str) -> bool:
    """Refuse (and take out of the chat) a text that contains the reporter's own code."""
    if not receipts.contains(text, turn.data.get("code", "")):
        return False
    turn.unsay_incoming()
    turn.note(turn.t("a.has_code"))
    return True


@step(ANSWER, prompt=prompt_answer)
async def receive_answer(turn: Turn) -> None:
    case = await opened(turn)
    if case is None:
        return
    text = typed(turn, 1, WHAT_MAX)
    if text is None or holds_code(turn, text) or case["awaiting"] != "answer":
        await turn.goto(VIEW if case["awaiting"] != "answer" else ANSWER)
        return
    await case_store.update(turn.tx, case["id"], awaiting=None,
                            **resume_fields(case, turn.now, turn.services.calendar))
    await record(turn, case, "reporter", "answered", text)
    await officer_reply_about(turn, case, t(OFFICER_LANG, "o.answer",
                                            reference=case["reference"], answer=text))
    turn.note(turn.t("a.sent"))
    await turn.goto(VIEW)


async def prompt_add(turn: Turn) -> None:
    turn.say(turn.t("a.add.prompt"), [cancel_choice(turn)], request="photo")


@step(ADD, prompt=prompt_add)
async def receive_add(turn: Turn) -> None:
    case = await opened(turn)
    if case is None:
        return
    photo = turn.incoming.photo
    text = None if photo else typed(turn, WHEN_MIN, WHAT_MAX)
    if (photo is None and text is None) or (text and holds_code(turn, text)):
        await turn.reprompt()
        return
    if photo is not None:
        await case_store.add_photos(turn.tx, case["id"], [photo.sha256])
    await record(turn, case, "reporter", "added", text)
    message = t(OFFICER_LANG, "o.added", reference=case["reference"],
                text=text or t(OFFICER_LANG, "o.answer.photo"))
    tell_officers(turn, case, await misconduct.recipients(turn.tx, turn.muni, case),
                  Reply(message, images=(photo.sha256,) if photo else ()))
    turn.note(turn.t("a.sent"))
    await turn.goto(VIEW)
