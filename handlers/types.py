"""The neutral currency between channels and flows: what came in, what goes out.

A channel (``bot/telegram.py``, ``bot/line.py``) turns a platform update into one :class:`Incoming`
and renders each :class:`Reply` with its platform's widgets, falling back to plain text
where the platform has no such widget.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Platform = Literal["telegram", "line"]


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None  # LINE sends the address the map picker shows


@dataclass(frozen=True)
class Photo:
    """A photo already fetched from the platform and stored under its SHA-256."""

    sha256: str


BAD_IMAGE = "bad_image"  # Incoming.other for a photo that is not one we can keep


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat.

    Exactly one of ``text``, ``choice``, ``location``, ``photo`` or ``contact_phone`` is set
    for a message the flows understand; ``other`` names anything else (a sticker, a voice
    note) so the flow can ask again for what it needs.
    """

    platform: Platform
    update_key: str
    chat_id: str
    user_id: str
    language: str | None = None
    text: str | None = None
    choice: str | None = None
    location: Location | None = None
    photo: Photo | None = None
    contact_phone: str | None = None
    other: str | None = None
    group: bool = False  # said in a group chat (a division's), not a private one
    reply_token: str | None = None
    reply_expires: float | None = None  # epoch seconds after which the token is useless
    message_id: str | None = None  # the platform's id of the message, for deleting it

    @property
    def command(self) -> str | None:
        """``/start`` → ``"start"``; None when the text is not a command."""
        if self.text and self.text.startswith("/"):
            word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
            return word.split("@", 1)[0].lower() or None
        return None


@dataclass(frozen=True)
class Choice:
    """A button: ``value`` comes back in :attr:`Incoming.choice` when it is pressed."""

    value: str
    label: str


Request = Literal["location", "photo", "contact"]


@dataclass(frozen=True)
class Card:
    """The same content as a reply's text, structured for platforms that can lay it out
    (LINE's Flex): a title, label/value rows, and a closing line."""

    title: str
    rows: tuple[tuple[str, str], ...] = ()
    footer: str | None = None

    def as_text(self) -> str:
        """The card as plain text: what Telegram shows, and LINE's ``altText``."""
        parts = [self.title, "\n".join(f"{label}: {value}" for label, value in self.rows)]
        if self.footer:
            parts.append(self.footer)
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Reply:
    """One message to a person.

    ``request`` asks the channel for a native widget (share location, camera, share phone
    number) labelled ``request_label``; a channel without one shows the text alone, which
    always says how to answer by typing.
    """

    text: str
    choices: tuple[Choice, ...] = ()
    request: Request | None = None
    request_label: str | None = None
    columns: int = 1
    card: Card | None = None
    choices_offset: int = 0  # these choices continue the step's list from this position
    images: tuple[str, ...] = ()  # stored photos (SHA-256) to show before the text
    # Messages to take out of the chat before this one, where the platform allows it:
    # ``msg:<id>`` the person's own message, or a token an earlier reply was remembered by.
    delete: tuple[str, ...] = ()
    remember: str | None = None  # keep this message's id (in memory) under this token

    def to_dict(self) -> dict[str, Any]:
        """As ``dataclasses.asdict`` would make it (the outbox's form), written out: asdict's
        generic deep copy cost more than the rest of storing a reply."""
        card = self.card
        return {"text": self.text,
                "choices": [{"value": c.value, "label": c.label} for c in self.choices],
                "request": self.request, "request_label": self.request_label,
                "columns": self.columns,
                "card": None if card is None else {
                    "title": card.title, "rows": [list(r) for r in card.rows],
                    "footer": card.footer},
                "choices_offset": self.choices_offset, "images": list(self.images),
                "delete": list(self.delete), "remember": self.remember}

    def to_json(self) -> str:
        """The form the outbox stores, read back with ``from_dict(json.loads(...))``."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        card = data.get("card")
        return cls(
            text=data["text"],
            choices=tuple(Choice(**c) for c in data.get("choices", ())),
            request=data.get("request"),
            request_label=data.get("request_label"),
            columns=data.get("columns", 1),
            card=Card(card["title"], tuple(tuple(r) for r in card.get("rows", ())),
                      card.get("footer")) if card else None,
            choices_offset=data.get("choices_offset", 0),
            images=tuple(data.get("images", ())),
            delete=tuple(data.get("delete", ())),
            remember=data.get("remember"),
        )


# A channel's offer to carry one reply in its answer to the platform (no request of its own):
# it returns True when it takes the reply (it can render it, and the pace allows a send now).
Carrier = Callable[[Reply], bool]


@dataclass
class Outcome:
    """What handling one :class:`Incoming` did (for the channel and the tests)."""

    duplicate: bool = False
    replies: list[Reply] = field(default_factory=list)
    case_reference: str | None = None
    carried: Reply | None = None  # the reply (one of ``replies``) the channel's answer carries
    # Where the delivery worker has something new to send: (platform, the outbox's chat
    # column: a chat, or a sealed lane). A redelivery whose answer's reply never went out
    # queues it again.
    queued_to: list[tuple[str, str]] = field(default_factory=list)
