"""Plugin discovery and class resolution (Java's Plugins / PluginUtils).

Plugins are registered through the ``connectrt.plugins`` entry point group: each entry point
resolves to a plugin class or a list of them. Entry points come from the distributions installed
in the worker's Python environment and from the locations of the worker's ``plugin.path``
(:mod:`connectrt.runtime.plugin_path`). Only registered classes are ever used: a class name in a
config resolves by, in order, the Python path of a registered class (``package.module.Class`` or
``package.module:Class``), an alias it declares in ``ALIASES`` (Java fully qualified names such as
``org.apache.kafka.connect.json.JsonConverter``), its simple name, and, for connectors, its simple
name without the ``Connector`` suffix. A name that matches none of these is not found: nothing is
imported because a config or a REST request named it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from connectrt.api.connector import Connector, SinkConnector, SourceConnector
from connectrt.api.plugin import Converter, HeaderConverter, PluginType, Predicate, Transformation
from connectrt.config.configdef import ConfigException
from connectrt.runtime.plugin_path import add_to_sys_path, location_entry_points, plugin_locations

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "connectrt.plugins"
#: Java's PluginDesc location of a plugin on the classpath; ours: installed in the worker's environment.
CLASSPATH = "classpath"


@dataclass(frozen=True)
class PluginDesc:
    cls: type
    class_name: str  # the name shown by GET /connector-plugins (first Java alias, else Python path)
    type: PluginType
    version: str
    location: str = CLASSPATH

    @property
    def simple_name(self) -> str:
        return self.class_name.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        """Java's ``PluginDesc.toString()``, as listed in its "Failed to find any class" messages."""
        return (
            f"PluginDesc{{klass=class {self.class_name}, name='{self.class_name}', version='{self.version}', "
            f"encodedVersion={self.version}, type={self.type.value}, typeName='{self.type.value}', "
            f"location='{self.location}'}}"
        )


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
    """The registry of installed plugins: the environment's entry points, then ``plugin_path``'s."""

    def __init__(
        self,
        classes: Iterable[type] | None = None,
        load_entry_points: bool = True,
        plugin_path: Sequence[str] = (),
    ) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, type] = {}
        self._ambiguous: set[str] = set()
        self._descs: dict[type, PluginDesc] = {}
        self._extra_descs: dict[type, PluginDesc] = {}
        if load_entry_points:
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                for cls in _load_entry_point(ep.name, ep.value, ep.load):
                    self.register(cls)
        for location in plugin_locations(plugin_path):
            add_to_sys_path(location)
            count = 0
            for dist, ep in location_entry_points(location, ENTRY_POINT_GROUP):
                for cls in _load_entry_point(f"{ep.name} of {dist.metadata['Name']}", ep.value, ep.load):
                    self.register(cls, str(location))
                    count += 1
            if count == 0:
                log.warning("No plugins found in plugin location %s: it holds no distribution with '%s' entry "
                            "points (install one there with `pip install --target`)", location, ENTRY_POINT_GROUP)
            else:
                log.info("Loaded %d plugin(s) from plugin location %s", count, location)
        for cls in classes or ():
            self.register(cls)

    @classmethod
    def for_worker(cls, worker_props: Any) -> Plugins:
        """The environment's plugins plus those of the worker's ``plugin.path`` (a list or a comma string)."""
        value = worker_props.get("plugin.path") if hasattr(worker_props, "get") else None
        if value is None:
            path: list[str] = []
        elif isinstance(value, str):
            path = [p for p in value.split(",") if p.strip()]
        else:
            path = [str(p) for p in value]
        return cls(plugin_path=path)

    def register(self, cls: type, location: str = CLASSPATH) -> None:
        ptype = plugin_type(cls)
        aliases: tuple[str, ...] = tuple(getattr(cls, "ALIASES", ()) or ())
        display = aliases[0] if aliases else python_path(cls)
        desc = PluginDesc(cls, display, ptype, _version_of(cls), location)
        with self._lock:
            if cls in self._descs:
                return  # the same class reached twice (e.g. a distribution also on plugin.path)
            self._descs[cls] = desc
            # A converter that is also a header converter is listed under both types, as in Java.
            if ptype is PluginType.CONVERTER and issubclass(cls, HeaderConverter):
                self._extra_descs[cls] = PluginDesc(cls, display, PluginType.HEADER_CONVERTER, desc.version, location)
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
        """The registered class for ``name``, or None (never imports anything)."""
        if not isinstance(name, str):
            return None
        name = name.strip()
        if name in self._ambiguous:
            return None
        return self._by_name.get(name)

    def resolve(self, name: str, base: type, what: str = "class") -> type:
        """The registered class ``name`` if it is a ``base`` (checked before anything instantiates it)."""
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
        """Java's ``Plugins.connectorClass`` messages (ambiguous simple name, or not found)."""
        listing = ", ".join(str(d) for d in sorted(self.connectors(), key=lambda d: (d.class_name, d.version)))
        if isinstance(name, str) and name.strip() in self._ambiguous:
            return (
                f"More than one connector matches alias {name}. Please use full package and class name instead. "
                f"Classes found: {listing}"
            )
        return (
            f"Failed to find any class that implements Connector and which name matches {name}, "
            f"available connectors are: {listing}"
        )

    def new_instance(self, name: str, base: type, what: str = "class") -> Any:
        return self.resolve(name, base, what)()

    def desc(self, cls: type) -> PluginDesc:
        d = self._descs.get(cls)
        if d is None:
            raise KeyError(f"{python_path(cls)} is not a registered plugin")
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


def _load_entry_point(name: str, value: str, load: Any) -> list[type]:
    """The classes an entry point names; a broken third-party plugin is logged, never fatal."""
    try:
        loaded = load()
    except (Exception, SystemExit) as e:
        log.error("Failed to load plugin entry point %s (%s): %s", name, value, e)
        return []
    items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
    return [c for c in items if isinstance(c, type)]


_default: Plugins | None = None
_default_lock = threading.Lock()


def default_plugins() -> Plugins:
    """The process-wide registry loaded from entry points."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Plugins()
        return _default
