"""The baseline: the obvious python-telegram-bot bot, as PTB's documentation suggests.

``Application`` + ``ConversationHandler`` + ``PicklePersistence`` (default ``update_interval``
of 60 s, default ``concurrent_updates`` off: updates are processed one at a time), one reply
per update through PTB's default HTTP client (httpx), the case stored in SQLite (sqlite3, WAL,
synchronous=NORMAL like ours) on confirm. Fed by webhook: an aiohttp handler that checks the
secret token and does ``await application.update_queue.put(Update.de_json(...))``.

It answers the benchmark's eight-update script (bench/flows.py) with the same buttons
(callback data ``menu:file``, ``cat:…``, ``confirm``; reply-keyboard "ข้าม") and its own
shorter sentences; the reference in its acknowledgement starts with ``BL-``. It does not
answer callback queries (``query.answer()``) or edit the pressed message: one Bot API call
per update, where ours makes up to three.

Settings from the environment: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET,
TELEGRAM_API_BASE_URL, PORT, DATABASE_PATH, PERSISTENCE_PATH. Stops on SIGTERM.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import signal
import sqlite3
import warnings

from aiohttp import web
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

warnings.filterwarnings("ignore", category=PTBUserWarning)  # per_message=False with callbacks

TOKEN = os.environ["TELEGRAM_BOT_TOKEN"]
SECRET = os.environ["TELEGRAM_WEBHOOK_SECRET"].encode()
BASE_URL = os.environ["TELEGRAM_API_BASE_URL"]
PORT = int(os.environ["PORT"])
DATABASE = os.environ["DATABASE_PATH"]
PERSISTENCE = os.environ["PERSISTENCE_PATH"]

MENU, CATEGORY, DESCRIPTION, LOCATION, PHOTOS, PHONE, CONFIRM = range(7)
CATEGORIES = {
    "road": "ถนน ทางเท้าชำรุด", "light": "ไฟฟ้าสาธารณะดับ", "flood": "น้ำท่วม ท่อระบายน้ำ",
    "water": "น้ำประปา", "garbage": "ขยะ ความสะอาด", "nuisance": "เหตุรำคาญ เสียง กลิ่น",
    "animals": "สัตว์จรจัด", "welfare": "สวัสดิการ เบี้ยยังชีพ", "tax": "ภาษี ค่าธรรมเนียม",
    "education": "การศึกษา ศูนย์เด็กเล็ก", "other": "เรื่องอื่น ๆ",
}
SKIP = "ข้าม"

db = sqlite3.connect(DATABASE)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.execute("CREATE TABLE IF NOT EXISTS cases (id INTEGER PRIMARY KEY, chat_id INTEGER, "
           "category TEXT, description TEXT, lat REAL, lon REAL, created_at TEXT "
           "DEFAULT CURRENT_TIMESTAMP)")
db.commit()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton("📝 ร้องเรียน", callback_data="menu:file")],
        [InlineKeyboardButton("🔎 ติดตามเรื่องของฉัน", callback_data="menu:status")],
        [InlineKeyboardButton("📞 ติดต่อเทศบาล", callback_data="menu:contact")],
    ])
    await update.message.reply_text("สวัสดีค่ะ ต้องการทำรายการใดคะ", reply_markup=keyboard)
    return MENU


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    buttons = [InlineKeyboardButton(name, callback_data=f"cat:{code}")
               for code, name in CATEGORIES.items()]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    await update.effective_chat.send_message("เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ",
                                             reply_markup=InlineKeyboardMarkup(rows))
    return CATEGORY


async def category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["category"] = update.callback_query.data.removeprefix("cat:")
    await update.effective_chat.send_message("กรุณาเล่ารายละเอียดของปัญหาค่ะ")
    return DESCRIPTION


async def description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data["description"] = update.message.text
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 ส่งตำแหน่งปัจจุบัน", request_location=True)], [SKIP]],
        resize_keyboard=True, one_time_keyboard=True)
    await update.message.reply_text("เกิดเหตุที่ไหนคะ", reply_markup=keyboard)
    return LOCATION


async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    loc = update.message.location
    context.user_data["location"] = (loc.latitude, loc.longitude)
    await update.message.reply_text("มีรูปถ่ายประกอบไหมคะ", reply_markup=ReplyKeyboardMarkup(
        [[SKIP]], resize_keyboard=True, one_time_keyboard=True))
    return PHOTOS


async def skip_photos(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📱 ส่งเบอร์โทร", request_contact=True)], [SKIP]],
        resize_keyboard=True, one_time_keyboard=True)
    await update.message.reply_text("ขอเบอร์โทรสำหรับติดต่อกลับไหมคะ", reply_markup=keyboard)
    return PHONE


async def skip_phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    d = context.user_data
    text = (f"กรุณาตรวจสอบเรื่องที่จะแจ้งค่ะ\n\nหมวด: {CATEGORIES[d['category']]}\n"
            f"รายละเอียด: {d['description']}\nสถานที่: {d['location']}\n\nถูกต้องไหมคะ")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ ยืนยันส่งเรื่อง",
                                                           callback_data="confirm")],
                                     [InlineKeyboardButton("❌ ยกเลิก", callback_data="cancel")]])
    await update.message.reply_text(text, reply_markup=keyboard)
    return CONFIRM


async def confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    d = context.user_data
    lat, lon = d["location"]
    cursor = db.execute("INSERT INTO cases (chat_id, category, description, lat, lon) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (update.effective_chat.id, d["category"], d["description"], lat, lon))
    db.commit()
    d.clear()
    await update.effective_chat.send_message(
        f"✅ ได้รับเรื่องของท่านแล้วค่ะ\nเลขที่เรื่อง: BL-{cursor.lastrowid:05d}",
        reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.clear()
    await update.effective_chat.send_message("ยกเลิกแล้วค่ะ", reply_markup=ReplyKeyboardRemove())
    return ConversationHandler.END


def build() -> Application:
    application = (Application.builder().token(TOKEN).base_url(BASE_URL)
                   .persistence(PicklePersistence(filepath=PERSISTENCE))
                   .updater(None).build())
    application.add_handler(ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            MENU: [CallbackQueryHandler(menu, pattern="^menu:file$")],
            CATEGORY: [CallbackQueryHandler(category, pattern="^cat:")],
            DESCRIPTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, description)],
            LOCATION: [MessageHandler(filters.LOCATION, location)],
            PHOTOS: [MessageHandler(filters.Regex(f"^{SKIP}$"), skip_photos)],
            PHONE: [MessageHandler(filters.Regex(f"^{SKIP}$"), skip_phone)],
            CONFIRM: [CallbackQueryHandler(confirm, pattern="^confirm$")],
        },
        fallbacks=[CommandHandler("cancel", cancel),
                   CallbackQueryHandler(cancel, pattern="^cancel$"),
                   CommandHandler("start", start)],
        name="grievance", persistent=True,
    ))
    return application


async def main() -> None:
    application = build()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if not hmac.compare_digest(given, SECRET):
            return web.Response(status=403)
        data = json.loads(await request.read())
        await application.update_queue.put(Update.de_json(data, application.bot))
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", health)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", PORT).start()
        print(f"baseline: serving on http://127.0.0.1:{PORT}", flush=True)
        await stop.wait()
        await runner.cleanup()
        await application.stop()
    db.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
