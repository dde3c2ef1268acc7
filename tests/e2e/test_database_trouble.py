"""The database in trouble: locked by another process, the disk full, the file missing or
damaged at start. The real service, the real SQLite file, the platforms' redelivery."""
from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from storage import updates
from storage.db import Database
from tests.e2e.conftest import StartService
from tests.e2e.process import ServiceProcess, run_cli, service_env
from tests.support import LineCitizen, TelegramCitizen, outbox_settled, rows

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def test_an_update_arriving_while_another_process_locks_the_file_waits_for_it(
        service: Service, emulator: TelegramEmulator, line: LineEmulator) -> None:
    db = str(service.settings.database_path)
    locker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, db, "2.0", stdout=asyncio.subprocess.PIPE)
    try:
        assert await asyncio.wait_for(locker.stdout.readline(), 10) == b"locked\n"
        loop = asyncio.get_running_loop()
        began = loop.time()
        updates = asyncio.gather(
            emulator.send(801, text="/start"), line.send("U" + "8" * 32, follow=True))
        # The wait for the lock is awaited, not slept in SQLite: the service goes on serving.
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{service.url}/healthz") as health:
                assert health.status == 200
        assert locker.returncode is None  # answered while the file was still locked
        (_, telegram_status), (_, line_status) = await updates
        waited = loop.time() - began
        assert await asyncio.wait_for(locker.wait(), 10) == 0
    finally:
        if locker.returncode is None:
            locker.kill()
            await locker.wait()
    print(f"\nlocked for 2.0 s: both webhooks answered after {waited:.2f} s "
          f"(Telegram {telegram_status}, LINE {line_status})")
    assert (telegram_status, line_status) == (200, 200)  # handled, once the lock went
    assert waited > 1.5
    await outbox_settled(db)
    assert (await emulator.wait_for(801, 1))[0]["text"].startswith("สวัสดีค่ะ")
    assert (await line.wait_for("U" + "8" * 32, 1))[0]["text"].startswith("สวัสดีค่ะ")


@contextlib.contextmanager
def tiny_filesystem(where: Path, size: str = "2m"):
    """A tmpfs of ``size`` at ``where``: a disk that really fills (ENOSPC, SQLITE_FULL).
    Needs root, as the project's machines and CI have."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(where)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs to fill (root needed): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk``; delete the returned file to give them back."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def test_a_full_disk_answers_5xx_writes_nothing_and_the_redelivery_works(
        tmp_path: Path, start_service: StartService, emulator: TelegramEmulator,
        line: LineEmulator) -> None:
    with tiny_filesystem(tmp_path / "disk") as disk:
        service = await start_service(database_path=disk / "rongrian.db")
        db = str(disk / "rongrian.db")
        telegram_citizen, line_citizen = TelegramCitizen(emulator, 811), LineCitizen(
            line, "U" + "9" * 32)
        await telegram_citizen.say("/start")
        await line_citizen.follow()
        await outbox_settled(db)
        before = rows(db, "SELECT * FROM conversations ORDER BY platform, chat_id")
        counts = rows(db, "SELECT (SELECT COUNT(*) FROM processed_updates), "
                          "(SELECT COUNT(*) FROM outbox)")

        filler = fill(disk)
        update, telegram_status = await emulator.send(811, text="/start")
        event, line_status = await line.send("U" + "9" * 32, text="สวัสดี")
        print(f"\ndisk full: Telegram webhook answered {telegram_status}, "
              f"LINE webhook answered {line_status}")
        assert telegram_status >= 500 and line_status >= 500  # the platforms will redeliver
        # Nothing half-written: no update claimed, no reply queued, no conversation moved.
        assert rows(db, "SELECT * FROM conversations ORDER BY platform, chat_id") == before
        assert rows(db, "SELECT (SELECT COUNT(*) FROM processed_updates), "
                        "(SELECT COUNT(*) FROM outbox)") == counts

        filler.unlink()  # the operator makes room
        assert await emulator.deliver(update) == 200
        assert await line.deliver([event], redelivery=True) == 200
        assert (await emulator.wait_for(811, 2))[-1]["text"].startswith("สวัสดีค่ะ")
        assert len(await line.wait_for("U" + "9" * 32, 2)) == 2
        await outbox_settled(db)
        # And the service is not wedged: the next citizen is served as usual.
        assert (await TelegramCitizen(emulator, 812).say("/start"))[0].startswith("สวัสดีค่ะ")
        await service.stop()  # before the filesystem goes


async def test_a_missing_database_file_is_created_at_start(
        tmp_path: Path, emulator: TelegramEmulator, line: LineEmulator) -> None:
    path = tmp_path / "data" / "new" / "rongrian.db"
    service = ServiceProcess(service_env(tmp_path, emulator, line, database=path), tmp_path,
                             emulator, line)
    try:
        await service.start()
        assert path.is_file()
        (menu,) = await TelegramCitizen(emulator, 821).say("/start")
        assert menu.startswith("สวัสดีค่ะ")
        assert await service.terminate() == 0
    finally:
        await service.stop()
    assert rows(str(path), "SELECT COUNT(*) FROM processed_updates") == [(1,)]


async def damaged_copies(tmp_path: Path) -> dict[str, bytes]:
    """Garbage, a database cut in half, and one cut to nothing."""
    real = tmp_path / "real.db"
    db = await Database.open(real)
    async with db.transaction() as tx:
        for n in range(3000):
            await updates.claim(tx, "telegram", f"update-{n:06d}", "2026-11-30T03:00:00+00:00")
    await db.close()
    data = real.read_bytes()
    real.unlink()
    return {"garbage": os.urandom(8192), "truncated": data[:len(data) // 2], "empty": b""}


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
async def test_a_damaged_database_stops_the_start_and_is_left_untouched(
        tmp_path: Path, emulator: TelegramEmulator, line: LineEmulator, damage: str) -> None:
    content = (await damaged_copies(tmp_path))[damage]
    path = tmp_path / "rongrian.db"
    path.write_bytes(content)
    env = service_env(tmp_path, emulator, line, database=path)
    code, out, err = await run_cli(env=env, cwd=tmp_path)
    print(f"\n{damage}: exit status {code}; stderr: {err.strip()}")
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and str(path) in err, err
    assert err.startswith("rongrian: cannot start: database ")
    assert path.read_bytes() == content  # not "repaired", not overwritten
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("rongrian")) == [
        "rongrian.db"]  # no -wal / -shm written beside it
