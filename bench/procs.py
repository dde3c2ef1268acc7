"""Server subprocesses: start, wait until healthy, read CPU and memory from /proc, stop.

Every process started here is stopped by its own pid (SIGTERM, then SIGKILL after a bound),
and :func:`stop_all` is called on the way out of every benchmark whatever happens.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

CLK_TCK = os.sysconf("SC_CLK_TCK")
_RUNNING: list[Server] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int | str = "self") -> float:
    """utime + stime of one process (not its children), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid: int | str, key: str) -> int:
    """A ``VmHWM``/``VmRSS`` line of /proc/PID/status, in kB (0 if the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    proc: asyncio.subprocess.Process | None = None
    log_path: Path | None = None
    started_at: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def start(self, ready_timeout: float = 40.0) -> None:
        self.cwd.mkdir(parents=True, exist_ok=True)
        self.log_path = self.cwd / f"{self.name}.log"
        log = open(self.log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_"))}
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, cwd=str(self.cwd), env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=log, stderr=asyncio.subprocess.STDOUT)
        log.close()
        _RUNNING.append(self)
        self.started_at = time.monotonic()
        deadline = time.monotonic() + ready_timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: "
                                       f"{self.tail()}")
                try:
                    async with session.get(f"{self.url}/healthz",
                                           timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            return
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    await self.stop()
                    raise RuntimeError(f"{self.name} not healthy after {ready_timeout}s: "
                                       f"{self.tail()}")
                await asyncio.sleep(0.1)

    def tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def hwm_kb(self) -> int:
        return status_kb(self.pid, "VmHWM")

    def rss_kb(self) -> int:
        return status_kb(self.pid, "VmRSS")

    async def stop(self, grace: float = 15.0) -> int | None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            if self in _RUNNING:
                _RUNNING.remove(self)
            return proc.returncode if proc else None
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            proc.kill()
            await asyncio.wait_for(proc.wait(), 5)
        if self in _RUNNING:
            _RUNNING.remove(self)
        return proc.returncode


async def stop_all() -> None:
    for server in list(_RUNNING):
        await server.stop(grace=5.0)


def kill_all_sync() -> None:
    """Last resort (interpreter exit): SIGKILL whatever is still running, by pid."""
    for server in list(_RUNNING):
        proc = server.proc
        if proc is not None and proc.returncode is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
