"""``python -m bot`` as a real subprocess, against emulators running in the test process:
what an operator runs, so a test can SIGKILL or SIGTERM it and start it again."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from tests.e2e.conftest import LINE_SECRET, LINE_TOKEN, SECRET, TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(tmp: Path, emulator: TelegramEmulator, line: LineEmulator, *,
                database: Path | None = None, port: int | None = None) -> dict[str, str]:
    """The environment of ``python -m bot`` pointed at the emulators (no .env is read:
    the subprocess runs in ``tmp``, where there is none)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
               TELEGRAM_API_BASE_URL=emulator.api_base_url,
               LINE_CHANNEL_SECRET=LINE_SECRET, LINE_CHANNEL_ACCESS_TOKEN=LINE_TOKEN,
               LINE_API_HOST=line.url, PORT=str(port or free_port()),
               DATABASE_PATH=str(database or tmp / "rongrian.db"),
               MEDIA_DIR=str(tmp / "media"), LOG_LEVEL="WARNING")
    return env


class ServiceProcess:
    """One ``python -m bot``; :meth:`start` may be called again after it died."""

    def __init__(self, env: dict[str, str], cwd: Path,
                 emulator: TelegramEmulator | None = None, line: LineEmulator | None = None
                 ) -> None:
        self.env = env
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.stderr_path = cwd / "service.stderr"
        if emulator is not None:  # Telegram posts here (setWebhook is for https URLs only)
            emulator.webhook_url = f"{self.url}/webhook/telegram"
            emulator.webhook_secret = SECRET
        if line is not None:
            line.webhook_url = f"{self.url}/webhook/line"

    async def start(self, timeout: float = 30.0) -> None:
        """Start it and wait until ``/healthz`` answers."""
        self.starts += 1
        with open(self.stderr_path, "ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.cwd, env=self.env,
                stdout=asyncio.subprocess.DEVNULL, stderr=err)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with aiohttp.ClientSession() as http:
            while loop.time() < deadline:
                if self.proc.returncode is not None:
                    raise AssertionError(f"the service exited with {self.proc.returncode}: "
                                         f"{self.stderr()}")
                try:
                    async with http.get(f"{self.url}/healthz",
                                        timeout=aiohttp.ClientTimeout(total=1)) as resp:
                        if resp.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"the service did not answer within {timeout}s: {self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, sockets just close."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, and wait for the exit; its status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        """Whatever state it is in, make sure it is gone (a test's ``finally``)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()


async def run_cli(*args: str, env: dict[str, Any], cwd: Path, timeout: float = 30.0
                  ) -> tuple[int, str, str]:
    """``python -m bot ARGS``: exit status, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(), err.decode()
