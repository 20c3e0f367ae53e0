"""Connector config validation as ``PUT /connector-plugins/{p}/config/validate`` and connector
creation do it (Java's AbstractHerder.validateConnectorConfig)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from connectrt.api.connector import (
    Connector,
    ConnectorTransactionBoundaries,
    ExactlyOnceSupport,
    SinkConnector,
    SourceConnector,
)
from connectrt.api.plugin import Converter, HeaderConverter
from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    ConfigValue,
    Password,
    config_key_info,
    config_value_info,
)
from connectrt.config.connector_config import (
    connector_config_def,
    connector_name_problem,
    enrich,
    enrich_topic_creation,
    sink_config_def,
    source_config_def,
)
from connectrt.config.providers import ConfigTransformer, redact
from connectrt.herder.task_configs import has_placeholder
from connectrt.rest.entities import ConfigInfos
from connectrt.rest.errors import BadRequestException
from connectrt.runtime.plugins import Plugins

log = logging.getLogger(__name__)

NULL_VALUE_MESSAGE = "Null value can not be supplied as the configuration value."


def connector_type_of(plugins: Plugins, props: Mapping[str, Any]) -> str:
    cls = plugins.find(str(props.get("connector.class", "")))
    if cls is None:
        return "unknown"
    if issubclass(cls, SinkConnector):
        return "sink"
    if issubclass(cls, SourceConnector):
        return "source"
    return "unknown"


def validate_connector_config(
    plugins: Plugins,
    raw_props: Mapping[str, Any],
    transformer: ConfigTransformer,
    worker_group_id: str | None = None,
    override_policy: str = "All",
    exactly_once_enabled: bool | None = None,
) -> ConfigInfos:
    """``exactly_once_enabled`` is the distributed worker's ``exactly.once.source.support=enabled``;
    None (standalone, as Java's StandaloneHerder) skips the exactly-once preflight checks."""
    class_name = raw_props.get("connector.class")
    if class_name is None:
        raise BadRequestException(f"Connector config {_java_map(raw_props)} contains no connector type")
    try:
        props = transformer.transform({k: v for k, v in raw_props.items()})
    except ConfigException as e:
        raise BadRequestException(f"Failed to resolve config provider placeholders: {e}")
    cls = plugins.find(str(class_name))
    if cls is None or not issubclass(cls, Connector):
        raise BadRequestException(plugins.connector_not_found_message(str(class_name)))
    connector: Connector = cls()

    if isinstance(connector, SinkConnector):
        base = sink_config_def()
    elif isinstance(connector, SourceConnector):
        base = enrich_topic_creation(source_config_def(), props)
    else:
        base = connector_config_def()
    enriched = enrich(plugins, base, props, False)
    values = enriched.validate_all(props)
    _validate_name(values, props)
    for name, raw in raw_props.items():
        if raw is None:
            values.setdefault(name, ConfigValue(name)).errors.insert(0, NULL_VALUE_MESSAGE)

    if isinstance(connector, SinkConnector):
        _validate_sink(values, props, worker_group_id)
    elif isinstance(connector, SourceConnector) and exactly_once_enabled is not None:
        validate_exactly_once_support(values, props, connector, exactly_once_enabled)
        validate_transaction_boundary(values, props, connector)
    _validate_overrides(values, props, override_policy)
    _validate_converters(plugins, values, props)

    keys: dict[str, Any] = dict(enriched.config_keys())
    groups = list(enriched.groups())
    results: list[tuple[str, ConfigValue]] = [(n, v) for n, v in values.items()]

    try:
        connector_def: ConfigDef = connector.config()
        connector_values = connector.validate(props)
    except Exception as e:
        connector_def = ConfigDef()
        connector_values = [ConfigValue("connector.class", str(class_name), [], [f"Connector validation failed: {e}"])]
    for ckey in connector_def.config_keys().values():
        keys.setdefault(ckey.name, ckey)
    for g in connector_def.groups():
        if g not in groups:
            groups.append(g)
    seen = {n for n, _ in results}
    for cv in connector_values:
        if cv.name in seen:
            existing = values.get(cv.name)
            if existing is not None:
                existing.errors.extend(e for e in cv.errors if e not in existing.errors)
            continue
        results.append((cv.name, cv))

    configs: list[dict[str, Any]] = []
    error_count = 0
    for name, cv in results:
        key = keys.get(name)
        info = config_value_info(cv, key.type if key is not None else None)
        # What a provider resolved is never answered (Java answers it for non-PASSWORD keys): a key
        # configured with a placeholder shows the placeholder, and no error shows a resolved value.
        raw = raw_props.get(name)
        if has_placeholder(raw) and info["value"] != Password.HIDDEN:
            info["value"] = raw
        info["errors"] = [redact(e) for e in info["errors"]]
        configs.append({"definition": config_key_info(key) if key is not None else None, "value": info})
        error_count += len(cv.errors)
    return ConfigInfos(str(class_name), error_count, groups, configs)


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


def _validate_sink(values: dict[str, ConfigValue], props: Mapping[str, Any], worker_group_id: str | None) -> None:
    topics = [t.strip() for t in str(props.get("topics", "") or "").split(",") if t.strip()]
    regex = str(props.get("topics.regex", "") or "").strip()
    if topics and regex:
        msg = "topics and topics.regex are mutually exclusive options, but both are set."
        values["topics"].add_error(msg)
        values["topics.regex"].add_error(msg)
    elif not topics and not regex:
        msg = "Must configure one of topics or topics.regex"
        values["topics"].add_error(msg)
        values["topics.regex"].add_error(msg)
    dlq = str(props.get("errors.deadletterqueue.topic.name", "") or "").strip()
    if dlq and dlq in topics:
        values["errors.deadletterqueue.topic.name"].add_error(
            f"The DLQ topic '{dlq}' may not be included in the list of topics ('topics={','.join(topics)}') to "
            "be consumed."
        )
    if dlq and regex:
        import re

        try:
            if re.fullmatch(regex, dlq):
                values["errors.deadletterqueue.topic.name"].add_error(
                    f"The DLQ topic '{dlq}' may not be included in the regex matching the topics "
                    f"('topics.regex={regex}') to be consumed."
                )
        except re.error:
            pass
    name = props.get("name")
    group = str(props.get("consumer.override.group.id") or f"connect-{name}")
    if worker_group_id is not None and group == worker_group_id:
        values["name"].add_error(f"Consumer group {group} conflicts with Connect worker group {worker_group_id}")


def _unexpected_error(e: BaseException) -> str:
    message = str(e).strip()
    if message:
        return f"An unexpected error occurred during validation: {message}"
    return "An unexpected error occurred during validation; please see the worker logs for more details."


def validate_exactly_once_support(
    values: dict[str, ConfigValue], props: Mapping[str, Any], connector: SourceConnector, worker_enabled: bool
) -> None:
    """``exactly.once.support=required``: the worker must have exactly-once source support enabled
    and the connector must say SUPPORTED (Java's DistributedHerder preflight)."""
    cv = values.get("exactly.once.support")
    if cv is None or cv.errors or str(cv.value or "").strip().lower() != "required":
        return
    if not worker_enabled:
        cv.add_error("This worker does not have exactly-once source support enabled.")
    try:
        support = connector.exactly_once_support(props)
        if support is None:
            cv.add_error(
                "The connector does not implement the API required for preflight validation of exactly-once "
                "source support. Please consult the documentation for the connector to determine whether it "
                "supports exactly-once semantics, and then consider reconfiguring the connector to use the value "
                '"requested" for this property (which will disable this preflight check and allow the connector '
                "to be created)."
            )
        elif support is not ExactlyOnceSupport.SUPPORTED:
            cv.add_error("The connector does not support exactly-once semantics with the provided configuration.")
    except Exception as e:
        log.error("Failed while validating connector support for exactly-once semantics", exc_info=e)
        cv.add_error(_unexpected_error(e))


def validate_transaction_boundary(
    values: dict[str, ConfigValue], props: Mapping[str, Any], connector: SourceConnector
) -> None:
    """``transaction.boundary=connector``: the connector must be able to define transaction boundaries."""
    cv = values.get("transaction.boundary")
    if cv is None or cv.errors or str(cv.value or "").strip().lower() != "connector":
        return
    try:
        boundaries = connector.can_define_transaction_boundaries(props)
        if boundaries is None:
            cv.add_error(
                "This connector has returned a null value from its canDefineTransactionBoundaries method, which is "
                "not permitted. The connector will be treated as if it cannot define its own transaction "
                "boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'."
            )
        elif boundaries is not ConnectorTransactionBoundaries.SUPPORTED:
            cv.add_error(
                "The connector does not support connector-defined transaction boundaries with the given "
                "configuration. Please reconfigure it to use a different transaction boundary definition."
            )
    except Exception as e:
        log.error("Failed while validating connector support for defining its own transaction boundaries",
                  exc_info=e)
        cv.add_error(_unexpected_error(e))


def _validate_overrides(values: dict[str, ConfigValue], props: Mapping[str, Any], policy: str) -> None:
    if not policy.split(".")[-1].startswith("None"):
        return
    for key in props:
        if key.startswith(("producer.override.", "consumer.override.", "admin.override.")):
            cv = values.setdefault(key, ConfigValue(key, props[key]))
            cv.add_error("The 'None' policy does not allow any client configuration overrides")


def _validate_converters(plugins: Plugins, values: dict[str, ConfigValue], props: Mapping[str, Any]) -> None:
    for key, base in (("key.converter", Converter), ("value.converter", Converter), ("header.converter", HeaderConverter)):
        name = props.get(key)
        if not name or key not in values or values[key].errors:
            continue
        cls = plugins.find(str(name))
        if cls is None or not issubclass(cls, base):
            values[key].add_error(f"Invalid value {name} for configuration {key}: Class {name} could not be found.")
            continue
        try:
            definition: ConfigDef = cls().config()
        except Exception:
            continue
        prefix = key + "."
        sub = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
        if key != "header.converter":
            sub.setdefault("converter.type", "key" if key == "key.converter" else "value")
        else:
            sub.setdefault("converter.type", "header")
        for cv in definition.validate(sub):
            if cv.errors:
                full = prefix + cv.name
                values.setdefault(full, ConfigValue(full, cv.value)).errors.extend(cv.errors)


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
