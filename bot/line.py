"""The LINE channel: webhook events → :class:`Incoming`, :class:`Reply` → Messaging API.

line-bot-sdk is the transport: its ``WebhookParser`` checks ``X-Line-Signature`` and parses
events; ``AsyncMessagingApi`` replies and pushes; ``AsyncMessagingApiBlob`` fetches images.
Replies of a step go out with the event's reply token while it is valid (free of charge);
otherwise as one push (one message of the Official Account's monthly quota, up to five
bubbles) under ``X-Line-Retry-Key``, so a retried push is never delivered twice.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import sqlite3
import time
import uuid
from typing import Any

import aiohttp
from aiohttp import web
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
)

from bot.delivery import Delivery, Failure
from bot.media import MediaStore, NotAnImage
from handlers.engine import Engine
from handlers.types import BAD_IMAGE, Card, Choice, Incoming, Location, Photo, Reply

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Line-Signature"
# LINE asks that a reply token be used soon after the event; past this, push instead.
REPLY_TOKEN_TTL = 50.0
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_ALT_TEXT = 400
MAX_TEXT = 5000
MORE_LABEL = "ถัดไป ▶ More"
MAX_MESSAGES = 5  # per reply or push call
MAX_IMAGES = 4  # a reply's images and its text fit one call


class FetchError(RuntimeError):
    """An image could not be fetched from LINE; the event should be redelivered."""


# -- rendering -----------------------------------------------------------------------------
def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def _action(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "action", "action": action}


def quick_reply(reply: Reply) -> list[dict[str, Any]]:
    """Widgets first (location, camera, camera roll), then the choices as postbacks. More
    choices than LINE's 13 end the page with a "more" postback the engine answers."""
    items: list[dict[str, Any]] = []
    if reply.request == "location":
        items.append(_action({"type": "location", "label": _label(reply.request_label or "📍")}))
    elif reply.request == "photo":
        items.append(_action({"type": "camera", "label": "📷"}))
        items.append(_action({"type": "cameraRoll", "label": "🖼️"}))
    choices: list[Choice] = list(reply.choices)
    room = MAX_QUICK_REPLIES - len(items)
    if len(choices) > room:
        shown = room - 1
        choices = [*choices[:shown], Choice(f"more:{reply.choices_offset + shown}", MORE_LABEL)]
    for c in choices:
        items.append(_action({"type": "postback", "label": _label(c.label), "data": c.value,
                              "displayText": c.label}))
    return items


def flex(card: Card, alt_text: str) -> dict[str, Any]:
    """A card as a Flex bubble: title, label/value rows, and a footer line."""
    rows = [{"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": label, "size": "xs", "color": "#8C8C8C"},
        {"type": "text", "text": value or "-", "size": "sm", "wrap": True},
    ]} for label, value in card.rows]
    bubble: dict[str, Any] = {
        "type": "bubble",
        "header": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": card.title, "weight": "bold", "wrap": True}]},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": rows},
    }
    if card.footer:
        bubble["footer"] = {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": card.footer, "size": "xs", "color": "#666666",
             "wrap": True}]}
    alt = alt_text if len(alt_text) <= MAX_ALT_TEXT else alt_text[:MAX_ALT_TEXT - 1] + "…"
    return {"type": "flex", "altText": alt, "contents": bubble}


def image(url: str) -> dict[str, Any]:
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": url}


def render(reply: Reply) -> dict[str, Any]:
    """One reply as one LINE message object (a Flex bubble for a card, text otherwise)."""
    if reply.card is not None:
        message = flex(reply.card, reply.text)
    else:
        message = {"type": "text", "text": reply.text[:MAX_TEXT]}
    items = quick_reply(reply)
    if items:
        message["quickReply"] = {"items": items}
    return message


