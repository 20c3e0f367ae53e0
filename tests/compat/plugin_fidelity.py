"""How connectrt's answers about the Debezium-named plugins are compared with Debezium's on Java 4.2.1.

The steps are ``plugin_scenario``'s (``GET /connector-plugins/<p>/config`` and validate of Debezium
PostgreSQL, JDBC sink and ExtractNewRecordState configs). Definitions and validate values are matched
by config key name, and these fields compared: a key's type, required, default_value, importance
and dependents; its display layout (group, display_name, width, order_in_group) and, in the
plugin-config steps, the order of the keys; validate's value, errors, recommended_values, visible
and error_count; the HTTP status; which keys each side defines. Documentation texts are not
compared: connectrt's are its own words, not Debezium's text. The converter and transform-type keys
Kafka's runtime adds (whose recommended plugin lists differ with the plugins installed) are compared
by ``test_rest_fidelity``, not here.

Every other difference must be one of :data:`DELIBERATE`, each with the reason the plugin's README
gives under "Where it differs from Debezium".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.compat import plugin_scenario

RECORDING = Path(__file__).resolve().parent / "data" / "java_debezium_plugins.json"
README_HEADING = "## Where it differs from Debezium"
PLUGINS = Path(__file__).resolve().parents[2] / "plugins"

DEFINITION_FIELDS = ("type", "required", "default_value", "importance", "dependents")
#: steps whose display layout is compared too (the plugins whose layout connectrt matches)
LAYOUT_FIELDS = ("group", "display_name", "width", "order_in_group")
VALUE_FIELDS = ("value", "errors", "recommended_values", "visible")
#: keys of Kafka's runtime (validated and recorded by test_rest_fidelity, whose plugin lists differ here)
_RUNTIME_KEY = re.compile(
    r"(key|value|header)\.converter(\.plugin\.version)?|transforms\.[^.]+\.(type|plugin\.version)"
)


@dataclass(frozen=True)
class Deliberate:
    """Differences allowed where the step id, the key and the field match these patterns."""

    steps: str
    keys: str
    fields: str
    reason: str
    readme: str  # the plugin README's phrase for it
    plugin: str  # plugins/<plugin>/README.md

    def allows(self, step: str, key: str, field: str) -> bool:
        return bool(
            re.fullmatch(self.steps, step)
            and re.fullmatch(self.keys, key)
            and re.fullmatch(self.fields, field)
        )


def _definitions(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    body = answer["body"]
    if isinstance(body, list):
        return {d["name"]: {"definition": d} for d in body}
    return {
        c["definition"]["name"]: c
        for c in body.get("configs", [])
        if c.get("definition") and not _RUNTIME_KEY.fullmatch(c["definition"]["name"])
    }


def differences(java: dict[str, Any], ours: dict[str, Any]) -> Iterator[tuple[str, str, Any, Any]]:
    """``(key, field, java's, ours)`` for one step; key ``$`` for the step as a whole."""
    if java["status"] != ours["status"]:
        yield "$", "status", java["status"], ours["status"]
    if isinstance(java["body"], dict) and "error_count" in java["body"]:
        if java["body"]["error_count"] != ours["body"].get("error_count"):
            yield "$", "error_count", java["body"]["error_count"], ours["body"].get("error_count")
    jd, od = _definitions(java), _definitions(ours)
    if isinstance(java["body"], list) and [k for k in od if k in jd] != list(jd):
        yield "$", "order", list(jd), list(od)
    for key, j in jd.items():
        o = od.get(key)
        if o is None:
            yield key, "defined", True, False
            continue
        for f in DEFINITION_FIELDS + LAYOUT_FIELDS:
            if j["definition"].get(f) != o["definition"].get(f):
                yield key, f, j["definition"].get(f), o["definition"].get(f)
        if "value" in j:
            jv, ov = j["value"] or {}, o.get("value") or {}
            for f in VALUE_FIELDS:
                if jv.get(f) != ov.get(f):
                    yield key, f, jv.get(f), ov.get(f)
    for key in od:
        if key not in jd:
            yield key, "defined", False, True


def compare(
    java_answers: list[dict[str, Any]], our_answers: list[dict[str, Any]], deliberate: tuple[Deliberate, ...]
) -> tuple[list[tuple[str, str, str, Any, Any]], set[int]]:
    """The differences no entry of ``deliberate`` allows, and the indexes of the entries used."""
    ours_by_id = {a["id"]: a for a in our_answers}
    unexpected: list[tuple[str, str, str, Any, Any]] = []
    used: set[int] = set()
    for java in java_answers:
        step = java["id"]
        for key, field, j, o in differences(java, ours_by_id[step]):
            allowing = next((i for i, d in enumerate(deliberate) if d.allows(step, key, field)), None)
            if allowing is None:
                unexpected.append((step, key, field, j, o))
            else:
                used.add(allowing)
    return unexpected, used


def step_ids() -> list[str]:
    return [s.id for s in plugin_scenario.steps()]


def readme_section(plugin: str) -> str:
    text = (PLUGINS / plugin / "README.md").read_text()
    start = text.index(README_HEADING)
    end = text.find("\n## ", start + 1)
    return " ".join(text[start : end if end > 0 else len(text)].split())  # line breaks as spaces


_PG_CONFIG = r"plugin-config:io\.debezium\.connector\.postgresql\.PostgresConnector|validate:postgres-.*"
_JDBC = r"plugin-config:io\.debezium\.connector\.jdbc\.JdbcSinkConnector|validate:jdbc-.*"
_ENRS = r"plugin-config:io\.debezium\.transforms\.ExtractNewRecordState|validate:postgres-unwrap.*"
_ENRS_KEY = r"(transforms\.unwrap\.)?"

DELIBERATE: tuple[Deliberate, ...] = (
    Deliberate(
        _PG_CONFIG,
        r"(?!transforms\.).*",
        "defined",
        "connectrt lists five keys Debezium reads but does not list (topic.delimiter, "
        "topic.transaction, topic.heartbeat.prefix, money.fraction.digits, field.name.adjustment.mode).",
        "lists five keys Debezium reads but does not list",
        "postgres",
    ),
    Deliberate(
        _PG_CONFIG,
        r"memory\.management\.(schemas|tables)\.class|topic\.naming\.strategy|transaction\.metadata\."
        r"factory|sourceinfo\.struct\.maker",
        "type",
        "The keys naming Java classes are typed STRING (Debezium: CLASS): connectrt loads no Java class; "
        "set to anything but Debezium's default, they are refused.",
        "keys naming Java classes are typed STRING",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-.*",
        r"internal\.legacy\.snapshot\.max\.threads",
        "errors|recommended_values|visible|value",
        "Validate answers internal.legacy.snapshot.max.threads with an empty value (Debezium: null, "
        "the key being an internal alias of legacy.snapshot.max.threads).",
        "`internal.legacy.snapshot.max.threads`, where connectrt answers an empty one",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-.*",
        r"(?!transforms\.).*",
        "value",
        "Validate answers each PostgresConnector key's value (the given one, or the default), as Kafka's "
        "own connectors do; Debezium answers null for every one of its keys.",
        "answers each key's value",
        "postgres",
    ),
    Deliberate(
        _PG_CONFIG,
        r"plugin\.name",
        "default_value",
        "plugin.name defaults to pgoutput: decoderbufs is an extension connectrt cannot read.",
        "`plugin.name` defaults to `pgoutput`",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-decoderbufs",
        r"\$|plugin\.name",
        "errors|error_count",
        "plugin.name=decoderbufs is refused at validate: connectrt reads only pgoutput (Debezium accepts "
        "it when the server has the decoderbufs extension).",
        "`decoderbufs` is rejected",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-custom-snapshot",
        r"snapshot\.mode(\.custom\.name)?",
        "errors",
        "snapshot.mode=custom is refused on snapshot.mode: connectrt does not implement it (Debezium "
        "asks for snapshot.mode.custom.name, the Java class to load).",
        "`configuration_based`/`custom`",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-bad-values",
        r"\$|database\.port",
        "errors|error_count",
        "A value that is not a number is reported once (Debezium reports 'An integer is expected' twice).",
        "reports a port that is not a number once",
        "postgres",
    ),
    Deliberate(
        r"validate:postgres-unwrap.*",
        r"transforms\.unwrap\.(?!type$|plugin\.version$|negate$|predicate$).*",
        "order_in_group",
        "In validate, the transform's keys are numbered three further on than in Debezium's answer: the "
        "runtime numbers the three older ExtractNewRecordState keys connectrt also lists before them.",
        "numbered three further on",
        "postgres",
    ),
    Deliberate(
        _ENRS,
        _ENRS_KEY + r"(drop\.tombstones|delete\.handling\.mode|replace\.null\.with\.default)",
        "defined",
        "ExtractNewRecordState also lists the older keys drop.tombstones, delete.handling.mode and "
        "replace.null.with.default, which it still honours.",
        "also lists the older keys",
        "postgres",
    ),
    Deliberate(
        _JDBC,
        r"(collection|table|column)\.naming\.strategy",
        "type",
        "The naming strategies are typed STRING (Debezium: CLASS): connectrt loads no Java class and "
        "accepts only Debezium's default strategies.",
        "naming strategies are typed STRING",
        "sql",
    ),
    Deliberate(
        _JDBC,
        r"connection\.provider|dialect\.postgres\.unnest\.insert\.enabled|use\.reduction\.buffer",
        "defined",
        "The JDBC sink lists connection.provider, dialect.postgres.unnest.insert.enabled and "
        "use.reduction.buffer (accepted and ignored), which Debezium 3.4.0 reads but does not list.",
        "lists `connection.provider`",
        "sql",
    ),
    Deliberate(
        _JDBC,
        r"batch\.size",
        "display_name",
        "batch.size's display name is 'Batch size' (Debezium's is two sentences of documentation).",
        "display name is `Batch size`",
        "sql",
    ),
    Deliberate(
        r"validate:jdbc-(bad-values|upsert-no-key|no-url)",
        r"\$|insert\.mode|primary\.key\.mode|connection\.url",
        "errors|error_count",
        "An insert.mode or primary.key.mode that is not one of Debezium's values, upsert without "
        "primary.key.mode, or no connection.url is an error at validate (Debezium accepts them there "
        "and fails the task when it starts).",
        "is an error at validate",
        "sql",
    ),
)
