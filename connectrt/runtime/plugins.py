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
import re
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
                log.warning(
                    "No plugins found in plugin location %s: it holds no distribution with '%s' entry "
                    "points (install one there with `pip install --target`)",
                    location,
                    ENTRY_POINT_GROUP,
                )
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
                self._extra_descs[cls] = PluginDesc(
                    cls, display, PluginType.HEADER_CONVERTER, desc.version, location
                )
            names = {python_path(cls), f"{cls.__module__}:{cls.__qualname__}", *aliases}
            for name in names:
                self._by_name[name] = cls
            simple = {cls.__name__, *(a.rsplit(".", 1)[-1] for a in aliases)}
            if ptype in (PluginType.SOURCE, PluginType.SINK):
                simple |= {
                    s[: -len("Connector")] for s in simple if s.endswith("Connector") and s != "Connector"
                }
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
        listing = ", ".join(
            str(d) for d in sorted(self.connectors(), key=lambda d: (d.class_name, d.version))
        )
        if isinstance(name, str) and name.strip() in self._ambiguous:
            return (
                f"More than one connector matches alias {name}. Please use full package and class name instead. "
                f"Classes found: {listing}"
            )
        return (
            f"Failed to find any class that implements Connector and which name matches {name}, "
            f"available connectors are: {listing}"
        )

    def class_name_of(self, name: str) -> str | None:
        """The name ``name`` resolves to as Java's ``Class.getName()`` shows it (the plugin's first
        Java alias, else its Python path; an abstract Java parent of plugins, see
        :meth:`abstract_parent_of`, is itself), or None if no installed plugin has that name."""
        cls = self.find(name)
        if cls is None:
            return name.strip() if self.abstract_parent_of(name) else None
        desc = self._descs.get(cls)
        return desc.class_name if desc is not None else python_path(cls)

    def version_of(self, name: str | None, *types: PluginType) -> str | None:
        """The installed version of the plugin ``name`` names, if it is one of ``types`` (any type
        when none is given), else None (Java's ``pluginVersion``)."""
        cls = self.find(name) if isinstance(name, str) else None
        if cls is None:
            return None
        for desc in (self._descs.get(cls), self._extra_descs.get(cls)):
            if desc is not None and (not types or desc.type in types):
                return desc.version
        return None

    def available_versions(self, name: str) -> list[str]:
        """A version per plugin entry of the class ``name`` names (Java lists a converter that is a
        header converter too twice)."""
        cls = self.find(name)
        return (
            [d.version for d in (self._descs.get(cls), self._extra_descs.get(cls)) if d is not None]
            if cls
            else []
        )

    def abstract_parent_of(self, name: str) -> list[str]:
        """For a Java class name that no plugin has but whose nested classes are plugins (Java's
        abstract ``org.apache.kafka.connect.transforms.Cast`` of ``Cast$Key`` and ``Cast$Value``), the
        names of those nested classes, that Java's "This class is abstract" message suggests."""
        if not isinstance(name, str) or not name.strip() or self.find(name) is not None:
            return []
        prefix = name.strip() + "$"
        with self._lock:
            names = {
                n for n in self._by_name if n.startswith(prefix) and "." in n and "$" not in n[len(prefix) :]
            }
        return sorted(names)

    def abstract_class_message(self, name: str) -> str | None:
        children = self.abstract_parent_of(name)
        if not children:
            return None
        return f"This class is abstract and cannot be created. Did you mean {', '.join(children)}?"

    def task_class(self, name: str | None, connector_task: type) -> type:
        """The task class a task config's ``task.class`` names, given the connector's own task class:
        Java's name of it (its ``ALIASES``, e.g. ``org.apache.kafka.connect.file.FileStreamSourceTask``)
        or its Python path resolve to it. Any other name (a task class of another runtime) is logged
        and the connector's task class is used: the connector, not the stored name, decides."""
        if name is not None and name not in task_class_names(connector_task):
            log.warning(
                "The task config names task class %s, which is not the connector's task class (%s); "
                "starting %s",
                name,
                java_task_class_name(connector_task),
                python_path(connector_task),
            )
        return connector_task

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


def java_task_class_name(task_class: type) -> str:
    """The ``task.class`` a worker writes into a task config: the task class's first ``ALIASES``
    entry (the Java class a Java worker would load, for connectors named after Java ones), else its
    Python path."""
    aliases = tuple(getattr(task_class, "ALIASES", ()) or ())
    return aliases[0] if aliases else python_path(task_class)


def task_class_names(task_class: type) -> set[str]:
    """Every name a stored ``task.class`` may give ``task_class`` by."""
    aliases = tuple(getattr(task_class, "ALIASES", ()) or ())
    return {python_path(task_class), f"{task_class.__module__}:{task_class.__qualname__}", *aliases}


