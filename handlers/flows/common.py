"""What several flows share: the main menu's buttons, offered again at the end of each flow."""
from __future__ import annotations

import datetime as dt

from handlers.turn import Turn
from handlers.types import Choice
from handlers.workdays import BANGKOK
from storage import cases as case_store

MENU = "menu"


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
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=BANGKOK).astimezone(dt.UTC)
        count = await case_store.filed_since(turn.tx, incoming.platform, incoming.user_id,
                                             midnight.isoformat(timespec="seconds"))
    if count < turn.muni.cases_per_day:
        return False
    turn.note(turn.t("limit.cases", count=count, phone=turn.muni.phone))
    return True
