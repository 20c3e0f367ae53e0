"""JsonConverter's decode fast paths give what a cold converter gives.

A converter remembers each envelope prefix it has read (``{"schema":...,"payload":``) and then parses only
the payload of later records with that prefix; struct payloads are read by a function generated per schema.
Every document here is decoded by a fresh converter (the slow way, checked against Java in
tests/compat) and by one warm converter that has read it, and documents sharing its prefix, before.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from connectrt.api.data import DataException
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
    return (schema, value, type(value), {k: type(v) for k, v in value.items()} if isinstance(value, dict) else None)


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
