"""ConfigDef: typed config definitions, parsing, validation and Connect's ConfigKeyInfo shapes.

Mirrors Java's ``org.apache.kafka.common.config.ConfigDef`` closely enough that
``GET /connector-plugins/{p}/config`` and ``PUT .../config/validate`` answer the same JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class ConfigException(Exception):
    """A config that cannot be used (Java's ConfigException); the message says what to change."""

    def __init__(self, name_or_message: str, value: Any = None, message: str | None = None) -> None:
        if message is None and value is None:
            text = name_or_message
        else:
            text = f"Invalid value {_value_str(value)} for configuration {name_or_message}" + (
                f": {message}" if message else ""
            )
        super().__init__(text)
        self.name = name_or_message if message is not None or value is not None else None


def _value_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_str(v) for v in value) + "]"
    return str(value)


class Type(str, Enum):
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    INT = "INT"
    SHORT = "SHORT"
    LONG = "LONG"
    DOUBLE = "DOUBLE"
    LIST = "LIST"
    CLASS = "CLASS"
    PASSWORD = "PASSWORD"


class Importance(str, Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


class Width(str, Enum):
    NONE = "NONE"
    SHORT = "SHORT"
    MEDIUM = "MEDIUM"
    LONG = "LONG"


class Password:
    """A secret config value; prints as ``[hidden]`` (Java's Password)."""

    HIDDEN = "[hidden]"
    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __str__(self) -> str:
        return Password.HIDDEN

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Password) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT_VALUE"


NO_DEFAULT_VALUE: Any = _NoDefault()

_INT_LIMITS = {
    Type.INT: (-(2**31), 2**31 - 1),
    Type.SHORT: (-(2**15), 2**15 - 1),
    Type.LONG: (-(2**63), 2**63 - 1),
}


def parse_type(name: str, value: Any, type: Type) -> Any:
    """Parse a raw (usually string) value into the Python value for ``type`` (Java's parseType)."""
    if value is None:
        return None
    try:
        if type is Type.BOOLEAN:
            if isinstance(value, bool):
                return value
            if isinstance(value, str):
                v = value.strip().lower()
                if v == "true":
                    return True
                if v == "false":
                    return False
                raise ConfigException(name, value, "Expected value to be either true or false")
            raise ConfigException(name, value, "Expected value to be either true or false")
        if type is Type.PASSWORD:
            if isinstance(value, Password):
                return value
            if isinstance(value, str):
                return Password(value)
            raise ConfigException(name, value, "Expected value to be a string, but it was a " + _java_type(value))
        if type is Type.STRING:
            if isinstance(value, str):
                return value.strip()
            raise ConfigException(name, value, "Expected value to be a string, but it was a " + _java_type(value))
        if type in _INT_LIMITS:
            if isinstance(value, bool):
                raise ConfigException(name, value, f"Not a number of type {type.value}")
            if isinstance(value, int):
                parsed = value
            elif isinstance(value, str):
                try:
                    parsed = int(value.strip())
                except ValueError:
                    raise ConfigException(name, value, f"Not a number of type {type.value}")
            else:
                raise ConfigException(name, value, f"Expected value to be a 32-bit integer, but it was a {_java_type(value)}")
            lo, hi = _INT_LIMITS[type]
            if not lo <= parsed <= hi:
                raise ConfigException(name, value, f"Not a number of type {type.value}")
            return parsed
        if type is Type.DOUBLE:
            if isinstance(value, bool):
                raise ConfigException(name, value, "Not a number of type DOUBLE")
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value.strip())
                except ValueError:
                    raise ConfigException(name, value, "Not a number of type DOUBLE")
            raise ConfigException(name, value, "Expected value to be a double, but it was a " + _java_type(value))
        if type is Type.LIST:
            if isinstance(value, (list, tuple)):
                return [str(v) if not isinstance(v, str) else v for v in value]
            if isinstance(value, str):
                trimmed = value.strip()
                if not trimmed:
                    return []
                return [part.strip() for part in re.split(r"\s*,\s*", trimmed)]
            raise ConfigException(name, value, "Expected a comma separated list.")
        if type is Type.CLASS:
            if isinstance(value, str):
                return value.strip()
            if isinstance(value, type_):
                return f"{value.__module__}.{value.__qualname__}"
            raise ConfigException(name, value, "Expected a Class instance or class name.")
    except ConfigException:
        raise
    raise ConfigException(name, value, "Unknown type.")


