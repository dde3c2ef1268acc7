"""The sandbox chat pages: a person chats with the bot in a browser, as a citizen would."""
from __future__ import annotations

from importlib import resources

from aiohttp import web


def _page(name: str):
    async def serve(request: web.Request) -> web.Response:
        html = resources.files("bot.sandbox").joinpath(f"static/{name}").read_text("utf-8")
        return web.Response(text=html, content_type="text/html")
    return serve


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", _page("chat.html"))  # Telegram
    app.router.add_get("/line", _page("line.html"))
