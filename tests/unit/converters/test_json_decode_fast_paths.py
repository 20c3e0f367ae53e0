"""JsonConverter's fast paths give what its general paths give.

Decoding:
A converter remembers each envelope prefix it has read (``{"schema":...,"payload":``) and then parses only
the payload of later records with that prefix; struct payloads are read by a function generated per schema.
Every document here is decoded by a fresh converter (the slow way, checked against Java in
tests/compat) and by one warm converter that has read it, and documents sharing its prefix, before.

Encoding: struct fields written inline (float64 values, Timestamps) are written as the field's own encoder
(checked against Java in tests/compat) writes them alone.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct, Timestamp
from connectrt.converters.json_converter import JsonConverter
from tests.compat.json_converter_java_4_2_1 import JAVA_DECODED
from tests.compat.test_json_converter_compat import DECODE_DIFFERENCES, _decode, _expected, converter

pytestmark = pytest.mark.unit


def _compact(text: str) -> str:
    """Java's test texts with the envelope written as Java's JsonConverter writes it (no spaces around it)."""
    text = re.sub(r'^\{ "schema": ', '{"schema":', text)
    text = text.replace(', "payload": ', ',"payload":')
    return re.sub(r" \}$", "}", text)


def _java_texts() -> list[tuple[str, str, str]]:
    out = []
    for text, expected, noreplace in JAVA_DECODED:
        if text in DECODE_DIFFERENCES:
            expected = noreplace = DECODE_DIFFERENCES[text]
        out.append((text, _expected(expected), _expected(noreplace)))
    return out


@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("form", [str, _compact], ids=["as_java_wrote", "compact"])
def test_java_cases_through_one_warm_converter(replace: bool, form: Any) -> None:
    warm = converter(replace=replace)
    cases = _java_texts()
    for _ in range(2):  # the second round finds every prefix remembered
        for text, expected, noreplace in cases:
            assert _decode(warm, form(text)) == (expected if replace else noreplace), form(text)
    assert warm._envelopes is not None and len(warm._envelopes._known._data) > 20  # prefixes remembered


SCHEMA = (
    '{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},'
    '{"type":"string","optional":false,"field":"name"},{"type":"double","optional":true,"field":"amount"},'
    '{"type":"int32","optional":true,"field":"n"},{"type":"boolean","optional":true,"field":"flag"},'
    '{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"field":"ts"},'
    '{"type":"int8","optional":true,"default":7,"field":"small"},'
    '{"type":"bytes","optional":true,"field":"raw"}],"optional":false,"name":"t.Row"}'
)
PREFIX = '{"schema":' + SCHEMA + ',"payload":'
TS_MIN = (dt.datetime.min.replace(tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
    milliseconds=1
)
TS_MAX = (dt.datetime.max.replace(tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
    milliseconds=1
)

PAYLOADS = [
    '{"id":1,"name":"a","amount":1.5,"n":3,"flag":true,"ts":1700000000000,"small":1,"raw":"AAE="}',
    '{"id":2,"name":"b","ts":0}',  # optional fields absent; the int8 default
    '{"id":3,"name":"c","amount":2,"n":2147483648,"flag":1,"ts":-1,"small":300}',  # not the plain types
    '{"id":9223372036854775807,"name":"d","ts":' + str(TS_MIN) + "}",
    '{"id":-9223372036854775808,"name":"e","ts":' + str(TS_MAX) + "}",
    '{"id":4,"name":"f","ts":' + str(TS_MIN - 1) + "}",  # beyond datetime's years
    '{"id":4,"name":"f","ts":' + str(TS_MAX + 1) + "}",
    '{"id":4,"name":"f","ts":9223372036854775807}',
    '{"id":4,"name":"f","ts":4294967295999}',  # the last millisecond read through a float, and the first not
    '{"id":4,"name":"f","ts":4294967296000}',
    '{"id":4,"name":"f","ts":-4294967295999}',
    '{"id":4,"name":"f","ts":-4294967296000}',
    '{"id":4,"name":"f","ts":1.5}',
    '{"id":4,"name":"f","ts":"1"}',
    '{"id":4,"name":null,"ts":1}',  # a required string left null
    '{"id":4,"name":5,"ts":1}',  # a required string given a number (Java: null, then the required check)
    '{"id":4,"name":5,"ts":"x"}',  # both: the decoding error comes first
    '{"id":null,"name":"g","ts":1}',
    '{"id":4,"name":"h","ts":1,"extra":true}',  # unknown fields are ignored
    '{"name":"i","ts":1,"id":5}',  # any key order
    '{"id":4,"name":"j","ts":1,"raw":"!!"}',
    "[1,2]",
    "null",
    '"text"',
    ' {"id":6,"name":"k","ts":1} ',  # whitespace around the payload
    '{"id":6,"name":"k","ts":1},"extra":1',  # a third envelope field
    '{"id":6,"name":"k","ts":1},"payload":{"id":7,"name":"l","ts":2}',  # a repeated payload field: the last wins
    '{"id":6,"name":"k","ts":1}} {"x":1',  # not one JSON value
    "",
    "{",
    '{"id":01,"name":"m","ts":1}',  # leading zeros: Jackson's lenient reading
    '{"id":6,"name":"\\u00e9\\ud83d\\ude00","ts":1}',
]


def _result(c: JsonConverter, data: bytes) -> Any:
    try:
        schema, value = c.to_connect_data("t", data)
    except DataException as e:
        return ("error", str(e))
    return (
        schema,
        value,
        type(value),
        {k: type(v) for k, v in value.items()} if isinstance(value, dict) else None,
    )


@pytest.mark.parametrize("replace", [True, False])
def test_warm_equals_cold(replace: bool) -> None:
    warm = converter(replace=replace)
    documents = [(PREFIX + p + "}").encode() for p in PAYLOADS]
    documents += [PREFIX.encode() + p.encode() + b"}\n" for p in PAYLOADS[:2]]  # not ending with "}"
    documents += [PREFIX.encode() + p.encode() + b" " for p in PAYLOADS[:2]]  # no closing brace at all
    for _ in range(2):
        for doc in documents:
            assert _result(warm, doc) == _result(converter(replace=replace), doc), doc
    assert warm._envelopes is not None and warm._envelopes.read(documents[0]) is not None  # the fast path


def test_timestamps_read_inline_are_exact() -> None:
    """Timestamps within 2**32 seconds of the epoch are read as fromtimestamp(ms / 1000): the same datetime as
    EPOCH + timedelta(milliseconds=ms), checked at random and around every second's edges near the limits."""
    rng = random.Random(7)
    limit = 2**32 * 1000
    values = [rng.randrange(-limit + 1, limit) for _ in range(20_000)]
    values += [
        s * 1000 + ms for s in (0, -1, 2**31, -(2**31), 2**32 - 1, -(2**32 - 1)) for ms in range(-999, 1000)
    ]
    values += [
        s * 1000 + ms for s in (2**37, -62135596800, 253402300799) for ms in (1, 7, 999)
    ]  # decoded exactly
    c = converter()
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for ms in values:
        doc = (PREFIX + '{"id":1,"name":"a","ts":' + str(ms) + "}}").encode()
        got = c.to_connect_data("t", doc).value["ts"]
        assert got == epoch + dt.timedelta(milliseconds=ms) and got.tzinfo is dt.UTC, ms


