"""The Connect data of ApicurioAvroRecorder.java's cases, built the same way in Python."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from connectrt.api.data import Date, Decimal, Schema, SchemaBuilder, Struct, Time, Timestamp

INNER = SchemaBuilder.struct().name("rec.Inner").field("x", Schema.INT32_SCHEMA).optional().build()
EVERYTHING = (
    SchemaBuilder.struct().name("rec.Everything").version(2).doc("all types")
    .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
    .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
    .field("flag", Schema.BOOLEAN_SCHEMA).field("text", Schema.STRING_SCHEMA).field("raw", Schema.BYTES_SCHEMA)
    .field("amount", Decimal.schema(3)).field("day", Date.SCHEMA).field("at", Time.SCHEMA)
    .field("ts", Timestamp.SCHEMA)
    .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
    .field("counts", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
    .field("by_id", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
    .field("inner", INNER).field("none", INNER).field("maybe", Schema.OPTIONAL_FLOAT64_SCHEMA)
    .field("dflt", SchemaBuilder.int32().default_value(5).build())
    .build()
)  # fmt: skip
PLAIN = (
    SchemaBuilder.struct().name("rec.Plain")
    .field("id", Schema.INT64_SCHEMA).field("name", Schema.OPTIONAL_STRING_SCHEMA).build()
)  # fmt: skip


def cases() -> dict[str, tuple[Schema, Any]]:
    everything = (
        Struct(EVERYTHING)
        .put("i8", -8).put("i16", 1600).put("i32", -(2**31)).put("i64", 2**63 - 1)
        .put("f32", 1.5).put("f64", -2.25e-300).put("flag", True).put("text", "zürich €")
        .put("raw", b"\x00\x01\xff").put("amount", decimal.Decimal("-12.345"))
        .put("day", dt.date(1970, 1, 1) + dt.timedelta(days=19782))
        .put("at", dt.time(12, 34, 56, 789000))
        .put("ts", dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=1893456789123))
        .put("tags", ["a", None, "c"]).put("counts", {"k": 7}).put("by_id", {1: "one", -2: "minus two"})
        .put("inner", Struct(INNER).put("x", 42)).put("none", None).put("maybe", None).put("dflt", 9)
    )  # fmt: skip
    return {
        "everything": (EVERYTHING, everything),
        "plain": (PLAIN, Struct(PLAIN).put("id", 1).put("name", "n")),
        "plain_null_name": (PLAIN, Struct(PLAIN).put("id", -1)),
        "string": (Schema.STRING_SCHEMA, "just text"),
        "int64": (Schema.INT64_SCHEMA, 1234567890123),
        "optional_int32": (Schema.OPTIONAL_INT32_SCHEMA, 5),
        "float64": (Schema.FLOAT64_SCHEMA, 0.1),
        "boolean": (Schema.BOOLEAN_SCHEMA, False),
        "array": (SchemaBuilder.array(Schema.INT32_SCHEMA).build(), [1, 2, 3]),
    }
