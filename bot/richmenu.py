"""The LINE Official Account's rich menu: four big buttons under the chat, so a citizen
never needs to type a command. ``python -m bot line-richmenu`` installs it."""
from __future__ import annotations

from importlib import resources

from linebot.v3.messaging import AsyncMessagingApi, AsyncMessagingApiBlob, RichMenuRequest

from handlers.texts import t

NAME = "rongrian main menu"
WIDTH, HEIGHT = 2500, 843
# The postbacks the engine answers at any step, left to right as drawn in the image.
BUTTONS = ("menu:file", "menu:misconduct", "menu:status", "menu:contact")


def rich_menu() -> dict[str, object]:
    width = WIDTH // len(BUTTONS)
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,
        "name": NAME,
        "chatBarText": "เมนู / Menu",
        "areas": [{
            "bounds": {"x": i * width, "y": 0, "width": width, "height": HEIGHT},
            "action": {"type": "postback", "data": data,
                       "displayText": t("th", data.replace(":", "."))},
        } for i, data in enumerate(BUTTONS)],
    }


async def install(api: AsyncMessagingApi, blob: AsyncMessagingApiBlob) -> str:
    """Replace any earlier rongrian menu with a new one, its image, as everyone's default."""
    existing = await api.get_rich_menu_list()
    for menu in existing.richmenus:
        if menu.name == NAME:
            await api.delete_rich_menu(menu.rich_menu_id)
    created = await api.create_rich_menu(RichMenuRequest.from_dict(rich_menu()))
    image = resources.files("bot.assets").joinpath("richmenu.png").read_bytes()
    await blob.set_rich_menu_image(created.rich_menu_id, bytearray(image),
                                   _headers={"Content-Type": "image/png"})
    await api.set_default_rich_menu(created.rich_menu_id)
    return created.rich_menu_id
