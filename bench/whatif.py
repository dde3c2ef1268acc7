"""What-if experiments: monkeypatches applied to the product's classes INSIDE the benchmark's
server process only (bench/ours_unpaced.py, ``BENCH_WHATIF=a,b,c``), to measure what a
proposed product change would gain before anyone writes it. Nothing here is product code,
and none of it is safe as is (see each patch for what a real change must also handle).

    rawsend       TelegramChannel.send and the button acknowledgement POST JSON with one
                  keep-alive aiohttp session and read only ``ok``/``description``, instead of
                  PTB's Bot → AiohttpRequest → parse the answer into a ``Message``.
    noack         no answerCallbackQuery / editMessageText after a button press.
    batch         TelegramChannel.max_batch = 5: a step's messages to one chat go out in one
                  worker task, one after the other, instead of one tick per message (a real
                  change must mark each row sent as it goes, or a retry would repeat the first).
    timing        time the database lock and the delivery worker; printed to the log at exit.

Gone into the product since (2026-11-28): ``sniffio`` (httpx is off the path), ``syncsql``
(storage/db.py), ``nolinebot`` (bot/service.py), ``fastin`` (bot/telegram.py reads the update's JSON) and ``webhookreply``
(the reply in the webhook's answer, with what makes it safe).
"""
from __future__ import annotations

import asyncio
import atexit
import collections
import json
import sys
from typing import Any

import aiohttp

FLAGS: set[str] = set()
_session: aiohttp.ClientSession | None = None


def _flags(spec: str) -> set[str]:
    return {f.strip() for f in spec.split(",") if f.strip()}


def apply(spec: str) -> set[str]:
    FLAGS.update(_flags(spec))
    unknown = FLAGS - {"rawsend", "noack", "timing", "batch"}
    if unknown:
        raise SystemExit(f"unknown BENCH_WHATIF flags: {sorted(unknown)}")
    from bot.telegram import TelegramChannel
    if "batch" in FLAGS:
        TelegramChannel.max_batch = 5
    if "rawsend" in FLAGS:
        TelegramChannel.send = _raw_send  # type: ignore[method-assign]
    if "noack" in FLAGS or "rawsend" in FLAGS:
        TelegramChannel._acknowledge_press = _ack_press  # type: ignore[method-assign]
    if "timing" in FLAGS:
        _time_transactions()
        _time_worker()
        atexit.register(lambda: print(
            f"BENCH transactions: {TX['n']}, "
            f"lock wait {1000 * TX['wait'] / max(1, TX['n']):.2f} ms, "
            f"held {1000 * TX['held'] / max(1, TX['n']):.2f} ms on average; worker: "
            + ", ".join(f"{k} {v[0]}× {1000 * v[1] / max(1, v[0]):.1f} ms"
                        for k, v in WORKER.items()),
            file=sys.stderr, flush=True))
    return FLAGS


# -- rawsend -----------------------------------------------------------------------------
def _http() -> aiohttp.ClientSession:
    global _session
    if _session is None or _session.closed:
        _session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
    return _session


async def _call(bot: Any, method: str, payload: dict[str, Any]) -> dict[str, Any]:
    from telegram.error import (BadRequest, Forbidden, InvalidToken, NetworkError,
                                RetryAfter)
    try:
        async with _http().post(f"{bot.base_url}/{method}", json=payload,
                                timeout=aiohttp.ClientTimeout(total=10)) as resp:
            status, body = resp.status, await resp.read()
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise NetworkError(f"{type(exc).__name__}: {exc}") from exc
    try:
        data = json.loads(body)
    except ValueError:
        raise NetworkError(f"invalid answer, HTTP {status}") from None
    if data.get("ok"):
        return data
    description = str(data.get("description", f"HTTP {status}"))
    if status == 429:
        raise RetryAfter(int((data.get("parameters") or {}).get("retry_after", 1)))
    if status == 403:
        raise Forbidden(description)
    if status == 400:
        raise BadRequest(description)
    if status in (401, 404):
        raise InvalidToken(description)
    raise NetworkError(description)


def _message_payload(chat_id: str, reply: Any) -> dict[str, Any]:
    from bot.telegram import message_params
    return message_params(chat_id, reply)


async def _raw_send(self: Any, chat_id: str, replies: list[Any], delivery: Any) -> None:
    for reply in replies:
        for sha in reply.images:  # photos: the product path (multipart), unchanged
            photo = await asyncio.to_thread(self.media.path(sha).read_bytes)
            await self.bot.send_photo(chat_id=int(chat_id), photo=photo)
        await _call(self.bot, "sendMessage", _message_payload(chat_id, reply))


async def _ack_press(self: Any, query: Any, *, answer: bool = True, edit: bool = True,
                     **_: Any) -> None:
    if "noack" in FLAGS:
        return
    data = query if isinstance(query, dict) else query.to_dict()
    try:
        if answer:
            await _call(self.bot, "answerCallbackQuery", {"callback_query_id": data["id"]})
        message = data.get("message") or {}
        markup = message.get("reply_markup") or {}
        if edit and message.get("text") and markup:
            label = next((b.get("text") for row in markup.get("inline_keyboard", [])
                          for b in row if b.get("callback_data") == data.get("data")), None)
            text = f"{message['text']}\n\n👉 {label}" if label else message["text"]
            await _call(self.bot, "editMessageText", {
                "chat_id": message["chat"]["id"], "message_id": message["message_id"],
                "text": text[:4096]})
    except Exception:  # cosmetic, best effort, like the product's
        pass


# -- timing ---------------------------------------------------------------
TX = {"n": 0, "wait": 0.0, "held": 0.0}


def _time_transactions() -> None:
    import contextlib
    import time

    from storage.db import Database
    original = Database.transaction

    @contextlib.asynccontextmanager
    async def timed(self):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        async with original(self) as tx:
            t1 = time.perf_counter()
            try:
                yield tx
            finally:
                TX["n"] += 1
                TX["wait"] += t1 - t0
                TX["held"] += time.perf_counter() - t1

    Database.transaction = timed  # type: ignore[method-assign]


WORKER: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])


def _time_worker() -> None:
    import time

    from bot.delivery import DeliveryWorker
    from storage import outbox
    tick, send, heads = DeliveryWorker._tick, DeliveryWorker._send, outbox.heads

    def timed(name: str, fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                WORKER[name][0] += 1
                WORKER[name][1] += time.perf_counter() - t0
        return wrapper

    DeliveryWorker._tick = timed("tick", tick)  # type: ignore[method-assign]
    DeliveryWorker._send = timed("send", send)  # type: ignore[method-assign]
    outbox.heads = timed("heads", heads)  # type: ignore[assignment]
    outbox.mark_sent = timed("mark_sent", outbox.mark_sent)  # type: ignore[assignment]


