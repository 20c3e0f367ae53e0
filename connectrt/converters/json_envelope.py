"""Reading ``{"schema":...,"payload":...}`` envelopes without parsing the same schema again for every record.

A producer writes the identical bytes ``{"schema":<schema>,"payload":`` in front of every record of one schema
(Java's JsonConverter does). Once a record has been read the slow way (the whole document parsed, the schema
built), that prefix is remembered with its Connect schema and value decoder. A later record that starts with
a remembered prefix and ends with ``}`` has only its payload parsed. The result is the same as parsing the
whole document: the prefix is known to be a complete ``{"schema":S,"payload":`` (it was checked by parsing
it with a ``null`` payload), so when the bytes between it and the final ``}`` are one JSON value the whole
document is exactly that envelope; when they are not, the caller reads the record the slow way and reports
the same error as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from connectrt.api.data import Schema
from connectrt.api.values import SchemaAndValue
from connectrt.converters._common import LRUCache

_PAYLOAD = b'"payload":'
_PAYLOAD_END = len(_PAYLOAD)
_tuple_new = tuple.__new__
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


class Envelope:
    """One remembered prefix: its length, the Connect schema and the payload decoder (None: no schema)."""

    __slots__ = ("decode", "prefix", "schema", "start")

    def __init__(self, prefix: bytes, schema: Schema | None, decode: Callable[[Any], Any] | None) -> None:
        self.prefix = prefix
        self.start = len(prefix)
        self.schema = schema
        self.decode = decode


class EnvelopeReader:
    """The prefixes seen by one converter (up to ``cache_size``), the last one tried first."""

    def __init__(self, cache_size: int) -> None:
        self._known: LRUCache[bytes, Envelope] = LRUCache(cache_size)
        self._last: Envelope | None = None

    def read(self, value: bytes) -> SchemaAndValue | None:
        """The record's schema and value, or None when it must be read the slow way.

        Raises what the payload decoder raises (a DataException, NeedExactNumbers), exactly as the slow way
        would for the same document.
        """
        e = self._last
        if e is None or not value.startswith(e.prefix):
            i = value.find(_PAYLOAD)
            if i < 0:
                return None
            e = self._known.get(value[: i + _PAYLOAD_END])
            if e is None or not value.startswith(e.prefix):
                return None
            self._last = e
        if not value.endswith(b"}"):
            return None
        try:
            node = _loads(value[e.start : -1])
        except _JSONDecodeError:
            return None
        decode = e.decode
        return _tuple_new(SchemaAndValue, (e.schema, node if decode is None else decode(node)))

    def prefixes(self, schema: Schema) -> list[bytes]:
        """The remembered prefixes whose records read as this very ``schema`` object."""
        return [e.prefix for e in list(self._known._data.values()) if e.schema is schema]

    def learn(
        self, value: bytes, schema_node: Any, schema: Schema | None, decode: Callable[[Any], Any] | None
    ) -> None:
        """Remember the prefix of ``value``, a document just read the slow way as an envelope of ``schema_node``."""
        i = value.find(_PAYLOAD)
        if i < 0:
            return
        prefix = value[: i + _PAYLOAD_END]
        if self._known.get(prefix) is not None:
            return
        try:
            probe = _loads(prefix + b"null}")
        except _JSONDecodeError:
            return  # the first "payload": is inside the schema (a parameter name, say): not remembered
        if (
            type(probe) is not dict
            or len(probe) != 2
            or "payload" not in probe
            or probe["payload"] is not None
        ):
            return
        if "schema" not in probe or probe["schema"] != schema_node:
            return
        self._known.put(prefix, Envelope(prefix, schema, decode))
