"""A connectrt distributed worker with the settings the Java recorder gives Java, for the REST
conversation (``rest_diff`` and ``test_rest_fidelity``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from tests.compat import rest_conversation
from tests.compat.reference.record_java_rest import worker_properties
from tests.integration.worker_process import WorkerProcess, free_port


def run_conversation(bootstrap: str) -> list[dict[str, Any]]:
    """The whole conversation's answers from a fresh connectrt worker (internal topics of its own)."""
    port = free_port()
    props = worker_properties(bootstrap, port, f"py-{time.time_ns()}")
    props.pop("listeners")
    with tempfile.TemporaryDirectory(prefix="rest-compat-py-") as tmp:
        worker = WorkerProcess("distributed", props, Path(tmp), port=port).start(timeout_s=90)
        try:
            return rest_conversation.run(worker.url)
        finally:
            worker.stop()
