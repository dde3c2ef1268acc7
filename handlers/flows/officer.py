"""What officers do in chat: see their division's cases, and move a case along.

Every action is authorized against the database when it is asked for and again when it is
carried out: the officer must be active, the case of their division (the complaint centre
and admins see every division's), and the move allowed from the case's status *now*. A
button's payload names an action and a case; it is never trusted further than that.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from handlers import case_rules, chart, misconduct, reports
from handlers.case_rules import ACTIONS, FINAL
from handlers.cases import parse_reference
from handlers.casework import (
    OFFICER_LANG,
    action_choices,
    alert_division,
    case_card,
    category_name,
    division_name,
    move,
    pause_citizen,
    record,
    stamp,
    tell_citizen,
    tell_officers,
)
from handlers.deadlines import pause_fields, resume_fields
from handlers.flows.common import cancel_choice
from handlers.texts import t
from handlers.turn import Turn, step
from handlers.types import Choice, Reply
from handlers.workdays import BANGKOK, format_date
from storage import cases as case_store
from storage import events
from storage import misconduct as report_store
from storage import officers as officer_store
from storage.db import Row
from storage.officers import Officer

log = logging.getLogger(__name__)

MENU = "o.menu"
GROUP_ROLE = "group"  # an invitation that binds a group chat to a division, not a person
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed by hand
INVITE_CODE = re.compile(r"^\s*(INV(?:-[A-HJ-NP-Z2-9]{4}){3})\s*$", re.IGNORECASE)


def make_invite_code() -> str:
    """``INV-XXXX-XXXX-XXXX``: 60 bits from ``secrets``; only its hash is stored."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
    return "INV-" + "-".join(groups)


async def redeem_invite(turn: Turn, code: str) -> None:
    """Bind this account (or this group) to the code's division; the code is then used up."""
    incoming = turn.incoming
    invite = await officer_store.valid_invite(turn.tx, code, turn.now.timestamp())
    if invite is None or (invite["role"] == GROUP_ROLE) != incoming.group:
        log.warning("an invitation code was refused")
        turn.say(turn.t("o.invite.bad"))
        return
    stamp = turn.now.astimezone(dt.UTC).isoformat(timespec="seconds")
    await officer_store.use_invite(turn.tx, code, stamp)
    division = division_name(turn, invite["division"], turn.lang)
    if incoming.group:
        await officer_store.bind_group(turn.tx, incoming.platform, incoming.chat_id,
                                       invite["division"], stamp)
        turn.say(turn.t("o.group.bound", division=division))
        return
    await officer_store.bind(turn.tx, incoming.platform, incoming.user_id, incoming.chat_id,
                             invite["division"], invite["role"], stamp)
    turn.officer = await officer_store.find(turn.tx, incoming.platform, incoming.user_id)
    turn.reset()
    turn.note(turn.t("o.bound", division=division, role=turn.t(f"role.{invite['role']}")))
    await turn.goto(MENU)
LIST_LIMIT = 20
SEES_ALL = ("centre", "admin")


def officer(turn: Turn) -> Officer:
    assert turn.officer is not None, "officer steps run only for officers"
    return turn.officer


def actor(turn: Turn) -> str:
    return f"officer:{officer(turn).id}"


# -- menu and lists ------------------------------------------------------------------------
async def prompt_menu(turn: Turn) -> None:
    me = officer(turn)
    choices = [turn.choice("o:list", "o.menu.cases")]
    if me.role in ("head", *SEES_ALL):
        choices.append(turn.choice("o:overdue", "o.menu.overdue"))
    turn.say(turn.t("o.menu", division=division_name(turn, me.division, turn.lang)), choices)


@step(MENU, prompt=prompt_menu)
async def receive_menu(turn: Turn) -> None:
    reference = parse_reference(turn.incoming.text or "", turn.muni.code)
    if reference is not None:
        await show_case(turn, reference)
    else:
        await prompt_menu(turn)


async def group_is_theirs(turn: Turn) -> bool:
    """In a group chat, an officer acts only if it is bound to their division."""
    me = officer(turn)
    division = await officer_store.group_division(turn.tx, turn.incoming.platform,
                                                  turn.incoming.chat_id)
    return division == me.division or (division is not None and me.role in SEES_ALL)


def leave_any_action(turn: Turn) -> None:
    """Looking at a list or a case abandons an action half done (its prompt is gone)."""
    turn.reset()
    turn.conv.step = MENU


