"""ConnectorConfig, SinkConnectorConfig and SourceConnectorConfig definitions as Java 4.2 has them,
with the transform/predicate/topic-creation enrichment (``ConnectorConfig.enrich``, in
:mod:`connectrt.runtime.connector_enrich`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectrt.api.connector import SinkConnector
from connectrt.api.plugin import Converter, HeaderConverter, PluginType
from connectrt.config.configdef import (
    NO_DEFAULT_VALUE,
    AbstractConfig,
    CaseInsensitiveValidString,
    CompositeValidator,
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    NonEmptyString,
    NonEmptyStringWithoutControlChars,
    NonNullValidator,
    Range,
    Recommender,
    Type,
    Validator,
    ValidList,
    ValidString,
    Width,
    parse_type,
    resolving_classes,
)
from connectrt.runtime.connector_enrich import (
    NEGATE_CONFIG,
    PREDICATE_CONFIG,
    PREDICATES_GROUP,
    TRANSFORMS_GROUP,
    converter_defaults,
    enrich,
    plugin_recommenders,
)
from connectrt.runtime.plugins import InvalidVersionSpec, Plugins, version_requirement

__all__ = ["NEGATE_CONFIG", "PREDICATE_CONFIG", "enrich"]

COMMON_GROUP = "Common"
ERROR_GROUP = "Error Handling"
TOPIC_CREATION_GROUP = "Topic Creation"
EXACTLY_ONCE_SUPPORT_GROUP = "Exactly Once Support"
OFFSETS_TOPIC_GROUP = "offsets.topic"

HEADER_CONVERTER_DEFAULT = "org.apache.kafka.connect.storage.SimpleHeaderConverter"
DEFAULT_TOPIC_CREATION_GROUP = "default"


#: The longest connector name accepted, in UTF-8 bytes. Every REST URL of the connector fits the
#: server's request head even percent-encoded, and every Kafka protocol string derived from it (the
#: group assignment, ``connect-<name>`` consumer groups, transactional ids) fits the protocol's
#: 32767-byte strings. Java sets no limit; a longer name took a Java-compatible cluster down.
MAX_CONNECTOR_NAME_BYTES = 4096
#: The largest connector config accepted, as JSON: its config-topic record must fit Kafka's default
#: 1 MB limit; real configs, even with long table lists or schemas, are a few kilobytes.
MAX_CONNECTOR_CONFIG_BYTES = 512 * 1024


def connector_name_problem(name: str) -> str | None:
    """Why the REST API or the group protocol could not carry ``name`` (beyond Java's own checks).

    Checked when a connector is created or reconfigured through the REST API or the command line;
    a worker still runs what it finds in the config topic under any name the protocol carries."""
    if "/" in name:
        return "Connector names may not contain '/': no REST path could address the connector"
    if name.strip() in (".", ".."):
        return f"Connector names may not be '{name.strip()}': no REST path could address the connector"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "Connector names must be valid Unicode text (this one holds an unpaired surrogate)"
    if size > MAX_CONNECTOR_NAME_BYTES:
        return f"Connector names may not be longer than {MAX_CONNECTOR_NAME_BYTES} bytes in UTF-8 (this one has {size})"
    return None


def _unique_aliases(kind: str) -> CompositeValidator:
    def check(name: str, value: Any) -> None:
        if len(value) != len(set(value)):
            raise ConfigException(name, value, "Duplicate alias provided.")

    return CompositeValidator(NonNullValidator(), LambdaValidator(check, f"unique {kind} aliases"))


@dataclass(frozen=True)
class ConverterDefaults:
    """A converter key's default class and version (Java's ``ConverterDefaults``): the worker's."""

    type: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class ConnectorRecommenders:
    """The recommenders of the common keys (Java's ``PluginsRecommenders``); none without plugins."""

    connector_version: Recommender | None = None
    converter: Recommender | None = None
    header_converter: Recommender | None = None
    key_converter_version: Recommender | None = None
    value_converter_version: Recommender | None = None
    header_converter_version: Recommender | None = None


class PluginVersionValidator(Validator):
    """A ``*.plugin.version`` value must be a version or a Maven version range."""

    def ensure_valid(self, name: str, value: Any) -> None:
        try:
            version_requirement(value)
        except InvalidVersionSpec as e:
            raise ConfigException(str(e))


