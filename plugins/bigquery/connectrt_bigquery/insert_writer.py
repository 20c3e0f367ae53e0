"""``tabledata.insertAll`` with Java's retry and per-row error rules (BigQueryWriter, TableWriter).

- Backend (5xx), quota/rate-limit (403) and I/O errors are retried ``bigQueryRetry`` times, waiting
  ``bigQueryRetryWait`` ms plus up to 1 s of jitter; then the write fails with
  "Exceeded configured N attempts for write request".
- A request BigQuery finds too large is split in halves until single rows.
- Rows BigQuery rejects as ``invalid`` come back as rejections (for the DLQ, or to fail the task);
  rows with other errors (``stopped``, ``backendError``) are retried.

Requests carry ``skipInvalidRows=true``: BigQuery then writes the valid rows of a batch at once and
reports the invalid ones, which is what Java obtains with a second request (see the README).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectrt.api.records import SinkRecord

from connectrt_bigquery.errors import (
    BigQueryConnectException,
    describe,
    format_insert_errors,
    is_batch_size_error,
    is_not_found,
    is_retriable,
)

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 120.0
MAX_JITTER_MS = 1000


class TableMissing(Exception):
    """insertAll answered 404: the table (or dataset) is gone."""


@dataclass
class Rejected:
    record: SinkRecord
    reason: str


@dataclass
class RowBatch:
    """Rows for one table, in record order."""

    records: list[SinkRecord] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def add(self, record: SinkRecord, row: dict[str, Any], row_id: str) -> None:
        self.records.append(record)
        self.rows.append(row)
        self.ids.append(row_id)

    def __len__(self) -> int:
        return len(self.rows)

    def subset(self, indexes: Sequence[int]) -> RowBatch:
        return RowBatch(
            [self.records[i] for i in indexes],
            [self.rows[i] for i in indexes],
            [self.ids[i] for i in indexes],
        )


class InsertAllWriter:
    def __init__(self, client: Any, retries: int, retry_wait_ms: int, stopping: threading.Event) -> None:
        self.client = client
        self.retries = retries
        self.retry_wait_ms = retry_wait_ms
        self.stopping = stopping
        self.log: Any = log  # the task sets its [connector|task-N] logger here

    def _sleep_before_retry(self) -> None:
        self.stopping.wait((self.retry_wait_ms + random.randint(0, MAX_JITTER_MS)) / 1000)

    def write(self, table: str, batch: RowBatch) -> list[Rejected]:
        """Write every row or return it as rejected; raise when BigQuery cannot be written."""
        rejected: list[Rejected] = []
        pending = batch
        chunk = max(1, len(batch))
        attempt = 0
        last_error: BaseException | None = None
        while len(pending):
            if attempt > self.retries:
                raise BigQueryConnectException(
                    f"Exceeded configured {self.retries} attempts for write request to {table}: "
                    f"{describe(last_error) if last_error else 'rows kept failing'}"
                ) from last_error
            if attempt > 0:
                self._sleep_before_retry()
                if self.stopping.is_set():
                    raise BigQueryConnectException(f"Task stopped while retrying a write to {table}")
            try:
                failed = self._insert_chunks(table, pending, chunk)
            except TableMissing:
                raise
            except Exception as exc:
                if is_batch_size_error(exc) and chunk > 1:
                    chunk = (chunk + 1) // 2
                    self.log.warning(
                        "Could not write batch of size %d to %s (too large); retrying in halves",
                        len(pending),
                        table,
                    )
                    continue
                if is_retriable(exc):
                    last_error = exc
                    attempt += 1
                    self.log.warning(
                        "BigQuery write to %s failed (%s), attempting retry", table, describe(exc)
                    )
                    continue
                raise BigQueryConnectException(f"Failed to write to table {table}: {describe(exc)}") from exc
            if not failed:
                break
            retry_indexes = []
            invalid: dict[int, list[dict[str, Any]]] = {}
            for index, errors in failed.items():
                if errors and all(str(e.get("reason", "")).lower() == "invalid" for e in errors):
                    invalid[index] = errors
                else:
                    retry_indexes.append(index)
            for index, errors in invalid.items():
                rejected.append(
                    Rejected(pending.records[index], format_insert_errors(table, {index: errors}))
                )
            if retry_indexes:
                last_error = BigQueryConnectException(
                    format_insert_errors(table, {i: failed[i] for i in retry_indexes})
                )
                attempt += 1
            pending = pending.subset(sorted(retry_indexes))
        return rejected

    def _insert_chunks(self, table: str, batch: RowBatch, chunk: int) -> dict[int, list[dict[str, Any]]]:
        failed: dict[int, list[dict[str, Any]]] = {}
        for start in range(0, len(batch), chunk):
            rows = batch.rows[start : start + chunk]
            ids = batch.ids[start : start + chunk]
            try:
                answer = self.client.insert_rows_json(
                    table,
                    rows,
                    row_ids=ids,
                    skip_invalid_rows=True,
                    ignore_unknown_values=False,
                    retry=None,
                    timeout=REQUEST_TIMEOUT_S,
                )
            except Exception as exc:
                if is_not_found(exc):
                    raise TableMissing(str(exc)) from exc
                raise
            for entry in answer or ():
                failed[start + int(entry.get("index", 0))] = list(entry.get("errors") or [])
        return failed
