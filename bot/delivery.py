"""The delivery worker: sends queued replies through each platform's real SDK.

It takes only the oldest pending reply of each chat, so a chat's messages arrive in order;
paces sends to the platform's limits (Telegram: 1 message/s per chat, 30/s overall); retries
network errors and 5xx with growing backoff, waits out 429's ``retry_after``, and marks a
reply 'failed' (kept, visible with ``python -m bot outbox``) only when the platform refuses
it for good or after ``max_attempts``. Nothing is dropped silently.
"""
from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Literal, Protocol

from handlers.types import Reply
from storage import outbox
from storage.db import Database
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """How a send failed: ``retry`` later (after ``retry_after`` if the platform said so),
    or ``permanent`` (the platform will never accept it)."""

    kind: Literal["retry", "permanent"]
    reason: str
    retry_after: float | None = None


class Sender(Protocol):
    platform: str

    async def send(self, chat_id: str, reply: Reply) -> None: ...

    def classify(self, exc: Exception) -> Failure: ...


@dataclass(frozen=True)
class Pacing:
    per_chat_interval: float = 1.0
    per_second: int = 30
    max_attempts: int = 12
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    concurrency: int = 16


class DeliveryWorker:
    def __init__(self, db: Database, senders: list[Sender], pacing: Pacing = Pacing()) -> None:
        self.db = db
        self.senders = {s.platform: s for s in senders}
        self.pacing = pacing
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._chat_last: dict[tuple[str, str], float] = {}
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque)

    def wake(self) -> None:
        """New replies were queued: look at the outbox now rather than at the next timer."""
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            delay = await self._tick()
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
        await self._finish_in_flight()

    async def stop(self) -> None:
        """Take no new sends; let the ones in flight finish (their result is recorded)."""
        self._stopping = True
        self._wake.set()

    async def _finish_in_flight(self) -> None:
        if self._in_flight:
            await asyncio.wait(list(self._in_flight.values()), timeout=10)

    async def _tick(self) -> float:
        """Start every send that is due and allowed; return seconds until the next may be."""
        next_in = 1.0
        for platform, sender in self.senders.items():
            heads = await outbox.heads(self.db, platform, limit=500)
            now_wall, now = time.time(), time.monotonic()
            recent = self._recent[platform]
            for item in heads:
                key = (platform, item.chat_id)
                if key in self._in_flight:
                    continue
                if item.not_before > now_wall:
                    next_in = min(next_in, item.not_before - now_wall)
                    continue
                last = self._chat_last.get(key)
                if last is not None and now - last < self.pacing.per_chat_interval:
                    next_in = min(next_in, self.pacing.per_chat_interval - (now - last))
                    continue
                while recent and now - recent[0] >= 1.0:
                    recent.popleft()
                if len(recent) >= self.pacing.per_second:
                    next_in = min(next_in, 1.0 - (now - recent[0]))
                    break
                if len(self._in_flight) >= self.pacing.concurrency:
                    next_in = min(next_in, 0.01)
                    break
                recent.append(now)
                self._chat_last[key] = now
                task = asyncio.create_task(self._send(sender, item))
                self._in_flight[key] = task
                task.add_done_callback(lambda _t, key=key: self._done(key))
        return max(next_in, 0.001)

    def _done(self, key: tuple[str, str]) -> None:
        self._in_flight.pop(key, None)
        self._wake.set()

    async def _send(self, sender: Sender, item: OutboxItem) -> None:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            reply = Reply.from_dict(json.loads(item.payload))
            await sender.send(item.chat_id, reply)
        except asyncio.CancelledError:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            await self._fail(item, Failure("permanent", f"unreadable payload: {exc}"))
        except Exception as exc:  # the SDK's error, classified by the channel
            await self._fail(item, sender.classify(exc))
        else:
            await outbox.mark_sent(self.db, item.id, stamp)

    async def _fail(self, item: OutboxItem, failure: Failure) -> None:
        attempts = item.attempts + 1
        if failure.kind == "permanent" or attempts >= self.pacing.max_attempts:
            log.warning("outbox message %d failed for good after %d attempts: %s",
                        item.id, attempts, failure.reason)
            await outbox.mark_failed(self.db, item.id, failure.reason)
            return
        if failure.retry_after is not None:
            wait = failure.retry_after
        else:
            wait = min(self.pacing.backoff_cap, self.pacing.backoff_base * 2 ** (attempts - 1))
            wait *= random.uniform(0.8, 1.2)
        log.info("outbox message %d: %s; retry %d in %.1fs", item.id, failure.reason,
                 attempts, wait)
        await outbox.mark_retry(self.db, item.id, time.time() + wait, failure.reason)