async def show_list(turn: Turn, overdue: bool) -> None:
    leave_any_action(turn)
    me = officer(turn)
    if overdue and me.role not in ("head", *SEES_ALL):
        refuse(turn, "overdue list")
        return
    rows = await case_store.open_for_division(turn.tx, me.division, FINAL, LIST_LIMIT)
    routed = await report_store.open_routed(turn.tx, misconduct.routes_of(turn.muni, me), FINAL,
                                            LIST_LIMIT)
    rows += [r for r in routed if may_open(turn, me, r)]
    if overdue:
        today = turn.now.astimezone(BANGKOK).date().isoformat()
        rows = [r for r in rows if r["due_on"] < today]
    if not rows:
        turn.say(turn.t("o.list.none"), [turn.choice("o:list", "o.menu.cases")])
        return
    lines = "\n".join(turn.t(
        "o.list.line", reference=r["reference"],
        category=category_name(turn, r["category"], turn.lang),
        status=turn.t(f"status.{r['status']}"),
        due=format_date(dt.date.fromisoformat(r["due_on"]), turn.lang, short=True))
        for r in rows)
    turn.say(turn.t("o.list.overdue" if overdue else "o.list", lines=lines),
             [Choice(f"o:case:{r['reference']}", r["reference"]) for r in rows], columns=2)


async def show_report(turn: Turn) -> None:
    """This fiscal year so far, with its chart: a head's division, or every division for
    the complaint centre and admins."""
    me = officer(turn)
    if me.role not in ("head", *SEES_ALL):
        refuse(turn, "the report")
        return
    leave_any_action(turn)
    today = turn.now.astimezone(BANGKOK).date()
    start, end = reports.fiscal_year(today)
    report = await reports.gather(turn.tx, turn.services.calendar, start, end, today,
                                  None if me.role in SEES_ALL else me.division)
    images: tuple[str, ...] = ()
    if turn.services.save_image is not None and report.cases:
        png = await asyncio.to_thread(chart.render, report)
        images = (await turn.services.save_image(png),)
    turn.say_images(reports.summary(report, turn.muni), images)


async def show_case(turn: Turn, reference: str) -> None:
    leave_any_action(turn)
    case = await authorized_case(turn, reference)
    if case is None:
        return
    timeline = await events.timeline(turn.tx, case["id"])
    card = case_card(turn, case, turn.t("o.case", reference=reference), timeline)
    turn.say_card(card, action_choices(case))


# -- authorization -------------------------------------------------------------------------
def refuse(turn: Turn, what: str) -> None:
    """Say "not allowed"; log the refusal with no personal data."""
    log.warning("refused %s to officer %s", what,
                turn.officer.id if turn.officer else "(not an officer)")
    turn.say(t(turn.lang, "o.forbidden"))


async def authorized_case(turn: Turn, reference: str, action: str | None = None) -> Row | None:
    """The case, if this officer may act on it (and ``action`` is allowed from its status)."""
    me = officer(turn)
    case = await case_store.find(turn.tx, reference)
    if case is None or not may_open(turn, me, case):
        refuse(turn, f"access to a case ({action or 'view'})")
        return None
    if action is not None and not case_rules.allowed(action, case["status"], case["kind"]):
        turn.say(turn.t("o.not_now", reference=reference,
                        status=turn.t(f"status.{case['status']}")), action_choices(case))
        return None
    return case


def may_open(turn: Turn, me: Officer, case: Row) -> bool:
    """A grievance: its division's officers, the complaint centre and admins. A misconduct
    report: only its routed handlers (never the centre or admins as such, never the
    division it is about), and only in their private chat."""
    if case["kind"] == misconduct.MISCONDUCT:  # and never into a group: too many readers
        return not turn.incoming.group and misconduct.may_handle(turn.muni, me, case)
    return case["division"] == me.division or me.role in SEES_ALL


# -- actions -------------------------------------------------------------------------------
async def handle_choice(turn: Turn) -> bool:
    """An officer's button: ``o:list``, ``o:overdue``, ``o:case:REF``, ``o:ACTION:REF``,
    ``o.to:DIVISION`` (while transferring). False if it is none of those."""
    value = turn.incoming.choice or ""
    if value in ("o:list", "o:overdue"):
        await show_list(turn, overdue=value == "o:overdue")
        return True
    if not value.startswith("o:"):
        return False
    _, action, *rest = value.split(":", 2)
    reference = rest[0] if rest else ""
    if action == "case":
        await show_case(turn, reference)
        return True
    if action not in ACTIONS:
        refuse(turn, "an unknown action")
        return True
    case = await authorized_case(turn, reference, action)
    if case is None:
        return True
    turn.data["case"] = reference
    if action in ("accept", "progress"):
        await carry_out(turn, action, case)
    else:
        await turn.goto({"transfer": "o.transfer.to", "reject": "o.reject.reason",
                         "ask": "o.ask.question", "resolve": "o.resolve.note",
                         "postpone": "o.postpone.date"}[action])
    return True


