"""Hostile bodies and headers on both webhooks: not JSON, JSON of the wrong shape, over the
size limit, nested past any recursion limit, the wrong content type, missing, repeated or
undecodable proofs. Each is refused with a 4xx, changes nothing in the database and logs
no traceback; a valid body still works afterwards."""
from __future__ import annotations

import json

import aiohttp
import pytest

from bot.sandbox.line_api import LineEmulator
from bot.service import MAX_BODY, Service
from tests.e2e.conftest import SECRET
from tests.e2e.hostile import (
    LINE_SIGNATURE_HEADER,
    TELEGRAM_SECRET_HEADER,
    catching_tracebacks,
    changes,
    line_text_event,
    post,
    raw_post,
    telegram_headers,
    telegram_text_update,
    watch_changes,
)
from tests.support import rows

USER = "U" + "4" * 32
NESTED = 100_000


def not_json() -> list[bytes]:
    return [b"", b"hello", b"\xff\xfe\x00", b"{", b'{"update_id": 1,}', b"NaN", b"\x00" * 64,
            "ข้อความ".encode("utf-16")]


def wrong_shapes() -> list[bytes]:
    return [json.dumps(v).encode() for v in (
        [], "update", 1, None, True, {}, {"update_id": "1"}, {"update_id": 1.5},
        {"update_id": True}, {"events": "x"}, {"events": [1]}, {"events": [None]},
        {"events": [{"type": "message"}]}, {"destination": 1, "events": {}},
        {"update_id": 1, "message": "hello"}, {"update_id": 1, "message": []},
        {"update_id": 1, "callback_query": 5}, {"update_id": 1, "message": {"chat": None}},
    )]


def nested() -> list[bytes]:
    deep_list = b"[" * NESTED + b"]" * NESTED
    deep_object = b'{"a":' * NESTED + b"1" + b"}" * NESTED
    inside = (b'{"update_id": 7, "destination": "U", "events": [], "message": '
              + b"[" * NESTED + b"]" * NESTED + b"}")
    return [deep_list, deep_object, inside]


@pytest.mark.parametrize("platform", ["telegram", "line"])
async def test_hostile_bodies_are_refused_and_change_nothing(
        service: Service, line: LineEmulator, platform: str) -> None:
    url = f"{service.url}/webhook/{platform}"
    db = str(service.settings.database_path)

    def proof(body: bytes) -> dict[str, str]:  # each body passes the platform's check
        return telegram_headers() if platform == "telegram" else {
            LINE_SIGNATURE_HEADER: line.sign(body)}

    good = json.dumps(telegram_text_update(1, 71, "/start") if platform == "telegram" else {
        "destination": "U", "events": [line_text_event("01GOOD", USER, "/start")]}).encode()
    await watch_changes(db)
    statuses: list[tuple[bytes, int]] = []
    with catching_tracebacks() as logged:
        async with aiohttp.ClientSession() as http:
            for body in [*not_json(), *wrong_shapes(), *nested()]:
                status, _ = await post(http, url, body, proof(body))
                statuses.append((body[:40], status))
            assert changes(db) == 0
            # A valid update afterwards is taken normally.
            assert (await post(http, url, good, proof(good)))[0] == 200
    assert [s for s in statuses if s[1] != 400] == []
    assert logged.broken == []
    assert rows(db, "SELECT COUNT(*) FROM processed_updates") == [(1,)]


@pytest.mark.parametrize("platform", ["telegram", "line"])
async def test_a_body_over_the_limit_is_413_however_it_is_sent(
        service: Service, line: LineEmulator, platform: str) -> None:
    url = f"{service.url}/webhook/{platform}"
    db = str(service.settings.database_path)
    await watch_changes(db)
    padding = " " * (MAX_BODY + 1)
    huge = json.dumps(telegram_text_update(5, 72, "/start")).encode()[:-1] + \
        padding.encode() + b"}"
    if platform == "line":
        huge = (json.dumps({"destination": "U", "events": [
            line_text_event("01HUGE", USER, "/start")]})[:-1] + padding + "}").encode()
    headers = (telegram_headers() if platform == "telegram"
               else {LINE_SIGNATURE_HEADER: line.sign(huge)})

    async def chunked():  # no Content-Length: the limit must hold while reading
        for i in range(0, len(huge), 64 * 1024):
            yield huge[i:i + 64 * 1024]

    with catching_tracebacks() as logged:
        async with aiohttp.ClientSession() as http:
            assert (await post(http, url, huge, headers))[0] == 413
            async with http.post(url, data=chunked(), headers=headers) as resp:
                assert resp.status == 413
            # Without the proof, the size does not matter: refused for that first.
            async with http.post(url, data=huge) as resp:
                assert resp.status in (400, 403, 413)
    assert changes(db) == 0
    assert logged.broken == []