# --- plugin versions (KIP-891: connector.plugin.version, <converter>.plugin.version, ...) ------------

_QUALIFIERS = {
    "alpha": 0,
    "a": 0,
    "beta": 1,
    "b": 1,
    "milestone": 2,
    "m": 2,
    "rc": 3,
    "cr": 3,
    "snapshot": 4,
    "": 5,
    "ga": 5,
    "final": 5,
    "release": 5,
    "sp": 6,
}


def _version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key for Maven-style versions: numbers numerically, known qualifiers in Maven's order
    (alpha < beta < milestone < rc < snapshot < release < sp), other text after them."""
    items: list[tuple[int, int, str]] = []
    for part in re.split(r"[.\-]", version.strip().lower()):
        for token in re.findall(r"\d+|[a-z]+", part) or [""]:
            if token.isdigit():
                items.append((1, int(token), ""))
            elif token in _QUALIFIERS:
                items.append((0, _QUALIFIERS[token], ""))
            else:
                items.append((0, 7, token))
    while items and items[-1] in ((1, 0, ""), (0, 5, "")):
        items.pop()  # 1.0 == 1 == 1.0.Final
    return tuple(items)


class InvalidVersionSpec(ValueError):
    """A ``*.plugin.version`` value that is not a version or a version range."""


@dataclass(frozen=True)
class VersionRange:
    """A Maven version range: ``[1.0,2.0)``, ``(,3]``, ``[4.2.1]``, or several separated by commas; a
    bare version means exactly that version (Java's ``PluginUtils.connectorVersionRequirement``)."""

    spec: str
    bounds: tuple[tuple[str | None, bool, str | None, bool], ...]

    def contains(self, version: str) -> bool:
        key = _version_key(version)
        for low, low_inclusive, high, high_inclusive in self.bounds:
            if low is not None and (
                key < _version_key(low) or (key == _version_key(low) and not low_inclusive)
            ):
                continue
            if high is not None and (
                key > _version_key(high) or (key == _version_key(high) and not high_inclusive)
            ):
                continue
            return True
        return False

    def __str__(self) -> str:
        """Maven's ``VersionRange.toString()``: ``[1.0,1.0]`` for exactly 1.0, ``[4.0,5.0)``, ``[4.0,)``."""
        return ",".join(
            ("[" if low_inclusive else "(")
            + (low or "")
            + ","
            + (high or "")
            + ("]" if high_inclusive else ")")
            for low, low_inclusive, high, high_inclusive in self.bounds
        )


_RANGE = re.compile(r"([\[(])([^\[\]()]*)([\])])")


def version_requirement(spec: str | None) -> VersionRange | None:
    """The range a ``*.plugin.version`` value asks for; None for no value or ``latest``."""
    if spec is None or spec == "latest":
        return None
    text = spec.strip()
    if not text:
        raise InvalidVersionSpec("Version spec must not be empty")
    if not text.startswith(("[", "(")):
        if any(c in text for c in "[](),"):
            raise InvalidVersionSpec(f"Invalid version specification: {text}")
        return VersionRange(f"[{text}]", ((text, True, text, True),))
    bounds: list[tuple[str | None, bool, str | None, bool]] = []
    rest = text
    while rest:
        m = _RANGE.match(rest)
        if m is None:
            raise InvalidVersionSpec(f"Unbounded range: {text}")
        opening, inner, closing = m.groups()
        parts = [p.strip() for p in inner.split(",")]
        if len(parts) == 1:
            if opening != "[" or closing != "]" or not parts[0]:
                raise InvalidVersionSpec(f"Single version must be surrounded by []: {text}")
            bounds.append((parts[0], True, parts[0], True))
        elif len(parts) == 2:
            low, high = parts[0] or None, parts[1] or None
            if low is not None and high is not None and _version_key(high) < _version_key(low):
                raise InvalidVersionSpec(f"Range defies version ordering: {text}")
            bounds.append((low, opening == "[", high, closing == "]"))
        else:
            raise InvalidVersionSpec(f"Invalid version range {m.group(0)}, too many commas in {text}")
        rest = rest[m.end() :].lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
            if not rest:
                raise InvalidVersionSpec(f"Unbounded range: {text}")
        elif rest:
            raise InvalidVersionSpec(f"Invalid version specification: {text}")
    return VersionRange(text, tuple(bounds))


def version_mismatch(
    class_name: str, version: str, requirement: VersionRange, available: Sequence[str] | None = None
) -> str | None:
    """Java's message when the installed version does not satisfy ``requirement``, else None;
    ``available`` lists a version per plugin entry of the class (a converter that is a header
    converter too has two, as in Java)."""
    if requirement.contains(version):
        return None
    return (
        f"Plugin {class_name} not found that matches the version range {requirement}, available versions: "
        f"[{', '.join(available or [version])}]"
    )


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
