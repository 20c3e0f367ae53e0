"""connectrt describes and validates the Debezium-named plugins as Debezium does on Java 4.2.1.

Java's answers were recorded once from a real ConnectDistributed 4.2.1 worker with Debezium 3.6.1's
PostgreSQL connector and the JDBC sink 3.4.0 on its plugin.path (``python -m
tests.compat.plugin_diff --record``, into ``data/java_debezium_plugins.json``); a connectrt worker is
sent the same steps here (no Java at test time). Every difference must be listed, with its reason, in
:data:`tests.compat.plugin_fidelity.DELIBERATE` and in the plugin README's "Where it differs from
Debezium" list; how answers compare is in :mod:`tests.compat.plugin_fidelity`.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.compat import plugin_fidelity, plugin_scenario, rest_conversation
from tests.compat.java_worker import worker_props
from tests.compat.plugin_fidelity import DELIBERATE, RECORDING
from tests.integration.worker_process import WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.compat]


def _java() -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(RECORDING.read_text())["answers"]
    return answers


@pytest.fixture(scope="module")
def ours(kafka_bootstrap: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="plugin-fidelity-") as tmp:
        worker = WorkerProcess(
            "distributed", worker_props(kafka_bootstrap, f"plugin-fidelity-{time.time_ns()}"), Path(tmp)
        ).start(timeout_s=90)
        try:
            return rest_conversation.run(worker.url, steps=plugin_scenario.steps())
        finally:
            worker.stop()


def test_recording_is_of_these_steps() -> None:
    assert [a["id"] for a in _java()] == plugin_fidelity.step_ids(), (
        "the scenario changed: re-record Java with python -m tests.compat.plugin_diff --record"
    )


def test_every_answer_is_debeziums_but_the_listed_differences(ours: list[dict[str, Any]]) -> None:
    unexpected, _ = plugin_fidelity.compare(_java(), ours, DELIBERATE)
    described = "\n".join(f"{s} {k}.{f}: java {j!r} / ours {o!r}"[:300] for s, k, f, j, o in unexpected[:40])
    assert not unexpected, f"{len(unexpected)} differences from Debezium:\n{described}"


def test_each_listed_difference_still_occurs(ours: list[dict[str, Any]]) -> None:
    _, used = plugin_fidelity.compare(_java(), ours, DELIBERATE)
    unused = [d.reason for i, d in enumerate(DELIBERATE) if i not in used]
    assert not unused, f"listed but no longer different (remove them here and in the README): {unused}"


@pytest.mark.parametrize("plugin", sorted({d.plugin for d in DELIBERATE}))
def test_readme_lists_the_differences(plugin: str) -> None:
    section = plugin_fidelity.readme_section(plugin)
    missing = [d.readme for d in DELIBERATE if d.plugin == plugin and d.readme not in section]
    assert not missing, f"plugins/{plugin}/README.md '{plugin_fidelity.README_HEADING}' lacks: {missing}"


def test_a_difference_not_listed_fails() -> None:
    java = _java()
    changed = json.loads(json.dumps(java))
    changed[0]["body"][0]["type"] = "BOOLEAN"
    unexpected, _ = plugin_fidelity.compare(java, changed, DELIBERATE)
    assert [(k, f) for _, k, f, _, _ in unexpected] == [(java[0]["body"][0]["name"], "type")]
