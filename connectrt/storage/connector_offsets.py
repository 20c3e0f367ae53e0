"""A source connector's own offsets topic in front of the worker's global one (Java's
ConnectorOffsetBackingStore), for connectors with ``offsets.storage.topic`` in distributed mode.

Reads look in the connector's topic first and fall back to the worker's for partitions it has no
offset for; writes go to the connector's topic, then to the worker's (KIP-618).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

import orjson

from connectrt.storage.offsets import Callback, OffsetBackingStore

log = logging.getLogger(__name__)


class ConnectorOffsetBackingStore(OffsetBackingStore):
    """``primary`` is the connector's store (started and stopped with this one); ``secondary`` the
    worker's global store (owned by the worker)."""

    def __init__(self, primary: OffsetBackingStore, secondary: OffsetBackingStore | None) -> None:
        self.primary = primary
        self.secondary = secondary

    def start(self) -> None:
        self.primary.start()

    def stop(self) -> None:
        self.primary.stop()

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        out = self.primary.get(keys)
        missing = [k for k in keys if out.get(k) is None]
        if missing and self.secondary is not None:
            out.update({k: v for k, v in self.secondary.get(missing).items() if v is not None})
        return out

    def set(self, values: Mapping[bytes, bytes | None], callback: Callback | None = None) -> Future[None]:
        """Write to the connector's topic, then to the worker's; done when both are (a failure of the
        second write is logged, not reported: the connector's topic is the one its tasks read first)."""
        done: Future[None] = Future()
        secondary = self.secondary

        def finish(error: BaseException | None) -> None:
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
            if callback is not None:
                callback(error)

        def secondary_done(error: BaseException | None) -> None:
            if error is not None:
                log.warning("Failed to write offsets to the worker's global offsets topic: %s", error)
            finish(None)

        def after_primary(error: BaseException | None) -> None:
            if error is not None or secondary is None:
                finish(error)
                return
            try:
                secondary.set(values, secondary_done)
            except Exception as e:
                secondary_done(e)

        self.primary.set(values, after_primary)
        return done

    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        seen: dict[bytes, dict[str, Any]] = {}
        for store in (self.primary, self.secondary):
            if store is None:
                continue
            for p in store.connector_partitions(connector):
                seen.setdefault(orjson.dumps(p, option=orjson.OPT_SORT_KEYS), p)
        return list(seen.values())
