"""One REST conversation, sent the same way to Java Kafka Connect and to connectrt.

The recorder (``tests/compat/reference/record_java_rest.py``) sends these requests to a real Java
Kafka Connect 4.2.1 distributed worker and keeps every answer as test data; ``rest_diff.py`` sends
them to a connectrt distributed worker and lists where the answers differ. Each step is a request
and, optionally, a condition to wait for before it is sent (a connector's tasks RUNNING, ...).

Names and paths are fixed (no random parts) so that recorded bodies compare literally; the only
values that legitimately differ between two runs (worker ids, versions, commit ids, the Kafka
cluster id, stack traces) are normalised by :func:`normalise`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: A file the FileStream connectors read and write; created by the runner before the first step.
INPUT_FILE = "/tmp/connectrt-rest-compat/input.txt"
OUTPUT_FILE = "/tmp/connectrt-rest-compat/output.txt"
TOPIC = "rest-compat-lines"
#: A file a FileStream sink cannot create: its task fails at start (a FAILED status with a trace).
UNWRITABLE_FILE = "/nonexistent-connectrt-rest-compat/output.txt"

SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
JSON = "org.apache.kafka.connect.json.JsonConverter"
STRING = "org.apache.kafka.connect.storage.StringConverter"

TRANSFORMS = [
    "org.apache.kafka.connect.transforms.Cast$Key",
    "org.apache.kafka.connect.transforms.Cast$Value",
    "org.apache.kafka.connect.transforms.DropHeaders",
    "org.apache.kafka.connect.transforms.ExtractField$Key",
    "org.apache.kafka.connect.transforms.ExtractField$Value",
    "org.apache.kafka.connect.transforms.Filter",
    "org.apache.kafka.connect.transforms.Flatten$Key",
    "org.apache.kafka.connect.transforms.Flatten$Value",
    "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "org.apache.kafka.connect.transforms.HoistField$Key",
    "org.apache.kafka.connect.transforms.HoistField$Value",
    "org.apache.kafka.connect.transforms.InsertField$Key",
    "org.apache.kafka.connect.transforms.InsertField$Value",
    "org.apache.kafka.connect.transforms.InsertHeader",
    "org.apache.kafka.connect.transforms.MaskField$Key",
    "org.apache.kafka.connect.transforms.MaskField$Value",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "org.apache.kafka.connect.transforms.ReplaceField$Key",
    "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "org.apache.kafka.connect.transforms.TimestampRouter",
    "org.apache.kafka.connect.transforms.ValueToKey",
]
PREDICATES = [
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
]
CONVERTERS = [
    "org.apache.kafka.connect.converters.BooleanConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "org.apache.kafka.connect.converters.DoubleConverter",
    "org.apache.kafka.connect.converters.FloatConverter",
    "org.apache.kafka.connect.converters.IntegerConverter",
    "org.apache.kafka.connect.converters.LongConverter",
    "org.apache.kafka.connect.converters.ShortConverter",
    JSON,
    STRING,
    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
]
#: The converters that are header converters too (SimpleHeaderConverter is one only).
HEADER_CONVERTERS = {c for c in CONVERTERS if not c.endswith(("SimpleHeaderConverter",))}
ROUTER = "org.apache.kafka.connect.transforms.RegexRouter"


@dataclass(frozen=True)
class Step:
    """One request: ``id`` names it in the recording; ``wait`` is checked (polled) before sending."""

    id: str
    method: str
    path: str
    body: Any = None
    #: raw request body bytes (sent instead of ``body`` when set), for malformed-body cases
    raw: bytes | None = None
    wait: tuple[str, ...] = ()
    #: seconds to sleep after the answer (lets a state change settle before the next step)
    settle_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def _source(name: str, **extra: str) -> dict[str, str]:
    return {
        "connector.class": SOURCE,
        "tasks.max": "1",
        "file": INPUT_FILE,
        "topic": TOPIC,
        "name": name,
        **extra,
    }


def _sink(name: str, **extra: str) -> dict[str, str]:
    return {
        "connector.class": SINK,
        "tasks.max": "1",
        "file": OUTPUT_FILE,
        "topics": TOPIC,
        "name": name,
        **extra,
    }


def _validate(step_id: str, plugin: str, config: dict[str, str]) -> Step:
    return Step(step_id, "PUT", f"/connector-plugins/{plugin}/config/validate", config)


def steps() -> Iterator[Step]:
    """The whole conversation, in order."""
    yield Step("root", "GET", "/")
    yield Step("plugins", "GET", "/connector-plugins")
    yield Step("plugins-all", "GET", "/connector-plugins?connectorsOnly=false")
    for plugin in [
        SOURCE,
        SINK,
        "FileStreamSource",
        "FileStreamSinkConnector",
        *TRANSFORMS,
        *PREDICATES,
        *CONVERTERS,
    ]:
        yield Step(f"plugin-config:{plugin}", "GET", f"/connector-plugins/{plugin}/config")
    yield Step("plugin-config:unknown", "GET", "/connector-plugins/com.example.Nope/config")

    # --- validation ---
    yield _validate("validate:source-valid", "FileStreamSourceConnector", _source("v1"))
    yield _validate("validate:sink-valid", "FileStreamSinkConnector", _sink("v2"))
    yield _validate(
        "validate:tasks-max-abc", "FileStreamSourceConnector", _source("v3", **{"tasks.max": "abc"})
    )
    yield _validate(
        "validate:missing-topic",
        "FileStreamSourceConnector",
        {"connector.class": SOURCE, "name": "v4", "file": INPUT_FILE},
    )
    yield _validate(
        "validate:sink-no-topics",
        "FileStreamSinkConnector",
        {"connector.class": SINK, "name": "v5", "file": OUTPUT_FILE},
    )
    yield _validate(
        "validate:converters",
        "FileStreamSourceConnector",
        _source(
            "v6",
            **{
                "key.converter": STRING,
                "value.converter": JSON,
                "value.converter.schemas.enable": "false",
                "header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            },
        ),
    )
    yield _validate(
        "validate:bad-converter",
        "FileStreamSourceConnector",
        _source("v7", **{"value.converter": "com.example.NoSuchConverter"}),
    )
    yield _validate(
        "validate:transforms",
        "FileStreamSourceConnector",
        _source(
            "v8",
            **{
                "transforms": "route,insert",
                "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex": "rest-(.*)",
                "transforms.route.replacement": "routed-$1",
                "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                "transforms.insert.topic.field": "t",
                "transforms.insert.predicate": "isLines",
                "transforms.insert.negate": "true",
                "predicates": "isLines",
                "predicates.isLines.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                "predicates.isLines.pattern": "rest-.*",
            },
        ),
    )
    yield _validate(
        "validate:transform-missing-regex",
        "FileStreamSourceConnector",
        _source(
            "v9",
            **{
                "transforms": "route",
                "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
            },
        ),
    )
    yield _validate(
        "validate:transform-unknown-type",
        "FileStreamSourceConnector",
        _source("v10", **{"transforms": "x", "transforms.x.type": "com.example.NoSuchTransform"}),
    )
    yield _validate("validate:transform-no-type", "FileStreamSourceConnector", _source("v11", transforms="x"))
    yield _validate(
        "validate:predicate-unknown",
        "FileStreamSourceConnector",
        _source(
            "v12",
            **{
                "transforms": "route",
                "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
                "transforms.route.regex": "a",
                "transforms.route.replacement": "b",
                "transforms.route.predicate": "p",
                "predicates": "p",
                "predicates.p.type": "com.example.NoSuchPredicate",
            },
        ),
    )
    yield _validate(
        "validate:errors-configs",
        "FileStreamSinkConnector",
        _sink(
            "v13",
            **{
                "errors.tolerance": "sometimes",
                "errors.retry.timeout": "x",
                "errors.deadletterqueue.topic.name": "dlq",
                "errors.deadletterqueue.context.headers.enable": "maybe",
            },
        ),
    )
    yield _validate(
        "validate:topic-creation",
        "FileStreamSourceConnector",
        _source(
            "v14",
            **{
                "topic.creation.groups": "g",
                "topic.creation.default.replication.factor": "1",
                "topic.creation.default.partitions": "1",
                "topic.creation.g.include": "rest-.*",
            },
        ),
    )
    yield _validate(
        "validate:eos",
        "FileStreamSourceConnector",
        _source("v15", **{"exactly.once.support": "required", "transaction.boundary": "sometimes"}),
    )
    yield _validate("validate:class-mismatch", "FileStreamSinkConnector", _source("v16"))
    yield _validate("validate:unknown-plugin", "com.example.Nope", _source("v17"))
    yield from _validation_cases()
    yield _validate("validate:empty-body", "FileStreamSourceConnector", {})
    yield Step(
        "validate:malformed",
        "PUT",
        "/connector-plugins/FileStreamSourceConnector/config/validate",
        raw=b"{not json",
        headers={"Content-Type": "application/json"},
    )

    # --- a source connector's life ---
    yield Step("list-empty", "GET", "/connectors")
    yield Step("create-source", "POST", "/connectors", {"name": "src", "config": _source("src")})
    yield Step("create-duplicate", "POST", "/connectors", {"name": "src", "config": _source("src")})
    yield Step("get-source", "GET", "/connectors/src", wait=("running", "src"))
    yield Step("status-source", "GET", "/connectors/src/status")
    yield Step("task-status", "GET", "/connectors/src/tasks/0/status")
    yield Step("task-status-missing", "GET", "/connectors/src/tasks/7/status")
    yield Step("tasks", "GET", "/connectors/src/tasks")
    yield Step("tasks-config-removed", "GET", "/connectors/src/tasks-config")
    yield Step("config", "GET", "/connectors/src/config")
    yield Step("topics", "GET", "/connectors/src/topics", wait=("topics", "src"))
    yield Step("list", "GET", "/connectors")
    yield Step("list-expand-status", "GET", "/connectors?expand=status")
    yield Step("list-expand-info", "GET", "/connectors?expand=info")
    yield Step("list-expand-both", "GET", "/connectors?expand=status&expand=info")
    yield Step("restart-connector", "POST", "/connectors/src/restart", settle_s=1.0)
    yield Step(
        "restart-with-tasks",
        "POST",
        "/connectors/src/restart?includeTasks=true&onlyFailed=false",
        wait=("running", "src"),
        settle_s=1.0,
    )
    yield Step(
        "restart-only-failed",
        "POST",
        "/connectors/src/restart?includeTasks=true&onlyFailed=true",
        wait=("running", "src"),
    )
    yield Step("restart-task", "POST", "/connectors/src/tasks/0/restart", wait=("running", "src"))
    yield Step("restart-task-missing", "POST", "/connectors/src/tasks/9/restart")
    yield Step("pause", "PUT", "/connectors/src/pause", wait=("running", "src"), settle_s=2.0)
    yield Step("status-paused", "GET", "/connectors/src/status")
    yield Step("resume", "PUT", "/connectors/src/resume", settle_s=2.0)
    yield Step("stop", "PUT", "/connectors/src/stop", wait=("running", "src"), settle_s=3.0)
    yield Step("status-stopped", "GET", "/connectors/src/status")
    yield Step("offsets", "GET", "/connectors/src/offsets")
    yield Step("offsets-patch-bad", "PATCH", "/connectors/src/offsets", {"offsets": [{"partition": "x"}]})
    yield Step(
        "offsets-patch",
        "PATCH",
        "/connectors/src/offsets",
        {"offsets": [{"partition": {"filename": INPUT_FILE}, "offset": {"position": 3}}]},
    )
    yield Step("offsets-after-patch", "GET", "/connectors/src/offsets")
    yield Step("offsets-patch-empty", "PATCH", "/connectors/src/offsets", {"offsets": []})
    yield Step(
        "offsets-patch-no-partition",
        "PATCH",
        "/connectors/src/offsets",
        {"offsets": [{"offset": {"position": 1}}]},
    )
    yield Step(
        "offsets-patch-null-offset",
        "PATCH",
        "/connectors/src/offsets",
        {"offsets": [{"partition": {"filename": INPUT_FILE}, "offset": None}]},
    )
    yield Step("offsets-after-null-offset", "GET", "/connectors/src/offsets")
    yield Step("offsets-delete", "DELETE", "/connectors/src/offsets")
    yield Step("put-config", "PUT", "/connectors/src/config", _source("src", **{"tasks.max": "2"}))
    yield Step("patch-config", "PATCH", "/connectors/src/config", {"tasks.max": "1", "batch.size": "100"})
    yield Step("config-after-patch", "GET", "/connectors/src/config", settle_s=2.0)
    yield Step("resume-stopped", "PUT", "/connectors/src/resume", settle_s=2.0)
    yield Step("status-resumed", "GET", "/connectors/src/status", wait=("running", "src"))

    # --- a sink, then bad requests ---
    yield Step("create-sink-put", "PUT", "/connectors/snk/config", _sink("snk"))
    yield Step("status-sink", "GET", "/connectors/snk/status", wait=("running", "snk"))
    yield Step("sink-offsets-running", "GET", "/connectors/snk/offsets", wait=("sink-offsets", "snk"))
    yield Step("tasks-sink", "GET", "/connectors/snk/tasks")
    yield Step("config-sink", "GET", "/connectors/snk/config")
    yield Step("put-config-wrapper", "PUT", "/connectors/w1/config", {"name": "w1", "config": _source("w1")})
    yield Step("put-config-name-mismatch", "PUT", "/connectors/w2/config", _source("other"))
    yield Step(
        "put-config-empty-class", "PUT", "/connectors/w3/config", _source("w3", **{"connector.class": ""})
    )
    yield Step(
        "put-config-unknown-class",
        "PUT",
        "/connectors/w4/config",
        _source("w4", **{"connector.class": "com.example.Nope"}),
    )
    yield Step(
        "post-unknown-class",
        "POST",
        "/connectors",
        {"name": "w5", "config": _source("w5", **{"connector.class": "com.example.Nope"})},
    )
    yield Step(
        "post-empty-class",
        "POST",
        "/connectors",
        {"name": "w6", "config": _source("w6", **{"connector.class": ""})},
    )
    yield Step("post-no-name", "POST", "/connectors", {"config": _source("w7")})
    yield Step("post-no-config", "POST", "/connectors", {"name": "w8"})
    yield Step(
        "post-invalid-config",
        "POST",
        "/connectors",
        {"name": "w9", "config": _source("w9", **{"tasks.max": "abc"})},
    )
    yield Step(
        "post-malformed",
        "POST",
        "/connectors",
        raw=b'{"name": "w10", "config": {',
        headers={"Content-Type": "application/json"},
    )
    yield Step(
        "post-control-char-name", "POST", "/connectors", {"name": "bad\nname", "config": _source("bad\nname")}
    )
    yield Step("post-blank-name", "POST", "/connectors", {"name": "  ", "config": _source("  ")})
    yield Step("get-missing", "GET", "/connectors/nope")
    yield Step("status-missing", "GET", "/connectors/nope/status")
    yield Step("config-missing", "GET", "/connectors/nope/config")
    yield Step("tasks-missing", "GET", "/connectors/nope/tasks")
    yield Step("pause-missing", "PUT", "/connectors/nope/pause")
    yield Step("restart-missing", "POST", "/connectors/nope/restart")
    yield Step("offsets-missing", "GET", "/connectors/nope/offsets")
    yield Step("delete-missing", "DELETE", "/connectors/nope")
    yield Step("offsets-running", "GET", "/connectors/src/offsets")
    yield Step("offsets-delete-running", "DELETE", "/connectors/src/offsets")
    yield Step("topics-reset", "PUT", "/connectors/src/topics/reset")
    yield Step("topics-after-reset", "GET", "/connectors/src/topics", settle_s=1.0)

    yield from _failures_and_offsets()

    # --- loggers ---
    yield Step("loggers", "GET", "/admin/loggers")
    yield Step("logger-root", "GET", "/admin/loggers/root")
    yield Step(
        "logger-set",
        "PUT",
        "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSourceTask",
        {"level": "DEBUG"},
    )
    yield Step("logger-get", "GET", "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSourceTask")
    yield Step("logger-bad-level", "PUT", "/admin/loggers/org.example", {"level": "LOUD"})
    yield Step("logger-no-level", "PUT", "/admin/loggers/org.example", {})
    yield Step("logger-scope-bad", "PUT", "/admin/loggers/org.example?scope=galaxy", {"level": "INFO"})
    yield Step("logger-missing", "GET", "/admin/loggers/org.example.never.set")
    yield Step("logger-set-new-namespace", "PUT", "/admin/loggers/org.example.fresh", {"level": "WARN"})
    yield Step(
        "logger-cluster-scope", "PUT", "/admin/loggers/org.example.cluster?scope=cluster", {"level": "DEBUG"}
    )

    # --- the end ---
    yield Step("delete-sink", "DELETE", "/connectors/snk")
    yield Step("delete-source", "DELETE", "/connectors/src")
    yield Step("list-after-delete", "GET", "/connectors", settle_s=1.0)
    yield Step("unknown-path", "GET", "/no/such/path")
    yield Step("method-not-allowed", "DELETE", "/connector-plugins")
    yield Step("health", "GET", "/health")


def _validation_cases() -> Iterator[Step]:
    """Validation of every SMT, predicate and converter, and of the mistakes users make."""
    for smt in TRANSFORMS:
        yield _validate(
            f"validate-smt:{smt}",
            "FileStreamSourceConnector",
            _source("vt", **{"transforms": "t", "transforms.t.type": smt}),
        )
    for predicate in PREDICATES:
        yield _validate(
            f"validate-predicate:{predicate}",
            "FileStreamSourceConnector",
            _source(
                "vp",
                **{
                    "transforms": "f",
                    "transforms.f.type": "org.apache.kafka.connect.transforms.Filter",
                    "transforms.f.predicate": "p",
                    "predicates": "p",
                    "predicates.p.type": predicate,
                },
            ),
        )
    for converter in CONVERTERS:
        keys = (
            {"header.converter": converter}
            if converter not in HEADER_CONVERTERS
            else {"value.converter": converter, "key.converter": converter, "header.converter": converter}
        )
        yield _validate(f"validate-converter:{converter}", "FileStreamSinkConnector", _sink("vc", **keys))
    cases: list[tuple[str, dict[str, str | None]]] = [
        ("not-a-converter", {"value.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter"}),
        ("not-a-header-converter", {"header.converter": "org.apache.kafka.connect.transforms.RegexRouter"}),
        ("transform-not-a-transform", {"transforms": "x", "transforms.x.type": JSON}),
        (
            "transform-abstract",
            {"transforms": "x", "transforms.x.type": "org.apache.kafka.connect.transforms.Cast"},
        ),
        ("predicate-not-a-predicate", {"predicates": "p", "predicates.p.type": ROUTER}),
        (
            "negate-without-predicate",
            {
                "transforms": "r",
                "transforms.r.type": ROUTER,
                "transforms.r.regex": "a",
                "transforms.r.replacement": "b",
                "transforms.r.negate": "true",
            },
        ),
        (
            "duplicate-aliases",
            {
                "transforms": "r,r",
                "transforms.r.type": ROUTER,
                "transforms.r.regex": "a",
                "transforms.r.replacement": "b",
            },
        ),
        (
            "predicate-alias-unknown",
            {
                "transforms": "r",
                "transforms.r.type": ROUTER,
                "transforms.r.regex": "a",
                "transforms.r.replacement": "b",
                "transforms.r.predicate": "nope",
            },
        ),
        (
            "versions-pinned",
            {
                "connector.plugin.version": "4.2.1",
                "value.converter": JSON,
                "value.converter.plugin.version": "4.2.1",
                "transforms": "r",
                "transforms.r.type": ROUTER,
                "transforms.r.plugin.version": "[4.0,5.0)",
                "transforms.r.regex": "a",
                "transforms.r.replacement": "b",
            },
        ),
        ("connector-version-range", {"connector.plugin.version": "[4.0,)"}),
        ("converter-version-missing", {"value.converter": JSON, "value.converter.plugin.version": "1.0"}),
        ("converter-version-of-worker-converter", {"key.converter.plugin.version": "4.2.1"}),
        (
            "transform-version-missing",
            {
                "transforms": "r",
                "transforms.r.type": ROUTER,
                "transforms.r.regex": "a",
                "transforms.r.replacement": "b",
                "transforms.r.plugin.version": "1.0",
            },
        ),
        ("tasks-max-zero", {"tasks.max": "0"}),
        ("name-control-char", {"name": "bad\u0007name"}),
        ("reload-action-bad", {"config.action.reload": "maybe"}),
        ("errors-tolerance-upper", {"errors.tolerance": "ALL"}),
        ("null-value", {"batch.size": None}),
        ("unknown-key", {"no.such.key": "x"}),
        ("producer-override", {"producer.override.linger.ms": "5"}),
        (
            "topic-creation-bad",
            {"topic.creation.default.partitions": "x", "topic.creation.default.replication.factor": "1"},
        ),
        ("transaction-boundary-connector", {"transaction.boundary": "connector"}),
    ]
    for case, extra in cases:
        yield _validate(f"validate:{case}", "FileStreamSourceConnector", {**_source("vx"), **extra})
    sink_cases: list[tuple[str, dict[str, str]]] = [
        ("sink-both-topics", {"topics.regex": "rest-.*"}),
        ("sink-duplicate-topics", {"topics": "a,a"}),
        ("sink-empty-topic-item", {"topics": "a,,b"}),
        ("sink-dlq-in-topics", {"topics": "a, b", "errors.deadletterqueue.topic.name": "a"}),
        (
            "sink-dlq-matches-regex",
            {"topics": "", "topics.regex": "rest-.*", "errors.deadletterqueue.topic.name": "rest-dlq"},
        ),
        (
            "sink-dlq-overrides",
            {
                "errors.deadletterqueue.topic.name": "dlq",
                "consumer.override.max.poll.records": "5",
                "admin.override.request.timeout.ms": "1000",
            },
        ),
        ("sink-bad-regex", {"topics": "", "topics.regex": "("}),
    ]
    for case, extra in sink_cases:
        yield _validate(f"validate:{case}", "FileStreamSinkConnector", _sink("vs", **extra))
    yield _validate(
        "validate:version-bad-spec",
        "FileStreamSourceConnector",
        _source("vb", **{"connector.plugin.version": "[4.0"}),
    )
    yield _validate(
        "validate:connector-version-missing",
        "FileStreamSourceConnector",
        _source("vm", **{"connector.plugin.version": "9.9.9"}),
    )


def _failures_and_offsets() -> Iterator[Step]:
    """A failed task and its restarts; a sink's offsets through the offsets API; odd parameters."""
    yield Step(
        "create-failing-sink",
        "POST",
        "/connectors",
        {"name": "bad", "config": _sink("bad", file=UNWRITABLE_FILE)},
    )
    yield Step("status-failed", "GET", "/connectors/bad/status", wait=("failed", "bad"))
    yield Step("task-status-failed", "GET", "/connectors/bad/tasks/0/status")
    # (each restart fails the task again; the pause lets that happen before the next step waits for it)
    yield Step(
        "restart-failed-only-failed",
        "POST",
        "/connectors/bad/restart?includeTasks=true&onlyFailed=true",
        settle_s=2.0,
    )
    yield Step(
        "restart-failed-task", "POST", "/connectors/bad/tasks/0/restart", wait=("failed", "bad"), settle_s=2.0
    )
    yield Step(
        "restart-failed-connector-only",
        "POST",
        "/connectors/bad/restart?onlyFailed=true",
        wait=("failed", "bad"),
    )
    yield Step("delete-failing-sink", "DELETE", "/connectors/bad", wait=("failed", "bad"))
    yield Step("restart-bad-flag", "POST", "/connectors/src/restart?includeTasks=maybe")
    yield Step("task-status-not-a-number", "GET", "/connectors/src/tasks/abc/status")
    yield Step("list-expand-bogus", "GET", "/connectors?expand=bogus")
    yield Step(
        "create-stopped",
        "POST",
        "/connectors",
        {"name": "stp", "config": _source("stp"), "initial_state": "STOPPED"},
    )
    yield Step("status-created-stopped", "GET", "/connectors/stp/status", wait=("stopped", "stp"))
    yield Step("offsets-created-stopped", "GET", "/connectors/stp/offsets")
    yield Step(
        "create-bad-initial-state",
        "POST",
        "/connectors",
        {"name": "stq", "config": _source("stq"), "initial_state": "SLEEPING"},
    )
    yield Step("delete-created-stopped", "DELETE", "/connectors/stp")
    yield Step(
        "offsets-patch-running",
        "PATCH",
        "/connectors/src/offsets",
        {"offsets": [{"partition": {"filename": INPUT_FILE}, "offset": {"position": 3}}]},
    )
    # the sink has read the ten lines; stopped, its consumer group's offsets are the connector's
    yield Step("stop-sink", "PUT", "/connectors/snk/stop", wait=("sink-offsets", "snk"), settle_s=3.0)
    yield Step("sink-offsets-stopped", "GET", "/connectors/snk/offsets")
    yield Step(
        "sink-offsets-patch",
        "PATCH",
        "/connectors/snk/offsets",
        {
            "offsets": [
                {"partition": {"kafka_topic": TOPIC, "kafka_partition": 0}, "offset": {"kafka_offset": 5}}
            ]
        },
    )
    yield Step("sink-offsets-after-patch", "GET", "/connectors/snk/offsets")
    yield Step(
        "sink-offsets-patch-bad-partition",
        "PATCH",
        "/connectors/snk/offsets",
        {"offsets": [{"partition": {"kafka_topic": TOPIC}, "offset": {"kafka_offset": 5}}]},
    )
    yield Step(
        "sink-offsets-patch-negative",
        "PATCH",
        "/connectors/snk/offsets",
        {
            "offsets": [
                {"partition": {"kafka_topic": TOPIC, "kafka_partition": 0}, "offset": {"kafka_offset": -1}}
            ]
        },
    )
    yield Step("sink-offsets-delete", "DELETE", "/connectors/snk/offsets")
    yield Step("sink-offsets-after-delete", "GET", "/connectors/snk/offsets")


# --- normalisation -------------------------------------------------------------------------------

_WORKER_ID = re.compile(r"^(127\.0\.0\.1|localhost|[\w.-]+):\d+$")


def normalise(value: Any, key: str | None = None) -> Any:
    """Replace the values that differ between any two runs by placeholders."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        if key == "worker_id" and _WORKER_ID.match(value):
            return "<worker>"
        if key == "trace":
            return "<trace>"
        if key in ("commit", "kafka_cluster_id"):
            return f"<{key}>"
        if key == "last_modified":
            return "<time>"
    if isinstance(value, int) and key == "last_modified":
        return "<time>"
    return value


Waiter = Callable[[str, str], bool]
