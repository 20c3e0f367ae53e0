"""Tiny in-memory fakes of the connector contexts, for driving connectors and tasks directly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectrt.api.connector import (
    ErrantRecordReporter,
    OffsetStorageReader,
    SinkTaskContext,
    SourceConnectorContext,
    SourceTaskContext,
    freeze,
)


class MemoryOffsetReader(OffsetStorageReader):
    def __init__(self, offsets: Mapping[Any, Mapping[str, Any]] | None = None) -> None:
        self.data: dict[Any, dict[str, Any]] = {k: dict(v) for k, v in (offsets or {}).items()}
        self.lookups: list[dict[str, Any]] = []

    def put(self, partition: Mapping[str, Any], offset: Mapping[str, Any]) -> None:
        self.data[freeze(partition)] = dict(offset)

    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> dict[Any, dict[str, Any] | None]:
        self.lookups.extend(dict(p) for p in partitions)
        return {freeze(p): self.data.get(freeze(p)) for p in partitions}


class FakeSourceTaskContext(SourceTaskContext):
    def __init__(
        self, reader: MemoryOffsetReader | None = None, configs: dict[str, str] | None = None
    ) -> None:
        self.reader = reader or MemoryOffsetReader()
        self._configs = configs or {}
        self.transaction_context: Any = None

    @property
    def configs(self) -> dict[str, str]:
        return self._configs

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self.reader


class FakeSourceConnectorContext(SourceConnectorContext):
    def __init__(self, reader: MemoryOffsetReader | None = None) -> None:
        self.reader = reader or MemoryOffsetReader()
        self.reconfigurations = 0
        self.errors: list[BaseException] = []

    @property
    def offset_storage_reader(self) -> OffsetStorageReader:
        return self.reader

    def request_task_reconfiguration(self) -> None:
        self.reconfigurations += 1

    def raise_error(self, error: BaseException) -> None:
        self.errors.append(error)


class FakeSinkTaskContext(SinkTaskContext):
    def __init__(self, assignment: set[tuple[str, int]] | None = None) -> None:
        self._assignment = assignment or set()
        self.commit_requests = 0

    @property
    def configs(self) -> dict[str, str]:
        return {}

    def offset(self, offsets: Mapping[tuple[str, int], int]) -> None:
        pass

    def timeout(self, timeout_ms: int) -> None:
        pass

    def assignment(self) -> set[tuple[str, int]]:
        return self._assignment

    def pause(self, *partitions: tuple[str, int]) -> None:
        pass

    def resume(self, *partitions: tuple[str, int]) -> None:
        pass

    def request_commit(self) -> None:
        self.commit_requests += 1

    def errant_record_reporter(self) -> ErrantRecordReporter | None:
        return None


class RecordingTransactionContext:
    """Collects the boundaries a source task defines (commit/abort) for exactly-once tests."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def commit_transaction(self, record: Any = None) -> None:
        self.events.append(("commit", record))

    def abort_transaction(self, record: Any = None) -> None:
        self.events.append(("abort", record))
