"""Test doubles of things outside our code: a clock we control and a citizen who types.

Nothing of ours is replaced: the engine, the flows and SQLite are the real ones.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import itertools
import sqlite3
from typing import Any

from PIL import Image

from handlers.engine import Engine
from handlers.types import Incoming, Location, Photo, Reply
from handlers.workdays import BANGKOK


def jpeg(seed: int = 1, size: tuple[int, int] = (48, 32), exif: Image.Exif | None = None
         ) -> bytes:
    """A real, tiny JPEG of a colour chosen by ``seed`` (a different photo per seed),
    carrying ``exif`` if given (as a phone's camera would: position, model, dates)."""
    colour = ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif if exif is not None else b"")
    return out.getvalue()


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def bangkok(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BANGKOK)


_update_ids = itertools.count(1)


class Citizen:
    """One person in one chat, talking to the engine through neutral ``Incoming``s."""

    def __init__(self, engine: Engine, chat_id: str = "1001", language: str | None = "th",
                 platform: str = "telegram") -> None:
        self.engine = engine
        self.chat_id = chat_id
        self.language = language
        self.platform = platform
        self.last: list[Reply] = []

    async def send(self, update_key: str | None = None, **fields: Any) -> list[Reply]:
        incoming = Incoming(platform=self.platform,  # type: ignore[arg-type]
                            update_key=update_key or f"u{next(_update_ids)}",
                            chat_id=self.chat_id, user_id=self.chat_id,
                            language=self.language, **fields)
        outcome = await self.engine.handle(incoming)
        if not outcome.duplicate:
            self.last = outcome.replies
        return outcome.replies

    async def text(self, text: str) -> list[Reply]:
        return await self.send(text=text)

    async def press(self, label: str) -> list[Reply]:
        """Press the button labelled ``label`` (or whose value is ``label``) on the last prompt."""
        for reply in reversed(self.last):
            for choice in reply.choices:
                if label in (choice.label, choice.value):
                    return await self.send(choice=choice.value)
        raise AssertionError(f"no button {label!r} in {[r.text for r in self.last]}")

    async def location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(location=Location(lat, lon))

    async def photo(self, sha256: str) -> list[Reply]:
        return await self.send(photo=Photo(sha256))

    async def sticker(self) -> list[Reply]:
        return await self.send(other="sticker")

    @property
    def said(self) -> str:
        """Everything the bot said in answer to the last message, joined."""
        return "\n---\n".join(r.text for r in self.last)

    def buttons(self) -> list[str]:
        return [c.label for r in self.last for c in r.choices]


async def grievance_to_summary(citizen: Citizen, text: str = "ถนนทรุดตัวเป็นแอ่งลึก หน้าโรงเรียน"
                               ) -> None:
    """The shortest grievance through the engine, up to its summary (no location, photo or
    phone): pressing "confirm" files it."""
    await citizen.text("/start")
    await citizen.press("menu:file")
    await citizen.press("cat:road")
    await citizen.text(text)
    for _ in range(3):
        await citizen.press("skip")


async def telegram_to_summary(citizen: TelegramCitizen,
                              description: str = "ไฟฟ้าส่องสว่างหน้าวัดดับมาหนึ่งสัปดาห์แล้ว มืดมาก"
                              ) -> list[str]:
    """The shortest grievance on Telegram, up to its summary (no location, photo or phone);
    returns the last step's two messages, the thanks and the summary."""
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ไฟฟ้าส่องสว่างดับ")
    await citizen.say(description)
    await citizen.press("ข้าม")
    await citizen.press("ข้าม")
    return await citizen.press("ข้าม", expect=2)


