"""The checks Java's herders add to a connector config's validation: a sink's topics and DLQ
(``SinkConnectorConfig.validate``), its consumer group against the worker's (distributed), a
source's exactly-once preflight (distributed), and the client overrides allowed by the worker's
``connector.client.config.override.policy``."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectrt.api.connector import ConnectorTransactionBoundaries, ExactlyOnceSupport, SourceConnector
from connectrt.config.configdef import ConfigValue
from connectrt.config.worker_config import OVERRIDE_POLICIES
from connectrt.herder.task_configs import java_hash_map_order

log = logging.getLogger(__name__)


def _blank(value: Any) -> bool:
    return value is None or not str(value).strip()


def _add_error(values: dict[str, ConfigValue], name: str, value: Any, message: str) -> None:
    values.setdefault(name, ConfigValue(name, value)).add_error(message)


def validate_sink(values: dict[str, ConfigValue], props: Mapping[str, Any]) -> None:
    """Java 4.2's ``SinkConnectorConfig.validate``."""
    topics_list, topics_regex = props.get("topics"), props.get("topics.regex")
    dlq = str(props.get("errors.deadletterqueue.topic.name") or "").strip()
    has_topics, has_regex = not _blank(topics_list), not _blank(topics_regex)
    if has_topics and has_regex:
        message = "topics and topics.regex are mutually exclusive options, but both are set."
        _add_error(values, "topics", topics_list, message)
        _add_error(values, "topics.regex", topics_regex, message)
    if not has_topics and not has_regex:
        message = "Must configure one of topics or topics.regex"
        _add_error(values, "topics", topics_list, message)
        _add_error(values, "topics.regex", topics_regex, message)
    if not dlq:
        return
    if has_topics:
        topics = list(dict.fromkeys(t for t in re.split(r"\s*,\s*", str(topics_list).strip()) if t))
        if dlq in topics:
            _add_error(
                values,
                "topics",
                topics_list,
                f"The DLQ topic '{dlq}' may not be included in the list of topics "
                f"('topics=[{', '.join(topics)}]') consumed by the connector",
            )
    if has_regex:
        try:
            matches = re.fullmatch(str(topics_regex), dlq) is not None
        except re.error:
            matches = False  # the regex's own validator reported it
        if matches:
            _add_error(
                values,
                "topics.regex",
                topics_regex,
                f"The DLQ topic '{dlq}' may not be matched by the regex for the topics "
                f"('topics.regex={topics_regex}') consumed by the connector",
            )


def validate_sink_group_id(
    values: dict[str, ConfigValue], props: Mapping[str, Any], worker_group_id: str
) -> None:
    """A sink's consumer group may not be the workers' own group (Java's DistributedHerder)."""
    override = "consumer.override.group.id"
    if override in props:
        group = props[override]
        cv = values.setdefault(override, ConfigValue(override, group))
        if group == worker_group_id:
            cv.add_error(f"Consumer group {group} conflicts with Connect worker group {worker_group_id}")
        return
    name_value = values.get("name")
    name = name_value.value if name_value is not None else None
    if name_value is not None and f"connect-{name}" == worker_group_id:
        name_value.add_error(
            f"Consumer group for sink connector named {name} conflicts with Connect worker group {worker_group_id}"
        )


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
            cv.add_error(
                "The connector does not support exactly-once semantics with the provided configuration."
            )
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
        log.error(
            "Failed while validating connector support for defining its own transaction boundaries",
            exc_info=e,
        )
        cv.add_error(_unexpected_error(e))


#: What Java's PrincipalConnectorClientConfigOverridePolicy lets a connector override.
_PRINCIPAL_ALLOWED = {"sasl.jaas.config", "sasl.mechanism", "security.protocol"}


@dataclass
class OverrideInfos:
    error_count: int = 0
    values: list[dict[str, Any]] = field(default_factory=list)


def validate_client_overrides(props: Mapping[str, Any], sink: bool, policy: str) -> OverrideInfos:
    """Java's ``validateClientOverrides``: each ``producer.override.*`` (``consumer.``/``admin.``)
    key of a client the connector uses, as the policy judges it. Java shows the Java client's
    definition of the key; connectrt's clients are librdkafka's, so the definition is null."""
    name = OVERRIDE_POLICIES.get(policy.strip(), policy.strip().rsplit(".", 1)[-1])
    uses_dlq = not _blank(props.get("errors.deadletterqueue.topic.name"))
    clients: list[str] = []
    if not sink or uses_dlq:
        clients.append("producer.override.")
    if sink:
        clients.append("consumer.override.")
    if (not sink and any(k.startswith("topic.creation.") for k in props)) or (sink and uses_dlq):
        clients.append("admin.override.")
    out = OverrideInfos()
    for prefix in clients:
        overrides = {k[len(prefix) :]: v for k, v in props.items() if k.startswith(prefix)}
        for key, value in java_hash_map_order(overrides, presized=False).items():
            allowed = name == "All" or (name == "Principal" and key in _PRINCIPAL_ALLOWED)
            errors = (
                []
                if allowed
                else [
                    f"The '{name}' policy does not allow '{key}' to be overridden in the connector configuration."
                ]
            )
            out.values.append(
                {
                    "name": prefix + key,
                    "value": None if value is None else str(value),
                    "recommended_values": [],
                    "errors": errors,
                    "visible": True,
                }
            )
            out.error_count += 1 if errors else 0
    return out
