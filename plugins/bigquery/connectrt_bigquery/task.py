"""BigQuerySinkTask: records -> rows per table -> writes on a thread pool -> offsets when durable.

``put`` converts records to rows on the task thread and hands one write per table to a pool of
``threadPoolSize`` threads (Java's KCBQThreadPoolExecutor); ``flush`` waits for them. Offsets
returned by ``pre_commit`` cover only rows BigQuery acknowledged: written (insertAll / default
stream), committed (Storage Write batch mode) or merged (upsert/delete).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from connectrt.api.connector import ConnectException, SinkTask
from connectrt.api.data import Schema
from connectrt.api.records import SinkRecord

from connectrt_bigquery import config as c
from connectrt_bigquery.client import bigquery_client, write_client
from connectrt_bigquery.errors import BigQueryConnectException, ConversionError, with_retries
from connectrt_bigquery.insert_writer import InsertAllWriter, Rejected, RowBatch, TableMissing
from connectrt_bigquery.merge import MergeBatches, MergeFlusher, MergeQueries
from connectrt_bigquery.proto_rows import ProtoSchemas
from connectrt_bigquery.routing import TableId, TableRouter, day_decorator
from connectrt_bigquery.rows import RowBuilder, insert_id, timestamp_value
from connectrt_bigquery.schema import SchemaConverter, intermediate_columns, regular_columns
from connectrt_bigquery.storage_writer import StorageWriter
from connectrt_bigquery.tables import SchemaManager, TableOptions
from connectrt_bigquery.values import JSON, PROTO, ValueConverter

TP = tuple[str, int]
_log = logging.getLogger(__name__)


class _Log(logging.LoggerAdapter):  # type: ignore[type-arg,unused-ignore]
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['ctx']}] {msg}", kwargs  # type: ignore[index]


class _Group:
    """The rows of one put() for one destination (table, decorator)."""

    def __init__(self, table: TableId, path: str) -> None:
        self.table = table
        self.path = path
        self.batch = RowBatch()
        self.schemas: dict[tuple[Schema, Schema | None], SinkRecord] = {}
        self.batch_numbers: dict[int, int] = {}


class BigQuerySinkTask(SinkTask):
    #: Java's name of this task class: the ``task.class`` of its task configs (a Java worker can run them).
    ALIASES = ("com.wepay.kafka.connect.bigquery.BigQuerySinkTask",)

    def version(self) -> str:
        return c.VERSION

    def start(self, props: Mapping[str, str]) -> None:
        values = c.parse_config(props)
        self.values = values
        task_id = int(props.get(c.TASK_ID, "0") or 0)
        self.log = _Log(_log, {"ctx": f"{props.get('name', 'bigquery')}|task-{task_id}"})
        self.project: str = values[c.PROJECT]
        self.upsert: bool = values[c.UPSERT_ENABLED]
        self.delete: bool = values[c.DELETE_ENABLED]
        self.upsert_delete = self.upsert or self.delete
        self.storage_api: bool = values[c.USE_STORAGE_WRITE_API]
        self.batch_mode: bool = self.storage_api and values[c.ENABLE_BATCH_MODE]
        self.decorator: bool = (
            values[c.PARTITION_DECORATOR] and not self.storage_api and not self.upsert_delete
        )
        self.message_time: bool = values[c.MESSAGE_TIME_PARTITIONING]
        self.queue_size: int = values[c.QUEUE_SIZE]
        self.max_retries: int = values[c.MAX_RETRIES]
        self.remaining_retries = self.max_retries
        sanitize_fields: bool = values[c.SANITIZE_FIELD_NAMES]
        self.key_field: str | None = values[c.KAFKA_KEY_FIELD_NAME]
        self.data_field: str | None = values[c.KAFKA_DATA_FIELD_NAME]
        self.sanitize_fields = sanitize_fields
        self.router = TableRouter(
            values[c.DEFAULT_DATASET],
            c.parse_topic2table(values[c.TOPIC2TABLE_MAP]),
            values[c.SANITIZE_TOPICS],
        )
        self.converter = SchemaConverter(values[c.ALL_FIELDS_NULLABLE], sanitize_fields)
        self.rows = RowBuilder(
            ValueConverter(
                PROTO if self.storage_api else JSON,
                values[c.CONVERT_DOUBLE_SPECIAL],
                values[c.CONVERT_DEBEZIUM_TIMESTAMP],
                sanitize_fields,
            ),
            self.key_field,
            self.data_field,
            sanitize_fields,
        )
        ptype = str(values[c.TIME_PARTITIONING_TYPE]).upper()
        self.manage_schemas = (
            self.upsert_delete
            or values[c.AUTO_CREATE_TABLES]
            or values[c.ALLOW_NEW_FIELDS]
            or values[c.ALLOW_RELAXATION]
            or self.storage_api
        )
        self.client = bigquery_client(values)
        self.tables = SchemaManager(
            self.client,
            self.project,
            TableOptions(
                auto_create=values[c.AUTO_CREATE_TABLES],
                allow_new=values[c.ALLOW_NEW_FIELDS],
                allow_relax=values[c.ALLOW_RELAXATION],
                allow_union=values[c.ALLOW_UNIONIZATION],
                partitioning_type=None if ptype == "NONE" else ptype,
                partition_field=values[c.TIMESTAMP_PARTITION_FIELD],
                partition_expiration_ms=values[c.PARTITION_EXPIRATION_MS],
                clustering=values[c.CLUSTERING_FIELDS],
            ),
        )
        self.stopping = threading.Event()
        self.writer = InsertAllWriter(
            self.client, values[c.BIGQUERY_RETRY], values[c.BIGQUERY_RETRY_WAIT], self.stopping
        )
        self.storage: StorageWriter | None = None
        self.protos = ProtoSchemas()
        if self.storage_api:
            self.storage = StorageWriter(
                write_client(values),
                self.project,
                values[c.BIGQUERY_RETRY],
                values[c.BIGQUERY_RETRY_WAIT],
                self.stopping,
                self.batch_mode,
            )
        self.pool = ThreadPoolExecutor(values[c.THREAD_POOL_SIZE], thread_name_prefix=f"bigquery-{task_id}")
        self.futures: list[Future[None]] = []
        self.rejected: list[Rejected] = []
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.paused = False
        self.timers: list[threading.Thread] = []
        self.merges: MergeBatches | None = None
        self.flusher: MergeFlusher | None = None
        self.merge_threshold: int = values[c.MERGE_RECORDS_THRESHOLD]
        if self.upsert_delete:
            assert self.key_field is not None
            self.merges = MergeBatches(values[c.INTERMEDIATE_TABLE_SUFFIX], task_id)
            queries = MergeQueries(self.key_field, values[c.PARTITION_DECORATOR], self.upsert, self.delete)
            self.flusher = MergeFlusher(
                self.client,
                self.merges,
                queries,
                self._intermediate_schema,
                values[c.BIGQUERY_RETRY],
                values[c.BIGQUERY_RETRY_WAIT],
                self.stopping,
                self._request_commit,
            )
            if values[c.MERGE_INTERVAL_MS] != -1:
                self._every(values[c.MERGE_INTERVAL_MS] / 1000, self.flusher.flush_all, "merge")
        if self.batch_mode:
            assert self.storage is not None
            self._every(values[c.COMMIT_INTERVAL], self._commit_streams, "commit")
        for component in (self.tables, self.writer, self.storage, self.flusher):
            if component is not None:
                component.log = self.log
        self.log.info(
            "BigQuery sink task started: project %s, dataset %s, %s",
            self.project,
            values[c.DEFAULT_DATASET],
            self._mode(),
        )

    def _mode(self) -> str:
        if self.upsert_delete:
            return "upsert/delete through intermediate tables and MERGE"
        if self.batch_mode:
            return f"Storage Write API, pending streams committed every {self.values[c.COMMIT_INTERVAL]}s"
        return "Storage Write API default streams" if self.storage_api else "tabledata.insertAll"

    def _every(self, seconds: float, action: Any, label: str) -> None:
        def loop() -> None:
            while not self.stopping.wait(seconds):
                try:
                    action()
                except BaseException as exc:
                    self._fail(exc)
                    return

        thread = threading.Thread(target=loop, name=f"bigquery-{label}", daemon=True)
        thread.start()
        self.timers.append(thread)

    def _commit_streams(self) -> None:
        assert self.storage is not None
        with self.lock:
            self.storage.commit()
        self._request_commit()

    def _request_commit(self) -> None:
        context = getattr(self, "context", None)
        if context is not None:
            context.request_commit()

    def _fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc

    # --- put -------------------------------------------------------------------------------------
    def put(self, records: Sequence[SinkRecord]) -> None:
        self._raise_encountered()
        groups: dict[str, _Group] = {}
        for record in records:
            if record.value is None and not self.delete:
                continue
            try:
                self._add(record, groups)
            except ConversionError as exc:
                self._reject_now(record, exc)
        for group in groups.values():
            self.futures.append(self.pool.submit(self._write_group, group))
        self._check_queue_size()

    def _add(self, record: SinkRecord, groups: dict[str, _Group]) -> None:
        table = self.router.table_for(record.topic)
        if self.merges is not None:
            intermediate = self.merges.intermediate_for(table)
            group = groups.get(intermediate.table)
            if group is None:
                group = groups[intermediate.table] = _Group(intermediate, intermediate.path(self.project))
            number, count = self.merges.add(
                intermediate, record.topic, record.kafka_partition or 0, record.kafka_offset or 0
            )
            row = self.rows.intermediate(
                record, self.delete, count, number, timestamp_value(int(time.time()), True)
            )
            group.batch_numbers[number] = group.batch_numbers.get(number, 0) + 1
            if self.merge_threshold != -1 and count >= self.merge_threshold:
                assert self.flusher is not None
                self.flusher.flush(intermediate)
        else:
            path = table.path(self.project)
            if self.decorator:
                path += day_decorator(record, self.message_time)
            group = groups.get(path)
            if group is None:
                group = groups[path] = _Group(table, path)
            row = self.rows.regular(record)
        if record.value_schema is not None:
            group.schemas.setdefault((record.value_schema, record.key_schema), record)
        group.batch.add(record, row, insert_id(record))

    def _reject_now(self, record: SinkRecord, exc: ConnectException) -> None:
        reporter = self.context.errant_record_reporter() if getattr(self, "context", None) else None
        if reporter is None:
            raise exc
        reporter.report(record, exc)

    # --- writes (pool threads) ---------------------------------------------------------------------
    def _write_group(self, group: _Group) -> None:
        try:
            rejected = self._write_with_table(group)
            if rejected:
                with self.lock:
                    self.rejected.extend(rejected)
            if self.merges is not None:
                for number, count in group.batch_numbers.items():
                    self.merges.rows_written(group.table, number, count)
        except BaseException as exc:
            self._fail(exc)
            raise

    def _write_with_table(self, group: _Group) -> list[Rejected]:
        retries, wait = self.values[c.BIGQUERY_RETRY], self.values[c.BIGQUERY_RETRY_WAIT]
        for attempt in (0, 1):
            columns = with_retries(
                partial(self._ensure, group),
                retries,
                wait,
                self.stopping,
                f"reading or creating table {group.table}",
            )
            try:
                if self.storage is not None:
                    if columns is None:
                        columns = with_retries(
                            partial(self.tables.read_schema, group.table),
                            retries,
                            wait,
                            self.stopping,
                            f"reading table {group.table}",
                        )
                        if columns is None:
                            raise BigQueryConnectException(
                                f"Table {group.table} does not exist; create it or set autoCreateTables=true."
                            )
                    return self.storage.write(group.table, self.protos.for_columns(columns), group.batch)
                return self.writer.write(group.path, group.batch)
            except TableMissing as exc:
                self.tables.forget(group.table)
                if attempt or not self.manage_schemas:
                    raise BigQueryConnectException(
                        f"Table {group.table} does not exist in project {self.project}: {exc}"
                    ) from None
                self.log.warning("Table %s disappeared; creating it again", group.table)
        return []  # pragma: no cover - the loop returns or raises

    def _ensure(self, group: _Group) -> list[Any] | None:
        if not self.manage_schemas or not group.schemas:
            return None
        columns = None
        for (value_schema, key_schema), record in group.schemas.items():
            if self.merges is not None:
                destination = self.merges.destination_for(group.table)
                self.tables.ensure(
                    destination,
                    (value_schema, key_schema),
                    partial(self._regular_columns, record),
                    value_schema.doc,
                )
                columns = self.tables.ensure(
                    group.table,
                    (value_schema, key_schema),
                    partial(self._intermediate_columns, record),
                    intermediate=True,
                    create=True,
                )
            else:
                columns = self.tables.ensure(
                    group.table,
                    (value_schema, key_schema),
                    partial(self._regular_columns, record),
                    value_schema.doc,
                )
        return columns

    def _key_columns(self, record: SinkRecord) -> list[Any]:
        if record.key_schema is None:
            raise BigQueryConnectException(
                f"Cannot create or update table columns from a record key without a schema ({c.KAFKA_KEY_FIELD_NAME} "
                "needs keys with schemas)"
            )
        return self.converter.convert(record.key_schema)

    def _regular_columns(self, record: SinkRecord) -> list[Any]:
        assert record.value_schema is not None
        keys = self._key_columns(record) if self.key_field else None
        return regular_columns(
            self.converter.convert(record.value_schema),
            keys,
            self.key_field,
            self.data_field,
            self.sanitize_fields,
        )

    def _intermediate_columns(self, record: SinkRecord) -> list[Any]:
        assert record.value_schema is not None
        return intermediate_columns(
            self.converter.convert(record.value_schema),
            self._key_columns(record),
            self.data_field,
            self.sanitize_fields,
        )

    def _intermediate_schema(self, table: TableId) -> Any:
        found = self.tables.cached_schema(table)
        return found if found is not None else self.tables.read_schema(table)

    # --- flush / commit --------------------------------------------------------------------------
    def _raise_encountered(self) -> None:
        flusher_error = self.flusher.error if self.flusher is not None else None
        error = self.error or flusher_error
        if error is not None:
            if isinstance(error, ConnectException):
                raise error
            raise BigQueryConnectException(f"A BigQuery write failed: {error}") from error
        self._report_rejected()

    def _report_rejected(self) -> None:
        with self.lock:
            rejected, self.rejected = self.rejected, []
        if not rejected:
            return
        reporter = self.context.errant_record_reporter() if getattr(self, "context", None) else None
        if reporter is None:
            error = BigQueryConnectException(rejected[0].reason)
            self._fail(error)  # kept: the next put() fails the task even if this came from pre_commit
            raise error
        for item in rejected:
            self.log.warning("Sending a record BigQuery rejected to the error handler: %s", item.reason)
            try:
                reporter.report(item.record, BigQueryConnectException(item.reason))
            except BaseException as exc:  # tolerance exceeded: kept, so the next put() fails the task
                self._fail(exc)
                raise

    def _wait_for_writes(self) -> None:
        futures, self.futures = self.futures, []
        for future in futures:
            try:
                future.result()
            except BaseException:
                pass  # recorded in self.error by the worker thread
        self._raise_encountered()

    def _check_queue_size(self) -> None:
        if self.queue_size == -1:
            return
        self.futures = [f for f in self.futures if not f.done()]
        size = len(self.futures)
        if size > self.queue_size and not self.paused:
            self.context.pause(*self.context.assignment())
            self.paused = True
        elif size <= self.queue_size // 2 and self.paused:
            self._resume_all()

    def _resume_all(self) -> None:
        if self.paused:
            self.context.resume(*self.context.assignment())
            self.paused = False

    def flush(self, current_offsets: Mapping[TP, int]) -> None:
        self._wait_for_writes()
        self._resume_all()

    def pre_commit(self, current_offsets: Mapping[TP, int]) -> Mapping[TP, int]:
        if self.merges is not None:
            self._raise_encountered()
            merged = self.merges.latest_offsets()
            self._check_queue_size()
            return {tp: o for tp, o in merged.items() if tp in current_offsets}
        self.flush(current_offsets)
        if self.batch_mode:
            assert self.storage is not None
            return self.storage.committed_offsets(current_offsets)
        return dict(current_offsets)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.timers:
            thread.join(5)
        if self.flusher is not None:
            self.flusher.close()
        self.pool.shutdown(wait=not self.upsert_delete, cancel_futures=self.upsert_delete)
        if self.merges is not None:
            for table in self.merges.intermediate_tables():
                try:
                    self.client.delete_table(
                        table.path(self.project), not_found_ok=True, retry=None, timeout=30
                    )
                except Exception as exc:
                    self.log.warning("Could not delete intermediate table %s: %s", table, exc)
        self.client.close()
