"""The compiled hot path: change events as the bytes the worker's JsonConverter would write.

On the usual configuration (JsonConverter for key and value, no transform that looks at keys or
values) the Python work per row - decoding the tuple, building Structs, walking them in the
converter - is what limits the stream. The native module (``native/``, Rust) does that work for a
batch of frames without holding the GIL, so it runs beside the task thread's producer calls, and
hands back each event's key and value bytes. The records it yields are :class:`NativeChangeRecord`:

- a SourceRecord like any other: topic, schemas, headers, partition and offset are set as the Python
  path sets them;
- its ``key`` and ``value`` are built by the Python path on first access (an SMT, another converter,
  an error report): nothing sees a difference;
- the runtime asks it for its bytes before converting (``connect_serialized(key_converter,
  value_converter)``, see connectrt/runtime/serialized.py). It answers only if nobody has accessed its
  key or value (so a transform cannot have changed them) and the converters are JsonConverters whose
  settings the bytes were made for; otherwise the runtime converts as usual.

What the converters write is learnt from the first record the runtime asks about
(:class:`SerializationTarget`); the plans are rebuilt for it, and the first record of every table is
checked against the real converters' bytes before any bytes are used (a mismatch turns the native
path off for the task, with a warning). When the runtime keeps materializing records (an SMT reads
every value), or converts with something else than JsonConverter, the task goes back to the Python
path: the native work would be wasted.

A table whose columns include a type the native path does not convert (arrays, floats, intervals,
geometry, decimal modes other than ``precise``, ...) stays on the Python path, as does a row with a
value outside the canonical text forms, an update that carries the old key or row, an unchanged
TOASTed value, or anything else than Begin/Commit/Insert/Update/Delete: those frames go through
:class:`~connectrt_postgres.streaming.StreamProcessor`'s own code, in order.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from connectrt.api.data import Schema, SchemaType, Struct
from connectrt.api.records import ConnectRecord, SourceRecord

from connectrt_postgres.catalog import TypeRegistry
from connectrt_postgres.events import EventFactory
from connectrt_postgres.offsets import OffsetState
from connectrt_postgres.pgoutput import Delete, Insert, Update, decode_message
from connectrt_postgres.schemas import TableSchema
from connectrt_postgres.types import ValueModes, resolve_type

log = logging.getLogger(__name__)

ABI = 4
DISABLE_ENV = "CONNECTRT_POSTGRES_NATIVE"  # "0" turns the native path off (comparisons, debugging)

try:
    from connectrt_postgres_native import _native
except ImportError as e:  # pragma: no cover - connectrt-postgres-native is optional (it needs cargo to build)
    _native = None  # type: ignore[assignment]
    _IMPORT_ERROR: str | None = str(e)
else:
    _IMPORT_ERROR = None
    if getattr(_native, "ABI", None) != ABI:
        _IMPORT_ERROR = f"connectrt_postgres_native._native is a build of another version (ABI {getattr(_native, 'ABI', '?')})"
        _native = None  # type: ignore[assignment]


def available() -> bool:
    """Whether the native path can be used (built, current, and not turned off)."""
    return _native is not None and os.environ.get(DISABLE_ENV, "1") != "0"


def unavailable_reason() -> str:
    if os.environ.get(DISABLE_ENV, "1") == "0":
        return f"{DISABLE_ENV}=0"
    return _IMPORT_ERROR or ""


# Value kinds (native/src/convert.rs).
(
    K_INT,
    K_BOOL,
    K_STR,
    K_DECIMAL,
    K_ZONED_TS,
    K_MICRO_TS,
    K_MILLI_TS,
    K_DATE,
    K_MICRO_TIME,
    K_MILLI_TIME,
    K_BYTES,
) = range(1, 12)

_STRING_TYPES = {
    "bpchar", "varchar", "text", "char", "name", "citext", "inet", "cidr", "macaddr", "macaddr8",
    "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange", "isbn",
    "json", "jsonb", "xml", "uuid", "ltree", "tsvector",
}  # fmt: skip
_INT_TYPES = {
    "int2": SchemaType.INT16,
    "int4": SchemaType.INT32,
    "int8": SchemaType.INT64,
    "oid": SchemaType.INT64,
}
_DECIMAL = "org.apache.kafka.connect.data.Decimal"
# What each kind's field schema must look like (name, type): a check that types.py still maps the column so.
_EXPECTED: dict[int, tuple[str | None, SchemaType]] = {
    K_BOOL: (None, SchemaType.BOOLEAN),
    K_DECIMAL: (_DECIMAL, SchemaType.BYTES),
    K_ZONED_TS: ("io.debezium.time.ZonedTimestamp", SchemaType.STRING),
    K_MICRO_TS: ("io.debezium.time.MicroTimestamp", SchemaType.INT64),
    K_MILLI_TS: ("io.debezium.time.Timestamp", SchemaType.INT64),
    K_DATE: ("io.debezium.time.Date", SchemaType.INT32),
    K_MICRO_TIME: ("io.debezium.time.MicroTime", SchemaType.INT64),
    K_MILLI_TIME: ("io.debezium.time.Time", SchemaType.INT32),
    K_BYTES: (None, SchemaType.BYTES),
}


def _precision(typmod: int) -> int:
    return typmod if 0 <= typmod <= 6 else 6


def native_kind(
    registry: TypeRegistry, type_oid: int, typmod: int, modes: ValueModes, schema: Schema
) -> tuple[int, int] | None:
    """The native kind (and its parameter) of a column, or None when only the Python path converts it."""
    resolved = resolve_type(registry, type_oid, typmod)
    if resolved is None or resolved[0].is_array:
        return None
    root, typmod = resolved
    name = root.name
    time_mode = modes.time
    kind: tuple[int, int] | None = None
    if root.kind == "e" or name in _STRING_TYPES:
        kind = (K_STR, 0)
    elif name == "bool":
        kind = (K_BOOL, 0)
    elif name in _INT_TYPES:
        if schema.type is _INT_TYPES[name] and schema.name is None:
            kind = (K_INT, 0)
    elif name == "numeric":
        if typmod >= 4 and modes.decimal == "precise":
            kind = (K_DECIMAL, (typmod - 4) & 0xFFFF)
    elif name == "bytea":
        if modes.binary == "bytes":
            kind = (K_BYTES, 0)
    elif name == "timestamptz":
        kind = (K_ZONED_TS, _precision(typmod) if typmod >= 0 else 6)
    elif name == "timestamp":
        if time_mode in ("adaptive", "adaptive_time_microseconds"):
            kind = (K_MILLI_TS, 0) if _precision(typmod) <= 3 else (K_MICRO_TS, 0)
        elif time_mode == "microseconds":
            kind = (K_MICRO_TS, 0)
    elif name == "date":
        if time_mode not in ("connect", "isostring"):
            kind = (K_DATE, 0)
    elif name == "time":
        if time_mode == "adaptive":
            kind = (K_MILLI_TIME, 0) if _precision(typmod) <= 3 else (K_MICRO_TIME, 0)
        elif time_mode in ("adaptive_time_microseconds", "microseconds"):
            kind = (K_MICRO_TIME, 0)
    if kind is None:
        return None
    if kind[0] == K_STR:
        return kind if schema.type is SchemaType.STRING else None
    expected = _EXPECTED.get(kind[0])
    if expected is not None and (schema.name != expected[0] or schema.type is not expected[1]):
        return None
    if kind[0] == K_DECIMAL and (schema.parameters or {}).get("scale") != str(kind[1]):
        return None
    return kind


class SerializationTarget:
    """The worker's converters for this task, as far as the native bytes are concerned.

    Until the runtime first asks a record for its bytes, the plans assume JsonConverter with Connect's
    defaults for key and value. The first ``connect_serialized`` call shows the real converters: JSON
    ones with other settings bump :attr:`version` (the processor rebuilds its plans), anything else
    makes the target unsupported.
    """

    def __init__(self) -> None:
        self.key_converter: Any = None
        self.value_converter: Any = None
        self.key_schemas = True
        self.value_schemas = True
        self.replace_null_with_default = True
        self.version = 1
        self.supported = True
        self.verified: set[int] = set()  # id() of plans whose first record matched the real converters
        self.served = 0
        self.materialized = 0
        self.mismatch: str | None = None
        self.header_items: Any = None  # the list the task's context headers share (EventFactory's template)
        self.headers: dict[
            str, tuple[Any, list[tuple[str, bytes | None]]]
        ] = {}  # topic -> (converter, bytes)

    def use_headers(self, template: Any) -> None:
        """The task's context headers (a Headers every change event duplicates)."""
        if template._items is not self.header_items:
            self.header_items = template._items
            self.headers.clear()

    def convert_headers(
        self, converter: Any, topic: str, headers: Any
    ) -> tuple[Any, list[tuple[str, bytes | None]]]:
        """The context headers as the header converter writes them for ``topic``, remembered per topic."""
        if len(self.headers) >= 256:
            self.headers.clear()
        converted = (
            converter,
            [(h.key, converter.from_connect_header(topic, h.key, h.schema, h.value)) for h in headers],
        )
        self.headers[topic] = converted
        return converted

    def learn(self, kc: Any, vc: Any) -> None:
        self.key_converter, self.value_converter = kc, vc
        settings = [_json_settings(kc), _json_settings(vc)]
        if settings[0] is None or settings[1] is None or settings[0][1] != settings[1][1]:
            self.supported = False
            log.info(
                "The worker's converters are not both JsonConverter with decimal.format=BASE64: "
                "change events are built by the Python path"
            )
            return
        (key_schemas, replace), (value_schemas, _) = settings  # type: ignore[misc]
        if (key_schemas, value_schemas, replace) != (
            self.key_schemas,
            self.value_schemas,
            self.replace_null_with_default,
        ):
            self.key_schemas, self.value_schemas, self.replace_null_with_default = (
                key_schemas,
                value_schemas,
                replace,
            )
            self.version += 1
            self.verified.clear()

    def wasted(self) -> bool:
        """Most records were materialized anyway (a transform reads them): the native work is wasted."""
        return self.materialized > 64 and self.materialized > self.served


