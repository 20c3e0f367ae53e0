"""ReplaceField's and InsertField's generated schemaless steps do exactly what their general steps do."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectrt.api.data import DataException, Schema, SchemaBuilder, Struct
from connectrt.api.plugin import Transformation
from connectrt.transforms.fused import OWN_KEY, OWN_VALUE, fuse, step_apply
from connectrt.transforms.insert_field import InsertFieldKey, InsertFieldValue
from connectrt.transforms.replace_field import ReplaceFieldKey, ReplaceFieldValue

from .helpers import configure, sink, source

REPLACE_CONFIGS = [
    {"exclude": "b"},
    {"renames": "a:x,c:y"},
    {"exclude": "b,z", "renames": "a:x,b:q,c:a"},  # a rename of an excluded field; a target that was a field
    {"exclude": "a", "renames": "c:a"},  # a rename onto an excluded field
    {"renames": "a:c"},  # onto a field that stays: it takes the renamed value
    {},
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


@pytest.mark.parametrize(("cls", "config"), CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CASES)])
def test_generated_step_equals_general_step(cls: type[Transformation[Any]], config: dict[str, Any]) -> None:
    xform = configure(cls, config)
    general = xform._compile()
    generated = xform.fused_step()
    assert generated is not general
    for value in VALUES:
        for make in (source, sink):
            for record in (
                make(value=value, key=dict(value) if isinstance(value, dict) else value, timestamp=5),
                make(value=value, key=value, timestamp=None, partition=None) if make is source else make(value=value),
            ):
                assert outcome(step_apply(generated), record) == outcome(step_apply(general), record)
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

                    want = outcome(fuse([owned, general], lambda r, s, c: None), record)
                    before = copy.deepcopy((record.key, record.value))
                    assert outcome(fuse([owned, generated], lambda r, s, c: None), record) == want
                    assert (record.key, record.value) == before  # only what the run made is edited in place


def test_include_and_chained_renames_keep_the_general_step() -> None:
    for config in ({"include": "a"}, {"renames": "a:b,b:a"}):
        xform = configure(ReplaceFieldValue, config)
        assert xform.fused_step().__qualname__.endswith("_compile.<locals>.step")
    assert configure(ReplaceFieldValue, {"renames": "a:b"}).fused_step().__code__.co_filename.startswith("<")


def test_a_value_with_a_schema_takes_the_general_path() -> None:
    schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA).field("b", Schema.INT32_SCHEMA).build()
    xform = configure(ReplaceFieldValue, {"exclude": "b"})
    out = xform.apply(source(value=Struct(schema, {"a": 1, "b": 2}), value_schema=schema))
    assert isinstance(out.value, Struct) and dict(out.value) == {"a": 1}
    assert [f.name for f in out.value_schema.fields] == ["a"]