class PluginClassValidator(Validator):
    """A ``CLASS`` value naming an installed plugin must be a ``base`` and instantiable (Java's
    ``ConcreteSubClassValidator`` and ``InstantiableClassValidator``); null (not found) passes."""

    def __init__(self, plugins: Plugins, base: type, kind: str) -> None:
        self.plugins = plugins
        self.base = base
        self.kind = kind

    def ensure_valid(self, name: str, value: Any) -> None:
        if value is None:
            return
        abstract = self.plugins.abstract_class_message(str(value))
        if abstract is not None:
            raise ConfigException(abstract)
        cls = self.plugins.find(str(value))
        if cls is None:
            return
        if not issubclass(cls, self.base):
            raise ConfigException(f"Class class {value} does not implement the {self.kind} interface")
        try:
            instance = cls()
            close = getattr(instance, "close", None)
            if callable(close):
                close()
        except Exception as e:
            raise ConfigException(name, value, "Could not instantiate class" + (f": {e}" if str(e) else ""))

    def __str__(self) -> str:
        return ""


_NO_DEFAULTS = ConverterDefaults()
_NO_RECOMMENDERS = ConnectorRecommenders()

_CONVERTER_DOC = (
    "Converter class used to convert between Kafka Connect format and the serialized form that is written to "
    "Kafka. This controls the format of the {what} in messages written to or read from Kafka, and since this is "
    "independent of connectors it allows any connector to work with any serialization format. Examples of "
    "common formats include JSON and Avro."
)
HEADER_CONVERTER_DOC = (
    "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written "
    "to Kafka. This controls the format of the header values in messages written to or read from Kafka, and "
    "since this is independent of connectors it allows any connector to work with any serialization format. "
    "Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to "
    "serialize header values to strings and deserialize them by inferring the schemas."
)


