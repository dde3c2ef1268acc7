"""The canary sweep: an anonymous report, followed up and closed, on Telegram and on LINE,
by reporters with distinctive ids and names, with every log at DEBUG. Afterwards not one
byte of the database (its -wal and -shm too), the logs, the export or the attachment store
may hold any of those canaries: not as text, not in hex, not as their SHA-256, not as their
HMAC under any key the service holds. Only the address of a reporter who asked for notices
may exist, sealed, and only until the report closes.

Run it alone: ``pytest tests/e2e/test_anonymous_canary.py -v``.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import logging
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

from bot import logs
from bot.__main__ import parse, report_command
from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from storage.seal import load_key
from tests.e2e.conftest import StartService
from tests.e2e.test_officers import next_texts, officer_on_telegram
from tests.support import (
    LineCitizen,
    TelegramCitizen,
    file_on_telegram,
    jpeg,
    outbox_settled,
    rows,
)

TG_ID = 7731946025  # a private chat's id is its user's id
TG_USERNAME = "whistle_canary_q7"
TG_NAME = "Kanarinsky"
LINE_ID = "U" + "c4a7e91b" * 4
WHAT = "หัวหน้าฝ่ายเรียกรับเงินสองพันบาทเพื่อเร่งออกใบอนุญาต"
WHEN = "วันที่ 3 พ.ย. ช่วงบ่าย ที่ห้องกองช่าง"
INTEGRITY = 5550001
CONTROL = 6620417  # files an ordinary grievance: the sweep must find this one


def gps_jpeg() -> bytes:
    """A phone's photo: GPS position, camera make and model, the moment it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhone"  # Make
    exif[0x0110] = "Model-X9"  # Model
    exif[0x0132] = "2026:11:03 14:05:09"  # DateTime
    exif[0x8825] = {1: "N", 2: (14.0, 55.0, 25.0), 3: "E", 4: (103.0, 18.0, 0.0)}  # GPSInfo
    return jpeg(9, exif=exif)


def encodings(value: str, keys: list[bytes]) -> Iterator[tuple[str, bytes]]:
    """Every form a canary could be stored in."""
    raw = value.encode()
    yield "text", raw
    yield "hex", raw.hex().encode()
    if value.lstrip("-").isdigit():
        number = int(value)
        yield "hex number", f"{number:x}".encode()
        yield "bytes", number.to_bytes(8, "big", signed=True)
        yield "bytes le", number.to_bytes(8, "little", signed=True)
    digest = hashlib.sha256(raw)
    yield "sha256", digest.digest()
    yield "sha256 hex", digest.hexdigest().encode()
    for i, key in enumerate(keys):
        mac = hmac.new(key, raw, hashlib.sha256)
        yield f"hmac[{i}]", mac.digest()
        yield f"hmac[{i}] hex", mac.hexdigest().encode()


def everything(*roots: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for root in roots
            for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()}


def sweep(files: dict[str, bytes], canaries: list[str], keys: list[bytes]) -> list[str]:
    return [f"{canary!r} as {form} in {name}"
            for canary in canaries for form, needle in encodings(canary, keys)
            for name, data in files.items() if needle in data]


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """LOG_LEVEL=DEBUG, as ``python -m bot`` sets it up, into a file."""
    path = tmp_path / "logs" / "rongrian.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logs.quiet_libraries()
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


@pytest.fixture
async def service(start_service: StartService, tmp_path: Path) -> Service:
    """Kra Sang's file, but alerts of anonymous reports leave at once (they wait 5–30
    minutes otherwise: tests/handlers/test_report.py checks that)."""
    text = resources.files("handlers.data").joinpath("kra_sang.toml").read_text("utf-8")
    assert "alert_delay_minutes = [5, 30]" in text
    config = tmp_path / "kra_sang_now.toml"
    config.write_text(text.replace("alert_delay_minutes = [5, 30]",
                                   "alert_delay_minutes = [0, 0]"), encoding="utf-8")
    return await start_service(municipality_config=config)


