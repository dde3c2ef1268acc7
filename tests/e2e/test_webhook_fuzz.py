"""Both webhooks fuzzed with hypothesis: thousands of near-valid Telegram updates and LINE
event batches (fields of the wrong type, missing fields, odd unicode, huge and negative
numbers, nulls), properly authenticated so they reach the parsers and the engine.

Whatever arrives: never a 5xx of our making (a 503 is right only when a photo could not be
fetched from the platform, which then redelivers), never a traceback or an error in the log,
and a refused (4xx) body changes nothing in the database.

One service, one pair of emulators and one database serve every example, on an event loop
this module drives itself (hypothesis calls the test synchronously, example by example).
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from bot.settings import Settings
from tests.e2e.conftest import FAST, LINE_SECRET, LINE_TOKEN, SECRET, TOKEN
from tests.e2e.hostile import (
    LINE_SIGNATURE_HEADER,
    TELEGRAM_SECRET_HEADER,
    Tracebacks,
    _add_triggers,
    changes,
)
from tests.support import FakeClock, bangkok, rows

EXAMPLES = int(os.environ.get("RONGRIAN_FUZZ_EXAMPLES", "900"))  # per webhook
UNIQUE = itertools.count(10**6)


@dataclass
class World:
    loop: asyncio.AbstractEventLoop
    service: Service
    telegram: TelegramEmulator
    line: LineEmulator
    http: aiohttp.ClientSession
    logged: Tracebacks
    counts: collections.Counter = field(default_factory=collections.Counter)

    @property
    def db(self) -> str:
        return str(self.service.settings.database_path)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        async def go() -> int:
            async with self.http.post(self.service.url + path, data=body, headers=headers,
                                      timeout=aiohttp.ClientTimeout(total=10)) as resp:
                await resp.read()
                return resp.status
        return self.loop.run_until_complete(go())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    handler = Tracebacks()
    handler.setFormatter(logging.Formatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.WARNING)

    async def start() -> World:
        telegram = TelegramEmulator(TOKEN)
        line = LineEmulator(LINE_SECRET, LINE_TOKEN)
        await telegram.start()
        await line.start()
        service = Service(Settings.from_env({
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": telegram.api_base_url,
            "LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "LINE_API_HOST": line.url, "PORT": "0",
            "DATABASE_PATH": str(tmp / "rongrian.db"), "MEDIA_DIR": str(tmp / "media"),
        }, env_file=None), clock=FakeClock(bangkok(2026, 11, 30, 10, 0)), pacing=FAST,
            line_pacing=FAST)
        await service.start()
        await asyncio.to_thread(_add_triggers, str(tmp / "rongrian.db"))
        return World(loop, service, telegram, line, aiohttp.ClientSession(), handler)

    w = loop.run_until_complete(start())
    yield w

    async def stop() -> None:
        await w.http.close()
        await w.service.stop()
        await w.telegram.stop()
        await w.line.stop()

    loop.run_until_complete(stop())
    loop.close()
    root.removeHandler(handler)
    root.setLevel(old_level)
    assert handler.broken == [], handler.broken[:3]
    print("\nfuzz totals:", dict(w.counts))


# -- strategies ------------------------------------------------------------------------------
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(),
                                                         max_size=2))
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(["/start", "/cancel", "/cases", "/report", "/overdue", "/", "/@", "/start@x",
                     "ยกเลิก", "cancel", "📝 ร้องเรียน", "KS-2569-00001", "KS-2569-99999",
                     "INV-AAAA-BBBB-CCCC", "ข้าม", "‮evil", "\u200b\u200d", "ก\u0e31\u0e49\u0e49",
                     "'; DROP TABLE cases; --", "<b>x</b>", "\x00\x01\x7f", "0812345678",
                     "x" * 4096]))
CHOICES = st.one_of(
    st.sampled_from(["menu", "menu:file", "menu:status", "menu:contact", "menu:lang", "cancel",
                     "skip", "done", "confirm", "edit", "back", "field:description",
                     "cat:road", "cat:nonexistent", "more:3", "more:", "more:abc", "more:-1",
                     "more:99999999999999999999", "o:list", "o:overdue", "o:case:KS-2569-00001",
                     "o:accept:KS-2569-00001", "o:accept:", "o::", "o.to:works", "rate:5",
                     "rate:9", "fixed:yes", ""]),
    st.text(max_size=70))
# Sampled lists of notable values generate far faster than wide integer ranges.
IDS = st.one_of(st.integers(min_value=1, max_value=10**5), st.sampled_from(
    [0, -1, -100123, 2**31, 2**53 + 1, 2**63 - 1, 2**64, 10**30, -2**63, -10**30]))


def sometimes(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's valid values; :func:`mutated` later puts junk in some of them."""
    return valid


def record(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields)


