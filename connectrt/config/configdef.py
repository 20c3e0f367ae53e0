"""ConfigDef: typed config definitions, parsing, validation and Connect's ConfigKeyInfo shapes.

Mirrors Java's ``org.apache.kafka.common.config.ConfigDef`` closely enough that
``GET /connector-plugins/{p}/config`` and ``PUT .../config/validate`` answer the same JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from connectrt.config.java_hash import java_hash_map_order


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


ClassResolver = Callable[[str], "str | None"]
"""The class name a ``CLASS`` value stands for (Java's ``Class.getName()``), or None if it names none."""

_class_resolver: ContextVar[ClassResolver | None] = ContextVar("connectrt_class_resolver", default=None)


@contextmanager
def resolving_classes(resolver: ClassResolver) -> Iterator[None]:
    """Within the block, ``CLASS`` values parse as Java's do with its plugin class loader: a name no
    installed plugin has is "Class X could not be found.", an alias parses to the class's name."""
    token = _class_resolver.set(resolver)
    try:
        yield
    finally:
        _class_resolver.reset(token)


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
            raise ConfigException(
                name, value, "Expected value to be a string, but it was a " + _java_type(value)
            )
        if type is Type.STRING:
            if isinstance(value, str):
                return value.strip()
            raise ConfigException(
                name, value, "Expected value to be a string, but it was a " + _java_type(value)
            )
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
                raise ConfigException(
                    name, value, f"Expected value to be a 32-bit integer, but it was a {_java_type(value)}"
                )
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
            raise ConfigException(
                name, value, "Expected value to be a double, but it was a " + _java_type(value)
            )
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
                resolver = _class_resolver.get()
                if resolver is None:
                    return value.strip()
                resolved = resolver(value.strip())
                if resolved is None:
                    raise ConfigException(name, value, f"Class {value} could not be found.")
                return resolved
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
        # Java keeps the upper-cased strings in a HashSet and lists them in its order.
        self.valid = list(java_hash_map_order(dict.fromkeys(v.upper() for v in valid), presized=False))
        self._upper = set(self.valid)

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
    """A list whose items are among ``valid`` (any, when empty), without duplicates or empty items
    (Java 4.2's ``ValidList``)."""

    def __init__(self, valid: Sequence[str], allow_empty: bool = True, allow_null: bool = False) -> None:
        self.valid = list(valid)
        self.allow_empty = allow_empty
        self.allow_null = allow_null

    @classmethod
    def in_(cls, *valid: str) -> ValidList:
        return cls(valid)

    @classmethod
    def any_non_duplicate_values(cls, allow_empty: bool, allow_null: bool) -> ValidList:
        return cls([], allow_empty, allow_null)

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            if self.allow_null:
                return
            raise ConfigException(f"Configuration '{name}' values must not be null.")
        values = list(value)
        if not values and not self.allow_empty:
            valid = str(self) if self.valid else "any non-empty value"
            raise ConfigException(f"Configuration '{name}' must not be empty. Valid values include: {valid}")
        if len(set(values)) != len(values):
            raise ConfigException(f"Configuration '{name}' values must not be duplicated.")
        for v in values:
            if isinstance(v, str):
                if v == "":
                    raise ConfigException(f"Configuration '{name}' values must not be empty.")
                if self.valid and v not in self.valid:
                    raise ConfigException(name, v, "String must be one of: " + ", ".join(self.valid))

    def __str__(self) -> str:
        return "[" + ", ".join(self.valid) + "]" if self.valid else ""


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
        if type is Type.CLASS and isinstance(default_value, str):
            parsed_default = default_value.strip()  # a default is never looked up among the plugins
        elif default_value is not NO_DEFAULT_VALUE and default_value is not None:
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
        """Add ``child``'s keys under ``prefix`` (Java's ConfigDef.embed): in the child's sorted order,
        numbered from ``start_order``, in ``group`` (``group: <key's group>`` for grouped keys); a
        validator still sees the key's own name, so its errors say "for configuration regex"."""
        order = start_order
        for key in child.sorted_configs():
            self.define(
                prefix + key.name,
                key.type,
                key.default_value,
                _EmbeddedValidator(prefix, key.validator) if key.validator is not None else None,
                key.importance,
                key.documentation,
                group + ("" if key.group is None else ": " + key.group),
                order,
                key.width,
                key.display_name,
                [prefix + d for d in key.dependents],
                _EmbeddedRecommender(prefix, key.recommender) if key.recommender is not None else None,
                key.internal,
            )
            order += 1
        return self

    def sorted_configs(self) -> list[ConfigKey]:
        """Keys by group (in definition order, ungrouped first), order in group, required before
        defaulted, importance, then name (Java's ``sortedConfigs``)."""
        group_order = {g: i for i, g in enumerate(self._groups)}
        importance = {Importance.HIGH: 0, Importance.MEDIUM: 1, Importance.LOW: 2}

        def sort_key(k: ConfigKey) -> tuple[int, int, int, int, str]:
            group = -1 if k.group is None else group_order.get(k.group, len(group_order))
            return (group, k.order_in_group, 1 if k.has_default else 0, importance[k.importance], k.name)

        return sorted(self._keys.values(), key=sort_key)

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
            raise ConfigException(f'Missing required configuration "{key.name}" which has no default value.')
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
        """Java's ``validateAll``: each key is parsed (a value that does not parse is null), its
        validator runs on the result even when that is null (so ``tasks.max=abc`` also gets "Value must
        be non-null"), then recommenders fill recommended values and visibility."""
        values: dict[str, ConfigValue] = {name: ConfigValue(name) for name in self._keys}
        parsed: dict[str, Any] = {}
        for key in self._keys.values():
            cv = values[key.name]
            value: Any = None
            if key.name in props:
                try:
                    value = parse_type(key.name, props[key.name], key.type)
                except ConfigException as e:
                    cv.add_error(str(e))
            elif not key.has_default:
                cv.add_error(f'Missing required configuration "{key.name}" which has no default value.')
            else:
                value = key.default_value
            if key.validator is not None:
                _run_validator(key, value, cv)
            cv.value = value
            parsed[key.name] = value
        for key in self._keys.values():
            cv = values[key.name]
            if key.recommender is not None:
                try:
                    recommended = list(key.recommender.valid_values(key.name, parsed))
                    if cv.recommended_values:
                        recommended = [v for v in recommended if v in cv.recommended_values]
                    cv.recommended_values = recommended
                    cv.visible = key.recommender.visible(key.name, parsed)
                except ConfigException as e:
                    cv.add_error(str(e))
        return values


def _run_validator(key: ConfigKey, value: Any, cv: ConfigValue) -> None:
    assert key.validator is not None
    try:
        key.validator.ensure_valid(key.name, value)
    except ConfigException as e:
        cv.add_error(str(e))
    except Exception as e:
        # A plugin's validator that cannot take the null Java also hands it (a missing or unparsable
        # value, already reported) says nothing more; on a real value its failure is the key's error.
        if value is not None:
            cv.add_error(str(ConfigException(key.name, value, str(e) or type(e).__name__)))


class _EmbeddedValidator(Validator):
    """A child key's validator under ``embed``: it sees the key's unprefixed name."""

    def __init__(self, prefix: str, base: Validator) -> None:
        self.prefix = prefix
        self.base = base

    def ensure_valid(self, name: str, value: Any) -> None:
        self.base.ensure_valid(name[len(self.prefix) :] if name.startswith(self.prefix) else name, value)

    def __str__(self) -> str:
        return str(self.base)


class _EmbeddedRecommender(Recommender):
    """A child key's recommender under ``embed``: it sees unprefixed names and values."""

    def __init__(self, prefix: str, base: Recommender) -> None:
        self.prefix = prefix
        self.base = base

    def _unprefixed(self, parsed: Mapping[str, Any]) -> dict[str, Any]:
        n = len(self.prefix)
        return {k[n:]: v for k, v in parsed.items() if k.startswith(self.prefix)}

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return self.base.valid_values(name[len(self.prefix) :], self._unprefixed(parsed))

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return self.base.visible(name[len(self.prefix) :], self._unprefixed(parsed))


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
        "order_in_group": key.order_in_group,
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
