"""Column defaults as Connect schema defaults, the way Debezium's PostgresDefaultValueConverter reads them.

Only some types have a default mapper; a default computed by a function (``nextval(...)``,
``now()``, ``CURRENT_TIMESTAMP``) becomes the type's zero (``0``, epoch, ``""``), and an expression
that cannot be read gives no default at all.
"""

from __future__ import annotations

import re
from typing import Any

from connectrt.api.data import Struct

from connectrt_postgres.catalog import ColumnInfo, TypeRegistry
from connectrt_postgres.types import ColumnMapping

_LITERAL = re.compile(r"'(.*?)'")
_FUNCTION = re.compile(r"^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)")
_CURRENT = {"current_timestamp", "current_time", "current_date", "localtime", "localtimestamp"}
_TRIM = {
    "bit",
    "varbit",
    "bool",
    "numeric",
    "float4",
    "float8",
    "int2",
    "int4",
    "serial",
    "int8",
    "bigserial",
    "smallserial",
    "date",
    "time",
    "timestamp",
    "timestamptz",
    "interval",
}

# type name -> placeholder used when the default is computed by a function (None: not supported)
_PLACEHOLDERS: dict[str, str] = {
    "bit": "00",
    "varbit": "0",
    "bool": "false",
    "bpchar": "",
    "varchar": "",
    "text": "",
    "numeric": "0.0",
    "float4": "0.0",
    "float8": "0.0",
    "int2": "0",
    "int4": "0",
    "int8": "0",
    "json": "{}",
    "jsonb": "{}",
    "xml": "",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "date": "1970-01-01",
    "time": "00:00",
    "timestamp": "1970-01-01",
    "timestamptz": "1970-01-01",
}
_NULLABLE_PARSE = {"bool", "numeric", "float4", "float8", "int2", "int4", "int8"}


def _extract(expr: str, placeholder: str) -> str | None:
    if _FUNCTION.search(expr) or expr.lower() in _CURRENT:
        return placeholder
    if "'" not in expr:
        return None if expr.startswith("NULL::") else expr
    m = _LITERAL.search(expr)
    return m.group(1) if m else None


def _normalise(type_name: str, text: str) -> str:
    """The literal in the text form our value converters read."""
    if type_name == "bool":
        return "t" if text.strip().lower() == "true" else "f"
    if type_name == "time" and text.count(":") == 1:
        return text + ":00"
    if type_name in ("timestamp", "timestamptz"):
        text = text.replace("T", " ")
        if " " not in text.strip():
            text = text.strip() + " 00:00:00"
        if type_name == "timestamptz" and not re.search(r"[+-]\d\d(:?\d\d)?$", text.split(" ", 1)[1]):
            text += "+00"
    if type_name == "bit" and len(text) == 1:
        return text
    return text


def default_value(column: ColumnInfo, mapping: ColumnMapping, registry: TypeRegistry) -> Any:
    """The Connect default value of a column, or None."""
    expr = column.default_expr
    if expr is None:
        return None
    t = registry.get(column.type_oid)
    if t is None:
        return None
    root, _ = registry.root(t)
    name = root.name
    if root.kind == "e":
        if "::" not in expr:
            return None
        literal, _, cast = expr.rpartition("::")
        if cast.strip('"').split(".")[-1].strip('"') != t.name:
            return None
        return literal[1:-1] if literal.startswith("'") and literal.endswith("'") else None
    if root.is_array or name not in _PLACEHOLDERS:
        return None
    if name in _TRIM:
        expr = expr.strip()
    if name in _NULLABLE_PARSE and expr.startswith("NULL::"):
        return None
    text = _extract(expr, _PLACEHOLDERS[name])
    if text is None:
        return None
    try:
        value = mapping.convert(_normalise(name, text))
    except Exception:
        return None
    if isinstance(value, Struct):
        return None
    return value
