"""Whether data written with one Avro schema can be read with another (Avro's schema resolution rules).

Used for ``latest.compatibility.strict``: with ``use.latest.version`` the converter writes with the subject's
latest schema, and Java first checks that the latest schema can read data of the record's own schema
(``AvroSchema.isBackwardCompatible``). Schemas are JSON data as ``json.loads`` gives them.
"""

from __future__ import annotations

from typing import Any

_PROMOTIONS = {
    "int": {"int", "long", "float", "double"},
    "long": {"long", "float", "double"},
    "float": {"float", "double"},
    "string": {"string", "bytes"},
    "bytes": {"bytes", "string"},
}
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


class _Names:
    def __init__(self) -> None:
        self.types: dict[str, dict[str, Any]] = {}

    def collect(self, node: Any, namespace: str | None) -> None:
        if isinstance(node, list):
            for member in node:
                self.collect(member, namespace)
        elif isinstance(node, dict):
            t = node.get("type")
            if t in ("record", "enum", "fixed", "error"):
                full = _full_name(node, namespace)
                self.types.setdefault(full, node)
                ns = full.rsplit(".", 1)[0] if "." in full else None
                for f in node.get("fields", ()):
                    self.collect(f.get("type"), ns)
            elif t == "array":
                self.collect(node.get("items"), namespace)
            elif t == "map":
                self.collect(node.get("values"), namespace)
            elif isinstance(t, (dict, list)):
                self.collect(t, namespace)

    def resolve(self, node: Any, namespace: str | None) -> Any:
        if isinstance(node, str):
            if node in _PRIMITIVES:
                return {"type": node}
            full = node if "." in node or not namespace else f"{namespace}.{node}"
            return self.types.get(full) or self.types.get(node) or {"type": node}
        if isinstance(node, dict) and isinstance(node.get("type"), (dict, list)):
            return self.resolve(node["type"], namespace)
        if isinstance(node, dict) and isinstance(node.get("type"), str) and node["type"] not in _PRIMITIVES | {
            "record", "enum", "fixed", "error", "array", "map"
        }:  # fmt: skip
            return self.resolve(node["type"], namespace)
        return node


def _full_name(node: dict[str, Any], namespace: str | None) -> str:
    name = str(node.get("name"))
    if "." in name:
        return name
    ns = node.get("namespace", namespace)
    return f"{ns}.{name}" if ns else name


def _short(node: dict[str, Any]) -> str:
    return str(node.get("name", "")).rsplit(".", 1)[-1]


def can_read(reader: Any, writer: Any) -> bool:
    """True when a reader with schema ``reader`` can read every datum written with ``writer``."""
    reader_names, writer_names = _Names(), _Names()
    reader_names.collect(reader, None)
    writer_names.collect(writer, None)
    return _Check(reader_names, writer_names).check(reader, writer, None, None, set())


class _Check:
    def __init__(self, reader_names: _Names, writer_names: _Names) -> None:
        self.rn = reader_names
        self.wn = writer_names

    def check(self, r: Any, w: Any, rns: str | None, wns: str | None, seen: set[tuple[str, str]]) -> bool:
        if isinstance(w, list):  # every branch the writer may have used must be readable
            return all(self.check(r, member, rns, wns, seen) for member in w)
        if isinstance(r, list):  # the reader's union needs one branch that reads the writer's type
            return any(self.check(member, w, rns, wns, seen) for member in r)
        rn, wn = self.rn.resolve(r, rns), self.wn.resolve(w, wns)
        if isinstance(rn, list) or isinstance(wn, list):
            return self.check(rn, wn, rns, wns, seen)
        rt, wt = rn.get("type"), wn.get("type")
        if wt in _PRIMITIVES and rt in _PRIMITIVES:
            return bool(rt == wt or rt in _PROMOTIONS.get(str(wt), ()))
        if rt != wt:
            return False
        if rt == "array":
            return self.check(rn.get("items"), wn.get("items"), rns, wns, seen)
        if rt == "map":
            return self.check(rn.get("values"), wn.get("values"), rns, wns, seen)
        if rt == "fixed":
            return _short(rn) == _short(wn) and rn.get("size") == wn.get("size")
        if rt == "enum":
            if _short(rn) != _short(wn):
                return False
            missing = set(wn.get("symbols", ())) - set(rn.get("symbols", ()))
            return not missing or rn.get("default") is not None
        if rt in ("record", "error"):
            return self._record(rn, wn, rns, wns, seen)
        return False

    def _record(
        self,
        rn: dict[str, Any],
        wn: dict[str, Any],
        rns: str | None,
        wns: str | None,
        seen: set[tuple[str, str]],
    ) -> bool:
        r_full, w_full = _full_name(rn, rns), _full_name(wn, wns)
        if _short(rn) != _short(wn) and _short(wn) not in rn.get("aliases", ()):
            return False
        key = (r_full, w_full)
        if key in seen:  # recursive types: assume what is being checked holds
            return True
        seen = seen | {key}
        r_ns = r_full.rsplit(".", 1)[0] if "." in r_full else None
        w_ns = w_full.rsplit(".", 1)[0] if "." in w_full else None
        writer_fields = {f["name"]: f for f in wn.get("fields", ())}
        for f in rn.get("fields", ()):
            match = writer_fields.get(f["name"])
            if match is None:
                for alias in f.get("aliases", ()):
                    match = writer_fields.get(alias)
                    if match is not None:
                        break
            if match is None:
                if "default" not in f:
                    return False
                continue
            if not self.check(f["type"], match["type"], r_ns, w_ns, seen):
                return False
        return True