def _paths(obj: Any, at: tuple = ()) -> Iterator[tuple]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield (*at, key)
            yield from _paths(value, (*at, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield (*at, i)
            yield from _paths(value, (*at, i))


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> Any:
    """A valid body with up to three of its fields deleted, replaced by junk of any type,
    or given an extra unknown key: near-valid, as a broken client or a forger would send.
    (Drawing junk for every field instead is ten times slower to generate.)"""
    obj = draw(valid)
    paths = list(_paths(obj))
    for _ in range(draw(st.integers(0, 3)) if paths else 0):
        path = paths[draw(st.integers(0, len(paths) - 1))]
        parent = obj
        try:
            for key in path[:-1]:
                parent = parent[key]
            op = draw(st.integers(0, 2))
            if op == 0 and isinstance(parent, dict):
                del parent[path[-1]]
            elif op == 1 and isinstance(parent, dict):
                parent[draw(st.text(max_size=6))] = draw(JUNK)
            else:
                parent[path[-1]] = draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return obj


def tg_user() -> st.SearchStrategy[dict[str, Any]]:
    return record({"id": IDS, "is_bot": st.booleans(), "first_name": ODD_TEXT,
                   "language_code": st.sampled_from(["th", "en", "EN-us", "", "zz"])})


def tg_chat() -> st.SearchStrategy[dict[str, Any]]:
    return record({"id": IDS, "type": st.sampled_from(
        ["private", "private", "group", "supergroup", "channel", "secret"]),
        "first_name": ODD_TEXT, "title": ODD_TEXT})


COORD = st.one_of(st.floats(-200, 200), st.sampled_from(
    [0, 14.9236, -90, 90, 180, -180, 90.0001, -180.5, 1e308, -1e308, 10**30, 5e-324]))
tg_content = st.one_of(
    st.fixed_dictionaries({"text": ODD_TEXT}),
    st.fixed_dictionaries({"location": record({"latitude": COORD, "longitude": COORD})}),
    st.fixed_dictionaries({"contact": record({"phone_number": ODD_TEXT, "first_name": ODD_TEXT,
                                              "user_id": IDS})}),
    st.fixed_dictionaries({"photo": st.lists(record({
        "file_id": st.text(max_size=20), "file_unique_id": st.text(max_size=5),
        "width": st.integers(-5, 10**6), "height": st.integers(-5, 10**6),
        "file_size": st.integers(-1, 10**9)}), max_size=3)}),
    st.fixed_dictionaries({"document": record({
        "file_id": st.text(max_size=20), "file_unique_id": st.text(max_size=5),
        "mime_type": st.sampled_from(["image/jpeg", "image/", "application/pdf", ""]),
        "file_size": st.integers(-1, 10**9)})}),
    st.fixed_dictionaries({"sticker": record({
        "file_id": st.text(max_size=10), "file_unique_id": st.text(max_size=5),
        "type": st.just("regular"), "width": st.integers(0, 512), "height": st.integers(0, 512),
        "is_animated": st.booleans(), "is_video": st.booleans()})}),
    st.just({}))


@st.composite
def tg_message(draw: st.DrawFn) -> dict[str, Any]:
    message = draw(record({"message_id": IDS, "date": st.integers(0, 2**33), "chat": tg_chat(),
                           "from": tg_user()}))
    message.update(draw(tg_content))
    return message


@st.composite
def telegram_update(draw: st.DrawFn) -> dict[str, Any]:
    update: dict[str, Any] = {"update_id": draw(sometimes(IDS))}
    kind = draw(st.sampled_from(["message", "message", "message", "callback_query",
                                 "callback_query", "edited_message", "channel_post",
                                 "my_chat_member", "poll"]))
    if kind == "callback_query":
        update[kind] = draw(record({"id": st.text(max_size=10), "from": tg_user(),
                                    "chat_instance": st.text(max_size=5), "data": CHOICES,
                                    "message": tg_message()}))
    else:
        update[kind] = draw(sometimes(tg_message()))
    return update


def line_source() -> st.SearchStrategy[dict[str, Any]]:
    user_id = st.one_of(st.sampled_from(["U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32, "U",
                                         "C" + "a" * 32, "-1", "U" + "a" * 32 + "\n"]),
                        st.text(max_size=34))
    return record({"type": st.sampled_from(["user", "user", "group", "room", "bot", ""]),
                   "userId": user_id, "groupId": st.text(max_size=34),
                   "roomId": st.text(max_size=34)})


line_message = st.one_of(
    record({"type": st.just("text"), "id": st.text(max_size=20), "text": ODD_TEXT,
            "quoteToken": st.text(max_size=10)}),
    record({"type": st.just("location"), "id": st.text(max_size=20), "latitude": COORD,
            "longitude": COORD, "address": ODD_TEXT, "title": ODD_TEXT}),
    record({"type": st.just("image"), "id": st.text(max_size=20), "quoteToken": st.text(
        max_size=5), "contentProvider": record({"type": st.sampled_from(
            ["line", "external", "x"]), "originalContentUrl": st.text(max_size=20)})}),
    record({"type": st.sampled_from(["sticker", "video", "audio", "file", "unknown"]),
            "id": st.text(max_size=20), "packageId": st.text(max_size=5),
            "stickerId": st.text(max_size=5), "stickerResourceType": st.just("STATIC"),
            "duration": st.integers(), "fileName": ODD_TEXT, "fileSize": st.integers()}))


@st.composite
def line_event(draw: st.DrawFn) -> dict[str, Any]:
    event = draw(record({
        "type": st.sampled_from(["message", "message", "message", "postback", "postback",
                                 "follow", "unfollow", "join", "leave", "unsend",
                                 "memberJoined", "beacon", "accountLink", "videoPlayComplete",
                                 "nonsense"]),
        "mode": st.sampled_from(["active", "standby"]),
        "timestamp": st.integers(-1, 2**63), "source": line_source(),
        "webhookEventId": st.text(min_size=1, max_size=30),
        "deliveryContext": record({"isRedelivery": st.booleans()}),
        "replyToken": st.text(max_size=32)}))
    kind = event.get("type")
    if kind == "message":
        event["message"] = draw(sometimes(line_message))
    elif kind == "postback":
        event["postback"] = draw(sometimes(record({"data": CHOICES, "params": st.dictionaries(
            st.text(max_size=5), st.text(max_size=10), max_size=2)})))
    elif kind == "follow":
        event["follow"] = draw(sometimes(record({"isUnblocked": st.booleans()})))
    elif kind == "unsend":
        event["unsend"] = draw(record({"messageId": st.text(max_size=10)}))
    return event


line_body = st.one_of(
    record({"destination": st.text(max_size=33), "events": st.lists(line_event(), max_size=4)}),
    st.fixed_dictionaries({"destination": st.just("U" + "0" * 32),
                           "events": st.lists(line_event(), min_size=1, max_size=4)}))


# -- the checks ------------------------------------------------------------------------------
def check(world: World, path: str, headers: dict[str, str], raw: bytes) -> None:
    before = changes(world.db)
    status = world.post(path, raw, headers)
    world.counts[f"{path} sent"] += 1
    world.counts[f"{path} {status // 100}xx"] += 1
    broken = world.logged.broken
    world.logged.records.clear()
    assert broken == [], broken[:2]
    # No 5xx at all: the emulators are up, so not even a download may fail for a good reason.
    assert status < 500, (status, raw[:300])
    if 400 <= status < 500:
        assert changes(world.db) == before, f"a refused body changed the database: {raw[:300]!r}"
    else:
        world.counts[f"{path} changed the database"] += changes(world.db) != before


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=(Phase.explicit, Phase.generate, Phase.shrink),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])