def _json_settings(converter: Any) -> tuple[bool, bool] | None:
    """(schemas.enable, replace.null.with.default) of connectrt's JsonConverter with BASE64 decimals."""
    cls = type(converter)
    if cls.__name__ != "JsonConverter" or cls.__module__ != "connectrt.converters.json_converter":
        return None
    if getattr(converter, "decimal_format", None) != "BASE64":
        return None
    return bool(converter.schemas_enabled), bool(converter.replace_null_with_default)


def _json_converter(schemas: bool, replace_null: bool, is_key: bool) -> Any:
    from connectrt.converters.json_converter import JsonConverter

    conv = JsonConverter()
    conv.configure({"schemas.enable": schemas, "replace.null.with.default": replace_null}, is_key)
    return conv


_KEY_SLOT: Any = ConnectRecord.__dict__["key"]
_VALUE_SLOT: Any = ConnectRecord.__dict__["value"]


class NativeChangeRecord(SourceRecord):
    """A change event whose key and value bytes were made natively; its Structs are made on demand."""

    __slots__ = ("_done", "_lazy")
    _done: bool
    _lazy: tuple[
        Any, ...
    ]  # (context, frame, op, now_ns, key bytes, value bytes, target version, (origin, lsn))

    def _materialize(self) -> None:
        self._done = True
        context, frame, op, now = self._lazy[:4]
        key, value = context.materialize(self, frame, op, now)
        _KEY_SLOT.__set__(self, key)
        _VALUE_SLOT.__set__(self, value)
        context.target.materialized += 1

    @property
    def key(self) -> Any:
        if not self._done:
            self._materialize()
        return _KEY_SLOT.__get__(self)

    @key.setter
    def key(self, value: Any) -> None:
        if not self._done:
            self._materialize()
        _KEY_SLOT.__set__(self, value)

    @property
    def value(self) -> Any:
        if not self._done:
            self._materialize()
        return _VALUE_SLOT.__get__(self)

    @value.setter
    def value(self, value: Any) -> None:
        if not self._done:
            self._materialize()
        _VALUE_SLOT.__set__(self, value)

    def connect_serialized(
        self, key_converter: Any, value_converter: Any, header_converter: Any = None
    ) -> tuple[Any, ...] | None:
        """The key and value bytes ``key_converter``/``value_converter`` would write, if known and untouched;
        with the converted headers when they are still the task's context headers."""
        if self._done:
            return None
        context, _frame, _op, _now, key_bytes, value_bytes, version, _origin = self._lazy
        target = context.target
        if key_converter is not target.key_converter or value_converter is not target.value_converter:
            target.learn(key_converter, value_converter)
        if not target.supported or version != target.version:
            return None
        if id(context.plan) not in target.verified:
            return context.verify(self, key_converter, value_converter)
        target.served += 1
        # A Headers duplicate shares its template's list until something changes it (copy on write).
        if header_converter is not None and self.headers._items is target.header_items:
            converted = target.headers.get(self.topic)
            if converted is None or converted[0] is not header_converter:
                converted = target.convert_headers(header_converter, self.topic, self.headers)
            return key_bytes, value_bytes, converted[1] or None
        return key_bytes, value_bytes


