"""Upsert/delete through intermediate tables and periodic MERGE (Java's MergeBatches, MergeQueries).

Rows of each destination table are streamed into an intermediate table
``<table>_<suffix>_<taskId>_<uuid>_<epochMillis>`` (sanitized) together with a batch number and an
arrival counter ``i``. A merge flush closes the current batch, waits until its rows are written
(and ``STREAMING_BUFFER_WAIT_S``, as Java does), then runs one MERGE that applies the latest row per
key, and deletes the merged batch from the intermediate table. Only offsets of merged batches are
committable (``latest_offsets``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.cloud.bigquery import SchemaField

from connectrt_bigquery.errors import BigQueryConnectException, describe, is_serialize_or_job_internal_error
from connectrt_bigquery.routing import TableId
from connectrt_bigquery.schema import (
    INTERMEDIATE_BATCH_NUMBER,
    INTERMEDIATE_ITERATION,
    INTERMEDIATE_KEY,
    INTERMEDIATE_PARTITION_TIME,
    INTERMEDIATE_VALUE,
    sanitize_name,
)

log = logging.getLogger(__name__)

STREAMING_BUFFER_WAIT_S = 10.0
DESTINATION_ALIAS = "dstTableAlias"
TP = tuple[str, int]


@dataclass
class _Batch:
    total: int = 0
    pending: int = 0
    offsets: dict[TP, int] = field(default_factory=dict)


def _ref(table: TableId) -> str:
    return f"`{table.dataset}`.`{table.table}`"


def _leaf_paths(fields: Sequence[SchemaField], prefix: str) -> list[str]:
    out: list[str] = []
    for f in fields:
        if f.fields:
            out += _leaf_paths(f.fields, f"{prefix}{f.name}.")
        else:
            out.append(prefix + f.name)
    return out


class MergeQueries:
    """The SQL text of merge flushes (Java's, with unqualified SET targets: BigQuery accepts both)."""

    def __init__(self, key_field: str, insert_partition_time: bool, upsert: bool, delete: bool) -> None:
        self.key_field = key_field
        self.insert_partition_time = insert_partition_time
        self.upsert = upsert
        self.delete = delete

    def merge(
        self, intermediate: TableId, destination: TableId, batch: int, schema: Sequence[SchemaField]
    ) -> str:
        by_name = {f.name: f for f in schema}
        key_fields = _leaf_paths(by_name[INTERMEDIATE_KEY].fields or (), INTERMEDIATE_KEY + ".")
        value_columns = [f.name for f in by_name[INTERMEDIATE_VALUE].fields or ()]
        pt_col = "_PARTITIONTIME, " if self.insert_partition_time else ""
        pt_val = (
            f"CAST(CAST(DATE(src.{INTERMEDIATE_PARTITION_TIME}) AS DATE) AS TIMESTAMP), "
            if self.insert_partition_time
            else ""
        )
        insert = (
            f"THEN INSERT (`{self.key_field}`, {pt_col}`" + "`, `".join(value_columns) + "`) "
            f"VALUES (src.{INTERMEDIATE_KEY}, {pt_val}"
            + ", ".join(f"src.{INTERMEDIATE_VALUE}.{c}" for c in value_columns)
            + ");"
        )
        if self.upsert:
            latest = (
                f"USING (SELECT * FROM (SELECT ARRAY_AGG(x ORDER BY {INTERMEDIATE_ITERATION} DESC LIMIT 1)"
                f"[OFFSET(0)] src FROM {_ref(intermediate)} x WHERE {INTERMEDIATE_BATCH_NUMBER}={batch} "
                f"GROUP BY {', '.join(key_fields)})) "
            )
            on = f"ON {DESTINATION_ALIAS}.{self.key_field}=src.{INTERMEDIATE_KEY} "
            update = (
                "THEN UPDATE SET "
                + ", ".join(f"`{c}`=src.{INTERMEDIATE_VALUE}.{c}" for c in value_columns)
                + " "
            )
            head = f"MERGE {_ref(destination)} {DESTINATION_ALIAS} " + latest + on
            if self.delete:
                return (
                    head
                    + f"WHEN MATCHED AND src.{INTERMEDIATE_VALUE} IS NOT NULL "
                    + update
                    + f"WHEN MATCHED AND src.{INTERMEDIATE_VALUE} IS NULL THEN DELETE "
                    + f"WHEN NOT MATCHED AND src.{INTERMEDIATE_VALUE} IS NOT NULL "
                    + insert
                )
            return head + "WHEN MATCHED " + update + "WHEN NOT MATCHED " + insert
        # Delete only: keep the rows that follow the latest tombstone of their key.
        key, i, value = INTERMEDIATE_KEY, INTERMEDIATE_ITERATION, INTERMEDIATE_VALUE
        this_batch = f"SELECT * FROM {_ref(intermediate)} WHERE {INTERMEDIATE_BATCH_NUMBER}={batch}"
        pt = f"{INTERMEDIATE_PARTITION_TIME}, " if self.insert_partition_time else ""
        return (
            f"MERGE {_ref(destination)} USING (SELECT batch.{key} AS {key}, {pt}{value} FROM ("
            f"SELECT src.{i}, src.{key} FROM (SELECT ARRAY_AGG(x ORDER BY {i} DESC LIMIT 1)[OFFSET(0)] src "
            f"FROM ({this_batch}) x WHERE x.{value} IS NULL GROUP BY {', '.join(key_fields)})) AS deletes "
            f"RIGHT JOIN ({this_batch}) AS batch USING ({key}) "
            f"WHERE deletes.{i} IS NULL OR batch.{i} >= deletes.{i} ORDER BY batch.{i} ASC) AS src "
            f"ON `{destination.table}`.{self.key_field}=src.{key} AND src.{value} IS NULL "
            f"WHEN MATCHED THEN DELETE WHEN NOT MATCHED AND src.{value} IS NOT NULL " + insert
        )

    @staticmethod
    def batch_clear(intermediate: TableId, batch: int) -> str:
        return (
            f"DELETE FROM `{intermediate.dataset}`.`{intermediate.table}` WHERE {INTERMEDIATE_BATCH_NUMBER} "
            f"<= {batch} AND _PARTITIONTIME IS NOT NULL;"
        )


class MergeBatches:
    """Batch numbers, arrival counters and offsets per intermediate table."""

    def __init__(self, suffix: str, task_id: int) -> None:
        self.suffix = f"_{suffix}_{task_id}_{uuid.uuid4()}_{int(time.time() * 1000)}"
        self._to_destination: dict[TableId, TableId] = {}
        self._to_intermediate: dict[TableId, TableId] = {}
        self._current: dict[TableId, int] = {}
        self._batches: dict[TableId, dict[int, _Batch]] = {}
        self._offsets: dict[TP, int] = {}
        self._cond = threading.Condition()

    def intermediate_for(self, destination: TableId) -> TableId:
        with self._cond:
            found = self._to_intermediate.get(destination)
            if found is None:
                found = TableId(destination.dataset, sanitize_name(destination.table + self.suffix))
                self._to_intermediate[destination] = found
                self._to_destination[found] = destination
                self._current[found] = 0
                self._batches[found] = {}
            return found

    def destination_for(self, intermediate: TableId) -> TableId:
        return self._to_destination[intermediate]

    def intermediate_tables(self) -> list[TableId]:
        with self._cond:
            return list(self._to_destination)

    def add(self, intermediate: TableId, topic: str, partition: int, offset: int) -> tuple[int, int]:
        """Count a row into the current batch: (batch number, rows in the batch so far)."""
        with self._cond:
            number = self._current[intermediate]
            batch = self._batches[intermediate].setdefault(number, _Batch())
            batch.total += 1
            batch.pending += 1
            batch.offsets[(topic, partition)] = offset + 1
            return number, batch.total

    def rows_written(self, intermediate: TableId, batch_number: int, count: int) -> None:
        with self._cond:
            batch = self._batches[intermediate].get(batch_number)
            if batch is not None:
                batch.pending -= count
            self._cond.notify_all()

    def close_batch(self, intermediate: TableId) -> int | None:
        """Start a new batch; the closed one's number, or None when it was empty."""
        with self._cond:
            number = self._current[intermediate]
            batch = self._batches[intermediate].get(number)
            if batch is None or batch.total == 0:
                return None
            self._current[intermediate] = number + 1
            return number

    def wait_written(self, intermediate: TableId, number: int, stopping: threading.Event) -> bool:
        """Wait for earlier batches to be merged and this one's rows to be written."""
        with self._cond:
            while not stopping.is_set():
                batches = self._batches[intermediate]
                if any(n < number for n in batches):
                    self._cond.wait(0.2)
                    continue
                batch = batches.get(number)
                if batch is None or batch.pending <= 0:
                    return batch is not None
                self._cond.wait(0.2)
            return False

    def merged(self, intermediate: TableId, number: int) -> None:
        with self._cond:
            batch = self._batches[intermediate].pop(number, None)
            if batch is not None:
                for tp, offset in batch.offsets.items():
                    self._offsets[tp] = max(self._offsets.get(tp, 0), offset)
            self._cond.notify_all()

    def latest_offsets(self) -> dict[TP, int]:
        with self._cond:
            return dict(self._offsets)


class MergeFlusher:
    """Runs merge flushes on one background thread, in batch order per table."""

    def __init__(
        self,
        client: Any,
        batches: MergeBatches,
        queries: MergeQueries,
        schema_of: Callable[[TableId], Any],
        retries: int,
        retry_wait_ms: int,
        stopping: threading.Event,
        on_merged: Callable[[], None],
        buffer_wait_s: float = STREAMING_BUFFER_WAIT_S,
    ) -> None:
        self.client = client
        self.batches = batches
        self.queries = queries
        self.schema_of = schema_of
        self.retries = retries
        self.retry_wait_ms = retry_wait_ms
        self.stopping = stopping
        self.on_merged = on_merged
        self.buffer_wait_s = buffer_wait_s
        self.log: Any = log  # the task sets its [connector|task-N] logger here
        self.error: BaseException | None = None
        self._queue: list[tuple[TableId, int]] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="bigquery-merge-flush", daemon=True)
        self._thread.start()

    def flush(self, intermediate: TableId) -> None:
        number = self.batches.close_batch(intermediate)
        if number is not None:
            with self._cond:
                self._queue.append((intermediate, number))
                self._cond.notify_all()

    def flush_all(self) -> None:
        for table in self.batches.intermediate_tables():
            self.flush(table)

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            with self._cond:
                while not self._queue and not self.stopping.is_set():
                    self._cond.wait(0.5)
                if self.stopping.is_set():
                    return
                intermediate, number = self._queue.pop(0)
            try:
                self._merge(intermediate, number)
            except BaseException as exc:  # reported by the task thread
                self.error = exc
                return

    def _merge(self, intermediate: TableId, number: int) -> None:
        if not self.batches.wait_written(intermediate, number, self.stopping):
            return
        if self.stopping.wait(self.buffer_wait_s):
            return
        destination = self.batches.destination_for(intermediate)
        sql = self.queries.merge(intermediate, destination, number, self.schema_of(intermediate))
        attempt = 0
        while True:
            try:
                self.client.query(sql, retry=None, timeout=300).result(retry=None, timeout=600)
                break
            except Exception as exc:
                if attempt >= self.retries or not is_serialize_or_job_internal_error(exc):
                    raise BigQueryConnectException(
                        f"Failed to merge rows to destination table `{destination}` within {attempt} attempts: "
                        f"{describe(exc)}"
                    ) from exc
                attempt += 1
                self.stopping.wait(self.retry_wait_ms / 1000)
        self.batches.merged(intermediate, number)
        self.log.info("Completed merge flush of batch %d from %s to %s", number, intermediate, destination)
        self.on_merged()
        self.client.query(MergeQueries.batch_clear(intermediate, number), retry=None, timeout=300).result(
            retry=None, timeout=600
        )