# -- the channel ---------------------------------------------------------------------------
class LineChannel:
    platform = "line"
    max_batch = 5  # messages one reply or push can carry

    def __init__(self, api: AsyncMessagingApi, blob: AsyncMessagingApiBlob, engine: Engine,
                 media: MediaStore, channel_secret: str,
                 public_base_url: str | None = None) -> None:
        self.api = api
        self.blob = blob
        self.engine = engine
        self.media = media
        self.parser = WebhookParser(channel_secret)
        self.public_base_url = public_base_url

    def messages(self, replies: list[Reply]) -> list[dict[str, Any]]:
        """Each reply's images (as signed links, where a public address is set; otherwise
        a line saying how many there are) and then the reply itself."""
        out: list[dict[str, Any]] = []
        for reply in replies:
            if reply.images and self.public_base_url:
                out += [image(self.public_base_url + self.media.signed_path(sha))
                        for sha in reply.images[:MAX_IMAGES]]
            elif reply.images:
                reply = dataclasses.replace(
                    reply, text=f"{reply.text}\n\n🖼️ ×{len(reply.images)}")
            out.append(render(reply))
        return out

    # -- outbound ---------------------------------------------------------------------
    @staticmethod
    def is_group(chat_id: str) -> bool:
        return chat_id.startswith(("C", "R"))  # group and room ids; users start with U

    async def send(self, chat_id: str, replies: list[Reply], delivery: Delivery) -> None:
        """Up to five messages in one call: the first five by reply token while it is
        valid, the rest (images make more) by push, each chunk under its own retry key."""
        messages = self.messages(replies)
        chunks = [messages[i:i + MAX_MESSAGES] for i in range(0, len(messages), MAX_MESSAGES)]
        if delivery.reply_token and time.time() < (delivery.reply_expires or 0):
            try:
                await self.api.reply_message(ReplyMessageRequest.from_dict(
                    {"replyToken": delivery.reply_token, "messages": chunks[0]}))
                chunks = chunks[1:]
            except ApiException as exc:
                if exc.status != 400 or "reply token" not in str(exc.body).lower():
                    raise
                if delivery.reply_tried:
                    # Still within its lifetime, so an earlier attempt used it: that reply
                    # reached the citizen (its answer was lost, or we died before recording
                    # it). Pushing now would deliver the same messages a second time.
                    log.info("reply token used by an earlier attempt; taken as delivered")
                    chunks = chunks[1:]
                else:
                    log.info("reply token no longer valid; pushing instead")
                    if delivery.forget_reply is not None:
                        await delivery.forget_reply()
        for n, chunk in enumerate(chunks):
            key = delivery.retry_key if n == 0 else str(uuid.uuid5(uuid.UUID(
                delivery.retry_key), str(n)))
            try:
                await self.api.push_message(
                    PushMessageRequest.from_dict({"to": chat_id, "messages": chunk}),
                    x_line_retry_key=key)
            except ApiException as exc:
                if exc.status != 409:  # 409: this retry key was accepted before: delivered
                    raise

    def classify(self, exc: Exception) -> Failure:
        if isinstance(exc, ApiException):
            reason = f"LINE {exc.status}: {_message(exc)}"
            if exc.status == 429:
                return Failure("throttled", reason)  # rate limit or monthly quota
            if exc.status is not None and exc.status >= 500:
                return Failure("retry", reason)
            return Failure("permanent", reason)
        if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
            return Failure("retry", f"{type(exc).__name__}: {exc}")
        return Failure("retry", f"{type(exc).__name__}: {exc}")

    # -- inbound ----------------------------------------------------------------------
    async def incoming(self, event: Event) -> Incoming | None:
        """The neutral form of ``event``; None for events no chat of ours makes (unsend,
        read receipts, joins; unfollow, which :meth:`handle` treats; in a group, anything
        but text and buttons)."""
        source = event.source
        if isinstance(source, UserSource) and source.user_id:
            chat_id, group = source.user_id, False
        elif isinstance(source, GroupSource | RoomSource) and source.user_id:
            chat_id = source.group_id if isinstance(source, GroupSource) else source.room_id
            group = True
        else:
            return None
        base: dict[str, Any] = dict(
            platform="line", update_key=event.webhook_event_id, chat_id=chat_id,
            user_id=source.user_id, reply_token=getattr(event, "reply_token", None),
            reply_expires=time.time() + REPLY_TOKEN_TTL, group=group)
        if group and not (isinstance(event, PostbackEvent) or (
                isinstance(event, MessageEvent) and isinstance(event.message,
                                                               TextMessageContent))):
            return None
        if isinstance(event, FollowEvent):
            return Incoming(**base, text="/start")  # adding the account means "start"
        if isinstance(event, PostbackEvent):
            return Incoming(**base, choice=event.postback.data)
        if not isinstance(event, MessageEvent):
            return None
        message = event.message
        if isinstance(message, TextMessageContent):
            return Incoming(**base, text=message.text)
        if isinstance(message, LocationMessageContent):
            return Incoming(**base, location=Location(message.latitude, message.longitude,
                                                      message.address or None))
        if isinstance(message, ImageMessageContent) and message.content_provider.type == "line":
            photo = await self._fetch_image(message.id)
            return (Incoming(**base, photo=photo) if isinstance(photo, Photo)
                    else Incoming(**base, other=photo))
        return Incoming(**base, other=getattr(message, "type", "unknown"))

    async def _fetch_image(self, message_id: str) -> Photo | str:
        """The image, stored; or ``BAD_IMAGE`` when it is not a photo we can keep, or LINE
        answers 4xx for it (gone or never there: a redelivery would not help)."""
        try:
            data = bytes(await self.blob.get_message_content(message_id))
        except ApiException as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                log.info("an image LINE will not give: %s", exc.status)
                return BAD_IMAGE
            raise FetchError(f"image download failed: {exc.status}") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise FetchError(f"image download failed: {exc}") from exc
        try:
            return Photo(await self.media.save(data))
        except NotAnImage:  # not an image, too big, or a decompression bomb
            return BAD_IMAGE

    async def handle(self, event: Event) -> None:
        if isinstance(event, UnfollowEvent):
            if isinstance(event.source, UserSource) and event.source.user_id:
                await self.engine.unfollow("line", event.source.user_id, event.webhook_event_id)
            return
        incoming = await self.incoming(event)
        if incoming is not None:
            await self.engine.handle(incoming)

    # -- webhook ----------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """``POST /webhook/line``. 400 without a signature or with a body that is not
        LINE's; 401 for a wrong signature (nothing stored); 503 when storage fails, so
        LINE redelivers. The verification request (no events) answers 200."""
        signatures = request.headers.getall(SIGNATURE_HEADER, [])
        if len(signatures) != 1 or not signatures[0]:  # none, or two: which one is LINE's?
            return web.json_response({"ok": False, "error": "no signature"}, status=400)
        signature = signatures[0]
        if not signature.isascii():  # base64 never is anything else
            return web.json_response({"ok": False, "error": "bad signature"}, status=401)
        try:
            body = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"ok": False, "error": "body is not UTF-8"}, status=400)
        try:
            events = self.parser.parse(body, signature)
            # The parser iterates any "events"; only an empty string or object gets through.
            if not events and not isinstance(json.loads(body).get("events"), list):
                raise ValueError("events is not a list")
        except InvalidSignatureError:
            return web.json_response({"ok": False, "error": "bad signature"}, status=401)
        except Exception:  # signed by LINE but not LINE's shape (RecursionError included)
            return web.json_response({"ok": False, "error": "malformed body"}, status=400)
        try:
            for event in events:
                await self.handle(event)
        except (sqlite3.Error, OSError, FetchError) as exc:
            log.error("event not handled, LINE will redeliver it: %s", exc)
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        return web.json_response({"ok": True})


def _message(exc: ApiException) -> str:
    """LINE's own one-line reason from an error body (never the request: it holds the text)."""
    try:
        return str(json.loads(exc.body or "{}").get("message", exc.reason))
    except (ValueError, AttributeError):
        return str(exc.reason)
