"""FileStreamSourceConnector / FileStreamSourceTask, checked against Java's behaviour."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectrt.api.connector import ConnectException, ExactlyOnceSupport, freeze
from connectrt.api.data import Schema
from connectrt.config.configdef import ConfigException
from connectrt.connectors import PLUGINS
from connectrt.connectors.file import FileStreamSourceConnector, FileStreamSourceTask
from tests.unit.connectors.fakes import FakeSourceConnectorContext, FakeSourceTaskContext, MemoryOffsetReader

pytestmark = pytest.mark.unit

TOPIC = "test"


class FastTask(FileStreamSourceTask):
    IDLE_WAIT_S = 0.01


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "input.txt"


def make_task(
    path: Path | None, reader: MemoryOffsetReader | None = None, extra: dict[str, str] | None = None
) -> FastTask:
    task = FastTask()
    task.initialize(FakeSourceTaskContext(reader))
    props = {"topic": TOPIC, **(extra or {})}
    if path is not None:
        props["file"] = str(path)
    task.start(props)
    return task


def offset(pos: int | None) -> dict[str, Any]:
    return {"position": pos}


def test_normal_lifecycle_offsets_and_line_endings(path: Path) -> None:
    reader = MemoryOffsetReader()
    task = make_task(path, reader)
    with open(path, "wb") as os_:
        assert task.poll() is None
        os_.write(b"partial line")
        os_.flush()
        assert task.poll() is None
        os_.write(b" finished\n")
        os_.flush()
        records = task.poll()
        assert records is not None and len(records) == 1
        r = records[0]
        assert (r.topic, r.value, r.key, r.key_schema) == (TOPIC, "partial line finished", None, None)
        assert r.value_schema == Schema.STRING_SCHEMA
        assert r.kafka_partition is None
        assert isinstance(r.timestamp, int)
        assert r.source_partition == {"filename": str(path)}
        assert r.source_offset == offset(22)
        assert task.poll() is None

        # different line endings; the final \r is not a line until the next byte is known
        os_.write(b"line1\rline2\r\nline3\nline4\n\r")
        os_.flush()
        records = task.poll()
        assert records is not None
        assert [x.value for x in records] == ["line1", "line2", "line3", "line4"]
        assert [x.source_offset for x in records] == [offset(28), offset(35), offset(41), offset(47)]
        assert all(x.source_partition == {"filename": str(path)} for x in records)

        os_.write(b"subsequent text")
        os_.flush()
        records = task.poll()
        assert records is not None
        assert [(x.value, x.source_offset) for x in records] == [("", offset(48))]
    task.stop()
    assert reader.lookups == [{"filename": str(path)}]  # looked up once, when the file was opened


def test_positions_are_bytes_for_multibyte_text(path: Path) -> None:
    path.write_bytes("héllo\nwörld€\n".encode())
    task = make_task(path)
    records = task.poll()
    assert records is not None
    assert [(r.value, r.source_offset) for r in records] == [
        ("héllo", offset(7)),
        ("wörld€", offset(7 + 10)),
    ]
    task.stop()


def test_crlf_split_across_reads(path: Path) -> None:
    task = make_task(path)
    with open(path, "wb") as f:
        f.write(b"a\r")
        f.flush()
        assert task.poll() is None
        f.write(b"\nb\r\r")
        f.flush()
        records = task.poll()
        assert records is not None
        assert [(r.value, r.source_offset) for r in records] == [("a", offset(3)), ("b", offset(5))]
        f.write(b"c\n")
        f.flush()
        records = task.poll()
        assert records is not None
        assert [(r.value, r.source_offset) for r in records] == [("", offset(6)), ("c", offset(8))]
    task.stop()


def test_long_line_across_many_chunks(path: Path) -> None:
    class SmallChunks(FastTask):
        CHUNK_SIZE = 7

    line = "x" * 100
    path.write_text(f"{line}\nshort\n{line}")
    task = SmallChunks()
    task.initialize(FakeSourceTaskContext())
    task.start({"topic": TOPIC, "file": str(path)})
    got: list[Any] = []
    for _ in range(5):
        got.extend(task.poll() or [])
    assert [(r.value, r.source_offset) for r in got] == [(line, offset(101)), ("short", offset(107))]
    with open(path, "a") as f:
        f.write("\n")
    records = task.poll()
    assert records is not None
    assert [(r.value, r.source_offset) for r in records] == [(line, offset(208))]
    task.stop()


def test_batch_size(path: Path) -> None:
    line = "Neque porro quisquam est qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit...\n"
    path.write_text(line * 10_000)
    task = make_task(path, extra={"batch.size": "5000"})
    first = task.poll()
    second = task.poll()
    assert first is not None and second is not None
    assert len(first) == 5000 and len(second) == 5000
    assert second[-1].source_offset == offset(len(line) * 10_000)
    assert first[-1].source_offset == offset(len(line) * 5000)
    assert task.poll() is None
    task.stop()


def test_batches_many_lines_in_order(path: Path) -> None:
    with open(path, "w") as f:
        for i in range(25_000):
            f.write(f"{i}\n")
    task = make_task(path)
    seen: list[str] = []
    sizes: list[int] = []
    while (records := task.poll()) is not None:
        sizes.append(len(records))
        seen.extend(r.value for r in records)
    assert seen == [str(i) for i in range(25_000)]
    assert max(sizes) == 2000  # the default batch.size
    task.stop()


def test_resume_from_committed_offset(path: Path) -> None:
    path.write_bytes(b"one\ntwo\nthree\n")
    reader = MemoryOffsetReader()
    reader.put({"filename": str(path)}, {"position": 4})
    task = make_task(path, reader)
    records = task.poll()
    assert records is not None
    assert [(r.value, r.source_offset) for r in records] == [("two", offset(8)), ("three", offset(14))]
    task.stop()


def test_resume_offset_without_position_starts_at_zero(path: Path) -> None:
    path.write_bytes(b"one\n")
    reader = MemoryOffsetReader()
    reader.put({"filename": str(path)}, {"other": 1})
    task = make_task(path, reader)
    records = task.poll()
    assert records is not None and [(r.value, r.source_offset) for r in records] == [("one", offset(4))]
    task.stop()


def test_offset_of_wrong_type_fails(path: Path) -> None:
    path.write_bytes(b"one\n")
    reader = MemoryOffsetReader()
    reader.put({"filename": str(path)}, {"position": "4"})
    task = make_task(path, reader)
    with pytest.raises(ConnectException, match="Offset position is the incorrect type"):
        task.poll()


def test_negative_offset_fails_clearly(path: Path) -> None:
    path.write_bytes(b"one\n")
    reader = MemoryOffsetReader()
    reader.put({"filename": str(path)}, {"position": -3})
    task = make_task(path, reader)
    with pytest.raises(ConnectException, match="is negative"):
        task.poll()


def test_missing_file_waits_for_it(path: Path) -> None:
    task = make_task(path)
    for _ in range(3):
        assert task.poll() is None
    path.write_text("late\n")
    records = task.poll()
    assert records is not None and [r.value for r in records] == ["late"]
    task.stop()


@pytest.fixture
def stdin_pipe(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    r, w = os.pipe()
    reader = os.fdopen(r, "rb")
    monkeypatch.setattr(sys, "stdin", reader)
    try:
        yield w
    finally:
        reader.close()
        try:
            os.close(w)
        except OSError:
            pass


def test_stdin_when_no_file(stdin_pipe: int) -> None:
    task = make_task(None)
    assert task.poll() is None  # nothing written yet: no blocking read
    os.write(stdin_pipe, b"line\nsecond")
    records = task.poll()
    assert records is not None and len(records) == 1
    r = records[0]
    assert (r.topic, r.value) == (TOPIC, "line")
    assert r.source_partition == {"filename": None}
    assert r.source_offset == {"position": None}
    os.write(stdin_pipe, b"\n")
    records = task.poll()
    assert records is not None and [x.value for x in records] == ["second"]
    task.stop()


def test_stop_from_another_thread_ends_idle_poll_promptly(path: Path) -> None:
    path.write_text("")
    task = FileStreamSourceTask()  # the Java-like 1 s idle wait
    task.initialize(FakeSourceTaskContext())
    task.start({"topic": TOPIC, "file": str(path)})
    assert task.poll() is None or True  # opens the file
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(task.poll()))
    started = time.monotonic()
    t.start()
    time.sleep(0.05)
    task.stop()
    t.join(2)
    assert not t.is_alive()
    assert time.monotonic() - started < 0.9
    assert result == [None]
    assert task.poll() is None


# --- connector ------------------------------------------------------------------------------


def props(path: str | None = "/tmp/somefile") -> dict[str, str]:
    p = {"name": "src", "connector.class": "FileStreamSource", "topic": "topic1"}
    if path is not None:
        p["file"] = path
    return p


def test_registered_with_java_alias() -> None:
    assert FileStreamSourceConnector in PLUGINS
    assert FileStreamSourceConnector.ALIASES == ("org.apache.kafka.connect.file.FileStreamSourceConnector",)


def test_config_validation_passes() -> None:
    values = FileStreamSourceConnector().validate(props())
    assert [v.name for v in values] == ["file", "topic", "batch.size"]
    assert all(not v.errors for v in values)


def test_config_keys_and_defaults() -> None:
    keys = FileStreamSourceConnector().config().config_keys()
    assert keys["file"].default_value is None
    assert keys["batch.size"].default_value == 2000
    assert not keys["topic"].has_default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"topic": None}, 'Missing required configuration "topic" which has no default value.'),
        ({"topic": "   "}, "String must be non-empty"),
        ({"batch.size": "abcd"}, "Not a number of type INT"),
    ],
)
def test_invalid_configs(change: dict[str, str | None], message: str) -> None:
    p: dict[str, str] = props()
    for k, v in change.items():
        if v is None:
            p.pop(k)
        else:
            p[k] = v
    errors = [e for v in FileStreamSourceConnector().validate(p) for e in v.errors]
    assert len(errors) == 1 and message in errors[0]
    with pytest.raises(ConfigException):
        FileStreamSourceConnector().start(p)


def test_one_task_whatever_tasks_max_and_configs_propagate() -> None:
    c = FileStreamSourceConnector()
    c.initialize(FakeSourceConnectorContext())
    p = {**props(), "transforms": "insert"}
    c.start(p)
    for max_tasks in (1, 2, 5):
        configs = c.task_configs(max_tasks)
        assert configs == [p]
    assert c.task_class() is FileStreamSourceTask
    c.stop()


def test_stdin_task_config_has_no_file() -> None:
    c = FileStreamSourceConnector()
    c.start(props(None))
    assert "file" not in c.task_configs(1)[0]


def test_exactly_once_support() -> None:
    c = FileStreamSourceConnector()
    assert c.exactly_once_support(props()) is ExactlyOnceSupport.SUPPORTED
    assert c.exactly_once_support(props(" ")) is ExactlyOnceSupport.UNSUPPORTED
    assert c.exactly_once_support(props(None)) is ExactlyOnceSupport.UNSUPPORTED
    assert c.can_define_transaction_boundaries(props()).value == "UNSUPPORTED"


def alter(offsets: dict[Any, Any], path: str | None = "/tmp/somefile") -> bool:
    return FileStreamSourceConnector().alter_offsets(props(path), offsets)


def part(name: str = "/tmp/somefile") -> Any:
    return freeze({"filename": name})


def test_alter_offsets_stdin_rejected() -> None:
    with pytest.raises(
        ConnectException, match="Offsets cannot be modified if the 'file' configuration is unspecified"
    ):
        alter({part(): {"position": 0}}, None)


def test_alter_offsets_shapes() -> None:
    assert alter({part(): {"position": 0}, part("/other"): None})
    assert alter({})
    with pytest.raises(ConnectException, match="Partition objects should contain the key 'filename'"):
        alter({freeze({"invalid_partition_key": "x"}): {"position": 0}})
    with pytest.raises(ConnectException, match="Partition objects cannot be null"):
        alter({None: {"position": 0}})
    with pytest.raises(ConnectException, match="should either be null or contain the key 'position'"):
        alter({part(): {"other_key": 0}})


@pytest.mark.parametrize("bad", ["nan", None, object(), 3.14, -420, "-420", "10", True])
def test_alter_offsets_rejects_bad_positions(bad: Any) -> None:
    with pytest.raises(ConnectException):
        alter({part(): {"position": bad}})


def test_alter_offsets_accepts_tombstones_for_any_partition() -> None:
    for p in (None, freeze({}), part(), part("/other"), freeze({"garbage": "value"})):
        assert alter({p: None})
    assert alter({part(): {"position": 10}})


def reference_lines(data: bytes) -> list[tuple[str, int]]:
    """Java's extractLine, one terminator at a time, over the whole stream."""
    out: list[tuple[str, int]] = []
    start = 0
    i = 0
    while i < len(data):
        c = data[i : i + 1]
        if c == b"\n":
            out.append((data[start:i].decode(), i + 1))
            start = i = i + 1
        elif c == b"\r":
            if i + 1 >= len(data):
                break
            end = i + 2 if data[i + 1 : i + 2] == b"\n" else i + 1
            out.append((data[start:i].decode(), end))
            start = i = end
        else:
            i += 1
    return out


@pytest.mark.parametrize("seed", range(20))
def test_random_line_endings_and_write_splits_match_java(path: Path, seed: int) -> None:
    import random

    rnd = random.Random(seed)
    data = b"".join(rnd.choice([b"a", b"bc", b"\n", b"\r", b"\r\n", b"xyz"]) for _ in range(300))

    class TinyChunks(FastTask):
        CHUNK_SIZE = rnd.randint(1, 16)

    task = TinyChunks()
    task.initialize(FakeSourceTaskContext())
    task.start({"topic": TOPIC, "file": str(path), "batch.size": str(rnd.randint(1, 10))})
    got: list[tuple[str, int]] = []
    with open(path, "wb") as f:
        pos = 0
        while pos < len(data):
            step = rnd.randint(1, 40)
            f.write(data[pos : pos + step])
            f.flush()
            pos += step
            got.extend((r.value, (r.source_offset or {})["position"]) for r in task.poll() or [])
        while records := task.poll():
            got.extend((r.value, (r.source_offset or {})["position"]) for r in records)
    task.stop()
    assert got == reference_lines(data)
