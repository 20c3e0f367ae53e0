"""DistributedHerder with exactly.once.source.support=enabled, without Kafka: each source task's
preflight zombie fencing round (KIP-618) runs on the leader; a follower's task sends a signed
``PUT /connectors/<c>/fence`` to the leader through the LeaderClient. Producers are not fenced for
real (that needs a broker): the harness records which ones would be (tests/fixtures/herder_cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectrt.runtime.plugins import Plugins
from connectrt.storage import kafka_records as rec
from tests.fixtures.herder_cluster import HerderCluster
from tests.unit.herder.test_distributed_rebalance import placement, running, source

pytestmark = pytest.mark.unit


@pytest.fixture
def eos(plugins: Plugins) -> Iterator[HerderCluster]:
    c = HerderCluster(plugins, **{"exactly.once.source.support": "enabled"})
    yield c
    c.close()


def count_records(cluster: HerderCluster, name: str) -> list[int]:
    return [
        rec.decode_value(v)["task-count"]
        for k, v in cluster.config_topic.records
        if k == rec.task_count_record_key(name).encode()
    ]


def test_fencing_rounds_run_on_the_leader_and_followers_forward_them(eos: HerderCluster) -> None:
    a = eos.add_worker("a")
    b = eos.add_worker("b")
    eos.settle()
    eos.call(a.put_connector_config("eos", source("eos", 2), False))
    eos.run_until(lambda: running(eos, "eos", 2), what="both tasks running")
    eos.settle()
    assert all(tasks for _, tasks in placement(eos).values())  # one task on each worker
    # First generation with exactly-once support: nothing to fence, the task count is recorded.
    assert eos.fenced == []
    assert count_records(eos, "eos") == [2]
    fence = [r for r in eos.leader_client.sent if r.url == "http://a:8083/connectors/eos/fence"]
    assert fence and all(r.method == "PUT" for r in fence)
    key = a.snapshot.session_key
    assert key is not None and all("X-Connect-Authorization" in r.headers for r in fence)
    assert not b.snapshot.pending_fencing("eos")
    # New task configs (3 tasks): the 2 producers of the previous generation are fenced by the leader.
    eos.call(a.put_connector_config("eos", source("eos", 3), True))
    eos.run_until(
        lambda: running(eos, "eos", 3) and count_records(eos, "eos") == [2, 3], what="a second round"
    )
    assert eos.fenced == [("a:8083", "eos", 2)]
