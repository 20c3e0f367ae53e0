"""TopicPartitionWriter: the files of one Kafka partition, their rotation and the offset safe to commit.

Per record, in order: take its timestamp (time-based partitioners), encode its partition, then rotate
*before* writing it when a null/non-null schema switch, ``rotate.interval.ms`` (record time),
``rotate.schedule.interval.ms`` (wall clock), a schema change per ``schema.compatibility`` or
``partitioner.max.open.files`` asks for it; write it; rotate *after* it when the Kafka partition's open files
hold ``flush.size`` records. A rotation commits every open file of the partition and makes
``last offset + 1`` committable. Only committed files ever move the consumer offset, so after a crash the
same records are read again and, rotation depending only on them, rewrite the same objects.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from connectrt.api import ConnectException, DataException, ErrantRecordReporter, SinkRecord, SinkTaskContext
from connectrt.api.data import Schema

from connectrt_s3.compat import Compatibility, SchemaProjectorException
from connectrt_s3.config import S3SinkConfig
from connectrt_s3.formats import RecordWriterProvider
from connectrt_s3.formats.base import RecordWriter
from connectrt_s3.partitioner import Partitioner, PartitionException, parse_zone
from connectrt_s3.rotation import next_time_adjusted_by_day
from connectrt_s3.storage import FileExistsException, S3Storage

log = logging.getLogger(__name__)

TP = tuple[str, int]


class TopicPartitionWriter:
    def __init__(
        self,
        tp: TP,
        storage: S3Storage,
        provider: RecordWriterProvider,
        partitioner: Partitioner,
        config: S3SinkConfig,
        context: SinkTaskContext,
        reporter: ErrantRecordReporter | None,
        clock: Callable[[], int],
        log_prefix: str = "",
    ) -> None:
        self.tp = tp
        self.storage = storage
        self.provider = provider
        self.partitioner = partitioner
        self.context = context
        self.reporter = reporter
        self.clock = clock
        self.prefix = log_prefix
        self.extractor = partitioner.timestamp_extractor
        self.flush_size = config.integer("flush.size")
        self.max_open_files = config.integer("partitioner.max.open.files")
        self.topics_dir = config.string("topics.dir")
        self.rotate_interval_ms = config.long("rotate.interval.ms")
        if self.rotate_interval_ms > 0 and self.extractor is None:
            log.warning("%sProperty 'rotate.interval.ms' is set to '%dms' but partitioner is not an instance of "
                        "'io.confluent.connect.storage.partitioner.TimeBasedPartitioner'. This property is ignored.",
                        self.prefix, self.rotate_interval_ms)  # fmt: skip
        self.schedule_ms = config.long("rotate.schedule.interval.ms")
        self.zone = parse_zone(config.string("timezone")) if self.schedule_ms > 0 else None
        self.timeout_ms = config.long("retry.backoff.ms")
        self.compat = Compatibility(config.string("schema.compatibility"))
        self.rotate_on_partition_change = config.flag("rotate.file.on.partition.change")
        self.tombstones = config.tombstone_write_enabled
        self.tombstone_partition = config.string("tombstone.encoded.partition")
        self.tagging = config.flag("s3.object.tagging")
        self.extra_tags: dict[str, str] = {
            p.split(":", 1)[0]: p.split(":", 1)[1]
            for p in config.strings("s3.object.tagging.key.value.pairs")
        }
        self.tag_errors_fail = config.string("s3.object.behavior.on.tagging.error").lower() == "fail"
        self.tag_retries = max(1, config.integer("s3.part.retries"))
        self.scan_limit = config.integer("max.files.scan.limit")
        self.max_write_ms = config.long("max.write.duration.ms")
        self.dir_delim = config.string("directory.delim")
        self.file_delim = config.string("file.delim")
        self.pad = config.integer("filename.offset.zero.pad.width")
        self.extension = provider.extension

        self.buffer: deque[SinkRecord] = deque()
        self.writers: dict[str, RecordWriter] = {}
        self.commit_files: dict[str, str] = {}
        self.current_schemas: dict[str, Schema | None] = {}
        self.start_offsets: dict[str, int] = {}
        self.end_offsets: dict[str, int] = {}
        self.record_counts: dict[str, int] = {}
        self.offset_to_filename: dict[int, str] = {}
        self.record_count = 0
        self.current_offset = -1
        self.current_timestamp: int | None = None
        self.current_encoded_partition: str | None = None
        self.base_record_timestamp: int | None = None
        self.offset_to_commit: int | None = None
        self.failure_time = -1
        self.next_scheduled_rotation = 0
        self.paused = False
        self.deadline = 2**63 - 1
        self.set_next_scheduled_rotation()
        # The common case (DefaultPartitioner, no time-based or scheduled rotation, no open-file limit, no
        # tombstone partition) has one encoded partition per Kafka partition: runs of records with the file's
        # schema are appended in a tight loop (_append_run); anything else takes the general path (_step).
        plain = type(partitioner) is Partitioner and self.extractor is None and self.schedule_ms <= 0
        self.fast_encoded = (
            f"partition={tp[1]}" if plain and self.max_open_files == -1 and not self.tombstones else None
        )

    # --- the task's calls ------------------------------------------------------------------------
    def buffer_record(self, record: SinkRecord) -> None:
        self.buffer.append(record)

    def write(self, now: int) -> None:
        if self.failure_time > 0 and now - self.failure_time < self.timeout_ms:
            return
        self.failure_time = -1
        if self.record_count == 0 and self.scheduled_due(now):
            self.set_next_scheduled_rotation()
        self.deadline = min(now + self.max_write_ms, 2**63 - 1)
        while self.buffer and self.clock() <= self.deadline:
            try:
                if self.fast_encoded is not None and self._append_run():
                    continue
                self._step(now)
            except SchemaProjectorException as e:
                if self.reporter is None:
                    raise
                self.reporter.report(self.buffer.popleft(), e)
                log.warning("%sErrant record written to DLQ due to: %s", self.prefix, e)
        if self.clock() <= self.deadline:
            self._commit_on_time_if_no_data(now)
        if len(self.buffer) >= max(self.flush_size, 1):
            if not self.paused:
                self.context.pause(self.tp)
                self.paused = True
        elif self.paused:
            self.context.resume(self.tp)
            self.paused = False

    def offset_to_commit_and_reset(self) -> int | None:
        offset, self.offset_to_commit = self.offset_to_commit, None
        return offset

    def current_start_offset(self) -> int | None:
        return min(self.start_offsets.values()) if self.start_offsets else None

    def close(self) -> None:
        for writer in self.writers.values():
            try:
                writer.close()
            except Exception as e:
                log.warning("%sError closing writer for %s: %s", self.prefix, self.tp, e)
        self.writers.clear()
        self.start_offsets.clear()

    def _append_run(self) -> bool:
        """Append buffered records while they have the open file's schema; False when the first one does not."""
        encoded = self.fast_encoded
        assert encoded is not None
        writer = self.writers.get(encoded)
        if writer is None or encoded not in self.current_schemas:
            return False
        schema = self.current_schemas[encoded]
        buffer = self.buffer
        room = max(1, self.flush_size - self.record_count)
        run: list[SinkRecord] = []
        for record in buffer:
            if record.value_schema is not schema or record.value is None:
                break
            run.append(record)
            if len(run) >= room:
                break
        # A record the format refuses ends the run: the general path reports it (the file is unchanged).
        appended = writer.write_run(run) if run else 0
        if not appended:
            return False
        popleft = buffer.popleft
        for _ in range(appended):
            popleft()
        self.appended(appended, run[appended - 1].kafka_offset)
        return True

    def appended(self, count: int, last_offset: int) -> None:
        """``count`` records up to ``last_offset`` were appended to the open file of the fast case (here or
        by the compiled path, connectrt_s3.native): count them, and rotate when the file is full."""
        encoded = self.fast_encoded
        assert encoded is not None
        self.current_offset = last_offset
        self.current_encoded_partition = encoded
        self.record_count += count
        self.record_counts[encoded] += count
        self.end_offsets[encoded] = last_offset
        if self.record_count >= self.flush_size:
            self._commit_files()

    # --- one record ------------------------------------------------------------------------------
    def _step(self, now: int) -> None:
        record = self.buffer[0]
        try:
            if self.extractor is not None:
                self.current_timestamp = self.extractor(record, now)
                if self.base_record_timestamp is None:
                    self.base_record_timestamp = self.current_timestamp
            encoded = self.partitioner.encode_partition(record, now)
        except (PartitionException, DataException) as e:
            if self.reporter is None:
                raise
            self.reporter.report(record, e)
            self.buffer.popleft()
            return
        if len(self.offset_to_filename) < self.scan_limit:
            self.offset_to_filename[record.kafka_offset] = self._file_key(encoded, record.kafka_offset)
        value_schema = record.value_schema
        current = self.current_schemas.get(encoded)
        null_switch = encoded in self.current_schemas and ((current is None) != (value_schema is None))
        if current is None or value_schema is None:
            self.current_schemas[encoded] = value_schema
            current = value_schema
        if null_switch:
            log.info(
                "%sROTATION TRIGGERED: Tombstone/non-tombstone schema change for %s", self.prefix, self.tp
            )
            self._commit_files()
            return
        if self._rotate_on_time(encoded, self.current_timestamp, now):
            self.set_next_scheduled_rotation()
            self._commit_files()
            return
        if self.compat.should_change_schema(value_schema, current) and self.record_count > 0:
            self.current_schemas[encoded] = value_schema
            self._commit_files()
            return
        if (
            self.max_open_files != -1
            and encoded not in self.commit_files
            and len(self.commit_files) == self.max_open_files
        ):
            self._commit_files()
            return
        projected = self.compat.project(record, current)
        valid = self._write_record(projected, encoded, record)
        self.buffer.popleft()
        if valid and self.record_count >= self.flush_size:
            self._commit_files()

    def _write_record(self, projected: SinkRecord, encoded: str, original: SinkRecord) -> bool:
        writer = self.writers.get(encoded)
        offset = projected.kafka_offset
        new_start = new_writer = new_file = False
        try:
            if encoded not in self.start_offsets:
                self.start_offsets[encoded] = offset
                new_start = True
            if writer is None:
                new_file = encoded not in self.commit_files
                writer = self.provider.new_writer(self._commit_filename(encoded))
                self.writers[encoded] = writer
                new_writer = True
            writer.write(projected)
        except DataException as e:
            if self.reporter is None:
                raise ConnectException(str(e)) from e
            if new_start:
                self.start_offsets.pop(encoded, None)
            if new_writer:
                self.writers.pop(encoded).close()
            if new_file:
                self.commit_files.pop(encoded, None)
            self.reporter.report(original, e)
            log.warning("%sErrant record written to DLQ due to: %s", self.prefix, e)
            return False
        self.current_encoded_partition = encoded
        self.current_offset = offset
        if new_start:
            self.record_counts[encoded] = 0
        self.record_count += 1
        self.record_counts[encoded] = self.record_counts.get(encoded, 0) + 1
        self.end_offsets[encoded] = offset
        return True

    # --- rotation --------------------------------------------------------------------------------
    def scheduled_due(self, now: int) -> bool:
        return self.schedule_ms > 0 and now >= self.next_scheduled_rotation

    def set_next_scheduled_rotation(self) -> None:
        if self.schedule_ms > 0:
            assert self.zone is not None
            self.next_scheduled_rotation = next_time_adjusted_by_day(
                self.clock(), self.schedule_ms, self.zone
            )

    def _partition_changed(self, encoded: str | None) -> bool:
        current = self.current_encoded_partition
        if (
            self.tombstones
            and current is not None
            and encoded is not None
            and (self.tombstone_partition in encoded or self.tombstone_partition in current)
        ):
            return False
        return self.rotate_on_partition_change and encoded != current

    def _rotate_on_time(self, encoded: str | None, timestamp: int | None, now: int) -> bool:
        if self.record_count <= 0:
            return False
        base = self.base_record_timestamp
        periodic = (
            self.rotate_interval_ms > 0
            and self.extractor is not None
            and (
                (base is not None and timestamp is not None and timestamp - base >= self.rotate_interval_ms)
                or self._partition_changed(encoded)
            )
        )
        return periodic or self.scheduled_due(now)

    def _commit_on_time_if_no_data(self, now: int) -> None:
        if self.buffer:
            return
        if self.record_count > 0 and self._rotate_on_time(
            self.current_encoded_partition, self.current_timestamp, now
        ):
            self.set_next_scheduled_rotation()
            self._commit_files()

    def _commit_files(self) -> None:
        files = len(self.commit_files)
        for encoded, key in list(self.commit_files.items()):
            self._commit_file(encoded)
            if self.tagging:
                self._tag(encoded, key)
            self.start_offsets.pop(encoded, None)
            self.end_offsets.pop(encoded, None)
            self.record_counts.pop(encoded, None)
            del self.commit_files[encoded]
        if self.current_offset >= 0:
            self.offset_to_commit = self.current_offset + 1
        self.commit_files.clear()
        self.current_schemas.clear()
        self.offset_to_filename.clear()
        self.record_count = 0
        self.base_record_timestamp = None
        log.info("%sFILES COMMITTED: Topic-partition %s-%d, files: %d, target commit offset: %s", self.prefix,
                 self.tp[0], self.tp[1], files, self.offset_to_commit)  # fmt: skip

    def _commit_file(self, encoded: str) -> None:
        writer = self.writers.get(encoded)
        if writer is None:
            return
        try:
            writer.commit()
        except FileExistsException:
            self.start_offsets[encoded] = self._next_available_offset(encoded)
            raise
        del self.writers[encoded]

    def _next_available_offset(self, encoded: str) -> int:
        offset = self.start_offsets[encoded] + 1
        limit = offset + self.scan_limit
        while offset < limit:
            key = self.offset_to_filename.get(offset)
            if key is None or not self.storage.exists(key):
                return offset
            offset += 1
        return limit

    def _tag(self, encoded: str, key: str) -> None:
        tags = {
            "startOffset": str(self.start_offsets[encoded]),
            "endOffset": str(self.end_offsets[encoded]),
            "recordCount": str(self.record_counts[encoded]),
            **self.extra_tags,
        }
        error: Exception | None = None
        for _ in range(self.tag_retries):
            try:
                self.storage.add_tags(key, tags)
                return
            except Exception as e:
                error = e
        if self.tag_errors_fail:
            raise ConnectException(f"Unable to tag S3 object {key}") from error
        log.warning("%sUnable to tag S3 object %s. Ignoring: %s", self.prefix, key, error)

    # --- names -----------------------------------------------------------------------------------
    def _file_key(self, encoded: str, start_offset: int) -> str:
        topic, partition = self.tp
        name = (
            f"{topic}{self.file_delim}{partition}{self.file_delim}{start_offset:0{self.pad}d}{self.extension}"
        )
        suffix = self.partitioner.partitioned_path(topic, encoded) + self.dir_delim + name
        return self.topics_dir + self.dir_delim + suffix if self.topics_dir.strip() else suffix

    def _commit_filename(self, encoded: str) -> str:
        key = self.commit_files.get(encoded)
        if key is None:
            key = self._file_key(encoded, self.start_offsets[encoded])
            self.commit_files[encoded] = key
        return key
