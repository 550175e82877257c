"""The report as a node serves it: bounded by ``report_offers_max`` (said, and counted), and
kept for a while per range (server/reports/service.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from server.config import load_config
from server.metrics import Metrics
from server.reports.service import Reports
from server.store.sqlite import SQLiteStore
from tests.support.store_records import T0, make_offer


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "offers.db")
    await opened.open()
    for i in range(5):
        await opened.create_offer(make_offer(f"o{i}", created_at=T0 + timedelta(hours=i)), b"")
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_range_beyond_the_bound_is_cut_and_says_so(store: SQLiteStore,
                                                           tmp_path: Path) -> None:
    config = msgspec.structs.replace(load_config({}, data_dir=tmp_path / "d"),
                                     report_offers_max=3)
    metrics = Metrics()
    body = await Reports(store, config, metrics, clock=lambda: T0 + timedelta(days=9)).outcomes(
        T0, T0 + timedelta(days=1))
    report = msgspec.json.decode(body)
    assert report["offers"] == 3 and report["truncated"] is True
    assert metrics.limit_hits("report_offers_max") == 1
    whole = msgspec.structs.replace(config, report_offers_max=5)
    report = msgspec.json.decode(await Reports(store, whole, metrics).outcomes(
        T0, T0 + timedelta(days=1)))
    assert report["offers"] == 5 and report["truncated"] is False


async def test_the_same_range_is_served_from_the_cache(store: SQLiteStore,
                                                       tmp_path: Path) -> None:
    reports = Reports(store, load_config({}, data_dir=tmp_path / "d"))
    first = await reports.outcomes(T0, T0 + timedelta(days=1))
    await store.create_offer(make_offer("late", created_at=T0 + timedelta(hours=9)), b"")
    assert await reports.outcomes(T0, T0 + timedelta(days=1)) == first  # within CACHE_S
    other = msgspec.json.decode(await reports.outcomes(T0, T0 + timedelta(days=2)))
    assert other["offers"] == 6  # another range is computed afresh
