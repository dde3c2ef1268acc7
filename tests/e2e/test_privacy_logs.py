"""What the logs say about citizens: at INFO, never a chat id, a name, a phone number or a
message text; only case references and platform names."""
from __future__ import annotations

import logging

import pytest

from bot.sandbox.line_api import LineEmulator
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.support import LineCitizen, TelegramCitizen

DESCRIPTION = "บ้านเลขที่ 99 นายสมชาย ใจดี ร้องเรียนเสียงดังจากโรงงาน"
PHONE = "0898765432"


async def test_a_whole_filing_logs_nothing_that_identifies_the_citizen(
        service: Service, emulator: TelegramEmulator, line: LineEmulator,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    telegram = TelegramCitizen(emulator, chat_id=987654321)
    await telegram.say("/start")
    await telegram.press("📝 ร้องเรียน")
    await telegram.press("เสียง กลิ่น ควัน")
    await telegram.say(DESCRIPTION)
    await telegram.say("ซอยข้างโรงงานน้ำแข็ง")
    await telegram.press("ข้าม")
    await telegram.share_contact(PHONE, expect=2)
    await telegram.press("✅ ยืนยันส่งเรื่อง")
    user = "U" + "9" * 32
    citizen = LineCitizen(line, user)
    await citizen.follow()
    await citizen.say(DESCRIPTION)

    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "case KS-2569-00001 filed via telegram" in logged  # it does log something useful
    for secret in ("987654321", user, "Citizen", DESCRIPTION, "สมชาย", PHONE, "089-876"):
        assert secret not in logged
