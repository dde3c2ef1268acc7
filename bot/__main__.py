"""``python -m bot``: run the service (in the sandbox when no platform token is set).

    python -m bot            serve (sandbox mode without TELEGRAM_BOT_TOKEN)
    python -m bot outbox     list replies that failed, or are held back by an error
    python -m bot line-richmenu   install the LINE Official Account's rich menu
    python -m bot officers invite --division works --role officer   a one-time code
    python -m bot officers invite --division works --group          a code for a group chat
    python -m bot officers list | revoke ID
    python -m bot report [--from 2026-10-01 --to 2027-09-30 | --half 1] [--with-phones]
    python -m bot backup PATH [--force]   a consistent copy, while the service runs
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from datetime import date as dt_date
from pathlib import Path

from telegram.error import TelegramError

from bot import logs
from bot.sandbox.server import Sandbox
from bot.service import Service
from bot.settings import Settings, SettingsError
from handlers.municipality import ConfigError
from storage.db import Database, DatabaseError
from storage.seal import SealError

async def serve(settings: Settings) -> None:
    sandbox: Sandbox | None = None
    if settings.sandbox:
        sandbox = Sandbox()
        await sandbox.start(settings.host, settings.sandbox_port)
        settings = sandbox.settings_for(settings)
    service = Service(settings, webhook_url=settings.telegram_webhook_url)
    await service.start()
    if sandbox is not None:
        assert service.telegram is not None
        await service.telegram.bot.set_webhook(f"{service.url}/webhook/telegram",
                                               secret_token=settings.telegram_webhook_secret)
        sandbox.connect(service.url)
        print(f"rongrian sandbox: chat with the bot at {sandbox.url}/ (Telegram) "
              f"and {sandbox.url}/line (LINE)", flush=True)
    print(f"rongrian: serving on {service.url} (Ctrl+C to stop)", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await service.stop()
    if sandbox is not None:
        await sandbox.stop()


async def list_troubles(settings: Settings) -> None:
    from storage import outbox

    db = await Database.open(settings.database_path)
    try:
        rows = await outbox.troubles(db)
    finally:
        await db.close()
    if not rows:
        print("no failed or held deliveries")
    for row in rows:
        print(f"#{row['id']} {row['platform']} {row['status']} attempts={row['attempts']} "
              f"queued={row['created_at']} error={row['last_error']}")


async def install_rich_menu(settings: Settings) -> int:
    from linebot.v3.messaging import (
        ApiException,
        AsyncApiClient,
        AsyncMessagingApi,
        AsyncMessagingApiBlob,
        Configuration,
    )

    from bot import richmenu

    try:
        async with AsyncApiClient(Configuration(
                host=settings.line_api_host, access_token=settings.line_channel_access_token)
        ) as client:
            menu_id = await richmenu.install(AsyncMessagingApi(client),
                                             AsyncMessagingApiBlob(client))
    except ApiException as exc:  # LINE refused (a wrong access token, say)
        print(f"rongrian: LINE answered {exc.status}: {exc.reason}", file=sys.stderr)
        return 2
    print(f"rich menu {menu_id} installed as the default for every user")
    return 0


async def officers_command(settings: Settings, args: argparse.Namespace) -> int:
    """Invite, list and revoke officers. Codes expire and work once; only hashes are kept."""
    import datetime as dt
    import time

    from handlers.flows.officer import GROUP_ROLE, make_invite_code
    from handlers.municipality import load_municipality
    from storage import officers

    db = await Database.open(settings.database_path)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        if args.action == "invite":
            divisions = load_municipality(settings.municipality_config).divisions
            if args.division not in divisions:
                print(f"rongrian: unknown division {args.division!r}; one of "
                      f"{', '.join(divisions)}", file=sys.stderr)
                return 2
            code = make_invite_code()
            role = GROUP_ROLE if args.group else args.role
            await officers.create_invite(db, code, args.division, role,
                                         time.time() + args.hours * 3600, stamp)
            where = "in the division's group chat" if args.group else "to the bot in a private chat"
            print(f"{code}\nSend this code {where} within {args.hours} hours; it works once.")
        elif args.action == "list":
            for row in await officers.listing(db):
                state = "active" if row["active"] else f"revoked {row['revoked_at']}"
                print(f"#{row['id']} {row['division']} {row['role']} {row['platform']} "
                      f"since {row['created_at']} {state}")
        elif not await officers.revoke(db, args.id, stamp):
            print(f"rongrian: no active officer #{args.id}", file=sys.stderr)
            return 2
        else:
            print(f"officer #{args.id} revoked")
    finally:
        await db.close()
    return 0


async def report_command(settings: Settings, args: argparse.Namespace) -> int:
    """The executives' report: a Thai summary on screen, a CSV of the cases and a chart."""
    import csv
    import datetime as dt

    from handlers import chart, reports
    from handlers.municipality import load_municipality
    from handlers.workdays import BANGKOK, WorkCalendar

    muni = load_municipality(settings.municipality_config)
    calendar = WorkCalendar(muni.office_opens, muni.office_closes, muni.extra_days_off)
    today = dt.datetime.now(BANGKOK).date()
    start, end = reports.fiscal_year(today)
    if args.half == 1:
        end = dt.date(start.year + 1, 3, 31)
    elif args.half == 2:
        start = dt.date(start.year + 1, 4, 1)
    start, end = args.start or start, args.end or end
    if start > end:
        print("rongrian: --from is after --to", file=sys.stderr)
        return 2
    db = await Database.open(settings.database_path)
    try:
        async with db.transaction() as tx:
            report = await reports.gather(tx, calendar, start, end, today, args.division)
    finally:
        await db.close()
    print(reports.summary(report, muni))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"report-{start.isoformat()}-{end.isoformat()}"
    with open(f"{stem}.csv", "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel + Thai
        csv.writer(f).writerows(reports.csv_rows(report, args.with_phones))
    Path(f"{stem}.png").write_bytes(chart.render(report))
    print(f"\nCSV: {stem}.csv\nChart: {stem}.png")
    return 0


async def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the live database (SQLite's backup API), safe while serving."""
    from storage.backup import BackupError, backup

    try:
        result = await backup(settings.database_path, Path(args.path), force=args.force)
    except (BackupError, DatabaseError) as exc:
        print(f"rongrian: backup not made: {exc}", file=sys.stderr)
        return 2
    print(f"backup of {settings.database_path} written to {result.path} "
          f"({result.size // 1024} KB, {result.cases} cases)")
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    commands.add_parser("outbox", help="list replies that failed or are held back")
    commands.add_parser("line-richmenu", help="install the LINE rich menu")
    people = commands.add_parser("officers", help="invite, list or revoke officers")
    actions = people.add_subparsers(dest="action", required=True)
    invite = actions.add_parser("invite", help="print a one-time code")
    invite.add_argument("--division", required=True)
    invite.add_argument("--role", default="officer",
                        choices=("officer", "head", "centre", "integrity", "admin"))
    invite.add_argument("--group", action="store_true",
                        help="a code that binds a group chat to the division")
    invite.add_argument("--hours", type=int, default=72, help="how long the code works")
    actions.add_parser("list", help="every officer, active or revoked")
    report = commands.add_parser("report", help="the executives' report, CSV and chart")
    report.add_argument("--from", dest="start", type=dt_date.fromisoformat, help="YYYY-MM-DD (filed on)")
    report.add_argument("--to", dest="end", type=dt_date.fromisoformat, help="YYYY-MM-DD (inclusive)")
    report.add_argument("--half", type=int, choices=(1, 2),
                        help="first (Oct-Mar) or second (Apr-Sep) half of this fiscal year")
    report.add_argument("--division", help="one division only")
    report.add_argument("--with-phones", action="store_true",
                        help="add citizens' phone numbers to the CSV (never anonymous ones)")
    report.add_argument("--out", default="data/reports", help="folder for the CSV and chart")
    copy = commands.add_parser("backup", help="a consistent copy of the database, online")
    copy.add_argument("path", help="where to write the copy (refused if it exists)")
    copy.add_argument("--force", action="store_true", help="replace an existing file")
    revoke = actions.add_parser("revoke", help="end an officer's access")
    revoke.add_argument("id", type=int)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"rongrian: configuration error: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    try:
        if args.command == "outbox":
            asyncio.run(list_troubles(settings))
        elif args.command == "report":
            return asyncio.run(report_command(settings, args))
        elif args.command == "backup":
            return asyncio.run(backup_command(settings, args))
        elif args.command == "officers":
            return asyncio.run(officers_command(settings, args))
        elif args.command == "line-richmenu":
            if not settings.line_enabled:
                print("rongrian: configuration error: LINE_CHANNEL_SECRET and "
                      "LINE_CHANNEL_ACCESS_TOKEN must be set", file=sys.stderr)
                return 2
            return asyncio.run(install_rich_menu(settings))
        else:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve(settings))
    except (ConfigError, DatabaseError, SealError, OSError) as exc:
        print(f"rongrian: cannot start: {exc}", file=sys.stderr)
        return 2
    except TelegramError as exc:  # bad token, or the Bot API unreachable at start
        print(f"rongrian: cannot start: Telegram answered: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
