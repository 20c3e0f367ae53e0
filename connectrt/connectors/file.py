"""FileStreamSource and FileStreamSink: Kafka's file connectors (``connect/file``), in Python.

Behaviour matches Java's: the source tails one file (or stdin) line by line, splitting on ``\\n``,
``\\r`` and ``\\r\\n``; a partial last line is held back until its terminator arrives; every record
carries the source partition ``{"filename": <file>}`` and offset ``{"position": <byte offset just
after the line>}``, and a restarted task resumes from the committed position. The sink appends
each record's value and a newline to a file (or stdout) and flushes on ``flush()``.

One deliberate difference: Java counts ``position`` in UTF-16 chars but skips that many bytes on
resume, which goes wrong for non-ASCII files. Here ``position`` is always a byte offset; for ASCII
files the two are the same number.
"""

from __future__ import annotations

import logging
import os
import re
import select
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate, islice, repeat
from typing import IO, Any, ClassVar

from connectrt.api.connector import (
    ConnectException,
    ExactlyOnceSupport,
    SinkConnector,
    SinkTask,
    SourceConnector,
    SourceTask,
    Task,
    TaskConfig,
)
from connectrt.api.data import Schema
from connectrt.api.records import SinkRecord, SourceRecord
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    AbstractConfig,
    ConfigDef,
    Importance,
    NonEmptyString,
    Type,
)
from connectrt.connectors.util import VERSION, is_long, java_string, partition_from_key

log = logging.getLogger(__name__)

TOPIC_CONFIG = "topic"
FILE_CONFIG = "file"
TASK_BATCH_SIZE_CONFIG = "batch.size"
DEFAULT_TASK_BATCH_SIZE = 2000

FILENAME_FIELD = "filename"
POSITION_FIELD = "position"

SOURCE_CONFIG_DEF = (
    ConfigDef()
    .define(
        FILE_CONFIG,
        Type.STRING,
        None,
        importance=Importance.HIGH,
        documentation="Source filename. If not specified, the standard input will be used",
    )
    .define(
        TOPIC_CONFIG,
        Type.STRING,
        NO_DEFAULT_VALUE,
        NonEmptyString(),
        Importance.HIGH,
        "The topic to publish data to",
    )
    .define(
        TASK_BATCH_SIZE_CONFIG,
        Type.INT,
        DEFAULT_TASK_BATCH_SIZE,
        importance=Importance.LOW,
        documentation="The maximum number of records the source task can read from the file each time it is polled",
    )
)

SINK_CONFIG_DEF = ConfigDef().define(
    FILE_CONFIG,
    Type.STRING,
    None,
    importance=Importance.HIGH,
    documentation="Destination filename. If not specified, the standard output will be used",
)


def _filename(config: AbstractConfig) -> str | None:
    name = config.get(FILE_CONFIG)
    return name if name else None


# --- source -----------------------------------------------------------------------------------


