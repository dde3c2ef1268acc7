"""Receipt codes: the only key to an anonymous report, and the guard against guessing them.

A code is 16 digits from :mod:`secrets` (53 bits), read out in groups of four. Only its
Argon2id hash is stored, under one installation-wide salt so that a typed code finds its
report with one hash and one index lookup. The code is shown to the reporter once; it is
never logged, never written to the database, and a text that contains it is refused.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

from argon2.low_level import Type, hash_secret_raw

DIGITS = 16
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = re.compile(r"[\s\-.·_/]+")

# OWASP's Argon2id minimum (m=19 MiB, t=2, p=1): ~20 ms a guess, for us and for a thief.
TIME_COST, MEMORY_KIB, PARALLELISM = 2, 19 * 1024, 1


def new_code() -> str:
    return f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"


def display(code: str) -> str:
    """``1234 5678 9012 3456``: four groups, read aloud or copied by hand."""
    return " ".join(code[i:i + 4] for i in range(0, DIGITS, 4))


def parse(text: str) -> str | None:
    """The code in what a reporter typed (spaces, dashes, Thai digits allowed), or None."""
    digits = _SEPARATORS.sub("", text.translate(_THAI_DIGITS))
    return digits if len(digits) == DIGITS and digits.isascii() and digits.isdigit() else None


def contains(text: str, code: str) -> bool:
    """Whether ``text`` holds ``code`` anywhere, however it is spaced or written."""
    return code in _SEPARATORS.sub("", text.translate(_THAI_DIGITS))


def digest(code: str, salt: bytes) -> str:
    raw = hash_secret_raw(code.encode(), salt, time_cost=TIME_COST, memory_cost=MEMORY_KIB,
                          parallelism=PARALLELISM, hash_len=32, type=Type.ID)
    return raw.hex()


# -- guessing ------------------------------------------------------------------------------
FREE_TRIES = 3  # typos happen
LOCK_AFTER = 10
LOCK_SECONDS = 3600.0


@dataclass
class _Tries:
    failed: int = 0
    wait_until: float = 0.0
    since: float = 0.0  # when the first of these failures was
    seen: float = field(default_factory=time.monotonic)


WINDOW = 24 * 3600.0  # failures count for a day; a right code does not wipe them


class Guard:
    """Wrong codes per chat, in memory only (a record of who tried codes would itself
    point at reporters): after three in a day, each try waits twice as long as the last;
    after ten the chat is locked out for an hour. A right code does not clear the count:
    anyone can file a report and hold a right code, and must not earn fresh tries with it."""

    def __init__(self) -> None:
        self._tries: dict[tuple[str, str], _Tries] = {}

    def wait(self, chat: tuple[str, str], now: float) -> float:
        """Seconds this chat must still wait before a code is checked (0: go ahead)."""
        tries = self._tries.get(chat)
        return max(0.0, tries.wait_until - now) if tries else 0.0

    def failed(self, chat: tuple[str, str], now: float) -> float:
        """Count a wrong code; the seconds to wait before the next try."""
        tries = self._tries.setdefault(chat, _Tries(since=now))
        if now - tries.since > WINDOW:
            tries.failed, tries.since = 0, now
        tries.failed += 1
        tries.seen = time.monotonic()
        if tries.failed >= LOCK_AFTER:
            delay = LOCK_SECONDS
        elif tries.failed >= FREE_TRIES:
            delay = 5.0 * 2 ** (tries.failed - FREE_TRIES)
        else:
            delay = 0.0
        tries.wait_until = now + delay
        return delay

    def locked(self, chat: tuple[str, str]) -> bool:
        """Whether the wait is the lock-out (not a growing delay)."""
        tries = self._tries.get(chat)
        return tries is not None and tries.failed >= LOCK_AFTER

    def forget_idle(self, older_than: float = 24 * 3600.0) -> None:
        cutoff = time.monotonic() - older_than
        for chat in [c for c, t in self._tries.items() if t.seen < cutoff]:
            del self._tries[chat]
