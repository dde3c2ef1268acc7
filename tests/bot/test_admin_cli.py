"""``python -m bot officers …`` and ``python -m bot report`` as an admin types them. (The
entry point is called in-process; tests/e2e/test_sandbox_cli.py runs ``python -m bot``.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.__main__ import main


@pytest.fixture
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN",
                 "DATABASE_PATH", "MUNICIPALITY_CONFIG"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args) if args[0] == "report" else ["officers", *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_invite_list_and_revoke(admin, tmp_path: Path) -> None:
    code, out, _ = admin("invite", "--division", "works", "--role", "head")
    assert code == 0
    invitation, how = out.splitlines()
    assert re.fullmatch(r"INV-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", invitation)
    assert how == "Send this code to the bot in a private chat within 72 hours; it works once."
    database = (tmp_path / "data" / "rongrian.db").read_bytes()
    assert invitation.encode() not in database  # only its hash is kept

    code, out, _ = admin("invite", "--division", "works", "--group", "--hours", "2")
    assert "in the division's group chat within 2 hours" in out

    code, _, err = admin("invite", "--division", "roads")
    assert code == 2
    assert err.startswith("rongrian: unknown division 'roads'; one of clerk, ")

    assert admin("list") == (0, "", "")  # nobody has used a code yet
    assert admin("revoke", "1") == (2, "", "rongrian: no active officer #1\n")


def test_report_prints_the_summary_and_writes_csv_and_chart(admin, tmp_path: Path) -> None:
    code, out, _ = admin("report", "--from", "2026-10-01", "--to", "2027-09-30",
                         "--out", "reports")
    assert code == 0
    assert out.startswith("📊 รายงานเรื่องร้องเรียน เทศบาลตำบลกระสัง\n"
                          "1 ตุลาคม 2569 – 30 กันยายน 2570\n\nเรื่องทั้งหมด: 0 เรื่อง")
    assert out.endswith("CSV: reports/report-2026-10-01-2027-09-30.csv\n"
                        "Chart: reports/report-2026-10-01-2027-09-30.png\n")
    rows = (tmp_path / "reports/report-2026-10-01-2027-09-30.csv").read_text("utf-8-sig")
    assert rows.startswith("reference,kind,category,division,channel,status,")
    png = (tmp_path / "reports/report-2026-10-01-2027-09-30.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert admin("report", "--from", "2027-01-01", "--to", "2026-01-01")[0] == 2
