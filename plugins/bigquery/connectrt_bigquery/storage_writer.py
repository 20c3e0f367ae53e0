"""The Storage Write API path (Aiven's ``useStorageWriteApi`` / ``enableBatchMode``).

- Default mode: rows are appended to each table's ``_default`` stream (visible at once;
  at-least-once, like insertAll).
- Batch mode: rows go to an application-created PENDING stream per table; every
  ``commitInterval`` seconds the streams are finalized and committed together
  (``BatchCommitWriteStreams``), and only then do their records' offsets become committable.

Rows BigQuery rejects (``row_errors``) are returned as rejections and the rest of the request is
appended again; unavailable/aborted answers are retried ``bigQueryRetry`` times.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectrt_bigquery.errors import BigQueryConnectException, ConversionError, describe, is_not_found
from connectrt_bigquery.insert_writer import MAX_JITTER_MS, Rejected, RowBatch, TableMissing
from connectrt_bigquery.proto_rows import ProtoSchema
from connectrt_bigquery.routing import TableId

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 8 << 20
TIMEOUT_S = 120.0
TP = tuple[str, int]


def _retriable(exc: BaseException) -> bool:
    from google.api_core import exceptions as gexc

    return isinstance(
        exc,
        (
            gexc.ServiceUnavailable,
            gexc.InternalServerError,
            gexc.Aborted,
            gexc.DeadlineExceeded,
            gexc.TooManyRequests,
            gexc.ResourceExhausted,
            gexc.Unknown,
        ),
    )


@dataclass
class _PendingStream:
    name: str
    next_offset: int = 0
    offsets: dict[TP, int] = field(default_factory=dict)


class StorageWriter:
    def __init__(
        self,
        client: Any,
        project: str,
        retries: int,
        retry_wait_ms: int,
        stopping: threading.Event,
        batch_mode: bool,
    ) -> None:
        self.client = client
        self.project = project
        self.retries = retries
        self.retry_wait_ms = retry_wait_ms
        self.stopping = stopping
        self.batch_mode = batch_mode
        self._streams: dict[TableId, _PendingStream] = {}
        self._table_locks: dict[TableId, threading.Lock] = {}
        self._guard = threading.Lock()
        self._committed: dict[TP, int] = {}
        self.log: Any = log  # the task sets its [connector|task-N] logger here

    def _parent(self, table: TableId) -> str:
        return f"projects/{self.project}/datasets/{table.dataset}/tables/{table.table}"

    def _lock(self, table: TableId) -> threading.Lock:
        with self._guard:
            return self._table_locks.setdefault(table, threading.Lock())

    # --- appends -------------------------------------------------------------------------------
    def write(self, table: TableId, proto: ProtoSchema, batch: RowBatch) -> list[Rejected]:
        rejected: list[Rejected] = []
        serialized: list[bytes] = []
        keep: list[int] = []
        for i, row in enumerate(batch.rows):
            try:
                serialized.append(proto.serialize(row))
                keep.append(i)
            except ConversionError as exc:
                rejected.append(Rejected(batch.records[i], f"table: {table} row rejected: {exc}"))
        if len(keep) < len(batch):
            batch = batch.subset(keep)
        start = 0
        while start < len(serialized):
            end, size = start, 0
            while end < len(serialized) and (end == start or size + len(serialized[end]) < MAX_REQUEST_BYTES):
                size += len(serialized[end])
                end += 1
            part = batch.subset(range(start, end))
            rejected += self._append_with_retries(table, proto, part, serialized[start:end])
            start = end
        return rejected

    def _append_with_retries(
        self, table: TableId, proto: ProtoSchema, batch: RowBatch, rows: list[bytes]
    ) -> list[Rejected]:
        rejected: list[Rejected] = []
        attempt = 0
        last: BaseException | None = None
        while rows:
            if attempt > self.retries:
                raise BigQueryConnectException(
                    f"Exceeded configured {self.retries} attempts for write request to {table}: "
                    f"{describe(last) if last else 'rows kept failing'}"
                ) from last
            if attempt:
                self.stopping.wait((self.retry_wait_ms + random.randint(0, MAX_JITTER_MS)) / 1000)
                if self.stopping.is_set():
                    raise BigQueryConnectException(f"Task stopped while retrying a write to {table}")
            try:
                row_errors = self._append(table, proto, batch, rows)
            except TableMissing:
                raise
            except Exception as exc:
                if not _retriable(exc):
                    raise BigQueryConnectException(
                        f"Failed to write to table {table}: {describe(exc)}"
                    ) from exc
                last = exc
                attempt += 1
                self.log.warning(
                    "Storage Write append to %s failed (%s), attempting retry", table, describe(exc)
                )
                continue
            if not row_errors:
                break
            bad = set(row_errors)
            for index, text in row_errors.items():
                rejected.append(
                    Rejected(batch.records[index], f"table: {table} row {index} rejected: {text}")
                )
            good = [i for i in range(len(rows)) if i not in bad]
            batch, rows = batch.subset(good), [rows[i] for i in good]
        return rejected

    def _append(
        self, table: TableId, proto: ProtoSchema, batch: RowBatch, rows: list[bytes]
    ) -> dict[int, str]:
        from google.cloud.bigquery_storage_v1 import types

        # Default-stream appends run concurrently; a pending stream takes one append at a time (offsets).
        with self._lock(table) if self.batch_mode else contextlib.nullcontext():
            stream = self._stream_for(table) if self.batch_mode else None
            name = stream.name if stream else f"{self._parent(table)}/streams/_default"
            request = types.AppendRowsRequest(
                write_stream=name,
                proto_rows=types.AppendRowsRequest.ProtoData(
                    writer_schema=types.ProtoSchema(proto_descriptor=proto.descriptor),
                    rows=types.ProtoRows(serialized_rows=rows),
                ),
            )
            if stream is not None:
                request.offset = stream.next_offset
            try:
                responses = list(
                    self.client.append_rows(
                        iter([request]),
                        metadata=(("x-goog-request-params", f"write_stream={name}"),),
                        timeout=TIMEOUT_S,
                    )
                )
            except Exception as exc:
                if is_not_found(exc) or type(exc).__name__ == "NotFound":
                    self._streams.pop(table, None)
                    raise TableMissing(str(exc)) from exc
                raise
            errors: dict[int, str] = {}
            for response in responses:
                for row_error in response.row_errors:
                    errors[int(row_error.index)] = row_error.message or "invalid row"
                if response.error and response.error.code and not response.row_errors:
                    raise BigQueryConnectException(
                        f"Failed to write to table {table}: {response.error.message} (code {response.error.code})"
                    )
            if not errors and stream is not None:
                stream.next_offset += len(rows)
                for record in batch.records:
                    tp = (record.topic, record.kafka_partition or 0)
                    stream.offsets[tp] = max(stream.offsets.get(tp, 0), (record.kafka_offset or 0) + 1)
            return errors

    # --- batch mode ------------------------------------------------------------------------------
    def _stream_for(self, table: TableId) -> _PendingStream:
        found = self._streams.get(table)
        if found is None:
            from google.cloud.bigquery_storage_v1 import types

            created = self.client.create_write_stream(
                parent=self._parent(table),
                write_stream=types.WriteStream(type_=types.WriteStream.Type.PENDING),
                timeout=TIMEOUT_S,
            )
            found = _PendingStream(created.name)
            self._streams[table] = found
        return found

    def commit(self) -> None:
        """Finalize and commit every pending stream with rows; their offsets become committable."""
        if not self.batch_mode:
            return
        from google.cloud.bigquery_storage_v1 import types

        by_parent: dict[str, list[tuple[TableId, _PendingStream]]] = {}
        for table in list(self._streams):
            with self._lock(table):
                stream = self._streams.get(table)
                if stream is None or not stream.next_offset:
                    continue
                self.client.finalize_write_stream(name=stream.name, timeout=TIMEOUT_S)
                del self._streams[table]
                by_parent.setdefault(self._parent(table), []).append((table, stream))
        for parent, streams in by_parent.items():
            answer = self.client.batch_commit_write_streams(
                types.BatchCommitWriteStreamsRequest(
                    parent=parent, write_streams=[s.name for _, s in streams]
                ),
                timeout=TIMEOUT_S,
            )
            if answer.stream_errors:
                raise BigQueryConnectException(
                    f"Failed to commit write streams of {parent}: "
                    + "; ".join(e.error_message for e in answer.stream_errors)
                )
            with self._guard:
                for _, stream in streams:
                    for tp, offset in stream.offsets.items():
                        self._committed[tp] = max(self._committed.get(tp, 0), offset)
            self.log.info("Committed %d write stream(s) of %s", len(streams), parent)

    def committed_offsets(self, partitions: Iterable[TP]) -> dict[TP, int]:
        with self._guard:
            return {tp: self._committed[tp] for tp in partitions if tp in self._committed}
