from __future__ import annotations

from pathlib import Path

import pytest

from connectrt.storage.offsets import (
    FileOffsetBackingStore,
    OffsetStorageReaderImpl,
    OffsetStorageWriter,
    offset_key,
    parse_offset_key,
)

pytestmark = pytest.mark.unit


def test_offset_key_bytes_match_java_json() -> None:
    # Java's JsonConverter (schemas disabled) writes compact JSON: ["<connector>",{<partition>}]
    assert offset_key("my-src", {"filename": "/tmp/a"}) == b'["my-src",{"filename":"/tmp/a"}]'
    assert parse_offset_key(b'["my-src",{"filename":"/tmp/a"}]') == ("my-src", {"filename": "/tmp/a"})
    assert parse_offset_key(b"not json") is None


def test_file_store_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "offsets"
    store = FileOffsetBackingStore(path)
    store.start()
    writer = OffsetStorageWriter(store, "c1")
    writer.offset({"filename": "f"}, {"position": 42})
    assert writer.flush(5)
    assert not writer.flush(5)
    again = FileOffsetBackingStore(path)
    again.start()
    reader = OffsetStorageReaderImpl(again, "c1")
    assert reader.offset({"filename": "f"}) == {"position": 42}
    assert again.connector_partitions("c1") == [{"filename": "f"}]
    assert OffsetStorageReaderImpl(again, "other").offset({"filename": "f"}) is None


def test_cancelled_flush_keeps_offsets(tmp_path: Path) -> None:
    store = FileOffsetBackingStore(tmp_path / "o")
    writer = OffsetStorageWriter(store, "c")
    writer.offset({"p": 1}, {"o": 1})
    assert writer.begin_flush()
    writer.offset({"p": 1}, {"o": 2})
    writer.cancel_flush()
    assert writer.flush(5)
    assert OffsetStorageReaderImpl(store, "c").offset({"p": 1}) == {"o": 2}
