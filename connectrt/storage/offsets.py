"""Source offsets: backing stores (Memory, File), OffsetStorageWriter and OffsetStorageReader.

Keys and values are stored as Java's JsonConverter (schemas disabled) writes them: the key is the
compact JSON array ``["<connector>",{<partition>}]`` and the value the compact JSON of the offset
map, so the same bytes work in the offsets topic of a Java Connect cluster.
"""

from __future__ import annotations

import base64
import logging
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import orjson

from connectrt.api.connector import OffsetStorageReader, freeze

log = logging.getLogger(__name__)

Callback = Callable[[BaseException | None], None]


def offset_key(connector: str, partition: Mapping[str, Any]) -> bytes:
    return orjson.dumps([connector, partition])


def parse_offset_key(key: bytes) -> tuple[str, dict[str, Any]] | None:
    """``(connector, partition)`` from an offsets-topic key, or None when it is not one of ours."""
    try:
        parsed = orjson.loads(key)
    except orjson.JSONDecodeError:
        return None
    if (
        not isinstance(parsed, list)
        or len(parsed) != 2
        or not isinstance(parsed[0], str)
        or not isinstance(parsed[1], dict)
    ):
        return None
    return parsed[0], parsed[1]


class OffsetBackingStore(ABC):
    """Where committed source offsets live (Java's OffsetBackingStore)."""

    def start(self) -> None:  # noqa: B027 - optional hook
        pass

    def stop(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes | None]: ...

    @abstractmethod
    def set(self, values: Mapping[bytes, bytes | None], callback: Callback | None = None) -> Future[None]: ...

    @abstractmethod
    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        """Every partition this connector has a (non-null) offset for."""


class MemoryOffsetBackingStore(OffsetBackingStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[bytes, bytes] = {}

    def get(self, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        with self._lock:
            return {k: self._data.get(k) for k in keys}

    def set(self, values: Mapping[bytes, bytes | None], callback: Callback | None = None) -> Future[None]:
        with self._lock:
            for k, v in values.items():
                if v is None:
                    self._data.pop(k, None)
                else:
                    self._data[k] = v
            self._save()
        fut: Future[None] = Future()
        fut.set_result(None)
        if callback is not None:
            callback(None)
        return fut

    def _save(self) -> None:
        """Persist ``_data`` (called with the lock held); nothing for the memory store."""

    def connector_partitions(self, connector: str) -> list[dict[str, Any]]:
        with self._lock:
            keys = list(self._data)
        out: list[dict[str, Any]] = []
        for k in keys:
            parsed = parse_offset_key(k)
            if parsed is not None and parsed[0] == connector:
                out.append(parsed[1])
        return out


class FileOffsetBackingStore(MemoryOffsetBackingStore):
    """Offsets in a local file that survives restarts (standalone's ``offset.storage.file.filename``).

    The file is JSON: a list of ``[key, value]`` pairs, each the base64 of the stored bytes.
    Writes go to a temporary file that replaces the old one, so a crash never leaves half a file.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)

    def start(self) -> None:
        if not self.path.exists():
            return
        try:
            pairs = orjson.loads(self.path.read_bytes())
            self._data = {base64.b64decode(k): base64.b64decode(v) for k, v in pairs}
        except (orjson.JSONDecodeError, ValueError, TypeError) as e:
            raise RuntimeError(
                f"The offsets file {self.path} is corrupt ({e}); move it away to start afresh."
            )

    def _save(self) -> None:
        payload = orjson.dumps(
            [[base64.b64encode(k).decode(), base64.b64encode(v).decode()] for k, v in self._data.items()]
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".offsets-", dir=str(self.path.parent))
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class OffsetStorageReaderImpl(OffsetStorageReader):
    def __init__(self, store: OffsetBackingStore, connector: str) -> None:
        self.store = store
        self.connector = connector

    def offsets(self, partitions: Sequence[Mapping[str, Any]]) -> dict[Any, dict[str, Any] | None]:
        keys = {offset_key(self.connector, p): p for p in partitions}
        raw = self.store.get(list(keys))
        out: dict[Any, dict[str, Any] | None] = {}
        for k, p in keys.items():
            v = raw.get(k)
            out[freeze(p)] = orjson.loads(v) if v is not None else None
        return out


class OffsetStorageWriter:
    """Buffers a task's source offsets and flushes them to the store (Java's OffsetStorageWriter)."""

    def __init__(self, store: OffsetBackingStore, connector: str) -> None:
        self.store = store
        self.connector = connector
        self._lock = threading.Lock()
        self._data: dict[bytes, bytes | None] = {}
        self._to_flush: dict[bytes, bytes | None] | None = None

    def offset(self, partition: Mapping[str, Any], offset: Mapping[str, Any] | None) -> None:
        key = offset_key(self.connector, partition)
        value = orjson.dumps(offset) if offset is not None else None
        with self._lock:
            self._data[key] = value

    def offsets(self, items: Mapping[bytes, bytes | None]) -> None:
        """Add already-serialized offsets."""
        with self._lock:
            self._data.update(items)

    def begin_flush(self) -> bool:
        with self._lock:
            if self._to_flush is not None:
                raise RuntimeError("OffsetStorageWriter is already flushing")
            if not self._data:
                return False
            self._to_flush, self._data = self._data, {}
            return True

    def do_flush(self, callback: Callback | None = None) -> Future[None]:
        assert self._to_flush is not None
        return self.store.set(self._to_flush, callback)

    def cancel_flush(self) -> None:
        with self._lock:
            if self._to_flush is not None:
                merged = dict(self._to_flush)
                merged.update(self._data)
                self._data = merged
                self._to_flush = None

    def complete_flush(self) -> None:
        with self._lock:
            self._to_flush = None

    def flush(self, timeout_s: float) -> bool:
        """Flush what is buffered and wait for it; returns False when nothing was buffered."""
        if not self.begin_flush():
            return False
        try:
            self.do_flush().result(timeout=timeout_s)
        except BaseException:
            self.cancel_flush()
            raise
        self.complete_flush()
        return True
