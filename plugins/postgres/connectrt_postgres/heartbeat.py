"""Heartbeats: a record on ``__debezium-heartbeat.<prefix>`` every ``heartbeat.interval.ms`` carrying
the current offset (so the slot can advance while captured tables are idle), and the optional
``heartbeat.action.query`` run on each heartbeat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from connectrt.api.records import SourceRecord

from connectrt_postgres.events import EventFactory
from connectrt_postgres.offsets import OffsetState

log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(
        self,
        events: EventFactory,
        interval_ms: int,
        action_query: str | None = None,
        connection: Callable[[], Any] | None = None,
    ) -> None:
        self.events = events
        self.interval_s = interval_ms / 1000
        self.action_query = action_query.strip() if action_query and action_query.strip() else None
        self.connection = connection
        self.next_at = time.monotonic() + self.interval_s

    @property
    def enabled(self) -> bool:
        return self.interval_s > 0

    def __call__(self, offset: OffsetState, out: list[SourceRecord]) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self.next_at:
            return
        self.next_at = now + self.interval_s
        if self.action_query is not None and self.connection is not None:
            try:
                self.connection().execute(self.action_query)
            except Exception as e:
                log.warning("heartbeat.action.query failed: %s", e)
        if offset.lsn is None and offset.lsn_commit is None:
            return
        out.append(self.events.heartbeat(offset.to_dict()))
