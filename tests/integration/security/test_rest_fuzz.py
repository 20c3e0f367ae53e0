"""Fuzzing the REST API (issue #13): schemathesis generates requests from ``openapi/connect-rest.yaml``,
valid and invalid ones, against a real standalone worker. No client mistake may answer 5xx, and the
worker must stay up.

Each operation runs twice: with generated connector names (mostly unknown) and on a connector that
exists. CI runs a few examples per operation; ``CONNECTRT_FUZZ_EXAMPLES=500`` runs a long campaign (the
summary line at the end of the module gives requests, 5xx answers and crashes).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.integration.worker_process import WorkerProcess

pytestmark = pytest.mark.integration

OPENAPI = Path(__file__).resolve().parents[3] / "openapi" / "connect-rest.yaml"
EXAMPLES = int(os.environ.get("CONNECTRT_FUZZ_EXAMPLES", "5"))
COUNTS: Counter[str] = Counter()
SERVER_ERRORS: list[str] = []


@pytest.fixture(scope="module")
def fuzz_worker(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    workdir = tmp_path_factory.mktemp("rest-fuzz")
    (workdir / "in.txt").write_text("a\n")
    w = WorkerProcess(
        "standalone",
        {
            "bootstrap.servers": kafka_bootstrap,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            "offset.storage.file.filename": str(workdir / "offsets"),
            "config.providers": "file",
            "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.file.param.allowed.paths": str(workdir),
        },
        workdir,
    )
    w.start()
    yield w
    w.stop()
    print(
        f"\nREST fuzz: {sum(COUNTS.values())} requests, {len(SERVER_ERRORS)} 5xx answers, "
        f"{'no crash' if w.proc is None or w.proc.returncode in (0, None, -15) else 'CRASHED'}; "
        f"by status: {dict(sorted(COUNTS.items()))}"
    )
    for error in sorted(set(SERVER_ERRORS)):
        print("  5xx:", error)


def _schema(**parameters: str) -> Any:
    schema = schemathesis.openapi.from_path(OPENAPI)
    schema.config.update(request_timeout=60, parameters=parameters or None)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
    )
    return schema


schema = _schema()
# The same requests on a connector that exists (and is reconfigured, paused, stopped, deleted...).
existing = _schema(connector="fuzz")
fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=EXAMPLES <= 10,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@fuzz_settings
def test_no_server_error_and_the_worker_stays_up(case: Any, fuzz_worker: WorkerProcess) -> None:
    _call(case, fuzz_worker)


@pytest.fixture
def fuzz_connector(fuzz_worker: WorkerProcess) -> None:
    """The connector ``fuzz`` exists (again) when an operation's examples start."""
    r = httpx.put(
        fuzz_worker.url + "/connectors/fuzz/config",
        timeout=30,
        json={
            "connector.class": "FileStreamSource",
            "file": str(fuzz_worker.workdir / "in.txt"),
            "topic": "fuzz-topic",
        },
    )
    assert r.status_code in (200, 201), r.text


@existing.parametrize()
@fuzz_settings
def test_no_server_error_on_an_existing_connector(
    case: Any, fuzz_worker: WorkerProcess, fuzz_connector: None
) -> None:
    _call(case, fuzz_worker)


def _call(case: Any, fuzz_worker: WorkerProcess) -> None:
    response = case.call(base_url=fuzz_worker.url)
    COUNTS[str(response.status_code)] += 1
    assert fuzz_worker.proc is not None and fuzz_worker.proc.poll() is None, (
        f"the worker exited after {case.method} {case.formatted_path}:\n{fuzz_worker.tail()}"
    )
    if response.status_code >= 500:
        SERVER_ERRORS.append(
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
        )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:300]!r} -> "
        f"{response.status_code} {response.text[:500]}"
    )
