"""A step's one reply travels in the Telegram webhook's answer (a Bot API call Telegram
carries out itself, with no request of ours), end to end through the emulated Bot API.

Telegram reports no result for such a call, so the tests also pin down what keeps it from
losing a message: it is recorded 'sent' in the step's own commit; an answer lost on the way
(the update comes again) has its reply sent again by request, once; a chat with anything
queued, a step with two messages, a pace that allows no send now, and a platform that just
failed a send all go by request instead. Covered faults: a double-delivered update, a lost
webhook answer, a 500 from the platform."""
from __future__ import annotations

import asyncio
import dataclasses
import json

from bot.delivery import Pacing
from bot.sandbox.telegram_api import TelegramEmulator
from bot.service import Service
from tests.e2e.conftest import StartService
from tests.support import TelegramCitizen, outbox_settled, rows, telegram_to_summary

MENU = "สวัสดีค่ะ ยินดีต้อนรับสู่ช่องทางร้องเรียนของเทศบาลตำบลกระสัง\nต้องการทำรายการใดคะ"


def sends(emulator: TelegramEmulator, method: str = "sendMessage") -> list[str]:
    """How each call of ``method`` travelled: 'answer' or 'request', in order."""
    return ["answer" if c.headers.get("via") == "webhook answer" else "request"
            for c in emulator.calls if c.method == method]


def outbox(service: Service) -> list[tuple]:
    return rows(str(service.settings.database_path),
                "SELECT status, answers, attempts FROM outbox ORDER BY id")


def tag(service: Service, update: dict) -> str:
    """How the outbox names the update a carried reply answered: a keyed tag, not its id."""
    assert service.engine.services.sealer is not None
    return service.engine.services.sealer.tag(f"telegram:{update['update_id']}")


async def test_a_one_reply_step_rides_in_the_answer_and_is_recorded_sent(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=601)
    update, status = await emulator.send(601, text="/start")
    assert status == 200
    assert [m["text"] for m in await emulator.wait_for(601, 1)] == [MENU]
    assert sends(emulator) == ["answer"]
    assert outbox(service) == [("sent", tag(service, update), 1)]
    # Update ids are one sequence across all chats: with the replies' exact times they would
    # date the ids between them, a private chat's too. None is stored with a reply.
    (answers,) = rows(str(service.settings.database_path), "SELECT answers FROM outbox")[0]
    assert str(update["update_id"]) not in answers
    citizen.seen = 1
    # A button press: the reply rides in the answer, so the spinner is stopped by a request.
    assert await citizen.press("📝 ร้องเรียน") == ["เรื่องที่ต้องการแจ้งเป็นเรื่องใดคะ"]
    assert sends(emulator) == ["answer", "answer"]
    for _ in range(100):  # the acknowledgement is sent in the background
        if sends(emulator, "answerCallbackQuery"):
            break
        await asyncio.sleep(0.02)
    assert sends(emulator, "answerCallbackQuery") == ["request"]


async def test_a_two_message_step_goes_by_request_in_order(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=602)
    thanks, summary = await telegram_to_summary(citizen)
    assert thanks == "ขอบคุณค่ะ" and summary.startswith("กรุณาตรวจสอบ")
    assert sends(emulator)[-2:] == ["request", "request"]
    assert sends(emulator)[:-2] == ["answer"] * 6


async def test_an_answer_lost_on_the_way_is_sent_again_by_request_once(
        service: Service, emulator: TelegramEmulator) -> None:
    # The connection breaks as we answer: Telegram never reads the answer, nor the reply in
    # it, and delivers the update again (it redelivers only what got no answer).
    update, status = await emulator.send(603, text="/start", lose_answer=True)
    assert status == 0 and emulator.messages(603) == []
    assert outbox(service) == [("sent", tag(service, update), 1)]
    assert await emulator.deliver(update) == 200
    await outbox_settled(str(service.settings.database_path))
    assert [m["text"] for m in emulator.messages(603)] == [MENU]
    assert sends(emulator) == ["request"]
    assert outbox(service) == [("sent", None, 1)]
    # Delivered once more: its reply went by request already, nothing more goes out.
    assert await emulator.deliver(update) == 200
    await outbox_settled(str(service.settings.database_path))
    assert len(emulator.messages(603)) == 1


async def test_a_redelivery_after_the_chat_moved_on_sends_nothing_old(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=604)
    first, _ = await emulator.send(604, text="/start")
    citizen.seen = len(await emulator.wait_for(604, 1))
    await citizen.press("📝 ร้องเรียน")
    assert await emulator.deliver(first) == 200  # late, and answered already
    await outbox_settled(str(service.settings.database_path))
    assert len(emulator.messages(604)) == 2
    assert [s for s, *_ in outbox(service)] == ["sent", "sent"]


