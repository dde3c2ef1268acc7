"""python-telegram-bot's HTTP transport on aiohttp, the HTTP library the service already runs.

PTB's default transport (httpx) costs several times aiohttp's CPU per Bot API call, and the
bot makes one or two calls per update: the profile of ``python -m bench`` put a third of our
CPU there. PTB keeps everything else (building requests, parsing answers, its errors); only
the bytes travel differently, over keep-alive connections, and as one JSON body (which the
Bot API accepts for every call without a file) instead of a form whose every field is JSON
percent-encoded: Thai text grows ninefold that way, and encoding it cost more than the call.
"""
from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's own defaults (HTTPXRequest): 5 s to connect, read and write; 20 s to send a file.
CONNECT, READ, WRITE, MEDIA_WRITE = 5.0, 5.0, 5.0, 20.0


def _seconds(value: object, default: float | None) -> float | None:
    if isinstance(value, DefaultValue):
        return default
    return float(value) if isinstance(value, int | float) else None


class AiohttpRequest(BaseRequest):
    def __init__(self, connection_pool_size: int = 16, read_timeout: float | None = READ
                 ) -> None:
        self._pool = max(1, connection_pool_size)
        self._read = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """One Bot API call: a JSON body, or a multipart form when it carries a file.
        Timeouts as PTB's: connecting, and each read or write on the socket."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data is not None and request_data.contains_files
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for key, value in request_data.json_parameters.items():
                    form.add_field(key, value)
                for key, (name, content, mime) in request_data.multipart_data.items():
                    form.add_field(key, content, filename=name, content_type=mime)
                data = form
            else:
                data = json.dumps(request_data.parameters, ensure_ascii=False,
                                  separators=(",", ":")).encode()
                headers = {"Content-Type": "application/json"}
        read = _seconds(read_timeout, self._read)
        write = _seconds(write_timeout, MEDIA_WRITE if files else WRITE)
        timeout = aiohttp.ClientTimeout(  # the pool is sized to the sends in flight
            total=None, sock_connect=_seconds(connect_timeout, CONNECT),
            sock_read=max(t for t in (read, write) if t is not None)
            if read is not None or write is not None else None)
        try:
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as resp:
                return resp.status, await resp.read()
        except asyncio.TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
