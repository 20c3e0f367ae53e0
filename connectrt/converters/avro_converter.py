"""AvroConverter (``io.confluent.connect.avro.AvroConverter``): Connect data as Avro in Confluent's wire format.

Each record is magic byte 0, the schema's registry id (4 bytes, big-endian) and the Avro binary datum. The
schema comes from the Connect schema through :mod:`connectrt.converters.avro` (Confluent's AvroData mapping)
and is registered under the subject the strategy names (``<topic>-value`` by default) the first time it is
seen; reading fetches the writer's schema by id. Everything the registry answered is cached, and so are the
per-schema encoders, decoders and fastavro's parsed schemas: a stream of records that share a schema costs
a dict lookup and fastavro's encode/decode each.

Errors: a record the registry refuses (an incompatible schema) or bytes that are not in the wire format, or
whose schema id the registry does not know, are DataExceptions, so ``errors.tolerance``/the dead letter
queue apply; an unreachable registry fails after ``max.retries`` retries with the registry's address in the
message; a timeout is a RetriableException (``errors.retry.timeout`` retries it), as in Java.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectrt.api.connector import ConnectException, RetriableException
from connectrt.api.data import DataException, Schema
from connectrt.api.plugin import Converter
from connectrt.api.records import Headers
from connectrt.api.values import NULL_SCHEMA_AND_VALUE, SchemaAndValue
from connectrt.config.configdef import ConfigDef
from connectrt.converters._common import PACKAGE_VERSION, LRUCache
from connectrt.converters.avro import AvroData, AvroSchema
from connectrt.converters.schema_registry import strategies, wire
from connectrt.converters.schema_registry.cached import CachedSchemaRegistry
from connectrt.converters.schema_registry.client import (
    SCHEMA_NOT_FOUND,
    RestSchemaRegistry,
    SchemaRegistry,
    SchemaRegistryError,
    SchemaRegistryUnavailableError,
)
from connectrt.converters.schema_registry.compatibility import can_read
from connectrt.converters.schema_registry.config import AvroConverterConfig, avro_converter_config_def

_CONFIG_DEF = avro_converter_config_def()
CACHE_SIZE = 1000


@dataclass(frozen=True)
class _Writer:
    """What writing one Connect schema to one topic needs: the frame header, fastavro's schema, the encoder."""

    header: bytes
    parsed: Any
    encode: Callable[[Any], Any]
    raw_bytes: bool


@dataclass(frozen=True)
class _Reader:
    schema: Schema | None
    parsed: Any
    decode: Callable[[Any], Any]
    raw_bytes: bool
    named: bool  # a union of several named types: fastavro labels its values (costs ~30% when on)


