"""Connector config parsing and the errors that say what to fix."""

from __future__ import annotations

import pytest
from connectrt.config.configdef import ConfigException

from connectrt_postgres.catalog import TableId
from connectrt_postgres.config import parse_config, split_list
from connectrt_postgres.connector import PostgresConnector
from connectrt_postgres.filters import Filters, parse_key_columns

pytestmark = pytest.mark.unit

BASE = {"database.hostname": "h", "database.user": "u", "database.dbname": "d", "topic.prefix": "p"}


def test_defaults() -> None:
    c = parse_config(BASE)
    assert (c.slot_name, c.publication_name, c.publication_mode, c.snapshot_mode) == (
        "debezium",
        "dbz_publication",
        "all_tables",
        "initial",
    )
    assert c.skipped_operations == frozenset({"t"})
    assert (c.decimal_mode, c.time_mode, c.binary_mode) == ("precise", "adaptive", "bytes")
    assert c.lsn_flush_mode == "connector"
    assert c.libpq_params()["port"] == 5432


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"plugin.name": "decoderbufs"}, "set plugin.name=pgoutput"),
        ({"slot.name": "Bad-Name"}, "slot.name 'Bad-Name' is invalid"),
        ({"snapshot.mode": "never"}, "snapshot.mode"),
        ({"snapshot.mode": "custom"}, "not supported by connectrt"),
        ({"table.include.list": "a", "table.exclude.list": "b"}, "cannot both be set"),
        ({"skipped.operations": "c,x"}, "unknown operation(s) x"),
        ({"max.batch.size": "100", "max.queue.size": "50"}, "must be larger than max.batch.size"),
        ({"decimal.handling.mode": "float"}, "decimal.handling.mode"),
        ({"column.propagate.source.type": ".*"}, "column.propagate.source.type is not supported"),
    ],
)
def test_invalid_configs(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigException, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({**BASE, **extra})


def test_enum_values_are_case_insensitive_and_legacy_flush_setting() -> None:
    c = parse_config(
        {**BASE, "snapshot.mode": " NO_DATA ", "flush.lsn.source": "false", "skipped.operations": "none"}
    )
    assert c.snapshot_mode == "no_data"
    assert c.lsn_flush_mode == "manual"
    assert c.skipped_operations == frozenset()


def test_validate_reports_cross_field_errors_on_the_field() -> None:
    results = {v.name: v for v in PostgresConnector().validate({**BASE, "plugin.name": "decoderbufs"})}
    assert results["plugin.name"].errors == [
        "connectrt reads only the pgoutput plugin; set plugin.name=pgoutput."
    ]
    missing = {v.name: v for v in PostgresConnector().validate({})}
    assert missing["topic.prefix"].errors


def test_one_task_only() -> None:
    c = PostgresConnector()
    c.start(BASE)
    assert c.task_configs(4) == [BASE]  # Debezium's task config: the connector's, nothing added


def test_filters() -> None:
    f = Filters(
        parse_config(
            {**BASE, "schema.include.list": "inv.*", "column.exclude.list": r"inventory\.orders\.secret"}
        )
    )
    assert f.captures(TableId("inventory", "orders"))
    assert not f.captures(TableId("public", "orders"))
    assert not f.captures(TableId("invx", "spatial_ref_sys"))
    assert not f.column(TableId("inventory", "orders"), "secret")
    assert f.column(TableId("inventory", "orders"), "secret2")
    g = Filters(
        parse_config({**BASE, "table.exclude.list": r"public\.skip.*", "message.prefix.include.list": "a.*"})
    )
    assert g.captures(TableId("public", "keep")) and not g.captures(TableId("public", "skipme"))
    assert not g.captures(TableId("pg_catalog", "pg_class"))
    assert g.message("abc") and not g.message("xyz")


def test_message_key_columns() -> None:
    parsed = parse_key_columns(r"inventory\.orders:a,b; public\..*:c")
    assert [(p.pattern, cols) for p, cols in parsed][1][1] == ["c"]
    f = Filters(parse_config({**BASE, "message.key.columns": r"inventory\.orders:a,b;public\..*:c"}))
    assert f.key_columns_for(TableId("inventory", "orders")) == ["a", "b"]
    assert f.key_columns_for(TableId("public", "x")) == ["c"]
    assert f.key_columns_for(TableId("other", "x")) is None
    with pytest.raises(ConfigException, match=r"message\.key\.columns entry"):
        parse_key_columns("nocolon")


def test_split_list_keeps_escaped_commas() -> None:
    assert split_list(r"a{1\,2},b") == ["a{1,2}", "b"]
    assert split_list(" ") == []
