"""Which tables, columns and messages are captured, and custom key columns.

Include/exclude lists are comma-separated Java regexes matched against the whole identifier
(``schema``, ``schema.table``, ``schema.table.column``), case-sensitively, as Debezium does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from connectrt.config.configdef import ConfigException
from connectrt.transforms.java_regex import JavaRegexError, compile_java_regex

from connectrt_postgres.catalog import TableId, is_system_table
from connectrt_postgres.config import PostgresConfig, split_list


def _patterns(config_name: str, value: str | None) -> list[re.Pattern[str]] | None:
    items = split_list(value)
    if not items:
        return None
    out = []
    for item in items:
        try:
            out.append(compile_java_regex(item))
        except (JavaRegexError, re.error) as e:
            raise ConfigException(f"{config_name} has an invalid regular expression '{item}': {e}") from e
    return out


def _matches(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return any(p.fullmatch(text) for p in patterns)


class Filters:
    def __init__(self, config: PostgresConfig) -> None:
        get = config.get
        self.schema_include = _patterns("schema.include.list", get("schema.include.list"))
        self.schema_exclude = _patterns("schema.exclude.list", get("schema.exclude.list"))
        self.table_include = _patterns("table.include.list", get("table.include.list"))
        self.table_exclude = _patterns("table.exclude.list", get("table.exclude.list"))
        self.column_include = _patterns("column.include.list", get("column.include.list"))
        self.column_exclude = _patterns("column.exclude.list", get("column.exclude.list"))
        self.message_include = _patterns("message.prefix.include.list", get("message.prefix.include.list"))
        self.message_exclude = _patterns("message.prefix.exclude.list", get("message.prefix.exclude.list"))
        self.snapshot_include = _patterns(
            "snapshot.include.collection.list", get("snapshot.include.collection.list")
        )
        self.key_columns = parse_key_columns(get("message.key.columns"))
        self._table_cache: dict[TableId, bool] = {}

    def captures(self, table: TableId) -> bool:
        cached = self._table_cache.get(table)
        if cached is not None:
            return cached
        result = self._captures(table)
        self._table_cache[table] = result
        return result

    def _captures(self, table: TableId) -> bool:
        if is_system_table(table.schema, table.table):
            return False
        if self.schema_include is not None and not _matches(self.schema_include, table.schema):
            return False
        if self.schema_exclude is not None and _matches(self.schema_exclude, table.schema):
            return False
        full = f"{table.schema}.{table.table}"
        if self.table_include is not None and not _matches(self.table_include, full):
            return False
        return not (self.table_exclude is not None and _matches(self.table_exclude, full))

    def snapshots(self, table: TableId) -> bool:
        return self.snapshot_include is None or _matches(
            self.snapshot_include, f"{table.schema}.{table.table}"
        )

    def has_column_filter(self) -> bool:
        return self.column_include is not None or self.column_exclude is not None

    def column(self, table: TableId, column: str) -> bool:
        full = f"{table.schema}.{table.table}.{column}"
        if self.column_include is not None:
            return _matches(self.column_include, full)
        if self.column_exclude is not None:
            return not _matches(self.column_exclude, full)
        return True

    def message(self, prefix: str) -> bool:
        if self.message_include is not None:
            return _matches(self.message_include, prefix)
        if self.message_exclude is not None:
            return not _matches(self.message_exclude, prefix)
        return True

    def key_columns_for(self, table: TableId) -> list[str] | None:
        full = f"{table.schema}.{table.table}"
        for pattern, columns in self.key_columns:
            if pattern.fullmatch(full):
                return columns
        return None


def parse_key_columns(value: str | None) -> list[tuple[re.Pattern[str], list[str]]]:
    """``regexTable:col1,col2;regex2:colA`` into ``[(table pattern, [columns])]``."""
    if not value or not value.strip():
        return []
    out = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        table, sep, columns = part.rpartition(":")
        cols = [c.strip() for c in columns.split(",") if c.strip()]
        if not sep or not table.strip() or not cols:
            raise ConfigException(
                f"message.key.columns entry '{part}' is invalid; write it as <schema>.<table>:<column>[,<column>...]."
            )
        try:
            out.append((compile_java_regex(table.strip()), cols))
        except (JavaRegexError, re.error) as e:
            raise ConfigException(f"message.key.columns has an invalid table pattern '{table}': {e}") from e
    return out
