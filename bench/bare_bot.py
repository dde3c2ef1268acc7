"""The bare limit: a plain aiohttp webhook, no framework, no conversation.

Per update: check the secret token, parse the JSON, one aiosqlite INSERT + commit (WAL,
synchronous=NORMAL like ours), one ``sendMessage`` with a plain aiohttp client POST to the
Bot API (one keep-alive session), then answer 200. That is about the least a bot that
keeps a durable record and answers can do; no state machine, no reply content.

Settings from the environment: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET,
TELEGRAM_API_BASE_URL, PORT, DATABASE_PATH. Stops on SIGTERM.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import os
import signal

import aiohttp
import aiosqlite
from aiohttp import web

TOKEN = os.environ["TELEGRAM_BOT_TOKEN"]
SECRET = os.environ["TELEGRAM_WEBHOOK_SECRET"].encode()
SEND_URL = f"{os.environ['TELEGRAM_API_BASE_URL']}{TOKEN}/sendMessage"
PORT = int(os.environ["PORT"])
DATABASE = os.environ["DATABASE_PATH"]


async def main() -> None:
    db = await aiosqlite.connect(DATABASE)
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    await db.execute("CREATE TABLE IF NOT EXISTS updates (update_id INTEGER PRIMARY KEY, "
                     "chat_id INTEGER NOT NULL, body BLOB NOT NULL)")
    await db.commit()
    session = aiohttp.ClientSession()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not hmac.compare_digest(given, SECRET):
            return web.Response(status=403)
        body = await request.read()
        update = json.loads(body)
        message = update.get("message") or (update.get("callback_query") or {}).get("message")
        chat_id = message["chat"]["id"]
        await db.execute("INSERT OR IGNORE INTO updates (update_id, chat_id, body) "
                         "VALUES (?, ?, ?)", (update["update_id"], chat_id, body))
        await db.commit()
        async with session.post(SEND_URL, json={"chat_id": chat_id,
                                                "text": "รับข้อความแล้วค่ะ"}) as resp:
            await resp.read()
        return web.json_response({"ok": True})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", health)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", PORT).start()
    print(f"bare: serving on http://127.0.0.1:{PORT}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await session.close()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main())
