"""AvroData: the one Connect↔Avro mapping of connectrt (Confluent's ``io.confluent.connect.avro.AvroData``).

Schema and encoder conversions are cached per Connect schema (and per Avro schema text the other way), up
to ``schemas.cache.config`` entries each, so a stream of records sharing a schema pays one dict lookup.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from connectrt.api.data import Schema
from connectrt.api.values import SchemaAndValue
from connectrt.converters._common import LRUCache
from connectrt.converters.avro.config import AvroDataConfig
from connectrt.converters.avro.schema_in import SchemaIn
from connectrt.converters.avro.schema_out import SchemaOut, avro_schema_json
from connectrt.converters.avro.values_in import ValueDecoders
from connectrt.converters.avro.values_out import ValueEncoders, anything_schema


class AvroSchema:
    """One converted Avro schema: the Java-identical JSON text, the JSON data and fastavro's parsed form."""

    __slots__ = ("json", "parsed", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.json: Any = json.loads(text)
        import fastavro  # here, not at module level: loading the plugins must not import it
        from fastavro.schema import SchemaParseException

        try:
            self.parsed: Any = fastavro.parse_schema(_without_invalid_decimals(self.json))
        except SchemaParseException as e:
            raise ValueError(str(e)) from e

    def __repr__(self) -> str:
        return f"AvroSchema({self.text})"


class AvroData:
    """Converts Connect schemas and values to Avro and back.

    ``from_connect_schema(schema)`` → :class:`AvroSchema` (``.text`` is what Java's ``Schema.toString()``
    prints, ``.parsed`` is ready for fastavro); ``from_connect_data(schema, value)`` → the datum fastavro
    writes; ``encoder(schema)`` → a cached ``value → datum`` function for hot loops;
    ``to_connect_schema(avro)`` and ``to_connect_data(avro, datum)`` go the other way (``avro`` is schema
    text, JSON data or an :class:`AvroSchema`).
    """

    def __init__(self, config: AvroDataConfig | None = None) -> None:
        self.config = config or AvroDataConfig()
        size = self.config.schemas_cache_size
        self._out = SchemaOut(self.config)
        self._in = SchemaIn(self.config)
        self._encoders_factory = ValueEncoders(self.config, self._out)
        self._decoders_factory = ValueDecoders(self.config.scrub_invalid_names)
        self._schemas: LRUCache[Schema, AvroSchema] = LRUCache(size)
        self._encoders: LRUCache[Schema, Callable[[Any], Any]] = LRUCache(size)
        self._connect: LRUCache[tuple[str, int | None], Schema] = LRUCache(size)
        self._decoders: LRUCache[Schema, Callable[[Any], Any]] = LRUCache(size)

    # --- Connect → Avro ----------------------------------------------------------------------------
    def from_connect_schema(self, schema: Schema | None) -> AvroSchema:
        if schema is None:
            return anything_avro_schema()
        cached = self._schemas.get(schema)
        if cached is None:
            cached = AvroSchema(avro_schema_json(self._out.convert(schema)))
            self._schemas.put(schema, cached)
        return cached

    def encoder(self, schema: Schema | None) -> Callable[[Any], Any]:
        if schema is None:
            return self._encoders_factory.encoder(None)
        enc = self._encoders.get(schema)
        if enc is None:
            enc = self._encoders_factory.encoder(schema)
            self._encoders.put(schema, enc)
        return enc

    def from_connect_data(self, schema: Schema | None, value: Any) -> Any:
        return self.encoder(schema)(value)

    # --- Avro → Connect ----------------------------------------------------------------------------
    def to_connect_schema(self, avro: Any, version: int | None = None) -> Schema | None:
        text = _text(avro)
        if text == _ANYTHING_TEXT:
            return None
        key = (text, version)
        cached = self._connect.get(key)
        if cached is None:
            cached = self._in.convert(json.loads(text), version)
            self._connect.put(key, cached)
        return cached

    def decoder(self, schema: Schema | None) -> Callable[[Any], Any]:
        if schema is None:
            return self._decoders_factory.decoder(None)
        dec = self._decoders.get(schema)
        if dec is None:
            dec = self._decoders_factory.decoder(schema)
            self._decoders.put(schema, dec)
        return dec

    def to_connect_data(self, avro: Any, datum: Any, version: int | None = None) -> SchemaAndValue | None:
        if datum is None:
            return None
        schema = self.to_connect_schema(avro, version)
        return SchemaAndValue(schema, self.decoder(schema)(datum))


def _without_invalid_decimals(node: Any) -> Any:
    """The schema with decimal annotations Avro would ignore (scale < 0 or > precision) removed: Java's parser
    skips them, fastavro refuses the whole schema."""
    if isinstance(node, list):
        return [_without_invalid_decimals(m) for m in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _without_invalid_decimals(v) if k in ("type", "items", "values", "fields") else v
        for k, v in node.items()
    }
    if "fields" in out:
        out["fields"] = [{**f, "type": _without_invalid_decimals(f["type"])} for f in node["fields"]]
    if out.get("logicalType") == "decimal":
        scale, precision = out.get("scale", 0), out.get("precision")
        if not isinstance(precision, int) or not isinstance(scale, int) or scale < 0 or scale > precision:
            del out["logicalType"]
    return out


def _text(avro: Any) -> str:
    if isinstance(avro, AvroSchema):
        return avro.text
    if isinstance(avro, str):
        stripped = avro.strip()
        return stripped if stripped.startswith(("{", "[", '"')) else json.dumps(stripped)
    return json.dumps(avro, separators=(",", ":"))


#: The text of the schema of schemaless values (``io.confluent.connect.avro.Anything``).
_ANYTHING_TEXT = avro_schema_json(anything_schema())


@functools.cache
def anything_avro_schema() -> AvroSchema:
    """The schema of schemaless values (``io.confluent.connect.avro.Anything``), parsed on first use."""
    return AvroSchema(_ANYTHING_TEXT)


def __getattr__(name: str) -> Any:
    # ANYTHING_SCHEMA stays importable by name; built on first access so importing this module
    # (every worker does, when it loads the plugins) does not import fastavro.
    if name == "ANYTHING_SCHEMA":
        return anything_avro_schema()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
