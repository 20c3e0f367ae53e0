"""Plugin discovery and class resolution (Java's Plugins / PluginUtils).

Plugins are registered through the ``connectrt.plugins`` entry point group: each entry point
resolves to a plugin class or a list of them. A class name in a config resolves by, in order:
its Python path (``package.module.Class`` or ``package.module:Class``), an alias the class declares
in ``ALIASES`` (Java fully qualified names such as ``org.apache.kafka.connect.json.JsonConverter``),
its simple name, and, for connectors, its simple name without the ``Connector`` suffix.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from connectrt.api.connector import Connector, SinkConnector, SourceConnector
from connectrt.api.plugin import Converter, HeaderConverter, PluginType, Predicate, Transformation
from connectrt.config.configdef import ConfigException

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "connectrt.plugins"


@dataclass(frozen=True)
class PluginDesc:
    cls: type
    class_name: str  # the name shown by GET /connector-plugins (first Java alias, else Python path)
    type: PluginType
    version: str

    @property
    def simple_name(self) -> str:
        return self.class_name.rsplit(".", 1)[-1]


def plugin_type(cls: type) -> PluginType:
    if issubclass(cls, SinkConnector):
        return PluginType.SINK
    if issubclass(cls, SourceConnector):
        return PluginType.SOURCE
    if issubclass(cls, Transformation):
        return PluginType.TRANSFORMATION
    if issubclass(cls, Predicate):
        return PluginType.PREDICATE
    if issubclass(cls, Converter):
        return PluginType.CONVERTER
    if issubclass(cls, HeaderConverter):
        return PluginType.HEADER_CONVERTER
    return PluginType.UNKNOWN


def python_path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _version_of(cls: type) -> str:
    version = getattr(cls, "VERSION", None)
    if isinstance(version, str):
        return version
    return "undefined"


# Order of GET /connector-plugins: sinks, sources, transformations, predicates, converters, headers.
_LIST_ORDER = [
    PluginType.SINK,
    PluginType.SOURCE,
    PluginType.TRANSFORMATION,
    PluginType.PREDICATE,
    PluginType.CONVERTER,
    PluginType.HEADER_CONVERTER,
]


class Plugins:
    """The registry of installed plugins."""

    def __init__(self, classes: Iterable[type] | None = None, load_entry_points: bool = True) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, type] = {}
        self._ambiguous: set[str] = set()
        self._descs: dict[type, PluginDesc] = {}
        self._extra_descs: dict[type, PluginDesc] = {}
        if load_entry_points:
            for cls in self._entry_point_classes():
                self.register(cls)
        for cls in classes or ():
            self.register(cls)

    @staticmethod
    def _entry_point_classes() -> list[type]:
        found: list[type] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as e:  # a broken third-party plugin must not stop the worker
                log.error("Failed to load plugin entry point %s (%s): %s", ep.name, ep.value, e)
                continue
            items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
            found.extend(c for c in items if isinstance(c, type))
        return found

    def register(self, cls: type) -> None:
        ptype = plugin_type(cls)
        aliases: tuple[str, ...] = tuple(getattr(cls, "ALIASES", ()) or ())
        display = aliases[0] if aliases else python_path(cls)
        desc = PluginDesc(cls, display, ptype, _version_of(cls))
        with self._lock:
            self._descs[cls] = desc
            # A converter that is also a header converter is listed under both types, as in Java.
            if ptype is PluginType.CONVERTER and issubclass(cls, HeaderConverter):
                self._extra_descs[cls] = PluginDesc(cls, display, PluginType.HEADER_CONVERTER, desc.version)
            names = {python_path(cls), f"{cls.__module__}:{cls.__qualname__}", *aliases}
            for name in names:
                self._by_name[name] = cls
            simple = {cls.__name__, *(a.rsplit(".", 1)[-1] for a in aliases)}
            if ptype in (PluginType.SOURCE, PluginType.SINK):
                simple |= {s[: -len("Connector")] for s in simple if s.endswith("Connector") and s != "Connector"}
            for s in simple:
                existing = self._by_name.get(s)
                if existing is not None and existing is not cls and s not in names:
                    self._ambiguous.add(s)
                elif s not in self._by_name:
                    self._by_name[s] = cls

    # --- lookup --------------------------------------------------------------------------------
    def find(self, name: str) -> type | None:
        """The class for ``name``, importing a Python path if it is not registered yet."""
        name = name.strip()
        cls = self._by_name.get(name)
        if cls is not None and name not in self._ambiguous:
            return cls
        if name in self._ambiguous:
            return None
        return self._import_path(name)

    def _import_path(self, name: str) -> type | None:
        module_name, sep, attr = name.partition(":")
        if not sep:
            module_name, _, attr = name.rpartition(".")
        if not module_name or not attr:
            return None
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError, ValueError):
            return None
        if isinstance(obj, type) and plugin_type(obj) is not PluginType.UNKNOWN:
            self.register(obj)
            return obj
        return None

    def resolve(self, name: str, base: type, what: str = "class") -> type:
        cls = self.find(name)
        if cls is None or not issubclass(cls, base):
            raise ConfigException(what, name, f"Class {name} could not be found.")
        return cls

    def connector_class(self, name: str) -> type[Connector]:
        cls = self.find(name)
        if cls is None or not issubclass(cls, Connector):
            raise ConfigException(self.connector_not_found_message(name))
        return cls

    def connector_not_found_message(self, name: str) -> str:
        available = ", ".join(sorted(d.class_name for d in self.connectors()))
        return (
            f"Failed to find any class that implements Connector and which name matches {name}, "
            f"available connectors are: {available}"
        )

    def new_instance(self, name: str, base: type, what: str = "class") -> Any:
        return self.resolve(name, base, what)()

    def desc(self, cls: type) -> PluginDesc:
        d = self._descs.get(cls)
        if d is None:
            self.register(cls)
            d = self._descs[cls]
        return d

    def matches(self, name: str, cls: type) -> bool:
        """True if ``name`` refers to ``cls`` under any of its accepted names."""
        return self.find(name) is cls

    # --- listing -------------------------------------------------------------------------------
    def all(self) -> list[PluginDesc]:
        with self._lock:
            descs = [d for d in [*self._descs.values(), *self._extra_descs.values()] if d.type in _LIST_ORDER]
        descs.sort(key=lambda d: (_LIST_ORDER.index(d.type), d.class_name))
        return descs

    def connectors(self) -> list[PluginDesc]:
        return [d for d in self.all() if d.type in (PluginType.SOURCE, PluginType.SINK)]

    def of_type(self, ptype: PluginType) -> list[PluginDesc]:
        return [d for d in self.all() if d.type is ptype]


_default: Plugins | None = None
_default_lock = threading.Lock()


def default_plugins() -> Plugins:
    """The process-wide registry loaded from entry points."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Plugins()
        return _default
