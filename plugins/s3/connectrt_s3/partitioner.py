"""Partitioners and timestamp extractors of Confluent's storage-common, by their Java names.

``encode_partition(record, now_ms)`` gives the encoded partition (``partition=3``, ``id=7/kind=a``,
``year=2026/month=01/day=05``); ``partitioned_path(topic, encoded)`` the directory under ``topics.dir``.
"""

from __future__ import annotations

import datetime as _dt
import re
import time
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

from connectrt.api import ConnectException, DataException, SinkRecord, Struct
from connectrt.api.data import Schema, SchemaType, Timestamp
from connectrt.config.configdef import ConfigException

from connectrt_s3.joda import compile_pattern
from connectrt_s3.names import extractor_name, partitioner_name

_NUMERIC = re.compile(r"^-?[0-9]{1,19}$")
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
DAY_MS, HOUR_MS = 86_400_000, 3_600_000


class PartitionException(ConnectException):
    """A record whose partition cannot be computed (Confluent's PartitionException)."""


# --- nested fields (storage-common DataUtils) ------------------------------------------------------


def nested_value(value: Any, field_name: str) -> Any:
    if value is None:
        raise ConnectException("Attempted to extract a field from a null object.")
    current = value
    try:
        for name in field_name.split("."):
            if isinstance(current, Struct):
                if current.schema.field(name) is None:
                    raise DataException(f"{name} is not a valid field name")
                found = current.get_checked(name)
            elif isinstance(current, Mapping):
                found = current.get(name)
            else:
                raise DataException(f"Argument not a Struct or Map. Cannot get field '{name}'.")
            if found is None:
                raise DataException(f"The field '{name}' does not exist.")
            current = found
    except DataException as e:
        raise DataException(f"The field '{field_name}' does not exist.") from e
    return current


def nested_field_schema(schema: Schema | None, field_name: str) -> Schema | None:
    current = schema
    for name in field_name.split("."):
        if current is None or current.type is not SchemaType.STRUCT:
            return None
        field = current.field(name)
        if field is None:
            return None
        current = field.schema
    return current


# --- timestamp extractors ----------------------------------------------------------------------------

TimestampExtractor = Callable[[SinkRecord, int], "int | None"]


def _parse_timestamp_text(text: str) -> int:
    if _NUMERIC.match(text):
        try:
            return int(text)
        except ValueError:
            pass
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as e:
        raise PartitionException(f'Invalid format: "{text}"') from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    return Timestamp.from_logical(Timestamp.SCHEMA, parsed)


def record_field_extractor(field_name: str) -> TimestampExtractor:
    def extract(record: SinkRecord, now_ms: int) -> int | None:
        value = record.value
        if isinstance(value, Struct):
            found = nested_value(value, field_name)
            schema = nested_field_schema(record.value_schema, field_name)
            if schema is not None and schema.name == Timestamp.LOGICAL_NAME:
                return Timestamp.from_logical(schema, found)
            kind = schema.type if schema is not None else None
            if kind in (SchemaType.INT32, SchemaType.INT64):
                return int(found)
            if kind is SchemaType.STRING:
                return _parse_timestamp_text(found)
            raise PartitionException(f"Error extracting timestamp from record field: {field_name}")
        if isinstance(value, Mapping):
            found = nested_value(value, field_name)
            if isinstance(found, bool):
                raise PartitionException(f"Error extracting timestamp from record field: {field_name}")
            if isinstance(found, (int, float)):
                return int(found)
            if isinstance(found, str):
                return _parse_timestamp_text(found)
            if isinstance(found, _dt.datetime):
                return Timestamp.from_logical(Timestamp.SCHEMA, found)
            raise PartitionException(f"Error extracting timestamp from record field: {field_name}")
        raise PartitionException("Error encoding partition.")

    return extract


