"""FileStreamSinkConnector / FileStreamSinkTask."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.records import SinkRecord
from connectrt.connectors import PLUGINS
from connectrt.connectors.file import FileStreamSinkConnector, FileStreamSinkTask
from connectrt.connectors.util import java_double, java_string

pytestmark = pytest.mark.unit


def rec(value: Any, offset: int = 0, partition: int = 0) -> SinkRecord:
    return SinkRecord("topic", partition, None, None, Schema.OPTIONAL_STRING_SCHEMA, value, offset)


def test_put_and_flush_to_given_stream() -> None:
    out = io.StringIO()
    task = FileStreamSinkTask(out)
    task.start({})
    task.put([rec("line1"), rec("line2", 1)])
    task.flush({("topic", 0): 2})
    assert out.getvalue() == "line1\nline2\n"
    task.put([rec("line3", 2), rec(None, 3), rec(7, 4)])
    task.flush({("topic", 0): 5})
    assert out.getvalue() == "line1\nline2\nline3\nnull\n7\n"


def test_appends_to_file_and_flushes_on_flush(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("existing\n")
    task = FileStreamSinkTask()
    task.start({"file": str(path), "topics": "topic"})
    task.put([rec("a"), rec("ü")])
    task.flush({})
    assert path.read_text(encoding="utf-8") == "existing\na\nü\n"
    task.put([rec("b")])
    task.stop()
    assert path.read_text(encoding="utf-8") == "existing\na\nü\nb\n"


def test_unwritable_file_fails_start(tmp_path: Path) -> None:
    task = FileStreamSinkTask()
    with pytest.raises(Exception, match="Couldn't find or create file"):
        task.start({"file": str(tmp_path / "missing-dir" / "out.txt")})


def test_stdout_when_no_file(capsys: pytest.CaptureFixture[str]) -> None:
    task = FileStreamSinkTask()
    task.start({"topics": "t"})
    task.put([rec("to stdout")])
    task.flush({})
    task.stop()
    assert capsys.readouterr().out == "to stdout\n"


def test_values_print_like_java() -> None:
    schema = (
        SchemaBuilder.struct()
        .field("a", Schema.INT32_SCHEMA)
        .field("b", Schema.OPTIONAL_STRING_SCHEMA)
        .build()
    )
    assert java_string(Struct(schema, {"a": 1, "b": None})) == "Struct{a=1}"
    assert java_string(Struct(schema, {"a": 1, "b": "x"})) == "Struct{a=1,b=x}"
    assert java_string({"k": [1, True, None]}) == "{k=[1, true, null]}"
    assert java_string(1.0) == "1.0"
    assert java_string(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) == "Thu Jan 01 00:00:00 UTC 1970"
    assert java_string(b"raw") == "raw"
    assert [java_double(v) for v in (1e7, 0.0001, 123.5, 1e-3, -2.5e20)] == [
        "1.0E7",
        "1.0E-4",
        "123.5",
        "0.001",
        "-2.5E20",
    ]


def test_connector_tasks_and_offsets() -> None:
    assert FileStreamSinkConnector in PLUGINS
    assert FileStreamSinkConnector.ALIASES == ("org.apache.kafka.connect.file.FileStreamSinkConnector",)
    c = FileStreamSinkConnector()
    props = {"name": "sink", "topics": "a,b", "file": "/tmp/x"}
    c.start(props)
    assert c.task_configs(3) == [props, props, props]
    assert c.task_class() is FileStreamSinkTask
    assert c.alter_offsets(props, {("a", 0): 5, ("b", 1): None}) is True
    values = c.validate(props)
    assert [(v.name, v.errors) for v in values] == [("file", [])]
    assert c.config().config_keys()["file"].default_value is None
    c.stop()