async def carry_out(turn: Turn, action: str, case: Row) -> None:
    """Accept or start work on the case (already authorized) and tell its citizen."""
    _, to_status = ACTIONS[action]
    assert to_status is not None
    taken = {"assigned_to": officer(turn).id} if action == "accept" else {}
    case = await move(turn, case, to_status, actor(turn), action, **taken)
    tell_citizen(turn, case, {"accept": "u.accepted", "progress": "u.in_progress"}[action])
    finish(turn, case)


def finish(turn: Turn, case: Row) -> None:
    turn.data.pop("case", None)
    turn.conv.step = MENU
    turn.say(turn.t("o.done", reference=case["reference"],
                    status=turn.t(f"status.{case['status']}")), action_choices(case), columns=2)


async def current_case(turn: Turn, action: str) -> Row | None:
    """The case this multi-step action is about, authorized again now."""
    reference = turn.data.get("case")
    case = await authorized_case(turn, reference, action) if reference else None
    if case is None:
        turn.data.pop("case", None)
        turn.conv.step = MENU
    return case


def typed(turn: Turn) -> str | None:
    text = (turn.incoming.text or "").strip()
    return text[:1000] if text else None


TextHandler = Callable[[Turn, str], Awaitable[None]]


def text_step(name: str) -> Callable[[TextHandler], TextHandler]:
    """Register step ``name`` (its question is the text of the same key, with Cancel) that
    takes one typed line and hands it to the decorated function; anything else asks again."""
    async def prompt(turn: Turn) -> None:
        turn.say(turn.t(name), [cancel_choice(turn)])

    def register(handle: TextHandler) -> TextHandler:
        async def receive(turn: Turn) -> None:
            text = typed(turn)
            if text is None:
                turn.note(turn.t("o.text.needed"))
                await turn.reprompt()
            else:
                await handle(turn, text)
        step(name, prompt=prompt)(receive)
        return handle
    return register


# transfer: which division, then why
async def prompt_transfer_to(turn: Turn) -> None:
    me = officer(turn)
    choices = [Choice(f"o.to:{code}", name(turn.lang))
               for code, name in turn.muni.divisions.items() if code != me.division]
    turn.say(turn.t("o.transfer.to", reference=turn.data.get("case", "")),
             [*choices, cancel_choice(turn)], columns=2)


@step("o.transfer.to", prompt=prompt_transfer_to)
async def receive_transfer_to(turn: Turn) -> None:
    value = turn.incoming.choice or ""
    division = value.removeprefix("o.to:")
    if not value.startswith("o.to:") or division not in turn.muni.divisions:
        await turn.reprompt()
        return
    turn.data["to"] = division
    await turn.goto("o.transfer.reason")


@text_step("o.transfer.reason")
async def receive_transfer_reason(turn: Turn, reason: str) -> None:
    case = await current_case(turn, "transfer")
    if case is None:
        return
    to = turn.data.pop("to")
    from_division = case["division"]
    case = await move(turn, case, case_rules.NEW, actor(turn), "transferred",
                      f"{from_division} → {to}: {reason}", division=to, assigned_to=None,
                      asked_by=None, awaiting=None,
                      **resume_fields(case, turn.now, turn.services.calendar))
    tell_citizen(turn, case, "u.transferred", note=reason)
    await alert_division(turn, case, t(OFFICER_LANG, "o.transferred_in",
                                       reference=case["reference"],
                                       from_division=division_name(turn, from_division,
                                                                   OFFICER_LANG)))
    turn.data.pop("case", None)
    turn.conv.step = MENU
    turn.say(turn.t("o.transfer.done", reference=case["reference"],
                    division=division_name(turn, to, turn.lang)))


# not our remit: why, then where the citizen should go
@text_step("o.reject.reason")
async def receive_reject_reason(turn: Turn, reason: str) -> None:
    turn.data["reason"] = reason
    await turn.goto("o.reject.where")


@text_step("o.reject.where")
async def receive_reject_where(turn: Turn, where: str) -> None:
    case = await current_case(turn, "reject")
    if case is None:
        return
    reason = turn.data.pop("reason")
    case = await move(turn, case, case_rules.REJECTED, actor(turn), "rejected",
                      f"{reason} / {where}")
    tell_citizen(turn, case, "u.rejected", note=reason, where=where)
    finish(turn, case)


