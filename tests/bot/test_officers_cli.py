"""``python -m bot officers …`` as an admin types it: invite, list, revoke."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_"))}
    return subprocess.run([sys.executable, "-m", "bot", "officers", *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)


def test_invite_list_and_revoke(tmp_path: Path) -> None:
    invited = run(tmp_path, "invite", "--division", "works", "--role", "head")
    assert invited.returncode == 0, invited.stderr
    code, how = invited.stdout.splitlines()
    assert re.fullmatch(r"INV-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    assert how == "Send this code to the bot in a private chat within 72 hours; it works once."
    database = (tmp_path / "data" / "rongrian.db").read_bytes()
    assert code.encode() not in database  # only its hash is kept

    group = run(tmp_path, "invite", "--division", "works", "--group", "--hours", "2")
    assert "in the division's group chat within 2 hours" in group.stdout

    unknown = run(tmp_path, "invite", "--division", "roads")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("rongrian: unknown division 'roads'; one of clerk, ")

    assert run(tmp_path, "list").stdout == ""  # nobody has used a code yet
    missing = run(tmp_path, "revoke", "1")
    assert (missing.returncode, missing.stderr) == (2, "rongrian: no active officer #1\n")