class TelegramCitizen:
    """A person in a private chat with the bot, played through the Telegram emulation.

    Each action waits for the bot's ``expect`` answers and returns their texts.
    """

    def __init__(self, emulator: Any, chat_id: int, language_code: str = "th", *,
                 first_name: str | None = None, username: str | None = None) -> None:
        self.emu = emulator
        self.chat_id = chat_id
        self.language_code = language_code
        self.first_name = first_name
        self.username = username
        self.seen = 0
        self.statuses: list[int | None] = []

    async def _act(self, expect: int, **kwargs: Any) -> list[str]:
        _, status = await self.emu.send(self.chat_id, language_code=self.language_code,
                                        first_name=self.first_name, username=self.username,
                                        **kwargs)
        self.statuses.append(status)
        messages = await self.emu.wait_for(self.chat_id, self.seen + expect)
        new = messages[self.seen:]
        self.seen = len(messages)
        return [m["text"] for m in new]

    async def say(self, text: str, expect: int = 1) -> list[str]:
        return await self._act(expect, text=text)

    async def press(self, label: str, expect: int = 1) -> list[str]:
        """Press the newest button labelled ``label``: inline (a callback) or a reply
        keyboard's (Telegram then sends the label as text)."""
        for message in reversed(self.emu.messages(self.chat_id)):
            markup = message["reply_markup"] or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return await self._act(expect, callback_data=button["callback_data"],
                                               message_id=message["message_id"])
            for row in markup.get("keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return await self._act(expect, text=label)
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}")

    async def share_location(self, lat: float, lon: float, expect: int = 1) -> list[str]:
        return await self._act(expect, location=(lat, lon))

    async def share_contact(self, phone: str, expect: int = 1) -> list[str]:
        return await self._act(expect, contact=phone)

    async def send_photo(self, data: bytes, expect: int = 1) -> list[str]:
        return await self._act(expect, photo=data)

    async def send_sticker(self, expect: int = 1) -> list[str]:
        return await self._act(expect, sticker=True)

    async def send_document(self, data: bytes, name: str, mime: str, expect: int = 1
                            ) -> list[str]:
        """Send a file as a file (not as a photo): Telegram keeps its bytes as they are."""
        return await self._act(expect, document=(data, name, mime))

    async def unfollow(self) -> None:
        await self._act(0, unfollow=True)

    def last_markup(self) -> dict[str, Any]:
        return self.emu.messages(self.chat_id)[-1]["reply_markup"] or {}


def rows(db_path: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the service's database the way an operator would, from outside."""
    with contextlib.closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(sql, params).fetchall()


async def outbox_settled(db_path: str, timeout: float = 10.0) -> None:
    """Wait until the delivery worker has nothing pending (sent or failed, all of it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while rows(db_path, "SELECT COUNT(*) FROM outbox WHERE status = 'pending'") != [(0,)]:
        if loop.time() > deadline:
            raise AssertionError("the outbox still has pending messages")
        await asyncio.sleep(0.02)


class LineCitizen:
    """A LINE user chatting with the Official Account, played through the LINE emulation.

    Each action waits for the bot's ``expect`` messages and returns their texts (a Flex
    message's ``altText``, which is the plain text of the card).
    """

    def __init__(self, emulator: Any, user_id: str) -> None:
        self.emu = emulator
        self.user_id = user_id
        self.seen = 0
        self.events: list[dict[str, Any]] = []

    async def _act(self, expect: int, **kwargs: Any) -> list[str]:
        event, status = await self.emu.send(self.user_id, **kwargs)
        assert status == 200, status
        self.events.append(event)
        if expect == 0:
            return []
        messages = await self.emu.wait_for(self.user_id, self.seen + expect)
        new = messages[self.seen:]
        self.seen = len(messages)
        return [m["text"] if m["type"] == "text" else m["altText"] for m in new]

    async def follow(self, expect: int = 1) -> list[str]:
        return await self._act(expect, follow=True)

    async def say(self, text: str, expect: int = 1) -> list[str]:
        return await self._act(expect, text=text)

    def quick_replies(self) -> list[dict[str, Any]]:
        """The actions under the newest bot message (LINE shows them only there)."""
        newest = self.emu.messages(self.user_id)[-1]
        return [item["action"] for item in (newest["quickReply"] or {}).get("items", [])]

    async def press(self, label: str, expect: int = 1) -> list[str]:
        """Tap the quick reply whose label (or full text, if the label was cut) is ``label``."""
        for action in self.quick_replies():
            if action["type"] == "postback" and label in (action["label"],
                                                         action.get("displayText")):
                return await self._act(expect, postback=action["data"],
                                       display_text=action.get("displayText"))
        raise AssertionError(f"no quick reply {label!r} in {self.quick_replies()}")

    async def share_location(self, lat: float, lon: float, expect: int = 1,
                             address: str | None = None) -> list[str]:
        return await self._act(expect, location=(lat, lon), address=address)

    async def send_image(self, data: bytes, expect: int = 1) -> list[str]:
        return await self._act(expect, image=data)

    async def send_sticker(self, expect: int = 1) -> list[str]:
        return await self._act(expect, sticker=True)

    async def unfollow(self) -> None:
        await self._act(0, unfollow=True)


async def file_on_telegram(citizen: TelegramCitizen, category: str, description: str) -> str:
    """The shortest grievance on Telegram (no location, photo or phone); the acknowledgement."""
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press(category)
    await citizen.say(description)
    await citizen.press("ข้าม")
    await citizen.press("ข้าม")
    await citizen.press("ข้าม", expect=2)
    (ack,) = await citizen.press("✅ ยืนยันส่งเรื่อง")
    return ack
