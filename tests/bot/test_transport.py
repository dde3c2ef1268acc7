"""The Bot API's answers to the calls made for every message, read as PTB would: the result,
or PTB's error, which the delivery worker classifies (retry, wait, or give up)."""
from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.transport import AiohttpRequest, answer_result


def answer(status: int, **body: object) -> tuple[int, bytes]:
    return status, json.dumps(body).encode()


def test_a_result_is_returned_as_json() -> None:
    assert answer_result(*answer(200, ok=True, result={"message_id": 7})) == {"message_id": 7}
    assert answer_result(*answer(200, ok=True, result=True)) is True


@pytest.mark.parametrize(("status", "body", "error"), [
    (429, {"ok": False, "description": "Too Many Requests: retry after 3",
           "parameters": {"retry_after": 3}}, RetryAfter),
    (400, {"ok": False, "description": "Bad Request: group chat was upgraded",
           "parameters": {"migrate_to_chat_id": -1001}}, ChatMigrated),
    (403, {"ok": False, "description": "Forbidden: bot was blocked by the user"}, Forbidden),
    (401, {"ok": False, "description": "Unauthorized"}, InvalidToken),
    (404, {"ok": False, "description": "Not Found"}, InvalidToken),
    (400, {"ok": False, "description": "Bad Request: chat not found"}, BadRequest),
    (409, {"ok": False, "description": "Conflict: terminated by other getUpdates"}, Conflict),
    (500, {"ok": False, "description": "Internal Server Error"}, NetworkError),
    (502, {}, NetworkError),
    (200, {"ok": False, "description": "odd"}, NetworkError),
])
def test_an_error_is_ptb_s(status: int, body: dict, error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        answer_result(*answer(status, **body))
    if error is RetryAfter:
        wait = raised.value.retry_after
        assert (wait.total_seconds() if isinstance(wait, dt.timedelta) else wait) == 3
    elif error not in (ChatMigrated, NetworkError) and body.get("description"):
        said = str(body["description"]).split(": ")[-1]  # PTB drops "Bad Request: " etc.
        assert said.lower() in raised.value.message.lower()


def test_an_answer_that_is_not_json_is_a_network_error() -> None:
    for status in (200, 502):
        with pytest.raises(NetworkError):
            answer_result(status, b"<html>Bad Gateway</html>")


async def test_trouble_is_any_call_the_platform_failed_not_one_it_refused() -> None:
    """What keeps replies out of webhook answers for a while (bot/telegram.py TROUBLE_QUIET):
    a 429, a 5xx or no connection, whatever the call; a 400 or a 403 is the message's own
    fault, the platform answered (PROVEN_FOR: the evidence it is well)."""
    async def status(request: web.Request) -> web.Response:
        code = int(request.match_info["code"])
        return web.json_response({"ok": code == 200, "result": True,
                                  "description": "as asked"}, status=code)

    app = web.Application()
    app.router.add_post("/{code}", status)
    async with TestServer(app) as server:
        for code, troubled in ((200, False), (400, False), (403, False), (429, True),
                               (500, True), (502, True)):
            request = AiohttpRequest()
            await request.initialize()
            try:
                with contextlib.suppress(TelegramError):
                    await request.call(str(server.make_url(f"/{code}")), {"chat_id": 1})
                assert request.troubled_within(60) is troubled, code
                assert request.answered_within(60) is not troubled, code
            finally:
                await request.shutdown()
        port = server.port
    request = AiohttpRequest()  # the server is gone: connection refused
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.call(f"http://127.0.0.1:{port}/200", {})
        assert request.troubled_within(60) and not request.answered_within(60)
    finally:
        await request.shutdown()
