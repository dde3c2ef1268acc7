"""An emulation of the LINE Messaging API, good enough that line-bot-sdk cannot tell.

Reply (single-use tokens that expire), push (``X-Line-Retry-Key``: 409 on a key already
accepted), message content, rich menus and bot info, in their real request and response
shapes and with LINE's validation of message objects; bearer-token checks; webhooks signed
with the channel secret exactly as LINE signs them; the citizen's side (follow, text,
postback, location, image, sticker, unfollow); injected faults and a monthly push quota.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.base import Call, Emulator

BOT_USER_ID = "U" + "0" * 31 + "1"
MAX_MESSAGES = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20


@dataclass
class _User:
    messages: list[dict[str, Any]] = field(default_factory=list)
    following: bool = False


@dataclass
class _Token:
    user_id: str
    issued: float
    used: bool = False


class LineEmulator(Emulator):
    """The LINE platform, on loopback. Point ``Configuration(host=emulator.url)`` at it."""

    def __init__(self, channel_secret: str, access_token: str, *,
                 reply_token_ttl: float = 60.0, monthly_quota: int | None = None,
                 app: web.Application | None = None) -> None:
        super().__init__(app)
        self.channel_secret = channel_secret
        self.access_token = access_token
        self.reply_token_ttl = reply_token_ttl
        self.monthly_quota = monthly_quota
        self.webhook_url: str | None = None
        self.replies_sent = 0  # reply calls accepted (free)
        self.pushes_sent = 0  # push calls accepted (each counts against the monthly quota)
        self.rich_menus: dict[str, dict[str, Any]] = {}
        self.rich_menu_images: dict[str, bytes] = {}
        self.default_rich_menu: str | None = None
        self._lost_answers: dict[str, int] = {}
        self._users: dict[str, _User] = {}
        self._tokens: dict[str, _Token] = {}
        self._retry_keys: dict[str, list[dict[str, str]]] = {}
        self._contents: dict[str, bytes] = {}
        self._seq = itertools.count(1)
        self._add_routes()

    def _add_routes(self) -> None:
        r = self.app.router
        r.add_post("/v2/bot/message/reply", self._reply)
        r.add_post("/v2/bot/message/push", self._push)
        r.add_get("/v2/bot/message/{message_id}/content", self._content)
        r.add_get("/v2/bot/info", self._info)
        r.add_post("/v2/bot/richmenu", self._create_rich_menu)
        r.add_get("/v2/bot/richmenu/list", self._list_rich_menus)
        r.add_delete("/v2/bot/richmenu/{rich_menu_id}", self._delete_rich_menu)
        r.add_post("/v2/bot/richmenu/{rich_menu_id}/content", self._upload_rich_menu_image)
        r.add_post("/v2/bot/user/all/richmenu/{rich_menu_id}", self._set_default_rich_menu)
        r.add_post("/v2/bot/chat/loading/start", self._loading)
        r.add_get("/sandbox/line/users/{user_id}/messages", self._sandbox_messages)
        r.add_post("/sandbox/line/users/{user_id}/send", self._sandbox_send)
        r.add_get("/sandbox/line/content/{message_id}", self._sandbox_content)

    # -- the citizen's side ----------------------------------------------------------------
    def sign(self, body: bytes) -> str:
        """``X-Line-Signature``: base64 of HMAC-SHA256 of the body under the channel secret."""
        digest = hmac.new(self.channel_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    async def send(self, user_id: str, *, text: str | None = None,
                   postback: str | None = None, display_text: str | None = None,
                   location: tuple[float, float] | None = None, image: bytes | None = None,
                   sticker: bool = False, follow: bool = False, unfollow: bool = False,
                   address: str | None = None, group: str | None = None
                   ) -> tuple[dict[str, Any], int | None]:
        """The user does one thing, in their chat with the account or in ``group`` (a
        group id, ``C…``, that the account is in); return the event and the bot's status."""
        chat = group or user_id
        user = self._users.setdefault(chat, _User(following=group is not None))
        event: dict[str, Any] = {
            "mode": "active", "timestamp": int(time.time() * 1000),
            "source": ({"type": "group", "groupId": group, "userId": user_id} if group else
                       {"type": "user", "userId": user_id}),
            "webhookEventId": secrets.token_hex(13).upper(),
            "deliveryContext": {"isRedelivery": False},
        }
        shown: dict[str, Any]
        if follow:
            user.following = True
            event.update(type="follow", follow={"isUnblocked": False})
            shown = {"type": "event", "event": "follow"}
        elif unfollow:
            user.following = False
            event.update(type="unfollow")
            shown = {"type": "event", "event": "unfollow"}
        elif postback is not None:
            event.update(type="postback", postback={"data": postback})
            shown = {"type": "postback", "text": display_text}
        else:
            message: dict[str, Any] = {"id": str(next(self._seq) + 10**17),
                                       "quoteToken": secrets.token_urlsafe(16)}
            if text is not None:
                message.update(type="text", text=text)
                shown = {"type": "text", "text": text}
            elif location is not None:
                message.update(type="location", latitude=location[0], longitude=location[1])
                if address:
                    message["address"] = address
                shown = {"type": "location",
                         "location": {"latitude": location[0], "longitude": location[1]}}
            elif image is not None:
                message.update(type="image", contentProvider={"type": "line"})
                self._contents[message["id"]] = image
                shown = {"type": "image",
                         "image_url": f"/sandbox/line/content/{message['id']}"}
            elif sticker:
                message.update(type="sticker", packageId="446", stickerId="1988",
                               stickerResourceType="STATIC")
                shown = {"type": "sticker"}
            else:
                raise ValueError("the user must do something")
            if message["type"] == "location":  # LINE gives no quote token for locations
                del message["quoteToken"]
            event.update(type="message", message=message)
        if not unfollow:
            token = secrets.token_hex(16)
            self._tokens[token] = _Token(chat, time.monotonic())
            event["replyToken"] = token
        await self._record(chat, {"from": "user", "via": None, **shown})
        return event, await self.deliver([event])

    async def deliver(self, events: list[dict[str, Any]], *, redelivery: bool = False
                      ) -> int | None:
        """POST events to the bot's webhook, signed; None when no webhook is set."""
        if self.webhook_url is None:
            return None
        if redelivery:
            events = [{**e, "deliveryContext": {"isRedelivery": True}} for e in events]
        body = json.dumps({"destination": BOT_USER_ID, "events": events}).encode()
        status, _ = await self.post_webhook(self.webhook_url, body, {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": self.sign(body),
            "User-Agent": "LineBotWebhook/2.0",
        })
        return status

    def messages(self, user_id: str, *, from_bot: bool | None = True) -> list[dict[str, Any]]:
        """The chat as the sandbox page shows it (the bot's messages only, by default)."""
        user = self._users.get(user_id)
        return [m for m in (user.messages if user else [])
                if from_bot is None or (m["from"] == "bot") == from_bot]

    def lose_answer(self, method: str, count: int = 1) -> None:
        """Carry out the next ``count`` calls of ``method``, then answer 500 as if the
        answer were lost on the way back: the caller cannot know it worked."""
        self._lost_answers[method] = self._lost_answers.get(method, 0) + count

    def _answer_lost(self, method: str) -> bool:
        if self._lost_answers.get(method, 0) > 0:
            self._lost_answers[method] -= 1
            return True
        return False

    # -- internals ---------------------------------------------------------------------------
    async def _record(self, user_id: str, view: dict[str, Any]) -> None:
        view.setdefault("timestamp", int(time.time() * 1000))
        view["seq"] = next(self._seq)
        self._users.setdefault(user_id, _User()).messages.append(view)
        await self.changed()

    @staticmethod
    def _error(status: int, message: str, details: list[dict[str, str]] | None = None,
               **extra: Any) -> web.Response:
        body: dict[str, Any] = {"message": message, **extra}
        if details:
            body["details"] = details
        return web.json_response(body, status=status)

    def _authorized(self, request: web.Request) -> bool:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.access_token}".encode())

    async def _guard(self, request: web.Request, method: str) -> web.Response | None:
        """Bearer check and injected faults, as every API endpoint answers them."""
        if not self._authorized(request):
            return self._error(401, "Authentication failed. Confirm that the access token in "
                                    "the authorization header is valid.")
        fault = await self.apply_fault(method)
        if fault is None:
            return None
        if fault.status == 429:
            return self._error(429, "Too Many Requests")
        return self._error(fault.status or 500, "An error occurred in the server.")

    async def _json(self, request: web.Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def _validate(self, messages: Any) -> list[dict[str, str]]:
        """LINE's checks on message objects, as ``details`` of a 400."""
        if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
            return [{"message": "Size must be between 1 and 5", "property": "messages"}]
        errors = []
        for i, m in enumerate(messages):
            where = f"messages[{i}]"
            kind = m.get("type")
            if kind == "text":
                if not m.get("text") or len(m["text"]) > 5000:
                    errors.append({"message": "Length must be between 1 and 5000",
                                   "property": f"{where}.text"})
            elif kind == "flex":
                if not m.get("altText") or len(m["altText"]) > 400:
                    errors.append({"message": "Length must be between 1 and 400",
                                   "property": f"{where}.altText"})
                if not isinstance(m.get("contents"), dict) or m["contents"].get("type") not in (
                        "bubble", "carousel"):
                    errors.append({"message": "must be specified", "property":
                                   f"{where}.contents"})
            elif kind == "image":
                for field_name in ("originalContentUrl", "previewImageUrl"):
                    url = str(m.get(field_name) or "")
                    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                        errors.append({"message": "must be a valid HTTPS URL",
                                       "property": f"{where}.{field_name}"})
            elif kind not in ("location", "sticker"):
                errors.append({"message": "Invalid message type", "property": f"{where}.type"})
            items = (m.get("quickReply") or {}).get("items", [])
            if len(items) > MAX_QUICK_REPLIES:
                errors.append({"message": "Size must be between 0 and 13",
                               "property": f"{where}.quickReply.items"})
            for j, item in enumerate(items):
                action = item.get("action") or {}
                label = action.get("label") or ""
                if not 1 <= len(label) <= MAX_LABEL:
                    errors.append({"message": "Length must be between 1 and 20", "property":
                                   f"{where}.quickReply.items[{j}].action.label"})
                if action.get("type") == "postback" and not 1 <= len(action.get("data", "")) <= 300:
                    errors.append({"message": "Length must be between 1 and 300", "property":
                                   f"{where}.quickReply.items[{j}].action.data"})
        return errors

    async def _deliver_to(self, user_id: str, messages: list[dict[str, Any]], via: str
                          ) -> list[dict[str, str]]:
        sent = []
        for m in messages:
            message_id = str(next(self._seq) + 10**17)
            view = {"from": "bot", "via": via, "type": m["type"], "text": m.get("text"),
                    "altText": m.get("altText"), "contents": m.get("contents"),
                    "quickReply": m.get("quickReply"), "location": None,
                    "image_url": m.get("originalContentUrl"),
                    "event": None}
            await self._record(user_id, view)
            sent.append({"id": message_id, "quoteToken": secrets.token_urlsafe(16)})
        return sent

    def _log(self, method: str, body: Any, status: int, request: web.Request) -> None:
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-line")}
        self.calls.append(Call(method, body if isinstance(body, dict) else {}, time.monotonic(),
                               status, headers))

    # -- Messaging API ---------------------------------------------------------------------
    async def _reply(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        refused = await self._guard(request, "reply")
        if refused is not None:
            self._log("reply", body, refused.status, request)
            return refused
        if body is None:
            self._log("reply", body, 400, request)
            return self._error(400, "The request body has 1 error(s)")
        errors = self._validate(body.get("messages"))
        if errors:
            self._log("reply", body, 400, request)
            return self._error(400, f"The request body has {len(errors)} error(s)", errors)
        token = self._tokens.get(str(body.get("replyToken")))
        if token is None or token.used or time.monotonic() - token.issued > self.reply_token_ttl:
            self._log("reply", body, 400, request)
            return self._error(400, "Invalid reply token")
        token.used = True
        sent = await self._deliver_to(token.user_id, body["messages"], "reply")
        self.replies_sent += 1
        if self._answer_lost("reply"):
            self._log("reply", body, 500, request)
            return self._error(500, "An error occurred in the server.")
        self._log("reply", body, 200, request)
        return web.json_response({"sentMessages": sent})

    async def _push(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        refused = await self._guard(request, "push")
        if refused is not None:
            self._log("push", body, refused.status, request)
            return refused
        if body is None:
            self._log("push", body, 400, request)
            return self._error(400, "The request body has 1 error(s)")
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and key in self._retry_keys:
            self._log("push", body, 409, request)
            return self._error(409, "The retry key is already accepted",
                               sentMessages=self._retry_keys[key])
        errors = self._validate(body.get("messages"))
        to = str(body.get("to") or "")
        if to not in self._users:
            errors.append({"message": "The property, 'to', in the request body is invalid",
                           "property": "to"})
        if errors:
            self._log("push", body, 400, request)
            return self._error(400, f"The request body has {len(errors)} error(s)", errors)
        if self.monthly_quota is not None and self.pushes_sent >= self.monthly_quota:
            self._log("push", body, 429, request)
            return self._error(429, "You have reached your monthly limit.")
        user = self._users[to]
        if user.following:
            sent = await self._deliver_to(to, body["messages"], "push")
        else:  # LINE accepts a push to a user who blocked the account and drops it
            sent = [{"id": str(next(self._seq) + 10**17)} for _ in body["messages"]]
        self.pushes_sent += 1
        if key is not None:
            self._retry_keys[key] = sent
        if self._answer_lost("push"):
            self._log("push", body, 500, request)
            return self._error(500, "An error occurred in the server.")
        self._log("push", body, 200, request)
        return web.json_response({"sentMessages": sent})

    async def _content(self, request: web.Request) -> web.StreamResponse:
        refused = await self._guard(request, "content")
        if refused is not None:
            return refused
        data = self._contents.get(request.match_info["message_id"])
        if data is None:
            return self._error(404, "Not found")
        return web.Response(body=data, content_type="image/jpeg")

    async def _info(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "info")
        if refused is not None:
            return refused
        return web.json_response({"userId": BOT_USER_ID, "basicId": "@rongrian",
                                  "displayName": "เทศบาลตำบลกระสัง (sandbox)",
                                  "chatMode": "bot", "markAsReadMode": "auto"})

    async def _loading(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "loading")
        return refused or web.json_response({}, status=202)

    async def _create_rich_menu(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "richmenu")
        if refused is not None:
            return refused
        body = await self._json(request)
        if body is None or not body.get("areas") or "size" not in body:
            return self._error(400, "The request body has 1 error(s)")
        if any(len(a.get("action", {}).get("data", "x")) > 300 for a in body["areas"]):
            return self._error(400, "The request body has 1 error(s)")
        rich_menu_id = f"richmenu-{secrets.token_hex(16)}"
        self.rich_menus[rich_menu_id] = body
        return web.json_response({"richMenuId": rich_menu_id})

    async def _list_rich_menus(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "richmenu")
        if refused is not None:
            return refused
        return web.json_response({"richmenus": [{"richMenuId": k, **v}
                                                for k, v in self.rich_menus.items()]})

    async def _delete_rich_menu(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "richmenu")
        if refused is not None:
            return refused
        if self.rich_menus.pop(request.match_info["rich_menu_id"], None) is None:
            return self._error(404, "Not found")
        return web.json_response({})

    async def _upload_rich_menu_image(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "richmenu")
        if refused is not None:
            return refused
        rich_menu_id = request.match_info["rich_menu_id"]
        if rich_menu_id not in self.rich_menus:
            return self._error(404, "Not found")
        if request.content_type not in ("image/png", "image/jpeg"):
            return self._error(415, "Unsupported Media Type")
        data = await request.read()
        if not data or len(data) > 1024 * 1024:
            return self._error(400, "The image is empty or over 1 MB")
        self.rich_menu_images[rich_menu_id] = data
        return web.json_response({})

    async def _set_default_rich_menu(self, request: web.Request) -> web.Response:
        refused = await self._guard(request, "richmenu")
        if refused is not None:
            return refused
        rich_menu_id = request.match_info["rich_menu_id"]
        if rich_menu_id not in self.rich_menu_images:
            return self._error(400, "An image has not been uploaded to the rich menu")
        self.default_rich_menu = rich_menu_id
        return web.json_response({})

    # -- the sandbox page's API ------------------------------------------------------------
    async def _sandbox_messages(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        return web.json_response({"messages": self.messages(user_id, from_bot=None)})

    async def _sandbox_content(self, request: web.Request) -> web.StreamResponse:
        data = self._contents.get(request.match_info["message_id"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/jpeg")

    async def _sandbox_send(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        if not (user_id.startswith("U") and len(user_id) == 33):
            return web.json_response({"ok": False, "description": "a LINE user id is U + 32 hex"},
                                     status=400)
        kwargs: dict[str, Any] = {}
        try:
            if request.content_type == "application/json":
                body = await request.json()
                if "postback" in body:
                    kwargs.update(postback=str(body["postback"]["data"]),
                                  display_text=body["postback"].get("displayText"))
                elif "location" in body:
                    loc = body["location"]
                    kwargs["location"] = (float(loc["latitude"]), float(loc["longitude"]))
                    kwargs["address"] = loc.get("address") or None
                elif body.get("sticker"):
                    kwargs["sticker"] = True
                elif body.get("follow"):
                    kwargs["follow"] = True
                elif body.get("unfollow"):
                    kwargs["unfollow"] = True
                else:
                    kwargs["text"] = str(body.get("text", ""))
            else:
                form = await request.post()
                image = form.get("image")
                if not isinstance(image, web.FileField):
                    raise ValueError("no image")
                kwargs["image"] = image.file.read()
            event, status = await self.send(user_id, **kwargs)
        except (ValueError, KeyError, TypeError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "webhookEventId": event["webhookEventId"],
                                  "status": status,
                                  "delivered": status is not None and 200 <= status < 300})