type_ = type


def _java_type(value: Any) -> str:
    return {bool: "Boolean", int: "Integer", float: "Double", str: "String", list: "ArrayList"}.get(
        type(value), type(value).__name__
    )


def convert_to_string(value: Any, type: Type | None) -> str | None:
    """Stringify a parsed value as Java's ConfigDef.convertToString does."""
    if value is None:
        return None
    if type is Type.PASSWORD or isinstance(value, Password):
        return Password.HIDDEN
    if type is Type.LIST or isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and type is Type.DOUBLE:
        return repr(value)
    return str(value)


# --- validators ------------------------------------------------------------------------------


class Validator:
    """Checks one parsed value; raises ConfigException with Java's message."""

    def ensure_valid(self, name: str, value: Any) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def __str__(self) -> str:
        return ""


class Range(Validator):
    def __init__(self, min: float | None = None, max: float | None = None) -> None:
        self.min = min
        self.max = max

    @classmethod
    def at_least(cls, min: float) -> Range:
        return cls(min, None)

    @classmethod
    def between(cls, min: float, max: float) -> Range:
        return cls(min, max)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigException(name, None, "Value must be non-null")
        if self.min is not None and value < self.min:
            raise ConfigException(name, value, f"Value must be at least {_num(self.min)}")
        if self.max is not None and value > self.max:
            raise ConfigException(name, value, f"Value must be no more than {_num(self.max)}")

    def __str__(self) -> str:
        if self.min is None:
            return f"[...,{_num(self.max)}]"
        if self.max is None:
            return f"[{_num(self.min)},...]"
        return f"[{_num(self.min)},...,{_num(self.max)}]"


def _num(v: float | None) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class ValidString(Validator):
    def __init__(self, valid: Sequence[str]) -> None:
        self.valid = list(valid)

    @classmethod
    def in_(cls, *valid: str) -> ValidString:
        return cls(valid)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value not in self.valid:
            raise ConfigException(name, value, "String must be one of: " + ", ".join(self.valid))

    def __str__(self) -> str:
        return "[" + ", ".join(self.valid) + "]"


class CaseInsensitiveValidString(Validator):
    def __init__(self, valid: Sequence[str]) -> None:
        self.valid = list(valid)
        self._upper = {v.upper() for v in valid}

    @classmethod
    def in_(cls, *valid: str) -> CaseInsensitiveValidString:
        return cls(valid)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None or str(value).upper() not in self._upper:
            raise ConfigException(
                name, value, "String must be one of (case insensitive): " + ", ".join(self.valid)
            )

    def __str__(self) -> str:
        return "(case insensitive) [" + ", ".join(self.valid) + "]"


class ValidList(Validator):
    def __init__(self, valid: Sequence[str], allow_empty: bool = True) -> None:
        self.valid = list(valid)
        self.allow_empty = allow_empty

    @classmethod
    def in_(cls, *valid: str) -> ValidList:
        return cls(valid)

    def ensure_valid(self, name: str, value: Any) -> None:
        values = value or []
        if not values and not self.allow_empty:
            raise ConfigException(name, value, "Empty list is not allowed.")
        for v in values:
            if v not in self.valid:
                raise ConfigException(name, v, "Invalid value " + str(v) + " for configuration " + name)

    def __str__(self) -> str:
        return "[" + ", ".join(self.valid) + "]"


