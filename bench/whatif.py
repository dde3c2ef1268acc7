"""What-if experiments: monkeypatches applied to the product's classes INSIDE the benchmark's
server process only (bench/ours_unpaced.py, ``BENCH_WHATIF=a,b,c``), to measure what a
proposed product change would gain before anyone writes it. Nothing here is product code,
and none of it is safe as is (see each patch for what a real change must also handle).

    sniffio       httpcore tries ``import sniffio`` on every request and, sniffio not being
                  installed (anyio 4 no longer needs it), walks sys.path each time: patch
                  ``current_async_library`` to say "asyncio" (product fix: depend on sniffio).
    rawsend       TelegramChannel.send and the button acknowledgement POST JSON with one
                  keep-alive aiohttp session and read only ``ok``/``description``, instead of
                  PTB's Bot → HTTPXRequest → httpx → parse the answer into a ``Message``.
    fastin        the webhook turns the update dict into ``Incoming`` directly (text, button,
                  location, contact; anything else falls back to PTB's ``Update.de_json``).
    webhookreply  (needs fastin) a step with exactly one reply, in a chat with nothing else
                  pending, answers the webhook with that reply as a ``sendMessage`` method
                  call; its outbox row is written 'sent' in the step's own transaction (the
                  emulator carries out such answers as Telegram does). A button press is then
                  acknowledged (answerCallbackQuery) by a request of its own, since the
                  product's use of the webhook answer for it is taken. Not safe as is:
                  Telegram reports no result for a method in a webhook answer.
    noack         no answerCallbackQuery / editMessageText after a button press.
    syncsql       run every statement with the stdlib sqlite3 module on the event loop's
                  thread (WAL, synchronous=NORMAL: no fsync per commit), instead of one
                  aiosqlite thread hop per statement and per fetch; a transaction then holds
                  the database lock for its CPU time only, not for ~16 loop round trips.
    batch         TelegramChannel.max_batch = 5: a step's messages to one chat go out in one
                  worker task, one after the other, instead of one tick per message (a real
                  change must mark each row sent as it goes, or a retry would repeat the first).
    nolinebot     line-bot-sdk not imported (stub modules) when LINE is not configured: its
                  pydantic models are most of the idle RSS. Telegram-only runs only.
    countsql      count aiosqlite round trips (thread hops), time the database lock and the
                  delivery worker; printed to the log at exit.
"""
from __future__ import annotations

import asyncio
import atexit
import collections
import contextvars
import datetime as dt
import hmac
import json
import sqlite3
import sys
from typing import Any

import aiohttp
from aiohttp import web

FLAGS: set[str] = set()
_reply_slot: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "webhook_reply", default=None)
_session: aiohttp.ClientSession | None = None
SQL_CALLS: collections.Counter[str] = collections.Counter()


def _flags(spec: str) -> set[str]:
    return {f.strip() for f in spec.split(",") if f.strip()}


def before_imports(spec: str) -> None:
    """Patches that must be in place before the product's modules are imported."""
    if "nolinebot" in _flags(spec):
        import types

        class _Stub(types.ModuleType):
            def __getattr__(self, name: str) -> Any:
                if name.startswith("__"):
                    raise AttributeError(name)
                return type(name, (Exception,), {})

        for name in ("linebot", "linebot.v3", "linebot.v3.messaging", "linebot.v3.webhook",
                     "linebot.v3.webhooks", "linebot.v3.exceptions"):
            module = _Stub(name)
            module.__path__ = []  # type: ignore[attr-defined]
            sys.modules[name] = module


