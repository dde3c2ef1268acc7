"""The delivery worker: sends queued replies through each platform's real SDK.

It takes only the oldest pending reply of each chat, so a chat's messages arrive in order.
It knows each chat's oldest reply from memory: it reads again only the chats it is told
something was queued for (or it just sent to), and the whole outbox once a second, for rows
another process queued (reading it for every message was a tenth of the service's CPU).

It paces sends to the platform's limits (Telegram: 1 message/s per chat, 30/s overall),
counting the replies a webhook's answer carries too (:meth:`DeliveryWorker.take_answer_slot`).
It retries network errors and 5xx with growing backoff, waits out 429's ``retry_after``, and
marks a reply 'failed' (kept, visible with ``python -m bot outbox``) only when the platform
refuses it for good or after ``max_attempts``. Nothing is dropped silently.
"""
from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from handlers.types import Reply
from storage import outbox
from storage.db import Database
from storage.outbox import Head, OutboxItem
from storage.seal import Sealer, SealError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """How a send failed: ``retry`` later (after ``retry_after`` if the platform said so),
    ``throttled`` (over a rate or quota: retried without limit, since waiting cures it), or
    ``permanent`` (the platform will never accept it)."""

    kind: Literal["retry", "throttled", "permanent"]
    reason: str
    retry_after: float | None = None


@dataclass(frozen=True)
class Delivery:
    """How a batch may travel: answering a reply token while it is valid, else pushed under
    a retry key that stays the same for every attempt of the same batch."""

    reply_token: str | None
    reply_expires: float | None
    retry_key: str
    reply_tried: bool = False  # an earlier attempt used the reply token (it may have worked)
    # Called when the platform refuses a reply token this batch never used: it is dead, so
    # every later attempt pushes, and a refusal then is not mistaken for an earlier success.
    forget_reply: Callable[[], Awaitable[None]] | None = None


class Sender(Protocol):
    platform: str
    max_batch: int  # messages one platform call can carry

    def is_group(self, chat_id: str) -> bool: ...

    async def send(self, chat_id: str, replies: list[Reply], delivery: Delivery) -> None: ...

    def classify(self, exc: Exception) -> Failure: ...


@dataclass(frozen=True)
class Pacing:
    per_chat_interval: float = 1.0
    per_group_interval: float = 3.0
    per_second: int = 30
    max_attempts: int = 12
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    throttle_wait: float = 60.0
    concurrency: int = 16


# Telegram (Bot API FAQ): 1 message/s per chat, 20/min per group, 30/s overall.
TELEGRAM_PACING = Pacing(per_second=30)
LINE_PACING = Pacing(per_chat_interval=0.0, per_group_interval=0.0, per_second=100,
                     throttle_wait=600.0)


RESCAN = 1.0  # seconds between reads of every chat's oldest reply
HEADS_READ = 2000  # chats read per rescan, oldest first (the rest wait for a later one)
# A reply in a webhook's answer is carried out after our answer reaches the platform: it is
# counted as sent this much later than the moment it was granted.
ANSWER_LAG = 0.25


