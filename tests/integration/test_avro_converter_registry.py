"""AvroConverter against the real schema registry (the dev Apicurio Registry, Confluent API) and real Kafka:
records written by one converter instance travel through a topic and are read by another that knows only the
registry; schemas evolve under the registry's BACKWARD rule; subject strategies name real subjects; an
unreachable registry and unknown schema ids give the errors Connect's error handling acts on."""

from __future__ import annotations

import datetime as dt
import decimal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from connectrt.api.connector import ConnectException
from connectrt.api.data import DataException, Date, Decimal, Schema, SchemaBuilder, Struct, Time, Timestamp
from connectrt.converters import AvroConverter
from tests.fixtures.clients import consume_all, quiet_logger
from tests.integration.worker_process import WorkerProcess, wait_until

pytestmark = pytest.mark.integration

AVRO = "io.confluent.connect.avro.AvroConverter"


def converter(url: str, is_key: bool = False, **configs: str) -> AvroConverter:
    conv = AvroConverter()
    conv.configure({"schema.registry.url": url, **configs}, is_key)
    return conv


def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "logger": quiet_logger()})
    for key, value in records:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(15) == 0


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


INNER = SchemaBuilder.struct().name("it.Inner").field("x", Schema.INT32_SCHEMA).optional().build()
EVERYTHING = (
    SchemaBuilder.struct().name("it.Everything").doc("all types")
    .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
    .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
    .field("flag", Schema.BOOLEAN_SCHEMA).field("text", Schema.STRING_SCHEMA).field("raw", Schema.BYTES_SCHEMA)
    .field("amount", Decimal.schema(3)).field("day", Date.SCHEMA).field("at", Time.SCHEMA).field("ts", Timestamp.SCHEMA)
    .field("tags", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build())
    .field("counts", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build())
    .field("by_id", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
    .field("inner", INNER).field("maybe", Schema.OPTIONAL_FLOAT64_SCHEMA)
    .field("dflt", SchemaBuilder.int32().default_value(5).build())
    .build()
)  # fmt: skip


def everything(n: int) -> Struct:
    return (
        Struct(EVERYTHING).put("i8", -n).put("i16", 300 * n).put("i32", -(2**31) + n).put("i64", 2**62 + n)
        .put("f32", 0.5 * n).put("f64", 1e300 / (n + 1)).put("flag", n % 2 == 0).put("text", f"zürich {n}")
        .put("raw", bytes(range(n % 7))).put("amount", decimal.Decimal(f"{n}.125"))
        .put("day", dt.date(1970, 1, 1) + dt.timedelta(days=n * 1000)).put("at", dt.time(n % 24, 30, 15, 250000))
        .put("ts", dt.datetime(2030, 5, 6, 7, 8, 9, 123000, tzinfo=dt.UTC) + dt.timedelta(hours=n))
        .put("tags", ["a", None, str(n)]).put("counts", {"k": n}).put("by_id", {n: "v", -n - 1: "w"})
        .put("inner", Struct(INNER).put("x", n) if n % 2 else None).put("maybe", None if n % 3 else n / 3)
        .put("dflt", n)
    )  # fmt: skip


def test_every_connect_type_through_kafka_and_the_registry(
    schema_registry_url: str, kafka_bootstrap: str, create_topic: Any
) -> None:
    topic = create_topic()
    with httpx.Client(
        base_url=schema_registry_url
    ) as http:  # many value types in one topic: no rule between them
        assert http.put(f"/config/{topic}-value", json={"compatibility": "NONE"}).status_code == 200
    keys, values = converter(schema_registry_url, True), converter(schema_registry_url)
    cases: list[tuple[Schema | None, Any]] = [
        (EVERYTHING, everything(1)), (EVERYTHING, everything(2)), (EVERYTHING, everything(3)),
        (Schema.STRING_SCHEMA, "plain"), (Schema.BYTES_SCHEMA, b"\x00\x01raw"), (Decimal.schema(2), decimal.Decimal("-7.25")),
        (Schema.OPTIONAL_INT64_SCHEMA, None), (None, {"schemaless": [1, "two", 3.5, None, {"n": True}]}),
        (SchemaBuilder.array(SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.BOOLEAN_SCHEMA).build()).build(), [{"t": True}]),
    ]  # fmt: skip
    produce(kafka_bootstrap, topic, [
        (keys.from_connect_data(topic, Schema.INT32_SCHEMA, i), values.from_connect_data(topic, schema, value))
        for i, (schema, value) in enumerate(cases)
    ])  # fmt: skip

    reader_keys, reader_values = converter(schema_registry_url, True), converter(schema_registry_url)
    messages = consume_all(kafka_bootstrap, topic, len(cases))
    for i, ((schema, value), msg) in enumerate(zip(cases, messages, strict=True)):
        key_schema, key = reader_keys.to_connect_data(topic, msg.key())
        assert key == i and key_schema is not None and key_schema.type == Schema.INT32_SCHEMA.type
        got_schema, got = reader_values.to_connect_data(topic, msg.value())
        if value is None:
            assert msg.value() is None and got is None
            continue
        assert (dict(got) == dict(value)) if isinstance(value, Struct) else (got == value)
        if schema is not None:
            assert (
                got_schema is not None and got_schema.type == schema.type and got_schema.name == schema.name
            )
        if schema is EVERYTHING:
            assert [f.name for f in got_schema.fields] == [f.name for f in EVERYTHING.fields]  # type: ignore[union-attr]
            assert got_schema.doc == "all types"  # type: ignore[union-attr]

    with httpx.Client(base_url=schema_registry_url) as http:
        assert http.get(f"/subjects/{topic}-key/versions").json() == [1]
        latest = http.get(f"/subjects/{topic}-value/versions/latest").json()
        assert latest["schema"] == values.avro_schema(
            SchemaBuilder.array(
                SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.BOOLEAN_SCHEMA).build()
            ).build()
        )
        assert http.get(f"/schemas/ids/{int.from_bytes(messages[0].value()[1:5], 'big')}").json()[
            "schema"
        ] == (values.avro_schema(EVERYTHING))


