"""Connect schema -> BigQuery table schema (Java's BigQuerySchemaConverter and KafkaDataBuilder).

Primitive types map as in Java (INT* -> INTEGER, FLOAT* -> FLOAT, ...); Connect and Debezium logical
types map to DATE/TIME/TIMESTAMP (Decimal to FLOAT, as Confluent's connector); structs become
RECORD, arrays REPEATED, maps REPEATED RECORD {key, value}. Optional fields are NULLABLE, required
ones REQUIRED unless ``allBQFieldsNullable``. An empty struct has no column.
"""

from __future__ import annotations

import re
from typing import Any

from connectrt.api.data import Schema, SchemaType
from google.cloud.bigquery import SchemaField

from connectrt_bigquery.errors import ConversionError

MAP_KEY = "key"
MAP_VALUE = "value"

# Intermediate (upsert/delete) table columns (Java's MergeQueries constants).
INTERMEDIATE_KEY = "key"
INTERMEDIATE_VALUE = "value"
INTERMEDIATE_ITERATION = "i"
INTERMEDIATE_PARTITION_TIME = "partitionTime"
INTERMEDIATE_BATCH_NUMBER = "batchNumber"

_PRIMITIVES = {
    SchemaType.BOOLEAN: "BOOLEAN",
    SchemaType.FLOAT32: "FLOAT",
    SchemaType.FLOAT64: "FLOAT",
    SchemaType.INT8: "INTEGER",
    SchemaType.INT16: "INTEGER",
    SchemaType.INT32: "INTEGER",
    SchemaType.INT64: "INTEGER",
    SchemaType.STRING: "STRING",
    SchemaType.BYTES: "BYTES",
}

# logical name -> (required Connect encoding, BigQuery type)
LOGICAL_TYPES: dict[str, tuple[SchemaType, str]] = {
    "org.apache.kafka.connect.data.Date": (SchemaType.INT32, "DATE"),
    "org.apache.kafka.connect.data.Decimal": (SchemaType.BYTES, "FLOAT"),
    "org.apache.kafka.connect.data.Timestamp": (SchemaType.INT64, "TIMESTAMP"),
    "org.apache.kafka.connect.data.Time": (SchemaType.INT32, "TIME"),
    "io.debezium.time.Date": (SchemaType.INT32, "DATE"),
    "io.debezium.time.MicroTime": (SchemaType.INT64, "TIME"),
    "io.debezium.time.MicroTimestamp": (SchemaType.INT64, "TIMESTAMP"),
    "io.debezium.time.Time": (SchemaType.INT32, "TIME"),
    "io.debezium.time.ZonedTimestamp": (SchemaType.STRING, "TIMESTAMP"),
    "io.debezium.time.Timestamp": (SchemaType.INT64, "TIMESTAMP"),
}

_INVALID = re.compile(r"[^a-zA-Z0-9_]")
_BAD_START = re.compile(r"^[^a-zA-Z_]")


def field(
    name: str, bq_type: str, mode: str = "NULLABLE", description: str | None = None, fields: Any = ()
) -> SchemaField:
    """A SchemaField; the description only when there is one."""
    if description is None:
        return SchemaField(name, bq_type, mode=mode, fields=fields)
    return SchemaField(name, bq_type, mode=mode, description=description, fields=fields)


def sanitize_name(name: str) -> str:
    """Java's FieldNameSanitizer: non ``[A-Za-z0-9_]`` -> ``_``; a leading non-letter gets ``_``."""
    cleaned = _INVALID.sub("_", name)
    return "_" + cleaned if _BAD_START.match(cleaned) else cleaned


