"""CachedSchemaRegistry: answers from memory what the registry already said (Java's CachedSchemaRegistryClient).

Ids, schemas and versions never change once the registry gave them, so they are kept: registrations per
subject (at most ``max.schemas.per.subject`` each, as Java, which then refuses further ones), schemas by
id, versions per subject and schema. Latest versions are kept ``latest.cache.ttl.sec`` seconds (-1: until
the converter is closed), for ``use.latest.version``.
"""

from __future__ import annotations

import time

from connectrt.api.data import DataException
from connectrt.converters._common import LRUCache
from connectrt.converters.schema_registry.client import RegisteredSchema, SchemaRegistry

ID_CACHE_SIZE = 1000


class CachedSchemaRegistry:
    """A :class:`SchemaRegistry` that asks the one it wraps only what it has not asked before."""

    def __init__(
        self,
        registry: SchemaRegistry,
        max_schemas_per_subject: int = 1000,
        latest_ttl_seconds: float = -1,
        latest_cache_size: int = 1000,
    ) -> None:
        self.registry = registry
        self.max_schemas_per_subject = max_schemas_per_subject
        self.latest_ttl_seconds = latest_ttl_seconds
        self._ids: dict[str, dict[str, int]] = {}
        self._versions: dict[str, dict[str, RegisteredSchema]] = {}
        self._schemas: LRUCache[int, str] = LRUCache(max(ID_CACHE_SIZE, max_schemas_per_subject))
        self._latest: LRUCache[str, tuple[float, RegisteredSchema]] = LRUCache(max(1, latest_cache_size))

    def _per_subject(self, subject: str) -> dict[str, int]:
        known = self._ids.setdefault(subject, {})
        if len(known) >= self.max_schemas_per_subject:
            raise DataException(
                f"Too many schema objects created for {subject}! Raise max.schemas.per.subject (now "
                f"{self.max_schemas_per_subject}) or check why the record schemas keep changing."
            )
        return known

    def register(self, subject: str, schema: str) -> int:
        known = self._ids.get(subject)
        if known is not None:
            schema_id = known.get(schema)
            if schema_id is not None:
                return schema_id
        known = self._per_subject(subject)
        schema_id = self.registry.register(subject, schema)
        known[schema] = schema_id
        self._schemas.put(schema_id, schema)
        return schema_id

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        by_schema = self._versions.setdefault(subject, {})
        found = by_schema.get(schema)
        if found is None:
            if len(by_schema) >= self.max_schemas_per_subject:
                by_schema.clear()  # versions are only a convenience: start over rather than refuse
            found = self.registry.lookup(subject, schema)
            by_schema[schema] = found
            self._ids.setdefault(subject, {}).setdefault(schema, found.id)
        return found

    def schema_by_id(self, schema_id: int) -> str:
        schema = self._schemas.get(schema_id)
        if schema is None:
            schema = self.registry.schema_by_id(schema_id)
            self._schemas.put(schema_id, schema)
        return schema

    def latest(self, subject: str) -> RegisteredSchema:
        now = time.monotonic()
        cached = self._latest.get(subject)
        if cached is not None and (self.latest_ttl_seconds < 0 or now - cached[0] < self.latest_ttl_seconds):
            return cached[1]
        found = self.registry.latest(subject)
        self._latest.put(subject, (now, found))
        self._schemas.put(found.id, found.schema)
        return found

    def close(self) -> None:
        self.registry.close()