def test_prefixes_that_are_not_remembered_still_decode() -> None:
    """A "payload" key inside the schema, a schema-less envelope, schemas that alternate."""
    other = '{"type":"string","optional":false,"parameters":{"payload":"x"}}'
    docs = [
        '{"schema":' + other + ',"payload":"a"}',
        '{"schema":null,"payload":{"a":1}}',
        '{"schema":null,"payload":[1]}',
        PREFIX + '{"id":1,"name":"a","ts":1}}',
        '{"schema":{"type":"int32","optional":false},"payload":5}',
        '{"payload":5,"schema":{"type":"int32","optional":false}}',
        '{"schema":{"type":"int32","optional":false}, "payload":5}',
    ]
    warm = converter()
    for _ in range(3):
        for doc in docs:
            assert _result(warm, doc.encode()) == _result(converter(), doc.encode()), doc


def test_numeric_decimals_read_exactly_when_warm() -> None:
    schema = (
        '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,'
        '"parameters":{"scale":"17"}}'
    )
    warm = converter(decimal_format="NUMERIC")
    for payload in ("1.23456789123456789", "156", "1.5", '"PCg="'):
        doc = ('{"schema":' + schema + ',"payload":' + payload + "}").encode()
        for _ in range(2):
            assert _result(warm, doc) == _result(converter(decimal_format="NUMERIC"), doc)


