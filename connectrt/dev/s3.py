"""An S3-compatible server for development: moto's server mode on loopback (in memory)."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from connectrt.dev.config import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, DevSettings, s3_endpoint
from connectrt.dev.errors import DevError
from connectrt.dev.procs import rotate_log, spawn, tail_lines
from connectrt.dev.state import ServiceRecord

DEFAULT_START_TIMEOUT = 30.0


def launch(settings: DevSettings) -> ServiceRecord:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise DevError(
            "The S3 server needs moto; install connectrt with its dev extra (pip install -e '.[dev]')."
        )
    log = settings.instance_dir / "logs" / "s3.log"
    rotate_log(log)
    tag = f"instance={settings.instance_dir}"
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY)
    env.setdefault("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY)
    env.setdefault("AWS_DEFAULT_REGION", S3_REGION)
    cmd = [sys.executable, "-m", "connectrt.dev.s3_server", "--port", str(settings.s3_port), "--tag", tag]
    proc = spawn(cmd, log, env=env)
    return ServiceRecord(
        name="s3",
        kind="s3",
        pid=proc.pid,
        address=s3_endpoint(settings.s3_port),
        marker=f"--port {settings.s3_port} --tag {tag}",
        log=str(log),
        started_at=time.time(),
        info={"server": "moto"},
    )


def wait_ready(record: ServiceRecord, timeout: float | None) -> None:
    limit = timeout or DEFAULT_START_TIMEOUT
    deadline = time.monotonic() + limit
    url = f"{record.address}/moto-api/"
    while True:
        if not record.alive():
            raise DevError(
                f"The S3 server exited during start-up (log: {record.log}).", tail_lines(Path(record.log))
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise DevError(
                f"The S3 server did not answer on {record.address} within {limit:g} s (log: {record.log}).",
                tail_lines(Path(record.log)),
            )
        time.sleep(0.2)
