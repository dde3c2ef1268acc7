""""Check my case": the citizen's own cases, and one case in detail by its reference.

A case is shown only to the person who filed it; for anyone else a reference answers
exactly as a reference that does not exist, so references cannot be probed.
"""
from __future__ import annotations

import datetime as dt

from handlers.cases import parse_reference
from handlers.flows.common import describe_location, menu_choices
from handlers.turn import Turn, step
from handlers.types import Choice
from handlers.workdays import format_date
from storage import cases as case_store
from storage.db import Row

LIST = "s.list"
LIST_LIMIT = 10
DESCRIPTION_PREVIEW = 300


def _category(turn: Turn, code: str) -> str:
    category = turn.muni.category(code)
    return category.name(turn.lang) if category else code


def _date(turn: Turn, iso: str) -> str:
    return format_date(dt.date.fromisoformat(iso), turn.lang, short=True)


def list_choices(turn: Turn, rows: list[Row]) -> list[Choice]:
    return [*(Choice(f"case:{r['reference']}", r["reference"]) for r in rows),
            turn.choice("menu", "menu.back")]


async def prompt_list(turn: Turn) -> None:
    incoming = turn.incoming
    rows = await case_store.list_for_citizen(turn.tx, incoming.platform, incoming.user_id,
                                             LIST_LIMIT)
    if not rows:
        turn.say(turn.t("s.none"), menu_choices(turn))
        turn.conv.step = "menu"
        return
    lines = "\n\n".join(
        turn.t("s.line", reference=r["reference"], category=_category(turn, r["category"]),
               status=turn.t(f"status.{r['status']}"), due=_date(turn, r["due_on"]))
        for r in rows
    )
    turn.say(turn.t("s.list", lines=lines), list_choices(turn, rows))


@step(LIST, prompt=prompt_list)
async def receive_list(turn: Turn) -> None:
    if not await answer_reference(turn):
        await turn.reprompt()


async def answer_reference(turn: Turn) -> bool:
    """Show the case the citizen pressed or typed; False when the input names no case."""
    incoming = turn.incoming
    if incoming.choice and incoming.choice.startswith("case:"):
        reference = incoming.choice.removeprefix("case:")
    elif incoming.text:
        reference = parse_reference(incoming.text, turn.muni.code)
    else:
        reference = None
    if reference is None:
        return False
    row = await case_store.find_for_citizen(turn.tx, reference, incoming.platform,
                                            incoming.user_id)
    if row is None:
        turn.say(turn.t("s.not_found", reference=reference),
                 [turn.choice("menu:status", "menu.status"), turn.choice("menu", "menu.back")])
        turn.conv.step = "menu"
        return True
    description = row["description"]
    if len(description) > DESCRIPTION_PREVIEW:
        description = description[:DESCRIPTION_PREVIEW] + "…"
    location = describe_location(turn, row["location_text"], row["location_lat"],
                                 row["location_lon"])
    turn.say(
        turn.t("s.detail", reference=row["reference"], category=_category(turn, row["category"]),
               division=turn.muni.divisions[row["division"]](turn.lang),
               status=turn.t(f"status.{row['status']}"), received=_date(turn, row["received_on"]),
               due=_date(turn, row["due_on"]), description=description, location=location),
        [turn.choice("menu:status", "menu.status"), turn.choice("menu", "menu.back")],
    )
    turn.conv.step = "menu"
    return True