def connector_config_def(
    default_version: str | None = None,
    key_converter: ConverterDefaults = _NO_DEFAULTS,
    value_converter: ConverterDefaults = _NO_DEFAULTS,
    header_converter: ConverterDefaults = _NO_DEFAULTS,
    recommenders: ConnectorRecommenders = _NO_RECOMMENDERS,
    plugins: Plugins | None = None,
) -> ConfigDef:
    """Java 4.2's ``ConnectorConfig.configDef``: the keys every connector has. ``default_version`` is
    the connector's installed version; the converter defaults are the worker's converters (in
    validation), with their versions; ``plugins`` adds the converter class checks."""
    d = ConfigDef()
    o = 0

    def nxt() -> int:
        nonlocal o
        o += 1
        return o

    def converter_check(base: type, kind: str) -> Validator | None:
        return PluginClassValidator(plugins, base, kind) if plugins is not None else None

    version_check = PluginVersionValidator()
    d.define(
        "name",
        Type.STRING,
        NO_DEFAULT_VALUE,
        NonEmptyStringWithoutControlChars(),
        Importance.HIGH,
        "Globally unique name to use for this connector.",
        COMMON_GROUP,
        nxt(),
        Width.MEDIUM,
        "Connector name",
    )
    d.define(
        "connector.class",
        Type.STRING,
        NO_DEFAULT_VALUE,
        None,
        Importance.HIGH,
        "Name or alias of the class for this connector. Must be a subclass of "
        "org.apache.kafka.connect.connector.Connector. If the connector is "
        "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, "
        ' or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter',
        COMMON_GROUP,
        nxt(),
        Width.LONG,
        "Connector class",
    )
    d.define(
        "connector.plugin.version",
        Type.STRING,
        default_version,
        version_check,
        Importance.MEDIUM,
        "Version of the connector.",
        COMMON_GROUP,
        nxt(),
        Width.MEDIUM,
        "Connector version",
        recommender=recommenders.connector_version,
    )
    d.define(
        "tasks.max",
        Type.INT,
        1,
        Range.at_least(1),
        Importance.HIGH,
        "Maximum number of tasks to use for this connector.",
        COMMON_GROUP,
        nxt(),
        Width.SHORT,
        "Tasks max",
    )
    d.define(
        "tasks.max.enforce",
        Type.BOOLEAN,
        True,
        None,
        Importance.LOW,
        "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. "
        "By default, connectors that generate too many tasks will fail, and existing sets of tasks that "
        "exceed the tasks.max property will also be failed. If this property is set to false, then "
        "connectors will be allowed to generate more than the maximum number of tasks, and existing sets "
        "of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated "
        "and will be removed in an upcoming major release.",
        COMMON_GROUP,
        nxt(),
        Width.SHORT,
        "Enforce tasks max",
    )
    for what, key, defaults, version_recommender in (
        ("keys", "key", key_converter, recommenders.key_converter_version),
        ("values", "value", value_converter, recommenders.value_converter_version),
    ):
        d.define(
            f"{key}.converter",
            Type.CLASS,
            defaults.type,
            converter_check(Converter, "Converter"),
            Importance.LOW,
            _CONVERTER_DOC.format(what=what),
            COMMON_GROUP,
            nxt(),
            Width.SHORT,
            f"{key.capitalize()} converter class",
            recommender=recommenders.converter,
        )
        d.define(
            f"{key}.converter.plugin.version",
            Type.STRING,
            defaults.version,
            version_check,
            Importance.LOW,
            f"Version of the {key} converter.",
            COMMON_GROUP,
            nxt(),
            Width.SHORT,
            f"{key.capitalize()} converter version",
            recommender=version_recommender,
        )
    d.define(
        "header.converter",
        Type.CLASS,
        header_converter.type,
        converter_check(HeaderConverter, "HeaderConverter"),
        Importance.LOW,
        HEADER_CONVERTER_DOC,
        COMMON_GROUP,
        nxt(),
        Width.SHORT,
        "Header converter class",
        recommender=recommenders.header_converter,
    )
    d.define(
        "header.converter.plugin.version",
        Type.STRING,
        header_converter.version,
        version_check,
        Importance.LOW,
        "Version of the header converter.",
        COMMON_GROUP,
        nxt(),
        Width.SHORT,
        "Header converter version",
        recommender=recommenders.header_converter_version,
    )
    d.define(
        "transforms",
        Type.LIST,
        [],
        _unique_aliases("transformation"),
        Importance.LOW,
        "Aliases for the transformations to be applied to records.",
        TRANSFORMS_GROUP,
        nxt(),
        Width.LONG,
        "Transforms",
    )
    d.define(
        "predicates",
        Type.LIST,
        [],
        _unique_aliases("predicate"),
        Importance.LOW,
        "Aliases for the predicates used by transformations.",
        PREDICATES_GROUP,
        nxt(),
        Width.LONG,
        "Predicates",
    )
    d.define(
        "config.action.reload",
        Type.STRING,
        "restart",
        ValidString(["none", "restart"]),
        Importance.LOW,
        "The action that Connect should take on the connector when changes in external configuration "
        "providers result in a change in the connector's configuration properties. A value of 'none' "
        "indicates that Connect will do nothing. A value of 'restart' indicates that Connect should "
        "restart/reload the connector with the updated configuration properties.The restart may actually "
        "be scheduled in the future if the external configuration provider indicates that a configuration "
        "value will expire in the future.",
        COMMON_GROUP,
        nxt(),
        Width.MEDIUM,
        "Reload Action",
    )
    e = 0

    def enxt() -> int:
        nonlocal e
        e += 1
        return e

    d.define(
        "errors.retry.timeout",
        Type.LONG,
        0,
        None,
        Importance.MEDIUM,
        "The maximum duration in milliseconds that a failed operation will be reattempted. The default is "
        "0, which means no retries will be attempted. Use -1 for infinite retries.",
        ERROR_GROUP,
        enxt(),
        Width.MEDIUM,
        "Retry Timeout for Errors",
    )
    d.define(
        "errors.retry.delay.max.ms",
        Type.LONG,
        60000,
        None,
        Importance.MEDIUM,
        "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to "
        "the delay once this limit is reached to prevent thundering herd issues.",
        ERROR_GROUP,
        enxt(),
        Width.MEDIUM,
        "Maximum Delay Between Retries for Errors",
    )
    d.define(
        "errors.tolerance",
        Type.STRING,
        "none",
        ValidString(["none", "all"]),
        Importance.MEDIUM,
        "Behavior for tolerating errors during connector operation. 'none' is the default value and "
        "signals that any error will result in an immediate connector task failure; 'all' changes the "
        "behavior to skip over problematic records.",
        ERROR_GROUP,
        enxt(),
        Width.SHORT,
        "Error Tolerance",
    )
    d.define(
        "errors.log.enable",
        Type.BOOLEAN,
        False,
        None,
        Importance.MEDIUM,
        "If true, write each error and the details of the failed operation and problematic record to the "
        "Connect application log. This is 'false' by default, so that only errors that are not tolerated "
        "are reported.",
        ERROR_GROUP,
        enxt(),
        Width.SHORT,
        "Log Errors",
    )
    d.define(
        "errors.log.include.messages",
        Type.BOOLEAN,
        False,
        None,
        Importance.MEDIUM,
        "Whether to include in the log the Connect record that resulted in a failure. For sink records, the "
        "topic, partition, offset, and timestamp will be logged. For source records, the key and value (and "
        "their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and "
        "source offset will be logged. This is 'false' by default, which will prevent record keys, values, "
        "and headers from being written to log files.",
        ERROR_GROUP,
        enxt(),
        Width.SHORT,
        "Log Error Details",
    )
    return d


