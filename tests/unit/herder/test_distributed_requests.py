"""DistributedHerder's requests (Java's DistributedHerderTest, request half), without Kafka: writes
only the leader serves (NotLeaderException names it, for the REST layer to forward), task configs a
follower sends to the leader (signed), restarts and restart plans, target states, offsets of a
stopped connector, validation errors. Harness: tests/fixtures/herder_cluster.py."""

from __future__ import annotations

import orjson
import pytest

from connectrt.connectors.testing.handles import RuntimeHandles
from connectrt.herder.distributed.herder import DistributedHerder
from connectrt.herder.signature import InternalRequestSignature, signature_headers
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.errors import (
    AlreadyExistsException,
    BadRequestException,
    ForbiddenException,
    NotAssignedException,
    NotFoundException,
    NotLeaderException,
    RebalanceNeededException,
)
from connectrt.model.states import RestartRequest, TargetState
from connectrt.storage import kafka_records as rec
from tests.fixtures.herder_cluster import HerderCluster
from tests.unit.herder.test_distributed_rebalance import create, running, source, states

pytestmark = pytest.mark.unit


def two_workers(cluster: HerderCluster) -> tuple[DistributedHerder, DistributedHerder]:
    a = cluster.add_worker("a")
    b = cluster.add_worker("b")
    cluster.settle()
    assert a.member.is_leader()
    return a, b


def owner(cluster: HerderCluster, name: str) -> DistributedHerder:
    return next(h for h in cluster.herders if name in h.work.assigned_connectors())


