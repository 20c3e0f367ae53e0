"""What Java's ``ConnectorConfig.enrich`` and ``PluginsRecommenders`` add to a connector's ConfigDef:
the ``transforms.<alias>.*`` and ``predicates.<alias>.*`` keys of the plugins a config names, the
``*.plugin.version`` keys (KIP-891), the worker's converters as the converter keys' defaults, and
the recommended values (installed plugin classes and their versions) that validation answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from connectrt.api.plugin import PluginType, Predicate, Transformation
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    Recommender,
    Type,
    Width,
    parse_type,
)

if TYPE_CHECKING:
    from connectrt.runtime.connector_config import ConnectorRecommenders, ConverterDefaults
    from connectrt.runtime.plugins import Plugins

TRANSFORMS_GROUP = "Transforms"
PREDICATES_GROUP = "Predicates"
PREDICATE_CONFIG = "predicate"
NEGATE_CONFIG = "negate"
PLUGIN_VERSION_SUFFIX = "plugin.version"


# --- recommenders ------------------------------------------------------------------------------


class PluginClassRecommender(Recommender):
    """Every installed plugin class of some types (the converters, the transformations, ...)."""

    def __init__(self, plugins: Plugins, *types: PluginType) -> None:
        self.plugins = plugins
        self.types = types

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        return list(dict.fromkeys(d.class_name for t in self.types for d in self.plugins.of_type(t)))


class PluginVersionRecommender(Recommender):
    """The installed versions of the plugin named by ``class_key`` (one version per class here);
    visible when that key names one, if ``hide_without_class``."""

    def __init__(
        self, plugins: Plugins, class_key: str, types: Iterable[PluginType], hide_without_class: bool = True
    ) -> None:
        self.plugins = plugins
        self.class_key = class_key
        self.types = tuple(types)
        self.hide_without_class = hide_without_class

    def valid_values(self, name: str, parsed: Mapping[str, Any]) -> list[Any]:
        value = parsed.get(self.class_key)
        if value is None:
            return []
        cls = self.plugins.find(str(value))
        if cls is None:
            return []
        return list(
            dict.fromkeys(d.version for t in self.types for d in self.plugins.of_type(t) if d.cls is cls)
        )

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return not self.hide_without_class or parsed.get(self.class_key) is not None


def plugin_recommenders(plugins: Plugins) -> ConnectorRecommenders:
    from connectrt.runtime.connector_config import ConnectorRecommenders

    converters = (PluginType.CONVERTER,)
    headers = (PluginType.HEADER_CONVERTER,)
    return ConnectorRecommenders(
        connector_version=PluginVersionRecommender(
            plugins, "connector.class", (PluginType.SOURCE, PluginType.SINK)
        ),
        converter=PluginClassRecommender(plugins, *converters),
        header_converter=PluginClassRecommender(plugins, *headers),
        key_converter_version=PluginVersionRecommender(plugins, "key.converter", converters),
        value_converter_version=PluginVersionRecommender(plugins, "value.converter", converters),
        header_converter_version=PluginVersionRecommender(plugins, "header.converter", headers),
    )


class _NoRecommendations(Recommender):
    """Java's recommenders without plugins (``EMPTY_RECOMMENDER``): nothing recommended; visible as
    the recommender with plugins would say."""

    def __init__(self, base: Recommender) -> None:
        self.base = base

    def visible(self, name: str, parsed: Mapping[str, Any]) -> bool:
        return self.base.visible(name, parsed)


def empty_recommenders() -> ConnectorRecommenders:
    from connectrt.runtime.connector_config import ConnectorRecommenders
    from connectrt.runtime.plugins import Plugins

    full = plugin_recommenders(Plugins(load_entry_points=False))
    return ConnectorRecommenders(
        **{
            name: _NoRecommendations(value) if value is not None else None
            for name, value in vars(full).items()
        }
    )


def converter_defaults(
    plugins: Plugins,
    key: str,
    worker_props: Mapping[str, Any],
    connector_props: Mapping[str, Any],
    ptype: PluginType,
    worker_default: str | None = None,
) -> ConverterDefaults:
    """Java's ``ConnectorConfig.converterDefaults``: the worker's converter is the default of the
    connector's converter key; its version is the connector's converter's, else the worker's
    ``<key>.plugin.version``, else the installed version of the worker's converter."""
    from connectrt.runtime.connector_config import ConverterDefaults

    connector_converter = connector_props.get(key)
    worker_converter = worker_props.get(key) or worker_default
    if connector_props.get("connector.class") is None or (
        connector_converter is None and worker_converter is None
    ):
        return ConverterDefaults()
    shown = plugins.class_name_of(str(worker_converter)) if worker_converter is not None else None
    default_type = shown or (str(worker_converter).strip() if worker_converter is not None else None)
    if connector_converter is not None:
        version = plugins.version_of(str(connector_converter), ptype)
    else:
        version = worker_props.get(f"{key}.{PLUGIN_VERSION_SUFFIX}") or plugins.version_of(
            str(worker_converter), ptype
        )
    return ConverterDefaults(default_type, version)


