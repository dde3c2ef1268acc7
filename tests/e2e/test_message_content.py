"""What citizens type and send, at its most awkward: long texts, Thai with stacked marks,
zero-width and right-to-left characters, emoji, control characters, text that looks like SQL,
HTML or a command; files that claim to be photos and are not, dimension bombs, locations off
the Earth. Valid text is stored exactly as sent; the rest is refused with a clear answer and
nothing stored; nothing reaches an officer in a form that could break their message."""
from __future__ import annotations

import io
import json
import os
import struct
import zlib

from PIL import Image

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.e2e.test_officers import invite, officer_on_telegram
from tests.support import LineCitizen, TelegramCitizen, file_on_telegram, outbox_settled, rows

VALID_TEXTS = [
    "ถนนหน้าบ้านพังเป็นหลุมลึก ก\u0e31\u0e49\u0e49\u0e49 น้ำขังตลอด",  # stacked marks
    "ไฟ\u200bดับ\u200d\u200c\ufeffทั้งซอย มืดมากตอนกลางคืน",  # zero-width characters
    "🕳️🚧 หลุมใหญ่มาก 👨‍👩‍👧‍👦 เด็กเดินผ่านทุกวัน 🇹🇭",  # emoji, ZWJ sequences, flags
    "\u202eRTL override\u202c עברית عربي ข้อความปน",  # bidi override, Hebrew, Arabic
    "ขยะล้น\x01\x07\x1b[31m\x7f ส่งกลิ่น\tเหม็นมาก\r\nหลายวัน",  # control characters
    "'; DROP TABLE cases; -- ถนนพัง\" OR 1=1",  # SQL
    "<b>ถนน</b><script>alert(1)</script> &amp; *bold* _it_ `code` [x](http://e.x)",  # markup
    "น้ำไม่ไหล /start /cases @rongrian_bot #tag",  # commands inside the text
    "ก" * 2000,  # the longest description accepted
]