class AvroConverter(Converter):
    """Connect data ↔ Confluent-framed Avro, with schemas in a Confluent-compatible schema registry."""

    ALIASES = ("io.confluent.connect.avro.AvroConverter",)
    VERSION = PACKAGE_VERSION

    def __init__(self, registry: SchemaRegistry | None = None) -> None:
        """``registry`` replaces the REST client built from ``schema.registry.url`` (for tests and embedding)."""
        self._given_registry = registry
        self.registry: SchemaRegistry | None = None
        self.is_key = False

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool) -> None:
        self.is_key = is_key
        cfg = AvroConverterConfig.parse({**configs, "converter.type": "key" if is_key else "value"})
        self.cfg = cfg
        base = self._given_registry or RestSchemaRegistry(
            cfg.urls,
            auth_header=cfg.auth_header.value if cfg.auth_header is not None else None,
            retry=cfg.retry,
            connect_timeout_ms=cfg.connect_timeout_ms,
            read_timeout_ms=cfg.read_timeout_ms,
            request_headers=cfg.request_headers,
        )
        self.registry = CachedSchemaRegistry(
            base, cfg.max_schemas_per_subject, cfg.latest_cache_ttl_seconds, cfg.latest_cache_size
        )
        self.avro_data = AvroData(cfg.avro_data)
        strategy_name = cfg.key_strategy if is_key else cfg.value_strategy
        self.strategy_name = strategy_name
        self.subject_name = strategies.strategy(strategy_name)
        self._writers: LRUCache[tuple[str, Schema | None], _Writer] = LRUCache(CACHE_SIZE)
        self._readers: LRUCache[tuple[str, int], _Reader] = LRUCache(CACHE_SIZE)
        self._last_writer: tuple[str | None, Schema | None, _Writer | None] = (None, None, None)

    def close(self) -> None:
        if self.registry is not None:
            self.registry.close()

    # --- Connect → bytes ---------------------------------------------------------------------
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if value is None and (schema is None or schema.optional):
            return None  # a tombstone stays a tombstone: no schema is registered for it
        last_topic, last_schema, writer = self._last_writer
        if writer is None or last_schema is not schema or last_topic != topic:
            writer = self._writer(topic, schema)
            self._last_writer = (topic, schema, writer)
        datum = writer.encode(value)
        if writer.raw_bytes:
            return writer.header + bytes(datum)
        import fastavro  # imported when a converter first writes, not when the plugins load

        out = io.BytesIO()
        out.write(writer.header)
        fastavro.schemaless_writer(out, writer.parsed, datum)
        return out.getvalue()

    def _writer(self, topic: str, schema: Schema | None) -> _Writer:
        key = (topic, schema)
        found = self._writers.get(key)
        if found is None:
            found = self._new_writer(topic, schema)
            self._writers.put(key, found)
        return found

    def _new_writer(self, topic: str, schema: Schema | None) -> _Writer:
        avro = self.avro_data.from_connect_schema(schema)
        subject = self.subject_name(topic, self.is_key, avro.json)
        cfg = self.cfg
        target = avro
        try:
            if cfg.auto_register:
                schema_id = self._registry().register(subject, avro.text)
            elif cfg.use_latest_version:
                latest = self._registry().latest(subject)
                target = AvroSchema(latest.schema)
                if cfg.latest_compatibility_strict and not can_read(target.json, avro.json):
                    raise DataException(
                        f"Failed to serialize Avro data for topic {topic}: Incompatible schema {latest.schema} of "
                        f"type AVRO for schema {avro.text}. Set latest.compatibility.strict=false to disable this "
                        "check"
                    )
                schema_id = latest.id
            else:
                schema_id = self._registry().lookup(subject, avro.text).id
        except SchemaRegistryError as e:
            raise self._write_error(topic, subject, e) from e
        return _Writer(
            wire.header(schema_id), target.parsed, self.avro_data.encoder(schema), _is_bytes(target)
        )

    def _write_error(self, topic: str, subject: str, e: SchemaRegistryError) -> Exception:
        if isinstance(e, SchemaRegistryUnavailableError):
            return _unavailable(
                f"Failed to serialize Avro data for topic {topic}", e, self.cfg.retry.max_retries
            )
        if e.status == 409:
            return DataException(
                f"Failed to serialize Avro data for topic {topic}: the schema registry refused the record's schema "
                f"for subject {subject!r} as incompatible with the versions registered there ({e}); make the "
                "change compatible (e.g. add fields as optional or with a default) or change the subject's "
                "compatibility level"
            )
        if e.not_found and not self.cfg.auto_register:
            return DataException(
                f"Failed to serialize Avro data for topic {topic}: the record's schema is not registered under "
                f"subject {subject!r} ({e}); register it, or set auto.register.schemas=true"
            )
        if e.status in (401, 403):
            return ConnectException(f"Failed to serialize Avro data for topic {topic}: {e}")
        return DataException(f"Failed to serialize Avro data for topic {topic}: {e}")

    # --- bytes → Connect ---------------------------------------------------------------------
    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        schema_id = wire.schema_id(value, topic)
        reader = self._readers.get((topic, schema_id))
        if reader is None:
            reader = self._new_reader(topic, schema_id)
            self._readers.put((topic, schema_id), reader)
        if reader.raw_bytes:
            datum: Any = bytes(value[wire.HEADER_SIZE :])
        else:
            import fastavro

            buffer = io.BytesIO(value)
            buffer.seek(wire.HEADER_SIZE)
            try:
                datum = fastavro.schemaless_reader(
                    buffer,
                    reader.parsed,
                    None,
                    return_named_type=reader.named,
                    return_named_type_override=reader.named,
                )
            except (EOFError, ValueError, IndexError, UnicodeDecodeError) as e:
                raise DataException(
                    f"Failed to deserialize data for topic {topic} to Avro: the bytes do not match schema id "
                    f"{schema_id} ({type(e).__name__}: {e})"
                ) from e
        return SchemaAndValue(reader.schema, reader.decode(datum))

    def _new_reader(self, topic: str, schema_id: int) -> _Reader:
        which = "key" if self.is_key else "value"
        try:
            text = self._registry().schema_by_id(schema_id)
            avro = AvroSchema(text)
            subject = self.subject_name(topic, self.is_key, avro.json)
            version = self._registry().lookup(subject, text).version
            connect_schema = self.avro_data.to_connect_schema(avro, version)
        except SchemaRegistryError as e:
            if isinstance(e, SchemaRegistryUnavailableError):
                raise _unavailable(
                    f"Failed to deserialize data for topic {topic} to Avro", e, self.cfg.retry.max_retries
                ) from e
            if e.error_code == SCHEMA_NOT_FOUND or e.not_found:
                raise DataException(
                    f"Failed to deserialize data for topic {topic} to Avro: Error retrieving Avro {which} schema "
                    f"for id {schema_id}: {e} (the record was written against a schema this registry does not "
                    "have; check schema.registry.url)"
                ) from e
            raise DataException(
                f"Failed to deserialize data for topic {topic} to Avro: Error retrieving Avro {which} schema for id "
                f"{schema_id}: {e}"
            ) from e
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            raise DataException(
                f"Failed to deserialize data for topic {topic} to Avro: schema id {schema_id} is not a valid Avro "
                f"schema ({e})"
            ) from e
        return _Reader(
            connect_schema, avro.parsed, self.avro_data.decoder(connect_schema), _is_bytes(avro),
            _has_named_union(avro.json, set()),
        )  # fmt: skip

    def _registry(self) -> SchemaRegistry:
        if self.registry is None:
            raise ConnectException(
                "AvroConverter is used before configure(); the worker configures it first."
            )
        return self.registry

    # --- for callers that want the mapping's view -----------------------------------------------
    def avro_schema(self, schema: Schema | None) -> str:
        """The Avro schema text this converter registers for ``schema``."""
        return self.avro_data.from_connect_schema(schema).text