def test_schema_cache_size_bounds_the_remembered_prefixes() -> None:
    c = JsonConverter()
    c.configure({"schemas.cache.size": "2"}, False)
    for n in range(10):
        doc = '{"schema":{"type":"int32","optional":false,"doc":"' + str(n) + '"},"payload":' + str(n) + "}"
        assert c.to_connect_data("t", doc.encode()).value == n
        assert c.to_connect_data("t", doc.encode()).value == n
    assert c._envelopes is not None and len(c._envelopes._known._data) <= 2


FLOATS: list[Any] = [0.0, -0.0, 1e-3, -1e-3, 9.999e-4, -9.999e-4, 1e7, -1e7, 9999999.5, -9999999.5, 12.34, 1e10,
                     1e-5, 5e-324, 1.7976931348623157e308, float("nan"), float("inf"), float("-inf"), 3, -7, True,
                     "x", None]  # fmt: skip
ZONE = dt.timezone(dt.timedelta(hours=-5, minutes=-30))
TIMES: list[Any] = [
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(1969, 12, 31, 23, 59, 59, 999_001, tzinfo=dt.UTC),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, 0, 0, 123_456, tzinfo=ZONE), dt.datetime(2026, 6, 1, 12, 0, 0, 500),
    dt.date(2026, 6, 1), dt.time(1, 2, 3), 5, "x", None,
]  # fmt: skip


def _written(c: JsonConverter, schema: Any, value: Any) -> Any:
    try:
        return c.from_connect_data("t", schema, value)
    except (DataException, TypeError) as e:
        return ("error", type(e).__name__, str(e))


@pytest.mark.parametrize("field", [
    Schema.FLOAT64_SCHEMA, Schema.OPTIONAL_FLOAT64_SCHEMA, SchemaBuilder.float64().optional().default_value(2.5).build(),
    Timestamp.SCHEMA, Timestamp.builder().optional().build(),
    Timestamp.builder().optional().default_value(dt.datetime(2000, 1, 1, tzinfo=dt.UTC)).build(),
], ids=["float64", "optional_float64", "float64_default", "timestamp", "optional_timestamp", "timestamp_default"])  # fmt: skip
@pytest.mark.parametrize("replace", [True, False])
def test_struct_fields_written_inline_as_alone(field: Schema, replace: bool) -> None:
    struct = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("f", field).build()
    for schemas in (False, True):
        c = converter(schemas, replace=replace)
        for v in FLOATS if field.type.name == "FLOAT64" else TIMES:
            whole = _written(c, struct, Struct(struct, {"a": 1, "f": v}))
            alone = _written(c, field, v)
            if isinstance(alone, tuple):
                assert whole == alone, v
                continue
            assert isinstance(whole, bytes), v
            payload = whole[whole.index(b',"payload":') + 11 : -1] if schemas else whole
            assert (
                payload
                == b'{"a":1,"f":'
                + (alone[alone.index(b',"payload":') + 11 : -1] if schemas else alone)
                + b"}"
            ), v
