"""python-telegram-bot's HTTP transport on aiohttp, the HTTP library the service already runs,
and the one way the service makes the calls it makes for every message.

PTB's default transport (httpx) costs several times aiohttp's CPU per Bot API call: the
profile of ``python -m bench`` put a third of our CPU there. Through :class:`AiohttpRequest`,
PTB keeps building its requests and parsing its answers for what it still does (webhook
registration, polling, photos up and down); the bytes travel over keep-alive connections, as
one JSON body (which the Bot API accepts for every call without a file) rather than a form
whose every field is JSON percent-encoded: Thai text grows ninefold that way.

The calls made for every message (send, edit, delete, answer a button) go through
:meth:`AiohttpRequest.call`: JSON out, JSON back, PTB's own error types. PTB's ``Bot`` turns
every parameter and every answer into its objects on the way, which cost more than the HTTP
call itself (``python -m bench.ladder``: 1.94 → 1.61 ms of CPU per update).
"""
from __future__ import annotations

import asyncio
import json
import math
import os
import time
from functools import partial
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData

# Opt in now to what PTB 23 will do anyway: time periods as timedelta (no deprecation warnings).
os.environ.setdefault("PTB_TIMEDELTA", "true")

# PTB's own defaults (HTTPXRequest): 5 s to connect, read and write; 20 s to send a file.
CONNECT, READ, WRITE, MEDIA_WRITE = 5.0, 5.0, 5.0, 20.0
_JSON = {"Content-Type": "application/json"}
# JSON as the Bot API is sent it: Thai as UTF-8 (a third of ``\uXXXX``'s size), no spaces.
compact_json = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


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
        self._call_timeout = aiohttp.ClientTimeout(  # for `call`: PTB's defaults
            total=None, sock_connect=CONNECT, sock_read=max(read_timeout or READ, WRITE))
        self._trouble_at = -math.inf  # when a call last failed for the platform's reasons
        self._answered_at = -math.inf  # when the platform last answered a call otherwise

    def troubled_within(self, seconds: float) -> bool:
        """Whether any call, of any kind, failed for the platform's reasons (no connection,
        a timeout, a 5xx, a 429) in the last ``seconds``: no reply should then ride in a
        webhook's answer, where its failure would go unseen."""
        return time.monotonic() - self._trouble_at < seconds

    def answered_within(self, seconds: float) -> bool:
        """Whether the platform answered a call (a result, or a refusal of that call's own:
        a 400, a 403) in the last ``seconds``: the evidence it is well."""
        return time.monotonic() - self._answered_at < seconds

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

    async def call(self, url: str, params: dict[str, Any]) -> Any:
        """One Bot API call with JSON ``params``; its ``result``, or PTB's error for what the
        Bot API answered (as PTB's own requests would raise it)."""
        return answer_result(*await self._exchange(
            "POST", url, compact_json(params).encode(), _JSON, self._call_timeout))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: object = BaseRequest.DEFAULT_NONE,
                         write_timeout: object = BaseRequest.DEFAULT_NONE,
                         connect_timeout: object = BaseRequest.DEFAULT_NONE,
                         pool_timeout: object = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """One Bot API call: a JSON body, or a multipart form when it carries a file.
        Timeouts as PTB's: connecting, and each read or write on the socket."""
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
                data = compact_json(request_data.parameters).encode()
                headers = _JSON
        read = _seconds(read_timeout, self._read)
        write = _seconds(write_timeout, MEDIA_WRITE if files else WRITE)
        timeout = aiohttp.ClientTimeout(  # no total: a wait for a pooled connection is no fault
            total=None, sock_connect=_seconds(connect_timeout, CONNECT),
            sock_read=max(t for t in (read, write) if t is not None)
            if read is not None or write is not None else None)
        return await self._exchange(method, url, data, headers, timeout)

    async def _exchange(self, method: str, url: str, data: aiohttp.FormData | bytes | None,
                        headers: dict[str, str] | None, timeout: aiohttp.ClientTimeout
                        ) -> tuple[int, bytes]:
        """One HTTP exchange on the keep-alive session: its status and body, or PTB's error
        for a connection that failed (TimedOut, NetworkError)."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        try:
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as resp:
                status, body = resp.status, await resp.read()
        except asyncio.TimeoutError as exc:
            self._trouble_at = time.monotonic()
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            self._trouble_at = time.monotonic()
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        if status == 429 or status >= 500:
            self._trouble_at = time.monotonic()
        else:
            self._answered_at = time.monotonic()
        return status, body


def answer_result(status: int, payload: bytes) -> Any:
    """The ``result`` of a Bot API answer, or the error PTB raises for it (its
    ``BaseRequest`` maps statuses and parameters the same way)."""
    try:
        data = json.loads(payload)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if 200 <= status <= 299:
            raise NetworkError(f"the Bot API answered {status} with no JSON")
        data = {}
    if 200 <= status <= 299 and data.get("ok", True):
        return data.get("result")
    description = str(data.get("description") or f"HTTP {status}")
    parameters = data.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        raise ChatMigrated(parameters["migrate_to_chat_id"])
    if parameters.get("retry_after"):
        raise RetryAfter(parameters["retry_after"])
    if status == 403:
        raise Forbidden(description)
    if status in (401, 404):
        raise InvalidToken(description)
    if status == 400:
        raise BadRequest(description)
    if status == 409:
        raise Conflict(description)
    raise NetworkError(f"{description} ({status})")
