from __future__ import annotations

import pytest

from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    Importance,
    Password,
    Range,
    Type,
    ValidString,
    Width,
    config_key_info,
    config_value_info,
)

pytestmark = pytest.mark.unit


def _def() -> ConfigDef:
    return (
        ConfigDef()
        .define(
            "tasks.max",
            Type.INT,
            1,
            Range.at_least(1),
            Importance.HIGH,
            "Max tasks",
            "Common",
            3,
            Width.SHORT,
            "Tasks max",
        )
        .define("name", Type.STRING, documentation="Name")
        .define("list", Type.LIST, "", None, Importance.LOW, "a list")
        .define("secret", Type.PASSWORD, None, None, Importance.LOW, "pw")
        .define("mode", Type.STRING, "a", ValidString(["a", "b"]), Importance.LOW, "mode")
        .define("flag", Type.BOOLEAN, False, None, Importance.LOW, "flag")
    )


def test_parse_types_and_defaults() -> None:
    values = _def().parse({"name": " x ", "list": "a, b ,c", "secret": "s3", "flag": "TRUE"})
    assert values["tasks.max"] == 1
    assert values["name"] == "x"
    assert values["list"] == ["a", "b", "c"]
    assert values["secret"] == Password("s3")
    assert str(values["secret"]) == "[hidden]"
    assert values["flag"] is True


def test_java_error_messages() -> None:
    with pytest.raises(
        ConfigException, match='^Missing required configuration "name" which has no default value.$'
    ):
        _def().parse({})
    with pytest.raises(
        ConfigException, match="^Invalid value abc for configuration tasks.max: Not a number of type INT$"
    ):
        _def().parse({"name": "n", "tasks.max": "abc"})
    with pytest.raises(
        ConfigException, match="^Invalid value 0 for configuration tasks.max: Value must be at least 1$"
    ):
        _def().parse({"name": "n", "tasks.max": "0"})
    with pytest.raises(
        ConfigException, match="^Invalid value c for configuration mode: String must be one of: a, b$"
    ):
        _def().parse({"name": "n", "mode": "c"})
    with pytest.raises(ConfigException, match="Expected value to be either true or false"):
        _def().parse({"name": "n", "flag": "yes"})


def test_validate_collects_errors() -> None:
    values = {v.name: v for v in _def().validate({"tasks.max": "0"})}
    assert values["name"].errors == ['Missing required configuration "name" which has no default value.']
    assert values["tasks.max"].errors == [
        "Invalid value 0 for configuration tasks.max: Value must be at least 1"
    ]
    assert values["mode"].errors == []


def test_config_key_info_shape() -> None:
    key = _def().config_keys()["tasks.max"]
    assert config_key_info(key) == {
        "name": "tasks.max",
        "type": "INT",
        "required": False,
        "default_value": "1",
        "importance": "HIGH",
        "documentation": "Max tasks",
        "group": "Common",
        "order_in_group": 3,
        "width": "SHORT",
        "display_name": "Tasks max",
        "dependents": [],
    }
    name = _def().config_keys()["name"]
    assert config_key_info(name)["required"] is True
    assert config_key_info(name)["default_value"] is None
    assert config_key_info(name)["order_in_group"] == -1
    assert config_key_info(name)["width"] == "NONE"


def test_config_value_info_hides_passwords() -> None:
    values = {v.name: v for v in _def().validate({"name": "n", "secret": "s3", "list": "a,b"})}
    assert config_value_info(values["secret"], Type.PASSWORD) == {
        "name": "secret",
        "value": "[hidden]",
        "recommended_values": [],
        "errors": [],
        "visible": True,
    }
    assert config_value_info(values["list"], Type.LIST)["value"] == "a,b"
