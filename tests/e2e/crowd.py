"""Many citizens at once, each filing the shortest grievance over the real webhooks, and
redelivering what the service did not answer 200 to, as Telegram and LINE do.

A citizen does one thing, then waits for the bot's answer to it before the next, as a
person would. Messages the bot sends twice in a row (a send repeated after a crash) are
counted apart: the conversation is judged on the messages with such repeats folded.
"""
from __future__ import annotations

import asyncio
import collections
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import BOT_ID, TelegramEmulator

ACK = re.compile(r"KS-25\d\d-\d{5}")
SKIP = "ข้าม"
CATEGORIES = ("road", "light", "flood", "water", "garbage", "nuisance", "animals")


class _Watched:
    """Each chat's bot messages as they were sent (a Telegram message edited later, say to
    show the button pressed, is kept as it was), and O(1) waits on one chat: a citizen is
    woken only by its own chat (the base emulators wake every waiter on every message,
    quadratic with hundreds of chats)."""

    _wake: dict[Any, asyncio.Event]
    _sent: dict[Any, list[Sent]]

    def _from_bot(self, item: dict[str, Any]) -> bool:
        raise NotImplementedError

    async def _record(self, chat: Any, item: dict[str, Any]) -> None:
        if self._from_bot(item):
            markup = item.get("_markup") or item.get("quickReply")
            text = item.get("text") or item.get("altText") or ""
            self._sent.setdefault(chat, []).append(Sent(text, json.dumps(
                [text, markup], sort_keys=True, ensure_ascii=False)))
        await super()._record(chat, item)  # type: ignore[misc]
        event = self._wake.pop(chat, None)
        if event is not None:
            event.set()

    def sent(self, chat: Any) -> list[Sent]:
        return list(self._sent.get(chat, []))

    async def until(self, chat: Any, ready: Callable[[], bool], timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            event = self._wake.setdefault(chat, asyncio.Event())
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"chat {chat}: no answer within {timeout}s")
            try:
                await asyncio.wait_for(event.wait(), left)
            except TimeoutError:
                pass


@dataclass(frozen=True)
class Sent:
    text: str
    key: str  # text and buttons: two sends of one outbox row have the same key


class WatchedTelegram(_Watched, TelegramEmulator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake, self._sent = {}, {}

    def _from_bot(self, item: dict[str, Any]) -> bool:
        return item["from"]["id"] == BOT_ID


class WatchedLine(_Watched, LineEmulator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake, self._sent = {}, {}

    def _from_bot(self, item: dict[str, Any]) -> bool:
        return item["from"] == "bot"


def fold(messages: list[Sent]) -> list[Sent]:
    """The messages with a message identical to the one before it left out: a send
    repeated after a crash (the per-chat order puts the repeat right after the original)."""
    out: list[Sent] = []
    for m in messages:
        if not out or out[-1].key != m.key:
            out.append(m)
    return out


@dataclass
class Tally:
    """Every webhook answer the crowd got, by status (0: no answer, the service was down)."""

    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    updates: int = 0  # distinct updates / events the citizens made

    @property
    def deliveries(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s >= 500)


async def _until_200(deliver: Callable[[], Any], first: int | None, tally: Tally,
                     give_up: float) -> None:
    """Redeliver until the service answers 200, with the platforms' growing pause."""
    status, pause = first, 0.05
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up
    while True:
        tally.statuses[status or 0] += 1
        if status == 200:
            return
        if loop.time() > deadline:
            raise AssertionError(f"an update was never answered 200 (last: {status})")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.5)
        status = await deliver()


@dataclass
class Citizen:
    n: int
    platform: str
    description: str
    category: str
    acknowledged: str | None = None  # the reference in the acknowledgement seen


async def telegram_citizen(emu: WatchedTelegram, citizen: Citizen, tally: Tally,
                           step_timeout: float) -> None:
    chat = citizen.n

    async def act(expect: int, **kwargs: Any) -> None:
        before = len(fold(emu.sent(chat)))
        callback = kwargs.pop("callback", None)
        if callback is not None:  # pressed on the newest message, as a person would
            kwargs.update(callback_data=callback,
                          message_id=emu.messages(chat)[-1]["message_id"])
        update, status = await emu.send(chat, **kwargs)
        tally.updates += 1
        await _until_200(lambda: emu.deliver(update), status, tally, step_timeout)
        await emu.until(chat, lambda: len(fold(emu.sent(chat))) >= before + expect,
                        step_timeout)

    await act(1, text="/start")
    await act(1, callback="menu:file")
    await act(1, callback=f"cat:{citizen.category}")
    await act(1, text=citizen.description)
    await act(1, text=SKIP)  # location
    await act(1, text=SKIP)  # photos
    await act(2, text=SKIP)  # phone: thanks + summary
    await act(1, callback="confirm")
    match = ACK.search(emu.sent(chat)[-1].text)
    citizen.acknowledged = match.group(0) if match else None


async def line_citizen(emu: WatchedLine, citizen: Citizen, tally: Tally,
                       step_timeout: float) -> None:
    user = f"U{citizen.n:032x}"

    async def act(expect: int, **kwargs: Any) -> None:
        before = len(fold(emu.sent(user)))
        event, status = await emu.send(user, **kwargs)
        tally.updates += 1
        await _until_200(lambda: emu.deliver([event], redelivery=True), status, tally,
                         step_timeout)
        await emu.until(user, lambda: len(fold(emu.sent(user))) >= before + expect,
                        step_timeout)

    await act(1, follow=True)
    await act(1, postback="menu:file")
    await act(1, postback=f"cat:{citizen.category}")
    await act(1, text=citizen.description)
    await act(1, postback="skip")  # location
    await act(1, postback="skip")  # photos
    await act(2, postback="skip")  # phone: thanks + summary
    await act(1, postback="confirm")
    match = ACK.search(emu.sent(user)[-1].text)
    citizen.acknowledged = match.group(0) if match else None


MESSAGES_PER_GRIEVANCE = 9  # what each script above expects, in all


def line_user(n: int) -> str:
    return f"U{n:032x}"
