"""JsonConverter (``org.apache.kafka.connect.json.JsonConverter``): Connect data as JSON, with or without schemas.

With ``schemas.enable=true`` (the default) a record is ``{"schema":<schema|null>,"payload":<value>}``; without
it, just the value. It also works as a HeaderConverter. See :mod:`connectrt.converters.json_schema` for the
schema form and :mod:`connectrt.converters.json_data` for values.

Known differences from Java, all for values Java cannot hold or a Python value where Java would have none:
schemaless NaN/Infinity are written as ``null`` (Java writes ``"NaN"``), integers beyond 64 bits are refused,
JSON integers beyond 64 bits read without a schema are not wrapped to a long, and Python ints are accepted
for float32/float64 fields.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from connectrt.api.data import DataException, Schema
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.api.records import Headers
from connectrt.api.values import NULL_SCHEMA_AND_VALUE, SchemaAndValue
from connectrt.config.configdef import CaseInsensitiveValidString, ConfigDef, Importance, Type, Width
from connectrt.converters._common import (
    TYPE_CONFIG,
    VERSION,
    LRUCache,
    converter_config_def,
    with_converter_type,
)
from connectrt.converters.json_data import JsonDecoding, JsonEncoding, NeedExactNumbers, encode_schemaless
from connectrt.converters.json_envelope import EnvelopeReader
from connectrt.converters.json_schema import JsonSchemas
from connectrt.converters.json_text import MISSING, WRITE_ERROR, dumps, java_escapes, loads, loads_exact

SCHEMAS_ENABLE_CONFIG = "schemas.enable"
SCHEMAS_CACHE_SIZE_CONFIG = "schemas.cache.size"
SCHEMA_CONTENT_CONFIG = "schema.content"
DECIMAL_FORMAT_CONFIG = "decimal.format"
REPLACE_NULL_WITH_DEFAULT_CONFIG = "replace.null.with.default"

ENVELOPE_ERROR = (
    'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional '
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "
    "configuration."
)

_SCHEMALESS_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_join = b"".join


def _float_text_may_differ(out: bytes) -> bool:
    """Whether orjson may have written a float unlike Java's Double.toString (>= 1e7, < 1e-3, exponents).

    Digits are folded to 0 so three plain searches suffice; a false match (say "0e" inside a string) only
    sends the record down the slower exact path.
    """
    folded = out.translate(_DIGITS_AS_ZERO)
    return folded.find(b"0e") >= 0 or folded.find(b"00000000.") >= 0 or folded.find(b"0.000") >= 0


def json_converter_config_def() -> ConfigDef:
    """Java's ``JsonConverterConfig.configDef()``."""
    d = converter_config_def()
    group = "Schemas"
    d.define(
        SCHEMAS_ENABLE_CONFIG, Type.BOOLEAN, True, None, Importance.HIGH,
        "Include schemas within each of the serialized values and keys.",
        group, 0, Width.MEDIUM, "Enable Schemas",
    )  # fmt: skip
    d.define(
        SCHEMAS_CACHE_SIZE_CONFIG, Type.INT, 1000, None, Importance.HIGH,
        "The maximum number of schemas that can be cached in this converter instance.",
        group, 1, Width.MEDIUM, "Schema Cache Size",
    )  # fmt: skip
    d.define(
        SCHEMA_CONTENT_CONFIG, Type.STRING, None, None, Importance.HIGH,
        "When set, this is used as the schema for all messages, and the schemas within each of the message will "
        "be ignored.Otherwise, the schema will be included in the content of each message. This configuration "
        "applies only 'schemas.enable' is true, and it exclusively affects the sink connector.",
        group, 2, Width.MEDIUM, "Schema Content",
    )  # fmt: skip
    group = "Serialization"
    d.define(
        DECIMAL_FORMAT_CONFIG, Type.STRING, "BASE64", CaseInsensitiveValidString.in_("BASE64", "NUMERIC"),
        Importance.LOW,
        "Controls which format this converter will serialize decimals in. This value is case insensitive and "
        "can be either 'BASE64' (default) or 'NUMERIC'",
        group, 0, Width.MEDIUM, "Decimal Format",
    )  # fmt: skip
    d.define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG, Type.BOOLEAN, True, None, Importance.LOW,
        "Whether to replace fields that have a default value and that are null to the default value. When set "
        "to true, the default value is used, otherwise null is used.",
        group, 1, Width.MEDIUM, "Replace null with default",
    )  # fmt: skip
    return d