class PlanContext:
    """What the records of one table plan share: how to materialize them and check their bytes."""

    __slots__ = ("events", "plan", "target", "ts")

    def __init__(self, events: EventFactory, ts: TableSchema, plan: Any, target: SerializationTarget) -> None:
        self.events = events
        self.ts = ts
        self.plan = plan
        self.target = target

    def materialize(self, record: NativeChangeRecord, frame: bytes, op: str, now: int) -> tuple[Any, Any]:
        ts = self.ts
        if op == "r":  # a snapshot row: its COPY line, the marker and the snapshot's offset state
            marker, ts_us, snapshot_state = record._lazy[7]
            values = parse_copy_line(frame)
            row = ts.row(values)
            tid = ts.table.id
            source = self.events.source(snapshot_state, tid.schema, tid.table, marker, ts_us)
            return ts.key(values, row), self.events.envelope(ts, None, row, source, "r", now)
        msg = decode_message(frame, 25)
        offset = record.source_offset or {}
        origin, origin_lsn = record._lazy[7]
        state = OffsetState(
            lsn=offset.get("lsn"),
            tx_id=offset.get("txId"),
            ts_usec=offset.get("ts_usec"),
            lsn_proc=offset.get("lsn_proc"),
            lsn_commit=offset.get("lsn_commit"),
            xmin=offset.get("xmin"),
        )
        before: Struct | None
        after: Struct | None
        if isinstance(msg, Delete):
            before = ts.row(msg.old)
            key = ts.key(msg.old, before)
            if op == "T":
                return key, None
            after = None
        elif isinstance(msg, Insert | Update):
            before = None
            after = ts.row(msg.new)
            key = ts.key(msg.new, after)
        else:  # pragma: no cover - the native path emits only these
            raise AssertionError(f"unexpected message {type(msg).__name__} in a native record")
        tid = ts.table.id
        commit_ts = state.ts_usec or 0
        source = self.events.source(state, tid.schema, tid.table, None, commit_ts, origin, origin_lsn)
        envelope = self.events.envelope(ts, before, after, source, op, now)
        return key, envelope

    def verify(
        self, record: NativeChangeRecord, kc: Any, vc: Any
    ) -> tuple[bytes | None, bytes | None] | None:
        """The first record of a plan: its bytes must be what the converters make of its Structs."""
        target = self.target
        key_bytes, value_bytes = record._lazy[4:6]
        topic = record.topic
        expected_key = kc.from_connect_data(topic, record.key_schema, record.key, record.headers)
        expected_value = vc.from_connect_data(topic, record.value_schema, record.value, record.headers)
        target.materialized -= 1  # a check, not a transform reading values
        if (expected_key, expected_value) != (key_bytes, value_bytes):
            target.supported = False
            target.mismatch = f"table {self.ts.table.id}"
            log.warning(
                "The native change event bytes of table %s differ from JsonConverter's (a bug; please report it "
                "with the table's definition): this task builds its events with the Python path from now on. "
                "Expected value %r, native %r",
                self.ts.table.id,
                expected_value[:400] if expected_value else None,
                value_bytes[:400] if value_bytes else None,
            )
        else:
            target.verified.add(id(self.plan))
            log.info(
                "Change events of table %s are built by the compiled path (the first one checked against "
                "the converters)",
                self.ts.table.id,
            )
        return expected_key, expected_value


