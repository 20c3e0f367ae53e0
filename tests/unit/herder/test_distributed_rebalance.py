"""DistributedHerder through rebalances (Java's DistributedHerderTest, rebalance half), without Kafka:
herders in an in-memory group (FakeGroupMember), the real config store on an in-memory config
topic, the real Worker running real connectors, tasks started and stopped but moving no records.
Workers join, leave, crash and lose the leader; connectors are created, reconfigured and deleted."""

from __future__ import annotations

import pytest

from connectrt.connectors.testing.handles import RuntimeHandles
from connectrt.herder.distributed.fake import FakeGroupMember
from connectrt.herder.distributed.herder import DistributedHerder
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.errors import NotFoundException
from connectrt.runtime.plugins import Plugins
from connectrt.storage import kafka_records as rec
from tests.fixtures.herder_cluster import HerderCluster

pytestmark = pytest.mark.unit

MONITORABLE = "org.apache.kafka.connect.integration.MonitorableSourceConnector"


def source(name: str, tasks: int, **extra: str) -> dict[str, str]:
    return {"name": name, "connector.class": MONITORABLE, "tasks.max": str(tasks), **extra}


def states(cluster: HerderCluster, name: str) -> dict[int, tuple[str, str]]:
    """task -> (state, worker id) from the status store."""
    return {t.id.task: (t.state.value, t.worker_id) for t in cluster.status_store.get_all_tasks(name)}


def running(cluster: HerderCluster, name: str, tasks: int) -> bool:
    got = states(cluster, name)
    return len(got) == tasks and all(s == "RUNNING" for s, _ in got.values())


def create(cluster: HerderCluster, herder: DistributedHerder, name: str, tasks: int, **extra: str) -> None:
    cluster.call(herder.put_connector_config(name, source(name, tasks, **extra), False))
    cluster.run_until(lambda: running(cluster, name, tasks), what=f"{tasks} running tasks of {name}")
    cluster.settle()


def placement(cluster: HerderCluster) -> dict[str, tuple[set[str], set[ConnectorTaskId]]]:
    return {h.worker_id: (h.work.assigned_connectors(), h.work.assigned_tasks()) for h in cluster.herders}


