"""The REST API document, generated from the app: ``python -m connectrt.rest.openapi``.

The checked-in ``openapi/connect-rest.yaml`` is this module's output; a unit test fails when the
two differ. The YAML is written by a small emitter here (block style, keys in document order,
strings quoted as JSON where YAML would misread them), so no YAML library is needed.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from connectrt.rest.app import create_app
from connectrt.rest.config import RestConfig
from connectrt.rest.schemas import COMPONENT_SCHEMAS

OPENAPI_VERSION = "3.0.3"


def openapi_document(version: str | None = None) -> dict[str, Any]:
    """The OpenAPI document of every public endpoint (internal ones are left out, as in Java)."""
    config = RestConfig() if version is None else RestConfig(version=version)
    app = create_app(None, config)
    app.openapi_version = OPENAPI_VERSION
    doc = app.openapi()
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            # Parameters are parsed by hand (Jersey's rules), so FastAPI's 422 never happens.
            operation.get("responses", {}).pop("422", None)
            for parameter in operation.get("parameters", []):
                parameter.get("schema", {}).pop("title", None)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(COMPONENT_SCHEMAS)
    components["schemas"] = dict(sorted(schemas.items()))
    doc["paths"] = dict(sorted(doc["paths"].items()))
    return doc


# --- a minimal YAML emitter for JSON-shaped data ------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_/$][A-Za-z0-9_ .,/$#{}()'+-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and "{" not in text[:1]
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _key(key: str) -> str:
    return _scalar(key) if key != "" else '""'


def _emit(value: Any, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_key(str(key))}:")
                _emit(item, indent + 1, lines)
            else:
                lines.append(f"{pad}{_key(str(key))}: {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                sub: list[str] = []
                _emit(item, indent + 1, sub)
                first = sub[0].lstrip()
                lines.append(f"{pad}- {first}")
                lines.extend(sub[1:])
            elif isinstance(item, list) and item:
                lines.append(f"{pad}-")
                _emit(item, indent + 1, lines)
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(f"{pad}{_inline(value)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def to_yaml(document: Any) -> str:
    lines: list[str] = []
    _emit(document, 0, lines)
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(to_yaml(openapi_document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
