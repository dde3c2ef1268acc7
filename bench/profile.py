"""Summarize a py-spy ``--format raw`` profile of our server into where the CPU goes.

py-spy samples every thread; coroutine stacks are cut at some await boundaries, so each
sample is put in the first bucket whose marker appears anywhere in its stack (buckets in the
order below), which attributes library frames to the work that called them.

    python -m bench.profile /path/ours.raw
"""
from __future__ import annotations

import collections
import inspect
import re
import sys
from pathlib import Path

# (bucket, markers): first match wins
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Bot API calls: bot/transport.py + aiohttp client (PTB only for photos, polling)",
     ("TelegramChannel._call", "telegram/request", "telegram/_bot.py", "bot/transport.py",
      "aiohttp/client", "aiohttp/connector")),
    ("storage/: SQLite statements and commits", ("storage/", "aiosqlite/")),
    ("engine + flows (handlers/)", ("handlers/",)),
    ("delivery worker scheduling (bot/delivery.py)", ("bot/delivery.py",)),
    ("our webhook/channel code (bot/telegram.py)", ("bot/telegram.py",)),
    ("aiohttp server: parse requests, write responses", ("aiohttp/",)),
    ("json", ("json/",)),
    ("asyncio event loop: select, callbacks, transports", ("asyncio/", "selectors.py")),
)
_EXEC_LINE: int | None = None


def _sqlite_exec_line() -> int | None:
    """The line of aiosqlite's worker thread that runs a statement (``result = function()``)."""
    global _EXEC_LINE
    if _EXEC_LINE is None:
        try:
            import aiosqlite.core as core
            lines, start = inspect.getsourcelines(core._connection_worker_thread)
            for i, text in enumerate(lines):
                if "function()" in text:
                    _EXEC_LINE = start + i
                    break
        except (ImportError, AttributeError, OSError, TypeError):
            pass
    return _EXEC_LINE


def classify(frames: list[str]) -> str:
    stack = ";".join(frames)
    for name, markers in BUCKETS:
        if any(m in stack for m in markers):
            return name
    return "other"


def summarize(path: Path | str, top_self: int = 12) -> str:
    main: collections.Counter[str] = collections.Counter()
    sqlite: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    exec_line = _sqlite_exec_line()
    for line in Path(path).read_text(errors="replace").splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        frames = stack.split(";")
        thread, frames = frames[0], frames[1:]
        if "_connection_worker_thread" in stack:
            worker = [f for f in frames if f.startswith("_connection_worker_thread (")]
            running = bool(worker) and exec_line is not None and worker[-1].endswith(
                f"core.py:{exec_line})")
            sqlite["executing SQL (sqlite3, GIL released)" if running
                   else "waiting for work / handing back results"] += n
            continue
        if "MainThread" not in thread:
            continue
        main[classify(frames)] += n
        if frames:
            leaves[re.sub(r":\d+\)", ")", frames[-1])] += n
    total = sum(main.values()) or 1
    out = [f"main thread: {sum(main.values())} samples (100%)"]
    for name, n in main.most_common():
        out.append(f"  {100 * n / total:5.1f}%  {name}")
    if sqlite:
        out.append("aiosqlite thread (same scale as the main thread):")
        for name, n in sqlite.most_common():
            out.append(f"  {100 * n / total:5.1f}%  {name}")
    out.append("hottest functions (self time, main thread):")
    for name, n in leaves.most_common(top_self):
        out.append(f"  {100 * n / total:5.1f}%  {name}")
    return "\n".join(out)


if __name__ == "__main__":
    print(summarize(sys.argv[1]))
