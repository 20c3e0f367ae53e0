"""ReplaceField's and InsertField's generated steps do, on schemaless values, exactly what the plain
reading of Java's applySchemaless does (the references below, written as loops over the configuration),
on a fresh record and on a value an earlier step of the same run made (edited in place)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.api.plugin import Transformation
from connectrt.transforms.fused import CHANGED, OWN_KEY, OWN_VALUE, Step, fuse, step_apply
from connectrt.transforms.insert_field import InsertFieldKey, InsertFieldValue
from connectrt.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue, parse_rename_mappings
from connectrt.transforms.util import require_map, require_sink_record

from .helpers import configure, sink, source

REPLACE_CONFIGS = [
    {"exclude": "b"},
    {"renames": "a:x,c:y"},
    {"exclude": "b,z", "renames": "a:x,b:q,c:a"},  # a rename of an excluded field; a target that was a field
    {"exclude": "a", "renames": "c:a"},  # a rename onto an excluded field
    {"renames": "a:c"},  # onto a field that stays: it takes the renamed value
    {},
    {"include": "a,c"},
    {"include": "a,c", "exclude": "c", "renames": "a:z"},  # exclude wins over include
    {"renames": "a:b,b:a"},  # a rename onto a renamed field reads every old value first
    {"include": "c,b", "renames": "b:c,c:b"},
]
INSERT_CONFIGS = [
    {"topic.field": "t"},
    {"topic.field": "t!", "partition.field": "p", "timestamp.field": "ts?"},
    {"static.field": "s", "static.value": "v", "timestamp.field": "a"},  # onto an existing field
    {
        "topic.field": "t",
        "partition.field": "p",
        "offset.field": "o",
        "timestamp.field": "ts",
        "static.field": "s",
        "static.value": "v",
    },
]
VALUES: list[Any] = [{"a": 1, "b": 2, "c": 3}, {"c": 3}, {}, None, "text", [1]]

CASES = [(cls, cfg) for cls in (ReplaceFieldValue, ReplaceFieldKey) for cfg in REPLACE_CONFIGS] + [
    (cls, cfg) for cls in (InsertFieldValue, InsertFieldKey) for cfg in INSERT_CONFIGS
]


def outcome(apply: Any, record: Any) -> Any:
    try:
        out = apply(record)
    except DataException as e:
        return ("error", str(e))
    if out is record:
        return "same record"
    return (out.topic, out.key, list(out.key or []) if isinstance(out.key, dict) else None, out.value,
            list(out.value or []) if isinstance(out.value, dict) else None, out.value_schema, out.key_schema)  # fmt: skip


def _split(config: dict[str, Any], key: str) -> list[str]:
    return [v for v in config.get(key, "").split(",") if v]


def replace_reference(config: dict[str, Any], is_key: bool) -> Step:
    """ReplaceField on a schemaless value: the kept fields under their new names, old values read first."""
    exclude, include = set(_split(config, "exclude")), set(_split(config, "include"))
    renames = parse_rename_mappings(_split(config, "renames"))
    own = OWN_KEY if is_key else OWN_VALUE

    def step(draft: Any, flags: int) -> int:
        value = draft.key if is_key else draft.value
        if value is None:
            return flags
        require_map(value, "field replacement")
        if include:
            updated = {renames.get(k, k): v for k, v in value.items() if k in include and k not in exclude}
        else:
            updated = value if flags & own else dict(value)
            for name in exclude:
                updated.pop(name, None)
            moved = [
                (new, updated.pop(old))
                for old, new in renames.items()
                if old not in exclude and old in updated
            ]
            updated.update(moved)
        if is_key:
            draft.key = updated
        else:
            draft.value = updated
        return flags | own | CHANGED

    return step


def insert_reference(config: dict[str, Any], is_key: bool) -> Step:
    """InsertField on a schemaless value: the configured fields set after the value's own, null metadata left out."""
    names = {k: v.rstrip("!?") for k, v in config.items() if k.endswith(".field")}
    own = OWN_KEY if is_key else OWN_VALUE

    def step(draft: Any, flags: int) -> int:
        value = draft.key if is_key else draft.value
        if value is None:
            return flags
        updated = (
            value if flags & own and type(value) is dict else dict(require_map(value, "field insertion"))
        )
        if "topic.field" in names:
            updated[names["topic.field"]] = draft.topic
        if "partition.field" in names and draft.kafka_partition is not None:
            updated[names["partition.field"]] = draft.kafka_partition
        if "offset.field" in names:
            updated[names["offset.field"]] = require_sink_record(draft, "field insertion").kafka_offset
        if "timestamp.field" in names and draft.timestamp is not None:
            updated[names["timestamp.field"]] = draft.timestamp
        if "static.field" in names:
            updated[names["static.field"]] = config["static.value"]
        if is_key:
            draft.key = updated
        else:
            draft.value = updated
        return flags | own | CHANGED

    return step


@pytest.mark.parametrize(
    ("cls", "config"), CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CASES)]
)
def test_generated_step_equals_the_reference(cls: type[Transformation[Any]], config: dict[str, Any]) -> None:
    xform = configure(cls, config)
    is_key = cls in (ReplaceFieldKey, InsertFieldKey)
    reference = (replace_reference if cls in (ReplaceFieldKey, ReplaceFieldValue) else insert_reference)(
        config, is_key
    )
    generated = xform.fused_step()
    for value in VALUES:
        for make in (source, sink):
            for record in (
                make(value=value, key=dict(value) if isinstance(value, dict) else value, timestamp=5),
                make(value=value, key=value, timestamp=None, partition=None)
                if make is source
                else make(value=value),
            ):
                assert outcome(xform.apply, record) == outcome(step_apply(reference), record)
                # on a value a previous step of the run made (edited in place): the same result
                for own in (OWN_KEY, OWN_VALUE):

                    def owned(draft: Any, flags: int, own: int = own) -> int:
                        if own == OWN_KEY and type(draft.key) is dict:
                            draft.key = dict(draft.key)
                        elif own == OWN_VALUE and type(draft.value) is dict:
                            draft.value = dict(draft.value)
                        else:
                            return flags
                        return flags | own | 4

                    want = outcome(fuse([owned, reference], lambda r, s, c: None), record)
                    before = copy.deepcopy((record.key, record.value))
                    assert outcome(fuse([owned, generated], lambda r, s, c: None), record) == want
                    assert (record.key, record.value) == before  # only what the run made is edited in place


def test_every_configuration_gets_a_generated_step() -> None:
    for config in ({"include": "a"}, {"renames": "a:b,b:a"}, {"renames": "a:b"}):
        assert configure(ReplaceFieldValue, config).fused_step().__code__.co_filename.startswith("<")
    assert configure(InsertFieldKey, {"topic.field": "t"}).fused_step().__code__.co_filename.startswith("<")


def test_a_value_with_a_schema_takes_the_general_path() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.INT32_SCHEMA).build()
    xform = configure(ReplaceFieldValue, {"exclude": "b"})
    out = xform.apply(source(value=Struct(schema, {"a": 1, "b": 2}), value_schema=schema))
    assert isinstance(out.value, Struct) and dict(out.value) == {"a": 1}
    assert [f.name for f in out.value_schema.fields] == ["a"]