@pytest.mark.parametrize("platform", ["telegram", "line"])
async def test_the_content_type_is_not_trusted_the_body_decides(
        service: Service, line: LineEmulator, platform: str) -> None:
    """Neither platform's proof covers the Content-Type, and a browser cannot add the proof
    header without a CORS preflight (which we never grant): the body alone decides."""
    url = f"{service.url}/webhook/{platform}"
    db = str(service.settings.database_path)
    if platform == "telegram":
        good = [json.dumps(telegram_text_update(10 + n, 73, "/start")).encode()
                for n in range(3)]
    else:
        good = [json.dumps({"destination": "U", "events": [
            line_text_event(f"01CT{n}", USER, "/start")]}).encode() for n in range(3)]

    def proof(body: bytes) -> dict[str, str]:
        return ({TELEGRAM_SECRET_HEADER: SECRET} if platform == "telegram"
                else {LINE_SIGNATURE_HEADER: line.sign(body)})

    form = b"update_id=1&message=hello"
    with catching_tracebacks() as logged:
        async with aiohttp.ClientSession() as http:
            for body, content_type in zip(good, ("text/plain", "application/x-www-form-urlencoded",
                                                 "multipart/form-data; boundary=x")):
                status, _ = await post(http, url, body, {**proof(body),
                                                         "Content-Type": content_type})
                assert status == 200, content_type
            status, _ = await post(http, url, form, {
                **proof(form), "Content-Type": "application/x-www-form-urlencoded"})
            assert status == 400
    assert rows(db, "SELECT COUNT(*) FROM processed_updates") == [(3,)]
    assert logged.broken == []


async def test_telegram_secret_missing_wrong_repeated_or_undecodable_is_403(
        service: Service) -> None:
    db = str(service.settings.database_path)
    await watch_changes(db)
    body = json.dumps(telegram_text_update(20, 74, "/start")).encode()
    name = TELEGRAM_SECRET_HEADER.encode()
    right, wrong = SECRET.encode(), b"not-the-secret"
    with catching_tracebacks() as logged:
        for headers in ([], [(name, wrong)], [(name, b"")], [(name, right), (name, wrong)], [(name, wrong), (name, right)],
                        [(name, right), (name, right)], [(name, b"\xff\xfe" + right)],
                        [(name, "รหัสลับ".encode())]):
            status = await raw_post(service.url, "/webhook/telegram",
                                    [(b"Content-Type", b"application/json"), *headers], body)
            assert status == 403, headers
    assert changes(db) == 0
    assert logged.broken == []
    status = await raw_post(service.url, "/webhook/telegram",
                            [(b"Content-Type", b"application/json"), (name, right)], body)
    assert status == 200


async def test_line_signature_missing_wrong_repeated_or_undecodable_is_refused(
        service: Service, line: LineEmulator) -> None:
    db = str(service.settings.database_path)
    await watch_changes(db)
    body = json.dumps({"destination": "U", "events": [
        line_text_event("01SIG", USER, "/start")]}).encode()
    name = LINE_SIGNATURE_HEADER.encode()
    right = line.sign(body).encode()
    with catching_tracebacks() as logged:
        for headers, expected in (
                ([], 400), ([(name, b"")], 400), ([(name, b"bm90IGEgc2lnbmF0dXJl")], 401),
                ([(name, right), (name, b"bm90")], 400), ([(name, b"bm90"), (name, right)], 400),
                ([(name, right), (name, right)], 400), ([(name, b"\xff" + right)], 401),
                ([(name, "ลายเซ็น".encode())], 401), ([(name, right[:-2])], 401)):
            status = await raw_post(service.url, "/webhook/line",
                                    [(b"Content-Type", b"application/json"), *headers], body)
            assert status == expected, headers
    assert changes(db) == 0
    assert logged.broken == []
    status = await raw_post(service.url, "/webhook/line",
                            [(b"Content-Type", b"application/json"), (name, right)], body)
    assert status == 200
