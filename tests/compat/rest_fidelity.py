"""How connectrt's answers to the REST conversation are compared with Java Kafka Connect 4.2.1's.

Both recordings are normalised (:func:`tests.compat.rest_scenario.normalise`: worker ids, commit ids,
the Kafka cluster id, stack traces), then compared value by value, with two rules that hold for every
step:

- JSON objects compare without regard to key order (clients read them by key: Java writes connector
  configs in ``java.util.HashMap`` order, connectrt in the order they were given); arrays compare in
  order (validation's ``configs`` and ``groups``, plugin lists, recommended values);
- connectrt ships more plugins than Java's worker had: Java's plugin list must be ours without our
  extra plugins, in the same order, so our extras are left out of every array (plugin lists,
  recommended class names) and of the ``PluginDesc{...}`` listings of error messages
  (:func:`without_extra_plugins`).

Every other difference must be one of :data:`DELIBERATE`: a short list, each entry with the reason
the README's "Where connectrt deliberately differs from Java Connect" section gives (the test checks
that section holds each entry's ``readme`` phrase, and that each entry still occurs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.compat.rest_scenario import normalise

README = Path(__file__).resolve().parents[2] / "README.md"
README_SECTION = "### Where connectrt deliberately differs from Java Connect"


@dataclass(frozen=True)
class Deliberate:
    """Differences allowed in some steps: ``paths`` (a JSON path pattern, e.g. ``$.message``) and,
    if ``status`` is set, Java's and our status codes."""

    steps: tuple[str, ...]
    paths: tuple[str, ...]
    reason: str
    readme: str
    status: tuple[int, int] | None = None

    def allows(self, step: str, path: str) -> bool:
        return step in self.steps and any(re.fullmatch(p, path) for p in self.paths)


#: Client mistakes Java answers with 500: a body that is not the JSON the endpoint takes, an invalid
#: version range, an offset without a partition or below zero.
_CLIENT_MISTAKES = (
    "validate:empty-body",
    "validate:malformed",
    "offsets-patch-bad",
    "put-config-wrapper",
    "post-no-config",
    "post-malformed",
    "create-bad-initial-state",
    "validate:version-bad-spec",
    "offsets-patch-no-partition",
    "sink-offsets-patch-negative",
)

DELIBERATE: tuple[Deliberate, ...] = (
    Deliberate(
        _CLIENT_MISTAKES,
        (r"\$\.error_code", r"\$\.message"),
        "A client mistake Java answers with 500 (a malformed or wrongly shaped body, an invalid version "
        "range, an offset without a partition or below zero) answers 400 with a sentence saying what "
        "is wrong.",
        "client mistake Java answers with 500",
        status=(500, 400),
    ),
    Deliberate(
        ("root",),
        (r"\$\.version",),
        "GET / reports connectrt's own version (and the commit it was built from), not Kafka's.",
        "`GET /` reports connectrt's version",
    ),
    Deliberate(
        ("loggers",),
        (r"\$\.(?!root\b)[^.\[<]+(\..*)?", r"\$\.(?!root\b).*", r"\$<key order>"),
        "GET /admin/loggers lists the worker's Python loggers (connectrt's modules, librdkafka's), "
        "not the log4j loggers of Java's classes.",
        "`GET /admin/loggers` lists the worker's Python loggers",
    ),
    Deliberate(
        ("validate:producer-override", "validate:sink-dlq-overrides"),
        (r"\$\.configs\[\d+\]\.definition", r"\$\.configs\[\d+\]\.definition\..*"),
        "A client override key (producer.override.*, consumer.override.*, admin.override.*) has a null "
        "definition: connectrt's clients are librdkafka's, with no Java client ConfigDef to describe them.",
        "client override keys (`producer.override.*`",
    ),
)


def without_extra_plugins(value: Any, extra: set[str]) -> Any:
    """``value`` without the plugins in ``extra``: array items that name one (or are a plugin entry
    of one), and ``PluginDesc{klass=class X, ...}`` entries of X in messages."""
    if isinstance(value, dict):
        return {k: without_extra_plugins(v, extra) for k, v in value.items()}
    if isinstance(value, list):
        kept = [
            v
            for v in value
            if not (isinstance(v, str) and v in extra)
            and not (isinstance(v, dict) and v.get("class") in extra)
        ]
        return [without_extra_plugins(v, extra) for v in kept]
    if isinstance(value, str) and "PluginDesc{" in value:

        def keep(match: re.Match[str]) -> str:
            return "" if match.group(2) in extra else match.group(0)

        text = re.sub(r"(, )?PluginDesc\{klass=class ([^,]+), [^}]*\}", keep, value)
        return text.replace("are: , ", "are: ")
    return value


