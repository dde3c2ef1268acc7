"""SIGTERM, as a process manager sends it: ``python -m bot`` stops taking updates, finishes
the one in hand, gives up on sends that hang, and exits within seconds; the next start sends
what was still queued."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from tests.e2e.process import ServiceProcess, service_env
from tests.support import outbox_settled, rows


async def test_sigterm_finishes_the_update_in_hand_and_the_next_start_sends_the_queue(
        tmp_path: Path, emulator: TelegramEmulator, line: LineEmulator) -> None:
    db = str(tmp_path / "rongrian.db")
    # Every reply by request: sends hung at SIGTERM are under test.
    env = service_env(tmp_path, emulator, line) | {"TELEGRAM_REPLY_IN_ANSWER": "no"}
    service = ServiceProcess(env, tmp_path, emulator, line)
    try:
        await service.start()
        emulator.fail("sendMessage", None, delay=30, count=1000)  # every send hangs
        _, status = await emulator.send(701, text="/start")
        assert status == 200  # stored; its answer is stuck on the way out

        # An update in hand at SIGTERM: another process holds the write lock, so its
        # transaction waits (busy_timeout) when the signal comes.
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")
            in_hand = asyncio.create_task(emulator.send(702, text="/start"))
            await asyncio.sleep(0.5)
            assert not in_hand.done()
            signalled = time.monotonic()
            assert service.proc is not None
            service.proc.send_signal(15)
            await asyncio.sleep(0.3)
            late, late_status = await emulator.send(703, text="/start")  # after SIGTERM
            other.execute("COMMIT")
        update, in_hand_status = await in_hand
        code = await asyncio.wait_for(service.proc.wait(), 15)
        took = time.monotonic() - signalled
        print(f"\nSIGTERM to exit: {took:.2f} s; exit status {code}; update in hand answered "
              f"{in_hand_status}; update after SIGTERM answered {late_status or 'nothing'}")
        assert code == 0, service.stderr()
        assert took < 5.0
        assert in_hand_status == 200  # finished, committed, acknowledged
        assert late_status != 200  # not taken: Telegram will redeliver it
        handled = {k for (k,) in rows(db, "SELECT update_key FROM processed_updates")}
        assert str(update["update_id"]) in handled
        assert str(late["update_id"]) not in handled
        assert "Traceback" not in service.stderr()
        pending = rows(db, "SELECT chat_id FROM outbox WHERE status = 'pending' ORDER BY id")
        assert pending == [("701",), ("702",)]  # the hung sends were given up, kept queued

        emulator.faults.clear()  # Telegram answers again
        await service.start()
        assert await emulator.deliver(late) == 200  # Telegram's redelivery
        for chat in (701, 702, 703):
            (menu,) = await emulator.wait_for(chat, 1)
            assert menu["text"].startswith("สวัสดีค่ะ")
        await outbox_settled(db)
        assert rows(db, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'") == [(0,)]
        assert await service.terminate() == 0
    finally:
        await service.stop()