class NonEmptyString(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is not None and isinstance(value, str) and value.strip() == "":
            raise ConfigException(name, value, "String must be non-empty")

    def __str__(self) -> str:
        return "non-empty string"


class NonEmptyStringWithoutControlChars(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        s = str(value)
        if s.strip() == "":
            raise ConfigException(name, value, "String may not be empty")
        bad = [ord(c) for c in s if ord(c) < 32 or 127 <= ord(c) <= 159]
        if bad:
            raise ConfigException(
                name,
                value,
                "String may not contain control sequences but had the following ASCII chars: "
                + ", ".join(str(b) for b in bad),
            )

    def __str__(self) -> str:
        return "non-empty string without ISO control characters"


class NonNullValidator(Validator):
    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            raise ConfigException(name, None, "entry must be non null")

    def __str__(self) -> str:
        return "non-null string"


class LambdaValidator(Validator):
    def __init__(self, check: Callable[[str, Any], None], description: str = "") -> None:
        self.check = check
        self.description = description

    def ensure_valid(self, name: str, value: Any) -> None:
        self.check(name, value)

    def __str__(self) -> str:
        return self.description


class CompositeValidator(Validator):
    def __init__(self, *validators: Validator) -> None:
        self.validators = validators

    def ensure_valid(self, name: str, value: Any) -> None:
        for v in self.validators:
            v.ensure_valid(name, value)

    def __str__(self) -> str:
        return ", ".join(str(v) for v in self.validators if str(v))


class Recommender:
    """Supplies recommended values and visibility for a key, given the other parsed values."""

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return []

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return True


# --- definitions -----------------------------------------------------------------------------


@dataclass
class ConfigKey:
    name: str
    type: Type
    default_value: Any
    validator: Validator | None
    importance: Importance
    documentation: str
    group: str | None = None
    order_in_group: int = -1
    width: Width = Width.NONE
    display_name: str | None = None
    dependents: list[str] = field(default_factory=list)
    recommender: Recommender | None = None
    internal: bool = False

    @property
    def has_default(self) -> bool:
        return self.default_value is not NO_DEFAULT_VALUE


@dataclass
class ConfigValue:
    name: str
    value: Any = None
    recommended_values: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    visible: bool = True

    def add_error(self, message: str) -> None:
        self.errors.append(message)


class ConfigDef:
    """An ordered set of config keys (Java's ConfigDef)."""

    def __init__(self, base: ConfigDef | None = None) -> None:
        self._keys: dict[str, ConfigKey] = dict(base._keys) if base is not None else {}
        self._groups: list[str] = list(base._groups) if base is not None else []

    def define(
        self,
        name: str,
        type: Type,
        default_value: Any = NO_DEFAULT_VALUE,
        validator: Validator | None = None,
        importance: Importance = Importance.MEDIUM,
        documentation: str = "",
        group: str | None = None,
        order_in_group: int = -1,
        width: Width = Width.NONE,
        display_name: str | None = None,
        dependents: Iterable[str] = (),
        recommender: Recommender | None = None,
        internal: bool = False,
    ) -> ConfigDef:
        if name in self._keys:
            raise ConfigException(f"Configuration {name} is defined twice.")
        if group is not None and group not in self._groups:
            self._groups.append(group)
        parsed_default = default_value
        if default_value is not NO_DEFAULT_VALUE and default_value is not None:
            parsed_default = parse_type(name, default_value, type)
            if validator is not None:
                validator.ensure_valid(name, parsed_default)
        self._keys[name] = ConfigKey(
            name,
            type,
            parsed_default,
            validator,
            importance,
            documentation,
            group,
            order_in_group,
            width,
            display_name if display_name is not None else name,
            list(dependents),
            recommender,
            internal,
        )
        return self

    def define_internal(self, name: str, type: Type, default_value: Any = NO_DEFAULT_VALUE) -> ConfigDef:
        return self.define(name, type, default_value, None, Importance.LOW, "", internal=True)

    def embed(self, prefix: str, group: str, start_order: int, child: ConfigDef) -> ConfigDef:
        """Add ``child``'s keys under ``prefix`` (Java's ConfigDef.embed)."""
        order = start_order
        for key in child.config_keys().values():
            self.define(
                prefix + key.name,
                key.type,
                key.default_value,
                key.validator,
                key.importance,
                key.documentation,
                group,
                order,
                key.width,
                key.display_name if key.display_name != key.name else prefix + key.name,
                [prefix + d for d in key.dependents],
                key.recommender,
            )
            order += 1
        return self

    def config_keys(self) -> dict[str, ConfigKey]:
        return self._keys

    def names(self) -> list[str]:
        return list(self._keys)

    def groups(self) -> list[str]:
        return list(self._groups)

    def __contains__(self, name: str) -> bool:
        return name in self._keys

    # parsing ----------------------------------------------------------------------------------
    def parse(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Parse and validate every defined key; raise ConfigException on the first problem."""
        values: dict[str, Any] = {}
        for key in self._keys.values():
            values[key.name] = self._parse_value(key, props.get(key.name), key.name in props)
        return values

    def _parse_value(self, key: ConfigKey, raw: Any, is_set: bool) -> Any:
        if is_set:
            parsed = parse_type(key.name, raw, key.type)
        elif not key.has_default:
            raise ConfigException(
                f'Missing required configuration "{key.name}" which has no default value.'
            )
        else:
            parsed = key.default_value
        if key.validator is not None:
            key.validator.ensure_valid(key.name, parsed)
        return parsed

    def validate(self, props: Mapping[str, Any]) -> list[ConfigValue]:
        """Validate all keys, collecting errors instead of raising (Java's ConfigDef.validate)."""
        result = self.validate_all(props)
        return list(result.values())

    def validate_all(self, props: Mapping[str, Any]) -> dict[str, ConfigValue]:
        values: dict[str, ConfigValue] = {name: ConfigValue(name) for name in self._keys}
        parsed: dict[str, Any] = {}
        for key in self._keys.values():
            cv = values[key.name]
            try:
                if key.name in props:
                    value = parse_type(key.name, props[key.name], key.type)
                elif key.has_default:
                    value = key.default_value
                else:
                    cv.add_error(f'Missing required configuration "{key.name}" which has no default value.')
                    parsed[key.name] = None
                    continue
                parsed[key.name] = value
                cv.value = value
            except ConfigException as e:
                cv.add_error(str(e))
                parsed[key.name] = None
        for key in self._keys.values():
            cv = values[key.name]
            if key.recommender is not None:
                try:
                    cv.recommended_values = list(key.recommender.valid_values(key.name, parsed))
                    cv.visible = key.recommender.visible(key.name, parsed)
                except ConfigException as e:
                    cv.add_error(str(e))
            if cv.errors or key.validator is None:
                continue
            if key.name not in props and not key.has_default:
                continue
            try:
                key.validator.ensure_valid(key.name, parsed.get(key.name))
            except ConfigException as e:
                cv.add_error(str(e))
        return values


class AbstractConfig:
    """Parsed config values with typed getters (Java's AbstractConfig)."""

    def __init__(self, definition: ConfigDef, originals: Mapping[str, Any]) -> None:
        self.definition = definition
        self.originals: dict[str, Any] = dict(originals)
        self.values: dict[str, Any] = definition.parse(originals)

    def get(self, name: str) -> Any:
        if name not in self.values:
            raise ConfigException(f"Unknown configuration '{name}'")
        return self.values[name]

    def get_str(self, name: str) -> str:
        value = self.get(name)
        return value.value if isinstance(value, Password) else value

    def get_int(self, name: str) -> int:
        return int(self.get(name))

    def get_bool(self, name: str) -> bool:
        return bool(self.get(name))

    def get_list(self, name: str) -> list[str]:
        return list(self.get(name) or [])

    def get_password(self, name: str) -> str | None:
        value = self.get(name)
        if value is None:
            return None
        return value.value if isinstance(value, Password) else str(value)

    def originals_with_prefix(self, prefix: str, strip: bool = True) -> dict[str, Any]:
        return {
            (k[len(prefix) :] if strip else k): v for k, v in self.originals.items() if k.startswith(prefix)
        }


# --- REST shapes -----------------------------------------------------------------------------


def config_key_info(key: ConfigKey) -> dict[str, Any]:
    """The ConfigKeyInfo JSON of ``GET /connector-plugins/{p}/config`` and ``/validate``."""
    if key.has_default:
        default = convert_to_string(key.default_value, key.type)
    else:
        default = None
    return {
        "name": key.name,
        "type": key.type.value,
        "required": not key.has_default,
        "default_value": default,
        "importance": key.importance.value,
        "documentation": key.documentation,
        "group": key.group,
        "order": key.order_in_group,
        "width": key.width.value,
        "display_name": key.display_name,
        "dependents": list(key.dependents),
    }


def config_value_info(value: ConfigValue, type: Type | None) -> dict[str, Any]:
    """The ConfigValueInfo JSON of ``/validate``."""
    return {
        "name": value.name,
        "value": convert_to_string(value.value, type),
        "recommended_values": [convert_to_string(v, type) for v in value.recommended_values],
        "errors": list(value.errors),
        "visible": value.visible,
    }
