"""The load driver: U citizens at once, over the real webhook, against the Telegram emulation.

Each citizen does one thing, waits for the bot's whole answer to it (as a person would),
then does the next; F grievances each. Latency of a step = from just before the emulator
POSTs the update to the bot's webhook, to the moment the emulator receives (records) the
last message the step expects. Every number is over ALL updates the driver sent.

The script, eight updates per grievance, grouped into the five steps of the core flow:

    #  update                                   core step     ours replies
    1  /start                                   start         1 (menu)
    2  press "📝 ร้องเรียน" (callback menu:file)  start         1 (categories)
    3  press a category (callback cat:flood)    category      1 (ask description)
    4  description text                         description   1 (ask location)
    5  share a location                         location      1 (ask photos)
    6  "ข้าม" (skip photos, reply keyboard)      confirm       1 (ask phone)
    7  "ข้าม" (skip phone, reply keyboard)       confirm       2 (thanks + summary)
    8  press "✅ ยืนยันส่งเรื่อง" (callback)       confirm       1 (acknowledgement)
"""
from __future__ import annotations

import asyncio
import collections
import json
import math
import time
from dataclasses import dataclass, field
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench.procs import Server, cpu_seconds
from bot.sandbox.base import Call
from bot.sandbox.telegram_api import BOT_ID, TelegramEmulator

TOKEN = "1000000001:BENCH-rongrian-token-abcdef"
SECRET = "bench-webhook-secret"
DESCRIPTION = "ท่อระบายน้ำหน้าตลาดสดอุดตัน น้ำท่วมขังทุกครั้งที่ฝนตก"
SKIP = "ข้าม"

# (label, core step, what the citizen does)
SCRIPT: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("1 /start", "start", {"text": "/start"}),
    ("2 menu:file", "start", {"callback": "menu:file"}),
    ("3 cat:flood", "category", {"callback": "cat:flood"}),
    ("4 description", "description", {"text": DESCRIPTION}),
    ("5 location", "location", {"location": (14.9236, 103.3)}),
    ("6 skip photos", "confirm", {"text": SKIP}),
    ("7 skip phone", "confirm", {"text": SKIP}),
    ("8 confirm", "confirm", {"callback": "confirm"}),
)
LABELS = tuple(s[0] for s in SCRIPT)


@dataclass(frozen=True)
class Profile:
    """What a server answers to the script: messages per update, and how to check them."""

    name: str
    webhook_path: str
    expect: tuple[int, ...]
    ack_marker: str | None  # the last reply of a grievance must contain it (None: not checked)
    validate: bool  # check that each button pressed was offered by the bot's last message


OURS = Profile("ours", "/webhook/telegram", (1, 1, 1, 1, 1, 1, 2, 1), "KS-", True)
BASELINE = Profile("baseline", "/webhook", (1,) * 8, "BL-", True)
BARE = Profile("bare", "/webhook", (1,) * 8, None, False)