def apply(spec: str) -> set[str]:
    FLAGS.update(_flags(spec))
    unknown = FLAGS - {"sniffio", "rawsend", "fastin", "webhookreply", "noack", "countsql",
                       "syncsql", "batch", "nolinebot"}
    if unknown:
        raise SystemExit(f"unknown BENCH_WHATIF flags: {sorted(unknown)}")
    if "webhookreply" in FLAGS:
        FLAGS.add("fastin")
    if "sniffio" in FLAGS:
        import httpcore._synchronization as sync
        sync.current_async_library = lambda: "asyncio"  # type: ignore[assignment]
    from bot.telegram import TelegramChannel
    if "batch" in FLAGS:
        TelegramChannel.max_batch = 5
    if "rawsend" in FLAGS:
        TelegramChannel.send = _raw_send  # type: ignore[method-assign]
    if "noack" in FLAGS or "rawsend" in FLAGS:
        TelegramChannel._acknowledge_press = _ack_press  # type: ignore[method-assign]
    if "fastin" in FLAGS:
        global _ORIGINAL_WEBHOOK
        _ORIGINAL_WEBHOOK = TelegramChannel.webhook
        TelegramChannel.webhook = _fast_webhook  # type: ignore[method-assign]
    if "webhookreply" in FLAGS:
        from storage import outbox
        outbox.enqueue = _enqueue_with_webhook_reply(outbox.enqueue)  # type: ignore[assignment]
    if "syncsql" in FLAGS:
        _sync_sql()
    if "countsql" in FLAGS:
        _time_transactions()
        _time_worker()
        import aiosqlite.core as core
        original = core.Connection._execute

        async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            SQL_CALLS[getattr(fn, "__name__", "?")] += 1
            return await original(self, fn, *args, **kwargs)

        core.Connection._execute = counted  # type: ignore[method-assign]
        atexit.register(lambda: print(
            f"BENCH sqlite round trips: {dict(SQL_CALLS)}; transactions: {TX['n']}, "
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
    from bot.telegram import render_markup
    return {"chat_id": int(chat_id), "text": reply.text,
            "reply_markup": render_markup(reply).to_dict()}


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


# -- fastin / webhookreply ------------------------------------------------------------------
_FALLBACK = object()


def _fast_incoming(data: dict[str, Any]) -> Any:
    from bot.telegram import GROUPS
    from handlers.types import Incoming, Location
    key = str(data["update_id"])
    query = data.get("callback_query")
    if query is not None:
        message = query.get("message")
        chat = message.get("chat") if message else None
        if chat is not None and chat.get("type") not in ("private", *GROUPS):
            return None
        user = query["from"]
        return Incoming("telegram", key, str(chat["id"] if chat else user["id"]),
                        str(user["id"]), user.get("language_code"), choice=query.get("data") or "",
                        group=chat is not None and chat.get("type") in GROUPS)
    message = data.get("message")
    if message is None:
        return _FALLBACK if set(data) - {"update_id"} - {"edited_message", "channel_post",
                                                         "edited_channel_post"} else None
    user = message.get("from")
    if user is None:
        return None
    base = dict(platform="telegram", update_key=key, chat_id=str(message["chat"]["id"]),
                user_id=str(user["id"]), language=user.get("language_code"))
    kind = message["chat"].get("type")
    if kind in GROUPS:
        return Incoming(**base, text=message["text"], group=True) if message.get("text") else None
    if kind != "private":
        return None
    if message.get("text") is not None:
        return Incoming(**base, text=message["text"])
    if message.get("location") is not None:
        loc = message["location"]
        return Incoming(**base, location=Location(loc["latitude"], loc["longitude"]))
    if message.get("contact") is not None:
        return Incoming(**base, contact_phone=message["contact"]["phone_number"])
    return _FALLBACK  # photos, stickers, …: the product's path


_ORIGINAL_WEBHOOK: Any = None


async def _fast_webhook(self: Any, request: web.Request) -> web.Response:
    from bot.telegram import SECRET_HEADER, FetchError
    given = request.headers.get(SECRET_HEADER, "").encode()
    if self._secret is None or not hmac.compare_digest(given, self._secret):
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
    try:
        incoming = _fast_incoming(data)
    except (KeyError, TypeError, AttributeError):
        incoming = _FALLBACK
    if incoming is _FALLBACK:
        return await _ORIGINAL_WEBHOOK(self, request)
    if incoming is None:
        return web.json_response({"ok": True})
    slot = {"chat_id": incoming.chat_id, "reply": None} if "webhookreply" in FLAGS else None
    token = _reply_slot.set(slot)
    try:
        outcome = await self.engine.handle(incoming)
    except (sqlite3.Error, OSError, FetchError) as exc:
        return web.json_response({"ok": False, "error": f"try again: {exc}"}, status=503)
    finally:
        _reply_slot.reset(token)
    query = data.get("callback_query")
    replied = slot is not None and slot["reply"] is not None
    # Like the product: a button press is answered (answerCallbackQuery) in the webhook's
    # answer, unless that answer carries the reply; then by a request of its own.
    in_answer = query is not None and not outcome.duplicate and not replied
    if query is not None and not outcome.duplicate and "noack" not in FLAGS:
        self._in_background(self._acknowledge_press(
            query if "rawsend" in FLAGS else _ptb_query(self, data),
            answer=not in_answer, edit=not incoming.group))
    if replied:
        return web.json_response({"method": "sendMessage",
                                  **_message_payload(incoming.chat_id, slot["reply"])})
    if in_answer and "noack" not in FLAGS:
        return web.json_response({"method": "answerCallbackQuery",
                                  "callback_query_id": query["id"]})
    return web.json_response({"ok": True})


def _ptb_query(self: Any, data: dict[str, Any]) -> Any:
    from telegram import Update
    return Update.de_json(data, self.bot).callback_query


def _enqueue_with_webhook_reply(original: Any) -> Any:
    from handlers.types import Reply

    async def enqueue(tx: Any, platform: str, chat_id: str, payloads: Any, created_at: str,
                      *, reply_token: str | None = None,
                      reply_expires: float | None = None) -> int:
        payloads = list(payloads)
        slot = _reply_slot.get()
        if (slot is not None and slot["reply"] is None and platform == "telegram"
                and chat_id == slot["chat_id"] and len(payloads) == 1):
            reply = Reply.from_dict(json.loads(payloads[0]))
            pending = await tx.fetchone(
                "SELECT 1 FROM outbox WHERE platform = ? AND chat_id = ? AND status = 'pending' "
                "LIMIT 1", (platform, chat_id))
            if pending is None and not reply.images:
                await tx.execute(
                    "INSERT INTO outbox (platform, chat_id, payload, created_at, batch, status, "
                    "sent_at, attempts) VALUES (?, ?, ?, ?, '', 'sent', ?, 1)",
                    (platform, chat_id, payloads[0], created_at,
                     dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
                slot["reply"] = reply
                return 1
        return await original(tx, platform, chat_id, payloads, created_at,
                              reply_token=reply_token, reply_expires=reply_expires)

    return enqueue


# -- syncsql / transaction timing ---------------------------------------------------------------
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


class _SyncTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    async def execute(self, sql: str, params: Any = ()) -> int:
        return self._c.execute(sql, tuple(params)).rowcount

    async def insert(self, sql: str, params: Any = ()) -> int:
        return self._c.execute(sql, tuple(params)).lastrowid  # type: ignore[return-value]

    async def executemany(self, sql: str, rows: Any) -> None:
        self._c.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Any = ()) -> Any:
        return self._c.execute(sql, tuple(params)).fetchone()

    async def fetchall(self, sql: str, params: Any = ()) -> list[Any]:
        return self._c.execute(sql, tuple(params)).fetchall()

    async def executescript_in_tx(self, sql: str) -> None:
        from storage.db import _split_statements
        for statement in _split_statements(sql):
            self._c.execute(statement)


def _sync_sql() -> None:
    import contextlib

    from storage.db import Database
    connections: dict[int, sqlite3.Connection] = {}

    def conn(db: Any) -> sqlite3.Connection:
        c = connections.get(id(db))
        if c is None:
            c = sqlite3.connect(db.path, isolation_level=None, check_same_thread=False)
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA busy_timeout = 5000")
            c.execute("PRAGMA synchronous = NORMAL")
            c.execute("PRAGMA foreign_keys = ON")
            connections[id(db)] = c
        return c

    @contextlib.asynccontextmanager
    async def transaction(self):  # type: ignore[no-untyped-def]
        async with self._lock:
            c = conn(self)
            c.execute("BEGIN IMMEDIATE")
            try:
                yield _SyncTx(c)
            except BaseException:
                c.execute("ROLLBACK")
                raise
            else:
                c.execute("COMMIT")

    async def fetchall(self, sql: str, params: Any = ()) -> list[Any]:  # type: ignore[no-untyped-def]
        async with self._lock:
            return conn(self).execute(sql, tuple(params)).fetchall()

    Database.transaction = transaction  # type: ignore[method-assign]
    Database.fetchall = fetchall  # type: ignore[method-assign]


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


