"""``python -m bot`` as a new user runs it: no tokens, so the sandbox starts, prints the chat
page's address, and the bot answers there; SIGTERM stops it cleanly."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def first_answer(http: aiohttp.ClientSession, chat: str, body: dict) -> list[dict]:
    """Do what the sandbox page does: send, then poll until the bot has answered."""
    async with http.post(f"{chat}/send", json=body) as resp:
        assert (await resp.json())["delivered"] is True
    for _ in range(100):
        async with http.get(f"{chat}/messages") as resp:
            bot = [m for m in (await resp.json())["messages"] if m["from"] == "bot"]
        if bot:
            return bot
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer in {chat}")


async def test_python_m_bot_without_tokens_serves_the_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_"))}
    env.update(PORT=str(free_port()), SANDBOX_PORT=str(free_port()), LOG_LEVEL="INFO")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        match = re.match(r"rongrian sandbox: chat with the bot at (http://127\.0\.0\.1:\d+/) "
                         r"\(Telegram\) and (\S+/line) \(LINE\)$", line.strip())
        assert match, line
        page, line_page = match.groups()
        async with aiohttp.ClientSession() as http:
            for url, title in ((page, "rongrian sandbox · Telegram"),
                               (line_page, "rongrian sandbox · LINE")):
                async with http.get(url) as resp:
                    assert resp.status == 200
                    assert title in await resp.text()
            (menu,) = await first_answer(http, f"{page}sandbox/telegram/chats/731946",
                                         {"text": "/start", "language_code": "th"})
            assert menu["text"].startswith("สวัสดีค่ะ ยินดีต้อนรับ")
            user = "U" + "5" * 32  # a LINE user adds the Official Account
            (menu,) = await first_answer(http, f"{page}sandbox/line/users/{user}",
                                         {"follow": True})
            assert menu["text"].startswith("สวัสดีค่ะ ยินดีต้อนรับ") and menu["via"] == "reply"
        assert (tmp_path / "data" / "rongrian.db").is_file()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 15)
    stderr = (await proc.stderr.read()).decode()
    assert code == 0, stderr
    assert "Traceback" not in stderr
    # No chat id in the log at INFO (one no timestamp or port could contain by chance).
    assert "731946" not in stderr
