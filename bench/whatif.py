"""What-if experiments: monkeypatches applied to the product's classes INSIDE the benchmark's
server process only (bench/ours_unpaced.py, ``BENCH_WHATIF=a,b,c``), to measure what a
proposed product change would gain before anyone writes it. Nothing here is product code,
and none of it is safe as is (see each patch for what a real change must also handle).

    noack         no answerCallbackQuery / editMessageText after a button press.
    batch         TelegramChannel.max_batch = 5: a step's messages to one chat go out in one
                  worker task, one after the other, instead of one tick per message (a real
                  change must mark each row sent as it goes, or a retry would repeat the first).
    timing        time the database lock and the delivery worker; printed to the log at exit.

Gone into the product since (2026-11-28): ``sniffio`` (httpx is off the path), ``syncsql``
(storage/db.py), ``nolinebot`` (bot/service.py), ``fastin`` (bot/telegram.py reads the
update's JSON), ``webhookreply`` (the reply in the webhook's answer, with what makes it
safe) and ``rawsend`` (bot/transport.py ``AiohttpRequest.call``).
"""
from __future__ import annotations

import atexit
import collections
import sys
from typing import Any

FLAGS: set[str] = set()


def _flags(spec: str) -> set[str]:
    return {f.strip() for f in spec.split(",") if f.strip()}


def apply(spec: str) -> set[str]:
    FLAGS.update(_flags(spec))
    unknown = FLAGS - {"noack", "timing", "batch"}
    if unknown:
        raise SystemExit(f"unknown BENCH_WHATIF flags: {sorted(unknown)}")
    from bot.telegram import TelegramChannel
    if "batch" in FLAGS:
        TelegramChannel.max_batch = 5
    if "noack" in FLAGS:
        TelegramChannel._acknowledge_press = _no_ack  # type: ignore[method-assign]
    if "timing" in FLAGS:
        _time_transactions()
        _time_worker()
        atexit.register(lambda: print(
            f"BENCH transactions: {TX['n']}, "
            f"lock wait {1000 * TX['wait'] / max(1, TX['n']):.2f} ms, "
            f"held {1000 * TX['held'] / max(1, TX['n']):.2f} ms on average; worker: "
            + ", ".join(f"{k} {v[0]}× {1000 * v[1] / max(1, v[0]):.1f} ms"
                        for k, v in WORKER.items()),
            file=sys.stderr, flush=True))
    return FLAGS


# -- noack -------------------------------------------------------------------------------
async def _no_ack(self: Any, query: Any, **_: Any) -> None:
    """The spinner would turn until Telegram gives up, and the old keyboard would stay."""


# -- timing ---------------------------------------------------------------
TX = {"n": 0, "wait": 0.0, "held": 0.0}


def _time_transactions() -> None:
    import contextlib
    import time

    from storage.db import Database
    original = Database.transaction

    @contextlib.asynccontextmanager
    async def timed(self):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        async with original(self) as tx:
            t1 = time.perf_counter()
            try:
                yield tx
            finally:
                TX["n"] += 1
                TX["wait"] += t1 - t0
                TX["held"] += time.perf_counter() - t1

    Database.transaction = timed  # type: ignore[method-assign]


WORKER: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])


def _time_worker() -> None:
    import time

    from bot.delivery import DeliveryWorker
    from storage import outbox
    tick, send, heads = DeliveryWorker._tick, DeliveryWorker._send, outbox.heads

    def timed(name: str, fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                WORKER[name][0] += 1
                WORKER[name][1] += time.perf_counter() - t0
        return wrapper

    DeliveryWorker._tick = timed("tick", tick)  # type: ignore[method-assign]
    DeliveryWorker._send = timed("send", send)  # type: ignore[method-assign]
    outbox.heads = timed("heads", heads)  # type: ignore[assignment]
    outbox.mark_sent = timed("mark_sent", outbox.mark_sent)  # type: ignore[assignment]


