"""ExactlyOnceSourceIntegrationTest.testSeparateOffsetsTopic, second half: a connector with its own
``offsets.storage.topic`` keeps running after the whole cluster restarts with exactly-once support
disabled; without exactly-once support it still reads its own offsets topic and writes both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.clients import new_topic
from tests.fixtures.names import unique_name
from tests.integration.distributed.api.support import request
from tests.integration.distributed.cluster import ConnectCluster
from tests.integration.distributed.eos.test_exactly_once_source import (
    assert_exactly_once,
    committed_offsets,
    read_committed,
    seqnos_by_task,
    source,
)
from tests.integration.worker_process import wait_until

pytestmark = pytest.mark.integration


def test_separate_offsets_topic_survives_restart_without_eos(
    kafka_bootstrap: str, kafka_admin: Any, tmp_path: Path
) -> None:
    group = unique_name("eos-restart", "eos")
    topic = unique_name("eos-restart-data", "eos")
    own_topic = unique_name("eos-restart-offsets", "eos")
    new_topic(kafka_admin, topic, 1)
    name = "sep"
    cluster = ConnectCluster(kafka_bootstrap, group, tmp_path, **{"exactly.once.source.support": "enabled"})
    try:
        cluster.start(1)
        config = source(
            topic,
            1,
            **{
                "offsets.storage.topic": own_topic,
                "messages.per.poll": "5",
                "max.messages": "50",
                "exactly.once.support": "requested",
            },
        )
        assert request(cluster, "PUT", f"/connectors/{name}/config", json=config).status_code == 201
        cluster.wait_running(name, 1, 60)
        read_committed(kafka_bootstrap, topic, at_least=50)
        cluster.stop()

        # The same cluster, exactly-once support disabled: the connector resumes from its own offsets
        # topic and now writes there and to the worker's offsets topic without transactions.
        cluster = ConnectCluster(
            kafka_bootstrap, group, tmp_path, **{"exactly.once.source.support": "disabled"}
        )
        cluster.start(1)
        cluster.wait_running(name, 1, 60)
        assert (
            request(
                cluster, "PUT", f"/connectors/{name}/config", json={**config, "max.messages": "100"}
            ).status_code
            == 200
        )
        records = read_committed(kafka_bootstrap, topic, at_least=100)
        assert_exactly_once(seqnos_by_task(records), [f"{name}-0"])
        assert len(records) == 100

        def both_at(n: int) -> bool:
            own = committed_offsets(kafka_bootstrap, own_topic, name, 0.5).get(f"{name}-0", [])
            worker = committed_offsets(kafka_bootstrap, f"{group}-offsets", name, 0.5).get(f"{name}-0", [])
            return bool(own) and bool(worker) and own[-1] == worker[-1] == n

        wait_until(lambda: both_at(100), 30, "offsets at 100 in both offsets topics")
        partition = {"task.id": f"{name}-0"}
        assert request(cluster, "GET", f"/connectors/{name}/offsets").json() == {
            "offsets": [{"partition": partition, "offset": {"saved": 100}}]
        }

        # The offsets API alters the connector's own topic too: the task resumes from the altered offset.
        assert request(cluster, "PUT", f"/connectors/{name}/stop").status_code == 204
        wait_until(lambda: cluster.status(name).get("tasks") == [], 30, f"{name} stopped")
        r = request(
            cluster,
            "PATCH",
            f"/connectors/{name}/offsets",
            json={"offsets": [{"partition": partition, "offset": {"saved": 95}}]},
        )
        assert r.status_code == 200, r.text
        assert request(cluster, "GET", f"/connectors/{name}/offsets").json() == {
            "offsets": [{"partition": partition, "offset": {"saved": 95}}]
        }
        assert request(cluster, "PUT", f"/connectors/{name}/resume").status_code == 202
        records = read_committed(kafka_bootstrap, topic, at_least=105)
        assert len(records) == 105
        assert seqnos_by_task(records)[f"{name}-0"][-5:] == [96, 97, 98, 99, 100]
    finally:
        cluster.stop()
        for future in kafka_admin.delete_topics(
            [f"{group}-configs", f"{group}-offsets", f"{group}-status", topic, own_topic],
            operation_timeout=10,
        ).values():
            try:
                future.result(15)
            except Exception:
                pass
