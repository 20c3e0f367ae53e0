"""Hostile configs and records: names are identifiers, never SQL; secrets never show; sizes are bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord
from sql_records import KEY, event, started_task

from connectrt_sql.config import CONFLUENT, DEBEZIUM, validate_config

pytestmark = pytest.mark.unit

EVIL = 'x"; DROP TABLE victim; --'


@pytest.mark.parametrize("dialect", ["sqlite", "duckdb"])
def test_table_and_column_names_cannot_inject_sql(dialect: str, tmp_path: Path) -> None:
    url = f"jdbc:{dialect}:{tmp_path / 'w.db'}"
    engine = sa.create_engine(f"{dialect}:///{tmp_path / 'w.db'}")
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE victim (id INTEGER)")
    engine.dispose()
    value = (
        SchemaBuilder.struct()
        .name("v")
        .field("id", Schema.INT32_SCHEMA)
        .field(EVIL, Schema.OPTIONAL_STRING_SCHEMA)
        .build()
    )
    task = started_task(
        {
            "connection.url": url,
            "insert.mode": "upsert",
            "primary.key.mode": "record_key",
            "delete.enabled": "true",
            "schema.evolution": "basic",
            "collection.name.format": EVIL,
        }
    )
    task.put(
        [
            SinkRecord("t", 0, KEY, Struct(KEY, {"id": 1}), value, Struct(value, {"id": 1, EVIL: "v"}), 0),
            event("d", 1, 1),
        ]
    )
    task.put([SinkRecord("t", 0, KEY, Struct(KEY, {"id": 2}), value, Struct(value, {"id": 2, EVIL: "w"}), 2)])
    task.stop()
    engine = sa.create_engine(f"{dialect}:///{tmp_path / 'w.db'}")
    with engine.connect() as c:
        assert c.exec_driver_sql("SELECT count(*) FROM victim").scalar() == 0  # still there
        q = engine.dialect.identifier_preparer.quote_identifier
        assert [tuple(r) for r in c.exec_driver_sql(f"SELECT id, {q(EVIL)} FROM {q(EVIL)}")] == [(2, "w")]
    engine.dispose()


def test_validate_never_echoes_secrets() -> None:
    for flavour, user_key in ((DEBEZIUM, "connection.username"), (CONFLUENT, "connection.user")):
        values = validate_config(
            flavour,
            {
                "connection.url": "jdbc:postgresql:broken?user=u&password=topsecret",
                user_key: "u",
                "connection.password": "alsosecret",
            },
        )
        text = repr([(v.name, v.value, v.errors) for v in values])
        assert "topsecret" not in text and "alsosecret" not in text
        assert any(v.errors for v in values if v.name == "connection.url")


def test_huge_and_odd_urls_are_plain_validate_errors() -> None:
    for url in (
        "jdbc:postgresql://" + "h" * 100_000 + ":99999/db",
        "jdbc:" + "x" * 10_000,
        "\x00\n;",
        "duckdb:///?access_mode=READ_WRITE&" + "a=1&" * 10_000,
        "sqlite+pysqlite:////" + "../" * 1000,
    ):
        for flavour in (DEBEZIUM, CONFLUENT):
            values = validate_config(
                flavour, {"connection.url": url, "connection.username": "u", "connection.user": "u"}
            )
            errors = [e for v in values for e in v.errors]
            assert all(len(e) < 400 or "h" * 1000 not in e for e in errors)


def test_unknown_dialects_are_never_imported_by_name() -> None:
    import sys

    for url in ("os.system://x/y", "os://x/y", "subprocess://h/db"):
        values = validate_config(CONFLUENT, {"connection.url": url})
        [checked] = [v for v in values if v.name == "connection.url"]
        assert checked.errors and (
            "unknown database dialect" in checked.errors[0] or "neither a JDBC URL" in checked.errors[0]
        )
    assert "sqlalchemy.dialects.os" not in sys.modules and "sqlalchemy.dialects.subprocess" not in sys.modules
