"""The sandbox for end-to-end tests: the Telegram and LINE emulations and the real service,
wired by the real SDKs over loopback, on a fresh SQLite file."""
from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.delivery import Pacing
from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from bot.settings import Settings
from handlers.limits import FloodGate
from tests.conftest import UNHURRIED
from tests.support import FakeClock

TOKEN = "1000000001:TEST-rongrian-token-abcdef"
SECRET = "test-webhook-secret"
LINE_SECRET = "test-line-channel-secret"
LINE_TOKEN = "test-line-access-token"
FAST = Pacing(per_chat_interval=0.0, per_group_interval=0.0, backoff_base=0.05, backoff_cap=0.2,
              throttle_wait=0.2)


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(TOKEN)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def line() -> AsyncIterator[LineEmulator]:
    emu = LineEmulator(LINE_SECRET, LINE_TOKEN)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def settings(tmp_path: Path, emulator: TelegramEmulator, line: LineEmulator) -> Settings:
    return Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": emulator.api_base_url,
        "LINE_CHANNEL_SECRET": LINE_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
        "LINE_API_HOST": line.url,
        "PORT": "0",
        "DATABASE_PATH": str(tmp_path / "rongrian.db"),
        "MEDIA_DIR": str(tmp_path / "media"),
    }, env_file=None)


StartService = Callable[..., Awaitable[Service]]


@pytest.fixture
async def start_service(settings: Settings, emulator: TelegramEmulator, line: LineEmulator,
                        clock: FakeClock) -> AsyncIterator[StartService]:
    """Start a service (again, to test restarts) on the same database and emulators."""
    running: list[Service] = []

    async def start(pacing: Pacing = FAST, flood: FloodGate = UNHURRIED,
                    **overrides: object) -> Service:
        service = Service(dataclasses.replace(settings, **overrides), clock=clock,
                          pacing=pacing, line_pacing=FAST, flood=flood)
        await service.start()
        if service.telegram is not None and service.settings.telegram_mode == "webhook":
            await service.telegram.bot.set_webhook(f"{service.url}/webhook/telegram",
                                                   secret_token=SECRET)
        line.webhook_url = f"{service.url}/webhook/line"
        running.append(service)
        return service

    yield start
    for service in running:
        await service.stop()  # a no-op for one the test stopped itself


@pytest.fixture
async def service(start_service: StartService) -> Service:
    return await start_service()
