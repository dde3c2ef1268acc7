"""``python -m bot backup PATH`` while the service runs and citizens file grievances: a
consistent copy; a service started on it serves every case it holds; an existing PATH is
replaced only with ``--force``."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from tests.e2e.conftest import LINE_SECRET, LINE_TOKEN, TOKEN
from tests.e2e.crowd import (
    CATEGORIES,
    Citizen,
    Tally,
    WatchedLine,
    WatchedTelegram,
    line_citizen,
    telegram_citizen,
)
from tests.e2e.process import ServiceProcess, run_cli, service_env
from tests.support import outbox_settled, rows

CITIZENS = 30

CASE_COLUMNS = "reference, platform, chat_id, category, description, status"


def integrity(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


async def test_an_online_backup_is_consistent_and_restores_a_working_service(
        tmp_path: Path) -> None:
    telegram, line = WatchedTelegram(TOKEN), WatchedLine(LINE_SECRET, LINE_TOKEN)
    await telegram.start()
    await line.start()
    live, copy = tmp_path / "rongrian.db", tmp_path / "backups" / "rongrian-copy.db"
    env = service_env(tmp_path, telegram, line, database=live)
    service = ServiceProcess(env, tmp_path, telegram, line)
    restored: ServiceProcess | None = None
    try:
        await service.start()
        citizens = [Citizen(n, "telegram" if n % 2 else "line",
                            f"ไฟถนนซอย {n} ดับทั้งซอยมาสามคืนแล้ว", CATEGORIES[n % 7])
                    for n in range(2001, 2001 + CITIZENS)]
        tally = Tally()

        async def file(c: Citizen) -> None:
            if c.platform == "telegram":
                await telegram_citizen(telegram, c, tally, step_timeout=30)
            else:
                await line_citizen(line, c, tally, step_timeout=30)

        crowd = asyncio.gather(*(file(c) for c in citizens))
        await asyncio.sleep(2.0)  # in the middle of it: cases being filed, replies sent
        code, out, err = await run_cli("backup", str(copy), env=env, cwd=tmp_path)
        assert code == 0, err
        during = rows(str(live), "SELECT COUNT(*) FROM processed_updates")[0][0]
        await crowd
        await outbox_settled(str(live), timeout=30)
        print(f"\nbackup while serving: {out.strip()}; updates handled by then about "
              f"{during} of {tally.updates}")

        # Consistent: a snapshot of the live file at one moment, whole.
        assert integrity(copy) == "ok"
        final = set(rows(str(live), f"SELECT {CASE_COLUMNS} FROM cases"))
        snapshot = rows(str(copy), f"SELECT {CASE_COLUMNS} FROM cases")
        assert 0 < len(snapshot) <= len(final)  # taken mid-way: some cases, maybe not all
        for case in snapshot:
            assert case[:5] in {c[:5] for c in final}
        # Every case in the copy came with everything its one transaction wrote.
        assert rows(str(copy), "SELECT COUNT(*) FROM cases c WHERE NOT EXISTS "
                               "(SELECT 1 FROM case_events e WHERE e.case_id = c.id)") == [(0,)]

        # An existing file is not replaced without --force, and is left as it was.
        before = copy.read_bytes()
        code, _, err = await run_cli("backup", str(copy), env=env, cwd=tmp_path)
        assert code == 2 and "--force" in err and copy.read_bytes() == before
        code, out, err = await run_cli("backup", str(copy), "--force", env=env, cwd=tmp_path)
        assert code == 0, err
        assert f"{len(final)} cases" in out
        assert await service.terminate() == 0

        # Restore: a service started on the copy has every case and goes on numbering.
        restored = ServiceProcess(service_env(tmp_path, telegram, line, database=copy),
                                  tmp_path, telegram, line)
        await restored.start()
        assert set(rows(str(copy), f"SELECT {CASE_COLUMNS} FROM cases")) == final
        newcomer = Citizen(2999, "line", "ถนนหน้าตลาดเป็นหลุมลึก รถล้มบ่อย", "road")
        await line_citizen(line, newcomer, tally, step_timeout=30)
        assert newcomer.acknowledged is not None
        assert newcomer.acknowledged.endswith(f"-{len(final) + 1:05d}")  # none reused
        assert rows(str(copy), "SELECT COUNT(*) FROM cases") == [(len(final) + 1,)]
        assert await restored.terminate() == 0
    finally:
        await service.stop()
        if restored is not None:
            await restored.stop()
        await telegram.stop()
        await line.stop()
