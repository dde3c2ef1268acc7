"""An emulation of the Telegram Bot API, good enough that python-telegram-bot cannot tell.

It answers the Bot API methods the bot uses in their real JSON shapes, keeps every chat's
messages, plays the citizen's side (text, button presses, locations, contacts, photos,
stickers) by webhook or ``getUpdates``, and injects the platform's faults on demand: 429
with ``retry_after``, 5xx, slow answers, a blocked user, and optionally Telegram's flood
limits (30 messages/s overall, 1/s per chat).
"""
from __future__ import annotations

import asyncio
import collections
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.base import Call, Emulator

BOT_ID = 7000000001
# Parameters that the Bot API takes as JSON-serialized objects in a form body.
_JSON_FIELDS = frozenset({"reply_markup", "entities", "caption_entities", "allowed_updates",
                          "link_preview_options", "reply_parameters"})


@dataclass
class _File:
    file_id: str
    file_unique_id: str
    path: str
    data: bytes


@dataclass
class _Chat:
    messages: list[dict[str, Any]] = field(default_factory=list)
    first_name: str = "Citizen"
    language_code: str | None = "th"
    blocked: bool = False


class TelegramEmulator(Emulator):
    """The Telegram side of a chat, on loopback."""

    def __init__(self, token: str, *, username: str = "rongrian_sandbox_bot",
                 enforce_limits: bool = False, app: web.Application | None = None) -> None:
        super().__init__(app)
        self.token = token
        self.username = username
        self.enforce_limits = enforce_limits
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._chats: dict[int, _Chat] = collections.defaultdict(_Chat)
        self._files: dict[str, _File] = {}
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(100_000_001)
        self._message_ids = itertools.count(1)
        self._sent_times: collections.deque[float] = collections.deque()
        self._chat_last_sent: dict[int, float] = {}
        self.deleted: list[tuple[int, int]] = []  # (chat, message) the bot deleted
        self._add_routes()

    @property
    def api_base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` must be (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"

    def _add_routes(self) -> None:
        app = self.app
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/sandbox/telegram/files/{file_id}", self._sandbox_file)
        app.router.add_get("/sandbox/telegram/chats/{chat_id}/messages", self._sandbox_messages)
        app.router.add_post("/sandbox/telegram/chats/{chat_id}/send", self._sandbox_send)

    # -- the citizen's side --------------------------------------------------------------
    def block(self, chat_id: int) -> None:
        """The citizen blocks the bot: sends to them answer 403 from now on."""
        self._chats[chat_id].blocked = True

    async def send(self, chat_id: int, *, text: str | None = None,
                   callback_data: str | None = None, message_id: int | None = None,
                   location: tuple[float, float] | None = None, contact: str | None = None,
                   photo: bytes | None = None, caption: str | None = None,
                   sticker: bool = False, first_name: str | None = None,
                   language_code: str | None = None, user_id: int | None = None,
                   document: tuple[bytes, str, str] | None = None,
                   username: str | None = None, lose_answer: bool = False
                   ) -> tuple[dict[str, Any], int | None]:
        """Someone does one thing in a chat: the citizen in their private chat, or
        ``user_id`` in a group chat (a negative ``chat_id``, as Telegram numbers groups).
        ``document`` is a file sent as a file: (bytes, file name, MIME type).
        Return the update and the webhook's HTTP status (None when the bot polls)."""
        chat = self._chats[chat_id]
        if first_name:
            chat.first_name = first_name
        if language_code:
            chat.language_code = language_code
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": chat.first_name}
        if chat.language_code:
            user["language_code"] = chat.language_code
        if username:
            user["username"] = username
        update: dict[str, Any] = {"update_id": next(self._update_ids)}
        if callback_data is not None:
            message = next((m for m in chat.messages if m["message_id"] == message_id), None)
            if message is None:
                raise ValueError(f"chat {chat_id} has no message {message_id}")
            update["callback_query"] = {
                "id": str(secrets.randbits(63)), "from": user, "message": self._public(message),
                "chat_instance": str(chat_id), "data": callback_data,
            }
        else:
            where = ({"id": chat_id, "type": "group", "title": "กองช่าง"} if chat_id < 0 else
                     {"id": chat_id, "type": "private", "first_name": chat.first_name})
            message = {"message_id": next(self._message_ids), "from": user, "chat": where,
                       "date": int(time.time())}
            if text is not None:
                message["text"] = text
                if text.startswith("/"):
                    length = len(text.split()[0])
                    message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            elif location is not None:
                message["location"] = {"latitude": location[0], "longitude": location[1]}
            elif contact is not None:
                message["contact"] = {"phone_number": contact, "first_name": chat.first_name,
                                      "user_id": chat_id}
            elif photo is not None:
                message["photo"] = self._photo_sizes(photo)
                if caption:
                    message["caption"] = caption
            elif document is not None:
                data, name, mime = document
                n = len(self._files) + 1
                file = _File(f"BQACAgUAAxk{secrets.token_hex(12)}", f"AgAD{secrets.token_hex(6)}",
                             f"documents/file_{n}_{name}", data)
                self._files[file.file_id] = file
                message["document"] = {"file_id": file.file_id,
                                       "file_unique_id": file.file_unique_id,
                                       "file_name": name, "mime_type": mime,
                                       "file_size": len(data)}
            elif sticker:
                message["sticker"] = {"file_id": "CAACAgIAAxkBAAE", "file_unique_id": "AgADsticker",
                                      "type": "regular", "width": 512, "height": 512,
                                      "is_animated": False, "is_video": False, "emoji": "😀"}
            else:
                raise ValueError("the citizen must send something")
            update["message"] = message
            await self._record(chat_id, message)
        return update, await self.deliver(update, lose_answer=lose_answer)

    async def deliver(self, update: dict[str, Any], *, lose_answer: bool = False) -> int | None:
        """Hand ``update`` to the bot (again, for a redelivery test); return the HTTP status.
        ``lose_answer``: the connection breaks as the bot answers, so Telegram never reads
        the answer (nor carries out a method in it) and will deliver the update again."""
        if self.webhook_url is None:
            self._pending.append(update)
            await self.changed()
            return None
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        status, body = await self.post_webhook(self.webhook_url, json.dumps(update).encode(),
                                               headers)
        if lose_answer:
            return 0
        if status == 200:
            await self._method_in_answer(body)
        return status

    async def _method_in_answer(self, body: bytes) -> None:
        """Telegram carries out one Bot API method the bot puts in its webhook answer
        (``{"method": "answerCallbackQuery", ...}``); its result goes nowhere."""
        try:
            call = json.loads(body)
        except ValueError:
            return
        if isinstance(call, dict) and isinstance(call.get("method"), str):
            params = {k: v for k, v in call.items() if k != "method"}
            response = await self._answer(self.token, call["method"], params)
            self.calls.append(Call(call["method"], params, time.monotonic(), response.status,
                                   {"via": "webhook answer"}))

    def messages(self, chat_id: int, *, from_bot: bool | None = True) -> list[dict[str, Any]]:
        """The chat's messages as the sandbox page shows them (bot's only by default)."""
        return [self._view(m) for m in self._chats[chat_id].messages
                if from_bot is None or (m["from"]["id"] == BOT_ID) == from_bot]

    # -- internals ------------------------------------------------------------------------
    def _photo_sizes(self, data: bytes) -> list[dict[str, Any]]:
        sizes = []
        for width in (90, 1280):
            n = len(self._files) + 1
            file = _File(f"AgACAgUAAxk{secrets.token_hex(12)}", f"AQAD{secrets.token_hex(6)}",
                         f"photos/file_{n}.jpg", data)
            self._files[file.file_id] = file
            sizes.append({"file_id": file.file_id, "file_unique_id": file.file_unique_id,
                          "file_size": len(data), "width": width, "height": width * 3 // 4})
        return sizes

    async def _record(self, chat_id: int, message: dict[str, Any]) -> None:
        self._chats[chat_id].messages.append(message)
        await self.changed()

    def _view(self, m: dict[str, Any]) -> dict[str, Any]:
        photo = m.get("photo")
        return {
            "message_id": m["message_id"],
            "from": "bot" if m["from"]["id"] == BOT_ID else "user",
            "date": m["date"],
            "text": m.get("text"),
            "caption": m.get("caption"),
            "photo_url": f"/sandbox/telegram/files/{photo[-1]['file_id']}" if photo else None,
            "location": m.get("location"),
            "contact": m.get("contact"),
            "sticker": "sticker" in m,
            "reply_markup": m.get("_markup"),
            "edited": "edit_date" in m,
            "deleted": m.get("_deleted", False),
        }

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        chat = self._chats[chat_id]
        return {"message_id": next(self._message_ids),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Kra Sang",
                         "username": self.username},
                "chat": ({"id": chat_id, "type": "group", "title": "กองช่าง"} if chat_id < 0 else
                         {"id": chat_id, "type": "private", "first_name": chat.first_name}),
                "date": int(time.time()), **content}

    @staticmethod
    def _public(message: dict[str, Any]) -> dict[str, Any]:
        """A message as the Bot API returns it: only inline keyboards travel back."""
        out = {k: v for k, v in message.items() if not k.startswith("_")}
        markup = message.get("_markup")
        if markup and "inline_keyboard" in markup:
            out["reply_markup"] = markup
        return out

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        params: dict[str, Any] = dict(request.query)
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = value.file.read()
            elif key in _JSON_FIELDS and isinstance(value, str):
                params[key] = json.loads(value)
            else:
                params[key] = value
        return params

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _flood(self, chat_id: int) -> bool:
        """Telegram's limits: more than 30 sends in a second, or 1 per second to one chat."""
        now = time.monotonic()
        while self._sent_times and now - self._sent_times[0] > 1.0:
            self._sent_times.popleft()
        last = self._chat_last_sent.get(chat_id)
        if len(self._sent_times) >= 30 or (last is not None and now - last < 1.0):
            return True
        self._sent_times.append(now)
        self._chat_last_sent[chat_id] = now
        return False

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await self._params(request)
        except (ValueError, json.JSONDecodeError):
            return self._error(400, "Bad Request: can't parse request parameters")
        response = await self._answer(request.match_info["token"], method, params)
        self.calls.append(Call(method, params, time.monotonic(), response.status))
        return response

    async def _answer(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        if not hmac.compare_digest(token, self.token):
            return self._error(401, "Unauthorized")
        fault = await self.apply_fault(method)
        if fault is not None:
            if fault.status == 429:
                return self._error(429, f"Too Many Requests: retry after {fault.retry_after}",
                                   fault.retry_after or 1)
            return self._error(fault.status or 500, "Internal Server Error")
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            return self._error(404, "Not Found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return self._error(exc.status, exc.description, exc.retry_after)
        return web.json_response({"ok": True, "result": result})

    def _chat_for_send(self, params: dict[str, Any]) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: chat not found") from None
        if self._chats[chat_id].blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if self.enforce_limits and self._flood(chat_id):
            raise _ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        return chat_id

    # -- Bot API methods ------------------------------------------------------------------
    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Kra Sang",
                "username": self.username, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        chat_id = self._chat_for_send(params)
        message = self._bot_message(chat_id, text=text, _markup=params.get("reply_markup"))
        await self._record(chat_id, message)
        return self._public(message)

    async def _m_sendphoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = params.get("photo")
        if isinstance(photo, bytes):
            sizes = self._photo_sizes(photo)
        elif isinstance(photo, str) and photo in self._files:
            sizes = self._photo_sizes(self._files[photo].data)
        else:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        chat_id = self._chat_for_send(params)
        content: dict[str, Any] = {"photo": sizes, "_markup": params.get("reply_markup")}
        if params.get("caption"):
            content["caption"] = params["caption"]
        message = self._bot_message(chat_id, **content)
        await self._record(chat_id, message)
        return self._public(message)

    def _find(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: message to edit not found") from None
        for message in self._chats[chat_id].messages:
            if message["message_id"] == message_id and message["from"]["id"] == BOT_ID \
                    and not message.get("_deleted"):
                return message
        raise _ApiError(400, "Bad Request: message to edit not found")

    async def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        text = str(params.get("text") or "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("_markup"):
            raise _ApiError(400, "Bad Request: message is not modified")
        message.update(text=text, _markup=markup, edit_date=int(time.time()))
        await self.changed()
        return self._public(message)

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._find(params)
        message.update(_markup=params.get("reply_markup"), edit_date=int(time.time()))
        await self.changed()
        return self._public(message)

    async def _m_deletemessage(self, params: dict[str, Any]) -> bool:
        try:
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        except (KeyError, TypeError, ValueError):
            raise _ApiError(400, "Bad Request: message to delete not found") from None
        for message in self._chats[chat_id].messages:
            if message["message_id"] == message_id and not message.get("_deleted"):
                # Kept, marked: a test still counts it; the sandbox page stops showing it.
                message["_deleted"] = True
                self.deleted.append((chat_id, message_id))
                await self.changed()
                return True
        raise _ApiError(400, "Bad Request: message to delete not found")

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired")
        return True

    async def _m_getfile(self, params: dict[str, Any]) -> dict[str, Any]:
        file = self._files.get(str(params.get("file_id")))
        if file is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": file.file_id, "file_unique_id": file.file_unique_id,
                "file_size": len(file.data), "file_path": file.path}

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        self.webhook_url = url or None
        self.webhook_secret = params.get("secret_token") or None
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._pending.clear()
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = self.webhook_secret = None
        if str(params.get("drop_pending_updates")).lower() == "true":
            self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active;"
                                 " use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), 50.0)
        if offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        if not self._pending and timeout > 0:
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._pending)),
                                           timeout)
                except TimeoutError:
                    pass
        return self._pending[:limit]

    # -- the sandbox page's API and files ---------------------------------------------------
    async def _download(self, request: web.Request) -> web.StreamResponse:
        if not hmac.compare_digest(request.match_info["token"], self.token):
            return self._error(401, "Unauthorized")
        path = request.match_info["path"]
        file = next((f for f in self._files.values() if f.path == path), None)
        if file is None:
            return self._error(404, "Not Found")
        return web.Response(body=file.data, content_type="image/jpeg")

    async def _sandbox_file(self, request: web.Request) -> web.StreamResponse:
        file = self._files.get(request.match_info["file_id"])
        if file is None:
            raise web.HTTPNotFound()
        return web.Response(body=file.data, content_type="image/jpeg")

    async def _sandbox_messages(self, request: web.Request) -> web.Response:
        chat_id = _int(request.match_info["chat_id"])
        after = _int(request.query.get("after", "0"))
        messages = [m for m in self.messages(chat_id, from_bot=None)
                    if m["message_id"] > after and not m["deleted"]]
        return web.json_response({"messages": messages})

    async def _sandbox_send(self, request: web.Request) -> web.Response:
        chat_id = _int(request.match_info["chat_id"])
        if chat_id <= 0:
            return web.json_response({"ok": False, "description": "chat id must be positive"},
                                     status=400)
        kwargs: dict[str, Any] = {}
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise web.HTTPBadRequest()
            if "callback_data" in body:
                kwargs.update(callback_data=str(body["callback_data"]),
                              message_id=_int(str(body.get("message_id", "0"))))
            elif "location" in body:
                loc = body["location"]
                kwargs["location"] = (float(loc["latitude"]), float(loc["longitude"]))
            elif "contact" in body:
                kwargs["contact"] = str(body["contact"]["phone_number"])
            elif body.get("sticker"):
                kwargs["sticker"] = True
            else:
                kwargs["text"] = str(body.get("text", ""))
            identity = body
        else:
            form = await request.post()
            photo = form.get("photo")
            if not isinstance(photo, web.FileField):
                return web.json_response({"ok": False, "description": "no photo"}, status=400)
            kwargs.update(photo=photo.file.read(), caption=form.get("caption") or None)
            identity = dict(form)
        try:
            update, status = await self.send(
                chat_id, first_name=_str(identity.get("first_name")),
                language_code=_str(identity.get("language_code")), **kwargs)
        except (ValueError, KeyError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "update_id": update["update_id"],
                                  "delivered": status is None or 200 <= status < 300,
                                  "status": status})


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(text="not a number") from None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