def version_problem(plugins: Plugins, class_name: Any, version: str | None, *types: PluginType) -> str | None:
    """Why the plugin ``class_name`` names cannot be loaded at ``version`` (a ``*.plugin.version``
    value): not a version or range, or the installed version is not in it; None if it can."""
    from connectrt.runtime.plugins import InvalidVersionSpec, version_mismatch, version_requirement

    try:
        requirement = version_requirement(version)
    except InvalidVersionSpec as e:
        return str(e)
    if requirement is None or class_name is None:
        return None
    installed = plugins.version_of(str(class_name), *types)
    shown = plugins.class_name_of(str(class_name))
    if installed is None or shown is None:
        return None
    return version_mismatch(shown, installed, requirement, plugins.available_versions(str(class_name)))


# --- transforms.<alias>.* and predicates.<alias>.* ---------------------------------------------


class _Enrichable:
    """One kind of aliased plugin (Java's ``EnrichablePlugin``): transformations or predicates."""

    def __init__(
        self,
        plugins: Plugins,
        props: Mapping[str, Any],
        require_full: bool,
        kind: str,
        alias_config: str,
        group: str,
        ptype: PluginType,
        base: type,
    ) -> None:
        self.plugins = plugins
        self.props = props
        self.require_full = require_full
        self.kind = kind
        self.alias_config = alias_config
        self.group = group
        self.ptype = ptype
        self.base = base

    def enrich(self, newdef: ConfigDef) -> None:
        aliases = parse_type(self.alias_config, self.props.get(self.alias_config), Type.LIST) or []
        for alias in dict.fromkeys(aliases):
            self._enrich_alias(newdef, alias)

    def _enrich_alias(self, newdef: ConfigDef, alias: str) -> None:
        prefix = f"{self.alias_config}.{alias}."
        group = f"{self.group}: {alias}"
        type_config = prefix + "type"
        version_config = prefix + PLUGIN_VERSION_SUFFIX
        kind = self.kind.lower()
        default_version = self._default_version(type_config)

        def check_type(name: str, value: Any) -> None:
            self.validate_props(prefix)
            if value is not None:
                self.config_def_of(type_config, str(value), self.props.get(version_config, default_version))

        def check_version(name: str, value: Any) -> None:
            if value is not None:
                self.check_version(self.props.get(type_config), str(value))

        newdef.define(
            type_config,
            Type.CLASS,
            NO_DEFAULT_VALUE,
            LambdaValidator(check_type, f"valid configs for {alias} {kind}"),
            Importance.HIGH,
            f"Class for the '{alias}' {kind}.",
            group,
            0,
            Width.LONG,
            f"{self.kind} type for {alias}",
            (),
            PluginClassRecommender(self.plugins, self.ptype),
        )
        newdef.define(
            version_config,
            Type.STRING,
            default_version,
            LambdaValidator(check_version),
            Importance.HIGH,
            f"Version of the '{alias}' {kind}.",
            group,
            1,
            Width.LONG,
            f"{self.kind} version for {alias}",
            (),
            PluginVersionRecommender(self.plugins, type_config, (self.ptype,), hide_without_class=False),
        )
        child = self.initial_config_def()
        try:
            if self.props.get(type_config) is None:
                raise ConfigException(type_config, None, f"Not a {self.kind}")
            for key in (
                self.config_def_of(type_config, self.props[type_config], self.props.get(version_config))
                .config_keys()
                .values()
            ):
                if self.masked(key.name):
                    continue
                child.define(
                    key.name,
                    key.type,
                    key.default_value,
                    key.validator,
                    key.importance,
                    key.documentation,
                    key.group,
                    key.order_in_group,
                    key.width,
                    key.display_name,
                    key.dependents,
                    key.recommender,
                    key.internal,
                )
        except ConfigException:
            if self.require_full:
                raise
            return
        newdef.embed(prefix, group, 2, child)

    def _default_version(self, type_config: str) -> str | None:
        if self.props.get("connector.class") is None:
            return None
        name = self.props.get(type_config)
        return self.plugins.version_of(str(name), self.ptype) if name is not None else None

    def check_version(self, class_name: Any, version: str) -> None:
        problem = version_problem(self.plugins, class_name, version, self.ptype)
        if problem is not None:
            raise ConfigException(problem)

    def config_def_of(self, key: str, class_name: str, version: str | None) -> ConfigDef:
        """Java's ``getConfigDefFromPlugin``: the named plugin's ConfigDef, or why there is none."""
        if self.props.get("connector.class") is None:
            return ConfigDef()
        if version is not None:
            self.check_version(class_name, version)
        parse_type(key, self.props.get(key), Type.CLASS)
        abstract = self.plugins.abstract_class_message(class_name)
        if abstract is not None:
            raise ConfigException(abstract)
        cls = self.plugins.find(class_name)
        if cls is None:
            raise ConfigException(key, class_name, f"Class {class_name} could not be found.")
        if not issubclass(cls, self.base):
            raise ConfigException(f"Class class {class_name} does not implement the {self.kind} interface")
        try:
            instance: Any = cls()
            definition: ConfigDef = instance.config()
            return definition
        except Exception as e:
            raise ConfigException(key, class_name, f"Error getting config definition from {self.kind}: {e}")

    def initial_config_def(self) -> ConfigDef:
        return ConfigDef()

    def masked(self, name: str) -> bool:
        return False

    def validate_props(self, prefix: str) -> None:
        """Checks of the alias's other keys, reported on its ``type`` key."""


