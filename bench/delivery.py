"""The delivery benchmark: N status updates to N Telegram chats and N LINE users, queued in
the outbox in one transaction, sent by the product's DeliveryWorker through the real
TelegramChannel (PTB ``Bot``) and LineChannel (line-bot-sdk), with the product's pacing
(TELEGRAM_PACING, LINE_PACING), as the service runs them: one worker, both platforms.

The Telegram emulation enforces Telegram's limits (``enforce_limits=True``: 429 with
``retry_after`` beyond 30 messages/s overall or 1/s per chat, counted at arrival). The LINE
emulation loses the answers of some pushes (carried out, answered 500: the worker must retry
with the same ``X-Line-Retry-Key``, and LINE answers 409 to a key it already accepted) and
fails some outright (500, not carried out), so retries really happen.

Everything runs in this process (worker, senders, emulators); only loopback is used.
"""
from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.flows import SECRET, TOKEN

LINE_SECRET = "bench-line-channel-secret"
LINE_TOKEN = "bench-line-access-token"


@dataclass
class DeliveryResult:
    telegram_n: int = 0
    telegram_sent_ok: int = 0  # sendMessage answered 200
    telegram_429: int = 0  # sendMessage answered 429 (limits provoked)
    telegram_other_errors: int = 0
    telegram_rate: float = 0.0  # accepted messages/s, first to last accepted
    telegram_wall: float = 0.0  # worker start → last accepted
    telegram_lost: int = 0  # chats that got no message
    telegram_dup: int = 0  # messages beyond one per chat
    line_n: int = 0
    line_push_calls: dict[int, int] = field(default_factory=dict)  # HTTP status → count
    line_keys_delivered_twice: int = 0  # retry keys whose messages were delivered > once
    line_lost: int = 0
    line_dup: int = 0  # messages beyond one per user
    line_rate: float = 0.0
    line_wall: float = 0.0
    pending_left: int = 0  # outbox rows still pending at the end (should be 0)
    timed_out: bool = False


class _ShiftedDeque(collections.deque):  # type: ignore[type-arg]
    """What-if (not the product): a send counts in the 30/s window ``margin`` s longer."""

    margin = 0.0

    def append(self, x: float) -> None:  # type: ignore[override]
        super().append(x + self.margin)


