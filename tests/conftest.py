from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.engine import Engine
from handlers.limits import FloodGate
from handlers.municipality import Municipality, load_municipality
from handlers.turn import Services
from handlers.workdays import WorkCalendar
from storage.db import Database
from storage.seal import Sealer
from tests.support import FakeClock, bangkok


@pytest.fixture
def municipality() -> Municipality:
    return load_municipality()


@pytest.fixture
def clock() -> FakeClock:
    # Monday 30 November 2026, 10:00 in Thailand: office hours.
    return FakeClock(bangkok(2026, 11, 30, 10, 0))


@pytest.fixture
def services(municipality: Municipality, clock: FakeClock) -> Services:
    calendar = WorkCalendar(municipality.office_opens, municipality.office_closes,
                            municipality.extra_days_off)
    return Services(municipality, calendar, clock, sealer=Sealer(bytes(range(32))))


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "rongrian.db")
    yield database
    await database.close()


# Scripted people type a hundred times faster than real ones: only the flood tests meet
# the real limits (tests/handlers/test_limits.py, tests/e2e/test_flood.py).
UNHURRIED = FloodGate(burst=100_000)


@pytest.fixture
def engine(db: Database, services: Services) -> Engine:
    return Engine(db, services, flood=UNHURRIED)