class FileStreamSourceConnector(SourceConnector):
    """Very simple source connector that reads lines from a file or stdin; always one task."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSourceConnector",)
    VERSION = VERSION

    TOPIC_CONFIG = TOPIC_CONFIG
    FILE_CONFIG = FILE_CONFIG
    TASK_BATCH_SIZE_CONFIG = TASK_BATCH_SIZE_CONFIG
    DEFAULT_TASK_BATCH_SIZE = DEFAULT_TASK_BATCH_SIZE
    CONFIG_DEF = SOURCE_CONFIG_DEF

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)
        filename = _filename(AbstractConfig(SOURCE_CONFIG_DEF, props))
        log.info("Starting file source connector reading from %s", filename or "standard input")

    def task_class(self) -> type[Task]:
        return FileStreamSourceTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        # Only one input stream makes sense.
        return [dict(self._props)]

    def stop(self) -> None:
        """Nothing to do: the connector has no background monitoring."""

    def config(self) -> ConfigDef:
        return SOURCE_CONFIG_DEF

    def exactly_once_support(self, props: Mapping[str, str]) -> ExactlyOnceSupport | None:
        # A real file that is only appended to can be replayed from an offset; stdin cannot.
        filename = _filename(AbstractConfig(SOURCE_CONFIG_DEF, props))
        return ExactlyOnceSupport.SUPPORTED if filename else ExactlyOnceSupport.UNSUPPORTED

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[Any, Mapping[str, Any] | None]
    ) -> bool:
        if not _filename(AbstractConfig(SOURCE_CONFIG_DEF, connector_config)):
            raise ConnectException(
                f"Offsets cannot be modified if the '{FILE_CONFIG}' configuration is unspecified. "
                "This is because stdin is used for input and offsets are not tracked."
            )
        # Offsets of earlier configurations (other files) may be present too; check every one.
        for key, offset in offsets.items():
            if offset is None:
                continue  # tombstones are allowed for anything, so garbage can be cleaned up
            if POSITION_FIELD not in offset:
                raise ConnectException(
                    f"Offset objects should either be null or contain the key '{POSITION_FIELD}'"
                )
            position = offset[POSITION_FIELD]
            if not is_long(position):
                raise ConnectException(
                    f"The value for the '{POSITION_FIELD}' key in the offset is expected to be a Long value"
                )
            if position < 0:
                raise ConnectException(
                    f"The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                )
            partition = partition_from_key(key)
            if partition is None:
                raise ConnectException("Partition objects cannot be null")
            if FILENAME_FIELD not in partition:
                raise ConnectException(f"Partition objects should contain the key '{FILENAME_FIELD}'")
        # The task checks on startup whether the position fits the configured file.
        return True


_LINE = re.compile(rb"([^\r\n]*)(?:\r\n|\r|\n)")
_PLUS_ONE = (1).__add__


class FileStreamSourceTask(SourceTask):
    """Reads lines from a file or stdin; see the module docstring for the offset rules."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSourceTask",)

    VALUE_SCHEMA = Schema.STRING_SCHEMA
    #: bytes read per read() call
    CHUNK_SIZE: ClassVar[int] = 1 << 18
    #: how long poll() waits when there is no new data, or the file does not exist yet (Java: 1 s);
    #: stop() ends the wait at once
    IDLE_WAIT_S: ClassVar[float] = 1.0

    def __init__(self) -> None:
        self._filename: str | None = None
        self._topic = ""
        self._batch_size = DEFAULT_TASK_BATCH_SIZE
        self._stream: IO[bytes] | None = None  # an open file; None for stdin or before opening
        self._stdin_fd: int | None = None
        self._opened = False
        self._position: int | None = None  # byte offset of the first unread byte; None for stdin
        self._tail = bytearray()  # bytes after the last complete line
        self._pending: list[SourceRecord] = []
        self._pending_start = 0
        self._partition: dict[str, Any] = {}
        self._stopping = threading.Event()
        self._io_lock = threading.Lock()

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        config = AbstractConfig(SOURCE_CONFIG_DEF, props)
        self._filename = _filename(config)
        self._topic = config.get(TOPIC_CONFIG)
        self._batch_size = config.get_int(TASK_BATCH_SIZE_CONFIG)
        self._partition = {FILENAME_FIELD: self._filename}
        self._stopping.clear()
        if self._filename is None:
            # offsets of stdin make no sense: they stay null
            self._position = None
            try:
                self._stdin_fd = sys.stdin.fileno() if sys.stdin is not None else None
            except (OSError, ValueError):
                self._stdin_fd = None
            self._opened = True

    # -- poll ---------------------------------------------------------------------------------
    def poll(self) -> list[SourceRecord] | None:
        if self._stopping.is_set():
            return None
        if not self._opened and not self._open():
            return None
        records = self._take(self._batch_size)
        read_any = False
        while len(records) < self._batch_size:
            data = self._read()
            if not data:
                break
            read_any = True
            self._split(data)
            records.extend(self._take(self._batch_size - len(records)))
        if not records and not read_any:
            self._stopping.wait(self.IDLE_WAIT_S)
        if self._stopping.is_set():
            self._close()
        return records or None

    def _open(self) -> bool:
        assert self._filename is not None
        try:
            stream = open(self._filename, "rb", buffering=0)
        except FileNotFoundError:
            log.warning(
                "Couldn't find file %s for FileStreamSourceTask, sleeping to wait for it to be created",
                self._filename,
            )
            self._stopping.wait(self.IDLE_WAIT_S)
            return False
        except OSError as e:
            raise ConnectException(f"Error while trying to open file {self._filename}: {e}") from e
        try:
            position = 0
            offset = self.context.offset_storage_reader.offset(self._partition)
            if offset is not None:
                recorded = offset.get(POSITION_FIELD)
                if recorded is not None and not is_long(recorded):
                    raise ConnectException("Offset position is the incorrect type")
                if recorded is not None and recorded < 0:
                    raise ConnectException(
                        f"Offset position {recorded} for {self._filename} is negative; "
                        "reset or alter this connector's offsets"
                    )
                if recorded is not None:
                    log.debug("Found previous offset, trying to skip to file offset %s", recorded)
                    stream.seek(recorded)
                    position = recorded
        except BaseException:
            stream.close()
            raise
        with self._io_lock:
            self._stream = stream
            self._position = position
            self._opened = True
        log.debug("Opened %s for reading", self._filename)
        return True

    def _read(self) -> bytes:
        """The next chunk of input, or b"" when nothing is available right now."""
        with self._io_lock:
            if self._stopping.is_set():
                return b""
            try:
                if self._stream is not None:
                    return self._stream.read(self.CHUNK_SIZE) or b""
                if self._stdin_fd is not None:
                    # only read what is there, so poll() never blocks on an idle stdin
                    ready, _, _ = select.select([self._stdin_fd], [], [], 0)
                    if ready:
                        data = os.read(self._stdin_fd, self.CHUNK_SIZE)
                        if not data:
                            self._stdin_fd = None  # end of input
                        return data
            except (OSError, ValueError):
                # The stream was closed, most likely by stop(); the runtime handles shutdown.
                return b""
        return b""

    def _split(self, data: bytes) -> None:
        """Turn complete lines into pending records; keep a partial last line in ``_tail``."""
        if self._tail:
            if b"\n" not in data and b"\r" not in data and not self._tail.endswith(b"\r"):
                self._tail += data  # still no end of line: keep collecting, no copying
                return
            data = bytes(self._tail) + data
            self._tail = bytearray()
        # A trailing \r may be the first half of \r\n: wait for the next byte before deciding.
        cut = len(data) - 1 if data.endswith(b"\r") else len(data)
        last = max(data.rfind(b"\n", 0, cut), data.rfind(b"\r", 0, cut))
        if last < 0:
            self._tail += data
            return
        complete = data[: last + 1]
        if last + 1 < len(data):
            self._tail += data[last + 1 :]

        pos = self._position
        ends: Iterable[int | None]
        if b"\r" not in complete:
            if complete.isascii():  # one decode for the whole chunk; there chars == bytes
                values = complete.decode("ascii").split("\n")
                values.pop()  # complete ends with a terminator
                lengths = map(len, values)
            else:
                raws = complete.split(b"\n")
                raws.pop()
                lengths = map(len, raws)
                values = [raw.decode("utf-8", "replace") for raw in raws]
            # the byte offset just after each line's terminator
            ends = (
                islice(accumulate(map(_PLUS_ONE, lengths), initial=pos), 1, None)
                if pos is not None
                else repeat(None)
            )
        else:
            matches = list(_LINE.finditer(complete))
            values = [m.group(1).decode("utf-8", "replace") for m in matches]
            ends = [pos + m.end() for m in matches] if pos is not None else repeat(None)
        if pos is not None:
            self._position = pos + len(complete)

        topic = self._topic
        partition = self._partition  # shared: nothing may mutate a record's source partition
        schema = self.VALUE_SCHEMA
        now_ms = int(time.time() * 1000)
        self._pending.extend(
            [
                SourceRecord(partition, {POSITION_FIELD: end}, topic, None, None, None, schema, value, now_ms)
                for value, end in zip(values, ends, strict=False)
            ]
        )

    def _take(self, n: int) -> list[SourceRecord]:
        start = self._pending_start
        available = len(self._pending) - start
        if available <= 0:
            return []
        if n >= available:
            batch = self._pending[start:] if start else self._pending
            self._pending = []
            self._pending_start = 0
            return batch
        end = start + n
        self._pending_start = end
        return self._pending[start:end]

    # -- stop ---------------------------------------------------------------------------------
    def stop(self) -> None:
        log.debug("Stopping")
        self._stopping.set()
        # Close now unless poll() is reading; then poll() closes the stream when it returns.
        if self._io_lock.acquire(blocking=False):
            try:
                self._close_locked()
            finally:
                self._io_lock.release()

    def _close(self) -> None:
        with self._io_lock:
            self._close_locked()

    def _close_locked(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except OSError as e:
                log.error("Failed to close FileStreamSourceTask stream: %s", e)


# --- sink -------------------------------------------------------------------------------------


class FileStreamSinkConnector(SinkConnector):
    """Very simple sink connector that writes record values to a file or stdout."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSinkConnector",)
    VERSION = VERSION

    FILE_CONFIG = FILE_CONFIG
    CONFIG_DEF = SINK_CONFIG_DEF

    def __init__(self) -> None:
        self._props: dict[str, str] = {}

    def start(self, props: Mapping[str, str]) -> None:
        self._props = dict(props)
        filename = _filename(AbstractConfig(SINK_CONFIG_DEF, props))
        log.info("Starting file sink connector writing to %s", filename or "standard output")

    def task_class(self) -> type[Task]:
        return FileStreamSinkTask

    def task_configs(self, max_tasks: int) -> list[TaskConfig]:
        return [dict(self._props) for _ in range(max_tasks)]

    def stop(self) -> None:
        """Nothing to do: the connector has no background monitoring."""

    def config(self) -> ConfigDef:
        return SINK_CONFIG_DEF

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[tuple[str, int], int | None]
    ) -> bool:
        # Offsets are not managed externally and need no custom validation.
        return True


class FileStreamSinkTask(SinkTask):
    """Writes ``String.valueOf(value)`` and a newline per record; flushes on ``flush()``."""

    ALIASES = ("org.apache.kafka.connect.file.FileStreamSinkTask",)

    def __init__(self, output: IO[str] | None = None) -> None:
        """``output``: write here instead of the configured file (for tests)."""
        self._filename: str | None = None
        self._out: IO[str] | None = output
        self._owns_output = False
        self._given_output = output is not None

    def version(self) -> str:
        return VERSION

    def start(self, props: Mapping[str, str]) -> None:
        if self._given_output:
            return
        self._filename = _filename(AbstractConfig(SINK_CONFIG_DEF, props))
        if self._filename is None:
            self._out = sys.stdout
            self._owns_output = False
            return
        try:
            self._out = open(self._filename, "a", encoding="utf-8", newline="\n")
        except OSError as e:
            raise ConnectException(
                f"Couldn't find or create file '{self._filename}' for FileStreamSinkTask"
            ) from e
        self._owns_output = True

    def put(self, records: Sequence[SinkRecord]) -> None:
        out = self._out
        if out is None or not records:
            return
        js = java_string
        out.write("".join([(v if type(v) is str else js(v)) + "\n" for v in (r.value for r in records)]))

    def flush(self, current_offsets: Mapping[tuple[str, int], int]) -> None:
        if self._out is not None:
            log.debug("Flushing output stream for %s", self._filename or "stdout")
            self._out.flush()

    def stop(self) -> None:
        out, self._out = self._out, None
        if out is not None and self._owns_output:
            out.close()
        elif out is not None:
            out.flush()