class BenchTelegram(TelegramEmulator):
    """The product's Telegram emulation, with O(1) bookkeeping of the bot's messages per chat
    instead of waking every waiter on every message (which would make the harness the
    bottleneck at hundreds of chats), and a webhook client with a configurable pool."""

    def __init__(self, token: str, *, webhook_connections: int = 0, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        self.webhook_connections = webhook_connections
        self.bot_count: collections.Counter[int] = collections.Counter()
        self.last_bot: dict[int, dict[str, Any]] = {}
        self.waiters: dict[int, tuple[int, asyncio.Future[float]]] = {}
        self.keep_messages = True
        self.lose_answers = 0  # the next N webhook answers are lost, and their updates redelivered

    async def deliver(self, update: dict[str, Any], *, lose_answer: bool = False) -> int | None:
        if self.lose_answers > 0 and not lose_answer:
            # Telegram never reads our answer (nor a reply in it) and delivers the update again.
            self.lose_answers -= 1
            await super().deliver(update, lose_answer=True)
        return await super().deliver(update, lose_answer=lose_answer)

    async def _record(self, chat_id: int, message: dict[str, Any]) -> None:
        if self.keep_messages:
            self._chats[chat_id].messages.append(message)
        if message["from"]["id"] == BOT_ID:
            n = self.bot_count[chat_id] = self.bot_count[chat_id] + 1
            self.last_bot[chat_id] = message
            waiter = self.waiters.get(chat_id)
            if waiter is not None and n >= waiter[0] and not waiter[1].done():
                waiter[1].set_result(time.perf_counter())

    async def post_webhook(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        """The product's contract: (status, answer body) since the emulator carries out a
        method put in a webhook answer itself (``_method_in_answer``); an older emulator
        wanted the status only, and the bench then carried out such a method here."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.webhook_connections))
        try:
            async with self._session.post(url, data=body, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=60)) as resp:
                answer = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            status, answer = 0, b""
        if _EMULATOR_RUNS_ANSWERS:
            return status, answer
        if status == 200 and b'"method"' in answer:
            try:
                params = json.loads(answer)
            except ValueError:
                params = None
            if isinstance(params, dict) and isinstance(params.get("method"), str):
                method = params.pop("method")
                response = await self._answer(self.token, method, params)
                self.calls.append(Call(method, params, time.monotonic(), response.status,
                                       {"via": "webhook answer"}))
        return status


_EMULATOR_RUNS_ANSWERS = hasattr(TelegramEmulator, "_method_in_answer")


def _offered(message: dict[str, Any] | None) -> tuple[set[str], set[str]]:
    """Callback data of the inline buttons, and texts of the reply keyboard, of a message."""
    markup = (message or {}).get("_markup") or {}
    inline = {b.get("callback_data") for row in markup.get("inline_keyboard", []) for b in row}
    keys = {b.get("text") for row in markup.get("keyboard", []) for b in row}
    return inline, keys  # type: ignore[return-value]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class FlowResult:
    server: str
    users: int
    flows: int
    sent: int = 0  # webhook POSTs
    answered: int = 0  # updates whose whole expected answer arrived
    flows_done: int = 0  # grievances that went through all 8 updates with the right answers
    wall: float = 0.0  # first POST → last awaited reply
    latencies: dict[str, list[float]] = field(default_factory=dict)
    http_errors: int = 0  # webhook answered something other than 200
    timeouts: int = 0  # a step's answer did not arrive within step_timeout
    wrong: int = 0  # a button that was not offered, or a last reply without the reference
    lost: int = 0  # bot messages expected but never received (after settling)
    duplicated: int = 0  # bot messages received beyond those expected
    server_cpu: float = 0.0  # seconds of CPU the server process used during the run
    driver_cpu: float = 0.0  # seconds of CPU the driver+emulator process used
    peak_rss_kb: int = 0  # VmHWM of the server at the end of the run
    idle_rss_kb: int = 0  # VmRSS of the server before the load
    api_calls: dict[str, int] = field(default_factory=dict)
    stopped_by_deadline: bool = False
    note: str = ""
    expected: dict[int, int] = field(default_factory=dict, repr=False)  # chat → messages

    @property
    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    @property
    def updates_per_s(self) -> float:
        return self.answered / self.wall if self.wall else 0.0

    @property
    def flows_per_s(self) -> float:
        return self.flows_done / self.wall if self.wall else 0.0

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.server_cpu / self.sent if self.sent else math.nan

    @property
    def http_calls(self) -> int:
        """Bot API calls the bot made as HTTP requests (not those in webhook answers)."""
        return sum(n for method, n in self.api_calls.items() if "webhook answer" not in method)

    @property
    def errors(self) -> int:
        return self.http_errors + self.timeouts + self.wrong


async def drive(emu: BenchTelegram, server: Server, profile: Profile, users: int, flows: int,
                *, step_timeout: float = 30.0, max_seconds: float = 300.0, think: float = 0.0,
                chat_base: int = 10_000_000, settle: float = 1.5, finish_first: bool = False,
                hard_stop: bool = False, stagger: float = 0.0,
                on_step: Callable[[str, int, int, int, dict[str, Any] | None],
                                  Awaitable[None]] | None = None) -> FlowResult:
    """Play ``users`` citizens × ``flows`` grievances against ``server``; bounded in time by
    ``max_seconds`` (no new update after it; with ``finish_first``, not before the citizen's
    first grievance is complete, so every step is measured) and ``step_timeout`` per step.
    ``hard_stop``: at ``max_seconds`` abandon the steps still waiting (memory runs: no
    lost/dup accounting then). ``stagger``: citizen i starts i/U × stagger seconds late.
    ``on_step`` (for the self-check's controls) is awaited with ("before"|"after", citizen,
    flow, step, update) around each step, outside the timed part."""
    emu.webhook_url = server.url + profile.webhook_path
    emu.webhook_secret = SECRET
    result = FlowResult(profile.name, users, flows, latencies={label: [] for label in LABELS})
    expected: dict[int, int] = {}
    last_reply = [0.0]
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    stop_at = start + max_seconds

    async def citizen(i: int) -> None:
        chat = chat_base + i
        expected[chat] = 0
        if stagger:
            await asyncio.sleep(stagger * i / users)
        for f in range(flows):
            ok = True
            for k, (label, _core, action) in enumerate(SCRIPT):
                if time.perf_counter() > stop_at and not (finish_first and f == 0):
                    result.stopped_by_deadline = True
                    return
                if on_step is not None:
                    await on_step("before", i, f, k, None)
                kwargs: dict[str, Any] = {}
                if "callback" in action:
                    last = emu.last_bot.get(chat)
                    if profile.validate and action["callback"] not in _offered(last)[0]:
                        result.wrong += 1
                        ok = False
                    kwargs = {"callback_data": action["callback"],
                              "message_id": last["message_id"] if last else 0}
                elif "location" in action:
                    kwargs = {"location": action["location"]}
                else:
                    text = action["text"]
                    if (profile.validate and text == SKIP
                            and SKIP not in _offered(emu.last_bot.get(chat))[1]):
                        result.wrong += 1
                        ok = False
                    kwargs = {"text": text}
                expected[chat] += profile.expect[k]
                future: asyncio.Future[float] = loop.create_future()
                emu.waiters[chat] = (expected[chat], future)
                result.sent += 1
                t0 = time.perf_counter()
                update: dict[str, Any] | None = None
                try:
                    update, status = await emu.send(chat, **kwargs)
                except ValueError:  # a callback on a message the chat does not have
                    status = -1
                if status != 200:
                    result.http_errors += 1
                    ok = False
                try:
                    t1 = await asyncio.wait_for(future, step_timeout)
                except TimeoutError:
                    result.timeouts += 1
                    ok = False
                    continue
                finally:
                    emu.waiters.pop(chat, None)
                    if on_step is not None:
                        await on_step("after", i, f, k, update)
                result.answered += 1
                result.latencies[label].append(t1 - t0)
                last_reply[0] = max(last_reply[0], t1)
                if think:
                    await asyncio.sleep(think)
            if profile.ack_marker is not None:
                text = (emu.last_bot.get(chat) or {}).get("text") or ""
                if profile.ack_marker not in text:
                    result.wrong += 1
                    ok = False
            if ok:
                result.flows_done += 1

    result.idle_rss_kb = server.rss_kb()
    calls_before = len(emu.calls)
    cpu0, drv0 = server.cpu(), cpu_seconds()
    start = time.perf_counter()
    stop_at = start + max_seconds
    tasks = [asyncio.ensure_future(citizen(i)) for i in range(users)]
    if hard_stop:
        done, pending = await asyncio.wait(tasks, timeout=max_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            result.stopped_by_deadline = True
            result.note = f"{len(pending)} citizens abandoned mid-step at the window"
        for task in done:
            task.result()
    else:
        await asyncio.gather(*tasks)
    result.wall = (last_reply[0] or time.perf_counter()) - start
    # Settle: let late or duplicated messages arrive (quiet for `settle` s, at most 15 s).
    deadline = time.perf_counter() + 15
    seen, quiet_since = sum(emu.bot_count.values()), time.perf_counter()
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
        now_seen = sum(emu.bot_count.values())
        if now_seen != seen:
            seen, quiet_since = now_seen, time.perf_counter()
        elif time.perf_counter() - quiet_since >= settle:
            break
    result.server_cpu = server.cpu() - cpu0
    result.driver_cpu = cpu_seconds() - drv0
    result.peak_rss_kb = server.hwm_kb()
    result.expected = expected
    if not hard_stop:
        recount(emu, result)
    result.api_calls = dict(collections.Counter(
        c.method + (" (in webhook answer)" if c.headers.get("via") == "webhook answer" else "")
        + (f" → {c.status}" if c.status != 200 else "") for c in emu.calls[calls_before:]))
    return result


def recount(emu: BenchTelegram, result: FlowResult) -> None:
    """Lost and duplicated bot messages: expected per chat vs what the emulator received."""
    result.lost = result.duplicated = 0
    for chat, want in result.expected.items():
        got = emu.bot_count.get(chat, 0)
        result.lost += max(0, want - got)
        result.duplicated += max(0, got - want)