def test_schema_evolution_under_backward(
    schema_registry_url: str, kafka_bootstrap: str, create_topic: Any
) -> None:
    topic = create_topic()
    v1 = (
        SchemaBuilder.struct()
        .name("it.Customer")
        .field("id", Schema.INT64_SCHEMA)
        .field("name", Schema.STRING_SCHEMA)
        .build()
    )
    v2 = (
        SchemaBuilder.struct().name("it.Customer").field("id", Schema.INT64_SCHEMA).field("name", Schema.STRING_SCHEMA)
        .field("email", Schema.OPTIONAL_STRING_SCHEMA).build()
    )  # fmt: skip
    bad = (
        SchemaBuilder.struct()
        .name("it.Customer")
        .field("id", Schema.STRING_SCHEMA)
        .field("name", Schema.STRING_SCHEMA)
        .build()
    )
    writer = converter(schema_registry_url)
    first = writer.from_connect_data(topic, v1, Struct(v1).put("id", 1).put("name", "a"))
    second = writer.from_connect_data(topic, v2, Struct(v2).put("id", 2).put("name", "b").put("email", "b@x"))
    with pytest.raises(DataException) as err:
        writer.from_connect_data(topic, bad, Struct(bad).put("id", "3").put("name", "c"))
    message = str(err.value)
    assert message.startswith(f"Failed to serialize Avro data for topic {topic}: the schema registry refused")
    assert f"'{topic}-value'" in message and "error code: 409" in message
    produce(kafka_bootstrap, topic, [(None, first), (None, second)])

    reader = converter(schema_registry_url)
    got = [reader.to_connect_data(topic, m.value()) for m in consume_all(kafka_bootstrap, topic, 2)]
    assert [(s.version, dict(v)) for s, v in got] == [  # type: ignore[union-attr]
        (1, {"id": 1, "name": "a"}),
        (2, {"id": 2, "name": "b", "email": "b@x"}),
    ]
    with httpx.Client(base_url=schema_registry_url) as http:
        assert http.get(f"/subjects/{topic}-value/versions").json() == [1, 2]


def test_subject_strategies_name_real_subjects(schema_registry_url: str, unique_name: Any) -> None:
    topic = unique_name.topic()
    record = unique_name("rec").replace("-", "_")
    schema = SchemaBuilder.struct().name(f"it.{record}").field("a", Schema.INT32_SCHEMA).build()
    for strategy in ("RecordNameStrategy", "TopicRecordNameStrategy"):
        conv = converter(schema_registry_url, **{
            "value.subject.name.strategy": f"io.confluent.kafka.serializers.subject.{strategy}",
        })  # fmt: skip
        data = conv.from_connect_data(topic, schema, Struct(schema).put("a", 1))
        assert dict(conv.to_connect_data(topic, data).value) == {"a": 1}
    with httpx.Client(base_url=schema_registry_url) as http:
        subjects = http.get("/subjects").json()
    assert f"it.{record}" in subjects and f"{topic}-it.{record}" in subjects


def test_unreachable_registry_is_retried_then_fails(unique_name: Any) -> None:
    conv = converter(f"http://127.0.0.1:{closed_port()}", **{"max.retries": "2", "retries.wait.ms": "20"})
    schema = SchemaBuilder.struct().name("it.R").field("a", Schema.INT32_SCHEMA).build()
    with pytest.raises(ConnectException, match=r"cannot be reached: connection refused \(after 2 retries\)"):
        conv.from_connect_data(unique_name.topic(), schema, Struct(schema).put("a", 1))


# --- through a worker: Connect's error handling ----------------------------------------------------------


