"""Field paths of KIP-821: ``field.syntax.version`` V1 (top-level names) and V2 (dotted, backticks)."""

from __future__ import annotations

from enum import Enum
from typing import Any

from connectrt.api.data import Field, Schema, Struct
from connectrt.config.configdef import (
    CaseInsensitiveValidString,
    ConfigDef,
    ConfigException,
    Importance,
    Type,
)
from connectrt.transforms.util import require_map_or_null, require_struct_or_null


class FieldSyntaxVersion(str, Enum):
    V1 = "V1"
    V2 = "V2"


FIELD_SYNTAX_VERSION_CONFIG = "field.syntax.version"
FIELD_SYNTAX_VERSION_DOC = (
    "Defines the version of the syntax to access fields. "
    "If set to <code>V1</code>, then the field paths are limited to access the elements at the root level of the "
    "struct or map. "
    "If set to <code>V2</code>, the syntax will support accessing nested elements. "
    "To access nested elements, dotted notation is used. "
    "If dots are already included in the field name, "
    "then backtick pairs can be used to wrap field names containing dots. "
    'E.g. to access the subfield <code>baz</code> from a field named "foo.bar" in a struct/map '
    'the following format can be used to access its elements: "<code>foo.bar</code>.baz".'
)
FIELD_SYNTAX_VERSION_DEFAULT_VALUE = FieldSyntaxVersion.V1.value


def append_config_to(config_def: ConfigDef) -> ConfigDef:
    """Add ``field.syntax.version`` to a transform's ConfigDef."""
    return config_def.define(
        FIELD_SYNTAX_VERSION_CONFIG,
        Type.STRING,
        FIELD_SYNTAX_VERSION_DEFAULT_VALUE,
        CaseInsensitiveValidString.in_(*(v.value for v in FieldSyntaxVersion)),
        Importance.HIGH,
        FIELD_SYNTAX_VERSION_DOC,
    )


def version_from_config(values: dict[str, Any]) -> FieldSyntaxVersion:
    value = values[FIELD_SYNTAX_VERSION_CONFIG]
    try:
        return FieldSyntaxVersion(str(value).upper())
    except ValueError:
        raise ConfigException(FIELD_SYNTAX_VERSION_CONFIG, value, "Unrecognized field syntax version")


def _incomplete_backtick(path: str, at: int) -> ConfigException:
    return ConfigException(
        f"Incomplete backtick pair in path: [{path}], consider adding a backslash before backtick at position "
        f"{at} to escape it"
    )


def _parse_v2(path: str) -> list[str]:
    steps: list[str] = []
    idx = 0
    n = len(path)
    while 0 <= idx < n:
        if path[idx] != "`":
            start = idx
            idx = path.find(".", idx)
            if idx >= 0:
                steps.append(path[start:idx])
                idx += 1
            else:
                steps.append(path[start:])
            continue
        backtick_at = idx
        idx += 1
        field: list[str] = []
        start = idx
        while True:
            idx = path.find("`", idx)
            if idx == -1:
                raise _incomplete_backtick(path, backtick_at)
            escaped = path[idx - 1] == "\\"
            if idx >= n - 1:
                if escaped:
                    raise _incomplete_backtick(path, backtick_at)
                field.append(path[start:idx])
                steps.append("".join(field))
                idx += 1
                break
            if path[idx + 1] != ".":
                idx += 1
                continue
            if escaped:
                field.append(path[start : idx - 1])
                field.append("`")
                idx += 1
                start = idx
                continue
            field.append(path[start:idx])
            steps.append("".join(field))
            idx += 2
            break
    if path.endswith("."):
        steps.append("")
    return steps


class SingleFieldPath:
    """A path to one field of a Struct or Map (Java's SingleFieldPath)."""

    __slots__ = ("_init", "_last", "steps", "version")

    def __init__(self, path_text: str, version: FieldSyntaxVersion) -> None:
        self.version = version
        self.steps: tuple[str, ...] = (
            (path_text,) if version is FieldSyntaxVersion.V1 else tuple(_parse_v2(path_text))
        )
        self._init = self.steps[:-1]
        self._last: str | None = self.steps[-1] if self.steps else None  # V2 "" has no steps

    def field_from(self, schema: Schema | None) -> Field | None:
        """The field at this path in a struct schema, or None."""
        if schema is None or self._last is None:
            return None
        current = schema
        for step in self._init:
            field = current.field(step)
            if field is None:
                return None
            current = field.schema
        return current.field(self._last)

    def value_from_struct(self, struct: Struct | None, with_default: bool = True) -> Any:
        """The value at this path in a Struct (its default when null and ``with_default``), or None."""
        if struct is None or self._last is None:
            return None
        current: Struct | None = struct
        for step in self._init:
            assert current is not None
            if current.schema.field(step) is None:
                return None
            current = require_struct_or_null(current.get_checked(step), "nested field access")
            if current is None:
                return None
        assert current is not None
        if current.schema.field(self._last) is None:
            return None
        return current.get_checked(self._last) if with_default else current.get_without_default(self._last)

    def value_from_map(self, value: dict[str, Any] | None) -> Any:
        """The value at this path in a schemaless map, or None."""
        if value is None or self._last is None:
            return None
        current: dict[str, Any] | None = value
        for step in self._init:
            assert current is not None
            current = require_map_or_null(current.get(step), "nested field access")
            if current is None:
                return None
        assert current is not None
        return current.get(self._last)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SingleFieldPath) and self.steps == other.steps

    def __hash__(self) -> int:
        return hash(self.steps)

    def __repr__(self) -> str:
        return f"SingleFieldPath{{version={self.version.value}, path={'.'.join(self.steps)}}}"
