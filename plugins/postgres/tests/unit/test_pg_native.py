"""The compiled path (connectrt_postgres.native) against the Python path: the same frames give the same
records, and the bytes the runtime sends are byte for byte what JsonConverter writes for the Python
path's records, under every converter setting, value mode and fallback."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from connectrt.api.records import SourceRecord
from connectrt.converters.json_converter import JsonConverter
from connectrt.converters.simple_header import SimpleHeaderConverter
from connectrt.converters.string import StringConverter
from connectrt.runtime.serialized import preconverted
from pg_fixtures import TYPES as BASE_TYPES
from test_pg_events import begin, commit, frame, t

from connectrt_postgres import native
from connectrt_postgres.catalog import ColumnInfo, PgType, TableId, TableInfo, TypeRegistry
from connectrt_postgres.events import EventFactory, EventSettings
from connectrt_postgres.filters import Filters
from connectrt_postgres.native_stream import NativeRun
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.pgoutput import Relation
from connectrt_postgres.schemas import SchemaSettings, TableSchema
from connectrt_postgres.streaming import StreamProcessor
from connectrt_postgres.types import ValueModes

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(
        not native.available(), reason=f"native path unavailable: {native.unavailable_reason()}"
    ),
]

TYPES = TypeRegistry(
    [
        *BASE_TYPES.by_oid.values(),
        PgType(21, "int2", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(26, "oid", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(701, "float8", "pg_catalog", "b", 0, 0, -1, "N"),
        PgType(1082, "date", "pg_catalog", "b", 0, 0, -1, "D"),
        PgType(1083, "time", "pg_catalog", "b", 0, 0, -1, "D"),
        PgType(2950, "uuid", "pg_catalog", "b", 0, 0, -1, "U"),
        PgType(3802, "jsonb", "pg_catalog", "b", 0, 0, -1, "U"),
    ]
)


def numeric(precision: int, scale: int) -> int:
    return (precision << 16 | scale) + 4


# name, type oid, typmod, NOT NULL, default expression
COLUMNS = [
    ("id", 23, -1, True, None),
    ("c_int2", 21, -1, True, "7"),
    ("c_int8", 20, -1, False, None),
    ("c_oid", 26, -1, False, None),
    ("c_text", 25, -1, False, "'dflt'::text"),
    ("c_varchar", 1043, 20 + 4, True, None),
    ("c_bool", 16, -1, True, None),
    ("c_num", 1700, numeric(12, 2), False, None),
    ("c_num0", 1700, numeric(10, 0), True, None),
    ("c_num5", 1700, numeric(30, 5), False, "1.5"),
    ("c_tstz", 1184, -1, False, None),
    ("c_tstz0", 1184, 0, False, None),
    ("c_tstz3", 1184, 3, True, None),
    ("c_ts", 1114, -1, False, None),
    ("c_ts3", 1114, 3, False, None),
    ("c_date", 1082, -1, True, None),
    ("c_time", 1083, -1, False, None),
    ("c_time3", 1083, 3, False, None),
    ("c_bytea", 17, -1, False, None),
    ("c_json", 3802, -1, False, None),
    ("c_uuid", 2950, -1, False, None),
    ("c_mood", 90001, -1, False, "'ok'::mood"),
    ("c_dom", 90002, -1, False, None),
]
WIDE = TableId("public", "wide")
WIDE_OID = 16500
OTHER_OID = 16501  # a table with a float column: the Python path only
IGNORED_OID = 16502


def wide_table() -> TableInfo:
    cols = tuple(ColumnInfo(n, i, oid, mod, nn, d) for i, (n, oid, mod, nn, d) in enumerate(COLUMNS, start=1))
    return TableInfo(WIDE, WIDE_OID, cols, ("id",), "d")


def other_table() -> TableInfo:
    cols = (ColumnInfo("id", 1, 23, -1, True, None), ColumnInfo("f", 2, 701, -1, False, None))
    return TableInfo(TableId("public", "other"), OTHER_OID, cols, ("id",), "d")


class FakeTables:
    """TableSchemas without a database."""

    def __init__(self, modes: ValueModes) -> None:
        self.by_oid: dict[int, TableSchema] = {}
        self.ignored: set[int] = set()
        self.types = TYPES
        self.settings = SchemaSettings("dbserver1", ".", modes)

    def on_relation(self, rel: Relation) -> TableSchema | None:
        table = {WIDE_OID: wide_table, OTHER_OID: other_table}.get(rel.oid)
        if table is None:
            self.ignored.add(rel.oid)
            return None
        info = table()
        ts = TableSchema(info, info.columns, TYPES, self.settings)
        self.by_oid[rel.oid] = ts
        return ts

    def refresh_types(self) -> None:
        pass


class AllFilters(Filters):
    def __init__(self) -> None:
        self.message_include = None
        self.message_exclude = None


def relation(oid: int, name: str, columns: list[tuple[str, int, int]], key: str = "id") -> bytes:
    body = b"".join(
        bytes([1 if n == key else 0]) + n.encode() + b"\x00" + struct.pack("!Ii", t, m) for n, t, m in columns
    )
    return (
        b"R"
        + struct.pack("!I", oid)
        + b"public\x00"
        + name.encode()
        + b"\x00d"
        + struct.pack("!h", len(columns))
        + body
    )


WIDE_REL = relation(WIDE_OID, "wide", [(n, t, m) for n, t, m, _, _ in COLUMNS])
OTHER_REL = relation(OTHER_OID, "other", [("id", 23, -1), ("f", 701, -1)])
IGNORED_REL = relation(IGNORED_OID, "ignored", [("id", 23, -1)])


def row(**values: str | None) -> list[str | None]:
    base: dict[str, str | None] = {
        "id": "1",
        "c_int2": "-32768",
        "c_int8": "9223372036854775807",
        "c_oid": "4294967295",
        "c_text": 'plain "quoted" \\ back\nline\ttab\x01\x1f é ß 😀 \u2028',
        "c_varchar": "v",
        "c_bool": "t",
        "c_num": "1234567890.25",
        "c_num0": "-42",
        "c_num5": "0.00001",
        "c_tstz": "2024-05-01 12:00:01.5+00",
        "c_tstz0": "2024-05-01 12:00:01+00",
        "c_tstz3": "1999-12-31 23:59:59.999+00",
        "c_ts": "2024-05-01 12:00:01.123456",
        "c_ts3": "1969-12-31 23:59:59.999",
        "c_date": "2024-02-29",
        "c_time": "23:59:59.999999",
        "c_time3": "00:00:00.5",
        "c_bytea": "\\x00ff10",
        "c_json": '{"a": [1, 2.5, "x"]}',
        "c_uuid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "c_mood": "happy",
        "c_dom": "5",
    }
    base.update(values)
    return [base[n] for n, *_ in COLUMNS]


def ins(lsn: int, **values: str | None) -> tuple[int, bytes]:
    return frame(lsn, b"I" + struct.pack("!I", WIDE_OID) + b"N" + t(*row(**values)))


# Rows the native path converts, then rows it hands to Python (values outside the canonical forms).
NATIVE_ROWS = [
    {},
    {
        "id": "2",
        "c_int8": None,
        "c_oid": None,
        "c_text": None,
        "c_num": None,
        "c_num5": None,
        "c_tstz": None,
        "c_int2": None,
        "c_varchar": None,
        "c_bool": None,
        "c_num0": None,
        "c_tstz3": None,
        "c_date": None,
    },
    {
        "id": "3",
        "c_num": "-0.01",
        "c_num0": "0",
        "c_num5": "-99999.99999",
        "c_bool": "f",
        "c_text": "",
        "c_tstz": "infinity",
        "c_ts": "-infinity",
        "c_date": "1970-01-01",
        "c_time": "00:00:00",
        "c_bytea": "\\x",
    },
    {
        "id": "4",
        "c_num": "99999999999.99",
        "c_tstz0": "0001-01-01 00:00:00+00",
        "c_ts": "0001-01-01 00:00:00",
        "c_date": "0001-01-01",
        "c_ts3": "9999-12-31 23:59:59.999",
        "c_time3": "23:59:59.999",
    },
    {
        "id": "5",
        "c_num": "-128.00",
        "c_num0": "127",
        "c_num5": "-1.28000",
        "c_tstz": "2024-05-01 12:00:01.123456+00",
    },
]
FALLBACK_ROWS = [
    {"id": "10", "c_num": "NaN"},
    {"id": "11", "c_date": "2024-01-01 BC"},
    {"id": "12", "c_tstz": "2024-05-01 12:00:01+02"},
    {"id": "13", "c_ts": "12345-01-01 00:00:00"},
    {"id": "14", "c_time": "24:00:00"},
    {"id": "15", "c_date": "infinity"},
    {"id": "16", "c_num": "1.5"},
    {"id": "17", "c_bytea": "\\x0"},
    {"id": "18", "c_date": "2023-02-29"},
    {"id": "19", "c_num5": "12345678901234567890123456789012345678.12345"},
]


def frames() -> list[tuple[int, bytes]]:
    out = [frame(0, WIDE_REL), frame(0, OTHER_REL), frame(0, IGNORED_REL), frame(100, begin(900, 767))]
    lsn = 100
    for values in NATIVE_ROWS + FALLBACK_ROWS + NATIVE_ROWS[:1]:
        lsn += 8
        out.append(ins(lsn, **values))
    out += [
        frame(lsn + 1, b"I" + struct.pack("!I", OTHER_OID) + b"N" + t("1", "1.5")),
        frame(lsn + 2, b"I" + struct.pack("!I", IGNORED_OID) + b"N" + t("1")),
        ins(lsn + 2, id="30"),
        ins(lsn + 2, id="31"),  # two changes at one LSN (lsn_events_processed)
        frame(950, commit(950, 958)),
        frame(960, begin(1900, 768)),
        frame(970, b"U" + struct.pack("!I", WIDE_OID) + b"N" + t(*row(id="1", c_text="changed"))),
        frame(980, b"U" + struct.pack("!I", WIDE_OID) + b"N" + t(*row(id="2", c_text="<u>"))),
        frame(
            990,
            b"U"
            + struct.pack("!I", WIDE_OID)
            + b"K"
            + t(*[("3" if n == "id" else None) for n, *_ in COLUMNS])
            + b"N"
            + t(*row(id="33")),
        ),
        frame(
            1000,
            b"D"
            + struct.pack("!I", WIDE_OID)
            + b"K"
            + t(*[("4" if n == "id" else None) for n, *_ in COLUMNS]),
        ),
        frame(1010, b"D" + struct.pack("!I", WIDE_OID) + b"O" + t(*row(id="5"))),
        frame(1020, b"T" + struct.pack("!iB", 1, 0) + struct.pack("!I", WIDE_OID)),
        frame(1030, b"M\x01" + struct.pack("!Q", 1030) + b"pfx\x00" + struct.pack("!i", 3) + b"abc"),
        frame(1900, commit(1900, 1908)),
    ]
    return out


def process(p: StreamProcessor, fs: list[tuple[int, bytes]], out: list[SourceRecord]) -> None:
    """p.process, with the native path's runs as the records they stand for (what the task's poll() gives)."""
    items: list[Any] = []
    p.process(fs, items)
    for item in items:
        if type(item) is NativeRun:
            out += item.records()
        else:
            out.append(item)


def make_processor(modes: ValueModes, settings: EventSettings | None = None) -> StreamProcessor:
    events = EventFactory(
        settings or EventSettings(prefix="dbserver1", database="shop"),
        clock=lambda: 1_714_000_000_123_456_789,
    )
    return StreamProcessor(FakeTables(modes), events, AllFilters(), OffsetState())  # type: ignore[arg-type]


def json_converters(
    key_schemas: bool = True, value_schemas: bool = True, replace_null: bool = True
) -> tuple[Any, Any]:
    kc, vc = JsonConverter(), JsonConverter()
    kc.configure({"schemas.enable": key_schemas, "replace.null.with.default": replace_null}, True)
    vc.configure({"schemas.enable": value_schemas, "replace.null.with.default": replace_null}, False)
    return kc, vc


HEADERS = SimpleHeaderConverter()


def send(records: list[SourceRecord], kc: Any, vc: Any) -> list[tuple[Any, ...]]:
    """What WorkerSourceTask sends for each record (the record's own bytes when it offers them)."""
    out = []
    for r in records:
        known = preconverted(r, kc, vc, HEADERS)
        if known is None:
            known = (
                kc.from_connect_data(r.topic, r.key_schema, r.key),
                vc.from_connect_data(r.topic, r.value_schema, r.value),
            )
        if len(known) > 2:
            headers = known[2]
        else:
            headers = [
                (h.key, HEADERS.from_connect_header(r.topic, h.key, h.schema, h.value)) for h in r.headers
            ]
        headers = [
            (k, b"<run id>" if k == "__debezium.context.runId" else v) for k, v in headers
        ]  # per processor
        out.append((r.topic, r.kafka_partition, known[:2], r.source_partition, r.source_offset, headers))
    return out


def run(
    modes: ValueModes,
    use_native: bool,
    converters: tuple[Any, Any],
    batches: int = 2,
    settings: EventSettings | None = None,
) -> tuple[list[tuple[Any, ...]], StreamProcessor, list[SourceRecord]]:
    p = make_processor(modes, settings)
    if use_native:
        assert p.use_native()
    sent: list[tuple[Any, ...]] = []
    records: list[SourceRecord] = []
    for _ in range(batches):  # the second batch runs with what the first taught about the converters
        out: list[SourceRecord] = []
        process(p, frames(), out)
        records += out
        sent += send(out, *converters)
    return sent, p, records


CONVERTERS = {
    "schemas on": lambda: json_converters(),
    "schemas off": lambda: json_converters(False, False),
    "key schemaless": lambda: json_converters(False, True),
    "no null defaults": lambda: json_converters(replace_null=False),
}
MODES = {
    "defaults": ValueModes(),
    "adaptive_time_microseconds": ValueModes(time="adaptive_time_microseconds"),
    "microseconds": ValueModes(time="microseconds"),
    "connect": ValueModes(time="connect"),
    "base64 bytes": ValueModes(binary="base64"),
    "string decimals": ValueModes(decimal="string"),
}


@pytest.mark.parametrize("converters", list(CONVERTERS))
@pytest.mark.parametrize("mode", list(MODES))
def test_native_records_send_the_bytes_of_the_python_path(mode: str, converters: str) -> None:
    conv = CONVERTERS[converters]()
    expected, p_python, _ = run(MODES[mode], False, conv)
    actual, p_native, _ = run(MODES[mode], True, conv)
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert a == e
    assert p_native.offset == p_python.offset
    assert p_native.messages == p_python.messages
    target = p_native.native.target  # type: ignore[union-attr]
    assert target.supported and target.mismatch is None
    if mode in ("defaults", "adaptive_time_microseconds", "microseconds"):
        assert target.served >= 2 * len(NATIVE_ROWS)  # the native bytes were used, not only checked


def test_materialized_records_equal_the_python_paths_and_are_converted_again() -> None:
    _, _, python_records = run(ValueModes(), False, json_converters(), batches=1)
    _, _, native_records = run(ValueModes(), True, json_converters(), batches=1)
    assert any(type(r) is native.NativeChangeRecord for r in native_records)
    kc, vc = json_converters()
    for n, e in zip(native_records, python_records, strict=True):
        assert (n.key, n.value, n.key_schema, n.value_schema) == (
            e.key,
            e.value,
            e.key_schema,
            e.value_schema,
        )
        assert preconverted(n, kc, vc) is None  # read: it might have been changed, so the runtime converts it


def test_a_value_changed_in_place_is_converted_not_sent_stale() -> None:
    kc, vc = json_converters()
    p = make_processor(ValueModes())
    assert p.use_native()
    out: list[SourceRecord] = []
    process(p, frames(), out)
    send(out, kc, vc)  # learn the converters, check the first record
    out = []
    process(p, frames(), out)
    record = next(r for r in out if type(r) is native.NativeChangeRecord and r.topic.endswith("wide"))
    record.value["after"]["c_text"] = "edited"
    value = send([record], kc, vc)[0][2][1]
    assert b'"c_text":"edited"' in value


def test_headers_are_offered_converted_until_changed() -> None:
    kc, vc = json_converters()
    p = make_processor(ValueModes())
    assert p.use_native()
    for _ in range(2):
        out: list[SourceRecord] = []
        process(p, frames(), out)
        send(out, kc, vc)
    out = []
    process(p, frames(), out)
    # (each batch starts with a Relation that FakeTables makes a new schema of: its first record is checked again)
    checked, first, changed = [r for r in out if type(r) is native.NativeChangeRecord][:3]
    assert preconverted(checked, kc, vc, HEADERS) is not None
    offered = preconverted(first, kc, vc, HEADERS)
    assert offered is not None and len(offered) == 3
    assert offered[2] == [
        (h.key, HEADERS.from_connect_header(first.topic, h.key, h.schema, h.value)) for h in first.headers
    ]
    changed.headers.add("extra", "x")
    answer = preconverted(changed, kc, vc, HEADERS)
    assert (
        answer is not None and len(answer) == 2
    )  # bytes for key and value, headers converted by the runtime


def test_other_converters_turn_the_native_path_off() -> None:
    kc, vc = StringConverter(), StringConverter()
    kc.configure({}, True)
    vc.configure({}, False)
    expected, _, _ = run(ValueModes(), False, (kc, vc))
    actual, p, records = run(ValueModes(), True, (kc, vc))
    assert actual == expected
    assert p.native is not None and not p.native.target.supported
    last_batch = records[len(records) // 2 :]
    assert not any(type(r) is native.NativeChangeRecord for r in last_batch)


def test_skipped_operations_and_no_tombstones() -> None:
    settings = EventSettings(
        prefix="dbserver1", database="shop", tombstones=False, skipped=frozenset({"c", "t"})
    )
    conv = json_converters()
    expected, p1, _ = run(ValueModes(), False, conv, settings=settings)
    actual, p2, _ = run(ValueModes(), True, conv, settings=settings)
    assert actual == expected and p1.offset == p2.offset


# Values the native converter writes, checked against the Python mapping and JsonConverter one by one.
VALUES: dict[tuple[str, int, int], list[str]] = {
    ("int4", 23, -1): ["0", "-1", "2147483647", "-2147483648", "007", "-0", "1e3", ""],
    ("int8", 20, -1): ["9223372036854775807", "-9223372036854775808"],
    ("bool", 16, -1): ["t", "f", "true", "x"],
    ("text", 25, -1): ["", 'a"b\\c', "\x00\x07\x7f", "é€😀𝄞", "\u2028\u2029", "</script>"],
    ("numeric", 1700, numeric(12, 2)): [
        "0.00",
        "-0.50",
        "1.28",
        "-1.28",
        "127.99",
        "9999999999.99",
        "1.5",
        "1",
        "NaN",
        "1e5",
        "-.50",
    ],
    ("numeric", 1700, numeric(38, 0)): [
        "99999999999999999999999999999999999999",
        "-170141183460469231731687303715884105728",
        "0",
    ],
    ("timestamptz", 1184, -1): [
        "2024-05-01 12:00:01+00",
        "2024-05-01 12:00:01.000001+00",
        "infinity",
        "-infinity",
        "2024-05-01 12:00:01+05:30",
        "0099-01-01 00:00:00+00 BC",
        "20240-05-01 12:00:01+00",
    ],
    ("timestamptz", 1184, 0): ["2024-05-01 12:00:01+00", "2024-05-01 12:00:01.5+00"],
    ("timestamptz", 1184, 2): ["2024-05-01 12:00:01.123456+00", "2024-05-01 12:00:01+00"],
    ("timestamp", 1114, -1): [
        "2024-05-01 12:00:01",
        "1900-02-28 23:59:59.000001",
        "1582-10-10 00:00:00",
        "infinity",
        "2024-05-01T12:00:01",
        "2024-13-01 00:00:00",
    ],
    ("timestamp", 1114, 1): ["1969-12-31 23:59:59.9", "1970-01-01 00:00:00.1"],
    ("date", 1082, -1): ["1970-01-01", "2000-02-29", "1900-02-29", "9999-12-31", "0001-01-01", "10000-01-01"],
    ("time", 1083, -1): ["00:00:00", "12:34:56.789", "23:59:59.999999", "24:00:00", "1:00:00"],
    ("time", 1083, 2): ["12:34:56.78"],
    ("bytea", 17, -1): ["\\x", "\\x00", "\\xDEADbeef", "\\xzz", "abc"],
    ("jsonb", 3802, -1): ['{"a": 1}', '"\\u0000"'],
}


@pytest.mark.parametrize("case", list(VALUES), ids=lambda c: f"{c[0]}({c[2]})")
def test_each_native_value_is_what_the_python_converters_write(case: tuple[str, int, int]) -> None:
    from connectrt_postgres.types import column_mapping

    _name, oid, typmod = case
    modes = ValueModes()
    mapping = column_mapping(TYPES, oid, typmod, modes)
    assert mapping is not None
    schema = mapping.builder().optional().build()
    kind = native.native_kind(TYPES, oid, typmod, modes, schema)
    assert kind is not None
    conv = JsonConverter()
    conv.configure({"schemas.enable": False}, False)
    native_count = 0
    for text in VALUES[case]:
        got = native.convert_value(kind[0], kind[1], text.encode())
        if got is None:
            continue  # the Python path converts it (and warns where it must)
        native_count += 1
        assert got == conv.from_connect_data("t", schema, mapping.convert(text)), text
    assert native_count > 0


CHAINS = {
    "RegexRouter": {
        "transforms": "route",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.route.regex": r"dbserver1\.([^.]+)\.(.+)",
        "transforms.route.replacement": "$1_$2",
    },
    "ExtractNewRecordState": {
        "transforms": "unwrap",
        "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
        "transforms.unwrap.add.fields": "op,lsn",
    },
}


@pytest.mark.parametrize("chain_name", list(CHAINS))
def test_transforms_see_the_python_paths_records_and_their_output_is_sent(chain_name: str) -> None:
    from connectrt.runtime.errors import RetryWithToleranceOperator
    from connectrt.runtime.plugins import Plugins
    from connectrt.runtime.transformation_chain import build_chain
    from connectrt.transforms import PLUGINS as TRANSFORMS

    from connectrt_postgres import PLUGINS as POSTGRES

    plugins = Plugins([*TRANSFORMS, *POSTGRES], load_entry_points=False)
    kc, vc = json_converters()

    def through_chain(use_native: bool) -> tuple[list[tuple[Any, ...]], StreamProcessor]:
        chain = build_chain(plugins, CHAINS[chain_name], RetryWithToleranceOperator(0, 1000, False, []))
        p = make_processor(ValueModes())
        if use_native:
            assert p.use_native()
        sent: list[tuple[Any, ...]] = []
        for _ in range(12):  # enough batches for the native path to see its work is wasted
            out: list[SourceRecord] = []
            process(p, frames(), out)
            transformed = [t for r in out if (t := chain.apply(r, source_record=r)) is not None]
            sent += send(transformed, kc, vc)
        return sent, p

    expected, _ = through_chain(False)
    actual, p = through_chain(True)
    assert actual == expected
    assert p.native is not None and p.native.target.wasted() and not p.native.enabled


def test_streaming_metrics_count_native_events_as_the_python_path_does() -> None:
    from connectrt_postgres.metrics import StreamingProgress

    progress: dict[bool, Any] = {}
    for use_native in (False, True):
        p = make_processor(ValueModes())
        p.progress = StreamingProgress()
        if use_native:
            assert p.use_native()
        out: list[SourceRecord] = []
        # the last batch ends with a delete and its tombstone
        p.process(
            [f for f in frames() if f[1][25] not in (0x43, 0x54, 0x4D)], out
        )  # no commit, truncate, message
        p.progress.on_batch(out)  # what the task does; it counts only the Python path's records
        progress[use_native] = p.progress
    python, compiled = progress[False], progress[True]
    assert (compiled.events, compiled.creates, compiled.updates, compiled.deletes) == (
        python.events,
        python.creates,
        python.updates,
        python.deletes,
    )
    assert compiled.last_event is not None and python.last_event is not None
    assert compiled.last_event["op"] == python.last_event["op"] == "d"
    assert compiled.last_event["table"] == python.last_event["table"]


def _runs_and_records(p: StreamProcessor, relations: bool = True) -> tuple[list[Any], list[SourceRecord]]:
    """One batch of frames as the reader hands it over, and the records it stands for (without the Relation
    messages, the tables' plans stay those already checked)."""
    items: list[Any] = []
    p.process([f for f in frames() if relations or f[1][25] != 0x52], items)
    return items, [r for item in items for r in (item.records() if type(item) is NativeRun else [item])]


@pytest.mark.parametrize("converters", list(CONVERTERS))
def test_a_run_serves_the_bytes_its_records_would_send(converters: str) -> None:
    """The worker produces a run's rows (poll_serialized) instead of its records (poll): same topics, keys,
    values and headers, and the run's offset is its last record's."""
    kc, vc = CONVERTERS[converters]()
    p = make_processor(ValueModes())
    assert p.use_native()
    items, records = _runs_and_records(p)
    runs = [item for item in items if type(item) is NativeRun]
    assert runs
    # Before the tables' first records are checked against the converters, a run has no bytes to offer.
    assert runs[0].serialized(kc, vc, HEADERS) is None
    send(records, kc, vc)  # the first records teach the converters (what the worker does with a declined run)
    _, records = _runs_and_records(p, relations=False)
    send(records, kc, vc)  # and the plans made for them are checked
    items, _ = _runs_and_records(p, relations=False)
    p2 = make_processor(ValueModes())
    assert p2.use_native()
    for relations in (True, False):
        send(_runs_and_records(p2, relations)[1], kc, vc)
    expected = send(_runs_and_records(p2, relations=False)[1], kc, vc)
    got: list[tuple[Any, ...]] = []
    for item in items:
        if type(item) is not NativeRun:
            got += [(s[0], s[2], s[5]) for s in send([item], kc, vc)]
            continue
        answer = item.serialized(kc, vc, HEADERS)
        assert answer is not None
        rows, partition, offset = answer
        assert len(rows) == len(item)
        assert partition == item.records()[-1].source_partition
        assert offset == item.records()[-1].source_offset == item.source_offset
        for topic, key, value, headers in rows:
            named = [(k, b"<run id>" if k == "__debezium.context.runId" else v) for k, v in headers or []]
            got.append((topic, (key, value), named))
    assert got == [(e[0], e[2], e[5]) for e in expected]


def test_a_run_splits_without_parting_a_delete_from_its_tombstone() -> None:
    p = make_processor(ValueModes())
    assert p.use_native()
    items: list[Any] = []
    p.process(frames(), items)
    runs = [item for item in items if type(item) is NativeRun]
    run_ = next(r for r in runs if "T" in r.ops())
    t = run_.ops().index("T")
    head, rest = run_.split(t)  # at the tombstone: it goes with its delete
    assert head.ops()[-2:] == ["d", "T"] and head.source_offset == run_.records()[t - 1].source_offset
    assert rest is None or rest.ops()[0] != "T"
    assert len(head) + (len(rest) if rest is not None else 0) == len(run_)
    whole, none = run_.split(len(run_))
    assert whole is run_ and none is None


def test_the_queue_counts_and_splits_runs_as_records() -> None:
    import threading

    from connectrt_postgres.eventqueue import ChangeEventQueue

    p = make_processor(ValueModes())
    assert p.use_native()
    items: list[Any] = []
    p.process(frames(), items)
    total = sum(len(i) if type(i) is NativeRun else 1 for i in items)
    queue = ChangeEventQueue(10_000)
    assert queue.put(items, threading.Event())
    assert len(queue) == total
    got: list[Any] = []
    while len(queue):
        batch = queue.poll(3, 0)
        # at most 3 records a poll (4 when a tombstone follows its delete)
        assert 0 < sum(len(i) if type(i) is NativeRun else 1 for i in batch) <= 4
        got += batch
    flat = [r for i in got for r in (i.records() if type(i) is NativeRun else [i])]
    expected = [r for i in items for r in (i.records() if type(i) is NativeRun else [i])]
    assert [(r.topic, r.source_offset, r.key) for r in flat] == [
        (r.topic, r.source_offset, r.key) for r in expected
    ]
