"""Logging: our own records at the level asked for, the libraries' held at WARNING.

The libraries log what they send and receive at DEBUG (python-telegram-bot every method's
parameters and result, with chat ids, names and texts; httpx every URL, with the bot token;
aiosqlite, which the backup command uses, every SQL statement with its parameters).
LOG_LEVEL=DEBUG is for our code; it must never put a citizen, let alone an anonymous
reporter, in a log file.
"""
from __future__ import annotations

import logging

LIBRARIES = ("telegram", "linebot", "httpx", "httpcore", "aiohttp.client", "urllib3",
             "aiosqlite", "matplotlib", "PIL", "asyncio")


def quiet_libraries() -> None:
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