def _regex_validator(name: str, value: Any) -> None:
    """Java's ``RegexValidator``: the value compiles as a Java regex (its messages are Java's)."""
    from connectrt.transforms.java_regex import compile_java_regex  # one regex dialect for the runtime

    try:
        compile_java_regex(value)
    except Exception as e:
        raise ConfigException(name, value, f"Invalid regex: {e}")


def sink_config_def(base: ConfigDef | None = None) -> ConfigDef:
    """Java's ``SinkConnectorConfig.configDef``: ``base`` (the common keys) plus the sink's."""
    d = ConfigDef(base) if base is not None else connector_config_def()
    d.define(
        "topics",
        Type.LIST,
        [],
        ValidList.any_non_duplicate_values(True, False),
        Importance.HIGH,
        "List of topics to consume, separated by commas",
        COMMON_GROUP,
        4,
        Width.LONG,
        "Topics",
    )
    d.define(
        "topics.regex",
        Type.STRING,
        "",
        LambdaValidator(_regex_validator, "valid regex"),
        Importance.HIGH,
        "Regular expression giving topics to consume. Under the hood, the regex is compiled to a "
        "<code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.",
        COMMON_GROUP,
        4,
        Width.LONG,
        "Topics regex",
    )
    d.define(
        "errors.deadletterqueue.topic.name",
        Type.STRING,
        "",
        None,
        Importance.MEDIUM,
        "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an "
        "error when processed by this sink connector, or its transformations or converters. The topic "
        "name is blank by default, which means that no messages are to be recorded in the DLQ.",
        ERROR_GROUP,
        6,
        Width.MEDIUM,
        "Dead Letter Queue Topic Name",
    )
    d.define(
        "errors.deadletterqueue.topic.replication.factor",
        Type.SHORT,
        3,
        None,
        Importance.MEDIUM,
        "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
        ERROR_GROUP,
        7,
        Width.MEDIUM,
        "Dead Letter Queue Topic Replication Factor",
    )
    d.define(
        "errors.deadletterqueue.context.headers.enable",
        Type.BOOLEAN,
        False,
        None,
        Importance.MEDIUM,
        "If true, add headers containing error context to the messages written to the dead letter queue. "
        "To avoid clashing with headers from the original record, all error context header keys, all "
        "error context header keys will start with <code>__connect.errors.</code>",
        ERROR_GROUP,
        8,
        Width.MEDIUM,
        "Enable Error Context Headers",
    )
    return d


