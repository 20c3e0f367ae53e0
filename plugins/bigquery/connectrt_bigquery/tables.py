"""Table creation and schema updates (Java's SchemaManager), with a per-table schema cache.

``ensure`` is called once per (table, record schemas) pair: it creates a missing table from the
records' schema (``autoCreateTables``), or widens an existing one as the evolution flags allow. It
runs before rows are written, so a field the table lacks is never dropped silently (some emulators
ignore unknown fields instead of rejecting the row as BigQuery does).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.cloud.bigquery import SchemaField

from connectrt_bigquery.errors import BigQueryConnectException, describe, is_retriable
from connectrt_bigquery.evolution import evolve, signature
from connectrt_bigquery.routing import TableId

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TableOptions:
    """How new tables are created (partitioning and clustering only apply at creation)."""

    auto_create: bool
    allow_new: bool
    allow_relax: bool
    allow_union: bool
    partitioning_type: str | None  # DAY, HOUR, MONTH, YEAR or None
    partition_field: str | None
    partition_expiration_ms: int | None
    clustering: list[str] | None


class SchemaManager:
    def __init__(self, client: Any, project: str, options: TableOptions, prefix: str = "") -> None:
        self.client = client
        self.project = project
        self.options = options
        self.prefix = prefix
        self._schemas: dict[TableId, list[SchemaField]] = {}
        self._ensured: set[tuple[TableId, object]] = set()
        self._locks: dict[TableId, threading.Lock] = {}
        self._guard = threading.Lock()
        self.log: Any = log  # the task sets its [connector|task-N] logger here

    def _lock(self, table: TableId) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(table, threading.Lock())

    def cached_schema(self, table: TableId) -> list[SchemaField] | None:
        return self._schemas.get(table)

    def forget(self, table: TableId) -> None:
        """The table changed outside (deleted, altered): read it again next time."""
        with self._lock(table):
            self._schemas.pop(table, None)
            self._ensured = {e for e in self._ensured if e[0] != table}

    def ensure(
        self,
        table: TableId,
        cache_key: object,
        proposed: Callable[[], Sequence[SchemaField]],
        description: str | None = None,
        intermediate: bool = False,
        create: bool | None = None,
    ) -> list[SchemaField]:
        """Make ``table`` able to take rows of the proposed schema; returns the table's schema."""
        if (table, cache_key) in self._ensured:
            return self._schemas[table]
        with self._lock(table):
            if (table, cache_key) in self._ensured:
                return self._schemas[table]
            columns = list(proposed())
            existing = self._schemas.get(table)
            if existing is None:
                existing = self.read_schema(table)
            if existing is None:
                may_create = self.options.auto_create if create is None else create
                if not may_create:
                    raise BigQueryConnectException(
                        f"Table {self.prefix}{table} does not exist in project {self.project}; create it or set "
                        "autoCreateTables=true."
                    )
                existing = self._create(table, columns, description, intermediate)
            target = evolve(
                str(table),
                existing,
                columns,
                self.options.allow_new,
                self.options.allow_relax,
                self.options.allow_union,
            )
            if signature(target) != signature(existing):
                existing = self._update(table, target)
            self._schemas[table] = existing
            self._ensured.add((table, cache_key))
            return existing

    def read_schema(self, table: TableId) -> list[SchemaField] | None:
        from google.api_core.exceptions import NotFound

        try:
            found = self.client.get_table(table.path(self.project), retry=None, timeout=60)
        except NotFound:
            return None
        return list(found.schema)

    def _create(
        self, table: TableId, columns: list[SchemaField], description: str | None, intermediate: bool
    ) -> list[SchemaField]:
        from google.api_core.exceptions import Conflict
        from google.cloud import bigquery

        info = bigquery.Table(table.path(self.project), schema=columns)
        opts = self.options
        if intermediate:
            info.time_partitioning = bigquery.TimePartitioning(type_="DAY")
            info.description = "Temporary table"
        else:
            if opts.partitioning_type:
                info.time_partitioning = bigquery.TimePartitioning(
                    type_=opts.partitioning_type,
                    field=opts.partition_field,
                    expiration_ms=opts.partition_expiration_ms,
                )
                if opts.partition_field and opts.clustering:
                    info.clustering_fields = list(opts.clustering)
            if description:
                info.description = description
        self.log.info("Attempting to create %s with schema %s", table, _show(columns))
        try:
            created = self.client.create_table(info, retry=None, timeout=60)
        except Conflict:
            found = self.read_schema(table)
            if found is None:
                raise BigQueryConnectException(f"Table {table} was reported to exist but cannot be read")
            return found
        except Exception as exc:
            if is_retriable(exc):
                raise
            raise BigQueryConnectException(f"Failed to create table {table}: {describe(exc)}") from exc
        return list(created.schema) or columns

    def _update(self, table: TableId, columns: list[SchemaField]) -> list[SchemaField]:
        self.log.info("Attempting to update %s with schema %s", table, _show(columns))
        try:
            current = self.client.get_table(table.path(self.project), retry=None, timeout=60)
            current.schema = columns
            updated = self.client.update_table(current, ["schema"], retry=None, timeout=60)
        except Exception as exc:
            if is_retriable(exc):
                raise
            raise BigQueryConnectException(
                f"Failed to update table schema for: {table}: {describe(exc)}"
            ) from exc
        return list(updated.schema) or columns


def _show(columns: Sequence[SchemaField]) -> str:
    def one(f: SchemaField) -> str:
        inner = f"<{', '.join(one(s) for s in f.fields)}>" if f.fields else ""
        return f"{f.name} {f.mode or 'NULLABLE'} {f.field_type}{inner}"

    return "[" + ", ".join(one(f) for f in columns) + "]"
