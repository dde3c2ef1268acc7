"""One step of one conversation: what came in, where the chat stands, what to say back.

A :class:`Turn` lives for one :class:`~handlers.types.Incoming` inside one database
transaction. Flows read the conversation, change it, and ``say`` replies; the engine writes
all of it in the same commit.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from handlers.municipality import Municipality
from handlers.limits import DailyCount
from handlers.receipts import Guard
from handlers.texts import t
from handlers.types import Card, Choice, Incoming, Reply, Request
from handlers.workdays import WorkCalendar
from storage.conversations import ConversationRow
from storage.db import Tx
from storage.officers import Officer
from storage.seal import Sealer

Clock = Callable[[], dt.datetime]


SaveImage = Callable[[bytes], Awaitable[str]]


@dataclass(frozen=True)
class Services:
    """What every flow may consult: the municipality, its calendar, the time, and where to
    keep an image the bot makes (a report's chart) so that a channel can send it."""

    municipality: Municipality
    calendar: WorkCalendar
    clock: Clock
    save_image: SaveImage | None = None
    sealer: Sealer | None = None  # seals what an anonymous reporter leaves with us
    guard: Guard = field(default_factory=Guard)  # wrong receipt codes, per chat
    anonymous_today: DailyCount = field(default_factory=DailyCount)  # reports per chat


class Notice(NamedTuple):
    """Messages a turn queues to another chat."""

    platform: str
    chat_id: str
    replies: list[Reply]
    delay: float = 0.0
    seal: bool = False


StepFn = Callable[["Turn"], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """A place in a flow: ``prompt`` asks for what it needs, ``receive`` takes the answer."""

    prompt: StepFn
    receive: StepFn


STEPS: dict[str, Step] = {}


def step(name: str, *, prompt: StepFn) -> Callable[[StepFn], StepFn]:
    """Register ``receive`` (the decorated function) and ``prompt`` as the step ``name``."""

    def register(receive: StepFn) -> StepFn:
        if name in STEPS:
            raise ValueError(f"step {name!r} registered twice")
        STEPS[name] = Step(prompt=prompt, receive=receive)
        return receive

    return register


class Turn:
    def __init__(self, incoming: Incoming, conv: ConversationRow, tx: Tx,
                 services: Services, now: dt.datetime) -> None:
        self.incoming = incoming
        self.conv = conv
        self.tx = tx
        self.services = services
        self.now = now
        self.replies: list[Reply] = []
        self.elsewhere: list[Notice] = []
        self.case_reference: str | None = None
        self.officer: Officer | None = None  # set when the sender is a registered officer
        self.news: list[int] = []  # anonymous reports with news for a reporter who opted in
        self._note: str | None = None
        self._delete: list[str] = []

    # -- reading -------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        return self.conv.lang

    @property
    def muni(self) -> Municipality:
        return self.services.municipality

    @property
    def data(self) -> dict[str, Any]:
        return self.conv.data

    def t(self, key: str, **fields: Any) -> str:
        return t(self.lang, key, **fields)

    def choice(self, value: str, key: str, **fields: Any) -> Choice:
        return Choice(value, self.t(key, **fields))

    # -- speaking ------------------------------------------------------------------------
    def note(self, text: str) -> None:
        """Say ``text`` before the next prompt, in the same message where possible."""
        self._note = f"{self._note}\n{text}" if self._note else text

    def say(self, text: str, choices: Sequence[Choice] = (), *, request: Request | None = None,
            request_label: str | None = None, columns: int = 1, card: Card | None = None,
            remember: str | None = None) -> None:
        """Queue one message; its buttons become the choices this chat may answer with.

        A pending note is merged in front of it, unless the chat still shows an input widget
        (a share-location keyboard) that this message does not replace: then the note goes
        out alone first, so that a channel can close the widget with it.
        """
        if self._note is not None:
            widget_open = self.data.get("_widget") is not None
            if (widget_open and request is None) or card is not None:
                self.replies.append(Reply(self._note))
                self.data["_widget"] = None
            else:
                text = f"{self._note}\n\n{text}"
            self._note = None
        self.replies.append(Reply(text, tuple(choices), request, request_label, columns, card,
                                  delete=tuple(self._delete), remember=remember))
        self._delete = []
        self.data["_offered"] = {c.value: c.label for c in choices}
        self.data["_widget"] = request

    def say_images(self, text: str, images: tuple[str, ...]) -> None:
        """Queue a text shown with stored images (a chart, a photo)."""
        self.replies.append(Reply(text, images=images))

    def say_card(self, card: Card, choices: Sequence[Choice] = (), *,
                 remember: str | None = None) -> None:
        """Queue a structured message; its plain text is derived from it, never written twice."""
        self.say(card.as_text(), choices, card=card, remember=remember)

    def unsay(self, token: str) -> None:
        """Take a message out of the chat (where the platform can) before the next reply:
        ``msg:<id>`` one the person sent, or the token a reply was remembered by."""
        self._delete.append(token)

    def unsay_incoming(self) -> None:
        """Take out the message this turn answers (it held a secret)."""
        if self.incoming.message_id is not None:
            self.unsay(f"msg:{self.incoming.message_id}")

    async def more(self, offset: str) -> None:
        """The next page of the choices on offer, for a channel that shows only so many."""
        items = list(self.offered().items())
        start = int(offset) if offset.isascii() and offset.isdigit() else 0
        if not 0 < start < len(items):
            await self.reprompt()
            return
        rest = tuple(Choice(value, label) for value, label in items[start:])
        self.replies.append(Reply(self.t("more"), rest, choices_offset=start))

    def notify(self, platform: str, chat_id: str, replies: list[Reply], *,
               delay: float = 0.0, seal: bool = False) -> None:
        """Queue messages to another chat (a citizen, an officer, a group) in this commit,
        to leave no sooner than ``delay`` seconds from now; ``seal`` them when they are
        about an anonymous report (kept encrypted, dated by day, deleted once sent)."""
        self.elsewhere.append(Notice(platform, chat_id, replies, delay, seal))

    def flush_note(self) -> None:
        """Send a pending note on its own (when no prompt follows)."""
        if self._note is not None or self._delete:
            self.replies.append(Reply(self._note or "…", delete=tuple(self._delete)))
            self._note, self._delete = None, []

    # -- moving --------------------------------------------------------------------------
    async def goto(self, name: str) -> None:
        """Move the chat to step ``name`` and ask what it needs."""
        self.conv.step = name
        await STEPS[name].prompt(self)

    async def reprompt(self) -> None:
        await STEPS[self.conv.step].prompt(self)

    def offered(self) -> dict[str, str]:
        return dict(self.data.get("_offered") or {})

    def reset(self) -> None:
        """Forget any draft; keep only what belongs to the chat itself."""
        self.conv.data = {k: v for k, v in self.data.items() if k == "_widget"}
