"""The Telegram channel: PTB ``Update`` → :class:`Incoming`, :class:`Reply` → Bot API calls.

python-telegram-bot is the transport only; where a chat stands lives in our own tables.
Updates arrive by webhook (``POST /webhook/telegram``, checked against the secret token)
or by ``getUpdates`` polling for a municipality without a public HTTPS address.
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt
import hmac
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence

from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.delivery import Delivery, Failure
from bot.media import MAX_BYTES, MediaStore, NotAnImage
from handlers.engine import Engine
from handlers.types import BAD_IMAGE, Incoming, Location, Photo, Reply

log = logging.getLogger(__name__)

# Opt in now to what PTB 23 will do anyway: time periods as timedelta (no deprecation warnings).
os.environ.setdefault("PTB_TIMEDELTA", "true")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "callback_query")
GROUPS = ("group", "supergroup")  # a division's group chat, bound with an invitation code
MAX_CALLBACK_DATA = 64
MAX_TEXT = 4096
REMEMBERED_MAX = 10_000


class FetchError(RuntimeError):
    """A photo could not be fetched from Telegram; the update should be redelivered."""


def _rows(buttons: Sequence, columns: int) -> list[list]:
    columns = max(1, columns)
    return [list(buttons[i:i + columns]) for i in range(0, len(buttons), columns)]


def render_markup(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """Choices as an inline keyboard; a location / contact / photo request as a reply keyboard
    (Telegram sends a reply keyboard's label back as text, which the engine maps to its
    choice); no choices at all closes any reply keyboard still open."""
    if reply.request is not None:
        buttons = [KeyboardButton(c.label) for c in reply.choices]
        rows = _rows(buttons, reply.columns)
        if reply.request in ("location", "contact") and reply.request_label:
            widget = {f"request_{reply.request}": True}  # request_location / request_contact
            rows.insert(0, [KeyboardButton(reply.request_label, **widget)])
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if reply.choices:
        for c in reply.choices:
            if len(c.value.encode()) > MAX_CALLBACK_DATA:
                raise ValueError(f"callback data {c.value!r} is over {MAX_CALLBACK_DATA} bytes")
        buttons = [InlineKeyboardButton(c.label, callback_data=c.value) for c in reply.choices]
        return InlineKeyboardMarkup(_rows(buttons, reply.columns))
    return ReplyKeyboardRemove()


class TelegramChannel:
    platform = "telegram"
    max_batch = 1  # one Bot API call per message

    def __init__(self, bot: Bot, engine: Engine, media: MediaStore,
                 webhook_secret: str | None) -> None:
        self.bot = bot
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
            text = reply.text if len(reply.text) <= MAX_TEXT else reply.text[:MAX_TEXT - 1] + "…"
            sent = await self.bot.send_message(chat_id=int(chat_id), text=text,
                                               reply_markup=render_markup(reply))
            if reply.remember:
                self._remembered[reply.remember] = (int(chat_id), sent.message_id)
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
            await self.bot.delete_message(chat_id=target[0], message_id=target[1])
        except BadRequest as exc:
            log.debug("a message could not be deleted: %s", exc.message)

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
    async def incoming(self, update: Update) -> Incoming | None:
        """The neutral form of ``update``; None for what no chat of ours makes (edits,
        channel posts, membership changes, anything but text and buttons in a group)."""
        key = str(update.update_id)
        query = update.callback_query
        if query is not None:
            message = query.message
            chat = message.chat if message is not None else None
            if chat is not None and chat.type not in ("private", *GROUPS):
                return None
            return Incoming("telegram", key, str(chat.id if chat else query.from_user.id),
                            str(query.from_user.id), query.from_user.language_code,
                            choice=query.data or "", group=chat is not None and
                            chat.type in GROUPS)
        message = update.message
        if message is None or message.from_user is None:
            return None
        base = dict(platform="telegram", update_key=key, chat_id=str(message.chat.id),
                    user_id=str(message.from_user.id),
                    language=message.from_user.language_code,
                    message_id=str(message.message_id))
        if message.chat.type in GROUPS:
            return Incoming(**base, text=message.text, group=True) if message.text else None
        if message.chat.type != "private":
            return None
        if message.text is not None:
            return Incoming(**base, text=message.text)
        if message.location is not None:
            loc = message.location
            return Incoming(**base, location=Location(loc.latitude, loc.longitude))
        if message.contact is not None:
            if message.contact.user_id != message.from_user.id:  # someone else's card
                return Incoming(**base, other="contact")
            return Incoming(**base, contact_phone=message.contact.phone_number)
        photo = await self._fetch_photo(message)
        if isinstance(photo, Photo):
            return Incoming(**base, photo=photo)
        return Incoming(**base, other=photo or _kind(message))

    async def _fetch_photo(self, message: Message) -> Photo | str | None:
        """Download a photo (or an image sent as a file) and store it; None if there is none;
        ``BAD_IMAGE`` if it is not a photo we can keep (not an image, a dimension bomb, or a
        file Telegram says it will never give us: a redelivery would not help)."""
        if message.photo:
            fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_BYTES]
            if not fitting:
                return None
            file_id = max(fitting, key=lambda p: p.width * p.height).file_id
        elif (message.document and (message.document.mime_type or "").startswith("image/")
              and (message.document.file_size or 0) <= MAX_BYTES):
            file_id = message.document.file_id
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

    async def handle(self, update: Update, *, in_answer: bool = False) -> dict[str, str] | None:
        """Turn one update into an engine step, then acknowledge a button press. With
        ``in_answer`` (a webhook), the acknowledgement is returned as the method call for
        Telegram to carry out from the webhook's answer: no request of its own."""
        incoming = await self.incoming(update)
        if incoming is None:
            return None
        outcome = await self.engine.handle(incoming)
        query = update.callback_query
        if query is None or outcome.duplicate:
            return None
        # In a group, anyone may press: only stop the spinner, leave the buttons.
        self._in_background(self._acknowledge_press(query, answer=not in_answer,
                                                    edit=not incoming.group))
        return {"method": "answerCallbackQuery", "callback_query_id": query.id} \
            if in_answer else None

    async def _acknowledge_press(self, query, *, answer: bool, edit: bool) -> None:
        """Stop the button's spinner (unless the webhook answer does) and, in a private
        chat, take the keyboard off the pressed message, marking the choice, so an old
        question is not answered twice. Cosmetic: best effort."""
        try:
            if answer:
                await query.answer()
            message = query.message
            if edit and isinstance(message, Message) and message.text and message.reply_markup:
                label = next((b.text for row in message.reply_markup.inline_keyboard
                              for b in row if b.callback_data == query.data), None)
                text = f"{message.text}\n\n👉 {label}" if label else message.text
                await message.edit_text(text[:4096], reply_markup=None)
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
        try:
            if not well_formed(data):
                raise ValueError("a field we read has the wrong type")
            update = Update.de_json(data, self.bot)
        except Exception:  # PTB's parser raises many kinds on a body of the wrong shape
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        try:
            method = await self.handle(update, in_answer=True)
        except (sqlite3.Error, OSError, FetchError) as exc:
            log.error("update not handled, Telegram will redeliver it: %s", exc)
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        return web.json_response(method or {"ok": True})

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
                    await self.handle(update)
                except (sqlite3.Error, OSError, FetchError) as exc:
                    log.error("update not handled, will fetch it again: %s", exc)
                    await asyncio.sleep(error_pause)
                    break
                offset = update.update_id + 1