def make_extractor(name: str, field_name: str) -> TimestampExtractor:
    kind = extractor_name(name)
    if kind == "Wallclock":
        return lambda record, now_ms: now_ms
    if kind == "Record":
        return lambda record, now_ms: record.timestamp
    if kind == "RecordField":
        return record_field_extractor(field_name)
    raise ConfigException(f"Invalid timestamp extractor: {name}")


# --- partitioners ------------------------------------------------------------------------------------


class Partitioner:
    """DefaultPartitioner: ``partition=<kafka partition>``."""

    timestamp_extractor: TimestampExtractor | None = None

    def __init__(self, delim: str) -> None:
        self.delim = delim

    def encode_partition(self, record: SinkRecord, now_ms: int) -> str:
        return f"partition={record.kafka_partition}"

    def partitioned_path(self, topic: str, encoded: str) -> str:
        return topic + self.delim + encoded


class FieldPartitioner(Partitioner):
    def __init__(self, delim: str, fields: list[str]) -> None:
        super().__init__(delim)
        self.fields = fields

    def encode_partition(self, record: SinkRecord, now_ms: int) -> str:
        value = record.value
        if not isinstance(value, Struct):
            raise PartitionException("Error encoding partition.")
        parts = []
        for name in self.fields:
            schema = nested_field_schema(record.value_schema, name)
            if schema is None:
                raise DataException(f"Field '{name}' is not present in the schema.")
            try:
                key = nested_value(value, name)
            except DataException:
                key = None
            if key is None:
                parts.append(f"{name}=null")
                continue
            if schema.type in (
                SchemaType.INT8,
                SchemaType.INT16,
                SchemaType.INT32,
                SchemaType.INT64,
                SchemaType.STRING,
            ):
                parts.append(f"{name}={key}")
            elif schema.type is SchemaType.BOOLEAN:
                parts.append(f"{name}={'true' if key else 'false'}")
            else:
                raise PartitionException("Error encoding partition.")
        return self.delim.join(parts)


def parse_zone(text: str) -> _dt.tzinfo:
    """A Joda zone id (``UTC``, ``Europe/Paris``) or fixed offset (``+01:00``)."""
    stripped = text.strip()
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2}))?", stripped)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return _dt.timezone(_dt.timedelta(minutes=minutes if m.group(1) == "+" else -minutes))
    if stripped.upper() in ("UTC", "Z", "GMT"):
        return _dt.UTC
    try:
        return zoneinfo.ZoneInfo(stripped)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigException("timezone", text, f"The datetime zone id '{text}' is not recognised") from e


def _java_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class TimeBasedPartitioner(Partitioner):
    def __init__(
        self, delim: str, duration_ms: int, path_format: str, zone: _dt.tzinfo, extractor: TimestampExtractor
    ) -> None:
        super().__init__(delim)
        self.duration_ms = duration_ms
        self.zone = zone
        self.format = compile_pattern(path_format)
        self.timestamp_extractor = extractor

    def bucket_start(self, timestamp_ms: int) -> _dt.datetime:
        """Floor of the timestamp to the partition duration, in local time of the zone (Java's getPartition)."""
        utc = _EPOCH + _dt.timedelta(milliseconds=timestamp_ms)
        offset = utc.astimezone(self.zone).utcoffset() or _dt.timedelta(0)
        local_ms = timestamp_ms + int(offset.total_seconds() * 1000)
        floored = _java_div(local_ms, self.duration_ms) * self.duration_ms
        naive = _dt.datetime(1970, 1, 1) + _dt.timedelta(milliseconds=floored)
        return naive.replace(tzinfo=self.zone).astimezone(self.zone)

    def encode_partition(self, record: SinkRecord, now_ms: int) -> str:
        assert self.timestamp_extractor is not None
        ts = self.timestamp_extractor(record, now_ms)
        if ts is None:
            raise PartitionException(
                f"Unable to determine timestamp using timestamp.extractor for record: {record!r}"
            )
        return self.format(self.bucket_start(ts))


