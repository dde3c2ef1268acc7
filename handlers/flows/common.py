"""What several flows share: the main menu's buttons, offered again at the end of each flow."""
from __future__ import annotations

from handlers.turn import Turn
from handlers.types import Choice

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
