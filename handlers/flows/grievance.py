"""Filing a grievance: category → description → location → photos → phone → summary.

The draft lives in the conversation row, so a restart at any step resumes there. From the
summary the citizen may edit any field; after the edit the flow returns to the summary.
"""
from __future__ import annotations

import math
import re

from handlers.cases import Draft, file_grievance
from handlers.casework import OFFICER_LANG, alert_division
from handlers.flows.common import (
    MENU,
    cancel_choice,
    describe_location,
    draft,
    menu_choices,
    over_daily_limit,
    photos_step,
)
from handlers.turn import Turn, step
from handlers.types import Card, Choice, Location
from handlers.texts import t
from handlers.workdays import format_date
from storage import cases as case_store

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
ADDRESS_MIN, ADDRESS_MAX = 3, 300

CATEGORY, DESCRIPTION, LOCATION = "g.category", "g.description", "g.location"
PHOTOS, PHONE, SUMMARY, EDIT = "g.photos", "g.phone", "g.summary", "g.edit"
ORDER = (CATEGORY, DESCRIPTION, LOCATION, PHOTOS, PHONE, SUMMARY)
FIELDS = {"category": CATEGORY, "description": DESCRIPTION, "location": LOCATION,
          "photos": PHOTOS, "phone": PHONE}


async def advance(turn: Turn, current: str) -> None:
    """Go to the step after ``current``, or back to the summary when editing a field."""
    if turn.data.pop("editing", False):
        turn.note(turn.t("g.saved"))
        await turn.goto(SUMMARY)
    else:
        await turn.goto(ORDER[ORDER.index(current) + 1])


# -- category ------------------------------------------------------------------------------
async def prompt_category(turn: Turn) -> None:
    choices = [Choice(f"cat:{c.code}", c.name(turn.lang)) for c in turn.muni.categories]
    turn.say(turn.t("g.category"), [*choices, cancel_choice(turn)], columns=2)


@step(CATEGORY, prompt=prompt_category)
async def receive_category(turn: Turn) -> None:
    value = turn.incoming.choice or ""
    category = turn.muni.category(value.removeprefix("cat:")) if value.startswith("cat:") else None
    if category is None:
        await turn.reprompt()
        return
    draft(turn)["category"] = category.code
    await advance(turn, CATEGORY)


# -- description ---------------------------------------------------------------------------
async def prompt_description(turn: Turn) -> None:
    turn.say(turn.t("g.description", min=DESCRIPTION_MIN), [cancel_choice(turn)])


@step(DESCRIPTION, prompt=prompt_description)
async def receive_description(turn: Turn) -> None:
    text = (turn.incoming.text or "").strip()
    if not text:
        await turn.reprompt()
    elif len(text) < DESCRIPTION_MIN:
        turn.say(turn.t("g.description.short", min=DESCRIPTION_MIN), [cancel_choice(turn)])
    elif not any(ch.isalnum() for ch in text):
        turn.say(turn.t("g.description.words"), [cancel_choice(turn)])
    elif len(text) > DESCRIPTION_MAX:
        turn.say(turn.t("g.description.long", length=len(text), max=DESCRIPTION_MAX),
                 [cancel_choice(turn)])
    else:
        draft(turn)["description"] = text
        await advance(turn, DESCRIPTION)


# -- location ------------------------------------------------------------------------------
async def prompt_location(turn: Turn) -> None:
    turn.say(turn.t("g.location"), [turn.choice("skip", "skip"), cancel_choice(turn)],
             request="location", request_label=turn.t("g.location.button"))


@step(LOCATION, prompt=prompt_location)
async def receive_location(turn: Turn) -> None:
    incoming = turn.incoming
    text = (incoming.text or "").strip()
    if incoming.location is not None and not plausible(incoming.location):
        turn.note(turn.t("g.location.bad"))
        await turn.reprompt()
        return
    if incoming.location is not None:
        draft(turn)["location"] = {"lat": incoming.location.latitude,
                                   "lon": incoming.location.longitude}
        if incoming.location.address:
            draft(turn)["location"]["text"] = incoming.location.address[:ADDRESS_MAX]
    elif incoming.choice == "skip":
        draft(turn)["location"] = None
    elif text and len(text) < ADDRESS_MIN:
        turn.note(turn.t("g.location.short", min=ADDRESS_MIN))
        await turn.reprompt()
        return
    elif len(text) > ADDRESS_MAX:
        turn.note(turn.t("g.location.long", max=ADDRESS_MAX))
        await turn.reprompt()
        return
    elif text:
        draft(turn)["location"] = {"text": text}
    else:
        await turn.reprompt()
        return
    await advance(turn, LOCATION)


def plausible(location: Location) -> bool:
    """A point on Earth (a forged or broken client can send anything)."""
    lat, lon = location.latitude, location.longitude
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


# -- photos --------------------------------------------------------------------------------
async def after_photos(turn: Turn) -> None:
    await advance(turn, PHOTOS)


photos_step(PHOTOS, ask="g.photos", then=after_photos)


# -- phone ---------------------------------------------------------------------------------
_PHONE = re.compile(r"^0\d{8,9}$")


