"""Connector config validation as ``PUT /connector-plugins/{p}/config/validate`` and connector
creation do it (Java 4.2's ``AbstractHerder.validateConnectorConfig``).

The answer is Java's, entry for entry: the framework keys (with the worker's converters as their
defaults, the installed plugins and versions as recommended values, the transforms' and
predicates' keys), then the client-override keys, then the keys of any converter the config names;
the entries of each part in Java's order (the ConfigDef's, or the ``java.util.HashMap`` order Java
iterates them in, see :func:`~connectrt.herder.task_configs.java_hash_map_order`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectrt.api.connector import Connector, SinkConnector, SourceConnector
from connectrt.api.plugin import Converter, HeaderConverter, PluginType
from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    ConfigKey,
    ConfigValue,
    Password,
    config_key_info,
    config_value_info,
    resolving_classes,
)
from connectrt.config.providers import ConfigTransformer, redact
from connectrt.herder.task_configs import has_placeholder, java_hash_map_order
from connectrt.herder.validation_checks import (
    validate_client_overrides,
    validate_exactly_once_support,
    validate_sink,
    validate_sink_group_id,
    validate_transaction_boundary,
)
from connectrt.model.entities import ConfigInfos
from connectrt.model.errors import BadRequestException
from connectrt.runtime.connector_config import (
    connector_config_def,
    connector_name_problem,
    validation_config_def,
)
from connectrt.runtime.connector_enrich import empty_recommenders, version_problem
from connectrt.runtime.plugins import InvalidVersionSpec, Plugins, version_mismatch, version_requirement

NULL_VALUE_MESSAGE = "Null value can not be supplied as the configuration value."

__all__ = ["validate_exactly_once_support", "validate_transaction_boundary"]


def connector_type_of(plugins: Plugins, props: Mapping[str, Any]) -> str:
    cls = plugins.find(str(props.get("connector.class", "")))
    if cls is None:
        return "unknown"
    if issubclass(cls, SinkConnector):
        return "sink"
    if issubclass(cls, SourceConnector):
        return "source"
    return "unknown"


@dataclass
class _Infos:
    """One part of the answer (Java's ``ConfigInfos`` before ``mergeConfigInfos``)."""

    error_count: int = 0
    groups: list[str] = field(default_factory=list)
    configs: list[tuple[ConfigKey | None, dict[str, Any]]] = field(default_factory=list)


def validate_connector_config(
    plugins: Plugins,
    raw_props: Mapping[str, Any],
    transformer: ConfigTransformer,
    worker_group_id: str | None = None,
    override_policy: str = "All",
    exactly_once_enabled: bool | None = None,
    worker_props: Mapping[str, Any] | None = None,
) -> ConfigInfos:
    """``worker_group_id`` is the distributed worker's ``group.id`` and ``exactly_once_enabled`` its
    ``exactly.once.source.support=enabled``; None (standalone, as Java's StandaloneHerder) skips the
    group-id and exactly-once preflight checks. ``worker_props`` gives the converter defaults."""
    class_name = raw_props.get("connector.class")
    if class_name is None:
        raise BadRequestException(f"Connector config {_java_map(raw_props)} contains no connector type")
    try:
        props = transformer.transform({k: v for k, v in raw_props.items()})
    except ConfigException as e:
        raise BadRequestException(f"Failed to resolve config provider placeholders: {e}")
    cls = plugins.find(str(class_name))
    if cls is None or not issubclass(cls, Connector):
        raise BadRequestException(_connector_lookup_failure(plugins, str(class_name)))
    try:
        requirement = version_requirement(props.get("connector.plugin.version"))
    except InvalidVersionSpec as e:
        raise BadRequestException(str(e))
    installed = plugins.version_of(str(class_name))
    if requirement is not None and installed is not None:
        problem = version_mismatch(
            plugins.class_name_of(str(class_name)) or str(class_name), installed, requirement
        )
        if problem is not None:
            return _invalid_version_infos(plugins, str(class_name), raw_props, props, problem, installed)
    connector: Connector = cls()
    sink = isinstance(connector, SinkConnector)

    with resolving_classes(plugins.class_name_of):
        enriched = validation_config_def(plugins, props, worker_props or {}, sink)
        values = enriched.validate_all(props)
        if sink:
            validate_sink(values, props)
            if worker_group_id is not None:
                validate_sink_group_id(values, props, worker_group_id)
        elif isinstance(connector, SourceConnector) and exactly_once_enabled is not None:
            validate_exactly_once_support(values, props, connector, exactly_once_enabled)
            validate_transaction_boundary(values, props, connector)
        _validate_name(values, props)
        for name, raw in raw_props.items():
            if raw is None:
                values.setdefault(name, ConfigValue(name)).add_error(NULL_VALUE_MESSAGE)
        # Converter validation may add errors to the converter keys, so it goes first (as Java's).
        converters = _validate_converters(plugins, values, props)
    overrides = validate_client_overrides(props, sink, override_policy)
    connector_part = _validate_connector(connector, str(class_name), props, values, enriched)
    parts = [
        connector_part,
        _Infos(overrides.error_count, [], [(None, v) for v in overrides.values]),
        converters,
    ]
    return _merge(str(class_name), raw_props, parts)


#: Connector class names a validation failed to find, as Java's ``CachedConnectors`` remembers them:
#: a name that failed before fails again wrapped in a ConnectException, whose class prefixes the
#: message. Bounded (Java's is not): the oldest names are forgotten first.
_FAILED_LOOKUPS: OrderedDict[str, None] = OrderedDict()
_FAILED_LOOKUPS_MAX = 1024
_FAILED_LOOKUPS_LOCK = threading.Lock()


def _connector_lookup_failure(plugins: Plugins, class_name: str) -> str:
    message = plugins.connector_not_found_message(class_name)
    with _FAILED_LOOKUPS_LOCK:
        seen = class_name in _FAILED_LOOKUPS
        _FAILED_LOOKUPS[class_name] = None
        _FAILED_LOOKUPS.move_to_end(class_name)
        while len(_FAILED_LOOKUPS) > _FAILED_LOOKUPS_MAX:
            _FAILED_LOOKUPS.popitem(last=False)
    return f"org.apache.kafka.connect.errors.ConnectException: {message}" if seen else message


def _invalid_version_infos(
    plugins: Plugins,
    class_name: str,
    raw_props: Mapping[str, Any],
    props: Mapping[str, Any],
    problem: str,
    installed: str,
) -> ConfigInfos:
    """Java's ``invalidVersionedConnectorValidation``: the installed connector is not of the asked
    version, so only the common keys are validated (no converter defaults, no recommendations), and
    the class and version keys carry the problem, with the installed version as the recommendation."""
    definition = connector_config_def(installed, recommenders=empty_recommenders())
    with resolving_classes(plugins.class_name_of):
        values = definition.validate_all(props)
    values["connector.class"].add_error(problem)
    values["connector.plugin.version"].add_error(problem)
    values["connector.plugin.version"].recommended_values = [installed]
    for name, raw in raw_props.items():
        if raw is None:
            values.setdefault(name, ConfigValue(name)).add_error(NULL_VALUE_MESSAGE)
    part = _Infos(groups=list(definition.groups()))
    listed = list(java_hash_map_order(values, presized=False).values())
    _generate(part, dict(definition.config_keys()), listed)
    return _merge(class_name, raw_props, [part])


def _validate_connector(
    connector: Connector,
    class_name: str,
    props: Mapping[str, Any],
    values: dict[str, ConfigValue],
    enriched: ConfigDef,
) -> _Infos:
    """Java's ``validateConnectorPluginSpecifiedConfigs`` + ``generateResult``."""
    keys: dict[str, ConfigKey] = dict(enriched.config_keys())
    groups = list(enriched.groups())
    listed: list[ConfigValue] = list(java_hash_map_order(values, presized=False).values())
    try:
        connector_def: ConfigDef = connector.config()
        connector_values = list(connector.validate(props))
    except Exception as e:
        raise BadRequestException(f"Connector validation failed for {class_name}: {e}")
    for key in connector_def.config_keys().values():
        keys[key.name] = key
    groups.extend(g for g in connector_def.groups() if g not in groups)
    part = _Infos(groups=groups)
    _generate(part, keys, [*listed, *connector_values])
    return part


def _generate(part: _Infos, keys: dict[str, ConfigKey], values: list[ConfigValue]) -> None:
    """Java's ``generateResult``: the values of keys without a definition first, then every key in
    definition order with its value. Of two values of one key the last wins, as in Java (a key the
    connector defines too shows the connector's validation of it)."""
    by_name: dict[str, ConfigValue] = {}
    for cv in values:
        by_name[cv.name] = cv
        if cv.name not in keys:
            part.configs.append((None, config_value_info(cv, None)))
            part.error_count += len(cv.errors)
    for name, key in keys.items():
        if key.internal:
            continue
        value = by_name.get(name)
        part.configs.append((key, config_value_info(value, key.type) if value is not None else {}))
        part.error_count += len(value.errors) if value is not None else 0


def _validate_converters(
    plugins: Plugins, values: dict[str, ConfigValue], props: Mapping[str, Any]
) -> _Infos:
    """Java's ``validateAllConverterConfigs``: the config of each converter the connector config
    names (header, key, value), validated with its ``converter.type``; keys shown with the prefix."""
    part = _Infos()
    for key, base, converter_type in (
        ("header.converter", HeaderConverter, "header"),
        ("key.converter", Converter, "key"),
        ("value.converter", Converter, "value"),
    ):
        class_value, version_value = values.get(key), values.get(f"{key}.plugin.version")
        name = props.get(key)
        if (
            name is None
            or class_value is None
            or class_value.errors
            or (version_value and version_value.errors)
        ):
            continue
        cls = plugins.find(str(name))
        if cls is None or not issubclass(cls, base):
            continue
        ptype = PluginType.HEADER_CONVERTER if base is HeaderConverter else PluginType.CONVERTER
        problem = version_problem(plugins, name, props.get(f"{key}.plugin.version"), ptype)
        if problem is not None:
            class_value.add_error(problem)
            if version_value is not None:
                version_value.add_error(problem)
            continue
        try:
            definition: ConfigDef = cls().config()
        except Exception as e:
            class_value.add_error(
                f"Failed to load ConfigDef from {key.replace('.', ' ')}" + (f": {e}" if str(e) else "")
            )
            continue
        prefix = key + "."
        sub = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
        sub.setdefault("converter.type", converter_type)
        try:
            validated = definition.validate_all(sub)
        except Exception as e:
            class_value.add_error(
                f"Failed to perform config validation for {key.replace('.', ' ')}"
                + (f": {e}" if str(e) else "")
            )
            continue
        config_keys = definition.config_keys()
        for cv in java_hash_map_order(validated, presized=False).values():
            ckey = config_keys.get(cv.name)
            if ckey is not None and ckey.internal:
                continue
            if ckey is not None and ckey.group is not None and ckey.group not in part.groups:
                part.groups.append(ckey.group)
            shown = ConfigValue(prefix + cv.name, cv.value, cv.recommended_values, cv.errors, cv.visible)
            info = config_value_info(shown, ckey.type if ckey is not None else None)
            prefixed = _prefixed(ckey, prefix) if ckey is not None else None
            part.configs.append((prefixed, info))
            part.error_count += 1 if cv.errors else 0
    return part


def _prefixed(key: ConfigKey, prefix: str) -> ConfigKey:
    return ConfigKey(
        prefix + key.name,
        key.type,
        key.default_value,
        key.validator,
        key.importance,
        key.documentation,
        key.group,
        key.order_in_group,
        key.width,
        key.display_name,
        list(key.dependents),
        key.recommender,
        key.internal,
    )


def _merge(class_name: str, raw_props: Mapping[str, Any], parts: list[_Infos]) -> ConfigInfos:
    """Java's ``mergeConfigInfos``, then what connectrt never answers: a value a config provider
    resolved (a key configured with a placeholder shows the placeholder; no error shows a secret)."""
    configs: list[dict[str, Any]] = []
    groups: list[str] = []
    error_count = 0
    for part in parts:
        error_count += part.error_count
        groups.extend(g for g in part.groups if g not in groups)
        for key, info in part.configs:
            if info:
                raw = raw_props.get(info["name"])
                if has_placeholder(raw) and info["value"] != Password.HIDDEN:
                    info["value"] = raw
                info["errors"] = [redact(e) for e in info["errors"]]
            configs.append(
                {"definition": config_key_info(key) if key is not None else None, "value": info or None}
            )
    return ConfigInfos(class_name, error_count, groups, configs)


def _validate_name(values: dict[str, ConfigValue], props: Mapping[str, Any]) -> None:
    """Names the REST API or the group protocol could not carry, after Java's own name checks."""
    cv = values.get("name")
    name = props.get("name")
    if cv is None or cv.errors or not isinstance(name, str):
        return
    problem = connector_name_problem(name)
    if problem is not None:
        shown = name if len(name) <= 200 else name[:100] + "..."
        cv.add_error(f"Invalid value {shown} for configuration name: {problem}")


def invalid_config_message(infos: ConfigInfos) -> str:
    errors: list[str] = []
    for entry in infos.configs:
        value = entry.get("value") or {}
        for err in value.get("errors", []):
            errors.append(err)
    return (
        f"Connector configuration is invalid and contains the following {infos.error_count} error(s):\n"
        + "\n".join(errors)
        + "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
    )


def _java_map(props: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in props.items()) + "}"