@pytest.fixture(scope="module")
def worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    workdir = tmp_path_factory.mktemp("avro-worker")
    w = WorkerProcess("standalone", {
        "bootstrap.servers": kafka_bootstrap,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "offset.storage.file.filename": str(workdir / "offsets"),
        "offset.flush.interval.ms": "500",
    }, workdir)  # fmt: skip
    w.start()
    yield w
    w.stop()


def test_unknown_schema_id_goes_to_the_dead_letter_queue(
    worker: WorkerProcess,
    schema_registry_url: str,
    kafka_bootstrap: str,
    create_topic: Any,
    unique_name: Any,
    tmp_path: Path,
) -> None:
    topic, dlq = create_topic(), unique_name("dlq")
    schema = SchemaBuilder.struct().name("it.Line").field("text", Schema.STRING_SCHEMA).build()
    writer = converter(schema_registry_url)
    good = [
        writer.from_connect_data(topic, schema, Struct(schema).put("text", f"line {i}")) for i in range(3)
    ]
    unknown = b"\x00\x7f\xff\xff\x01" + b"\x02x"  # schema id 2147483393: no registry has it
    produce(kafka_bootstrap, topic, [(b"k0", good[0]), (b"k1", unknown), (b"k2", good[1]), (b"k3", good[2])])
    out = tmp_path / "sink.txt"
    name = unique_name("avro-dlq")
    with worker.client() as c:
        r = c.put(f"/connectors/{name}/config", json={
            "connector.class": "FileStreamSink", "file": str(out), "topics": topic,
            "value.converter": AVRO, "value.converter.schema.registry.url": schema_registry_url,
            "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.topic.replication.factor": "1",
            "errors.deadletterqueue.context.headers.enable": "true",
        })  # fmt: skip
        assert r.status_code == 201, r.text
        wait_until(lambda: out.exists() and len(out.read_text().splitlines()) == 3, 60, "3 good records")
        assert out.read_text().splitlines() == [f"Struct{{text=line {i}}}" for i in range(3)]
        [msg] = consume_all(kafka_bootstrap, dlq, 1)
        assert (msg.key(), msg.value()) == (b"k1", unknown)
        headers = dict(msg.headers())
        assert headers["__connect.errors.stage"] == b"VALUE_CONVERTER"
        assert headers["__connect.errors.class.name"] == AVRO.encode()
        assert (
            headers["__connect.errors.exception.class.name"]
            == b"org.apache.kafka.connect.errors.DataException"
        )
        assert (
            b"Error retrieving Avro value schema for id 2147483393"
            in headers["__connect.errors.exception.message"]
        )
        assert c.delete(f"/connectors/{name}").status_code == 204


def test_registry_down_fails_the_task_with_a_clear_trace(
    worker: WorkerProcess, kafka_bootstrap: str, create_topic: Any, unique_name: Any, tmp_path: Path
) -> None:
    topic = create_topic()
    produce(kafka_bootstrap, topic, [(b"k", b"\x00\x00\x00\x00\x01\x02")])
    port = closed_port()
    name = unique_name("avro-down")
    with worker.client() as c:
        assert c.put(f"/connectors/{name}/config", json={
            "connector.class": "FileStreamSink", "file": str(tmp_path / "out.txt"), "topics": topic,
            "value.converter": AVRO, "value.converter.schema.registry.url": f"http://127.0.0.1:{port}",
            "value.converter.max.retries": "2", "value.converter.retries.wait.ms": "50",
        }).status_code == 201  # fmt: skip

        def failed() -> Any:
            tasks = c.get(f"/connectors/{name}/status").json().get("tasks") or [{}]
            return tasks[0].get("state") == "FAILED" and tasks[0]

        trace = wait_until(failed, 60, "task FAILED")["trace"]
        assert "Tolerance exceeded in error handler" in trace
        assert (
            f"Failed to deserialize data for topic {topic} to Avro: The schema registry at http://127.0.0.1:{port} "
            "cannot be reached: connection refused (after 2 retries); check schema.registry.url and that the "
            "registry is running"
        ) in trace
        assert c.delete(f"/connectors/{name}").status_code == 204


def test_validate_reports_converter_settings(worker: WorkerProcess) -> None:
    with worker.client() as c:
        r = c.put("/connector-plugins/FileStreamSink/config/validate", json={
            "connector.class": "FileStreamSink", "topics": "t", "name": "v",
            "value.converter": AVRO,
            "value.converter.value.subject.name.strategy": "com.evil.Strategy",
        })  # fmt: skip
    assert r.status_code == 200
    errors = {c["value"]["name"]: c["value"]["errors"] for c in r.json()["configs"]}
    assert any("schema.registry.url" in e for e in errors.get("value.converter.schema.registry.url", []))
    assert any(
        "com.evil.Strategy could not be found" in e
        for e in errors["value.converter.value.subject.name.strategy"]
    )
