"""``python -m bot line-richmenu`` installs the rich menu on the (emulated) LINE account."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.richmenu import BUTTONS
from bot.sandbox.line_api import LineEmulator
from tests.e2e.conftest import LINE_SECRET, LINE_TOKEN


async def run(tmp_path: Path, **env: str) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "line-richmenu", cwd=tmp_path, env={**base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode(), err.decode()


async def test_the_rich_menu_is_installed_once_even_when_run_twice(
        tmp_path: Path, line: LineEmulator) -> None:
    env = {"LINE_CHANNEL_SECRET": LINE_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
           "LINE_API_HOST": line.url}
    for _ in range(2):
        code, out, err = await run(tmp_path, **env)
        assert code == 0, err
        assert out.startswith("rich menu richmenu-")
    (menu_id, menu), = line.rich_menus.items()  # the second run replaced the first
    assert line.default_rich_menu == menu_id
    assert line.rich_menu_images[menu_id].startswith(b"\x89PNG")
    assert [a["action"]["data"] for a in menu["areas"]] == list(BUTTONS)
    assert sum(a["bounds"]["width"] for a in menu["areas"]) == menu["size"]["width"]


async def test_a_wrong_token_is_one_line_not_a_traceback(tmp_path: Path,
                                                         line: LineEmulator) -> None:
    code, _, err = await run(tmp_path, LINE_CHANNEL_SECRET=LINE_SECRET,
                             LINE_CHANNEL_ACCESS_TOKEN="wrong", LINE_API_HOST=line.url)
    assert code == 2
    assert err.strip().splitlines() == ["rongrian: LINE answered 401: Unauthorized"]