def _kind(message: Message) -> str:
    for kind in ("sticker", "voice", "audio", "video", "video_note", "animation", "document",
                 "poll", "dice", "venue", "game"):
        if getattr(message, kind, None):
            return kind
    return "unknown"


# -- the shape of what we read ---------------------------------------------------------------
# PTB builds objects from whatever JSON it is given, unchecked: an id that is a list or a chat
# that is null would surface later, as a crash or as a reply to a chat that cannot exist.
# Telegram itself never sends such a body, so one that does is refused whole (400), before
# anything is stored. Only the fields this channel reads are checked.
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


def _message(v: object) -> bool:
    return _fields(v, {
        "chat": _chat, "from": _opt(_user), "text": _opt(_str),
        "location": _opt(lambda loc: _fields(loc, {"latitude": _num, "longitude": _num})),
        "contact": _opt(lambda c: _fields(c, {"phone_number": _str, "user_id": _opt(_int)})),
        "photo": _opt(lambda p: isinstance(p, list) and all(_file(f) for f in p)),
        "document": _opt(_file)})


def well_formed(data: dict) -> bool:
    """Whether the parts of an update this channel reads have the types Telegram gives them."""
    return _fields(data, {
        "message": _opt(_message),
        "callback_query": _opt(lambda q: _fields(q, {
            "from": _user, "data": _opt(_str), "message": _opt(_message)}))})
