"""Limits that keep one person from crowding out everyone else, in memory only.

A flood (a stuck key, a script, a prank) is slowed per chat: a burst, then a steady rate;
the first message over the limit gets a polite answer, the rest are dropped unanswered
until the chat calms down. Nobody else waits for it. Nothing here is written down: a record
of who sent how much would itself be a log of people.
"""
from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["ok", "warn", "drop"]

BURST = 20  # messages a chat may send at once (a form filled in quickly is ~10)
PER_SECOND = 1.0  # then this many a second, on average
MAX_CHATS = 50_000


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class FloodGate:
    def __init__(self, burst: int = BURST, per_second: float = PER_SECOND) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: collections.OrderedDict[tuple[str, str], _Bucket] = \
            collections.OrderedDict()

    def admit(self, chat: tuple[str, str], now: float) -> Verdict:
        """``ok`` to handle this message; ``warn`` once when a chat goes over the limit (say
        so); ``drop`` for the rest of the flood. The trickle a flood is still allowed does
        not earn it another warning: only a chat that has calmed down does."""
        bucket = self._buckets.get(chat)
        if bucket is None:
            bucket = self._buckets[chat] = _Bucket(float(self.burst), now)
            while len(self._buckets) > MAX_CHATS:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(chat)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            if bucket.tokens >= self.burst / 2:  # calm again: a new flood earns a new warning
                bucket.warned = False
            bucket.tokens -= 1
            return "ok"
        if bucket.warned:
            return "drop"
        bucket.warned = True
        return "warn"


class DailyCount:
    """How many anonymous reports a chat filed today: kept in memory, because nothing on
    disk may count an anonymous reporter's reports (a restart resets it)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], tuple[dt.date, int]] = {}

    def today(self, chat: tuple[str, str], day: dt.date) -> int:
        seen_day, count = self._counts.get(chat, (day, 0))
        return count if seen_day == day else 0

    def add(self, chat: tuple[str, str], day: dt.date) -> None:
        self._counts[chat] = (day, self.today(chat, day) + 1)
        if len(self._counts) > MAX_CHATS:
            stale = [c for c, (d, _) in self._counts.items() if d != day]
            for c in stale:
                del self._counts[c]
