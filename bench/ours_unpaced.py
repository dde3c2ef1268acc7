"""``python -m bot`` with the Telegram delivery pacing replaced: a benchmark-only launcher.

The product has no setting for its Telegram pacing (``bot/delivery.py`` TELEGRAM_PACING: 1
message/s per chat, 30/s overall); ``Service`` takes it as an argument, so this launcher
builds the same ``Service`` that ``python -m bot`` builds (same settings from the environment,
same logging) and passes another ``Pacing``:

    BENCH_PER_CHAT_INTERVAL  seconds between two messages to one chat (default 0)
    BENCH_PER_SECOND         messages per second overall (default 1000000: no cap)
    BENCH_CONCURRENCY        sends in flight at once (default: bot/service.py's
                             API_CONNECTIONS, 64, the connection pool; the product's 16
                             is sized for 30 messages/s)

and its flood gate lifted too (``handlers/limits.py``: 20 messages, then 1 a second per
chat): a robot citizen with no think time files its third grievance faster than that, and the
gate would drop its steps unanswered, as it should a person's flood.

``BENCH_WHATIF=flag,…`` also applies the what-if patches of bench/whatif.py (experiments to
size a proposed product change; off by default).

Everything else (webhook, engine, SQLite, outbox, delivery worker, PTB's HTTP client) is
the product's own code, unchanged. Stops on SIGTERM/SIGINT like ``python -m bot``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import sys

from bot.delivery import TELEGRAM_PACING
from bot.service import API_CONNECTIONS, Service
from bot.settings import Settings, SettingsError
from handlers.limits import FloodGate


async def serve(settings: Settings) -> None:
    if os.environ.get("BENCH_WHATIF"):
        import whatif  # bench/ is sys.path[0] when run as a script

        flags = whatif.apply(os.environ["BENCH_WHATIF"])
        print(f"what-if patches: {sorted(flags)}", flush=True)
    lifted = {"per_chat_interval": float(os.environ.get("BENCH_PER_CHAT_INTERVAL", "0")),
              "per_second": int(os.environ.get("BENCH_PER_SECOND", "1000000")),
              # Sends in flight are part of the pace: the product's 16 carry 30/s even at
              # half a second a send; lifting the rate but not them left the worker to send
              # a step's second message seconds late at 200 citizens (p99 2.8 s, 0.8 s now).
              "concurrency": int(os.environ.get("BENCH_CONCURRENCY", str(API_CONNECTIONS)))}
    if "per_group_interval" in {f.name for f in dataclasses.fields(TELEGRAM_PACING)}:
        lifted["per_group_interval"] = lifted["per_chat_interval"]  # groups: not benchmarked
    pacing = dataclasses.replace(TELEGRAM_PACING, **lifted)
    service = Service(settings, webhook_url=settings.telegram_webhook_url, pacing=pacing,
                      flood=FloodGate(burst=1_000_000))
    await service.start()
    print(f"rongrian (bench pacing {pacing.per_chat_interval}s/chat, {pacing.per_second}/s): "
          f"serving on {service.url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await service.stop()


def main() -> int:
    try:
        settings = Settings.from_env(env_file=None)
    except SettingsError as exc:
        print(f"rongrian: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(serve(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
