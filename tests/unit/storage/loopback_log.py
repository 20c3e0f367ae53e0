"""An in-memory stand-in for KafkaBasedLog (our RecordLog interface), for store unit tests.

``send`` appends to the "topic" and acknowledges at once (or fails with an injected error);
records reach the store's callback only on ``read_to_end``/``deliver``, as with the real log,
where a write is visible only once read back.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future

from connectrt.storage.kafka_log import KafkaWriteException, LogRecord, RecordMetadata, SendCallback


class LoopbackLog:
    def __init__(
        self, consumed: Callable[[LogRecord], None], topic: str = "loopback", partitions: int = 1
    ) -> None:
        self.consumed = consumed
        self._topic = topic
        self._partitions = partitions
        self.records: list[tuple[bytes | None, bytes | None]] = []  # everything sent, in order
        self.delivered = 0
        self.started = False
        self.read_to_end_calls = 0
        self.failures: list[KafkaWriteException] = []  # consumed one per send, first
        self.events: list[str] = []  # "send:<key>" and "read_to_end", in order

    @property
    def topic(self) -> str:
        return self._topic

    @property
    def partition_count(self) -> int:
        return self._partitions

    def start(self) -> None:
        self.started = True
        self.deliver()

    def stop(self) -> None:
        self.started = False

    def send(
        self, key: bytes | str | None, value: bytes | None, callback: SendCallback | None = None
    ) -> Future[RecordMetadata]:
        raw = key.encode() if isinstance(key, str) else key
        self.events.append(f"send:{raw.decode() if raw is not None else None}")
        future: Future[RecordMetadata] = Future()
        if self.failures:
            error = self.failures.pop(0)
            future.set_exception(error)
            if callback is not None:
                callback(error, None)
            return future
        self.records.append((raw, value))
        meta = RecordMetadata(self._topic, 0, len(self.records) - 1)
        future.set_result(meta)
        if callback is not None:
            callback(None, meta)
        return future

    def append(self, key: str | bytes, value: bytes | None) -> None:
        """A record written by someone else (another worker, or Java)."""
        self.records.append((key.encode() if isinstance(key, str) else key, value))

    def flush(self, timeout: float | None = None) -> None:
        pass

    def deliver(self) -> None:
        while self.delivered < len(self.records):
            key, value = self.records[self.delivered]
            self.consumed(LogRecord(key, value, 0, self.delivered))
            self.delivered += 1

    def read_to_end(self, timeout: float | None = None) -> None:
        self.read_to_end_calls += 1
        self.events.append("read_to_end")
        self.deliver()
