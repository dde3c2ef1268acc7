"""The servers under test, each started as its own process against an emulator's Bot API."""
from __future__ import annotations

import sys
from pathlib import Path

from bench.flows import BARE, BASELINE, OURS, SECRET, TOKEN, Profile
from bench.procs import Server, free_port

BENCH = Path(__file__).resolve().parent

# name → (profile, how to start it, extra environment)
KINDS: dict[str, tuple[Profile, list[str], dict[str, str]]] = {
    # The product exactly as an operator runs it.
    "ours-shipped": (OURS, [sys.executable, "-m", "bot"], {}),
    # The same Service with the delivery pacing lifted (bench/ours_unpaced.py): what the
    # engine, storage and delivery can do when Telegram's limits are not the bottleneck.
    "ours": (OURS, [sys.executable, str(BENCH / "ours_unpaced.py")], {}),
    "baseline": (BASELINE, [sys.executable, str(BENCH / "baseline_bot.py")], {}),
    "bare": (BARE, [sys.executable, str(BENCH / "bare_bot.py")], {}),
}


def make_server(kind: str, api_base_url: str, workdir: Path,
                extra_env: dict[str, str] | None = None) -> tuple[Server, Profile]:
    profile, argv, env = KINDS[kind]
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    environment = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_PATH": str(workdir / "bot.db"),
        "MEDIA_DIR": str(workdir / "media"),
        "PERSISTENCE_PATH": str(workdir / "persistence.pickle"),
        "LOG_LEVEL": "WARNING",
        **env,
        **(extra_env or {}),
    }
    return Server(kind, argv, environment, workdir, port), profile
