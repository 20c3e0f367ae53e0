"""Type mapping, row values, evolution rules and MERGE text, stated literally.

Expectations follow the Java sources (kafka-connect-bigquery 2.6.x): BigQuerySchemaConverter,
BigQueryRecordConverter, Kafka/DebeziumLogicalConverters, KafkaDataBuilder, SchemaManager and
MergeQueries. The one deliberate difference in the MERGE text (unqualified ``UPDATE SET``
targets, which BigQuery accepts as well) is stated in the README.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import pytest
from connectrt.api.data import Date, Decimal, Schema, SchemaBuilder, Struct, Time, Timestamp
from connectrt.api.records import SinkRecord
from google.cloud.bigquery import SchemaField

from connectrt_bigquery.errors import BigQueryConnectException, ConversionError
from connectrt_bigquery.evolution import evolve
from connectrt_bigquery.merge import MergeBatches, MergeQueries
from connectrt_bigquery.proto_rows import ProtoSchema
from connectrt_bigquery.routing import TableId, TableRouter
from connectrt_bigquery.rows import RowBuilder, insert_id
from connectrt_bigquery.schema import SchemaConverter, intermediate_columns, regular_columns, sanitize_name
from connectrt_bigquery.values import JSON, PROTO, ValueConverter

pytestmark = pytest.mark.unit


def debezium(name: str, base: SchemaBuilder) -> Schema:
    return base.name(name).optional().build()


ADDRESS = (
    SchemaBuilder.struct()
    .field("city", Schema.STRING_SCHEMA)
    .field("zip", Schema.OPTIONAL_STRING_SCHEMA)
    .build()
)
VALUE = (
    SchemaBuilder.struct().name("shop.Order").doc("orders")
    .field("id", Schema.INT32_SCHEMA)
    .field("ok", Schema.OPTIONAL_BOOLEAN_SCHEMA)
    .field("ratio", Schema.OPTIONAL_FLOAT64_SCHEMA)
    .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
    .field("price", Decimal.builder(2).optional().build())
    .field("day", Date.builder().optional().build())
    .field("at", Time.builder().optional().build())
    .field("ts", Timestamp.builder().optional().build())
    .field("dz_date", debezium("io.debezium.time.Date", SchemaBuilder.int32()))
    .field("dz_micro_time", debezium("io.debezium.time.MicroTime", SchemaBuilder.int64()))
    .field("dz_micro_ts", debezium("io.debezium.time.MicroTimestamp", SchemaBuilder.int64()))
    .field("dz_ts", debezium("io.debezium.time.Timestamp", SchemaBuilder.int64()))
    .field("dz_zoned", debezium("io.debezium.time.ZonedTimestamp", SchemaBuilder.string()))
    .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
    .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT64_SCHEMA).optional().build())
    .field("address", ADDRESS)
    .field("nothing", SchemaBuilder.struct().optional().build())
    .build()
)  # fmt: skip


def api(fields: list[SchemaField]) -> list[dict[str, Any]]:
    return [f.to_api_repr() for f in fields]


def test_connect_and_debezium_types_map_like_javas_schema_converter() -> None:
    assert api(SchemaConverter().convert(VALUE)) == [
        {"name": "id", "type": "INTEGER", "mode": "REQUIRED"},
        {"name": "ok", "type": "BOOLEAN", "mode": "NULLABLE"},
        {"name": "ratio", "type": "FLOAT", "mode": "NULLABLE"},
        {"name": "blob", "type": "BYTES", "mode": "NULLABLE"},
        {"name": "price", "type": "FLOAT", "mode": "NULLABLE"},
        {"name": "day", "type": "DATE", "mode": "NULLABLE"},
        {"name": "at", "type": "TIME", "mode": "NULLABLE"},
        {"name": "ts", "type": "TIMESTAMP", "mode": "NULLABLE"},
        {"name": "dz_date", "type": "DATE", "mode": "NULLABLE"},
        {"name": "dz_micro_time", "type": "TIME", "mode": "NULLABLE"},
        {"name": "dz_micro_ts", "type": "TIMESTAMP", "mode": "NULLABLE"},
        {"name": "dz_ts", "type": "TIMESTAMP", "mode": "NULLABLE"},
        {"name": "dz_zoned", "type": "TIMESTAMP", "mode": "NULLABLE"},
        {"name": "tags", "type": "STRING", "mode": "REPEATED"},
        {"name": "attrs", "type": "RECORD", "mode": "REPEATED", "fields": [
            {"name": "key", "type": "STRING", "mode": "REQUIRED"},
            {"name": "value", "type": "INTEGER", "mode": "NULLABLE"}]},
        {"name": "address", "type": "RECORD", "mode": "REQUIRED", "fields": [
            {"name": "city", "type": "STRING", "mode": "REQUIRED"},
            {"name": "zip", "type": "STRING", "mode": "NULLABLE"}]},
    ]  # fmt: skip
    nullable = SchemaConverter(all_nullable=True).convert(VALUE)
    assert {f.mode for f in nullable} == {"NULLABLE", "REPEATED"}
    with pytest.raises(ConversionError, match="Top-level Kafka Connect schema must be of type 'struct'"):
        SchemaConverter().convert(Schema.STRING_SCHEMA)
    bad = (
        SchemaBuilder.struct()
        .field("d", SchemaBuilder.string().name("io.debezium.time.Date").build())
        .build()
    )
    with pytest.raises(
        ConversionError,
        match="Logical Type io.debezium.time.Date must be encoded as INT32; instead, found STRING",
    ):
        SchemaConverter().convert(bad)


def row_value() -> Struct:
    return Struct(VALUE, {
        "id": 7, "ok": True, "ratio": 0.5, "blob": b"\x00\x01", "price": decimal.Decimal("12.34"),
        "day": dt.date(2024, 2, 29), "at": dt.time(13, 14, 15, 678000),
        "ts": dt.datetime(2024, 2, 29, 13, 14, 15, 678000, tzinfo=dt.UTC),
        "dz_date": 19782, "dz_micro_time": 47655678901, "dz_micro_ts": 1709212455678901,
        "dz_ts": 1709212455678, "dz_zoned": "2024-02-29T13:14:15.678901Z",
        "tags": ["a", "b"], "attrs": {"x": 1, "y": None}, "address": Struct(ADDRESS, {"city": "Lyon", "zip": None}),
        "nothing": None,
    })  # fmt: skip


def test_insert_all_rows_use_javas_encodings() -> None:
    assert ValueConverter(JSON).record(VALUE, row_value()) == {
        "id": 7, "ok": True, "ratio": 0.5, "blob": "AAE=", "price": 12.34,
        "day": "2024-02-29", "at": "13:14:15.678", "ts": "2024-02-29 13:14:15.678",
        "dz_date": "2024-02-29", "dz_micro_time": "13:14:15.678901", "dz_micro_ts": "2024-02-29 13:14:15.678901",
        "dz_ts": "2024-02-29 13:14:15.678", "dz_zoned": "2024-02-29 13:14:15.678901Z",
        "tags": ["a", "b"], "attrs": [{"key": "x", "value": 1}, {"key": "y"}], "address": {"city": "Lyon"},
    }  # fmt: skip


def test_storage_write_rows_use_the_storage_write_encodings() -> None:
    assert ValueConverter(PROTO).record(VALUE, row_value()) == {
        "id": 7, "ok": True, "ratio": 0.5, "blob": b"\x00\x01", "price": 12.34,
        "day": 19782, "at": "13:14:15.678000", "ts": 1709212455678000,
        "dz_date": 19782, "dz_micro_time": "13:14:15.678901", "dz_micro_ts": 1709212455678901,
        "dz_ts": 1709212455678000, "dz_zoned": 1709212455678901,
        "tags": ["a", "b"], "attrs": [{"key": "x", "value": 1}, {"key": "y"}], "address": {"city": "Lyon"},
    }  # fmt: skip
    proto = ProtoSchema(SchemaConverter().convert(VALUE))
    message = proto.message_class.FromString(
        proto.serialize(ValueConverter(PROTO).record(VALUE, row_value()))
    )
    assert (message.id, message.address.city, list(message.tags), message.attrs[0].key) == (
        7,
        "Lyon",
        ["a", "b"],
        "x",
    )


def test_null_in_a_required_field_and_special_doubles() -> None:
    bad = Struct(VALUE, {**row_value(), "id": None})
    with pytest.raises(ConversionError, match="id is not optional, but converting object had null value"):
        ValueConverter(JSON).record(VALUE, bad)
    schema = SchemaBuilder.struct().field("x", Schema.FLOAT64_SCHEMA).build()
    special = ValueConverter(JSON, convert_double_special=True)
    assert [
        special.record(schema, Struct(schema, {"x": v}))["x"]
        for v in (float("inf"), float("-inf"), float("nan"))
    ] == [
        1.7976931348623157e308,
        5e-324,
        5e-324,
    ]
    assert ValueConverter(JSON, debezium_ts_as_int=True).record(VALUE, row_value())["dz_ts"] == 1709212455678


def test_schemaless_maps_and_sanitized_names() -> None:
    conv = ValueConverter(JSON, sanitize=True)
    assert conv.record(None, {"a-b": 1, "1x": {"c.d": b"\x01"}}) == {"a_b": 1, "_1x": {"c_d": "AQ=="}}
    with pytest.raises(ConversionError, match="Only Map objects supported in absence of schema"):
        conv.record(None, "text")
    assert [sanitize_name(n) for n in ("ok_1", "a.b", "9lives", "é")] == ["ok_1", "a_b", "_9lives", "_"]


def test_kafka_key_and_data_fields_and_insert_ids() -> None:
    key_schema = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build()
    columns = regular_columns(
        SchemaConverter().convert(ADDRESS),
        SchemaConverter().convert(key_schema),
        "kafkaKey",
        "kafkaData",
        False,
    )
    assert api(columns)[2:] == [
        {"name": "kafkaData", "type": "RECORD", "mode": "NULLABLE", "fields": [
            {"name": "topic", "type": "STRING", "mode": "NULLABLE"},
            {"name": "partition", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "offset", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "insertTime", "type": "TIMESTAMP", "mode": "NULLABLE"}]},
        {"name": "kafkaKey", "type": "RECORD", "mode": "NULLABLE", "fields": [
            {"name": "id", "type": "INTEGER", "mode": "REQUIRED"}]},
    ]  # fmt: skip
    record = SinkRecord(
        "orders",
        3,
        key_schema,
        Struct(key_schema, {"id": 5}),
        ADDRESS,
        Struct(ADDRESS, {"city": "Oslo", "zip": "0150"}),
        42,
    )
    row = RowBuilder(ValueConverter(JSON), "kafkaKey", "kafkaData", False).regular(record)
    assert row["kafkaKey"] == {"id": 5}
    assert {k: v for k, v in row["kafkaData"].items() if k != "insertTime"} == {
        "topic": "orders",
        "partition": 3,
        "offset": 42,
    }
    assert insert_id(record) == "orders-3-42"


def test_table_routing() -> None:
    assert TableRouter("ds", None, False).table_for("other:tbl") == TableId("other", "tbl")
    assert TableRouter("ds", None, True).table_for("db.public.orders") == TableId("ds", "db_public_orders")
    assert TableRouter("ds", {"a": "t_a"}, True).table_for("a") == TableId("ds", "t_a")
    assert TableRouter("ds", {"a": "t_a"}, True).table_for("b.c") == TableId("ds", "b.c")


def f(name: str, kind: str = "STRING", mode: str = "NULLABLE", fields: Any = ()) -> SchemaField:
    return SchemaField(name, kind, mode=mode, fields=fields)


def test_evolution_rules_follow_javas_schema_manager() -> None:
    existing = [f("id", "INTEGER", "REQUIRED"), f("name")]
    grown = [f("id", "INTEGER", "REQUIRED"), f("name"), f("extra")]
    with pytest.raises(
        BigQueryConnectException,
        match="New Field found with the name extra Ensure that allowNewBigQueryFields is true",
    ):
        evolve("t", existing, grown, False, False, False)
    assert [x.name for x in evolve("t", existing, grown, True, False, False)] == ["id", "name", "extra"]
    relaxed = [f("id", "INTEGER", "NULLABLE"), f("name")]
    with pytest.raises(
        BigQueryConnectException,
        match="id has mode REQUIRED. Set allowBigQueryRequiredFieldRelaxation to true",
    ):
        evolve("t", existing, relaxed, True, False, False)
    assert evolve("t", existing, relaxed, False, True, False)[0].mode == "NULLABLE"
    # a column the records dropped stays (BigQuery cannot drop it); REQUIRED ones need relaxation
    assert [x.name for x in evolve("t", existing, [f("id", "INTEGER", "REQUIRED")], False, False, False)] == [
        "id",
        "name",
    ]
    with pytest.raises(
        BigQueryConnectException, match="Column id of table t is REQUIRED but records no longer carry it"
    ):
        evolve("t", existing, [f("name")], False, False, False)
    with pytest.raises(BigQueryConnectException, match="BigQuery cannot change a column's type"):
        evolve("t", existing, [f("id", "STRING", "REQUIRED")], True, True, False)
    union = evolve("t", existing, [f("other", "INTEGER", "REQUIRED")], True, True, True)
    assert [(x.name, x.mode) for x in union] == [
        ("id", "NULLABLE"),
        ("name", "NULLABLE"),
        ("other", "NULLABLE"),
    ]


def test_intermediate_tables_and_merge_text() -> None:
    batches = MergeBatches("tmp", 0)
    intermediate = batches.intermediate_for(TableId("ds", "orders"))
    assert intermediate.table.startswith("orders_tmp_0_") and "-" not in intermediate.table
    key = [f("id", "INTEGER", "REQUIRED")]
    schema = intermediate_columns([f("id", "INTEGER", "REQUIRED"), f("name")], key, None, False)
    assert [(c.name, c.field_type, c.mode) for c in schema] == [
        ("value", "RECORD", "NULLABLE"),
        ("key", "RECORD", "REQUIRED"),
        ("i", "INTEGER", "REQUIRED"),
        ("partitionTime", "TIMESTAMP", "NULLABLE"),
        ("batchNumber", "INTEGER", "REQUIRED"),
    ]
    it, dst = TableId("ds", "orders_tmp"), TableId("ds", "orders")
    assert MergeQueries("k", False, True, True).merge(it, dst, 3, schema) == (
        "MERGE `ds`.`orders` dstTableAlias USING (SELECT * FROM (SELECT ARRAY_AGG(x ORDER BY i DESC LIMIT 1)[OFFSET(0)] "
        "src FROM `ds`.`orders_tmp` x WHERE batchNumber=3 GROUP BY key.id)) ON dstTableAlias.k=src.key "
        "WHEN MATCHED AND src.value IS NOT NULL THEN UPDATE SET `id`=src.value.id, `name`=src.value.name "
        "WHEN MATCHED AND src.value IS NULL THEN DELETE WHEN NOT MATCHED AND src.value IS NOT NULL "
        "THEN INSERT (`k`, `id`, `name`) VALUES (src.key, src.value.id, src.value.name);"
    )
    assert (
        MergeQueries("k", True, True, False)
        .merge(it, dst, 0, schema)
        .endswith(
            "WHEN MATCHED THEN UPDATE SET `id`=src.value.id, `name`=src.value.name WHEN NOT MATCHED THEN INSERT "
            "(`k`, _PARTITIONTIME, `id`, `name`) VALUES (src.key, CAST(CAST(DATE(src.partitionTime) AS DATE) AS "
            "TIMESTAMP), src.value.id, src.value.name);"
        )
    )
    assert MergeQueries.batch_clear(it, 3) == (
        "DELETE FROM `ds`.`orders_tmp` WHERE batchNumber <= 3 AND _PARTITIONTIME IS NOT NULL;"
    )


def test_merge_batches_count_and_release_offsets_only_when_merged() -> None:
    batches = MergeBatches("tmp", 1)
    it = batches.intermediate_for(TableId("ds", "t"))
    assert [batches.add(it, "t", 0, o) for o in (10, 11)] == [(0, 1), (0, 2)]
    assert batches.close_batch(it) == 0 and batches.close_batch(it) is None
    assert batches.latest_offsets() == {}
    batches.rows_written(it, 0, 2)
    batches.merged(it, 0)
    assert batches.latest_offsets() == {("t", 0): 12}