async def test_a_failed_send_stops_answers_carrying_replies_for_a_while(
        service: Service, emulator: TelegramEmulator) -> None:
    citizen = TelegramCitizen(emulator, chat_id=605)
    await telegram_to_summary(citizen)
    # A two-message step's first send fails (500): the platform is in trouble, so the next
    # one-reply steps go by request too, where a failure is seen and retried.
    await citizen.press("✏️ แก้ไข")
    await citizen.press("เบอร์ติดต่อ")
    emulator.fail("sendMessage", 500)
    await citizen.share_contact("0812345678", expect=2)
    await citizen.press("✅ ยืนยันส่งเรื่อง")
    assert sends(emulator)[-1] == "request"
    await outbox_settled(str(service.settings.database_path))
    assert all(status == "sent" for status, *_ in outbox(service))


async def test_a_failed_acknowledgement_stops_answers_carrying_replies_too(
        service: Service, emulator: TelegramEmulator) -> None:
    """Any call that fails for Telegram's reasons, a button's acknowledgement included, is
    a sign that a reply carried in an answer could fail unseen (a 500 here)."""
    citizen = TelegramCitizen(emulator, chat_id=607)
    await citizen.say("/start")
    emulator.fail("answerCallbackQuery", 500)
    await citizen.press("📝 ร้องเรียน")  # decided before the acknowledgement failed: it rides
    for _ in range(100):  # the acknowledgement is sent in the background
        if [c for c in emulator.calls if c.method == "answerCallbackQuery"]:
            break
        await asyncio.sleep(0.02)
    (failed,) = [c for c in emulator.calls if c.method == "answerCallbackQuery"]
    assert failed.status == 500
    await citizen.press("ไฟฟ้าส่องสว่างดับ")
    assert sends(emulator) == ["answer", "answer", "request"]


async def test_a_reply_rides_only_while_a_request_has_lately_been_answered(
        service: Service, emulator: TelegramEmulator) -> None:
    """A carried reply's failure goes unseen; where every reply would ride (no button, one
    message a step), one goes by request once ``proven_for`` has passed, so that a platform
    in trouble is found out by a request's failure (the bound on unseen losses)."""
    assert service.telegram is not None
    citizen = TelegramCitizen(emulator, chat_id=608)
    await citizen.say("/start")  # the service's getMe at start was answered just now
    service.telegram.proven_for = 1.0
    await asyncio.sleep(1.2)
    await citizen.say("📝 ร้องเรียน")  # typed: no button, no acknowledgement by request
    await outbox_settled(str(service.settings.database_path))  # that request was answered
    await citizen.say("ไฟฟ้าส่องสว่างดับ")  # within the second after it: it rides again
    assert sends(emulator) == ["answer", "request", "answer"]


async def test_the_pace_decides_whether_an_answer_may_carry_a_reply(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    # Telegram's own pace: one message a second to a chat. A citizen answering at once
    # gets the next reply by request, after the second has passed.
    await start_service(pacing=Pacing(per_chat_interval=1.0))
    citizen = TelegramCitizen(emulator, chat_id=606)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    assert sends(emulator) == ["answer", "request"]
    first, second = [c.at for c in emulator.calls if c.method == "sendMessage"]
    assert second - first >= 1.0 - 0.05


async def test_reply_in_answer_can_be_turned_off(
        start_service: StartService, emulator: TelegramEmulator) -> None:
    await start_service(telegram_reply_in_answer=False)
    citizen = TelegramCitizen(emulator, chat_id=607)
    await citizen.say("/start")
    await citizen.press("📝 ร้องเรียน")
    assert sends(emulator) == ["request", "request"]
    assert sends(emulator, "answerCallbackQuery") == ["answer"]  # the spinner: in the answer


def test_payload_in_the_answer_is_the_request_s(service: Service) -> None:
    """The same message either way: the answer's call is the request's parameters."""
    from bot.telegram import answer_call, message_params
    from handlers.types import Choice, Reply
    reply = Reply("ก" * 5000, (Choice("cat:road", "ถนน"),))
    call = answer_call("42", reply)
    assert call == {"method": "sendMessage", **message_params("42", reply)}
    assert call["reply_markup"] == {"inline_keyboard": [[{"text": "ถนน",
                                                          "callback_data": "cat:road"}]]}
    assert len(call["text"]) == 4096
    json.dumps(call)  # plain JSON
    for unfit in (dataclasses.replace(reply, images=("ab" * 32,)),
                  dataclasses.replace(reply, delete=("msg:1",)),
                  dataclasses.replace(reply, remember="receipt"),
                  Reply("x", (Choice("c" * 65, "too long"),))):
        assert answer_call("42", unfit) is None
