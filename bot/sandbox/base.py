"""What the Telegram and LINE emulations share: listening on loopback, posting webhooks,
recording the bot's calls, and the faults a test can tell them to inject."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web


@dataclass
class Fault:
    """Answer the next ``count`` calls of ``method`` (any method when None) this way:
    after ``delay`` seconds, with HTTP ``status`` (None: answer normally, only late)."""

    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    delay: float = 0.0
    count: int = 1


@dataclass
class Faults:
    pending: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        self.pending.append(fault)

    def clear(self) -> None:
        self.pending.clear()

    def take(self, method: str) -> Fault | None:
        """The fault that applies to this call of ``method``, if any (used up as it applies)."""
        for fault in self.pending:
            if fault.method in (None, method):
                fault.count -= 1
                if fault.count <= 0:
                    self.pending.remove(fault)
                return fault
        return None


@dataclass
class Call:
    """One API call the bot made, as the platform saw it."""

    method: str
    params: dict
    at: float
    status: int
    headers: dict = field(default_factory=dict)


def new_app() -> web.Application:
    return web.Application(client_max_size=25 * 1024 * 1024)


async def listen(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on ``host:port`` (0 picks a free port); return the runner and base URL."""
    # Cancel a handler whose client went away (a bot stopped during a long poll).
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                           shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sock = site._server.sockets[0]  # type: ignore[union-attr]
    return runner, f"http://{host}:{sock.getsockname()[1]}"


class Emulator:
    """A platform on loopback: ``app`` is its aiohttp application, ``url`` where it listens."""

    def __init__(self, app: web.Application | None = None) -> None:
        """Serve on ``app`` when given (the sandbox puts both platforms on one server)."""
        self.faults = Faults()
        self.calls: list[Call] = []
        self.url = ""
        self.app = app if app is not None else new_app()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._changed = asyncio.Condition()

    def messages(self, chat: Any) -> list[dict[str, Any]]:
        """The bot's messages in one chat, as the sandbox page shows them."""
        raise NotImplementedError

    async def changed(self) -> None:
        """Wake whoever waits on a chat (a message sent or edited, an update queued)."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, chat: Any, count: int, *, timeout: float = 10.0
                       ) -> list[dict[str, Any]]:
        """Wait until the bot has sent ``count`` messages to ``chat`` in all; return them."""
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.messages(chat)) >= count)
        try:
            await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            got = [m.get("text") or m.get("altText") for m in self.messages(chat)]
            raise AssertionError(f"{chat}: wanted {count} bot messages, got {got}") from None
        return self.messages(chat)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 picks a free port); return the base URL."""
        self._runner, self.url = await listen(self.app, host, port)
        return self.url

    async def go_offline(self) -> None:
        """The platform is unreachable: stop listening, so every call is refused at
        connect (the citizen's side, which posts webhooks, keeps working)."""
        assert self._runner is not None
        for site in list(self._runner.sites):
            await site.stop()
        # A stopped site only stops listening: keep-alive connections would still be served.
        if self._runner.server is not None:
            for connection in list(self._runner.server.connections):
                connection.force_close()

    async def go_online(self) -> None:
        """Listen again, on the same address as before."""
        assert self._runner is not None
        host, _, port = self.url.removeprefix("http://").rpartition(":")
        await web.TCPSite(self._runner, host, int(port)).start()

    async def close(self) -> None:
        """Close the client that posts webhooks."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def stop(self) -> None:
        await self.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str | None = None, status: int | None = 500, *,
             retry_after: int | None = None, delay: float = 0.0, count: int = 1) -> None:
        """Make the next ``count`` calls of ``method`` fail (or only be slow, status None)."""
        self.faults.add(Fault(method, status, retry_after, delay, count))

    async def apply_fault(self, method: str) -> Fault | None:
        """Sleep out the fault's delay; return it when it also changes the answer."""
        fault = self.faults.take(method)
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return fault if fault.status is not None else None

    async def post_webhook(self, url: str, body: bytes, headers: dict[str, str]
                           ) -> tuple[int, bytes]:
        """POST a webhook the way the platform does; the HTTP status (0 if unreachable)
        and the answer's body."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(url, data=body, headers=headers,
                                          timeout=aiohttp.ClientTimeout(total=60)) as resp:
                return resp.status, await resp.read()
        except aiohttp.ClientError:
            return 0, b""
