"""What several flows share: the main menu's buttons, offered again at the end of each flow,
the draft a form fills in, its Cancel button, the daily allowance, and the photos step."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.turn import Turn, step
from handlers.types import Choice
from handlers.workdays import BANGKOK, day_stamp
from storage import cases as case_store

MENU = "menu"


def draft(turn: Turn) -> dict[str, Any]:
    """The form being filled in (a grievance, a report), kept with the conversation."""
    return turn.data.setdefault("draft", {})


def cancel_choice(turn: Turn) -> Choice:
    return turn.choice("cancel", "g.cancel")


def menu_choices(turn: Turn) -> list[Choice]:
    return [
        turn.choice("menu:file", "menu.file"),
        turn.choice("menu:misconduct", "menu.misconduct"),
        turn.choice("menu:status", "menu.status"),
        turn.choice("menu:contact", "menu.contact"),
        turn.choice("menu:language", "menu.language"),
    ]


def describe_location(turn: Turn, text: str | None, lat: float | None, lon: float | None) -> str:
    """A typed address as typed, a shared pin as coordinates, or "not given"."""
    if text:
        return text
    if lat is not None and lon is not None:
        return turn.t("g.summary.pin", lat=lat, lon=lon)
    return turn.t("g.summary.none")


async def over_daily_limit(turn: Turn) -> bool:
    """Whether this citizen has filed the day's allowance of cases (``cases_per_day``);
    if so, say so (the draft stays: it can be sent tomorrow)."""
    day = turn.now.astimezone(BANGKOK).date()
    incoming = turn.incoming
    if turn.conv.private:
        count = turn.services.anonymous_today.today((incoming.platform, incoming.chat_id), day)
    else:
        count = await case_store.filed_since(turn.tx, incoming.platform, incoming.user_id,
                                             day_stamp(turn.now))
    if count < turn.muni.cases_per_day:
        return False
    turn.note(turn.t("limit.cases", count=count, phone=turn.muni.phone))
    return True


PHOTOS_MAX = 5


def photos_step(name: str, *, ask: str, then: Callable[[Turn], Awaitable[None]]) -> None:
    """Register step ``name``: up to ``PHOTOS_MAX`` photos into the draft's ``photos``,
    asked with text ``ask``, offering Skip (none yet) or Done, and Cancel; ``then`` moves on.
    A grievance's photos and a report's evidence are the same step."""

    def photos(turn: Turn) -> list[str]:
        photos_list: list[str] = draft(turn).setdefault("photos", [])
        return photos_list

    def choices(turn: Turn) -> list[Choice]:
        first = turn.choice("done", "done") if photos(turn) else turn.choice("skip", "skip")
        return [first, cancel_choice(turn)]

    async def prompt(turn: Turn) -> None:
        have = len(photos(turn))
        text = (turn.t("g.photos.got", count=have, left=PHOTOS_MAX - have) if have
                else turn.t(ask, max=PHOTOS_MAX))
        turn.say(text, choices(turn), request="photo")

    async def receive(turn: Turn) -> None:
        if turn.incoming.photo is not None:
            photos(turn).append(turn.incoming.photo.sha256)
            if len(photos(turn)) < PHOTOS_MAX:
                await turn.reprompt()
                return
            turn.note(turn.t("g.photos.full", max=PHOTOS_MAX))
        elif turn.incoming.choice not in ("skip", "done"):
            turn.say(turn.t("g.photos.wait", button=choices(turn)[0].label), choices(turn),
                     request="photo")
            return
        await then(turn)

    step(name, prompt=prompt)(receive)
