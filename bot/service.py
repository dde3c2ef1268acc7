"""The running service: one aiohttp server, the database, the engine, the channels and the
delivery worker, started and stopped together."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web
from telegram import Bot

from bot.delivery import LINE_PACING, TELEGRAM_PACING, DeliveryWorker, Pacing
from bot.media import MediaStore
from bot.settings import Settings
from bot.telegram import ALLOWED_UPDATES, TelegramChannel
from bot.transport import AiohttpRequest
from handlers.engine import Engine
from handlers.limits import FloodGate
from handlers.municipality import Municipality, load_municipality
from handlers.turn import Clock, Services
from handlers.workdays import WorkCalendar
from storage.db import Database
from storage.seal import Sealer, load_key

if TYPE_CHECKING:  # line-bot-sdk weighs ~36 MB: imported only when LINE is configured
    from linebot.v3.messaging import AsyncApiClient

    from bot.line import LineChannel

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # an update or a batch of events is a few KB; anything near this is not
# Keep-alive connections to the Bot API: the worker's sends (Pacing.concurrency at once) share
# them with every button press's acknowledgement, sent as it comes; with a pool just the
# worker's size, a burst of presses queued the worker behind them (python -m bench: p99
# 3.5 s -> 2.7 s at 200 citizens). PTB's own Application uses 256.
API_CONNECTIONS = 64
# On SIGTERM: how long an update in hand may take to finish (one transaction, a photo
# download), then how long sends in flight may take. A process manager waits ~10 s before
# SIGKILL; whatever is cut short is safe (an update not answered 200 is redelivered, a send
# not recorded stays queued), so both are kept well inside that.
SHUTDOWN_HANDLERS = 2.5
SHUTDOWN_SENDS = 1.5


def file_base_url(api_base_url: str) -> str:
    """``https://api.telegram.org/bot`` → ``https://api.telegram.org/file/bot``."""
    root, sep, _ = api_base_url.rstrip("/").rpartition("/bot")
    return f"{root}/file/bot" if sep else f"{api_base_url.rstrip('/')}/file/bot"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Service:
    def __init__(self, settings: Settings, *, webhook_url: str | None = None,
                 clock: Clock = now_utc, pacing: Pacing = TELEGRAM_PACING,
                 line_pacing: Pacing = LINE_PACING, sweep_interval: float = 60.0,
                 flood: FloodGate | None = None) -> None:
        """``webhook_url`` is where Telegram should post updates (set with ``setWebhook``
        at start); None leaves the registration as the operator made it. ``flood`` limits
        each chat's pace (tests drive chats faster than people type)."""
        if settings.telegram_bot_token is None and not settings.line_enabled:
            raise ValueError("the service needs a platform (the sandbox provides both)")
        self.settings = settings
        self.webhook_url = webhook_url
        self.clock = clock
        self.pacing = pacing
        self.line_pacing = line_pacing
        self.sweep_interval = sweep_interval
        self.flood = flood or FloodGate()
        self._sweeps = 0
        self._sweep_task: asyncio.Task[None] | None = None
        self.url = ""
        self.telegram: TelegramChannel | None = None
        self.line: LineChannel | None = None
        self._runner: web.AppRunner | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self._poll_task: asyncio.Task[None] | None = None
        self._line_client: AsyncApiClient | None = None
        self._stopped = False

    async def start(self) -> None:
        s = self.settings
        self.municipality: Municipality = load_municipality(s.municipality_config)
        self.db = await Database.open(s.database_path)
        calendar = WorkCalendar(self.municipality.office_opens, self.municipality.office_closes,
                                self.municipality.extra_days_off)
        sealer = Sealer(load_key(s.seal_key_file))
        self.worker = DeliveryWorker(self.db, [], sealer=sealer)
        self.media = media = MediaStore(s.media_dir, url_key=hashlib.sha256(
            b"rongrian media links:" + s.line_channel_secret.encode()).digest()
            if s.line_channel_secret else None)
        self.engine = Engine(self.db, Services(self.municipality, calendar, self.clock,
                                               media.save, sealer=sealer),
                             on_queued=self.worker.wake, flood=self.flood)
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self._health)
        app.router.add_get("/media/{sha}", media.serve)
        if s.telegram_bot_token is not None:
            self.telegram = await self._telegram(media)
            app.router.add_post("/webhook/telegram", self.telegram.webhook)
            self.worker.add(self.telegram, self.pacing)
        if s.line_enabled:
            self.line = self._line(media)
            app.router.add_post("/webhook/line", self.line.webhook)
            self.worker.add(self.line, self.line_pacing)

        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_HANDLERS)
        await self._runner.setup()
        site = web.TCPSite(self._runner, s.host, s.port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{s.host}:{port}"

        self._worker_task = asyncio.create_task(self.worker.run())
        self._sweep_task = asyncio.create_task(self._sweep())
        if self.telegram is not None:
            if s.telegram_mode == "polling":
                await self.telegram.bot.delete_webhook()  # getUpdates is refused while set
                self._poll_task = asyncio.create_task(self.telegram.poll())
            elif self.webhook_url:
                await self.telegram.bot.set_webhook(
                    self.webhook_url, secret_token=s.telegram_webhook_secret,
                    allowed_updates=list(ALLOWED_UPDATES))
        platforms = ", ".join(p for p, on in (("Telegram " + s.telegram_mode, self.telegram),
                                              ("LINE", self.line)) if on)
        log.info("serving on %s (%s)", self.url, platforms)

    async def _telegram(self, media: MediaStore) -> TelegramChannel:
        s = self.settings
        bot = Bot(
            s.telegram_bot_token,  # type: ignore[arg-type]
            base_url=s.telegram_api_base_url,
            base_file_url=file_base_url(s.telegram_api_base_url),
            request=AiohttpRequest(connection_pool_size=API_CONNECTIONS),
            get_updates_request=AiohttpRequest(read_timeout=40),
        )
        await bot.initialize()
        return TelegramChannel(bot, self.engine, media, s.telegram_webhook_secret,
                               answer_slot=partial(self.worker.take_answer_slot, "telegram")
                               if s.telegram_reply_in_answer else None)

    def _line(self, media: MediaStore) -> LineChannel:
        from linebot.v3.messaging import (
            AsyncApiClient,
            AsyncMessagingApi,
            AsyncMessagingApiBlob,
            Configuration,
        )

        from bot.line import LineChannel

        s = self.settings
        # host=None lets the SDK use LINE's own hosts (api.line.me, api-data.line.me).
        self._line_client = AsyncApiClient(Configuration(
            host=s.line_api_host, access_token=s.line_channel_access_token))
        return LineChannel(AsyncMessagingApi(self._line_client),
                           AsyncMessagingApiBlob(self._line_client), self.engine, media,
                           s.line_channel_secret,  # type: ignore[arg-type]
                           public_base_url=s.public_base_url)

    async def _sweep(self) -> None:
        """The scheduler, inside the service so no cron is needed: reminders and escalations
        (each sent once, recorded in the database), closing resolved cases nobody confirmed
        in time, erasing what is kept no longer, and dropping abandoned private drafts."""
        while True:
            try:
                await self.engine.remind()
                await self.engine.autoclose()
                await self.engine.forget_phones()
                for sha in await self.engine.erase_reports():
                    self.media.remove(sha)
                await self.engine.forget_updates()
                if self._sweeps % 60 == 0:  # hourly: it reads the whole media folder
                    await asyncio.to_thread(self.media.forget_unused,
                                            await self.engine.photos_in_use())
                self._sweeps += 1
                if self.engine.checkpoint_due:
                    await self.engine.checkpoint()
                self.engine.private.forget_idle()
                self.engine.services.guard.forget_idle()
            except Exception:  # a locked or full disk: try again next round
                log.exception("the scheduled sweep failed")
            await asyncio.sleep(self.sweep_interval)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def stop(self) -> None:
        """Stop taking updates (the port closes at once) and let the ones in hand finish,
        let the worker finish its sends in flight, close everything: a few seconds at most
        (``SHUTDOWN_HANDLERS`` + ``SHUTDOWN_SENDS``)."""
        if self._stopped:
            return
        self._stopped = True
        if self._runner is not None:
            await self._runner.cleanup()
        for task in (self._poll_task, self._sweep_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.worker.stop(grace=SHUTDOWN_SENDS)
        if self._worker_task is not None:
            await self._worker_task
        if self.telegram is not None:
            await self.telegram.close()
            await self.telegram.bot.shutdown()
        if self._line_client is not None:
            await self._line_client.close()
        await self.db.close()