class DeliveryWorker:
    def __init__(self, db: Database, senders: list[Sender],
                 pacing: dict[str, Pacing] | None = None, sealer: Sealer | None = None) -> None:
        self.db = db
        self.sealer = sealer  # opens an anonymous reporter's sealed messages
        self.senders: dict[str, Sender] = {}
        self.pacing: dict[str, Pacing] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._grace = 10.0
        self._in_flight: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._chat_last: dict[tuple[str, str], float] = {}
        # Per platform: when recent sends were answered, and how many are on their way.
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque)
        self._busy: collections.Counter[str] = collections.Counter()
        # Each chat's oldest pending row not yet on its way, per platform; chats to read again.
        self._heads: dict[str, dict[str, Head]] = collections.defaultdict(dict)
        self._dirty: set[tuple[str, str]] = set()
        self._rescan_at = 0.0
        for sender in senders:
            self.add(sender, (pacing or {}).get(sender.platform, Pacing()))

    def add(self, sender: Sender, pacing: Pacing) -> None:
        self.senders[sender.platform] = sender
        self.pacing[sender.platform] = pacing

    def wake(self, chats: list[tuple[str, str]] | None = None) -> None:
        """New replies were queued for ``chats`` ((platform, outbox chat) pairs; None: who
        knows where): look at them now rather than at the next rescan."""
        if chats is None:
            self._rescan_at = 0.0
        else:
            self._dirty.update(chats)
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self._tick()
            except Exception:  # the database locked or full: keep the worker alive
                log.exception("delivery round failed; retrying")
                self._rescan_at = 0.0  # chats marked to read may have been lost with it
                delay = 5.0
            if self._stopping:
                break
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass
        await self._finish_in_flight()

    async def stop(self, grace: float = 10.0) -> None:
        """Take no new sends; give the ones in flight ``grace`` seconds to finish (their
        result is recorded), then cancel the rest: their rows stay pending and go out
        after the next start."""
        self._grace = grace
        self._stopping = True
        self._wake.set()

    async def _finish_in_flight(self) -> None:
        if not self._in_flight:
            return
        tasks = list(self._in_flight.values())
        _, late = await asyncio.wait(tasks, timeout=self._grace)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d send(s) still in flight at shutdown stay queued", len(late))
            await asyncio.wait(late)

    async def _read_heads(self) -> float:
        """Bring the known heads up to date; seconds until the next rescan."""
        now = time.monotonic()
        if now >= self._rescan_at:
            self._rescan_at = now + RESCAN
            self._dirty.clear()
            for platform in self.senders:
                self._heads[platform] = {
                    h.chat_id: h for h in await outbox.heads(self.db, platform, HEADS_READ)
                    if (platform, h.chat_id) not in self._in_flight}
        else:
            dirty, self._dirty = self._dirty, set()
            for platform, chat_id in dirty:
                if platform not in self.senders or (platform, chat_id) in self._in_flight:
                    continue  # read again when its send is done
                head = await outbox.head(self.db, platform, chat_id)
                if head is None:
                    self._heads[platform].pop(chat_id, None)
                else:
                    self._heads[platform][chat_id] = head
        return max(0.0, self._rescan_at - time.monotonic())

    async def _tick(self) -> float:
        """Start every send that is due and allowed; return seconds until the next may be."""
        next_in = await self._read_heads()
        for platform, sender in self.senders.items():
            pacing = self.pacing[platform]
            known = self._heads[platform]
            now_wall, now = time.time(), time.monotonic()
            for item in sorted(known.values(), key=_oldest):
                key = (platform, item.chat_id)
                if item.not_before > now_wall:
                    next_in = min(next_in, item.not_before - now_wall)
                    continue
                if wait := self._chat_wait(platform, item.chat_id, now):
                    next_in = min(next_in, wait)
                    continue
                if wait := self._rate_wait(platform, now):
                    next_in = min(next_in, wait)
                    break
                if len(self._in_flight) >= pacing.concurrency:
                    next_in = min(next_in, 0.01)
                    break
                self._busy[platform] += 1
                self._chat_last[key] = now
                del known[item.chat_id]
                task = asyncio.create_task(self._send(sender, pacing, item))
                self._in_flight[key] = task
                task.add_done_callback(lambda _t, key=key: self._done(key))
        return max(next_in, 0.001)

    def take_answer_slot(self, platform: str, chat_id: str) -> bool:
        """May a reply leave now in a webhook's answer? Only when the pace would let the
        worker send it now; then it is counted as sent, a little after now, when the
        platform carries it out. (Whether the platform is well enough to be trusted with a
        call nobody sees the result of is the channel's to judge: ``TROUBLE_QUIET``.)"""
        pacing = self.pacing.get(platform)
        key = (platform, chat_id)
        now = time.monotonic()
        if (pacing is None or key in self._in_flight or self._stopping
                or self._chat_wait(platform, chat_id, now) or self._rate_wait(platform, now)):
            return False
        carried_at = now + ANSWER_LAG
        self._chat_last[key] = carried_at
        self._recent[platform].append(carried_at)
        return True

    def _chat_wait(self, platform: str, chat_id: str, now: float) -> float:
        """Seconds until the chat may be sent its next message (0: now)."""
        pacing = self.pacing[platform]
        interval = (pacing.per_group_interval if self.senders[platform].is_group(chat_id)
                    else pacing.per_chat_interval)
        last = self._chat_last.get((platform, chat_id))
        if not interval or last is None:
            return 0.0
        return max(0.0, interval - (now - last))

    def _rate_wait(self, platform: str, now: float) -> float:
        """Seconds until the platform's rate allows another send (0: now). A send counts
        from its start until a second after its answer: the platform counts it when it
        arrives, somewhere in between, so no second of the platform's sees more than
        ``per_second``."""
        recent = self._recent[platform]
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) + self._busy[platform] < self.pacing[platform].per_second:
            return 0.0
        return 1.0 - (now - recent[0]) if recent else 0.01

    def _done(self, key: tuple[str, str]) -> None:
        self._in_flight.pop(key, None)
        self._dirty.add(key)  # its next row, or the same one again after a failure
        self._wake.set()

    async def _send(self, sender: Sender, pacing: Pacing, head: Head) -> None:
        try:
            await self._send_batch(sender, pacing, head)
        finally:
            # Pace from when the platform answered: the next message to this chat then
            # arrives at least the interval after this one did, however slow the network.
            answered = time.monotonic()
            self._chat_last[(sender.platform, head.chat_id)] = answered
            self._busy[sender.platform] -= 1
            self._recent[sender.platform].append(answered)

    async def _send_batch(self, sender: Sender, pacing: Pacing, first: Head) -> None:
        items = await outbox.batch_from(self.db, first, sender.max_batch)
        if not items:
            return  # no longer pending (its chat was left or became private): nothing to send
        head = items[0]
        ids = [i.id for i in items]
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            chat_id, payloads, delivery = self._unpack(head, items)
            replies = [Reply.from_dict(json.loads(p)) for p in payloads]
        except (ValueError, KeyError, TypeError) as exc:  # SealError is a ValueError
            await self._fail(head, ids, pacing, Failure("permanent", f"unreadable payload: "
                                                        f"{type(exc).__name__}"))
            return
        if delivery.reply_token and not head.reply_tried and \
                time.time() < (delivery.reply_expires or 0):
            # Committed before the token is used: if we die after LINE took the reply and
            # before mark_sent, the next attempt must not push the same messages again.
            try:
                await outbox.mark_reply_tried(self.db, ids)
            except Exception:  # the database locked or full: send nothing until it can record
                log.exception("outbox message %d not sent: its attempt cannot be recorded",
                              head.id)
                return
        try:
            await sender.send(chat_id, replies, dataclasses.replace(
                delivery, reply_tried=head.reply_tried,
                forget_reply=lambda: self._forget_reply(items)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the SDK's error, classified by the channel
            await self._fail(head, ids, pacing, sender.classify(exc))
        else:
            try:
                await outbox.mark_sent(self.db, ids, stamp)  # a sealed row: deleted
            except Exception:  # sent, but not recorded: it may go out again (at least once)
                log.exception("%s sent but not marked", _which(head))

    async def _forget_reply(self, items: list[OutboxItem]) -> None:
        """The platform refused a reply token never used: every later attempt pushes."""
        resealed = {}
        if items[0].sealed is not None and self.sealer is not None:
            for item in items:  # the token is inside the seal: seal the row again without it
                opened = self.sealer.open(item.sealed or b"")
                opened.update(reply_token=None, reply_expires=None)
                resealed[item.id] = self.sealer.seal(opened)
        await outbox.forget_reply_token(self.db, [i.id for i in items], resealed)

    def _unpack(self, head: OutboxItem, items: list[OutboxItem]
                ) -> tuple[str, list[str], Delivery]:
        """Where a batch goes and what it says, opening sealed rows."""
        if head.sealed is None:
            return head.chat_id, [i.payload for i in items], Delivery(
                head.reply_token, head.reply_expires, head.retry_key)
        if self.sealer is None:
            raise SealError("a sealed message, and no seal key to open it")
        opened = [self.sealer.open(i.sealed or b"") for i in items]
        first = opened[0]
        return first["chat_id"], [o["payload"] for o in opened], Delivery(
            first.get("reply_token"), first.get("reply_expires"), head.retry_key)

    async def _fail(self, head: OutboxItem, ids: list[int], pacing: Pacing,
                    failure: Failure) -> None:
        attempts = head.attempts + 1
        if failure.kind == "permanent" or (failure.kind == "retry"
                                           and attempts >= pacing.max_attempts):
            log.warning("%s failed for good after %d attempts: %s", _which(head), attempts,
                        failure.reason)
            await outbox.mark_failed(self.db, ids, failure.reason)
            return
        if failure.retry_after is not None:
            wait = failure.retry_after
        elif failure.kind == "throttled":
            wait = pacing.throttle_wait
        else:
            wait = min(pacing.backoff_cap, pacing.backoff_base * 2 ** (attempts - 1))
            wait *= random.uniform(0.8, 1.2)
        log.info("%s: %s; retry in %.1fs", _which(head), failure.reason, wait)
        await outbox.mark_retry(self.db, ids, time.time() + wait, failure.reason,
                                count_attempt=failure.kind == "retry")


def _oldest(head: Head) -> int:
    return head.id


def _which(item: OutboxItem) -> str:
    """How a log line names a queued message: a sealed one (about an anonymous report) by
    nothing that could be matched with its row or its lane."""
    return "a sealed message" if item.sealed is not None else f"outbox message {item.id}"