@FUZZ
@given(update=mutated(telegram_update()))
def test_fuzzed_telegram_updates(world: World, update: dict[str, Any]) -> None:
    if type(update.get("update_id")) is int and 0 <= update["update_id"] <= 10**5:
        update["update_id"] = next(UNIQUE)  # hypothesis favours small ids: all duplicates
    raw = json.dumps(update, ensure_ascii=False).encode("utf-8", "surrogatepass")
    check(world, "/webhook/telegram", {TELEGRAM_SECRET_HEADER: SECRET, "Content-Type": "application/json"}, raw)


@FUZZ
@given(body=mutated(line_body))
def test_fuzzed_line_event_batches(world: World, body: dict[str, Any]) -> None:
    events = body.get("events") if isinstance(body, dict) else None
    for event in events if isinstance(events, list) else []:
        if isinstance(event, dict) and isinstance(event.get("webhookEventId"), str) \
                and len(event["webhookEventId"]) < 4:
            event["webhookEventId"] = f"01FUZZ{next(UNIQUE)}"
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    check(world, "/webhook/line", {LINE_SIGNATURE_HEADER: world.line.sign(raw), "Content-Type": "application/json"}, raw)


def test_after_the_fuzz_the_service_still_files_a_case(world: World) -> None:
    """The service the fuzz pounded on is still whole: a citizen files a case on it."""
    from tests.e2e.hostile import telegram_text_update

    started = time.monotonic()
    chat = 987654321
    steps = ["/start", "📝 ร้องเรียน"]
    for n, text in enumerate(steps):
        raw = json.dumps(telegram_text_update(10**12 + n, chat, text)).encode()
        assert world.post("/webhook/telegram", raw, {TELEGRAM_SECRET_HEADER: SECRET}) == 200

    assert rows(world.db, "SELECT step FROM conversations WHERE platform = 'telegram' "
                          "AND chat_id = ?", (str(chat),)) == [("g.category",)]
    assert time.monotonic() - started < 10
