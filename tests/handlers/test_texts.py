"""Product text rules that a reviewer would otherwise have to check by eye."""
from __future__ import annotations

import re

import pytest

from handlers.municipality import load_municipality
from handlers.texts import TEXTS

# Texts used as button labels: LINE cuts labels at 20 characters, phones show little more.
LABELS = [k for k in TEXTS if k.startswith(("menu.", "g.field.", "g.location.button",
                                              "g.phone.button", "g.edit.back")) and
          k not in ("menu.pick",)] + ["g.confirm", "g.edit", "g.cancel", "skip", "done"]


@pytest.mark.parametrize("key", LABELS)
def test_button_labels_fit_twenty_characters(key: str) -> None:
    for text in TEXTS[key]:
        assert len(text) <= 20, text


def test_category_names_fit_twenty_characters() -> None:
    for category in load_municipality().categories:
        assert len(category.name.th) <= 20 and len(category.name.en) <= 20, category


@pytest.mark.parametrize("key", list(TEXTS))
def test_thai_speaks_in_one_polite_voice(key: str) -> None:
    """One voice: ค่ะ/คะ, never ครับ; and the two languages take the same placeholders."""
    th, en = TEXTS[key]
    assert "ครับ" not in th
    assert set(re.findall(r"{(\w+)", th)) == set(re.findall(r"{(\w+)", en))
