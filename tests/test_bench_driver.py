"""The benchmark's load driver is itself correct: against our service it sees every reply
once, and it does notice a reply lost or duplicated (negative controls). No timing here."""
from __future__ import annotations

from bench.selfcheck import negative_controls, selfcheck


async def test_load_driver_sees_every_reply_once_against_our_service() -> None:
    result = await selfcheck(users=5, flows=1)
    assert (result.lost, result.duplicated, result.errors, result.flows_done) == (0, 0, 0, 5)


async def test_load_driver_notices_a_lost_and_a_duplicated_reply() -> None:
    assert await negative_controls() == {
        "bare_lost": 1, "bare_duplicated": 1, "ours_redelivery_duplicated": 0}
