"""ReplaceField$Key / $Value: filters and renames fields (Java's ReplaceField)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from connectrt.api.data import Schema, SchemaBuilder, Struct
from connectrt.api.plugin import Transformation
from connectrt.config.configdef import (
    ConfigDef,
    ConfigException,
    Importance,
    LambdaValidator,
    Type,
    ValidList,
)
from connectrt.transforms.fused import (
    CHANGED,
    OWN_KEY,
    OWN_VALUE,
    Step,
    compile_function,
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
    java_split,
    require_map,
    require_struct,
)

EXCLUDE_CONFIG = "exclude"
INCLUDE_CONFIG = "include"
RENAMES_CONFIG = "renames"
PURPOSE = "field replacement"

new_struct = Struct.__new__
_ABSENT = object()  # what a generated rename pops when the field is not there


def parse_rename_mappings(mappings: list[str]) -> dict[str, str]:
    """``old:new`` pairs; raises ConfigException("Invalid rename mapping: ...") like Java."""
    renames: dict[str, str] = {}
    for mapping in mappings:
        parts = java_split(mapping, ":")
        if len(parts) != 2:
            raise ConfigException(RENAMES_CONFIG, mappings, "Invalid rename mapping: " + mapping)
        renames[parts[0]] = parts[1]
    return renames


def _validate_renames(name: str, value: Any) -> None:
    parse_rename_mappings(value or [])


CONFIG_DEF = (
    ConfigDef()
    .define(
        EXCLUDE_CONFIG,
        Type.LIST,
        [],
        ValidList.any_non_duplicate_values(True, False),
        Importance.MEDIUM,
        "Fields to exclude. This takes precedence over the fields to include.",
    )
    .define(
        INCLUDE_CONFIG,
        Type.LIST,
        [],
        ValidList.any_non_duplicate_values(True, False),
        Importance.MEDIUM,
        "Fields to include. If specified, only these fields will be used.",
    )
    .define(
        RENAMES_CONFIG,
        Type.LIST,
        [],
        LambdaValidator(
            _validate_renames,
            "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
        ),
        Importance.MEDIUM,
        "Field rename mappings.",
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

# Cached per input schema: the output schema and a function from an input Struct to the output Struct.
_Plan = tuple[Schema, Callable[[Struct], Struct]]


def _unconfigured(record: Any) -> Any:
    raise RuntimeError("ReplaceField is not configured")


class ReplaceField(Transformation[R]):
    """Filter or rename fields. Use ReplaceField$Key or ReplaceField$Value."""

    _IS_KEY: ClassVar[bool] = False
    VERSION = VERSION

    def __init__(self) -> None:
        self._exclude: frozenset[str] = frozenset()
        self._include: frozenset[str] = frozenset()
        self._renames: dict[str, str] = {}
        self._replace_null_with_default = True
        self._plans: SchemaCache[Schema, _Plan] = SchemaCache()
        self._apply: Callable[[R], R | None] = _unconfigured
        self._step: Step | None = None

    def configure(self, configs: Mapping[str, Any]) -> None:
        values = CONFIG_DEF.parse(configs)
        self._exclude = frozenset(values[EXCLUDE_CONFIG])
        self._include = frozenset(values[INCLUDE_CONFIG])
        self._renames = parse_rename_mappings(values[RENAMES_CONFIG])
        self._replace_null_with_default = values[REPLACE_NULL_WITH_DEFAULT_CONFIG]
        self._plans = SchemaCache()
        self._step = self._compile()
        self._apply = step_apply(self._step)
        self.apply = self._apply  # type: ignore[method-assign,assignment]  # the hot path skips a call

    def filter(self, field_name: str) -> bool:
        return field_name not in self._exclude and (not self._include or field_name in self._include)

    def renamed(self, field_name: str) -> str:
        return self._renames.get(field_name, field_name)

    def apply(self, record: R) -> R | None:
        return self._apply(record)

    def fused_step(self) -> Step | None:
        """This transform as a step for a fused chain (see connectrt.transforms.fused)."""
        return self._step

    def _compile(self) -> Step:
        """The step for this configuration, generated (see compile_step): the schemaless path written
        out as straight-line code for the configured fields; a value with a schema goes to
        ``_structured_step``. ``apply`` is this step on a copy of the record."""
        exclude, renames = self._exclude, self._renames
        pairs = [(old, new) for old, new in renames.items() if old not in exclude]
        attr = "key" if self._IS_KEY else "value"
        env: dict[str, Any] = {"dict": dict, "type": type, "require_map": require_map, "PURPOSE": PURPOSE}
        body = schemaless_step_start(self._IS_KEY, self._structured_step(), env)
        body += [
            "    if type(value) is not dict:",
            "        require_map(value, PURPOSE)",
        ]
        if self._include:
            # only the included fields (exclude wins), in the value's order, under their new names
            env["KEEP"], env["RENAMED"] = self._include - exclude, renames.get
            body.append(f"    draft.{attr} = {{RENAMED(k, k): v for k, v in value.items() if k in KEEP}}")
            body.append("    return flags | MADE")
            return compile_step(f"{type(self).__name__}", body, env)
        body += [
            "    if flags & OWN:",  # a dict this run made is edited in place, any other copied first
            "        updated = value",
            "    else:",
            f"        updated = draft.{attr} = dict(value)",
        ]
        for i, name in enumerate(sorted(exclude)):
            env[f"E{i}"] = name
            body.append(f"    updated.pop(E{i}, None)")
        if any(new in renames for _, new in pairs):
            # a rename whose target is itself renamed (a:b,b:c) reads every old value first
            env["PAIRS"] = tuple(pairs)
            body.append(
                "    updated.update([(new, updated.pop(old)) for old, new in PAIRS if old in updated])"
            )
        else:
            env["ABSENT"] = _ABSENT
            for i, (old, new) in enumerate(pairs):
                env[f"O{i}"], env[f"N{i}"] = old, new
                # one lookup: pop with a marker no value can be, rather than a membership test and pop
                body += [
                    f"    v = updated.pop(O{i}, ABSENT)",
                    "    if v is not ABSENT:",
                    f"        updated[N{i}] = v",
                ]
        body.append("    return flags | MADE")
        return compile_step(f"{type(self).__name__}", body, env)

    def _structured_step(self) -> Step:
        """The step's path for a value with a schema: the projection of its input schema, cached."""
        is_key = self._IS_KEY
        made = (OWN_KEY if is_key else OWN_VALUE) | CHANGED
        plans = self._plans
        make_plan = self._make_plan
        # the plan of the last input schema, by identity: a stream of records usually has one schema
        last: list[tuple[Schema | None, Any]] = [(None, None)]

        def structured(draft: Any, flags: int) -> int:
            struct = require_struct(draft.key if is_key else draft.value, PURPOSE)
            schema = struct.schema
            last_schema, plan = last[0]
            if schema is not last_schema:
                plan = plans.get(schema)
                if plan is None:
                    plan = make_plan(schema)
                last[0] = (schema, plan)
            schema, project = plan
            updated = project(struct)
            if is_key:
                draft.key_schema = schema
                draft.key = updated
            else:
                draft.value_schema = schema
                draft.value = updated
            return flags | made

        return structured

    def _make_plan(self, schema: Schema) -> _Plan:
        """The output schema for ``schema`` and its projection, generated: one dict display of the kept
        fields under their new names (a null replaced by the field's default where it has one)."""
        assert schema.fields is not None
        builder = copy_schema_basics(schema, SchemaBuilder.struct())
        env: dict[str, Any] = {"new_struct": new_struct, "Struct": Struct, "update": dict.update}
        entries: list[str] = []
        for field in schema.fields:
            if self.filter(field.name):
                new_name = self.renamed(field.name)
                builder.field(new_name, field.schema)
                i = len(entries)
                env[f"N{i}"], env[f"O{i}"] = new_name, field.name
                default = field.schema.default if self._replace_null_with_default else None
                if default is None:
                    entries.append(f"        N{i}: s[O{i}],")
                else:
                    env[f"D{i}"] = default
                    entries.append(f"        N{i}: v if (v := s[O{i}]) is not None else D{i},")
        updated_schema = builder.build()
        env["SCHEMA"] = updated_schema
        lines = [
            "def project(s):",
            "    out = new_struct(Struct)",
            "    update(out, {",
            *entries,
            "    })",
            "    out.schema = SCHEMA",
            "    return out",
        ]
        label = f"<{type(self).__name__} projection of {schema.name or 'a struct'}>"
        project = compile_function(label, lines, env, "project")
        return self._plans.put(schema, (updated_schema, project))

    def config(self) -> ConfigDef:
        return CONFIG_DEF

    def close(self) -> None:
        self._plans.clear()


class ReplaceFieldKey(ReplaceField[R]):
    """ReplaceField on the record key."""

    ALIASES = ("org.apache.kafka.connect.transforms.ReplaceField$Key",)
    _IS_KEY = True


class ReplaceFieldValue(ReplaceField[R]):
    """ReplaceField on the record value."""

    ALIASES = ("org.apache.kafka.connect.transforms.ReplaceField$Value",)
    _IS_KEY = False