# --- forwarding to the leader ---------------------------------------------------------------------
def test_writes_on_a_follower_name_the_leader(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    for write in (
        b.put_connector_config("fw-x", source("fw-x", 1), False),
        b.delete_connector("fw-x"),
        b.stop_connector("fw-x"),
        b.reset_connector_offsets("fw-x"),
        b.restart_connector_and_tasks(RestartRequest("fw-x")),
    ):
        with pytest.raises(
            NotLeaderException, match="Cannot complete request because this worker is not the leader"
        ) as e:
            cluster.call(write)
        assert e.value.forward_url == "http://a:8083/" and e.value.status == 409
    assert not a.snapshot.contains("fw-x")


def test_a_follower_sends_its_connectors_task_configs_to_the_leader_signed(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    create(cluster, a, "fw-first", 1)  # the first connector goes to the first member (the leader)
    create(cluster, a, "fw-tasks", 2)
    follower_owned = [n for n in ("fw-first", "fw-tasks") if owner(cluster, n) is b]
    assert follower_owned, "the assignor gave the follower no connector"
    name = follower_owned[0]
    sent = [r for r in cluster.leader_client.sent if r.url == f"http://a:8083/connectors/{name}/tasks"]
    assert len(sent) == 1 and sent[0].method == "POST"
    request = sent[0]
    assert orjson.loads(request.body) == [dict(c) for c in a.snapshot.task_configs_of(name)]
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "kafka-connect"
    # Signed with the session key the leader distributed (connect.protocol=sessioned).
    key = a.snapshot.session_key
    assert key is not None
    assert request.headers == {
        "Content-Type": "application/json",
        "User-Agent": "kafka-connect",
        **signature_headers(key.key, request.body, "HmacSHA256"),
    }


def test_the_leader_refuses_unsigned_and_badly_signed_task_configs(cluster: HerderCluster) -> None:
    a, _ = two_workers(cluster)
    create(cluster, a, "fw-sig", 1)
    body = orjson.dumps([{"task.class": "x"}])
    with pytest.raises(BadRequestException, match="Internal request missing required signature"):
        cluster.call(a.put_task_configs("fw-sig", [{"task.class": "x"}], None))
    forged = InternalRequestSignature.from_headers(body, signature_headers(b"0" * 32, body, "HmacSHA256"))
    with pytest.raises(ForbiddenException, match="Internal request contained invalid signature."):
        cluster.call(a.put_task_configs("fw-sig", [{"task.class": "x"}], forged))
    assert a.snapshot.task_configs_of("fw-sig")[0]["task.class"] != "x"


def test_task_configs_are_sent_again_when_the_leader_was_unreachable(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    create(cluster, a, "fw-down-0", 1)  # on the leader
    cluster.leader_client.unreachable = True
    cluster.call(a.put_connector_config("fw-down", source("fw-down", 2), False))
    cluster.run_until(lambda: any("fw-down" in h.work.assigned_connectors() for h in cluster.herders))
    assert owner(cluster, "fw-down") is b  # the leader runs fw-down-0: the next connector goes to b
    url = "http://a:8083/connectors/fw-down/tasks"
    cluster.run_until(lambda: sum(r.url == url for r in cluster.leader_client.sent) >= 2, what="a retry")
    assert not a.snapshot.tasks("fw-down")
    cluster.leader_client.unreachable = False
    cluster.run_until(lambda: running(cluster, "fw-down", 2), what="the tasks once the leader is back")


def test_a_leader_sends_a_restart_of_a_followers_connector_to_its_owner(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    create(cluster, a, "rs-first", 1)
    create(cluster, a, "rs-other", 1)
    on_b = next(n for n in ("rs-first", "rs-other") if owner(cluster, n) is b)
    with pytest.raises(NotAssignedException, match=f"connector {on_b} is not assigned to this worker") as e:
        cluster.call(a.restart_connector(on_b))
    assert e.value.forward_url == "http://b:8083/"
    task = next(t for t in b.work.assigned_tasks())
    with pytest.raises(NotAssignedException, match=f"task {task} is not assigned to this worker") as e:
        cluster.call(a.restart_task(task))
    assert e.value.forward_url == "http://b:8083/"
    # The owner restarts it itself.
    handle = RuntimeHandles.get().connector_handle(on_b)
    starts = handle.starts
    cluster.call(b.restart_connector(on_b))
    cluster.settle()
    assert handle.starts == starts + 1
    assert b.connector_status(on_b).connector.state == "RUNNING"


# --- restarts -------------------------------------------------------------------------------------
def test_restart_a_task_here(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    create(cluster, a, "rs-task", 2)
    task = RuntimeHandles.get().connector_handle("rs-task").task_handle("rs-task-1")
    before = (task.starts, task.stops)
    cluster.call(a.restart_task(ConnectorTaskId("rs-task", 1)))
    cluster.run_until(lambda: running(cluster, "rs-task", 2))
    assert (task.starts, task.stops) == (before[0] + 1, before[1] + 1)
    with pytest.raises(NotFoundException, match="Unknown task: rs-task-7"):
        cluster.call(a.restart_task(ConnectorTaskId("rs-task", 7)))
    with pytest.raises(NotFoundException, match="Unknown connector: nope"):
        cluster.call(a.restart_connector("nope"))


@pytest.mark.parametrize(
    ("only_failed", "include_tasks", "connector", "tasks"),
    [
        (False, False, "RESTARTING", ["RUNNING", "FAILED", "RUNNING"]),
        (False, True, "RESTARTING", ["RESTARTING", "RESTARTING", "RESTARTING"]),
        (True, True, "RUNNING", ["RUNNING", "RESTARTING", "RUNNING"]),
        (True, False, "RUNNING", ["RUNNING", "FAILED", "RUNNING"]),
    ],
)
def test_restart_plans_and_what_restarts(
    cluster: HerderCluster, only_failed: bool, include_tasks: bool, connector: str, tasks: list[str]
) -> None:
    a, _ = two_workers(cluster)
    name = f"rs-plan-{int(only_failed)}{int(include_tasks)}"
    # Task 1 fails each time it starts.
    cluster.call(
        a.put_connector_config(name, source(name, 3, **{f"task-{name}-1.start.inject.error": "true"}), False)
    )
    cluster.run_until(
        lambda: (
            [s for _, (s, _) in sorted(states(cluster, name).items())] == ["RUNNING", "FAILED", "RUNNING"]
        ),
        what="task 1 FAILED",
    )
    cluster.settle()
    handle = RuntimeHandles.get().connector_handle(name)
    conn_starts = handle.starts
    task_starts = [handle.task_handle(f"{name}-{i}").starts for i in range(3)]
    plan = cluster.call(a.restart_connector_and_tasks(RestartRequest(name, only_failed, include_tasks)))
    assert plan.connector.state == connector
    assert [t.state for t in plan.tasks] == tasks
    cluster.settle()
    restarted = [t == "RESTARTING" for t in tasks]
    cluster.run_until(
        lambda: (
            [handle.task_handle(f"{name}-{i}").starts for i in range(3)]
            == [n + r for n, r in zip(task_starts, restarted, strict=True)]
        ),
        what="the task restarts",
    )
    cluster.run_until(
        lambda: handle.starts == conn_starts + (connector == "RESTARTING"), what="connector restart"
    )
    cluster.run_until(
        lambda: (
            [s for _, (s, _) in sorted(states(cluster, name).items())] == ["RUNNING", "FAILED", "RUNNING"]
        ),
        what="the restarted tasks' statuses",
    )
    assert f"restart-connector-{name}" in cluster.config_topic.keys()


def test_a_request_behind_a_config_change_that_needs_a_rebalance_gets_409(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    create(cluster, a, "rn", 1)
    reader = cluster.readers["a"]

    def another_worker_creates_a_connector() -> None:  # read by a's config consumer while requests run
        reader.send(rec.connector_key("rn-new"), rec.encode_properties(source("rn-new", 1)))
        reader.deliver()

    async def restart_behind_it() -> None:
        a.queue_request(another_worker_creates_a_connector)
        await a.restart_connector("rn")

    with pytest.raises(
        RebalanceNeededException, match="^Request cannot be completed because a rebalance is expected$"
    ):
        cluster.call(restart_behind_it())
    cluster.settle()
    cluster.call(a.restart_connector("rn"))  # once the rebalance happened, the same request succeeds
    assert "rn-new" in a.work.assigned_connectors()


def test_restart_of_an_unknown_connector(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.settle()
    with pytest.raises(NotFoundException, match="Unknown connector: ghost"):
        cluster.call(a.restart_connector_and_tasks(RestartRequest("ghost", True, True)))


# --- target states --------------------------------------------------------------------------------
def test_pause_resume_stop_and_resume_again(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    create(cluster, a, "ts", 2)
    cluster.call(b.pause_connector("ts"))  # any worker may write a target state
    cluster.run_until(
        lambda: (
            {s for s, _ in states(cluster, "ts").values()} == {"PAUSED"}
            and a.connector_status("ts").connector.state == "PAUSED"
        ),
        what="PAUSED",
    )
    assert a.snapshot.target_state("ts") is TargetState.PAUSED
    cluster.call(a.resume_connector("ts"))
    cluster.run_until(
        lambda: running(cluster, "ts", 2) and a.connector_status("ts").connector.state == "RUNNING"
    )
    cluster.call(a.stop_connector("ts"))
    cluster.run_until(lambda: a.connector_status("ts").connector.state == "STOPPED", what="STOPPED")
    cluster.settle()
    assert a.snapshot.tasks("ts") == [] and a.snapshot.target_state("ts") is TargetState.STOPPED
    assert all(not tasks for _, tasks in ((h, h.work.assigned_tasks()) for h in cluster.herders))
    cluster.call(a.resume_connector("ts"))
    cluster.run_until(lambda: running(cluster, "ts", 2), what="tasks generated again")
    with pytest.raises(NotFoundException, match="Unknown connector nope"):
        cluster.call(a.pause_connector("nope"))


def test_a_stopped_connector_takes_no_task_configs(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    create(cluster, a, "ts-stop", 1)
    cluster.call(a.stop_connector("ts-stop"))
    cluster.settle()
    with pytest.raises(
        BadRequestException, match="Cannot submit non-empty set of task configs for stopped connector"
    ):
        a.write_task_configs("ts-stop", [{"k": "v"}])


# --- offsets --------------------------------------------------------------------------------------
OFFSETS = [{"partition": {"task.id": "off-0"}, "offset": {"saved": 42}}]


def test_offsets_change_only_while_stopped(cluster: HerderCluster) -> None:
    a, b = two_workers(cluster)
    create(cluster, a, "off", 1)
    message = (
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for "
        "the specified connector by issuing a 'PUT' request to the '/connectors/off/stop' endpoint"
    )
    with pytest.raises(BadRequestException) as e:
        cluster.call(a.alter_connector_offsets("off", OFFSETS))
    assert e.value.message == message
    with pytest.raises(BadRequestException) as e:
        cluster.call(a.reset_connector_offsets("off"))
    assert e.value.message == message
    cluster.call(a.pause_connector("off"))
    cluster.settle()
    with pytest.raises(BadRequestException, match="must be in the STOPPED state"):
        cluster.call(a.alter_connector_offsets("off", OFFSETS))
    cluster.call(a.stop_connector("off"))
    cluster.settle()
    with pytest.raises(NotLeaderException):
        cluster.call(b.alter_connector_offsets("off", OFFSETS))
    altered = cluster.call(a.alter_connector_offsets("off", OFFSETS))
    assert altered.message == (
        "The Connect framework-managed offsets for this connector have been altered successfully. However, if this "
        "connector manages offsets externally, they will need to be manually altered in the system that the "
        "connector uses."
    )
    got = cluster.call(b.connector_offsets("off"))
    assert [(o.partition, o.offset) for o in got.offsets] == [({"task.id": "off-0"}, {"saved": 42})]
    reset = cluster.call(a.reset_connector_offsets("off"))
    assert reset.message.startswith(
        "The Connect framework-managed offsets for this connector have been reset"
    )
    assert cluster.call(a.connector_offsets("off")).offsets == []
    with pytest.raises(NotFoundException, match="Connector nope not found"):
        cluster.call(a.reset_connector_offsets("nope"))


# --- validation -----------------------------------------------------------------------------------
def test_invalid_configs_are_refused_before_anything_is_written(cluster: HerderCluster) -> None:
    a = cluster.add_worker("a")
    cluster.settle()
    written = len(cluster.config_topic.records)
    with pytest.raises(BadRequestException) as e:
        cluster.call(a.put_connector_config("va", source("va", 1, **{"tasks.max": "abc"}), False))
    assert e.value.message == (
        "Connector configuration is invalid and contains the following 2 error(s):\n"
        "Invalid value abc for configuration tasks.max: Not a number of type INT\n"
        "Invalid value null for configuration tasks.max: Value must be non-null\n"
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
    )
    with pytest.raises(
        BadRequestException,
        match="^Failed to find any class that implements Connector and which name "
        "matches com.example.Nope, available connectors are: PluginDesc",
    ):
        cluster.call(
            a.put_connector_config("va", {"name": "va", "connector.class": "com.example.Nope"}, False)
        )
    assert len(cluster.config_topic.records) == written
    create(cluster, a, "va", 1)
    with pytest.raises(AlreadyExistsException, match="Connector va already exists"):
        cluster.call(a.put_connector_config("va", source("va", 1), False))
    with pytest.raises(NotFoundException, match="Connector nope not found"):
        cluster.call(a.delete_connector("nope"))