def _envelope_prefix(converter: Any, schema: Schema) -> bytes:
    """``{"schema":<the schema's JSON>,"payload":`` as JsonConverter writes it with schemas.enable=true."""
    from connectrt.converters.json_text import dumps

    return b'{"schema":' + dumps(converter.as_json_schema(schema)) + b',"payload":'


def _json_str(converter: Any, text: str) -> bytes:
    out: bytes = converter.from_connect_data("", Schema.STRING_SCHEMA, text)
    return out


class PlanBuilder:
    """Table plans for the current :class:`SerializationTarget`: the converters' envelopes, field names and
    the JSON of null values, all written by real JsonConverters configured as the worker's."""

    def __init__(self, events: EventFactory, modes: ValueModes, target: SerializationTarget) -> None:
        assert _native is not None
        self.events = events
        self.modes = modes
        self.target = target
        self.version = 0
        self.refresh()

    def refresh(self) -> bool:
        """Follow the target's converters; True when the plans made so far are stale."""
        target = self.target
        if self.version == target.version:
            return False
        self.version = target.version
        self.value_json = _json_converter(False, target.replace_null_with_default, False)
        self.key_conv = _json_converter(target.key_schemas, target.replace_null_with_default, True)
        self.value_conv = _json_converter(target.value_schemas, target.replace_null_with_default, False)
        return True

    def json_str(self, text: str) -> bytes:
        return _json_str(self.value_json, text)

    def stream_config(self, stop_at_commit: bool) -> Any:
        """The streaming settings: the source block's fixed head and middle, skipped operations, tombstones."""
        from connectrt_postgres.config import DEBEZIUM_VERSION
        from connectrt_postgres.schemas import SOURCE_SCHEMA

        events = self.events
        settings = events.settings
        snapshot_field = SOURCE_SCHEMA.field("snapshot")
        assert snapshot_field is not None
        snapshot_json = self.value_json.from_connect_data("", snapshot_field.schema, None)
        head = (
            b'{"version":'
            + self.json_str(DEBEZIUM_VERSION)
            + b',"connector":"postgresql","name":'
            + self.json_str(settings.prefix)
            + b',"ts_ms":'
        )
        middle = (
            b',"snapshot":' + snapshot_json + b',"db":' + self.json_str(settings.database) + b',"sequence":'
        )
        return _native.StreamConfig(
            head,
            middle,
            events.skip_create,
            events.skip_update,
            events.skip_delete,
            settings.tombstones,
            stop_at_commit,
        )

    def plan(self, ts: TableSchema, registry: TypeRegistry) -> Any:
        """The native plan of a table, or None when one of its columns is converted by Python only."""
        modes = self.modes
        value_fields = ts.value_schema.fields or ()
        by_field = {f.name: f.schema for f in value_fields}
        conv = self.value_json

        def spec(
            index: int, field: str, null_value: Any, schema: Schema
        ) -> tuple[int, int, int, bytes, bytes] | None:
            column = ts.columns[index]
            kind = native_kind(registry, column.type_oid, column.typmod, modes, schema)
            if kind is None:
                return None
            null_json = conv.from_connect_data("", schema, null_value)
            return (index, kind[0], kind[1], _json_str(conv, field) + b":", null_json)

        fields = []
        for index, field, _convert, null_value, _toast, _column in ts.plan:
            entry = spec(index, field, null_value, by_field[field])
            if entry is None:
                log.info(
                    "Table %s has column %s of a type the native path does not convert: its events are "
                    "built by the Python path",
                    ts.table.id,
                    ts.columns[index].name,
                )
                return None
            fields.append(entry)
        keys = []
        row_positions = {p[1]: i for i, p in enumerate(ts.plan)}
        key_schema_fields = {f.name: f.schema for f in (ts.key_schema.fields or [])} if ts.key_schema else {}
        for index, field, row_field, _convert, null_value in ts.key_plan:
            entry = spec(index, field, null_value, key_schema_fields[field])
            if entry is None:
                return None
            keys.append((row_positions.get(row_field) if row_field is not None else None, entry))
        target = self.target
        key_prefix = value_prefix = b""
        key_suffix = value_suffix = b""
        if target.key_schemas and ts.key_schema is not None:
            key_prefix, key_suffix = _envelope_prefix(self.key_conv, ts.key_schema), b"}"
        if target.value_schemas:
            value_prefix, value_suffix = _envelope_prefix(self.value_conv, ts.envelope_schema), b"}"
        tid = ts.table.id
        source_table = (
            b',"schema":'
            + _json_str(conv, tid.schema)
            + b',"table":'
            + _json_str(conv, tid.table)
            + b',"txId":'
        )
        try:
            return _native.TablePlan(
                len(ts.columns),
                fields,
                keys,
                key_prefix,
                key_suffix,
                value_prefix,
                value_suffix,
                source_table,
            )
        except ValueError as e:  # pragma: no cover - the specs above are checked
            log.warning("No native plan for table %s: %s", tid, e)
            return None