def source_config_def(base: ConfigDef | None = None) -> ConfigDef:
    """Java's ``SourceConnectorConfig.configDef``: ``base`` (the common keys) plus the source's."""
    d = ConfigDef(base) if base is not None else connector_config_def()
    d.define(
        "topic.creation.groups",
        Type.LIST,
        [],
        _unique_aliases("topic creation group"),
        Importance.LOW,
        "Groups of configurations for topics created by source connectors",
        TOPIC_CREATION_GROUP,
        1,
        Width.LONG,
        "Topic Creation Groups",
    )
    d.define(
        "exactly.once.support",
        Type.STRING,
        "requested",
        CaseInsensitiveValidString(["requested", "required"]),
        Importance.MEDIUM,
        'Permitted values are requested, required. If set to "required", forces a preflight check for '
        "the connector to ensure that it can provide exactly-once semantics with the given configuration. "
        "Some connectors may be capable of providing exactly-once semantics but not signal to Connect that "
        "they support this; in that case, documentation for the connector should be consulted carefully "
        'before creating it, and the value for this property should be set to "requested". '
        'Additionally, if the value is set to "required" but the worker that performs preflight '
        "validation does not have exactly-once support enabled for source connectors, requests to create "
        "or validate the connector will fail.",
        EXACTLY_ONCE_SUPPORT_GROUP,
        2,
        Width.SHORT,
        "Exactly once support",
    )
    d.define(
        "transaction.boundary",
        Type.STRING,
        "poll",
        CaseInsensitiveValidString(["poll", "interval", "connector"]),
        Importance.MEDIUM,
        "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction "
        "will be started and committed for every batch of records that each task from this connector "
        "provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; "
        "note that not all connectors are capable of defining their own transaction boundaries, and in "
        "that case, attempts to instantiate a connector with this value will fail. Finally, if set to "
        "'interval', commits transactions only after a user-defined time interval has passed.",
        EXACTLY_ONCE_SUPPORT_GROUP,
        3,
        Width.SHORT,
        "Transaction Boundary",
    )
    d.define(
        "transaction.boundary.interval.ms",
        Type.LONG,
        None,
        LambdaValidator(_at_least_zero_or_null, str(Range.at_least(0))),
        Importance.LOW,
        "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction "
        "commits by connector tasks. If unset, defaults to the value of the worker-level "
        "'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is "
        "specified.",
        EXACTLY_ONCE_SUPPORT_GROUP,
        4,
        Width.SHORT,
        "Transaction boundary interval",
    )
    d.define(
        "offsets.storage.topic",
        Type.STRING,
        None,
        NonEmptyString(),
        Importance.LOW,
        "The name of a separate offsets topic to use for this connector. If empty or not specified, the "
        "worker\u2019s global offsets topic name will be used. If specified, the offsets topic will be created "
        "if it does not already exist on the Kafka cluster targeted by this connector (which may be "
        "different from the one used for the worker's global offsets topic if the "
        "bootstrap.servers property of the connector's producer has been overridden from the worker's). "
        "Only applicable in distributed mode; in standalone mode, setting this property will have no effect.",
        OFFSETS_TOPIC_GROUP,
        1,
        Width.LONG,
        "Offsets topic",
    )
    return d


def _at_least_zero_or_null(name: str, value: Any) -> None:
    if value is not None:
        Range.at_least(0).ensure_valid(name, value)


# --- enrichment ------------------------------------------------------------------------------


def plugin_config_def(plugins: Plugins, connector_class: type, plugin_version: str | None) -> ConfigDef:
    """The framework keys ``GET /connector-plugins/{p}/config`` lists for a connector (Java's
    ``Source/SinkConnectorConfig.enrichedConfigDef(plugins, connectorClass)``)."""
    base = connector_config_def(plugin_version)
    return sink_config_def(base) if issubclass(connector_class, SinkConnector) else source_config_def(base)


def validation_config_def(
    plugins: Plugins, props: Mapping[str, Any], worker_props: Mapping[str, Any], sink: bool
) -> ConfigDef:
    """The ConfigDef a connector config is validated against (Java's ``enrichedConfigDef(plugins,
    props, workerConfig)`` then ``enrich``): the worker's converters as defaults, the installed
    plugins and versions as recommended values, and the keys of the transforms and predicates."""
    base = connector_config_def(
        plugins.version_of(str(props.get("connector.class")), PluginType.SOURCE, PluginType.SINK),
        converter_defaults(plugins, "key.converter", worker_props, props, PluginType.CONVERTER),
        converter_defaults(plugins, "value.converter", worker_props, props, PluginType.CONVERTER),
        converter_defaults(
            plugins,
            "header.converter",
            worker_props,
            props,
            PluginType.HEADER_CONVERTER,
            HEADER_CONVERTER_DEFAULT,
        ),
        plugin_recommenders(plugins),
        plugins,
    )
    return enrich(plugins, sink_config_def(base) if sink else source_config_def(base), props, False)


