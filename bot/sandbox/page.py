"""The sandbox chat page: a person chats with the bot in a browser, as a citizen would."""
from __future__ import annotations

from importlib import resources

from aiohttp import web


async def _page(request: web.Request) -> web.Response:
    html = resources.files("bot.sandbox").joinpath("static/chat.html").read_text("utf-8")
    return web.Response(text=html, content_type="text/html")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", _page)
