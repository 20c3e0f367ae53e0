"""S3SinkTask: buffers records per Kafka partition, writes and rotates files, reports committable offsets."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectrt.api import ConnectException, DataException, RetriableException, SinkRecord, SinkTask

from connectrt_s3.config import CONFLUENT_VERSION, S3SinkConfig
from connectrt_s3.formats import RecordWriterProvider
from connectrt_s3.partitioner import Partitioner, build_partitioner, wallclock_ms
from connectrt_s3.storage import S3Storage
from connectrt_s3.writer import TP, TopicPartitionWriter

log = logging.getLogger(__name__)


class S3SinkTask(SinkTask):
    #: Java's name of this task class: the ``task.class`` of its task configs (a Java worker can run them).
    ALIASES = ("io.confluent.connect.s3.S3SinkTask",)

    def __init__(self, clock: Callable[[], int] = wallclock_ms, client: Any = None) -> None:
        self.clock = clock
        self.client = client
        self.writers: dict[TP, TopicPartitionWriter] = {}
        self.storage: S3Storage | None = None
        self.prefix = ""
        # Partitions rewound after a failed upload → the last offset put before: records of the same poll
        # after it are dropped (the consumer reads them again from the rewound offset).
        self.rewinding: dict[TP, int] = {}

    def version(self) -> str:
        return CONFLUENT_VERSION

    def start(self, props: Mapping[str, str]) -> None:
        self.config = S3SinkConfig(props)
        self.prefix = f"[{props.get('name', self.config.name)}|task-{props.get('task.id', '0')}] "
        self.storage = S3Storage(self.config, self.client)
        if not self.storage.bucket_exists():
            raise ConnectException(f"Non-existent S3 bucket: {self.config.string('s3.bucket.name')}")
        self.provider = RecordWriterProvider(self.config, self.storage)
        self.partitioner: Partitioner = build_partitioner(self.config.get)
        self.reporter = self.context.errant_record_reporter() if getattr(self, "context", None) else None
        self.timeout_ms = self.config.long("retry.backoff.ms")
        self.null_behavior = self.config.string("behavior.on.null.values").lower()
        self.report_nulls = self.config.flag("report.null.values.to.dlq")
        self.open(sorted(self.context.assignment()) if getattr(self, "context", None) else [])
        log.info(
            "%sStarted S3 connector task with assigned partitions: %s", self.prefix, sorted(self.writers)
        )

    def _new_writer(self, tp: TP) -> TopicPartitionWriter:
        assert self.storage is not None
        return TopicPartitionWriter(tp, self.storage, self.provider, self.partitioner, self.config, self.context,
                                    self.reporter, self.clock, self.prefix)  # fmt: skip

    def open(self, partitions: Sequence[tuple[str, int]]) -> None:
        for tp in partitions:
            if tp not in self.writers:
                self.writers[tp] = self._new_writer(tp)

    def put(self, records: Sequence[SinkRecord]) -> None:
        writers = self.writers
        topic: str | None = None
        partition = -1
        buffer_record: Any = None
        rewinding = self.rewinding
        for record in records:
            if record.value is None and self._skip_null(record):
                continue
            if (
                record.topic != topic or (record.kafka_partition or 0) != partition
            ):  # a batch has few partitions
                topic, partition = record.topic, record.kafka_partition or 0
                writer = writers.get((topic, partition))
                if writer is None:
                    raise ConnectException(
                        f"No writer found for topic partition {topic}-{partition}. The record's topic-partition "
                        f"does not match any assigned partitions. Assigned partitions: {sorted(writers)}"
                    )
                buffer_record = writer.buffer.append
            if rewinding and self._dropped(record):
                continue
            buffer_record(record)
        self.write_all()

    def _dropped(self, record: SinkRecord) -> bool:
        """A record of a partition rewound after a failed upload, put after the failure in the same poll
        (offsets still rising past the last one put before it): the rewound consumer reads it again."""
        tp = (record.topic, record.kafka_partition or 0)
        last = self.rewinding.get(tp)
        if last is None:
            return False
        if record.kafka_offset > last:
            self.rewinding[tp] = record.kafka_offset
            return True
        del self.rewinding[tp]  # read again from the rewound offset
        return False

    def write_all(self) -> None:
        """Write what each partition has buffered (and rotate on time), as every put() ends."""
        now = self.clock()
        writers = self.writers
        for tp in sorted(writers):
            writer = writers[tp]
            try:
                writer.write(now)
            except RetriableException as e:
                self.recover(tp, writer, e)

    def recover(self, tp: TP, writer: TopicPartitionWriter, e: RetriableException) -> None:
        """A partition's upload failed: rewind the consumer to its open files' first offset, back off, and
        start that partition again with a new writer."""
        log.error("%sException on topic partition %s-%d: %s", self.prefix, tp[0], tp[1], e)
        start = writer.current_start_offset()
        if start is not None:
            self.context.offset({tp: start})
            last = writer.buffer[-1].kafka_offset if writer.buffer else writer.current_offset
            self.rewinding[tp] = max(last, writer.current_offset)
        self.context.timeout(self.timeout_ms)
        writer.close()
        replacement = self._new_writer(tp)
        replacement.failure_time = self.clock()
        self.writers[tp] = replacement

    def serialized_put(self, key_converter: Any, value_converter: Any, header_converter: Any) -> Any:
        """The compiled path's put of consumed JSON envelopes (connectrt_s3.native), where it applies."""
        from connectrt_s3.native import serialized_put

        return serialized_put(self, key_converter, value_converter)

    def _skip_null(self, record: SinkRecord) -> bool:
        if self.null_behavior == "ignore":
            if self.reporter is not None and self.report_nulls:
                self.reporter.report(record, DataException("Skipping null value record."))
            return True
        if self.null_behavior == "write":
            return False
        raise ConnectException(
            "Null valued records are not writeable with current behavior.on.null.values 'settings."
        )

    def flush(self, current_offsets: Mapping[tuple[str, int], int]) -> None:
        """Nothing: only completed objects make offsets committable (see pre_commit)."""

    def pre_commit(self, current_offsets: Mapping[tuple[str, int], int]) -> Mapping[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for tp, writer in self.writers.items():
            offset = writer.offset_to_commit_and_reset()
            if offset is not None:
                out[tp] = offset
        return out

    def close(self, partitions: Sequence[tuple[str, int]]) -> None:
        for tp in partitions:
            self.rewinding.pop(tp, None)
            writer = self.writers.pop(tp, None)
            if writer is not None:
                writer.close()

    def stop(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def metrics(self) -> dict[str, Any]:
        return {
            "open_files": sum(len(w.writers) for w in list(self.writers.values())),
            "buffered_records": sum(len(w.buffer) for w in list(self.writers.values())),
        }
