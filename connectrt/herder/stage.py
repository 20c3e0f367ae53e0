"""What the herder's thread is doing right now (Java's ``Stage`` and ``TickThreadStage``).

A request that times out, and a ``/health`` check that times out, report the latest stage:
"The worker is currently <description>, which began at <instant>." while it runs, or "The last
operation the worker completed was <description>, which began at <t1> and completed at <t2>."
once it is over. Stages do not nest: recording a new one replaces the current one, and completing
completes whatever is current (as Java's tick-thread stages).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime


def java_instant(epoch_ms: int) -> str:
    """``Instant.ofEpochMilli(ms).toString()``: ISO-8601 in UTC, milliseconds only when not zero."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = epoch_ms % 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


@dataclass
class Stage:
    description: str
    started_ms: int
    completed_ms: int | None = None

    def summarize(self) -> str:
        began = java_instant(self.started_ms)
        if self.completed_ms is not None:
            return (
                f"The last operation the worker completed was {self.description}, which began at {began} "
                f"and completed at {java_instant(self.completed_ms)}."
            )
        return f"The worker is currently {self.description}, which began at {began}."


class StageTracker:
    """The latest stage of one thread (thread-safe: REST handlers read it while the herder runs)."""

    def __init__(self, initial: str | None = None) -> None:
        self._lock = threading.Lock()
        self._latest: Stage | None = None
        if initial is not None:
            self.record(initial)

    def record(self, description: str) -> Stage:
        stage = Stage(description, int(time.time() * 1000))
        with self._lock:
            self._latest = stage
        return stage

    def complete(self) -> None:
        with self._lock:
            stage = self._latest
            if stage is not None and stage.completed_ms is None:
                stage.completed_ms = max(stage.started_ms, int(time.time() * 1000))

    @contextmanager
    def stage(self, description: str) -> Iterator[Stage]:
        stage = self.record(description)
        try:
            yield stage
        finally:
            self.complete()

    @property
    def latest(self) -> Stage | None:
        with self._lock:
            return self._latest

    @property
    def current_description(self) -> str | None:
        """The description of the stage in progress, None when the last one completed."""
        with self._lock:
            stage = self._latest
            return stage.description if stage is not None and stage.completed_ms is None else None

    def summary(self) -> str | None:
        stage = self.latest
        return stage.summarize() if stage is not None else None
