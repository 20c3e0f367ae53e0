"""The bounded queue between the database reader thread and ``poll()`` (Debezium's ChangeEventQueue)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from connectrt.api.records import SourceRecord


class ChangeEventQueue:
    def __init__(self, max_records: int) -> None:
        self.max_records = max_records
        self._batches: deque[list[SourceRecord]] = deque()
        self._size = 0
        self._cond = threading.Condition()
        self._closed = False

    def put(
        self, records: list[SourceRecord], stopped: threading.Event, on_wait: Callable[[], None] | None = None
    ) -> bool:
        """Add records, waiting while the queue is full (calling ``on_wait`` now and then, e.g. to keep
        a replication connection alive); False when ``stopped`` was set meanwhile."""
        if not records:
            return True
        with self._cond:
            while self._size >= self.max_records and not stopped.is_set() and not self._closed:
                self._cond.wait(0.2)
                if on_wait is not None and self._size >= self.max_records:
                    self._cond.release()
                    try:
                        on_wait()
                    finally:
                        self._cond.acquire()
            if stopped.is_set() or self._closed:
                return False
            self._batches.append(records)
            self._size += len(records)
            self._cond.notify_all()
            return True

    def poll(self, max_records: int, timeout_s: float) -> list[SourceRecord]:
        """Up to ``max_records`` records, waiting up to ``timeout_s`` for the first."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while not self._batches and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(remaining)
            out: list[SourceRecord] = []
            while self._batches and len(out) < max_records:
                batch = self._batches[0]
                room = max_records - len(out)
                if len(batch) <= room:
                    out.extend(self._batches.popleft())
                else:
                    out.extend(batch[:room])
                    self._batches[0] = batch[room:]
            self._size -= len(out)
            self._cond.notify_all()
            return out

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        return self._size
