"""Settings from the environment and a ``.env`` file, and the one-line start-up error."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "a-good_secret-123"


def settings(**env: str) -> Settings:
    return Settings.from_env(env, env_file=None)


def test_defaults_when_empty() -> None:
    s = settings()
    assert s.sandbox is True
    assert s.telegram_bot_token is None
    assert s.telegram_mode == "webhook"
    assert s.port == 8080
    assert s.sandbox_port == 8081
    assert s.host == "127.0.0.1"
    assert s.database_path == Path("data/rongrian.db")
    assert s.media_dir == Path("data/media")
    assert s.municipality_config is None
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.log_level == "INFO"


def test_token_and_secret_leave_the_sandbox() -> None:
    s = settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET, PORT="9000",
                 LOG_LEVEL="debug")
    assert s.sandbox is False
    assert (s.telegram_bot_token, s.telegram_webhook_secret) == (TOKEN, SECRET)
    assert s.port == 9000
    assert s.log_level == "DEBUG"


def test_env_file_is_read_and_environ_overrides_it(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9001\nHOST=0.0.0.0\nDATABASE_PATH=/srv/bot.db\n", encoding="utf-8")
    s = Settings.from_env({"PORT": "9002"}, env_file=env_file)
    assert s.port == 9002  # the real environment wins
    assert s.host == "0.0.0.0"
    assert s.database_path == Path("/srv/bot.db")


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert Settings.from_env({}, env_file=tmp_path / "absent.env").port == 8080


def test_reply_in_answer_is_on_unless_turned_off() -> None:
    assert settings().telegram_reply_in_answer is True
    for off in ("no", "NO", "false", "0"):
        assert settings(TELEGRAM_REPLY_IN_ANSWER=off).telegram_reply_in_answer is False
    assert settings(TELEGRAM_REPLY_IN_ANSWER="yes").telegram_reply_in_answer is True
    with pytest.raises(SettingsError, match="TELEGRAM_REPLY_IN_ANSWER must be yes or no"):
        settings(TELEGRAM_REPLY_IN_ANSWER="sometimes")


def test_webhook_mode_requires_secret_with_a_token() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        settings(TELEGRAM_BOT_TOKEN=TOKEN)


def test_polling_mode_needs_no_secret() -> None:
    s = settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_MODE="polling")
    assert s.telegram_mode == "polling"
    assert s.telegram_webhook_secret is None


@pytest.mark.parametrize(("env", "name"), [
    ({"TELEGRAM_MODE": "carrier-pigeon"}, "TELEGRAM_MODE"),
    ({"PORT": "abc"}, "PORT"),
    ({"PORT": "70000"}, "PORT"),
    ({"SANDBOX_PORT": "-1"}, "SANDBOX_PORT"),
    ({"TELEGRAM_BOT_TOKEN": "not-a-token", "TELEGRAM_WEBHOOK_SECRET": SECRET},
     "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_BOT_TOKEN": "123:short", "TELEGRAM_WEBHOOK_SECRET": SECRET},
     "TELEGRAM_BOT_TOKEN"),
    ({"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"TELEGRAM_WEBHOOK_SECRET": "x" * 257}, "TELEGRAM_WEBHOOK_SECRET"),
    ({"TELEGRAM_WEBHOOK_URL": "http://example.org/webhook"}, "TELEGRAM_WEBHOOK_URL"),
    ({"TELEGRAM_API_BASE_URL": "ftp://example.org/bot"}, "TELEGRAM_API_BASE_URL"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
])
def test_bad_values_name_the_setting(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError) as info:
        settings(**env)
    message = str(info.value)
    # Starts with the name, so "PORT" is not satisfied by a message about "SANDBOX_PORT".
    assert message.startswith(f"{name} ")
    assert "\n" not in message


def test_municipality_config_must_be_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(SettingsError, match="MUNICIPALITY_CONFIG") as info:
        settings(MUNICIPALITY_CONFIG=str(missing))
    assert str(missing) in str(info.value)


def test_municipality_config_existing_file(tmp_path: Path) -> None:
    config = tmp_path / "muni.toml"
    config.write_text("", encoding="utf-8")
    assert settings(MUNICIPALITY_CONFIG=str(config)).municipality_config == config


def test_bad_setting_stops_python_m_bot_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "TELEGRAM_MODE": "carrier-pigeon"},
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_MODE" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # it stopped before creating anything