class TombstonePartitioner(Partitioner):
    """Sends null values to ``tombstone.encoded.partition`` (Confluent's TombstoneSupportedPartitioner)."""

    def __init__(self, delegate: Partitioner, tombstone_partition: str) -> None:
        super().__init__(delegate.delim)
        self.delegate = delegate
        self.tombstone_partition = tombstone_partition
        inner = delegate.timestamp_extractor
        if inner is not None:
            self.timestamp_extractor = lambda r, now: r.timestamp if r.value is None else inner(r, now)

    def encode_partition(self, record: SinkRecord, now_ms: int) -> str:
        if record.value is None:
            return self.tombstone_partition
        return self.delegate.encode_partition(record, now_ms)

    def partitioned_path(self, topic: str, encoded: str) -> str:
        return self.delegate.partitioned_path(topic, encoded)


class SchemaAffixPartitioner(Partitioner):
    """Adds ``schema_name=<value schema name>`` before or after the path (``s3.schema.partition.affix.type``)."""

    def __init__(self, delegate: Partitioner, prefix: bool) -> None:
        super().__init__(delegate.delim)
        self.delegate = delegate
        self.prefix = prefix
        self.timestamp_extractor = delegate.timestamp_extractor

    def encode_partition(self, record: SinkRecord, now_ms: int) -> str:
        encoded = self.delegate.encode_partition(record, now_ms)
        name = record.value_schema.name if record.value_schema is not None else None
        affix = f"schema_name={'null' if name is None else name}"
        return affix + self.delim + encoded if self.prefix else encoded + self.delim + affix

    def partitioned_path(self, topic: str, encoded: str) -> str:
        return self.delegate.partitioned_path(topic, encoded)


def build_partitioner(get: Callable[[str], Any]) -> Partitioner:
    """The configured partitioner; ``get`` reads parsed config values."""
    delim = get("directory.delim")
    kind = partitioner_name(get("partitioner.class"))
    partitioner: Partitioner
    if kind == "DefaultPartitioner":
        partitioner = Partitioner(delim)
    elif kind == "FieldPartitioner":
        partitioner = FieldPartitioner(delim, list(get("partition.field.name") or []))
    elif kind in ("TimeBasedPartitioner", "DailyPartitioner", "HourlyPartitioner"):
        if kind == "DailyPartitioner":
            duration, path = DAY_MS, delim.join(("'year'=YYYY", "'month'=MM", "'day'=dd"))
        elif kind == "HourlyPartitioner":
            duration, path = HOUR_MS, delim.join(("'year'=YYYY", "'month'=MM", "'day'=dd", "'hour'=HH"))
        else:
            duration, path = int(get("partition.duration.ms")), get("path.format") or ""
            if duration <= 0:
                raise ConfigException(
                    "partition.duration.ms", duration, "Partition duration needs to be a positive."
                )
        if not path.strip() or path == delim:
            raise ConfigException("path.format", path, "Path format cannot be empty.")
        if delim and path.endswith(delim):
            path = path[: -len(delim)]
        if not str(get("locale") or "").strip():
            raise ConfigException("locale", get("locale"), "Locale cannot be empty.")
        zone_text = str(get("timezone") or "")
        if not zone_text.strip():
            raise ConfigException("timezone", zone_text, "Timezone cannot be empty.")
        extractor = make_extractor(get("timestamp.extractor"), get("timestamp.field"))
        partitioner = TimeBasedPartitioner(delim, duration, path, parse_zone(zone_text), extractor)
    else:
        raise ConfigException(
            "partitioner.class", get("partitioner.class"), "not a partitioner this S3 sink implements"
        )
    affix = get("s3.schema.partition.affix.type")
    if affix != "NONE":
        partitioner = SchemaAffixPartitioner(partitioner, affix == "PREFIX")
    if str(get("behavior.on.null.values")).lower() == "write":
        partitioner = TombstonePartitioner(partitioner, get("tombstone.encoded.partition"))
    return partitioner


def wallclock_ms() -> int:
    return time.time_ns() // 1_000_000
