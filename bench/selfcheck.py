"""The load driver's own correctness: it must see every reply, once, and it must notice a
reply that is lost or duplicated. Meant to be called from a test (no timing is asserted):

    from bench.selfcheck import negative_controls, selfcheck

    async def test_load_driver_sees_every_reply_once():
        r = await selfcheck(users=5, flows=1)
        assert (r.lost, r.duplicated, r.errors, r.flows_done) == (0, 0, 0, 5)

    async def test_load_driver_notices_lost_and_duplicated_replies():
        c = await negative_controls()
        assert c == {"bare_lost": 1, "bare_duplicated": 1, "ours_redelivery_duplicated": 0}

or from the command line: ``python -m bench --selfcheck``.
"""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.flows import SCRIPT, TOKEN, BenchTelegram, FlowResult, drive, recount
from bench.procs import stop_all
from bench.servers import make_server


async def _run(kind: str, users: int, flows: int, on_step: Any = None,
               step_timeout: float = 10.0, after: Any = None) -> FlowResult:
    emu = BenchTelegram(TOKEN)
    await emu.start()
    with tempfile.TemporaryDirectory(prefix="rongrian-selfcheck-") as tmp:
        server, profile = make_server(kind, emu.api_base_url, Path(tmp))
        try:
            await server.start()
            result = await drive(emu, server, profile, users, flows, step_timeout=step_timeout,
                                 max_seconds=120, on_step=on_step and on_step(emu))
            if after is not None:
                await after(emu, result)
        finally:
            await server.stop()
            await emu.stop()
            await stop_all()
    return result


async def selfcheck(users: int = 5, flows: int = 1, kind: str = "ours") -> FlowResult:
    """Drive ``kind`` (default: our service with the delivery pacing lifted, so it takes a
    second; "ours-shipped" is ``python -m bot`` as is and takes ~10 s at 1 message/s per
    chat). Returns the result; the caller asserts on it."""
    return await _run(kind, users, flows)


async def negative_controls() -> dict[str, int]:
    """Make a reply go missing and another arrive twice, and check the driver counts both:

    - bare server, one citizen: the emulator refuses (400) the bot's answer to the last
      update, so that reply never arrives → lost 1 (and one step timeout);
    - bare server: the webhook's answer to the last update is lost on the way, so the
      emulator delivers it again, as Telegram does; the bare server has no deduplication and
      sends its reply again → duplicated 1;
    - our service: the same redelivery is recognised (processed_updates), and the reply its
      lost answer carried is sent once, by request → duplicated 0 (and lost 0).
    """
    last = len(SCRIPT) - 1

    def lose_last(emu: BenchTelegram) -> Any:
        async def hook(stage: str, i: int, f: int, k: int, update: Any) -> None:
            if stage == "before" and k == last:
                emu.fail("sendMessage", 400, count=1)
        return hook

    def redeliver_last(emu: BenchTelegram) -> Any:
        async def hook(stage: str, i: int, f: int, k: int, update: Any) -> None:
            if stage == "before" and k == last:
                emu.lose_answers = 1
        return hook

    async def settle(emu: BenchTelegram, result: FlowResult) -> None:
        await asyncio.sleep(1.0)
        recount(emu, result)

    lost = await _run("bare", 1, 1, lose_last, step_timeout=2.0, after=settle)
    dup = await _run("bare", 1, 1, redeliver_last, after=settle)
    ours = await _run("ours", 1, 1, redeliver_last, after=settle)
    return {"bare_lost": lost.lost, "bare_duplicated": dup.duplicated,
            "ours_redelivery_duplicated": ours.duplicated}


async def selfcheck_report() -> int:
    r = await selfcheck()
    print(f"selfcheck (ours, U=5, F=1): sent {r.sent}, answered {r.answered}, grievances "
          f"{r.flows_done}, errors {r.errors}, lost {r.lost}, duplicated {r.duplicated}")
    controls = await negative_controls()
    print(f"negative controls: {controls} "
          "(want bare_lost 1, bare_duplicated 1, ours_redelivery_duplicated 0)")
    ok = ((r.lost, r.duplicated, r.errors, r.flows_done) == (0, 0, 0, 5)
          and controls == {"bare_lost": 1, "bare_duplicated": 1,
                           "ours_redelivery_duplicated": 0})
    print("OK" if ok else "FAILED")
    return 0 if ok else 1
