"""Rows from sink records (Java's SinkRecordConverter): regular rows and intermediate-table rows."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from connectrt.api.connector import ConnectException
from connectrt.api.records import SinkRecord

from connectrt_bigquery.schema import (
    INTERMEDIATE_BATCH_NUMBER,
    INTERMEDIATE_ITERATION,
    INTERMEDIATE_KEY,
    INTERMEDIATE_PARTITION_TIME,
    INTERMEDIATE_VALUE,
    sanitize_name,
)
from connectrt_bigquery.values import JSON, ValueConverter


def timestamp_value(epoch_seconds: float, json: bool) -> Any:
    """A TIMESTAMP cell: a UTC ``yyyy-MM-dd HH:mm:ss.ffffff`` string for insertAll (Java sends epoch
    seconds as a number, which BigQuery reads the same way but some emulators take for
    microseconds), epoch microseconds for the Storage Write API."""
    if not json:
        return int(epoch_seconds * 1_000_000)
    return dt.datetime.fromtimestamp(epoch_seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def insert_id(record: SinkRecord) -> str:
    """``<topic>-<partition>-<offset>``: BigQuery's best-effort de-duplication key."""
    return f"{record.topic}-{record.kafka_partition}-{record.kafka_offset}"


class RowBuilder:
    def __init__(
        self,
        values: ValueConverter,
        key_field: str | None,
        data_field: str | None,
        sanitize: bool,
    ) -> None:
        self.values = values
        self.key_field = (sanitize_name(key_field) if sanitize else key_field) if key_field else None
        self.data_field = (sanitize_name(data_field) if sanitize else data_field) if data_field else None
        self._json = values.flavour == JSON

    def kafka_data(self, record: SinkRecord) -> dict[str, Any]:
        now = time.time()
        return {
            "topic": record.topic,
            "partition": record.kafka_partition,
            "offset": record.kafka_offset,
            "insertTime": timestamp_value(now, self._json),
        }

    def regular(self, record: SinkRecord) -> dict[str, Any]:
        row = self.values.record(record.value_schema, record.value)
        if self.data_field:
            row[self.data_field] = self.kafka_data(record)
        if self.key_field:
            row[self.key_field] = self.key(record)
        return row

    def key(self, record: SinkRecord) -> dict[str, Any]:
        if record.key is None:
            raise ConnectException("Record keys must be non-null when upsert/delete is enabled")
        return self.values.record(record.key_schema, record.key)

    def intermediate(
        self, record: SinkRecord, delete_enabled: bool, iteration: int, batch: int, partition_time: Any
    ) -> dict[str, Any]:
        """A row of an upsert/delete intermediate table: key, value (null = tombstone), counters."""
        value: dict[str, Any] | None
        if delete_enabled and record.value is None:
            value = None
        else:
            value = self.values.record(record.value_schema, record.value)
            if self.data_field:
                value[self.data_field] = self.kafka_data(record)
        row: dict[str, Any] = {
            INTERMEDIATE_KEY: self.key(record),
            INTERMEDIATE_ITERATION: iteration,
            INTERMEDIATE_PARTITION_TIME: partition_time,
            INTERMEDIATE_BATCH_NUMBER: batch,
        }
        if value is not None:
            row[INTERMEDIATE_VALUE] = value
        return row
