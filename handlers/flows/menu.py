"""The main menu, and the answers that need no flow of their own (contact, language)."""
from __future__ import annotations

from handlers import receipts
from handlers.flows import report, status
from handlers.flows.common import MENU, menu_choices
from handlers.turn import Turn, step


async def prompt_menu(turn: Turn) -> None:
    turn.say(turn.t("menu", name=turn.muni.name(turn.lang)), menu_choices(turn))


def contact_text(turn: Turn) -> str:
    m = turn.muni
    return turn.t("contact", name=m.name(turn.lang), phone=m.phone,
                  opens=m.office_opens.strftime("%H:%M"), closes=m.office_closes.strftime("%H:%M"),
                  website=m.website, facebook=m.facebook, address=m.address(turn.lang))


@step(MENU, prompt=prompt_menu)
async def receive_menu(turn: Turn) -> None:
    choice = turn.incoming.choice
    if choice == "menu:file":
        await turn.goto("g.category")
    elif choice == "menu:status":
        await turn.goto(status.LIST)
    elif choice == "menu:contact":
        turn.say(contact_text(turn), menu_choices(turn))
    elif choice == "menu:misconduct":
        await turn.goto("r.intro")
    elif choice == "menu:language":
        turn.conv.lang = "th" if turn.lang == "en" else "en"
        await prompt_menu(turn)
    elif receipts.parse(turn.incoming.text or "") is not None:
        # A receipt code typed straight into the menu opens its report, as the code step
        # would (the chat turns private first: nothing of it is written in clear).
        turn.conv.private = True
        turn.conv.step = report.CODE
        await report.receive_code(turn)
    elif not await status.answer_reference(turn):
        await prompt_menu(turn)
