"""Every built-in transform and predicate: registered, aliased by its Java name, with Java's ConfigDef."""

from __future__ import annotations

from typing import Any

import pytest

from connectrt.api.plugin import PluginType, Predicate, Transformation
from connectrt.config.configdef import NO_DEFAULT_VALUE, Importance, Type, config_key_info
from connectrt.runtime.plugins import Plugins
from connectrt.transforms import PLUGINS, PREDICATES, TRANSFORMATIONS

pytestmark = pytest.mark.unit

JAVA = "org.apache.kafka.connect.transforms."
RNWD = ("replace.null.with.default", Type.BOOLEAN, True, Importance.MEDIUM)
R = NO_DEFAULT_VALUE

# Java class → [(key, type, default, importance)], in Java's definition order.
EXPECTED: dict[str, list[tuple[str, Type, Any, Importance]]] = {
    "Cast$Key": [("spec", Type.LIST, R, Importance.HIGH), RNWD],
    "Cast$Value": [("spec", Type.LIST, R, Importance.HIGH), RNWD],
    "DropHeaders": [("headers", Type.LIST, R, Importance.HIGH)],
    "ExtractField$Key": [
        ("field", Type.STRING, R, Importance.MEDIUM),
        RNWD,
        ("field.syntax.version", Type.STRING, "V1", Importance.HIGH),
    ],
    "ExtractField$Value": [
        ("field", Type.STRING, R, Importance.MEDIUM),
        RNWD,
        ("field.syntax.version", Type.STRING, "V1", Importance.HIGH),
    ],
    "Filter": [],
    "Flatten$Key": [("delimiter", Type.STRING, ".", Importance.MEDIUM)],
    "Flatten$Value": [("delimiter", Type.STRING, ".", Importance.MEDIUM)],
    "HeaderFrom$Key": [
        ("fields", Type.LIST, R, Importance.HIGH),
        ("headers", Type.LIST, R, Importance.HIGH),
        ("operation", Type.STRING, R, Importance.HIGH),
        RNWD,
    ],
    "HeaderFrom$Value": [
        ("fields", Type.LIST, R, Importance.HIGH),
        ("headers", Type.LIST, R, Importance.HIGH),
        ("operation", Type.STRING, R, Importance.HIGH),
        RNWD,
    ],
    "HoistField$Key": [("field", Type.STRING, R, Importance.MEDIUM)],
    "HoistField$Value": [("field", Type.STRING, R, Importance.MEDIUM)],
    "InsertField$Key": [
        (k, Type.STRING, None, Importance.MEDIUM)
        for k in (
            "topic.field",
            "partition.field",
            "offset.field",
            "timestamp.field",
            "static.field",
            "static.value",
        )
    ]
    + [RNWD],
    "InsertField$Value": [
        (k, Type.STRING, None, Importance.MEDIUM)
        for k in (
            "topic.field",
            "partition.field",
            "offset.field",
            "timestamp.field",
            "static.field",
            "static.value",
        )
    ]
    + [RNWD],
    "InsertHeader": [
        ("header", Type.STRING, R, Importance.HIGH),
        ("value.literal", Type.STRING, R, Importance.HIGH),
    ],
    "MaskField$Key": [
        ("fields", Type.LIST, R, Importance.HIGH),
        ("replacement", Type.STRING, None, Importance.LOW),
        RNWD,
    ],
    "MaskField$Value": [
        ("fields", Type.LIST, R, Importance.HIGH),
        ("replacement", Type.STRING, None, Importance.LOW),
        RNWD,
    ],
    "RegexRouter": [
        ("regex", Type.STRING, R, Importance.HIGH),
        ("replacement", Type.STRING, R, Importance.HIGH),
    ],
    "ReplaceField$Key": [
        ("exclude", Type.LIST, [], Importance.MEDIUM),
        ("include", Type.LIST, [], Importance.MEDIUM),
        ("renames", Type.LIST, [], Importance.MEDIUM),
        RNWD,
    ],
    "ReplaceField$Value": [
        ("exclude", Type.LIST, [], Importance.MEDIUM),
        ("include", Type.LIST, [], Importance.MEDIUM),
        ("renames", Type.LIST, [], Importance.MEDIUM),
        RNWD,
    ],
    "SetSchemaMetadata$Key": [
        ("schema.name", Type.STRING, None, Importance.HIGH),
        ("schema.version", Type.INT, None, Importance.HIGH),
        RNWD,
    ],
    "SetSchemaMetadata$Value": [
        ("schema.name", Type.STRING, None, Importance.HIGH),
        ("schema.version", Type.INT, None, Importance.HIGH),
        RNWD,
    ],
    "TimestampConverter$Key": [
        ("field", Type.STRING, "", Importance.HIGH),
        ("target.type", Type.STRING, R, Importance.HIGH),
        ("format", Type.STRING, "", Importance.MEDIUM),
        ("unix.precision", Type.STRING, "milliseconds", Importance.LOW),
        RNWD,
    ],
    "TimestampConverter$Value": [
        ("field", Type.STRING, "", Importance.HIGH),
        ("target.type", Type.STRING, R, Importance.HIGH),
        ("format", Type.STRING, "", Importance.MEDIUM),
        ("unix.precision", Type.STRING, "milliseconds", Importance.LOW),
        RNWD,
    ],
    "TimestampRouter": [
        ("topic.format", Type.STRING, "${topic}-${timestamp}", Importance.HIGH),
        ("timestamp.format", Type.STRING, "yyyyMMdd", Importance.HIGH),
    ],
    "ValueToKey": [("fields", Type.LIST, R, Importance.HIGH), RNWD],
    "predicates.HasHeaderKey": [("name", Type.STRING, R, Importance.MEDIUM)],
    "predicates.RecordIsTombstone": [],
    "predicates.TopicNameMatches": [("pattern", Type.STRING, R, Importance.MEDIUM)],
}