class _Transformations(_Enrichable):
    def initial_config_def(self) -> ConfigDef:
        # Every transformation has these two keys; a transformation's own key of either name is masked.
        return (
            ConfigDef()
            .define(
                PREDICATE_CONFIG,
                Type.STRING,
                None,
                None,
                Importance.MEDIUM,
                "The alias of a predicate used to determine whether to apply this transformation.",
            )
            .define(
                NEGATE_CONFIG,
                Type.BOOLEAN,
                False,
                None,
                Importance.MEDIUM,
                "Whether the configured predicate should be negated.",
            )
        )

    def masked(self, name: str) -> bool:
        return name in (PREDICATE_CONFIG, NEGATE_CONFIG)

    def validate_props(self, prefix: str) -> None:
        negate, predicate = prefix + NEGATE_CONFIG, prefix + PREDICATE_CONFIG
        if negate in self.props and predicate not in self.props:
            raise ConfigException(
                f"Config '{negate}' was provided but there is no config '{predicate}' defining a predicate to be "
                "negated."
            )


def enrich(plugins: Plugins, base: ConfigDef, props: Mapping[str, Any], require_full: bool) -> ConfigDef:
    """``base`` plus the keys of every transformation and predicate ``props`` names. With
    ``require_full`` (a connector starting), a missing or unknown plugin raises ConfigException; in
    validation the alias keeps only its ``type`` and ``plugin.version`` keys."""
    newdef = ConfigDef(base)
    _Transformations(
        plugins,
        props,
        require_full,
        "Transformation",
        "transforms",
        TRANSFORMS_GROUP,
        PluginType.TRANSFORMATION,
        Transformation,
    ).enrich(newdef)
    _Enrichable(
        plugins,
        props,
        require_full,
        "Predicate",
        "predicates",
        PREDICATES_GROUP,
        PluginType.PREDICATE,
        Predicate,
    ).enrich(newdef)
    return newdef
