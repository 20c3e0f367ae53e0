"""Records and headers: ConnectRecord, SourceRecord, SinkRecord, Header, Headers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from typing import Any, Self

from connectrt.api.data import Schema

_new = object.__new__


class Header:
    """One record header: a key, an optional schema and a value (Java's ConnectHeader)."""

    __slots__ = ("key", "schema", "value")

    def __init__(self, key: str, value: Any, schema: Schema | None = None) -> None:
        self.key = key
        self.value = value
        self.schema = schema

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Header)
            and self.key == other.key
            and self.value == other.value
            and self.schema == other.schema
        )

    def __hash__(self) -> int:
        return hash((self.key, repr(self.value)))

    def __repr__(self) -> str:
        return f"Header(key={self.key!r}, value={self.value!r}, schema={self.schema!r})"


class Headers:
    """An ordered, multi-valued collection of headers (Java's ConnectHeaders).

    ``duplicate()`` is copy-on-write: the copy shares the list until either side changes, so
    transforms that copy a record (as Java's ``newRecord`` does) pay nothing for headers they
    leave alone.
    """

    __slots__ = ("_items", "_shared")

    def __init__(self, headers: Iterable[Header] | None = None) -> None:
        self._items: list[Header] = list(headers) if headers is not None else []
        self._shared = False

    def _own(self) -> list[Header]:
        if self._shared:
            self._items = list(self._items)
            self._shared = False
        return self._items

    def add(self, key: str, value: Any, schema: Schema | None = None) -> Headers:
        self._own().append(Header(key, value, schema))
        return self

    def add_header(self, header: Header) -> Headers:
        self._own().append(header)
        return self

    def add_all(self, headers: Iterable[Header]) -> Headers:
        self._own().extend(headers)
        return self

    def last_with_name(self, key: str) -> Header | None:
        for h in reversed(self._items):
            if h.key == key:
                return h
        return None

    def all_with_name(self, key: str) -> list[Header]:
        return [h for h in self._items if h.key == key]

    def remove(self, key: str) -> Headers:
        self._items = [h for h in self._items if h.key != key]
        self._shared = False
        return self

    def retain_latest(self) -> Headers:
        seen: set[str] = set()
        kept: list[Header] = []
        for h in reversed(self._items):
            if h.key not in seen:
                seen.add(h.key)
                kept.append(h)
        kept.reverse()
        self._items = kept
        self._shared = False
        return self

    def clear(self) -> Headers:
        self._items = []
        self._shared = False
        return self

    def duplicate(self) -> Headers:
        copy = _new(Headers)
        copy._items = self._items
        copy._shared = True
        self._shared = True
        return copy

    def __iter__(self) -> Iterator[Header]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._items == other._items

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class ConnectRecord:
    """Base of SourceRecord and SinkRecord (Java's ConnectRecord)."""

    __slots__ = (
        "headers",
        "kafka_partition",
        "key",
        "key_schema",
        "timestamp",
        "topic",
        "value",
        "value_schema",
    )

    def __init__(
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None = None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> None:
        self.topic = topic
        self.kafka_partition = kafka_partition
        self.key_schema = key_schema
        self.key = key
        self.value_schema = value_schema
        self.value = value
        self.timestamp = timestamp
        if headers is None:
            self.headers = Headers()
        elif isinstance(headers, Headers):
            self.headers = headers
        else:
            self.headers = Headers(headers)

    def new_record(
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None,
        headers: Headers | None = None,
    ) -> Self:
        """A copy of this record with the given fields (Java's ``ConnectRecord.newRecord``).

        This is connectrt's one record copy: every transform, and the fused transformation chain's
        draft, copies a record through it. The class's own fields (source partition and offset, Kafka
        offset and original coordinates) are carried over; the headers are duplicated copy-on-write
        when not given, so a copy that leaves them alone pays nothing for them. SourceRecord and
        SinkRecord copy slot by slot rather than through ``__init__``: records are copied at least
        once per transform.
        """
        raise NotImplementedError

    def with_key_or_value(
        self, is_key: bool, schema: Schema | None, data: Any, headers: Headers | None = None
    ) -> Self:
        """A copy with the key (``is_key``) or the value replaced: what the Key and Value variants of a
        transform (``Cast$Key``, ``Cast$Value``, ...) return. Built on :meth:`new_record`."""
        if is_key:
            return self.new_record(self.topic, self.kafka_partition, schema, data, self.value_schema,
                                   self.value, self.timestamp, headers)  # fmt: skip
        return self.new_record(self.topic, self.kafka_partition, self.key_schema, self.key, schema, data,
                               self.timestamp, headers)  # fmt: skip

    def _eq_fields(self) -> tuple[Any, ...]:
        return (
            self.topic,
            self.kafka_partition,
            self.key_schema,
            self.key,
            self.value_schema,
            self.value,
            self.timestamp,
            self.headers,
        )

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._eq_fields() == other._eq_fields()  # type: ignore[attr-defined,unused-ignore]

    __hash__ = None  # type: ignore[assignment]


class SourceRecord(ConnectRecord):
    """A record produced by a SourceTask, with the source partition and offset it came from."""

    __slots__ = ("source_offset", "source_partition")

    def __init__(
        self,
        source_partition: Mapping[str, Any] | None,
        source_offset: Mapping[str, Any] | None,
        topic: str,
        kafka_partition: int | None = None,
        key_schema: Schema | None = None,
        key: Any = None,
        value_schema: Schema | None = None,
        value: Any = None,
        timestamp: int | None = None,
        headers: Headers | Iterable[Header] | None = None,
    ) -> None:
        super().__init__(topic, kafka_partition, key_schema, key, value_schema, value, timestamp, headers)
        self.source_partition = source_partition
        self.source_offset = source_offset

    def new_record(
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None,
        headers: Headers | None = None,
    ) -> Self:
        # Slot by slot rather than through __init__ (see ConnectRecord.new_record). Typed Self as Java's
        # ConnectRecord<R>.newRecord returns R; a subclass that should get its own class overrides this.
        out: Any = _new(SourceRecord)
        out.source_partition = self.source_partition
        out.source_offset = self.source_offset
        out.topic = topic
        out.kafka_partition = kafka_partition
        out.key_schema = key_schema
        out.key = key
        out.value_schema = value_schema
        out.value = value
        out.timestamp = timestamp
        if headers is None:
            # self.headers.duplicate(), inline: one call less on every record copy
            mine = self.headers
            headers = _new(Headers)
            headers._items = mine._items
            headers._shared = mine._shared = True
        elif not isinstance(headers, Headers):
            headers = Headers(headers)  # as the constructors, any iterable of Header
        out.headers = headers
        return out

    def _eq_fields(self) -> tuple[Any, ...]:
        return (*super()._eq_fields(), self.source_partition, self.source_offset)

    def __repr__(self) -> str:
        return (
            f"SourceRecord(topic={self.topic!r}, partition={self.kafka_partition}, key={self.key!r}, "
            f"value={self.value!r}, timestamp={self.timestamp}, source_partition={self.source_partition}, "
            f"source_offset={self.source_offset})"
        )


class TimestampType(str, Enum):
    NO_TIMESTAMP_TYPE = "NoTimestampType"
    CREATE_TIME = "CreateTime"
    LOG_APPEND_TIME = "LogAppendTime"


class SinkRecord(ConnectRecord):
    """A record delivered to a SinkTask, with its Kafka offset and original coordinates."""

    __slots__ = (
        "kafka_offset",
        "original_kafka_offset",
        "original_kafka_partition",
        "original_topic",
        "timestamp_type",
    )

    def __init__(
        self,
        topic: str,
        kafka_partition: int,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        kafka_offset: int,
        timestamp: int | None = None,
        timestamp_type: TimestampType = TimestampType.NO_TIMESTAMP_TYPE,
        headers: Headers | Iterable[Header] | None = None,
        original_topic: str | None = None,
        original_kafka_partition: int | None = None,
        original_kafka_offset: int | None = None,
    ) -> None:
        super().__init__(topic, kafka_partition, key_schema, key, value_schema, value, timestamp, headers)
        self.kafka_offset = kafka_offset
        self.timestamp_type = timestamp_type
        self.original_topic = original_topic if original_topic is not None else topic
        self.original_kafka_partition = (
            original_kafka_partition if original_kafka_partition is not None else kafka_partition
        )
        self.original_kafka_offset = (
            original_kafka_offset if original_kafka_offset is not None else kafka_offset
        )

    def new_record(
        self,
        topic: str,
        kafka_partition: int | None,
        key_schema: Schema | None,
        key: Any,
        value_schema: Schema | None,
        value: Any,
        timestamp: int | None,
        headers: Headers | None = None,
    ) -> Self:
        # Slot by slot rather than through __init__ (see ConnectRecord.new_record and SourceRecord's).
        out: Any = _new(SinkRecord)
        out.topic = topic
        if kafka_partition is None:
            kafka_partition = self.kafka_partition or 0
        out.kafka_partition = kafka_partition
        out.key_schema = key_schema
        out.key = key
        out.value_schema = value_schema
        out.value = value
        out.timestamp = timestamp
        if headers is None:
            # self.headers.duplicate(), inline: one call less on every record copy
            mine = self.headers
            headers = _new(Headers)
            headers._items = mine._items
            headers._shared = mine._shared = True
        elif not isinstance(headers, Headers):
            headers = Headers(headers)  # as the constructors, any iterable of Header
        out.headers = headers
        out.kafka_offset = self.kafka_offset
        out.timestamp_type = self.timestamp_type
        # As the constructor: an original coordinate that is None falls back to the current one.
        original_topic = self.original_topic
        out.original_topic = original_topic if original_topic is not None else topic
        original_partition = self.original_kafka_partition
        out.original_kafka_partition = (
            original_partition if original_partition is not None else kafka_partition
        )
        original_offset = self.original_kafka_offset
        out.original_kafka_offset = original_offset if original_offset is not None else self.kafka_offset
        return out

    def _eq_fields(self) -> tuple[Any, ...]:
        return (*super()._eq_fields(), self.kafka_offset, self.timestamp_type)

    def __repr__(self) -> str:
        return (
            f"SinkRecord(topic={self.topic!r}, partition={self.kafka_partition}, offset={self.kafka_offset}, "
            f"key={self.key!r}, value={self.value!r}, timestamp={self.timestamp})"
        )
