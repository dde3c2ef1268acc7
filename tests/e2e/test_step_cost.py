"""What one step costs the database, counted rather than timed (timings live in bench/):
SQLite's share of the service's CPU is about a third, most of it per statement. A step of an
ordinary chat whose one reply rides in the webhook's answer runs these statements and no
more; a new statement on this path should be a decision, not an accident."""
from __future__ import annotations

from bot.sandbox.telegram_api import TelegramEmulator
from tests.e2e.conftest import StartService
from tests.support import TelegramCitizen

STEP = [
    "BEGIN IMMEDIATE",
    "INSERT OR IGNORE INTO processed_updates",  # the update is handled once
    "SELECT FROM conversations",                # where the chat is
    "SELECT FROM officers",                     # who is asking
    "INSERT INTO conversations",                # where it goes next (an upsert)
    "SELECT FROM outbox",                       # may the reply ride: nothing queued before it
    "INSERT INTO outbox",                       # the reply, recorded sent; its id computed inside
    "COMMIT",
]


def shape(sql: str) -> str:
    """A statement's verb and table: ``SELECT … FROM t …`` → ``SELECT FROM t``."""
    words = sql.split()
    if words[0] == "SELECT":
        return f"SELECT FROM {words[words.index('FROM') + 1]}"
    if words[0] == "INSERT":
        into = words.index("INTO")
        return " ".join([*words[:into + 1], words[into + 1].split("(")[0]])
    return sql


async def test_a_one_reply_step_runs_eight_statements(start_service: StartService,
                                                       emulator: TelegramEmulator) -> None:
    service = await start_service()
    citizen = TelegramCitizen(emulator, chat_id=611)
    await citizen.say("/start")
    statements: list[str] = []
    conn = service.engine.db._conn  # the one connection every statement goes through
    conn.set_trace_callback(statements.append)
    try:
        assert await citizen.press("📝 ร้องเรียน") == ["เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"]
    finally:
        conn.set_trace_callback(None)
    # The step's own transaction (the delivery worker may read between transactions).
    begin = statements.index("BEGIN IMMEDIATE")
    step = statements[begin:statements.index("COMMIT", begin) + 1]
    assert [shape(s) for s in step] == STEP
