"""The sandbox chat pages: a person chats with the bot in a browser, as a citizen would."""
from __future__ import annotations

from importlib import resources

from aiohttp import web


def _static(name: str, content_type: str):
    async def serve(request: web.Request) -> web.Response:
        text = resources.files("bot.sandbox").joinpath(f"static/{name}").read_text("utf-8")
        return web.Response(text=text, content_type=content_type)
    return serve


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", _static("chat.html", "text/html"))  # Telegram
    app.router.add_get("/line", _static("line.html", "text/html"))
    app.router.add_get("/sandbox.js", _static("sandbox.js", "text/javascript"))