async def test_an_anonymous_report_leaves_no_canary_anywhere(
        service: Service, emulator: TelegramEmulator, line: LineEmulator, debug_log: Path,
        tmp_path: Path) -> None:
    officer = await officer_on_telegram(service, emulator, INTEGRITY, "clerk", "integrity")
    await file_on_telegram(TelegramCitizen(emulator, CONTROL), "ถนน ทางเท้าชำรุด",
                           "ถนนหน้าบ้านเลขที่ 12 เป็นหลุมลึก")

    # -- Telegram: report with evidence sent as a file, opt in to notices ---------------
    reporter = TelegramCitizen(emulator, TG_ID, first_name=TG_NAME, username=TG_USERNAME)
    await reporter.say("/start")
    await reporter.press("🛡️ แจ้งเบาะแสทุจริต")
    await reporter.press("🕶️ ไม่ระบุตัวตน")
    await reporter.press("กองช่าง")
    await reporter.say(WHAT)
    await reporter.say(WHEN)
    (got,) = await reporter.send_document(gps_jpeg(), "IMG_20261103_140509.jpg", "image/jpeg")
    assert got.startswith("ได้รับรูปที่ 1 แล้วค่ะ")
    await reporter.press("เสร็จแล้ว")
    await reporter.press("ยังไม่เคย")
    (receipt,) = await reporter.press("✅ ยืนยันส่งเรื่อง")
    code = re.search(r"\d{4} \d{4} \d{4} \d{4}", receipt).group(0)
    receipt_id = emulator.messages(TG_ID)[-1]["message_id"]
    await reporter.press("📝 บันทึกแล้ว")
    assert (TG_ID, receipt_id) in emulator.deleted  # the code left the chat
    (done,) = await reporter.press("🔔 รับแจ้งเตือน")
    assert done.startswith("ตั้งค่าแล้วค่ะ")

    photo, alert = await next_texts(officer, 2)
    (label,) = re.findall(r"KS-R-[A-Z0-9]{6}", alert)
    relayed = emulator.messages(INTEGRITY)[-2]["photo_url"].rsplit("/", 1)[1]
    with Image.open(io.BytesIO(emulator._files[relayed].data)) as image:
        assert dict(image.getexif()) == {} and "exif" not in image.info  # no GPS, camera, date
    assert TG_NAME not in alert and TG_USERNAME not in alert and str(TG_ID) not in alert

    # While the report is open, the opted-in address exists, sealed.
    (blob,), = rows(str(service.settings.database_path), "SELECT sealed FROM report_contacts")
    assert str(TG_ID).encode() not in blob

    # -- the officer asks; the reporter answers with the code ---------------------------
    await officer.press("✅ รับเรื่อง")
    await officer.press("❓ ถามผู้ร้อง")
    await officer.say("เงินจ่ายเป็นเงินสดหรือโอน")
    (news, news2) = await next_texts(reporter, 2)  # accepted, asked: "there is news", twice
    assert news == news2 == ("🔔 มีความคืบหน้าเรื่องที่ท่านแจ้งเบาะแสไว้ค่ะ ดูได้ด้วยรหัสรับแจ้ง "
                             "ที่เมนู แจ้งเบาะแสทุจริต")
    await reporter.say("/start")
    await reporter.press("🛡️ แจ้งเบาะแสทุจริต")
    await reporter.press("🔑 มีรหัสรับแจ้งแล้ว")
    (view,) = await reporter.say(code)
    typed_id = emulator.messages(TG_ID, from_bot=False)[-1]["message_id"]
    assert (TG_ID, typed_id) in emulator.deleted
    assert "❓ เจ้าหน้าที่ถาม: เงินจ่ายเป็นเงินสดหรือโอน" in view
    await reporter.press("💬 ตอบคำถาม")
    await reporter.say("เงินสด ไม่มีใบเสร็จ", expect=2)
    assert (await next_texts(officer, 1))[0].endswith("เงินสด ไม่มีใบเสร็จ")

    # -- LINE: a second reporter, no notices ---------------------------------------------
    liner = LineCitizen(line, LINE_ID)
    await liner.follow()
    await liner.press("🛡️ แจ้งเบาะแสทุจริต")
    await liner.press("🕶️ ไม่ระบุตัวตน")
    await liner.press("❔ ไม่ทราบ")
    await liner.say("เจ้าหน้าที่เก็บค่าขยะโดยไม่ออกใบเสร็จหลายครั้ง")
    await liner.say("ตลาดสดเทศบาล ทุกวันจันทร์")
    await liner.press("ข้าม")
    await liner.press("ไม่ขอตอบ")
    (line_receipt,) = await liner.press("✅ ยืนยันส่งเรื่อง")
    assert "โปรดลบข้อความนี้ออกจากแชตด้วยค่ะ" in line_receipt
    await liner.press("📝 บันทึกแล้ว")
    await liner.press("🔕 ไม่รับ")
    (line_alert,) = await next_texts(officer, 1)
    assert line_alert.startswith("🛡️ เรื่องแจ้งเบาะแสใหม่ KS-R-") and LINE_ID not in line_alert

    # -- the first report closes: its sealed address is deleted --------------------------
    await officer.say(label)
    await officer.press("🏁 แก้ไขเสร็จ")
    await officer.say("ตรวจสอบแล้ว ส่งเรื่องดำเนินการทางวินัย")
    await officer.press("ข้าม", expect=1)
    db = str(service.settings.database_path)
    assert rows(db, "SELECT COUNT(*) FROM report_contacts") == [(0,)]
    await next_texts(reporter, 1)  # the last notice
    await outbox_settled(db)
    assert rows(db, "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL") == [(0,)]

    # -- the executives' export -----------------------------------------------------------
    exports = tmp_path / "exports"
    assert await report_command(service.settings, parse(
        ["report", "--from", "2026-10-01", "--to", "2027-09-30", "--with-phones",
         "--out", str(exports)])) == 0

    # -- the sweep ------------------------------------------------------------------------
    keys = [load_key(service.settings.seal_key_file),
            hashlib.sha256(b"rongrian media links:" + b"test-line-channel-secret").digest(),
            bytes(rows(db, "SELECT value FROM meta WHERE key = 'receipt_salt'")[0][0])]
    canaries = [str(TG_ID), TG_USERNAME, TG_NAME, LINE_ID, code.replace(" ", ""), code]
    logging.getLogger("rongrian.test").debug("sweeping")  # the log file exists and is live
    sources = (Path(db), Path(f"{db}-wal"), Path(f"{db}-shm"), service.settings.media_dir,
               debug_log, exports)
    files = everything(*(p for p in sources if p.exists()))
    assert any(name.endswith("-wal") for name in files)
    assert sweep(files, [str(CONTROL)], keys)  # the sweep does find what is there
    assert sweep(files, canaries, keys) == []
    await service.stop()  # and once more, after the last checkpoint at close
    assert sweep(everything(*(p for p in sources if p.exists())), canaries, keys) == []
    assert rows(db, "SELECT COUNT(*) FROM cases WHERE anonymous = 1") == [(2,)]