def test_one_worker_leads_and_runs_a_new_connector(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.settle()
    assert a.member.is_leader() and a.is_ready()
    created = cluster.call(a.put_connector_config("rb-one", source("rb-one", 3), False))
    assert created.created and created.result.type == "source" and created.result.tasks == []
    cluster.run_until(lambda: running(cluster, "rb-one", 3))
    cluster.settle()
    assert placement(cluster) == {"a:8083": ({"rb-one"}, {ConnectorTaskId("rb-one", i) for i in range(3)})}
    assert cluster.call(a.connectors()) == ["rb-one"]
    info = cluster.call(a.connector_info("rb-one"))
    assert [t.task for t in info.tasks] == [0, 1, 2]
    status = a.connector_status("rb-one")
    assert (status.connector.state, status.connector.worker_id) == ("RUNNING", "a:8083")
    # What the config topic holds, in Java's order: config, then the task configs and their commit,
    # with the session key the leader distributed first.
    keys = cluster.config_topic.keys()
    assert keys[0] == rec.SESSION_KEY_KEY
    assert keys[1:] == [
        "connector-rb-one",
        "task-rb-one-0",
        "task-rb-one-1",
        "task-rb-one-2",
        "commit-rb-one",
    ]


def test_a_joining_worker_takes_a_share_and_the_old_owner_stops_it(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    create(cluster, a, "rb-join", 4)
    handles = RuntimeHandles.get().connector_handle("rb-join")
    b = cluster.add_worker("b")
    cluster.settle()
    (a_conns, a_tasks), (b_conns, b_tasks) = placement(cluster).values()
    assert a_conns | b_conns == {"rb-join"} and not a_conns & b_conns
    assert len(a_tasks) == 2 and len(b_tasks) == 2 and a_tasks.isdisjoint(b_tasks)
    assert a.member.is_leader() and not b.member.is_leader()
    cluster.run_until(lambda: {w for _, w in states(cluster, "rb-join").values()} == {"a:8083", "b:8083"})
    moved = sorted(b_tasks)
    # Each moved task was stopped on a before b started it: one stop and two starts each.
    for t in moved:
        task_handle = handles.task_handle(f"rb-join-{t.task}")
        assert (task_handle.starts, task_handle.stops) == (2, 1), t
    assert running(cluster, "rb-join", 4)


def test_a_leaving_worker_hands_its_work_back(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    b = cluster.add_worker("b")
    cluster.settle()
    create(cluster, a, "rb-leave", 4)
    assert all(tasks for _, tasks in placement(cluster).values())
    cluster.stop_worker(b)
    cluster.settle()
    assert placement(cluster) == {
        "a:8083": ({"rb-leave"}, {ConnectorTaskId("rb-leave", i) for i in range(4)})
    }
    cluster.run_until(
        lambda: (
            running(cluster, "rb-leave", 4)
            and {w for _, w in states(cluster, "rb-leave").values()} == {"a:8083"}
        )
    )


def test_the_leader_leaves_and_a_follower_takes_over_its_duties(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    b = cluster.add_worker("b")
    cluster.settle()
    create(cluster, a, "rb-lead", 2)
    key_before = b.snapshot.session_key
    cluster.stop_worker(a)
    cluster.settle()
    assert b.member.is_leader() and b.member.leader_url() == "http://b:8083/"
    assert placement(cluster) == {
        "b:8083": ({"rb-lead"}, {ConnectorTaskId("rb-lead", 0), ConnectorTaskId("rb-lead", 1)})
    }
    # The new leader serves writes itself.
    create(cluster, b, "rb-lead-2", 1)
    assert b.snapshot.contains("rb-lead-2")
    assert b.snapshot.session_key == key_before  # still valid: not rotated by a change of leader


def test_a_crashed_worker_loses_its_work_to_the_others(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.add_worker("b")
    c = cluster.add_worker("c")
    cluster.settle()
    create(cluster, a, "rb-crash", 6)
    assert len(c.work.assigned_tasks()) == 2
    # c's session expires (kill -9): it never stops its tasks; the group drops it.
    cluster.herders.remove(c)
    assert isinstance(c.member, FakeGroupMember)
    cluster.group.expire(c.member)
    cluster.settle()
    tasks = [t for _, ts in placement(cluster).values() for t in ts]
    assert sorted(tasks) == [ConnectorTaskId("rb-crash", i) for i in range(6)]
    assert {len(ts) for _, ts in placement(cluster).values()} == {3}
    c.halt()


def test_more_tasks_are_spread_and_fewer_tasks_are_stopped(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.add_worker("b")
    cluster.settle()
    create(cluster, a, "rb-grow", 2)
    handles = RuntimeHandles.get().connector_handle("rb-grow")
    cluster.call(a.put_connector_config("rb-grow", source("rb-grow", 4), True))
    cluster.run_until(lambda: running(cluster, "rb-grow", 4))
    cluster.settle()
    assert {len(ts) for _, ts in placement(cluster).values()} == {2}
    assert len(a.snapshot.tasks("rb-grow")) == 4
    # The new config reached every task: each task's config is the connector's (MonitorableSource).
    assert all(c["tasks.max"] == "4" for c in a.snapshot.task_configs_of("rb-grow"))
    cluster.call(a.put_connector_config("rb-grow", source("rb-grow", 1), True))
    cluster.run_until(lambda: len(cluster.status_store.get_all_tasks("rb-grow")) == 1)
    cluster.settle()
    assert [t for _, ts in placement(cluster).values() for t in ts] == [ConnectorTaskId("rb-grow", 0)]
    assert all(handles.task_handle(f"rb-grow-{i}").stops >= 1 for i in range(1, 4))


def test_deleting_a_connector_stops_it_everywhere_and_removes_its_statuses(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    b = cluster.add_worker("b")
    cluster.settle()
    create(cluster, a, "rb-del", 2)
    cluster.call(a.delete_connector("rb-del"))
    cluster.settle()
    assert all(not conns and not tasks for conns, tasks in placement(cluster).values())
    assert cluster.call(b.connectors()) == []
    cluster.run_until(
        lambda: (
            cluster.status_store.get_connector("rb-del") is None
            and all(s != "RUNNING" for s, _ in states(cluster, "rb-del").values())
        )
    )
    with pytest.raises(NotFoundException, match="No status found for connector rb-del"):
        b.connector_status("rb-del")
    with pytest.raises(NotFoundException, match="Connector rb-del not found"):
        cluster.call(b.connector_config("rb-del"))


def test_a_bad_record_in_the_config_topic_fails_its_connector_not_the_worker(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.settle()
    # Written by other means than this REST API (which validates): a class no plugin has.
    bad = {"name": "rb-bad", "connector.class": "com.example.Missing", "tasks.max": "1"}
    cluster.readers["a"].send(rec.connector_key("rb-bad"), rec.encode_properties(bad))
    cluster.settle()
    status = a.connector_status("rb-bad")
    assert status.connector.state == "FAILED" and "com.example.Missing" in (status.connector.trace or "")
    create(cluster, a, "rb-good", 1)  # the herder thread carries on
    assert a.failure is None


def test_a_name_the_group_protocol_cannot_carry_fails_that_connector_only(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.add_worker("b")
    cluster.settle()
    name = "n" * 40_000
    cluster.readers["a"].send(rec.connector_key(name), rec.encode_properties(source(name, 1)))
    cluster.settle()
    status = a.connector_status(name)
    assert (status.connector.state, status.connector.trace) == (
        "FAILED",
        (
            f"Connector {'n' * 64}... cannot run: its name of 40000 characters is longer than the 32767 bytes the "
            "Connect group protocol carries. Remove it by writing a tombstone (a record with a null value) for its key "
            "'connector-<name>' to the config topic connect-configs."
        ),
    )
    assert all(not conns for conns, _ in placement(cluster).values())
    create(cluster, a, "rb-after-long", 1)


def test_the_leader_rotates_the_session_key_when_it_expires(plugins: Plugins) -> None:
    cluster = HerderCluster(plugins, **{"inter.worker.key.ttl.ms": "100"})
    try:
        a = cluster.add_worker("a")
        b = cluster.add_worker("b")
        cluster.settle()
        first = a.snapshot.session_key
        assert first is not None and b.snapshot.session_key == first
        cluster.run_until(lambda: b.snapshot.session_key not in (None, first), what="a new session key")
        assert cluster.config_topic.keys().count(rec.SESSION_KEY_KEY) >= 2
        assert not b.member.is_leader()
    finally:
        cluster.close()