# ask the citizen
@text_step("o.ask.question")
async def receive_ask(turn: Turn, question: str) -> None:
    case = await current_case(turn, "ask")
    if case is None:
        return
    await case_store.update(turn.tx, case["id"], awaiting="answer", asked_by=officer(turn).id,
                            **pause_fields(turn.now))
    await record(turn, case, actor(turn), "asked", question)
    reply = tell_citizen(turn, case, "u.asked", question=question)
    if not case["anonymous"]:  # an anonymous reporter reads it when they open the report
        await pause_citizen(turn, case, "c.answer", reply)
    turn.data.pop("case", None)
    turn.conv.step = MENU
    turn.say(turn.t("o.ask.done.anonymous" if case["anonymous"] else "o.ask.done",
                    reference=case["reference"]))


# a new expected date: when, then why
def parse_date(text: str) -> dt.date | None:
    """``15/01/2570`` (Buddhist era), ``15/01/2027`` or ``2027-01-15``; None if not a date."""
    text = text.strip().translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            return dt.date(year - 543 if year > 2400 else year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


async def prompt_postpone_date(turn: Turn) -> None:
    turn.say(turn.t("o.postpone.date"), [cancel_choice(turn)])


@step("o.postpone.date", prompt=prompt_postpone_date)
async def receive_postpone_date(turn: Turn) -> None:
    date = parse_date(turn.incoming.text or "")
    if date is None or date <= turn.now.astimezone(BANGKOK).date():
        turn.note(turn.t("o.postpone.bad"))
        await turn.reprompt()
        return
    turn.data["date"] = date.isoformat()
    await turn.goto("o.postpone.reason")


@text_step("o.postpone.reason")
async def receive_postpone_reason(turn: Turn, reason: str) -> None:
    case = await current_case(turn, "postpone")
    if case is None:
        return
    date = turn.data.pop("date")
    await case_store.update(turn.tx, case["id"], expected_on=date)
    await record(turn, case, actor(turn), "postponed", f"{date}: {reason}")
    tell_citizen(turn, case, "u.postponed", note=reason,
                 date=format_date(dt.date.fromisoformat(date), case["lang"], weekday=True))
    finish(turn, case)


# resolved: what was done, then an optional after-photo
@text_step("o.resolve.note")
async def receive_resolve_note(turn: Turn, note: str) -> None:
    turn.data["note"] = note
    await turn.goto("o.resolve.photo")


async def prompt_resolve_photo(turn: Turn) -> None:
    turn.say(turn.t("o.resolve.photo"), [turn.choice("skip", "skip"), cancel_choice(turn)],
             request="photo")


@step("o.resolve.photo", prompt=prompt_resolve_photo)
async def receive_resolve_photo(turn: Turn) -> None:
    photo = turn.incoming.photo
    if photo is None and turn.incoming.choice != "skip":
        await turn.reprompt()
        return
    case = await current_case(turn, "resolve")
    if case is None:
        return
    note = turn.data.pop("note")
    if case["anonymous"]:
        # Nobody can be asked "is it fixed?": the outcome closes the report, and the
        # reporter reads it (and the after-photo) when they open it with their code.
        if photo is not None:
            await case_store.add_photos(turn.tx, case["id"], [photo.sha256])
        case = await move(turn, case, case_rules.CLOSED, actor(turn), "resolved", note,
                          awaiting=None)
        tell_citizen(turn, case, "u.resolved", note=note)
        finish(turn, case)
        return
    case = await move(turn, case, case_rules.RESOLVED, actor(turn), "resolved", note,
                      resolved_at=stamp(turn), awaiting="confirm")
    lang = case["lang"]
    choices = (Choice(f"fixed:yes:{case['reference']}", t(lang, "u.fixed.yes")),
               Choice(f"fixed:no:{case['reference']}", t(lang, "u.fixed.no")))
    reply = tell_citizen(turn, case, "u.resolved", choices,
                         images=(photo.sha256,) if photo else (), note=note)
    await pause_citizen(turn, case, "c.confirm", reply)
    finish(turn, case)


async def officer_reply_about(turn: Turn, case: Row, text: str,
                              images: tuple[str, ...] = ()) -> None:
    """Relay something from the citizen to the officer who asked (for the follow-up flow),
    if they may still open the case; a misconduct report's answer otherwise goes to whoever
    handles it now (the asker may have moved, even into the division it is about)."""
    asker = await officer_store.get(turn.tx, case["asked_by"]) if case["asked_by"] else None
    if asker is not None and may_open(turn, asker, case):
        people = [asker]
    elif case["kind"] == misconduct.MISCONDUCT:
        people = await misconduct.recipients(turn.tx, turn.muni, case)
    else:
        people = []
    tell_officers(turn, case, people, Reply(text, action_choices(case), columns=2,
                                            images=images))