def enrich_topic_creation(base: ConfigDef, props: Mapping[str, Any]) -> ConfigDef:
    """Add ``topic.creation.<group>.*`` definitions for source connectors."""
    newdef = ConfigDef(base)
    try:
        groups = parse_type("topic.creation.groups", props.get("topic.creation.groups"), Type.LIST) or []
    except ConfigException:
        groups = []
    creation_set = any(k.startswith("topic.creation.") and k != "topic.creation.groups" for k in props)
    for group in [DEFAULT_TOPIC_CREATION_GROUP, *dict.fromkeys(g for g in groups if g != "default")]:
        if group == DEFAULT_TOPIC_CREATION_GROUP and not creation_set:
            continue
        prefix = f"topic.creation.{group}."
        gname = f"{TOPIC_CREATION_GROUP}: {group}"
        is_default = group == DEFAULT_TOPIC_CREATION_GROUP
        required: Any = NO_DEFAULT_VALUE if is_default else -1
        newdef.define(
            prefix + "include",
            Type.LIST,
            [] if is_default else NO_DEFAULT_VALUE,
            None,
            Importance.LOW,
            "A list of regular expression literals used to match the topic names used by the source "
            "connector. This list is used to include topics that should be created using the topic "
            "settings defined by this group.",
            gname,
            1,
            Width.LONG,
            "Inclusion Topic Pattern for " + group,
        )
        newdef.define(
            prefix + "exclude",
            Type.LIST,
            [],
            None,
            Importance.LOW,
            "A list of regular expression literals used to match the topic names used by the source "
            "connector. This list is used to exclude topics from being created with the topic "
            "settings defined by this group. Note that exclusion rules have precedent and override "
            "any inclusion rules for the topics.",
            gname,
            2,
            Width.LONG,
            "Exclusion Topic Pattern for " + group,
        )
        newdef.define(
            prefix + "replication.factor",
            Type.INT,
            required,
            LambdaValidator(
                _rf_check,
                "Positive number not larger than the number of brokers in the "
                "Kafka cluster, or -1 to use the broker's default",
            ),
            Importance.LOW,
            "The replication factor for new topics created for this connector using "
            "this group. This value may be -1 to use the broker's default replication factor, or may "
            "be a positive number not larger than the number of brokers in the Kafka cluster. A value "
            "larger than the number of brokers in the Kafka cluster will result in an error when the "
            "new topic is created. For the default group this configuration is required. For any "
            "other group defined in topic.creation.groups this config is optional and if it's missing "
            "it gets the value of the default group",
            gname,
            3,
            Width.LONG,
            "Replication Factor for Topics in " + group,
        )
        newdef.define(
            prefix + "partitions",
            Type.INT,
            required,
            LambdaValidator(_partitions_check, "Positive number, or -1 to use the broker's default"),
            Importance.LOW,
            "The number of partitions new topics created for this connector. This "
            "value may be -1 to use the broker's default number of partitions, or a positive number "
            "representing the desired number of partitions. For the default group this configuration "
            "is required. For any other group defined in topic.creation.groups this config is "
            "optional and if it's missing it gets the value of the default group",
            gname,
            4,
            Width.LONG,
            "Partition Count for Topics in " + group,
        )
    return newdef


def _rf_check(name: str, value: Any) -> None:
    if value is not None and value != -1 and value < 1:
        raise ConfigException(
            name,
            value,
            "Replication factor must be positive and not larger than the number "
            "of brokers in the Kafka cluster, or -1 to use the broker's default",
        )


def _partitions_check(name: str, value: Any) -> None:
    if value is not None and value != -1 and value < 1:
        raise ConfigException(
            name, value, "Number of partitions must be positive, or -1 to use the broker's default"
        )


class ConnectorConfig(AbstractConfig):
    """A parsed connector config, enriched with its transforms and predicates."""

    def __init__(
        self, plugins: Plugins, props: Mapping[str, Any], definition: ConfigDef | None = None
    ) -> None:
        base = definition if definition is not None else connector_config_def()
        with resolving_classes(plugins.class_name_of):
            enriched = enrich(plugins, base, props, True)
            super().__init__(enriched, props)
        self.plugins = plugins

    @property
    def name(self) -> str:
        return self.get_str("name")

    @property
    def tasks_max(self) -> int:
        return self.get_int("tasks.max")

    @property
    def errors_tolerance_all(self) -> bool:
        return str(self.get("errors.tolerance")).lower() == "all"


class SinkConnectorConfig(ConnectorConfig):
    def __init__(self, plugins: Plugins, props: Mapping[str, Any]) -> None:
        super().__init__(plugins, props, sink_config_def())


class SourceConnectorConfig(ConnectorConfig):
    def __init__(self, plugins: Plugins, props: Mapping[str, Any]) -> None:
        super().__init__(plugins, props, enrich_topic_creation(source_config_def(), props))