def test_every_java_class_is_registered_once() -> None:
    aliases = [alias for cls in PLUGINS for alias in cls.ALIASES]
    assert sorted(aliases) == sorted(JAVA + name for name in EXPECTED)
    assert len(PLUGINS) == len(EXPECTED)
    assert all(issubclass(cls, Transformation) for cls in TRANSFORMATIONS)
    assert all(issubclass(cls, Predicate) for cls in PREDICATES)


@pytest.mark.parametrize("cls", PLUGINS, ids=lambda cls: cls.__name__)
def test_config_defs_match_java(cls: type) -> None:
    java_name = cls.ALIASES[0].removeprefix(JAVA)
    keys = cls().config().config_keys()
    actual = [(k.name, k.type, k.default_value, k.importance) for k in keys.values()]
    assert actual == EXPECTED[java_name]
    for key in keys.values():
        assert key.documentation or cls.__name__ in ("Filter", "RecordIsTombstone")
        info = config_key_info(key)
        assert info["name"] == key.name and info["required"] is (key.default_value is NO_DEFAULT_VALUE)
    assert cls().version() not in ("", None)


def test_plugin_registry_resolves_java_names() -> None:
    plugins = Plugins(load_entry_points=True)
    for cls in PLUGINS:
        for alias in cls.ALIASES:
            assert plugins.find(alias) is cls
    assert plugins.find("org.apache.kafka.connect.transforms.RegexRouter") is not None
    listed = {d.class_name: d.type for d in plugins.all()}
    for cls in TRANSFORMATIONS:
        assert listed[cls.ALIASES[0]] is PluginType.TRANSFORMATION
    for cls in PREDICATES:
        assert listed[cls.ALIASES[0]] is PluginType.PREDICATE


def test_key_value_variants_share_behaviour() -> None:
    by_name = {cls.ALIASES[0].removeprefix(JAVA): cls for cls in PLUGINS}
    for name, cls in by_name.items():
        if name.endswith("$Key"):
            value_cls = by_name[name.replace("$Key", "$Value")]
            assert cls._IS_KEY is True and value_cls._IS_KEY is False  # type: ignore[attr-defined]
            assert cls.__mro__[1] is value_cls.__mro__[1]