def normalize_phone(raw: str) -> str | None:
    """A Thai phone number as ``0XXXXXXXX(X)``, or None if ``raw`` is not one."""
    digits = re.sub(r"[\s\-().]", "", raw.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else None


async def prompt_phone(turn: Turn) -> None:
    turn.say(turn.t("g.phone", days=turn.muni.phone_retention_days),
             [turn.choice("skip", "skip"), cancel_choice(turn)],
             request="contact", request_label=turn.t("g.phone.button"))


@step(PHONE, prompt=prompt_phone)
async def receive_phone(turn: Turn) -> None:
    incoming = turn.incoming
    if incoming.choice == "skip":
        draft(turn)["phone"] = None
    else:
        raw = incoming.contact_phone or incoming.text
        phone = normalize_phone(raw) if raw else None
        if phone is None:
            turn.say(turn.t("g.phone.invalid"), [turn.choice("skip", "skip"), cancel_choice(turn)],
                     request="contact", request_label=turn.t("g.phone.button"))
            return
        draft(turn)["phone"] = phone
    if not turn.data.get("editing"):
        turn.note(turn.t("g.phone.thanks"))
    await advance(turn, PHONE)


# -- summary, edit, confirm ----------------------------------------------------------------
async def prompt_summary(turn: Turn) -> None:
    d = draft(turn)
    category = turn.muni.category(d["category"])
    location = d.get("location") or {}
    photos = len(d.get("photos", []))
    none = turn.t("g.summary.none")
    card = Card(turn.t("g.summary"), (
        (turn.t("g.field.category"), category.name(turn.lang) if category else d["category"]),
        (turn.t("g.field.description"), d["description"]),
        (turn.t("g.field.location"),
         describe_location(turn, location.get("text"), location.get("lat"), location.get("lon"))),
        (turn.t("g.field.photos"), turn.t("g.summary.photos", count=photos) if photos else none),
        (turn.t("g.field.phone"), d.get("phone") or none),
    ), turn.t("g.summary.question"))
    turn.say_card(card, [turn.choice("confirm", "g.confirm"), turn.choice("edit", "g.edit"),
                         cancel_choice(turn)])


@step(SUMMARY, prompt=prompt_summary)
async def receive_summary(turn: Turn) -> None:
    if turn.incoming.choice == "edit":
        await turn.goto(EDIT)
    elif turn.incoming.choice == "confirm":
        await confirm(turn)
    else:
        await turn.reprompt()


async def prompt_edit(turn: Turn) -> None:
    choices = [turn.choice(f"field:{name}", f"g.field.{name}") for name in FIELDS]
    turn.say(turn.t("g.edit.which"), [*choices, turn.choice("back", "g.edit.back")], columns=2)


@step(EDIT, prompt=prompt_edit)
async def receive_edit(turn: Turn) -> None:
    value = turn.incoming.choice or ""
    target = FIELDS.get(value.removeprefix("field:"))
    if value == "back":
        await turn.goto(SUMMARY)
    elif target is None:
        await turn.reprompt()
    else:
        if target == PHOTOS:
            draft(turn)["photos"] = []
        turn.data["editing"] = True
        await turn.goto(target)


async def confirm(turn: Turn) -> None:
    if await over_daily_limit(turn):
        await turn.reprompt()
        return
    d = draft(turn)
    category = turn.muni.category(d["category"])
    assert category is not None, "the category step only stores configured categories"
    location = d.get("location") or {}
    calendar, muni = turn.services.calendar, turn.muni
    received_on = calendar.received_on(turn.now)
    due_on = calendar.due_on(turn.now, muni.result_working_days)
    incoming = turn.incoming
    filed = await file_grievance(
        turn.tx,
        Draft(category=category.code, division=category.division, description=d["description"],
              location_lat=location.get("lat"), location_lon=location.get("lon"),
              location_text=location.get("text"), photos=list(d.get("photos", [])),
              phone=d.get("phone")),
        code=muni.code, platform=incoming.platform, chat_id=incoming.chat_id,
        user_id=incoming.user_id, lang=turn.lang, now=turn.now,
        received_on=received_on, due_on=due_on,
        ack_due_on=calendar.add_working_days(received_on, muni.ack_working_days),
    )
    turn.case_reference = filed.reference
    case = await case_store.find(turn.tx, filed.reference)
    assert case is not None
    await alert_division(turn, case, t(OFFICER_LANG, "o.alert", reference=filed.reference))
    due = turn.t("g.ack.due_value", days=muni.result_working_days,
                 due=format_date(due_on, turn.lang, weekday=True))
    footer = turn.t("g.ack.keep", phone=muni.phone)
    if not calendar.in_office_hours(turn.now):
        opening = calendar.next_opening(turn.now)
        footer += turn.t("g.ack.after_hours",
                         opening=format_date(opening.date(), turn.lang, weekday=True),
                         time=opening.strftime("%H:%M"))
    card = Card(turn.t("g.ack", name=muni.name(turn.lang)), (
        (turn.t("g.ack.reference"), filed.reference),
        (turn.t("g.ack.division"), muni.divisions[category.division](turn.lang)),
        (turn.t("g.ack.received"), format_date(received_on, turn.lang)),
        (turn.t("g.ack.due"), due),
    ), footer)
    turn.reset()
    turn.conv.step = MENU
    turn.say_card(card, menu_choices(turn))