_CONFIG_DEF = json_converter_config_def()


class JsonConverter(Converter, HeaderConverter):
    """Connect data ↔ JSON bytes, byte-compatible with Kafka's JsonConverter."""

    ALIASES = ("org.apache.kafka.connect.json.JsonConverter",)
    VERSION = VERSION

    def __init__(self) -> None:
        self.configure({}, False)

    def config(self) -> ConfigDef:
        return _CONFIG_DEF

    def configure(self, configs: Mapping[str, Any], is_key: bool | None = None) -> None:
        """Configure as a key/value converter (``is_key``) or, with ``is_key=None``, as a header converter."""
        values = _CONFIG_DEF.parse(with_converter_type(configs, is_key))
        self.converter_type: str = values[TYPE_CONFIG]
        self.schemas_enabled: bool = values[SCHEMAS_ENABLE_CONFIG]
        self.cache_size: int = values[SCHEMAS_CACHE_SIZE_CONFIG]
        self.decimal_format: str = str(values[DECIMAL_FORMAT_CONFIG]).upper()
        self.replace_null_with_default: bool = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._encoding = JsonEncoding(
            self.decimal_format == "NUMERIC", self.replace_null_with_default, self.cache_size
        )
        self._decoding = JsonDecoding(self.replace_null_with_default, self.cache_size)
        self._schemas = JsonSchemas(self._encoding, self._decoding, self.cache_size)
        self._fixed_schema: Schema | None = None
        self._writers: LRUCache[Schema, Callable[[Any], bytes]] = LRUCache(self.cache_size)
        self._envelopes: EnvelopeReader | None = None
        content = values[SCHEMA_CONTENT_CONFIG]
        if content:
            try:
                node = loads(content.encode("utf-8"))
            except DataException as e:
                raise DataException(
                    "Failed to parse schema in converter config due to serialization error: "
                ) from e.__cause__
            self._fixed_schema = self._schemas.as_connect_schema(None if node is MISSING else node)
        elif self.schemas_enabled:
            self._envelopes = EnvelopeReader(self.cache_size)

    # --- Connect → bytes ---------------------------------------------------------------------
    def from_connect_data(
        self, topic: str, schema: Schema | None, value: Any, headers: Headers | None = None
    ) -> bytes | None:
        if schema is None:
            if value is None:
                return None
            if self.schemas_enabled:
                return _join((self._schemas.envelope_prefix(None), self._payload(None, value), b"}"))
            return self._payload(None, value)
        writer = self._writers.get(schema)
        if writer is None:
            writer = self._writer(schema)
            self._writers.put(schema, writer)
        return writer(value)

    def writer(self, schema: Schema) -> Callable[[Any], bytes]:
        """``from_connect_data(topic, schema, value)`` for one schema (not None) as one cached function of the
        value: a caller writing many values of a schema looks it up once."""
        writer = self._writers.get(schema)
        if writer is None:
            writer = self._writer(schema)
            self._writers.put(schema, writer)
        return writer

    def _writer(self, schema: Schema) -> Callable[[Any], bytes]:
        """Value → bytes for one schema: encoder, orjson, Jackson's escapes and (schemas.enable) the envelope."""
        encode = self._encoding.encoder(schema)
        core = self._encoding.core(schema)  # what encode does for a value that is not None
        prefix = self._schemas.envelope_prefix(schema) if self.schemas_enabled else None
        orjson_dumps = orjson.dumps

        def write(value: Any) -> bytes:
            try:
                out = orjson_dumps(encode(value) if value is None else core(value))
            except orjson.JSONEncodeError as e:
                raise DataException(WRITE_ERROR) from e
            if (
                not out.isascii() or out.find(b"\\u00") >= 0
            ):  # (not "in": it tries the operand as an int first)
                out = java_escapes(out)
            return out if prefix is None else _join((prefix, out, b"}"))

        return write

    def _payload(self, schema: Schema | None, value: Any) -> bytes:
        if schema is None:
            try:
                out = orjson.dumps(value, default=_unsupported, option=_SCHEMALESS_OPTIONS)
            except TypeError:  # a type orjson does not take the Java way: let the exact path say what
                return dumps(encode_schemaless(value))
            if _float_text_may_differ(out):
                return dumps(encode_schemaless(value))
            return java_escapes(out)
        return dumps(self._encoding.encoder(schema)(value))

    # --- bytes → Connect ---------------------------------------------------------------------
    def to_connect_data(
        self, topic: str, value: bytes | None, headers: Headers | None = None
    ) -> SchemaAndValue:
        if value is None:
            return NULL_SCHEMA_AND_VALUE
        envelopes = self._envelopes
        if envelopes is not None:
            try:
                known = envelopes.read(value)
            except NeedExactNumbers:
                known = None
            if known is not None:
                return known
        node = loads(value)
        if not self.schemas_enabled:
            return NULL_SCHEMA_AND_VALUE if node is MISSING else SchemaAndValue(None, node)
        try:
            return self._decode(node, value)
        except NeedExactNumbers:  # a NUMERIC decimal: read the numbers again, exactly
            return self._decode(loads_exact(value), None)

    def _decode(self, node: Any, value: bytes | None) -> SchemaAndValue:
        schema = self._fixed_schema
        if schema is not None:
            payload = node
        else:
            if type(node) is not dict or len(node) != 2 or "schema" not in node or "payload" not in node:
                raise DataException(ENVELOPE_ERROR)
            schema_node = node["schema"]
            schema = self._schemas.as_connect_schema(schema_node)
            payload = node["payload"]
            if schema is None:
                if value is not None and self._envelopes is not None:
                    self._envelopes.learn(value, schema_node, None, None)
                return SchemaAndValue(None, payload)
            decode = self._decoding.decoder(schema)
            result = SchemaAndValue(schema, decode(payload))
            if value is not None and self._envelopes is not None:
                self._envelopes.learn(value, schema_node, schema, decode)
            return result
        return SchemaAndValue(schema, self._decoding.decoder(schema)(payload))

    def envelope_prefixes(self, schema: Schema) -> list[bytes]:
        """The ``{"schema":...,"payload":`` prefixes this converter remembers for ``schema`` (this very
        object): a later record that starts with one and whose payload is read as it decodes to a value of
        that schema object (a sink's compiled path relies on it). Empty without ``schemas.enable``."""
        return [] if self._envelopes is None else self._envelopes.prefixes(schema)

    # --- HeaderConverter ---------------------------------------------------------------------
    def from_connect_header(
        self, topic: str, header_key: str, schema: Schema | None, value: Any
    ) -> bytes | None:
        return self.from_connect_data(topic, schema, value)

    def to_connect_header(self, topic: str, header_key: str, value: bytes | None) -> SchemaAndValue:
        return self.to_connect_data(topic, value)

    # --- schema translation (public in Java too) -----------------------------------------------
    def as_json_schema(self, schema: Schema | None) -> dict[str, Any] | None:
        """The JSON form of a Connect schema, as plain Python data."""
        return self._schemas.as_json_schema(schema)

    def as_connect_schema(self, json_schema: Any) -> Schema | None:
        """The Connect schema of a parsed JSON schema."""
        return self._schemas.as_connect_schema(json_schema)


def _unsupported(value: Any) -> Any:
    if type(value) is bytes or type(value) is bytearray:
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)