async def run_delivery(n_telegram: int, n_line: int, workdir: Path, *, lose_answers: int = 30,
                       fail_pushes: int = 30, timeout: float | None = None,
                       window_margin: float = 0.0) -> DeliveryResult:
    """``window_margin`` > 0 is a what-if: the worker's 30/s window made that much longer
    (the product's is exactly 1 s, counted at dispatch, while Telegram counts arrivals)."""
    from linebot.v3.messaging import (AsyncApiClient, AsyncMessagingApi,
                                      AsyncMessagingApiBlob, Configuration)
    from telegram import Bot
    from bot.transport import AiohttpRequest

    from bot.delivery import LINE_PACING, TELEGRAM_PACING, DeliveryWorker
    from bot.line import LineChannel
    from bot.media import MediaStore
    from bot.sandbox.line_api import LineEmulator
    from bot.sandbox.telegram_api import TelegramEmulator
    from bot.service import file_base_url
    from bot.telegram import TelegramChannel
    from handlers.texts import t
    from handlers.types import Reply
    from storage import outbox
    from storage.db import Database

    result = DeliveryResult(telegram_n=n_telegram, line_n=n_line)
    workdir.mkdir(parents=True, exist_ok=True)
    tg = TelegramEmulator(TOKEN, enforce_limits=True)
    line = LineEmulator(LINE_SECRET, LINE_TOKEN)
    await tg.start()
    await line.start()
    db = await Database.open(workdir / "delivery.db")
    bot = None
    line_client = None
    worker_task = None
    try:
        tg_chats = [20_000_000 + i for i in range(n_telegram)]
        line_users = [f"U{i:032x}" for i in range(1, n_line + 1)]
        for user in line_users:  # the users follow the account (no webhook set: recorded only)
            await line.send(user, follow=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        async with db.transaction() as tx:
            for i, chat in enumerate(tg_chats, 1):
                text = t("th", "u.accepted", reference=f"KS-2569-{i:05d}", division="กองช่าง")
                await outbox.enqueue(tx, "telegram", str(chat), [Reply(text).to_json()], stamp)
            for i, user in enumerate(line_users, 1):
                text = t("th", "u.accepted", reference=f"KS-2569-{i:05d}", division="กองช่าง")
                await outbox.enqueue(tx, "line", user, [Reply(text).to_json()], stamp)
        if lose_answers:
            line.lose_answer("push", lose_answers)
        if fail_pushes:
            line.fail("push", 500, count=fail_pushes)

        bot = Bot(TOKEN, base_url=tg.api_base_url, base_file_url=file_base_url(tg.api_base_url),
                  request=AiohttpRequest(connection_pool_size=TELEGRAM_PACING.concurrency + 2))
        await bot.initialize()
        media = MediaStore(workdir / "media")
        telegram = TelegramChannel(bot, None, media, SECRET)  # type: ignore[arg-type]
        line_client = AsyncApiClient(Configuration(host=line.url, access_token=LINE_TOKEN))
        line_channel = LineChannel(AsyncMessagingApi(line_client),
                                   AsyncMessagingApiBlob(line_client), None,  # type: ignore
                                   media, LINE_SECRET)
        worker = DeliveryWorker(db, [telegram, line_channel],
                                {"telegram": TELEGRAM_PACING, "line": LINE_PACING})
        if window_margin:
            shifted = type("Shifted", (_ShiftedDeque,), {"margin": window_margin})
            worker._recent = collections.defaultdict(shifted)  # type: ignore[assignment]
        calls_before_tg, calls_before_line = len(tg.calls), len(line.calls)
        start = time.monotonic()
        worker_task = asyncio.create_task(worker.run())
        budget = timeout if timeout is not None else 60 + 1.5 * max(n_telegram / 30,
                                                                    n_line / 100)
        deadline = start + budget
        while True:
            await asyncio.sleep(0.5)
            (pending,), = await db.fetchall(
                "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            if pending == 0:
                break
            if time.monotonic() > deadline:
                result.timed_out = True
                break
        result.pending_left = pending
        await worker.stop()
        await asyncio.wait_for(worker_task, 30)
        worker_task = None

        sends = [c for c in tg.calls[calls_before_tg:] if c.method == "sendMessage"]
        ok = [c.at for c in sends if c.status == 200]
        result.telegram_sent_ok = len(ok)
        result.telegram_429 = sum(1 for c in sends if c.status == 429)
        result.telegram_other_errors = sum(1 for c in sends if c.status not in (200, 429))
        if len(ok) > 1:
            result.telegram_rate = (len(ok) - 1) / (max(ok) - min(ok))
            result.telegram_wall = max(ok) - start
        for chat in tg_chats:
            got = len(tg.messages(chat))
            result.telegram_lost += got == 0
            result.telegram_dup += max(0, got - 1)

        pushes = [c for c in line.calls[calls_before_line:] if c.method == "push"]
        result.line_push_calls = dict(sorted(collections.Counter(c.status for c in pushes)
                                             .items()))
        delivered_by_key: collections.Counter[str] = collections.Counter()
        for c in pushes:
            key = c.headers.get("X-Line-Retry-Key", "")
            # 200, or 500 from a lost answer (carried out): LINE delivered this call's messages
            if c.status == 200:
                delivered_by_key[key] += 1
        result.line_keys_delivered_twice = sum(1 for n in delivered_by_key.values() if n > 1)
        accepted = [c.at for c in pushes if c.status in (200, 409)]
        if len(accepted) > 1:
            result.line_rate = (len(accepted) - 1) / (max(accepted) - min(accepted))
            result.line_wall = max(accepted) - start
        for user in line_users:
            got = sum(1 for m in line.messages(user) if m.get("via") == "push")
            result.line_lost += got == 0
            result.line_dup += max(0, got - 1)
        return result
    finally:
        if worker_task is not None:
            worker_task.cancel()
            await asyncio.gather(worker_task, return_exceptions=True)
        if bot is not None:
            await bot.shutdown()
        if line_client is not None:
            await line_client.close()
        await db.close()
        await tg.stop()
        await line.stop()
