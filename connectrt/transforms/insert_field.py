"""InsertField$Key / $Value: adds record metadata or a static value as fields (Java's InsertField)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, ClassVar, NamedTuple

from connectrt.api.data import EPOCH, Schema, SchemaBuilder, Timestamp
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import ConfigDef, ConfigException, Importance, Type
from connectrt.transforms.fused import (
    CHANGED,
    OWN_KEY,
    OWN_VALUE,
    Step,
    compile_step,
    schemaless_step_start,
    step_apply,
)
from connectrt.transforms.util import (
    REPLACE_NULL_WITH_DEFAULT_CONFIG,
    REPLACE_NULL_WITH_DEFAULT_DOC,
    VERSION,
    R,
    SchemaCache,
    copy_schema_basics,
    make_struct,
    require_map,
    require_sink_record,
    require_struct,
)

TOPIC_FIELD = "topic.field"
PARTITION_FIELD = "partition.field"
OFFSET_FIELD = "offset.field"
TIMESTAMP_FIELD = "timestamp.field"
STATIC_FIELD = "static.field"
STATIC_VALUE = "static.value"
PURPOSE = "field insertion"

OPTIONALITY_DOC = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."

CONFIG_DEF = (
    ConfigDef()
    .define(
        TOPIC_FIELD,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Field name for Kafka topic. " + OPTIONALITY_DOC,
    )
    .define(
        PARTITION_FIELD,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Field name for Kafka partition. " + OPTIONALITY_DOC,
    )
    .define(
        OFFSET_FIELD,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Field name for Kafka offset - only applicable to sink connectors.<br/>" + OPTIONALITY_DOC,
    )
    .define(
        TIMESTAMP_FIELD,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Field name for record timestamp. " + OPTIONALITY_DOC,
    )
    .define(
        STATIC_FIELD,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Field name for static data field. " + OPTIONALITY_DOC,
    )
    .define(
        STATIC_VALUE,
        Type.STRING,
        None,
        None,
        Importance.MEDIUM,
        "Static field value, if field name configured.",
    )
    .define(
        REPLACE_NULL_WITH_DEFAULT_CONFIG,
        Type.BOOLEAN,
        True,
        None,
        Importance.MEDIUM,
        REPLACE_NULL_WITH_DEFAULT_DOC,
    )
)

OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build()

_MILLIS = tuple(timedelta(milliseconds=n) for n in range(1000))


class InsertionSpec(NamedTuple):
    name: str
    optional: bool

    @staticmethod
    def parse(spec: str | None) -> InsertionSpec | None:
        if spec is None:
            return None
        if spec.endswith("?"):
            return InsertionSpec(spec[:-1], True)
        if spec.endswith("!"):
            return InsertionSpec(spec[:-1], False)
        return InsertionSpec(spec, True)


# Cached per input schema: output schema, (name, default-or-None) per copied field, any defaults.
_Plan = tuple[Schema, tuple[tuple[str, Any], ...], bool]


def _unconfigured(record: Any) -> Any:
    raise RuntimeError("InsertField is not configured")


class InsertField(Transformation[R]):
    """Insert field(s) using attributes from the record metadata or a configured static value.

    Use InsertField$Key or InsertField$Value.
    """

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._topic: InsertionSpec | None = None
        self._partition: InsertionSpec | None = None
        self._offset: InsertionSpec | None = None
        self._timestamp: InsertionSpec | None = None
        self._static: InsertionSpec | None = None
        self._static_value: str | None = None
        self._replace_null_with_default = True
        self._plans: SchemaCache[Schema, _Plan] = SchemaCache()
        self._apply: Callable[[R], R | None] = _unconfigured
        self._step: Step | None = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._topic = InsertionSpec.parse(values[TOPIC_FIELD])
        self._partition = InsertionSpec.parse(values[PARTITION_FIELD])
        self._offset = InsertionSpec.parse(values[OFFSET_FIELD])
        self._timestamp = InsertionSpec.parse(values[TIMESTAMP_FIELD])
        self._static = InsertionSpec.parse(values[STATIC_FIELD])
        self._static_value = values[STATIC_VALUE]
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        if not (self._topic or self._partition or self._offset or self._timestamp or self._static):
            raise ConfigException("No field insertion configured")
        if self._static is not None and self._static_value is None:
            raise ConfigException(
                STATIC_VALUE, None, "No value specified for static field: " + self._static.name
            )
        self._plans = SchemaCache()
        self._step = self._compile()
        self._apply = step_apply(self._step)
        self.apply = self._apply  # type: ignore[method-assign,assignment]  # the hot path skips a call

    def apply(self, record: R) -> R | None:
        return self._apply(record)

    def fused_step(self) -> Step | None:
        """This transform as a step for a fused chain (see connectrt.transforms.fused)."""
        return self._step

    def _compile(self) -> Step:
        """The step for this configuration, generated (see compile_step): the schemaless path written
        out as straight-line code for the configured fields; a value with a schema goes to
        ``_structured_step``. ``apply`` is this step on a copy of the record."""
        attr = "key" if self._IS_KEY else "value"
        env: dict[str, Any] = {
            "dict": dict, "type": type, "require_map": require_map, "PURPOSE": PURPOSE,
            "require_sink_record": require_sink_record, "STATIC_VALUE": self._static_value,
        }  # fmt: skip
        body = schemaless_step_start(self._IS_KEY, self._structured_step(), env)
        body += [
            "    if type(value) is dict:",
            "        if flags & OWN:",  # a dict this run made is edited in place, any other copied first
            "            updated = value",
            "        else:",
            f"            updated = draft.{attr} = dict(value)",
            "    else:",
            f"        updated = draft.{attr} = dict(require_map(value, PURPOSE))",
        ]
        if self._topic is not None:
            env["TOPIC"] = self._topic.name
            body.append("    updated[TOPIC] = draft.topic")
        if self._partition is not None:
            env["PARTITION"] = self._partition.name
            body += [
                "    if draft.kafka_partition is not None:",
                "        updated[PARTITION] = draft.kafka_partition",
            ]
        if self._offset is not None:
            env["OFFSET"] = self._offset.name
            body.append("    updated[OFFSET] = require_sink_record(draft, PURPOSE).kafka_offset")
        if self._timestamp is not None:
            env["TIMESTAMP"] = self._timestamp.name
            body += ["    if draft.timestamp is not None:", "        updated[TIMESTAMP] = draft.timestamp"]
        if self._static is not None:
            env["STATIC"] = self._static.name
            body.append("    updated[STATIC] = STATIC_VALUE")
        body.append("    return flags | MADE")
        return compile_step(f"{type(self).__name__}", body, env)

    def _structured_step(self) -> Step:
        """The step's path for a value with a schema: the input schema's plan (cached), then the fields."""
        is_key = self._IS_KEY
        own_flag = OWN_KEY if is_key else OWN_VALUE
        made = own_flag | CHANGED
        topic = self._topic.name if self._topic is not None else None
        partition = self._partition.name if self._partition is not None else None
        offset = self._offset.name if self._offset is not None else None
        timestamp = self._timestamp.name if self._timestamp is not None else None
        static = self._static.name if self._static is not None else None
        static_value = self._static_value
        plans = self._plans
        make_plan = self._make_plan
        set_field = dict.__setitem__
        # the plan of the last input schema, by identity: a stream of records usually has one schema
        last_plan: list[tuple[Schema | None, Any]] = [(None, None)]
        # The last whole second converted, as one (seconds, datetime) tuple so that threads sharing the
        # transform never see half an update: the timestamps of a stream of records are close together.
        last_second: list[tuple[Any, Any]] = [(None, None)]

        def structured(draft: Any, flags: int) -> int:
            struct = require_struct(draft.key if is_key else draft.value, PURPOSE)
            schema = struct.schema
            last_schema, plan = last_plan[0]
            if schema is not last_schema:
                plan = plans.get(schema)
                if plan is None:
                    plan = make_plan(schema)
                last_plan[0] = (schema, plan)
            schema, fields, with_defaults = plan
            if with_defaults:
                updated = make_struct(
                    schema,
                    [(name, v if (v := struct[name]) is not None or d is None else d) for name, d in fields],
                )
            elif flags & own_flag:
                # a Struct this run made gains the fields in place (they follow in schema order)
                updated = struct
                updated.schema = schema
            else:
                updated = make_struct(schema, struct)
            # the inserted fields follow in schema order; absent metadata stays null
            if topic is not None:
                set_field(updated, topic, draft.topic)
            if partition is not None:
                set_field(updated, partition, draft.kafka_partition)
            if offset is not None:
                set_field(updated, offset, require_sink_record(draft, PURPOSE).kafka_offset)
            if timestamp is not None:
                millis = draft.timestamp
                if millis is None:
                    set_field(updated, timestamp, None)
                elif type(millis) is int:
                    # EPOCH + timedelta(milliseconds=millis), from the second's datetime and a
                    # prebuilt timedelta of the milliseconds: a timedelta is slow to build
                    second, rest = divmod(millis, 1000)
                    last, base = last_second[0]
                    if second != last:
                        base = EPOCH + timedelta(0, second)
                        last_second[0] = (second, base)
                    set_field(updated, timestamp, base + _MILLIS[rest])
                else:
                    set_field(updated, timestamp, EPOCH + timedelta(0, 0, 0, millis))
            if static is not None:
                set_field(updated, static, static_value)
            if is_key:
                draft.key_schema = schema
                draft.key = updated
            else:
                draft.value_schema = schema
                draft.value = updated
            return flags | made

        return structured

    def _make_plan(self, schema: Schema) -> _Plan:
        assert schema.fields is not None
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        fields: list[tuple[str, Any]] = []
        for field in schema.fields:
            builder.field(field.name, field.schema)
            fields.append((field.name, field.schema.default if self._replace_null_with_default else None))
        if self._topic is not None:
            builder.field(self._topic.name, _string(self._topic.optional))
        if self._partition is not None:
            opt = self._partition.optional
            builder.field(self._partition.name, Schema.OPTIONAL_INT32_SCHEMA if opt else Schema.INT32_SCHEMA)
        if self._offset is not None:
            opt = self._offset.optional
            builder.field(self._offset.name, Schema.OPTIONAL_INT64_SCHEMA if opt else Schema.INT64_SCHEMA)
        if self._timestamp is not None:
            opt = self._timestamp.optional
            builder.field(self._timestamp.name, OPTIONAL_TIMESTAMP_SCHEMA if opt else Timestamp.SCHEMA)
        if self._static is not None:
            builder.field(self._static.name, _string(self._static.optional))
        plan: _Plan = (builder.build(), tuple(fields), any(d is not None for _, d in fields))
        return self._plans.put(schema, plan)

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._plans.clear()


def _string(optional: bool) -> Schema:
    return Schema.OPTIONAL_STRING_SCHEMA if optional else Schema.STRING_SCHEMA


class InsertFieldKey(InsertField[R]):
    """InsertField on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.InsertField$Key",)
    _IS_KEY = True


class InsertFieldValue(InsertField[R]):
    """InsertField on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.InsertField$Value",)
    _IS_KEY = False
