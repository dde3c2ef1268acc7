"""Chats in private mode: an anonymous reporter's conversation, kept in memory only.

While a chat files an anonymous report or follows one up with its receipt code, where it
stands (the draft, the report it opened) must not be written where a chat id sits next to
it: not in the conversations table, not in a log. So the engine keeps such a conversation
here instead of in SQLite, and queues its replies sealed under a random lane. A restart forgets it: the reporter starts
the draft again (they were told), and nothing identifying outlives the process.
"""
from __future__ import annotations

import collections
import secrets
import time
from dataclasses import dataclass, field

from storage.conversations import ConversationRow

IDLE_SECONDS = 2 * 3600.0  # an abandoned draft is dropped after this
MAX_CHATS = 10_000  # a flood of new chats evicts the longest idle first


def new_lane() -> str:
    """A random outbox lane: orders one private chat's messages, says nothing of whose."""
    return "~" + secrets.token_hex(16)


@dataclass
class Session:
    conv: ConversationRow
    lane: str
    touched: float = field(default_factory=time.monotonic)


class PrivateChats:
    def __init__(self) -> None:
        self._sessions: collections.OrderedDict[tuple[str, str], Session] = \
            collections.OrderedDict()

    def get(self, platform: str, key: str) -> Session | None:
        session = self._sessions.get((platform, key))
        if session is not None:
            session.touched = time.monotonic()
            self._sessions.move_to_end((platform, key))
        return session

    def keep(self, conv: ConversationRow, lane: str) -> Session:
        """Hold ``conv`` here (it is, or just became, private), its messages on ``lane``."""
        key = (conv.platform, conv.chat_id)
        session = self._sessions.get(key)
        if session is None:
            session = self._sessions[key] = Session(conv, lane)
            while len(self._sessions) > MAX_CHATS:
                self._sessions.popitem(last=False)
        session.conv, session.touched = conv, time.monotonic()
        self._sessions.move_to_end(key)
        return session

    def drop(self, platform: str, key: str) -> None:
        self._sessions.pop((platform, key), None)

    def forget_idle(self, idle: float = IDLE_SECONDS) -> None:
        """Drop sessions idle for ``idle`` seconds."""
        cutoff = time.monotonic() - idle
        for key in [k for k, s in self._sessions.items() if s.touched < cutoff]:
            del self._sessions[key]

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())
