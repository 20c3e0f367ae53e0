"""A BigQuery emulator for development: bqemulator (PyPI) on loopback, REST and Storage Write gRPC.

bqemulator pins its own versions of DuckDB, sqlglot, grpcio-tools and more, and registers a pytest
plugin; so it runs from a virtual environment of its own under ``<cache dir>/bigquery/``, created
with pip from PyPI the first time the service starts (about a minute) and reused afterwards.
Started only on request (``connectrt dev up --with bigquery``); its data lives in memory.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from connectrt.dev.config import BIGQUERY_PROJECT, LOOPBACK, DevSettings
from connectrt.dev.errors import DevError
from connectrt.dev.procs import file_lock, port_accepts, rotate_log, run_logged, spawn, tail_lines
from connectrt.dev.state import ServiceRecord

DEFAULT_START_TIMEOUT = 60.0
INSTALL_TIMEOUT = 900.0
# The emulator and the DuckDB build whose spatial extension ships as a wheel.
REQUIREMENTS = (
    "bqemulator==1.4.0",
    "duckdb==1.5.5",
    "duckdb-extension-spatial==1.5.5",
    "numpy>=1.26,<3",
)
_ENTRY = Path(__file__).with_name("bigquery_emulator.py")


def environment_dir(settings: DevSettings) -> Path:
    digest = hashlib.sha256("\n".join(REQUIREMENTS).encode()).hexdigest()[:12]
    return settings.cache_dir / "bigquery" / f"venv-{digest}"


def ensure_environment(settings: DevSettings) -> Path:
    """The emulator's Python, installing its virtual environment on first use."""
    venv = environment_dir(settings)
    python = venv / "bin" / "python"
    done = venv / ".installed"
    if done.exists():
        return python
    log = settings.cache_dir / "bigquery" / "install.log"
    with file_lock(settings.cache_dir / "bigquery" / ".install.lock", "the BigQuery emulator install"):
        if done.exists():
            return python
        if not python.exists():
            run_logged(
                [sys.executable, "-m", "venv", str(venv)],
                log,
                what="Creating the emulator's venv",
                timeout=120,
            )
        run_logged(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS],
            log,
            what="Installing the BigQuery emulator (bqemulator) from PyPI",
            timeout=INSTALL_TIMEOUT,
        )
        done.write_text("\n".join(REQUIREMENTS) + "\n")
    return python


def endpoint(port: int) -> str:
    return f"http://{LOOPBACK}:{port}"


def launch(settings: DevSettings) -> ServiceRecord:
    python = ensure_environment(settings)
    log = settings.instance_dir / "logs" / "bigquery.log"
    rotate_log(log)
    home = settings.cache_dir / "bigquery" / "home"  # DuckDB keeps its extensions under $HOME/.duckdb
    home.mkdir(parents=True, exist_ok=True)
    tag = f"instance={settings.instance_dir}"
    env = {**os.environ, "HOME": str(home)}
    cmd = [
        str(python),
        str(_ENTRY),
        "--tag",
        tag,
        "start",
        "--rest-host",
        LOOPBACK,
        "--rest-port",
        str(settings.bigquery_port),
        "--grpc-host",
        LOOPBACK,
        "--grpc-port",
        str(settings.bigquery_grpc_port),
        "--project",
        BIGQUERY_PROJECT,
        "--ephemeral",
        "--log-level",
        "warning",
        "--log-format",
        "console",
    ]
    proc = spawn(cmd, log, env=env)
    return ServiceRecord(
        name="bigquery",
        kind="bigquery",
        pid=proc.pid,
        address=endpoint(settings.bigquery_port),
        marker=f"--tag {tag} start",
        log=str(log),
        started_at=time.time(),
        info={
            "server": "bqemulator 1.4.0",
            "grpc": f"{LOOPBACK}:{settings.bigquery_grpc_port}",
            "project": BIGQUERY_PROJECT,
        },
    )


def wait_ready(record: ServiceRecord, timeout: float | None) -> None:
    limit = timeout or DEFAULT_START_TIMEOUT
    deadline = time.monotonic() + limit
    url = f"{record.address}/bigquery/v2/projects/{BIGQUERY_PROJECT}/datasets"
    grpc_port = int(record.info["grpc"].rsplit(":", 1)[1])
    while True:
        if not record.alive():
            raise DevError(
                f"The BigQuery emulator exited during start-up (log: {record.log}).",
                tail_lines(Path(record.log)),
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and port_accepts(grpc_port):
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise DevError(
                f"The BigQuery emulator did not answer on {record.address} within {limit:g} s (log: {record.log}).",
                tail_lines(Path(record.log)),
            )
        time.sleep(0.25)


def env_vars(record: ServiceRecord) -> dict[str, str]:
    return {
        "CONNECTRT_BIGQUERY_ENDPOINT": record.address,
        "CONNECTRT_BIGQUERY_STORAGE_ENDPOINT": record.info.get("grpc", ""),
        "CONNECTRT_BIGQUERY_PROJECT": record.info.get("project", BIGQUERY_PROJECT),
    }
