"""One 3-worker connectrt cluster shared by the modules of this package (package scope: it stops
after the last of them). It starts on internal topics that already hold a Java Connect cluster's
records (``java_records``), so the takeover test and the REST tests run on the same cluster.

Tests here create connectors with names of their own and delete them; none adds or removes workers
except ``test_worker_lifecycle.test_add_and_remove_worker``, which restores the three.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.names import unique_name
from tests.integration.distributed.api.java_records import JavaCluster, prefill
from tests.integration.distributed.cluster import ConnectCluster


@dataclass
class Shared:
    cluster: ConnectCluster
    java: JavaCluster
    bootstrap: str
    workdir: Path

    @property
    def group(self) -> str:
        return self.cluster.group


def stop_all(cluster: ConnectCluster) -> None:
    """Stop every worker at once (SIGTERM to all, then wait), rather than one after another."""
    for w in cluster.workers:
        if w.proc is not None and w.proc.poll() is None:
            w.proc.terminate()
    for w in cluster.workers:
        w.stop(20)


@pytest.fixture(scope="package")
def shared(
    kafka_bootstrap: str, kafka_admin: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    group = unique_name("shared", "api")
    workdir = tmp_path_factory.mktemp("shared-cluster")
    java = prefill(kafka_bootstrap, kafka_admin, group, unique_name("jv", "api"), unique_name("jm", "api"))
    # Heartbeats every second (Java's default: 3 s) let members notice a rebalance sooner; each
    # stop, resume, create and delete takes a rebalance, and these tests do many.
    cluster = ConnectCluster(kafka_bootstrap, group, workdir, **{"heartbeat.interval.ms": "1000"})
    try:
        cluster.start(3)
        yield Shared(cluster, java, kafka_bootstrap, workdir)
    finally:
        stop_all(cluster)
        topics = [
            f"{group}-configs",
            f"{group}-offsets",
            f"{group}-status",
            java.verifiable_topic,
            java.monitorable_topic,
        ]
        for future in kafka_admin.delete_topics(topics, operation_timeout=10).values():
            try:
                future.result(15)
            except Exception:
                pass
