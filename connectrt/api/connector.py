"""Connector and task SPI: what a plugin author implements (Java's connect-api, in Python form)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from enum import Enum
from typing import Any, ClassVar, Protocol

from connectrt.api.plugin import Plugin
from connectrt.api.records import SinkRecord, SourceRecord
from connectrt.config.configdef import ConfigValue

TaskConfig = dict[str, str]


class ConnectException(Exception):
    """A failure inside a connector or task (Java's ConnectException)."""


class RetriableException(ConnectException):
    """A transient failure: the framework retries the operation (Java's RetriableException)."""


# --- contexts ---------------------------------------------------------------------------------


class OffsetStorageReader(ABC):
    """Reads the committed source offsets of this connector."""

    @abstractmethod
    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> dict[Any, dict[str, Any] | None]:
        """Offsets for the given source partitions, keyed by ``freeze(partition)``."""

    def offset(self, partition: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.offsets([partition]).get(freeze(partition))


def freeze(value: Any) -> Any:
    """A hashable form of a JSON-like value (for keying offsets by partition maps)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


class ConnectorContext(ABC):
    @abstractmethod
    def request_task_reconfiguration(self) -> None:
        """Ask the runtime to call ``task_configs`` again (e.g. the set of tables changed)."""

    @abstractmethod
    def raise_error(self, error: BaseException) -> None:
        """Fail the connector from a background thread."""


class SourceConnectorContext(ConnectorContext, ABC):
    @property
    @abstractmethod
    def offset_storage_reader(self) -> OffsetStorageReader: ...


class SinkConnectorContext(ConnectorContext, ABC):
    pass


class ErrantRecordReporter(ABC):
    @abstractmethod
    def report(self, record: SinkRecord, error: BaseException) -> Future[None]:
        """Report a record the task could not process; tolerated per ``errors.tolerance``."""


class TransactionContext(ABC):
    """Connector-defined transaction boundaries (``transaction.boundary=connector``, Java's
    TransactionContext): a task asks for the current transaction to end after a record it returned
    from ``poll()`` (or after the batch it is returning). Aborted records are never seen by
    ``read_committed`` consumers; their source offsets are still committed."""

    @abstractmethod
    def commit_transaction(self, record: SourceRecord | None = None) -> None:
        """Commit after ``record`` is sent (or, with no record, after the next batch)."""

    @abstractmethod
    def abort_transaction(self, record: SourceRecord | None = None) -> None:
        """Abort after ``record`` is sent (or, with no record, after the next batch)."""


class SourceTaskContext(ABC):
    @property
    @abstractmethod
    def configs(self) -> dict[str, str]: ...

    @property
    @abstractmethod
    def offset_storage_reader(self) -> OffsetStorageReader: ...

    def transaction_context(self) -> TransactionContext | None:
        """The transaction context when the connector defines its own transaction boundaries
        (exactly-once support enabled and ``transaction.boundary=connector``), else None."""
        return None


class SinkTaskContext(ABC):
    @property
    @abstractmethod
    def configs(self) -> dict[str, str]: ...

    @abstractmethod
    def offset(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Reset consumer positions: ``{(topic, partition): offset}``."""

    @abstractmethod
    def timeout(self, timeout_ms: int) -> None:
        """After a RetriableException from put(), retry after this many ms."""

    @abstractmethod
    def assignment(self) -> set[tuple[str, int]]: ...

    @abstractmethod
    def pause(self, *partitions: tuple[str, int]) -> None: ...

    @abstractmethod
    def resume(self, *partitions: tuple[str, int]) -> None: ...

    @abstractmethod
    def request_commit(self) -> None: ...

    @abstractmethod
    def errant_record_reporter(self) -> ErrantRecordReporter | None: ...


# --- connectors -------------------------------------------------------------------------------


class ExactlyOnceSupport(str, Enum):
    SUPPORTED = "SUPPORTED"
    UNSUPPORTED = "UNSUPPORTED"


class ConnectorTransactionBoundaries(str, Enum):
    SUPPORTED = "SUPPORTED"
    UNSUPPORTED = "UNSUPPORTED"


class Connector(Plugin, ABC):
    """Splits a job into task configs; runs once per connector in the cluster."""

    context: Any = None

    def initialize(self, context: ConnectorContext, task_configs: Sequence[TaskConfig] | None = None) -> None:
        self.context = context

    @abstractmethod
    def start(self, props: Mapping[str, str]) -> None: ...

    @abstractmethod
    def task_class(self) -> type[Task]: ...

    @abstractmethod
    def task_configs(self, max_tasks: int) -> list[TaskConfig]: ...

    @abstractmethod
    def stop(self) -> None: ...

    def validate(self, connector_configs: Mapping[str, str]) -> list[ConfigValue]:
        """Validate against ``config()``; override to add cross-field checks."""
        return self.config().validate(connector_configs)

    def reconfigure(self, props: Mapping[str, str]) -> None:
        self.stop()
        self.start(props)


class SourceConnector(Connector, ABC):
    context: SourceConnectorContext

    def exactly_once_support(self, props: Mapping[str, str]) -> ExactlyOnceSupport | None:
        return None

    def can_define_transaction_boundaries(self, props: Mapping[str, str]) -> ConnectorTransactionBoundaries:
        return ConnectorTransactionBoundaries.UNSUPPORTED

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[Any, Mapping[str, Any] | None]
    ) -> bool:
        """Called before the framework alters/resets offsets (keyed by ``freeze(partition)``, None =
        reset); return True if the connector handled them in its external system too."""
        return False


class SinkConnector(Connector, ABC):
    TOPICS_CONFIG = "topics"
    context: SinkConnectorContext

    def alter_offsets(
        self, connector_config: Mapping[str, str], offsets: Mapping[tuple[str, int], int | None]
    ) -> bool:
        return False


# --- tasks ------------------------------------------------------------------------------------


class Task(ABC):
    #: Java class names of this task class, first the one a worker writes as ``task.class`` in task
    #: configs (for a connector named after a Java one, so that a Java worker can run the task when
    #: it takes the cluster back), e.g. ``("org.apache.kafka.connect.file.FileStreamSourceTask",)``.
    ALIASES: ClassVar[tuple[str, ...]] = ()

    def version(self) -> str:
        return "undefined"

    @abstractmethod
    def start(self, props: Mapping[str, str]) -> None: ...

    @abstractmethod
    def stop(self) -> None: ...

    def metrics(self) -> dict[str, Any]:
        """The task's own progress figures as a JSON-able dict (a connectrt extension, shown by
        ``GET /connectors/{c}/tasks/{t}/metrics``); empty by default. Called from another thread
        while the task runs: read a few fields, never block."""
        return {}


class SourceTask(Task, ABC):
    context: SourceTaskContext

    def initialize(self, context: SourceTaskContext) -> None:
        self.context = context

    @abstractmethod
    def poll(self) -> list[SourceRecord] | None:
        """Return a batch of records, or None/[] when there is nothing now (may block briefly)."""

    def commit(self) -> None:
        """Offsets of everything polled so far that was acknowledged have been committed."""

    def commit_record(self, record: SourceRecord, metadata: Any) -> None:
        """``record`` was acknowledged by Kafka (metadata) or filtered out (None)."""


class SinkTask(Task, ABC):
    TOPICS_CONFIG = "topics"
    context: SinkTaskContext

    def initialize(self, context: SinkTaskContext) -> None:
        self.context = context

    @abstractmethod
    def put(self, records: Sequence[SinkRecord]) -> None: ...

    def flush(self, current_offsets: Mapping[tuple[str, int], int]) -> None:
        """Make everything put so far durable."""

    def pre_commit(self, current_offsets: Mapping[tuple[str, int], int]) -> Mapping[tuple[str, int], int]:
        """Return the offsets safe to commit (next offset to read per partition)."""
        self.flush(current_offsets)
        return current_offsets

    def open(self, partitions: Sequence[tuple[str, int]]) -> None:
        """Partitions newly assigned to this task."""

    def close(self, partitions: Sequence[tuple[str, int]]) -> None:
        """Partitions being revoked from this task."""

    def serialized_put(
        self, key_converter: Any, value_converter: Any, header_converter: Any
    ) -> SerializedPut | None:
        """A put that takes consumed messages before conversion, or None (the default: always convert).

        Asked once after ``start`` when the connector has no transformations; see :class:`SerializedPut`
        for the contract. Return None for converters or configurations the task does not recognise.
        """
        return None


class SerializedPut(Protocol):
    """``put`` for consumed messages, skipping the converters when the task can (a compiled fast path).

    Called by the runtime with the consumed messages (confluent-kafka ``Message`` objects: ``topic()``,
    ``partition()``, ``offset()``, ``key()``, ``value()``, ``headers()``, ``timestamp()``, ``error()``) and the
    index of the first one not handled yet. It takes a leading run ``messages[start:start + n]`` in order and
    returns ``n`` (0: it takes none). Each taken message must have exactly the effect ``put()`` would have
    had with the SinkRecord the task's converters make of it; it must take no message whose conversion
    could fail, none carrying ``error()``, and none whose headers it would not handle exactly. The runtime
    does its bookkeeping for taken messages (consumer positions, topics in use, the records-put count) and
    sends the messages it did not take through the converters and ``put()`` as usual (error tolerance,
    dead letter queue and retries unchanged), possibly offering the rest to this function again.
    """

    def __call__(self, messages: Sequence[Any], start: int) -> int: ...
