"""The citizen's side of work on their case: answering an officer's question, saying
whether the case is fixed, and rating the work. Each pauses whatever the citizen was doing
(a new complaint's draft waits) and resumes it afterwards; several at once wait in a queue.
A citizen may decline a question (Skip, /cancel, /start): the officer is told and the
case's clocks run again, so a case never stays paused on a question nobody will answer."""
from __future__ import annotations

import datetime as dt

from handlers import case_rules
from handlers.casework import OFFICER_LANG, enter_follow_up, move, tell_heads
from handlers.deadlines import resume_fields
from handlers.flows.officer import officer_reply_about
from handlers.texts import t
from handlers.turn import Turn, step
from handlers.types import Choice
from storage import cases as case_store
from storage import events
from storage.db import Row

ANSWER, CONFIRM, RATING = "c.answer", "c.confirm", "c.rating"
STEPS = (ANSWER, CONFIRM, RATING)


async def the_case(turn: Turn, reference: str | None = None) -> Row | None:
    reference = reference or turn.data.get("case")
    return await case_store.find(turn.tx, reference) if reference else None


async def resume(turn: Turn) -> None:
    """On to the next case waiting to ask something, or back to where the citizen was."""
    queue = turn.data.get("_queue") or []
    if queue:
        enter_follow_up(turn.conv, queue.pop(0))
    else:
        paused = turn.data.get("_paused") or {"step": "menu", "data": {}}
        turn.conv.step, turn.conv.data = paused["step"], paused["data"]
    await turn.reprompt()


async def decline_all(turn: Turn) -> None:
    """The citizen walked away (/start, /cancel, the menu): decline the question in hand
    and every one queued, so no case stays paused. Leaves the chat for the caller to reset."""
    pending = [{"step": turn.conv.step, "case": turn.data.get("case")},
               *(turn.data.get("_queue") or [])]
    for follow_up in pending:
        if follow_up["step"] == ANSWER:
            case = await the_case(turn, follow_up["case"])
            if case is not None and case["awaiting"] == "answer":
                await decline(turn, case)


async def decline(turn: Turn, case: Row) -> None:
    await events.record(turn.tx, case["id"], stamp(turn), "citizen", "declined",
                        case["status"], case["status"], None)
    await case_store.update(turn.tx, case["id"], awaiting=None,
                            **resume_fields(case, turn.now, turn.services.calendar))
    await officer_reply_about(turn, case, t(OFFICER_LANG, "o.declined",
                                             reference=case["reference"]))


def stamp(turn: Turn) -> str:
    return turn.now.astimezone(dt.UTC).isoformat(timespec="seconds")


# -- an officer's question -----------------------------------------------------------------
async def prompt_answer(turn: Turn) -> None:
    turn.say(turn.data.get("_question") or turn.t("u.answer.wait"),
             [turn.choice("skip", "u.answer.skip")])


@step(ANSWER, prompt=prompt_answer)
async def receive_answer(turn: Turn) -> None:
    case = await the_case(turn)
    incoming = turn.incoming
    text = (incoming.text or "").strip()[:2000]
    if case is None or case["awaiting"] != "answer":
        await resume(turn)
        return
    if incoming.choice == "skip":
        await decline(turn, case)
        await resume(turn)
        return
    if not text and incoming.photo is None:
        turn.note(turn.t("u.answer.wait"))
        await turn.reprompt()
        return
    if incoming.photo is not None:
        await case_store.add_photos(turn.tx, case["id"], [incoming.photo.sha256])
    await events.record(turn.tx, case["id"], stamp(turn), "citizen", "answered",
                        case["status"], case["status"], text or None)
    await case_store.update(turn.tx, case["id"], awaiting=None,
                            **resume_fields(case, turn.now, turn.services.calendar))
    answer = text or t(OFFICER_LANG, "o.answer.photo")
    await officer_reply_about(turn, case, t(OFFICER_LANG, "o.answer",
                                             reference=case["reference"], answer=answer),
                              (incoming.photo.sha256,) if incoming.photo else ())
    turn.note(turn.t("u.answer.sent"))
    await resume(turn)


# -- is it fixed? --------------------------------------------------------------------------
async def prompt_confirm(turn: Turn) -> None:
    reference = turn.data.get("case", "")
    turn.say(turn.data.get("_question") or turn.t("u.fixed.ask", reference=reference),
             [Choice(f"fixed:yes:{reference}", turn.t("u.fixed.yes")),
              Choice(f"fixed:no:{reference}", turn.t("u.fixed.no"))])


@step(CONFIRM, prompt=prompt_confirm)
async def receive_confirm(turn: Turn) -> None:
    case = await the_case(turn)
    value = turn.incoming.choice or ""
    if case is None or case["status"] != case_rules.RESOLVED:
        await resume(turn)
        return
    if value == f"fixed:yes:{case['reference']}":
        case = await move(turn, case, case_rules.CONFIRMED, "citizen", "confirmed",
                          awaiting=None)
        turn.conv.step = RATING
        turn.data.pop("_question", None)
        await turn.reprompt()
    elif value == f"fixed:no:{case['reference']}":
        case = await move(turn, case, case_rules.NOT_FIXED, "citizen", "not fixed",
                          awaiting=None)
        await tell_heads(turn, case, "o.reopened")
        turn.note(turn.t("u.reopened", reference=case["reference"],
                         division=turn.muni.divisions[case["division"]](turn.lang)))
        await resume(turn)
    else:
        await turn.reprompt()


# -- how satisfied -------------------------------------------------------------------------
async def prompt_rating(turn: Turn) -> None:
    stars = [Choice(f"rate:{n}", "⭐" * n) for n in range(1, 6)]
    turn.say(turn.t("u.closed", reference=turn.data.get("case", "")),
             [*stars, turn.choice("skip", "skip")])


@step(RATING, prompt=prompt_rating)
async def receive_rating(turn: Turn) -> None:
    case = await the_case(turn)
    value = turn.incoming.choice or ""
    if case is not None and value.startswith("rate:") and value[5:] in ("1", "2", "3", "4", "5"):
        await case_store.update(turn.tx, case["id"], rating=int(value[5:]))
        await events.record(turn.tx, case["id"], stamp(turn), "citizen", "rated",
                            case["status"], case["status"], value[5:])
        turn.note(turn.t("u.rated"))
    elif value != "skip":
        await turn.reprompt()
        return
    await resume(turn)
