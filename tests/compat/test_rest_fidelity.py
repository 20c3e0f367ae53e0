"""connectrt answers the whole REST conversation of ``rest_scenario`` as Java Kafka Connect 4.2.1 did.

The expected answers are Java's, recorded from a real ConnectDistributed worker (jars from Maven
Central) by ``tests/compat/reference/record_java_rest.py`` into ``data/java_rest_4_2_1.json``; one
connectrt distributed worker is sent the same requests against the dev Kafka broker. Every answer
must equal Java's (statuses and JSON, compared as :mod:`tests.compat.rest_fidelity` says: object key
order aside, our extra plugins aside) except the differences listed in ``rest_fidelity.DELIBERATE``,
which are exactly the README's "Where connectrt deliberately differs from Java Connect".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.compat import rest_fidelity, rest_scenario
from tests.compat.reference.record_java_rest import OUT as JAVA_ANSWERS
from tests.compat.rest_fidelity import DELIBERATE, StepReport
from tests.compat.rest_worker import run_conversation

pytestmark = [pytest.mark.integration, pytest.mark.compat]


def _java() -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(JAVA_ANSWERS.read_text())["answers"]
    return answers


@pytest.fixture(scope="module")
def reports(kafka_bootstrap: str) -> list[StepReport]:
    return rest_fidelity.compare(_java(), run_conversation(kafka_bootstrap))


def _describe(reports: list[StepReport]) -> str:
    lines = []
    for r in reports:
        lines.append(f"{r.id}: status java {r.java_status} / ours {r.our_status}")
        for path, java, ours in r.unexpected[:10]:
            lines.append(f"  {path}\n    java: {json.dumps(java)[:400]}\n    ours: {json.dumps(ours)[:400]}")
    return "\n".join(lines)


def test_recording_is_of_this_conversation() -> None:
    assert [a["id"] for a in _java()] == [s.id for s in rest_scenario.steps()], (
        "the scenario changed: re-record Java with tests/compat/reference/record_java_rest.py"
    )


def test_every_answer_is_javas_but_the_deliberate_differences(reports: list[StepReport]) -> None:
    unexpected = [r for r in reports if r.unexpected]
    assert not unexpected, f"{len(unexpected)} steps differ from Java 4.2.1:\n" + _describe(unexpected)


def test_each_deliberate_difference_still_occurs(reports: list[StepReport]) -> None:
    used = set().union(*(r.used for r in reports))
    unused = [d.reason for i, d in enumerate(DELIBERATE) if i not in used]
    assert not unused, (
        f"listed as deliberate but no longer different (remove them here and in the README): {unused}"
    )


def test_readme_lists_exactly_the_deliberate_differences() -> None:
    section = rest_fidelity.readme_section()
    missing = [d.readme for d in DELIBERATE if d.readme not in section]
    assert not missing, f"README's '{rest_fidelity.README_SECTION}' does not mention: {missing}"


def test_our_extra_plugins_only_add_to_javas_list(reports: list[StepReport]) -> None:
    # Java's plugins are all ours, in the same order, once our extra plugins are left out.
    assert not [r for r in reports if r.id in ("plugins", "plugins-all")]
