"""Settings from the environment (or a ``.env`` file), checked once at start-up.

The names are part of the product: operators and their tools rely on them. A wrong or
missing value stops start-up with one line naming it (:class:`SettingsError`).
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values


class SettingsError(ValueError):
    """A setting is wrong or missing; the message names it."""


_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None
    telegram_webhook_secret: str | None
    telegram_api_base_url: str
    telegram_mode: Literal["webhook", "polling"]
    telegram_webhook_url: str | None
    line_channel_secret: str | None
    line_channel_access_token: str | None
    line_api_host: str | None
    host: str
    port: int
    database_path: Path
    media_dir: Path
    municipality_config: Path | None
    public_base_url: str | None
    sandbox_port: int
    log_level: str
    # AES key sealing an anonymous reporter's address and messages: a file apart from the
    # database (made on first start); in production keep it off the database's disk and
    # out of its backups.
    seal_key_file: Path
    # A step's one reply rides in the webhook's answer (a Bot API call with no request of its
    # own; Telegram reports no result for it): see TELEGRAM_REPLY_IN_ANSWER in .env.example.
    telegram_reply_in_answer: bool

    @property
    def line_enabled(self) -> bool:
        return self.line_channel_secret is not None

    @property
    def sandbox(self) -> bool:
        """No platform configured: serve the local emulations instead of the real platforms."""
        return self.telegram_bot_token is None and not self.line_enabled

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 env_file: str | Path | None = ".env") -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over the ``.env`` file."""
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = values.get(name, "").strip()
            return value or default

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and not _TOKEN.match(token):
            raise SettingsError("TELEGRAM_BOT_TOKEN does not look like a bot token "
                                "(digits, a colon, then letters): check it with @BotFather")
        mode = get("TELEGRAM_MODE", "webhook")
        if mode not in ("webhook", "polling"):
            raise SettingsError(f"TELEGRAM_MODE must be 'webhook' or 'polling', not {mode!r}")
        secret = get("TELEGRAM_WEBHOOK_SECRET")
        if secret is not None and not _SECRET.match(secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of "
                                "A-Z, a-z, 0-9, _ and -")
        if token is not None and mode == "webhook" and secret is None:
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET is required in webhook mode: "
                                "without it anyone could post forged updates")
        webhook_url = get("TELEGRAM_WEBHOOK_URL")
        if webhook_url is not None and not webhook_url.startswith("https://"):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must start with https:// "
                                "(Telegram delivers webhooks only over HTTPS)")
        base_url = get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot")
        if not base_url.startswith(("http://", "https://")):
            raise SettingsError("TELEGRAM_API_BASE_URL must be an http(s) URL")
        line_secret = get("LINE_CHANNEL_SECRET")
        line_token = get("LINE_CHANNEL_ACCESS_TOKEN")
        if (line_secret is None) != (line_token is None):
            missing = "LINE_CHANNEL_ACCESS_TOKEN" if line_token is None else "LINE_CHANNEL_SECRET"
            raise SettingsError(f"{missing} is required when the other LINE setting is set "
                                "(both are on the channel's page in the LINE Developers console)")
        line_host = get("LINE_API_HOST")
        if line_host is not None and not line_host.startswith(("http://", "https://")):
            raise SettingsError("LINE_API_HOST must be an http(s) URL")
        public = get("PUBLIC_BASE_URL")
        if public is not None and not public.startswith(("https://", "http://127.0.0.1",
                                                         "http://localhost")):
            raise SettingsError("PUBLIC_BASE_URL must start with https:// (LINE fetches "
                                "images only over HTTPS)")
        in_answer = get("TELEGRAM_REPLY_IN_ANSWER", "yes").lower()
        if in_answer not in ("yes", "no", "true", "false", "1", "0"):
            raise SettingsError(f"TELEGRAM_REPLY_IN_ANSWER must be yes or no, not {in_answer!r}")
        database = Path(get("DATABASE_PATH", "data/rongrian.db"))  # type: ignore[arg-type]
        config = get("MUNICIPALITY_CONFIG")
        if config is not None and not Path(config).is_file():
            raise SettingsError(f"MUNICIPALITY_CONFIG points to {config}, which is not a file")
        return cls(
            telegram_bot_token=token,
            telegram_webhook_secret=secret,
            telegram_api_base_url=base_url,
            telegram_mode=mode,  # type: ignore[arg-type]
            telegram_webhook_url=webhook_url,
            line_channel_secret=line_secret,
            line_channel_access_token=line_token,
            line_api_host=line_host.rstrip("/") if line_host else None,
            host=get("HOST", "127.0.0.1"),  # type: ignore[arg-type]
            port=_port("PORT", get("PORT", "8080")),
            database_path=database,
            media_dir=Path(get("MEDIA_DIR", "data/media")),  # type: ignore[arg-type]
            municipality_config=Path(config) if config else None,
            public_base_url=public.rstrip("/") if public else None,
            sandbox_port=_port("SANDBOX_PORT", get("SANDBOX_PORT", "8081")),
            log_level=_log_level(get("LOG_LEVEL", "INFO")),  # type: ignore[arg-type]
            seal_key_file=Path(get("SEAL_KEY_FILE") or database.parent / "seal.key"),
            telegram_reply_in_answer=in_answer in ("yes", "true", "1"),
        )


def _port(name: str, value: str | None) -> int:
    try:
        port = int(value or "")
    except ValueError:
        raise SettingsError(f"{name} must be a port number, not {value!r}") from None
    if not 0 <= port <= 65535:
        raise SettingsError(f"{name} must be between 0 and 65535, not {port}")
    return port


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {value!r}")
    return level