def _is_bytes(avro: AvroSchema) -> bool:
    """A top-level ``bytes`` schema: Java writes and reads its value raw after the id."""
    node = avro.json
    return node == "bytes" or (isinstance(node, dict) and node.get("type") == "bytes")


def _has_named_union(node: Any, seen: set[int]) -> bool:
    """Whether a union somewhere in the schema has two or more named members (records, enums, fixed or
    references to them): only then does a datum need fastavro's (name, value) label to find its Connect
    union member."""
    if isinstance(node, list):
        named = [m for m in node if (isinstance(m, str) and m not in _PRIMITIVES) or (
            isinstance(m, dict) and m.get("type") in ("record", "enum", "fixed"))]  # fmt: skip
        return len(named) > 1 or any(_has_named_union(m, seen) for m in node)
    if not isinstance(node, dict) or id(node) in seen:
        return False
    seen.add(id(node))
    children = [f.get("type") for f in node.get("fields", ())] + [node.get("items"), node.get("values")]
    if isinstance(node.get("type"), (dict, list)):
        children.append(node["type"])
    return any(_has_named_union(c, seen) for c in children if c is not None)


_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


def _unavailable(prefix: str, e: SchemaRegistryUnavailableError, retries: int) -> ConnectException:
    text = (
        f"{prefix}: {e} (after {retries} retries); check schema.registry.url and that the registry is running"
    )
    if "did not answer in time" in str(e):
        return RetriableException(text)
    return ConnectException(text)