def process(*args: Any) -> tuple[int, dict[str, Any], list[tuple[Any, ...]], int]:
    """native/src/stream.rs ``process`` (see native_stream.py)."""
    assert _native is not None
    return _native.process(*args)


def snapshot_rows(*args: Any, **kwargs: Any) -> list[tuple[bytes | None, bytes | None, bytes, int]]:
    """native/src/snapshot.rs ``snapshot_rows`` (see native_snapshot.py)."""
    assert _native is not None
    return _native.snapshot_rows(*args, **kwargs)


def parse_copy_line(line: bytes) -> list[str | None]:
    """The values of one ``COPY ... TO STDOUT`` text-format line (None for NULL), as the snapshot's SELECT
    would return them: tab-separated, ``\\N`` for NULL, backslash escapes (octal ``\\NNN`` and
    hex ``\\xHH`` too, though COPY TO writes neither)."""
    out: list[str | None] = []
    for raw in line.split(b"\t"):
        if raw == b"\\N":
            out.append(None)
        elif b"\\" not in raw:
            out.append(raw.decode())
        else:
            out.append(_unescape(raw).decode())
    return out


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b != 0x5C or i + 1 >= n:
            out.append(b)
            i += 1
            continue
        c = chr(raw[i + 1])
        if c in "01234567":
            j = i + 1
            while j < n and j < i + 4 and chr(raw[j]) in "01234567":
                j += 1
            out.append(int(raw[i + 1 : j], 8) & 0xFF)
            i = j
        elif c == "x" and i + 2 < n and chr(raw[i + 2]) in "0123456789abcdefABCDEF":
            j = i + 2
            while j < n and j < i + 4 and chr(raw[j]) in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(raw[i + 2 : j], 16))
            i = j
        else:
            out.append({"b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}.get(c, raw[i + 1]))
            i += 2
    return bytes(out)


def convert_value(kind: int, param: int, text: bytes) -> bytes | None:
    """The native JSON of one value (tests)."""
    assert _native is not None
    out: bytes | None = _native.convert_value(kind, param, text)
    return out
