"""The Bot API's answers to the calls made for every message, read as PTB would: the result,
or PTB's error, which the delivery worker classifies (retry, wait, or give up)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.transport import answer_result


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
