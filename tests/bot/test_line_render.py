"""Neutral replies rendered as LINE message objects, within LINE's limits."""
from __future__ import annotations

from pathlib import Path

from bot.line import MORE_LABEL, flex, quick_reply, render
from handlers.engine import Engine
from handlers.municipality import load_municipality
from handlers.turn import Services
from handlers.types import Card, Choice, Reply
from storage.db import Database
from tests.support import Citizen


def test_a_card_becomes_a_flex_bubble_with_its_text_as_alt_text() -> None:
    card = Card("หัวเรื่อง", (("เลขที่เรื่อง", "KS-2569-00001"), ("สถานที่", "")), "ท้าย")
    message = render(Reply(card.as_text(), (Choice("confirm", "✅ ยืนยัน"),), card=card))
    assert message["type"] == "flex"
    assert message["altText"] == "หัวเรื่อง\n\nเลขที่เรื่อง: KS-2569-00001\nสถานที่: \n\nท้าย"
    body = message["contents"]["body"]["contents"]
    assert [row["contents"][1]["text"] for row in body] == ["KS-2569-00001", "-"]  # never empty
    assert message["quickReply"]["items"][0]["action"] == {
        "type": "postback", "label": "✅ ยืนยัน", "data": "confirm", "displayText": "✅ ยืนยัน"}


def test_alt_text_is_cut_to_400_characters() -> None:
    assert len(flex(Card("x" * 1000), "x" * 1000)["altText"]) == 400


def test_a_long_label_is_cut_but_the_citizen_sees_it_whole() -> None:
    (item,) = quick_reply(Reply("?", (Choice("cat:x", "ก" * 30),)))
    assert item["action"]["label"] == "ก" * 19 + "…"
    assert item["action"]["displayText"] == "ก" * 30


def test_widgets_come_first_and_a_contact_request_stays_plain_text() -> None:
    location = quick_reply(Reply("?", (Choice("skip", "ข้าม"),), request="location",
                                 request_label="📍 ส่งตำแหน่ง"))
    assert [i["action"]["type"] for i in location] == ["location", "postback"]
    photo = quick_reply(Reply("?", (Choice("skip", "ข้าม"),), request="photo"))
    assert [i["action"]["type"] for i in photo] == ["camera", "cameraRoll", "postback"]
    contact = quick_reply(Reply("?", (Choice("skip", "ข้าม"),), request="contact",
                                request_label="📱"))
    assert [i["action"]["type"] for i in contact] == ["postback"]  # LINE cannot share a number


def test_more_than_thirteen_choices_end_with_a_more_button() -> None:
    choices = tuple(Choice(f"cat:{n}", f"หมวด {n}") for n in range(20))
    items = quick_reply(Reply("?", choices))
    assert len(items) == 13
    assert items[-1]["action"]["data"] == "more:12" and items[-1]["action"]["label"] == MORE_LABEL
    second = quick_reply(Reply("ตัวเลือกเพิ่มเติมค่ะ", choices[12:], choices_offset=12))
    assert [i["action"]["data"] for i in second] == [f"cat:{n}" for n in range(12, 20)]


async def test_the_engine_pages_through_many_categories(tmp_path: Path, services: Services) -> None:
    """A municipality with 15 categories: page one on LINE, "more", then a page-two pick."""
    config = (Path(__file__).parents[2] / "handlers/data/kra_sang.toml").read_text("utf-8")
    extra = "".join(f'\n[[categories]]\ncode = "extra{n}"\nth = "เพิ่ม {n}"\nen = "Extra {n}"\n'
                    f'division = "clerk"\n' for n in range(4))
    (tmp_path / "many.toml").write_text(config + extra, "utf-8")
    many = load_municipality(tmp_path / "many.toml")
    db = await Database.open(tmp_path / "pages.db")
    try:
        citizen = Citizen(Engine(db, Services(many, services.calendar, services.clock)),
                          platform="line")
        await citizen.text("/start")
        (prompt,) = await citizen.press("menu:file")
        assert len(prompt.choices) == 16  # 15 categories and cancel
        assert quick_reply(prompt)[-1]["action"]["data"] == "more:12"
        (page,) = await citizen.send(choice="more:12")
        assert page.choices_offset == 12
        assert [c.value for c in page.choices] == ["cat:extra1", "cat:extra2", "cat:extra3",
                                                   "cancel"]
        (reply,) = await citizen.press("cat:extra3")
        assert reply.text.startswith("กรุณาเล่ารายละเอียด")
        (row,) = await db.fetchall("SELECT data FROM conversations")
        assert '"category":"extra3"' in row[0]
    finally:
        await db.close()
