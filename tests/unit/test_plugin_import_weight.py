"""Loading the installed plugins stays light: every worker (and ``connectrt plugins``) calls
``default_plugins()`` at start, before any connector exists, so the classes the ``connectrt.plugins``
entry points register must not import the libraries their tasks use (pyarrow, sqlalchemy, boto3,
google-cloud-bigquery, psycopg, fastavro, ...). Those come in when a connector validates or starts a
task. The load runs in a fresh interpreter; its time and RSS are reported, never asserted (timings
belong to bench/)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from typing import Any

from connectrt.runtime.plugins import ENTRY_POINT_GROUP

#: Top-level packages a plugin load must not import; each is tens of milliseconds to seconds of import
#: and megabytes of RSS (all of them: ~12 s and ~100 MiB at load 8).
HEAVY_MODULES = (
    "pyarrow",
    "numpy",
    "pandas",
    "duckdb",
    "duckdb_engine",
    "sqlalchemy",
    "google.cloud.bigquery",
    "google.cloud.bigquery_storage_v1",
    "google.api_core",
    "google.auth",
    "google.protobuf",
    "grpc",
    "boto3",
    "botocore",
    "s3transfer",
    "fastavro",
    "psycopg",
    "psycopg_binary",
    "connectrt_postgres_native",
)

_PROBE = r"""
import json, resource, sys, time
start = time.perf_counter()
from connectrt.runtime.plugins import default_plugins
plugins = default_plugins()
seconds = time.perf_counter() - start
rss_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS:"))
print(json.dumps({
    "seconds": seconds,
    "rss_kib": rss_kib,
    "modules": sorted(sys.modules),
    "plugins": sorted(d.class_name for d in plugins.all()),
}))
"""


def _run_probe(code: str) -> Any:
    """What ``code``, run in a fresh interpreter, printed last as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _installed_packages() -> set[str]:
    return {ep.value.split(":")[0].split(".")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)}


def test_loading_the_installed_plugins_imports_no_heavy_library() -> None:
    result = _run_probe(_PROBE)
    modules: list[str] = result["modules"]
    plugins: list[str] = result["plugins"]
    heavy = [name for name in HEAVY_MODULES if name in modules]
    report = (
        f"default_plugins(): {result['seconds']:.2f} s, RSS {result['rss_kib'] // 1024} MiB, "
        f"{len(modules)} modules, {len(plugins)} plugins"
    )
    print(report)
    assert heavy == [], f"loading the plugins imported {heavy} ({report}); import them where a task starts"
    # The load really happened: every installed distribution's plugins are registered (a plugin that fails
    # to import is logged and skipped, which would make the check above pass for the wrong reason).
    installed = _installed_packages()
    expected = {
        "connectrt": "org.apache.kafka.connect.json.JsonConverter",
        "connectrt_sql": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "connectrt_s3": "io.confluent.connect.s3.S3SinkConnector",
        "connectrt_bigquery": "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector",
        "connectrt_postgres": "io.debezium.connector.postgresql.PostgresConnector",
    }
    missing = [name for package, name in expected.items() if package in installed and name not in plugins]
    assert missing == [], f"installed plugins that did not load: {missing}"
    assert "io.confluent.connect.avro.AvroConverter" in plugins


def test_a_connectors_task_class_brings_its_libraries() -> None:
    """The other half of the bargain: the task class, imported when a connector starts, is the real one."""
    probe = (
        "import sys\n"
        "from connectrt.runtime.plugins import default_plugins\n"
        "from connectrt.api.connector import Connector, SinkTask, SourceTask\n"
        "tasks = {}\n"
        "for desc in default_plugins().all():\n"
        "    if isinstance(desc.cls, type) and issubclass(desc.cls, Connector) and desc.location == 'classpath':\n"
        "        task = desc.cls().task_class()\n"
        "        assert issubclass(task, (SinkTask, SourceTask)), (desc.class_name, task)\n"
        "        tasks[desc.class_name] = task.__module__\n"
        "import json\n"
        "print(json.dumps(sorted(m for m in ('sqlalchemy', 'boto3', 'google.cloud.bigquery', 'psycopg')\n"
        "                        if m in sys.modules)))\n"
    )
    brought = _run_probe(probe)
    installed = _installed_packages()
    expected = sorted(
        module
        for package, module in (
            ("connectrt_sql", "sqlalchemy"),
            ("connectrt_s3", "boto3"),
            ("connectrt_bigquery", "google.cloud.bigquery"),
            ("connectrt_postgres", "psycopg"),
        )
        if package in installed
    )
    assert brought == expected
