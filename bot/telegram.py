"""The Telegram channel: an update → :class:`Incoming`, :class:`Reply` → Bot API calls.

python-telegram-bot registers the webhook, polls, and moves photos; the calls made for every
message go through ``bot/transport.py``; where a chat stands lives in our own tables.
Updates arrive by webhook (``POST /webhook/telegram``, checked against the secret token)
or by ``getUpdates`` polling for a municipality without a public HTTPS address.

An update is read straight from its JSON (checked by :func:`well_formed`) rather than built
into PTB objects first: the channel reads a handful of fields, and building the whole
``Update`` was a tenth of the service's CPU. A webhook's answer carries one Bot API call
(the step's reply when the engine lets it, else a button's acknowledgement), which spares a
request of its own.
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hmac
import json
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.delivery import Delivery, Failure
from bot.media import MAX_BYTES, MediaStore, NotAnImage
from bot.transport import AiohttpRequest, compact_json
from handlers.engine import Engine
from handlers.types import BAD_IMAGE, Carrier, Incoming, Location, Photo, Reply

log = logging.getLogger(__name__)


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
GROUPS = ("group", "supergroup")  # a division's group chat, bound with an invitation code
MAX_CALLBACK_DATA = 64
# No one sees the result of a call carried in a webhook's answer, so none is carried for
# this long after any call failed for the platform's reasons (a 429, a 5xx, no connection,
# a timeout), a button's acknowledgement as much as a message: while the platform is in
# trouble, every message goes by a request whose failure is seen and retried.
TROUBLE_QUIET = 60.0
# Nor without a call answered by request this recently: where every reply rides (no button
# pressed, one message a step), one of them goes by request each time this has passed, and
# its failure is the one that shows trouble. Unseen losses are bounded to this window.
PROVEN_FOR = 10.0
MAX_TEXT = 4096
REMEMBERED_MAX = 10_000


class FetchError(RuntimeError):
    """A photo could not be fetched from Telegram; the update should be redelivered."""


def _rows(buttons: list[dict[str, Any]], columns: int) -> list[list[dict[str, Any]]]:
    columns = max(1, columns)
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


def render_markup(reply: Reply) -> dict[str, Any]:
    """The Bot API's ``reply_markup``: choices as an inline keyboard; a location / contact /
    photo request as a reply keyboard (Telegram sends a reply keyboard's label back as text,
    which the engine maps to its choice); no choices at all closes any reply keyboard still
    open. Raises ValueError for a button Telegram would refuse."""
    if reply.request is not None:
        rows = _rows([{"text": c.label} for c in reply.choices], reply.columns)
        if reply.request in ("location", "contact") and reply.request_label:
            # request_location / request_contact
            rows.insert(0, [{"text": reply.request_label, f"request_{reply.request}": True}])
        return {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True}
    if reply.choices:
        for c in reply.choices:
            if len(c.value.encode()) > MAX_CALLBACK_DATA:
                raise ValueError(f"callback data {c.value!r} is over {MAX_CALLBACK_DATA} bytes")
        return {"inline_keyboard": _rows([{"text": c.label, "callback_data": c.value}
                                          for c in reply.choices], reply.columns)}
    return {"remove_keyboard": True}


def message_params(chat_id: str, reply: Reply) -> dict[str, Any]:
    """``reply``'s text as ``sendMessage`` parameters (a longer text is cut to Telegram's
    limit). Raises ValueError for a button Telegram would refuse."""
    text = reply.text if len(reply.text) <= MAX_TEXT else reply.text[:MAX_TEXT - 1] + "…"
    return {"chat_id": int(chat_id), "text": text, "reply_markup": render_markup(reply)}


def answer_call(chat_id: str, reply: Reply) -> dict[str, Any] | None:
    """``reply`` as the ``sendMessage`` call a webhook's answer can carry; None for a reply
    that needs more than one call or the message id of what was sent (photos before it,
    messages to delete, a message to remember) or whose buttons are invalid."""
    if reply.images or reply.delete or reply.remember is not None:
        return None
    try:
        return {"method": "sendMessage", **message_params(chat_id, reply)}
    except ValueError:
        return None


class TelegramChannel:
    platform = "telegram"
    max_batch = 1  # one Bot API call per message

    def __init__(self, bot: Bot, engine: Engine, media: MediaStore,
                 webhook_secret: str | None,
                 answer_slot: Callable[[str], bool] | None = None) -> None:
        """``answer_slot(chat_id)`` says whether the pace allows a message to that chat now
        (and counts it): only then, and while Telegram is lately proven well
        (``TROUBLE_QUIET``, ``proven_for``), does a webhook's answer carry a reply."""
        if not isinstance(bot.request, AiohttpRequest):
            raise TypeError("the channel calls the Bot API through bot.transport.AiohttpRequest")
        self.bot = bot
        self._api = bot.request
        self._answer_slot = answer_slot
        self.proven_for: float = PROVEN_FOR  # seconds (PROVEN_FOR); a test shortens it
        self.engine = engine
        self.media = media
        self._secret = webhook_secret.encode() if webhook_secret else None
        self._background: set[asyncio.Task[object]] = set()
        # Message ids of replies a later reply may delete (a receipt code), in memory only:
        # a restart forgets them, and the message stays (the reporter was told to keep it).
        self._remembered: collections.OrderedDict[str, tuple[int, int]] = \
            collections.OrderedDict()

    # -- outbound ---------------------------------------------------------------------
    @staticmethod
    def is_group(chat_id: str) -> bool:
        return chat_id.startswith("-")  # Telegram numbers groups below zero

    async def send(self, chat_id: str, replies: list[Reply], delivery: Delivery) -> None:
        for reply in replies:
            for token in reply.delete:
                await self._delete(int(chat_id), token)
            for sha in reply.images:
                # Uploaded from our cleaned copy: a photo is never forwarded from its sender.
                photo = await asyncio.to_thread(self.media.path(sha).read_bytes)
                await self.bot.send_photo(chat_id=int(chat_id), photo=photo)
            sent = await self._call("sendMessage", message_params(chat_id, reply))
            if reply.remember:
                self._remembered[reply.remember] = (int(chat_id), sent["message_id"])
                while len(self._remembered) > REMEMBERED_MAX:
                    self._remembered.popitem(last=False)

    async def _delete(self, chat_id: int, token: str) -> None:
        """Delete a message named by ``token`` (``msg:<id>``, or a remembered reply). Best
        effort: Telegram refuses messages over 48 hours old, and a retry finds it gone."""
        if token.startswith("msg:"):
            target: tuple[int, int] | None = (chat_id, int(token[4:]))
        else:
            target = self._remembered.pop(token, None)
        if target is None or target[0] != chat_id:
            return
        try:
            await self._call("deleteMessage", {"chat_id": target[0], "message_id": target[1]})
        except BadRequest as exc:
            log.debug("a message could not be deleted: %s", exc.message)

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        """One of the calls made for every message (send, edit, delete, answer a button):
        JSON through the bot's transport, PTB's errors (see bot/transport.py)."""
        return await self._api.call(f"{self.bot.base_url}/{method}", params)

    def classify(self, exc: Exception) -> Failure:
        if isinstance(exc, RetryAfter):
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
            return Failure("throttled", "429 Too Many Requests", seconds)
        if isinstance(exc, Forbidden | BadRequest | InvalidToken):
            return Failure("permanent", f"{type(exc).__name__}: {exc.message}")
        if isinstance(exc, TelegramError):  # NetworkError, TimedOut, 5xx, Conflict
            return Failure("retry", f"{type(exc).__name__}: {exc.message}")
        return Failure("retry", f"{type(exc).__name__}: {exc}")

    # -- inbound ----------------------------------------------------------------------
    async def incoming(self, update: dict[str, Any]) -> Incoming | None:
        """The neutral form of ``update`` (a :func:`well_formed` update's JSON); None for
        what no chat of ours makes (edits, channel posts, membership changes, anything but
        text and buttons in a group)."""
        key = str(update["update_id"])
        query = update.get("callback_query")
        if query is not None:
            user = query["from"]
            chat = (query.get("message") or {}).get("chat")
            if chat is not None and chat["type"] not in ("private", *GROUPS):
                return None
            return Incoming("telegram", key, str(chat["id"] if chat else user["id"]),
                            str(user["id"]), user.get("language_code"),
                            choice=query.get("data") or "",
                            group=chat is not None and chat["type"] in GROUPS)
        message = update.get("message")
        if message is None or message.get("from") is None:
            return None
        user, chat = message["from"], message["chat"]
        base = dict(platform="telegram", update_key=key, chat_id=str(chat["id"]),
                    user_id=str(user["id"]), language=user.get("language_code"),
                    message_id=str(message["message_id"]))
        text = message.get("text")
        if chat["type"] in GROUPS:
            return Incoming(**base, text=text, group=True) if text else None
        if chat["type"] != "private":
            return None
        if text is not None:
            return Incoming(**base, text=text)
        if (loc := message.get("location")) is not None:
            return Incoming(**base, location=Location(loc["latitude"], loc["longitude"]))
        if (contact := message.get("contact")) is not None:
            if contact.get("user_id") != user["id"]:  # someone else's card
                return Incoming(**base, other="contact")
            return Incoming(**base, contact_phone=contact["phone_number"])
        photo = await self._fetch_photo(message)
        if isinstance(photo, Photo):
            return Incoming(**base, photo=photo)
        return Incoming(**base, other=photo or _kind(message))

    async def _fetch_photo(self, message: dict[str, Any]) -> Photo | str | None:
        """Download a photo (or an image sent as a file) and store it; None if there is none;
        ``BAD_IMAGE`` if it is not a photo we can keep (not an image, a dimension bomb, or a
        file Telegram says it will never give us: a redelivery would not help)."""
        document = message.get("document")
        if message.get("photo"):
            fitting = [p for p in message["photo"] if (p.get("file_size") or 0) <= MAX_BYTES]
            if not fitting:
                return None
            file_id = max(fitting, key=lambda p: (p.get("width") or 0) * (p.get("height") or 0)
                          )["file_id"]
        elif (document and (document.get("mime_type") or "").startswith("image/")
              and (document.get("file_size") or 0) <= MAX_BYTES):
            file_id = document["file_id"]
        else:
            return None
        try:
            file = await self.bot.get_file(file_id)
            data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            log.info("a photo Telegram will not give: %s", exc.message)
            return BAD_IMAGE
        except TelegramError as exc:
            raise FetchError(f"photo download failed: {exc.message}") from exc
        try:
            return Photo(await self.media.save(data))
        except NotAnImage:
            return BAD_IMAGE

    async def handle(self, update: dict[str, Any], *, in_answer: bool = False
                     ) -> dict[str, Any] | None:
        """Turn one update into an engine step, then acknowledge a button press. With
        ``in_answer`` (a webhook), return the one method call Telegram is to carry out from
        the webhook's answer: the step's reply if the engine let it travel so, else the
        button's acknowledgement; whatever the answer does not carry is sent by request."""
        incoming = await self.incoming(update)
        if incoming is None:
            return None
        calls: list[dict[str, Any]] = []
        carry = self._carrier(incoming.chat_id, calls) if in_answer else None
        outcome = await self.engine.handle(incoming, carry)
        answer = calls[0] if outcome.carried is not None else None
        query = update.get("callback_query")
        if query is None or outcome.duplicate:
            return answer
        acknowledge = in_answer and answer is None
        # In a group, anyone may press: only stop the spinner, leave the buttons.
        self._in_background(self._acknowledge_press(query, answer=not acknowledge,
                                                    edit=not incoming.group))
        if acknowledge:
            answer = {"method": "answerCallbackQuery", "callback_query_id": query["id"]}
        return answer

    def _carrier(self, chat_id: str, calls: list[dict[str, Any]]) -> Carrier | None:
        """The engine's offer to put a reply in the webhook's answer (into ``calls``)."""
        slot = self._answer_slot
        if slot is None:
            return None

        def carry(reply: Reply) -> bool:
            call = answer_call(chat_id, reply)
            if (call is None or self._api.troubled_within(TROUBLE_QUIET)
                    or not self._api.answered_within(self.proven_for) or not slot(chat_id)):
                return False
            calls.append(call)
            return True

        return carry

    async def _acknowledge_press(self, query: dict[str, Any], *, answer: bool,
                                 edit: bool) -> None:
        """Stop the button's spinner (unless the webhook answer does) and, in a private
        chat, take the keyboard off the pressed message, marking the choice, so an old
        question is not answered twice. Cosmetic: best effort."""
        try:
            if answer:
                await self._call("answerCallbackQuery", {"callback_query_id": query["id"]})
            message = query.get("message") or {}
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
            if edit and message.get("text") and keyboard:
                label = next((b["text"] for row in keyboard for b in row
                              if b.get("callback_data") == query.get("data")), None)
                text = f"{message['text']}\n\n👉 {label}" if label else message["text"]
                await self._call("editMessageText", {
                    "chat_id": message["chat"]["id"], "message_id": message["message_id"],
                    "text": text[:MAX_TEXT]})
        except TelegramError as exc:
            log.debug("acknowledging a button press failed: %s", exc)

    def _in_background(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    # -- webhook ----------------------------------------------------------------------
    def _authentic(self, given: list[str]) -> bool:
        """Exactly one secret header, equal to ours (compared in constant time). Two headers
        are refused whichever is right: a proxy or a forger added one, and we cannot tell
        which. aiohttp keeps undecodable header bytes as surrogates; they round-trip."""
        if self._secret is None or len(given) != 1:
            return False
        return hmac.compare_digest(given[0].encode("utf-8", "surrogateescape"), self._secret)

    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /webhook/telegram``. 403 without the right secret (nothing stored);
        400 for a body that is not an update; 503 when storage fails, so Telegram redelivers."""
        if not self._authentic(request.headers.getall(SECRET_HEADER, [])):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = json.loads(await request.read())
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:  # not a bool
            return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
        if not well_formed(data):
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        try:
            method = await self.handle(data, in_answer=True)
        except (sqlite3.Error, OSError, FetchError) as exc:
            log.error("update not handled, Telegram will redeliver it: %s", exc)
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        return web.json_response(method or {"ok": True}, dumps=compact_json)

    # -- polling ----------------------------------------------------------------------
    async def poll(self, *, timeout: int = 25, error_pause: float = 2.0) -> None:
        """Fetch updates with ``getUpdates`` until cancelled; an update is confirmed (its
        offset passed) only after it was handled, so a crash loses none."""
        await self.bot.delete_webhook()
        offset: int | None = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=timeout,
                                                     allowed_updates=list(ALLOWED_UPDATES))
            except TelegramError as exc:  # network, 5xx, 429, even a 409 from a stray webhook
                log.warning("getUpdates failed, retrying: %s", exc)
                await asyncio.sleep(error_pause)
                continue
            for update in updates:
                try:
                    await self.handle(update.to_dict())
                except (sqlite3.Error, OSError, FetchError) as exc:
                    log.error("update not handled, will fetch it again: %s", exc)
                    await asyncio.sleep(error_pause)
                    break
                offset = update.update_id + 1


def _kind(message: dict[str, Any]) -> str:
    for kind in ("sticker", "voice", "audio", "video", "video_note", "animation", "document",
                 "poll", "dice", "venue", "game"):
        if message.get(kind):
            return kind
    return "unknown"


# -- the shape of what we read ---------------------------------------------------------------
# The channel reads an update's JSON as it came: an id that is a list or a chat that is null
# would surface later, as a crash or as a reply to a chat that cannot exist. Telegram itself
# never sends such a body, so one that does is refused whole (400), before anything is
# stored. Every field this channel reads is checked, and only those.
def _int(v: object) -> bool:
    return type(v) is int  # bool is an int to Python, never to Telegram


def _opt(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda v: v is None or check(v)


def _str(v: object) -> bool:
    return isinstance(v, str)


def _num(v: object) -> bool:
    return type(v) in (int, float)


def _fields(obj: object, checks: dict[str, Callable[[object], bool]]) -> bool:
    return isinstance(obj, dict) and all(check(obj.get(k)) for k, check in checks.items())


def _user(v: object) -> bool:
    return _fields(v, {"id": _int, "language_code": _opt(_str)})


def _chat(v: object) -> bool:
    return _fields(v, {"id": _int, "type": _str})


def _file(v: object) -> bool:
    return _fields(v, {"file_id": _str, "file_size": _opt(_int), "width": _opt(_int),
                       "height": _opt(_int), "mime_type": _opt(_str)})


def _button(v: object) -> bool:
    return _fields(v, {"text": _str, "callback_data": _opt(_str)})


def _keyboard(v: object) -> bool:
    return _fields(v, {"inline_keyboard": _opt(lambda rows: isinstance(rows, list) and all(
        isinstance(row, list) and all(_button(b) for b in row) for row in rows))})


def _message(v: object) -> bool:
    return _fields(v, {
        "message_id": _int, "chat": _chat, "from": _opt(_user), "text": _opt(_str),
        "reply_markup": _opt(_keyboard),
        "location": _opt(lambda loc: _fields(loc, {"latitude": _num, "longitude": _num})),
        "contact": _opt(lambda c: _fields(c, {"phone_number": _str, "user_id": _opt(_int)})),
        "photo": _opt(lambda p: isinstance(p, list) and all(_file(f) for f in p)),
        "document": _opt(_file)})


def well_formed(data: dict) -> bool:
    """Whether the parts of an update this channel reads have the types Telegram gives them."""
    return _fields(data, {
        "message": _opt(_message),
        "callback_query": _opt(lambda q: _fields(q, {
            "id": _str, "from": _user, "data": _opt(_str), "message": _opt(_message)}))})
