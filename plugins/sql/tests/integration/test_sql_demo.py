"""A short run of the README's main job (`connectrt demo`): PostgreSQL → CDC source → RegexRouter →
warehouse.* topics → SQL sink → DuckDB, on a 2-worker cluster; it drains, and every warehouse table
equals its source table. Its event count equals what the topics hold (each event counted once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition
from connectrt.dev import cdc_demo

pytestmark = pytest.mark.integration


def test_short_demo_run_lands_everything_in_duckdb(dev_services: Any, kafka_bootstrap: str, pg_dsn: str,
                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    duck = tmp_path / "warehouse.duckdb"
    assert cdc_demo.run(dev_services.settings, duration_s=6, rate=25, workers=2, duckdb_file=duck) == 0
    out = capsys.readouterr().out
    for table in cdc_demo.TABLES:
        assert f"{table}" in out and "identical to the source table" in out
    assert out.count("identical to the source table") == 3, out
    assert "drained:" in out
    assert f"duckdb.connect('{duck}', read_only=True)" in out
    c = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": "demo-test-watermarks"})
    try:
        held = sum(c.get_watermark_offsets(TopicPartition(t, 0), timeout=10)[1] for t in cdc_demo.TOPICS)
    finally:
        c.close()
    assert f"== {held:,} events reached the warehouse topics" in out, out
    assert duck.exists()
