"""The outbox's stored form of a reply: every field comes back, and the form is the one rows
written before ``Reply.to_dict`` was written out (by ``dataclasses.asdict``) have."""
from __future__ import annotations

import dataclasses
import json

from handlers.types import Card, Choice, Reply

FULL = Reply("ข้อความ", (Choice("cat:road", "ถนน"), Choice("skip", "ข้าม")), "location",
             "📍 ส่งตำแหน่ง", 2, Card("หัวเรื่อง", (("หมวด", "ถนน"), ("ที่", "ตลาด")), "ท้าย"),
             8, ("ab" * 32,), ("msg:5", "receipt"), "receipt")


def test_every_field_comes_back() -> None:
    for reply in (FULL, Reply("สั้น")):
        assert Reply.from_dict(json.loads(reply.to_json())) == reply


def test_the_stored_form_is_unchanged() -> None:
    for reply in (FULL, Reply("สั้น")):
        assert reply.to_dict() == json.loads(json.dumps(dataclasses.asdict(reply)))
        assert set(reply.to_dict()) == {f.name for f in dataclasses.fields(Reply)}