def png_header(width: int, height: int) -> bytes:
    """A few hundred bytes of valid PNG that claim ``width`` × ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def real_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_valid_texts_are_stored_and_shown_to_officers_exactly_as_sent(
        service: Service, emulator: TelegramEmulator) -> None:
    officer = await officer_on_telegram(service, emulator, 2001)
    db = str(service.settings.database_path)
    for n, text in enumerate(VALID_TEXTS):
        citizen = TelegramCitizen(emulator, 5000 + n)
        await file_on_telegram(citizen, "ถนน ทางเท้าชำรุด", text)
    stored = [d for (d,) in rows(db, "SELECT description FROM cases ORDER BY id")]
    assert [s.encode() for s in stored] == [t.encode() for t in VALID_TEXTS]
    await outbox_settled(db)
    alerts = [c for c in emulator.calls if c.method == "sendMessage"
              and int(c.params["chat_id"]) == officer.chat_id
              and "เรื่องใหม่" in c.params["text"]]
    assert len(alerts) == len(VALID_TEXTS)
    for call, text in zip(alerts, VALID_TEXTS):
        assert "parse_mode" not in call.params  # plain text: no markup can be injected
        assert "entities" not in call.params
        assert f"รายละเอียด: {text}\n" in call.params["text"]


async def test_line_officer_gets_valid_flex_with_the_text_verbatim(
        service: Service, emulator: TelegramEmulator, line: LineEmulator) -> None:
    officer = LineCitizen(line, "U" + "5" * 32)
    await officer.follow()
    await officer.say(await invite(service, "works"))
    for n, text in enumerate(VALID_TEXTS):
        await file_on_telegram(TelegramCitizen(emulator, 5100 + n), "ถนน ทางเท้าชำรุด", text)
    await outbox_settled(str(service.settings.database_path))
    alerts = [m for m in line.messages(officer.user_id) if m["type"] == "flex"]
    assert len(alerts) == len(VALID_TEXTS)  # the emulator refuses invalid Flex with 400
    for alert, text in zip(alerts, VALID_TEXTS):
        assert json.loads(json.dumps(alert["contents"])) == alert["contents"]
        assert len(alert["altText"]) <= 400
        values = [c["contents"][1]["text"] for c in alert["contents"]["body"]["contents"]]
        assert text in values


async def test_a_text_over_the_limit_is_refused_with_its_length(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, 5200)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    (answer,) = await citizen.say("ถ" * 4096)
    assert "4096" in answer and "2000" in answer
    (answer,) = await citizen.say("ถ😀" * 2048)  # 4,096 characters, 10 KB of UTF-8
    assert "4096" in answer
    (answer,) = await citizen.say("\u200b" * 40)  # nothing a person could read
    assert answer == "กรุณาเล่าเป็นข้อความค่ะ ว่าเกิดอะไรขึ้นที่ไหน"
    db = str(service.settings.database_path)
    assert rows(db, "SELECT COUNT(*) FROM cases") == [(0,)]
    (conversation,) = rows(db, "SELECT step, data FROM conversations WHERE chat_id = '5200'")
    assert conversation[0] == "g.description" and "description" not in conversation[1]


async def to_photos_on_telegram(citizen: TelegramCitizen) -> None:
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนยุบเป็นหลุมกว้างหน้าตลาด")
    await citizen.press("ข้าม")


BAD_IMAGE = "ขออภัยค่ะ ไฟล์นี้ไม่ใช่รูปถ่ายที่ระบบเปิดได้ กรุณาส่งรูปถ่าย (JPEG หรือ PNG) ค่ะ"


def media_files(service: Service) -> list[str]:
    root = service.settings.media_dir
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_files_that_are_not_photos_are_refused_and_not_stored(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, 5300)
    await to_photos_on_telegram(citizen)
    for data in (os.urandom(4096), b"%PDF-1.7 not a photo", png_header(100_000, 100_000),
                 png_header(60_000, 2), b""):
        _, status = await emulator.send(citizen.chat_id, document=(data, "photo.jpg", "image/jpeg"))
        assert status == 200
        (answer,) = [m["text"] for m in await emulator.wait_for(citizen.chat_id,
                                                                citizen.seen + 1)][citizen.seen:]
        citizen.seen += 1
        assert answer.startswith(BAD_IMAGE), answer
    for data in (os.urandom(2048), png_header(50_000, 50_000)):  # sent as a photo
        (answer,) = await citizen.send_photo(data)
        assert answer.startswith(BAD_IMAGE), answer
    assert media_files(service) == []
    # A real photo still goes through.
    (answer,) = await citizen.send_photo(real_jpeg())
    assert answer.startswith("ได้รับรูปที่ 1 แล้วค่ะ")
    assert len(media_files(service)) == 1


async def test_line_images_that_are_not_photos_are_refused_and_not_stored(
        service: Service, line: LineEmulator) -> None:
    citizen = LineCitizen(line, "U" + "6" * 32)
    await citizen.follow()
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนยุบเป็นหลุมกว้างหน้าตลาด")
    await citizen.press("ข้าม")
    for data in (os.urandom(4096), png_header(100_000, 100_000)):
        (answer,) = await citizen.send_image(data)
        assert answer.startswith(BAD_IMAGE), answer
    assert media_files(service) == []
    (answer,) = await citizen.send_image(real_jpeg())
    assert answer.startswith("ได้รับรูปที่ 1 แล้วค่ะ")


async def test_locations_off_the_earth_are_refused(
        service: Service, emulator: TelegramEmulator, line: LineEmulator) -> None:
    citizen = TelegramCitizen(emulator, 5400)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    await citizen.press("ถนน ทางเท้าชำรุด")
    await citizen.say("ถนนยุบเป็นหลุมกว้างหน้าตลาด")
    for lat, lon in ((91.0, 0.0), (0.0, 180.5), (-1e308, 1e308), (float("nan"), 103.3),
                     (float("inf"), 0.0)):
        (answer,) = await citizen.share_location(lat, lon)
        assert answer.startswith("ตำแหน่งนี้ไม่ถูกต้องค่ะ"), (lat, lon, answer)
    line_citizen = LineCitizen(line, "U" + "7" * 32)
    await line_citizen.follow()
    await line_citizen.press("📝 ร้องเรียน")
    await line_citizen.press("ถนน ทางเท้าชำรุด")
    await line_citizen.say("ถนนยุบเป็นหลุมกว้างหน้าตลาด")
    (answer,) = await line_citizen.share_location(-95.0, 200.0)
    assert answer.startswith("ตำแหน่งนี้ไม่ถูกต้องค่ะ")
    db = str(service.settings.database_path)
    assert [step for (step,) in rows(db, "SELECT step FROM conversations")] == [
        "g.location", "g.location"]
    drafts = [json.loads(data).get("draft", {}) for (data,) in
              rows(db, "SELECT data FROM conversations")]
    assert drafts and all("location" not in d for d in drafts), drafts