#: Steps answering a sink's committed offsets on the shared topic: how many records the source wrote
#: by then depends on timing (a restart re-reads what was not committed yet), so the count is not compared.
_RECORD_COUNT_STEPS = ("sink-offsets-running", "sink-offsets-stopped")


def _counts(step: str, body: Any) -> Any:
    if step in _RECORD_COUNT_STEPS and isinstance(body, dict):
        for entry in body.get("offsets") or []:
            offset = entry.get("offset") if isinstance(entry, dict) else None
            if (
                isinstance(offset, dict)
                and isinstance(offset.get("kafka_offset"), int)
                and offset["kafka_offset"] >= 10
            ):
                offset["kafka_offset"] = "<at least 10>"
    return body


def plugin_classes(answers: list[dict[str, Any]]) -> set[str]:
    for answer in answers:
        if answer["id"] == "plugins-all":
            return {p["class"] for p in answer["body"]}
    raise AssertionError("the conversation has no plugins-all step")


def differences(java: Any, ours: Any, path: str = "$") -> Iterator[tuple[str, Any, Any]]:
    """``(json path, java value, our value)`` for every leaf where the two differ (object key order
    ignored)."""
    if isinstance(java, dict) and isinstance(ours, dict):
        for key in list(java) + [k for k in ours if k not in java]:
            if key not in ours:
                yield f"{path}.{key}", java[key], "<absent>"
            elif key not in java:
                yield f"{path}.{key}", "<absent>", ours[key]
            else:
                yield from differences(java[key], ours[key], f"{path}.{key}")
    elif isinstance(java, list) and isinstance(ours, list):
        if len(java) != len(ours):
            yield f"{path}<length>", len(java), len(ours)
        for i, (a, b) in enumerate(zip(java, ours, strict=False)):
            yield from differences(a, b, f"{path}[{i}]")
    elif java != ours:
        yield path, java, ours


@dataclass
class StepReport:
    id: str
    java_status: int | None
    our_status: int | None
    diffs: list[tuple[str, Any, Any]]
    #: the differences no DELIBERATE entry allows
    unexpected: list[tuple[str, Any, Any]]
    #: the DELIBERATE entries this step's differences used
    used: set[int]


def compare(
    java_answers: list[dict[str, Any]],
    our_answers: list[dict[str, Any]],
    deliberate: tuple[Deliberate, ...] = DELIBERATE,
) -> list[StepReport]:
    """A report for every step whose status or body differs."""
    extra = plugin_classes(our_answers) - plugin_classes(java_answers)
    ours_by_id = {a["id"]: a for a in our_answers}
    reports: list[StepReport] = []
    for java in java_answers:
        step = java["id"]
        ours = ours_by_id.get(step)
        if ours is None:
            reports.append(
                StepReport(step, java["status"], None, [], [("$", "<answered>", "<not sent>")], set())
            )
            continue
        java_body = _counts(step, normalise(java["body"]))
        our_body = _counts(step, without_extra_plugins(normalise(ours["body"]), extra))
        diffs = list(differences(java_body, our_body))
        used: set[int] = set()
        unexpected: list[tuple[str, Any, Any]] = []
        if java["status"] != ours["status"]:
            allowing = _allowing(deliberate, step, status=(java["status"], ours["status"]))
            if allowing is None:
                unexpected.append(("<status>", java["status"], ours["status"]))
            else:
                used.add(allowing)
        for diff in diffs:
            allowing = _allowing(deliberate, step, path=diff[0])
            if allowing is None:
                unexpected.append(diff)
            else:
                used.add(allowing)
        if diffs or java["status"] != ours["status"]:
            reports.append(StepReport(step, java["status"], ours["status"], diffs, unexpected, used))
    return reports


def _allowing(
    deliberate: tuple[Deliberate, ...],
    step: str,
    path: str | None = None,
    status: tuple[int, int] | None = None,
) -> int | None:
    """The index of the entry allowing this difference (a path, or these statuses), or None."""
    for i, d in enumerate(deliberate):
        if (path is not None and d.allows(step, path)) or (
            status is not None and step in d.steps and d.status == status
        ):
            return i
    return None


def readme_section() -> str:
    text = README.read_text()
    start = text.index(README_SECTION)
    end = text.find("\n## ", start)
    return text[start : end if end > 0 else len(text)]
