"""TransformationChain fusing consecutive predicate-less transforms: one record copy, the same result.

Every case runs the chain (fused) against the transforms' own ``apply`` one by one, which is the
semantics the fusion must keep: same output record, input untouched, the same failures reported
against the same stage.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.api.plugin import Transformation
from connectrt.api.records import ConnectRecord, Header, SinkRecord, SourceRecord
from connectrt.runtime.errors import (
    ConsumedRecord,
    ErrorReporter,
    ProcessingContext,
    RetryWithToleranceOperator,
    Stage,
    ToleranceExceededError,
)
from connectrt.runtime.plugins import Plugins
from connectrt.runtime.transformation_chain import (
    TransformationChain,
    TransformationStage,
    _plan,
    build_chain,
)
from connectrt.transforms import PLUGINS
from connectrt.transforms.fused import fuse
from connectrt.transforms.insert_field import InsertFieldKey, InsertFieldValue
from connectrt.transforms.predicates import TopicNameMatches
from connectrt.transforms.regex_router import RegexRouter
from connectrt.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

from .helpers import configure, sink, source

VALUE_SCHEMA = (
    SchemaBuilder.struct()
    .name("v")
    .field("id", Schema.INT64_SCHEMA)
    .field("customer", Schema.STRING_SCHEMA)
    .field("note", SchemaBuilder.string().optional().default_value("none").build())
    .field("flag", Schema.BOOLEAN_SCHEMA)
    .build()
)
KEY_SCHEMA = (
    SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).field("region", Schema.STRING_SCHEMA).build()
)

ROUTER = {"regex": r"db\.([^.]+)\.(.+)", "replacement": "$1_$2"}
REPLACE = {"exclude": "flag", "renames": "customer:customer_name,note:comment"}
REPLACE_TWO_PHASE = {"renames": "id:customer,customer:id"}
REPLACE_INCLUDE = {"include": "id,note", "renames": "note:comment"}
INSERT = {"topic.field": "t", "timestamp.field": "ts", "static.field": "origin", "static.value": "x"}
INSERT_SINK = {**INSERT, "partition.field": "p!", "offset.field": "o"}

CHAINS: dict[str, list[tuple[type[Transformation[Any]], dict[str, Any]]]] = {
    "route-replace-insert": [(RegexRouter, ROUTER), (ReplaceFieldValue, REPLACE), (InsertFieldValue, INSERT)],
    "replace-insert-in-place": [
        (ReplaceFieldValue, {"exclude": "flag,note", "renames": "customer:customer_name"}),
        (InsertFieldValue, INSERT),
        (InsertFieldValue, {"static.field": "again", "static.value": "y"}),
    ],
    "insert-replace": [(InsertFieldValue, INSERT), (ReplaceFieldValue, REPLACE)],
    "replace-twice": [(ReplaceFieldValue, REPLACE_TWO_PHASE), (ReplaceFieldValue, REPLACE_TWO_PHASE)],
    "include-insert-route": [
        (ReplaceFieldValue, REPLACE_INCLUDE),
        (InsertFieldValue, INSERT),
        (RegexRouter, ROUTER),
    ],
    "keys-and-values": [
        (ReplaceFieldKey, {"renames": "id:key_id"}),
        (InsertFieldKey, {"static.field": "k", "static.value": "v"}),
        (InsertFieldValue, INSERT),
        (InsertFieldValue, {"static.field": "again", "static.value": "y"}),
    ],
    "sink-fields": [(InsertFieldValue, INSERT_SINK), (ReplaceFieldValue, REPLACE), (RegexRouter, ROUTER)],
}


def values(schemaful: bool) -> list[Any]:
    fields = [
        {"id": 1, "customer": "c", "note": None, "flag": True},
        {"id": 2, "customer": "d", "note": "gift", "flag": False},
    ]
    if schemaful:
        return [Struct(VALUE_SCHEMA, f) for f in fields]
    return [*fields, {"id": 3}, {}]


def records(schemaful: bool) -> list[ConnectRecord]:
    out: list[ConnectRecord] = []
    vs = VALUE_SCHEMA if schemaful else None
    key: Any = Struct(KEY_SCHEMA, {"id": 7, "region": "eu"}) if schemaful else {"id": 7, "region": "eu"}
    ks = KEY_SCHEMA if schemaful else None
    for i, value in enumerate(values(schemaful)):
        for topic in ("db.inventory.orders", "other"):
            out.append(source(value, vs, key, ks, topic=topic, timestamp=1_700_000_000_000 + i,
                              headers=[Header("h", i)]))  # fmt: skip
            out.append(sink(value, vs, key, ks, topic=topic, partition=i, offset=40 + i, timestamp=None))
        out.append(source(None, vs, key, ks, topic="db.a.b"))  # tombstone
    return out


def build(
    spec: list[tuple[type[Transformation[Any]], dict[str, Any]]],
) -> tuple[list[Any], TransformationChain[Any]]:
    transforms = [configure(cls, dict(cfg)) for cls, cfg in spec]
    stages = [TransformationStage(f"t{i}", configure(cls, dict(cfg))) for i, (cls, cfg) in enumerate(spec)]
    return transforms, TransformationChain(stages)


def one_by_one(transforms: list[Any], record: Any) -> Any:
    for t in transforms:
        record = t.apply(record)
        if record is None:
            return None
    return record


def fields(record: ConnectRecord) -> dict[str, Any]:
    names = [n for cls in type(record).__mro__ for n in getattr(cls, "__slots__", ())]
    out = {n: getattr(record, n) for n in names if hasattr(record, n)}
    out["headers"] = list(record.headers)
    return out


@pytest.mark.parametrize("schemaful", [False, True], ids=["schemaless", "schemaful"])
@pytest.mark.parametrize("name", list(CHAINS))
def test_fused_chain_equals_transforms_one_by_one(name: str, schemaful: bool) -> None:
    transforms, chain = build(CHAINS[name])
    assert [steps is not None for _, steps in _plan(chain.stages)] == [
        True
    ]  # the whole chain is one fused run
    for record in records(schemaful):
        if name == "sink-fields" and not isinstance(record, SinkRecord):
            continue
        before = copy.deepcopy(fields(record))
        try:
            want = one_by_one(transforms, record)
        except DataException as e:
            with pytest.raises(DataException, match=str(e)):
                chain.apply(record)
            continue
        got = chain.apply(record, source_record=record)
        assert fields(record) == before  # the input record and its value are untouched
        if want is record:
            assert got is record
            continue
        assert type(got) is type(want)
        assert fields(got) == fields(want)
        if isinstance(want.value, dict):
            assert list(got.value) == list(want.value)  # same field order
            assert type(got.value) is type(want.value)
        if isinstance(want.key, dict):
            assert list(got.key) == list(want.key)
        got.headers.add("new", 1)
        assert len(record.headers) == len(before["headers"])  # headers are the output's own


def test_a_stage_with_a_predicate_or_without_a_step_splits_the_fused_runs() -> None:
    predicate = configure(TopicNameMatches, {"pattern": "db.*"})
    stages = [
        TransformationStage("a", configure(RegexRouter, ROUTER)),
        TransformationStage("b", configure(ReplaceFieldValue, REPLACE)),
        TransformationStage("c", configure(InsertFieldValue, INSERT), predicate),
        TransformationStage("d", configure(InsertFieldValue, INSERT)),
        TransformationStage("e", configure(ReplaceFieldValue, REPLACE)),
        TransformationStage("f", configure(InsertFieldValue, INSERT)),
    ]
    runs = _plan(stages)
    assert [([s.alias for s in run], steps is not None) for run, steps in runs] == [
        (["a", "b"], True),
        (["c"], False),
        (["d", "e", "f"], True),
    ]
    assert [([s.alias for s in run], steps is not None) for run, steps in _plan(stages[1:4])] == [
        (["b", "c", "d"], False)  # a lone fusable stage runs as it is
    ]
    chain = TransformationChain(stages)
    transforms = [s.transformation for s in stages]
    for record in records(False):
        record = source(record.value, topic="db.x.y", timestamp=5)
        want = one_by_one(transforms[:2], record)
        want = transforms[2].apply(want) if predicate.test(want) else want
        want = one_by_one(transforms[3:], want)
        assert fields(chain.apply(record)) == fields(want)


class Capture(ErrorReporter):
    def __init__(self) -> None:
        self.contexts: list[ProcessingContext] = []

    def report(self, context: ProcessingContext) -> None:
        self.contexts.append(context)


def test_a_failing_step_is_reported_against_its_stage_and_tolerated() -> None:
    reporter = Capture()
    operator = RetryWithToleranceOperator(0, 1000, True, [reporter])
    props = {
        "transforms": "route,replace,insert",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter",
        **{f"transforms.route.{k}": v for k, v in ROUTER.items()},
        "transforms.replace.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
        **{f"transforms.replace.{k}": v for k, v in REPLACE.items()},
        "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
        **{f"transforms.insert.{k}": v for k, v in INSERT.items()},
    }
    chain = build_chain(Plugins(PLUGINS, load_entry_points=False), props, operator)
    assert [steps is not None for _, steps in _plan(chain.stages)] == [True]
    bad = source(["not", "a", "map"], topic="db.a.b")
    good = source({"id": 1, "customer": "c", "note": None}, topic="db.a.b")
    assert chain.apply(bad, source_record=bad) is None
    assert operator.total_failures == 1
    (context,) = reporter.contexts
    assert context.stage is Stage.TRANSFORMATION
    assert isinstance(context.executing_class, ReplaceFieldValue)
    assert context.source_record is bad
    assert "Only Map objects supported in absence of schema for [field replacement]" in str(context.error)
    out = chain.apply(good, source_record=good)
    assert out is not None and out.topic == "a_b"
    assert out.value == {"id": 1, "customer_name": "c", "comment": None, "t": "a_b", "origin": "x"}


def test_a_failing_step_fails_the_task_without_tolerance() -> None:
    _, chain = build(CHAINS["route-replace-insert"])
    with pytest.raises(DataException, match="field insertion|field replacement"):
        chain.apply(source("text", topic="db.a.b"))
    chain.operator = RetryWithToleranceOperator(0, 1000, False, [])
    with pytest.raises(ToleranceExceededError):
        chain.apply(source("text", topic="db.a.b"))


class CustomRecord(SourceRecord):
    __slots__ = ("extra",)

    def new_record(self, *args: Any, **kwargs: Any) -> CustomRecord:
        out = CustomRecord(self.source_partition, self.source_offset, *args[:7])
        out.extra = "made by new_record"
        return out


def test_other_record_classes_get_their_own_new_record() -> None:
    transforms, chain = build(CHAINS["route-replace-insert"])
    record = CustomRecord(None, None, "db.a.b", 0, None, None, None, {"id": 1, "customer": "c", "note": None})
    record.extra = "input"
    for out in (chain.apply(record), one_by_one(transforms, record)):
        assert type(out) is CustomRecord and out.extra == "made by new_record"
        assert out.topic == "a_b"
        assert out.value == {"id": 1, "customer_name": "c", "comment": None, "t": "a_b", "origin": "x"}
    assert record.value == {"id": 1, "customer": "c", "note": None} and record.topic == "db.a.b"


def test_fuse_without_replay_raises_the_step_error() -> None:
    def boom(draft: Any, flags: int) -> int:
        raise DataException("boom")

    apply = fuse([boom], lambda r, s, c: r)
    with pytest.raises(DataException, match="boom"):
        apply(source({}))
    replayed = fuse([boom], lambda r, s, c: r, lambda r, s, c: ("replayed", r, s, c))
    record = source({})
    assert replayed(record, record, None) == ("replayed", record, record, None)


def test_a_failing_step_of_a_sink_record_reports_the_consumed_record() -> None:
    reporter = Capture()
    transforms, chain = build(CHAINS["sink-fields"])
    chain.operator = RetryWithToleranceOperator(0, 1000, True, [reporter])
    consumed = ConsumedRecord("t", 0, 5, None, b"x", None, None)
    bad = sink(value=3, topic="db.a.b")
    assert chain.apply(bad, consumed=consumed) is None
    (context,) = reporter.contexts
    assert context.consumed is consumed and isinstance(context.executing_class, InsertFieldValue)
    good = sink(value={"id": 1, "customer": "c", "note": None, "flag": False}, topic="db.a.b", offset=9)
    out = chain.apply(good, consumed=consumed)
    assert fields(out) == fields(one_by_one(transforms, good))