class SchemaConverter:
    def __init__(self, all_nullable: bool = False, sanitize: bool = False) -> None:
        self.all_nullable = all_nullable
        self.sanitize = sanitize
        self._cache: dict[Schema, list[SchemaField]] = {}

    def convert(self, schema: Schema) -> list[SchemaField]:
        """The columns for a record schema (a top-level STRUCT)."""
        cached = self._cache.get(schema)
        if cached is not None:
            return cached
        if schema.type is not SchemaType.STRUCT:
            raise ConversionError("Top-level Kafka Connect schema must be of type 'struct'")
        fields = [f for f in (self._field(fl.schema, fl.name) for fl in schema.fields or ()) if f is not None]
        self._cache[schema] = fields
        return fields

    def _field(self, schema: Schema, name: str, depth: int = 0) -> SchemaField | None:
        if depth > 15:
            raise ConversionError("Kafka Connect schema nests deeper than BigQuery's 15 levels of RECORD")
        if self.sanitize:
            name = sanitize_name(name)
        mode = "NULLABLE" if self.all_nullable or schema.optional else "REQUIRED"
        doc = schema.doc
        logical = LOGICAL_TYPES.get(schema.name or "")
        if logical is not None:
            encoding, bq_type = logical
            if schema.type is not encoding:
                raise ConversionError(
                    f"Logical Type {schema.name} must be encoded as {encoding}; instead, found {schema.type}"
                )
            return field(name, bq_type, mode, doc)
        primitive = _PRIMITIVES.get(schema.type)
        if primitive is not None:
            return field(name, primitive, mode, doc)
        if schema.type is SchemaType.STRUCT:
            subs = [
                f for f in (self._field(fl.schema, fl.name, depth + 1) for fl in schema.fields or ()) if f
            ]
            if not subs:
                return None
            return field(name, "RECORD", mode, doc, subs)
        if schema.type is SchemaType.ARRAY:
            assert schema.value_schema is not None
            element = self._field(schema.value_schema, name, depth)
            if element is None:
                return None
            return _with(element, mode="REPEATED", description=doc or element.description)
        if schema.type is SchemaType.MAP:
            assert schema.key_schema is not None and schema.value_schema is not None
            key = self._field(schema.key_schema, MAP_KEY, depth + 1)
            value = self._field(schema.value_schema, MAP_VALUE, depth + 1)
            if key is None or value is None:
                return None
            return field(name, "RECORD", "REPEATED", doc, [key, value])
        raise ConversionError(f"Unrecognized schema type: {schema.type}")


def _with(f: SchemaField, **changes: Any) -> SchemaField:
    args: dict[str, Any] = {
        "name": f.name,
        "bq_type": f.field_type,
        "mode": f.mode,
        "description": f.description,
        "fields": f.fields,
    }
    args.update(changes)
    return field(**args)


def with_mode(f: SchemaField, mode: str) -> SchemaField:
    return _with(f, mode=mode)


def kafka_data_field(name: str) -> SchemaField:
    """The RECORD column ``kafkaDataFieldName`` adds (Java's KafkaDataBuilder)."""
    return SchemaField(
        name,
        "RECORD",
        mode="NULLABLE",
        fields=[
            SchemaField("topic", "STRING"),
            SchemaField("partition", "INTEGER"),
            SchemaField("offset", "INTEGER"),
            SchemaField("insertTime", "TIMESTAMP", mode="NULLABLE"),
        ],
    )


def regular_columns(
    value_columns: list[SchemaField],
    key_columns: list[SchemaField] | None,
    key_field: str | None,
    data_field: str | None,
    sanitize: bool,
) -> list[SchemaField]:
    """Value columns, then the Kafka data RECORD, then the Kafka key RECORD (Java's order)."""
    result = list(value_columns)
    if data_field:
        result.append(kafka_data_field(sanitize_name(data_field) if sanitize else data_field))
    if key_field:
        name = sanitize_name(key_field) if sanitize else key_field
        result.append(SchemaField(name, "RECORD", mode="NULLABLE", fields=key_columns or []))
    return result


def intermediate_columns(
    value_columns: list[SchemaField], key_columns: list[SchemaField], data_field: str | None, sanitize: bool
) -> list[SchemaField]:
    """Columns of an upsert/delete intermediate table: value, key, i, partitionTime, batchNumber."""
    values = list(value_columns)
    if data_field:
        values.append(kafka_data_field(sanitize_name(data_field) if sanitize else data_field))
    return [
        SchemaField(INTERMEDIATE_VALUE, "RECORD", mode="NULLABLE", fields=values),
        SchemaField(INTERMEDIATE_KEY, "RECORD", mode="REQUIRED", fields=key_columns),
        SchemaField(INTERMEDIATE_ITERATION, "INTEGER", mode="REQUIRED"),
        SchemaField(INTERMEDIATE_PARTITION_TIME, "TIMESTAMP", mode="NULLABLE"),
        SchemaField(INTERMEDIATE_BATCH_NUMBER, "INTEGER", mode="REQUIRED"),
    ]
