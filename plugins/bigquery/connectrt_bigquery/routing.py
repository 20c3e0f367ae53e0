"""Which table a record goes to (Java's BigQuerySinkTask.getRecordTable and PartitionedTableId)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from connectrt.api.connector import ConnectException
from connectrt.api.records import SinkRecord

from connectrt_bigquery.schema import sanitize_name


@dataclass(frozen=True, order=True)
class TableId:
    dataset: str
    table: str

    def __str__(self) -> str:
        return f"{self.dataset}.{self.table}"

    def path(self, project: str) -> str:
        return f"{project}.{self.dataset}.{self.table}"


class TableRouter:
    def __init__(self, default_dataset: str, topic2table: dict[str, str] | None, sanitize: bool) -> None:
        self.default_dataset = default_dataset
        self.topic2table = topic2table or None
        self.sanitize = sanitize
        self._cache: dict[str, TableId] = {}

    def table_for(self, topic: str) -> TableId:
        found = self._cache.get(topic)
        if found is None:
            found = self._route(topic)
            self._cache[topic] = found
        return found

    def _route(self, topic: str) -> TableId:
        if self.topic2table is not None:
            return TableId(self.default_dataset, self.topic2table.get(topic, topic))
        parts = topic.split(":")
        if len(parts) == 2:
            dataset, table = parts
        elif len(parts) == 1:
            dataset, table = self.default_dataset, parts[0]
        else:
            raise ConnectException(
                f"Incorrect regex replacement format in topic name '{topic}'. SMT replacement should either "
                "produce the <dataset>:<tableName> format or just the <tableName> format."
            )
        return TableId(dataset, sanitize_name(table) if self.sanitize else table)


def day_decorator(record: SinkRecord | None, message_time: bool) -> str:
    """``$yyyyMMdd`` of the record's timestamp (message-time partitioning) or of today (UTC)."""
    if message_time:
        if record is None or record.timestamp is None:
            raise ConnectException(
                "Message has no timestamp type, cannot use message timestamp to partition."
            )
        day = dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC).date()
    else:
        day = dt.datetime.now(dt.UTC).date()
    return "$" + day.strftime("%Y%m%d")
