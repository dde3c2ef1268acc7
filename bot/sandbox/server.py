"""The sandbox: both emulated platforms and the chat pages on one loopback server."""
from __future__ import annotations

import dataclasses
import secrets

from aiohttp import web

from bot.sandbox import page
from bot.sandbox.base import listen, new_app
from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.settings import Settings

TELEGRAM_TOKEN = "1000000001:SANDBOX-rongrian-local-token"
LINE_CHANNEL_SECRET = "sandbox-line-channel-secret"
LINE_ACCESS_TOKEN = "sandbox-line-channel-access-token"


class Sandbox:
    def __init__(self) -> None:
        self.app = new_app()
        self.telegram = TelegramEmulator(TELEGRAM_TOKEN, app=self.app)
        self.line = LineEmulator(LINE_CHANNEL_SECRET, LINE_ACCESS_TOKEN, app=self.app)
        page.add_routes(self.app)
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> str:
        self._runner, self.url = await listen(self.app, host, port)
        self.telegram.url = self.line.url = self.url
        return self.url

    def settings_for(self, settings: Settings) -> Settings:
        """``settings`` with both platforms pointed here."""
        return dataclasses.replace(
            settings, telegram_bot_token=TELEGRAM_TOKEN,
            telegram_api_base_url=self.telegram.api_base_url,
            telegram_webhook_secret=secrets.token_urlsafe(32), telegram_mode="webhook",
            line_channel_secret=LINE_CHANNEL_SECRET, line_channel_access_token=LINE_ACCESS_TOKEN,
            line_api_host=self.url,
            public_base_url=settings.public_base_url or f"http://{settings.host}:{settings.port}")

    def connect(self, service_url: str) -> None:
        """Deliver LINE's webhooks to the service (Telegram's is set by ``setWebhook``)."""
        self.line.webhook_url = f"{service_url}/webhook/line"

    async def stop(self) -> None:
        await self.telegram.close()
        await self.line.close()
        if self._runner is not None:
            await self._runner.cleanup()
