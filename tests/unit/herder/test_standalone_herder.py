"""StandaloneHerder (and HerderCommon through it), without Kafka: the real Worker runs real connectors;
tasks start and stop (InMemoryWorker, tests/fixtures/herder_cluster.py) but move no records. Covers
create/replace/delete, statuses, target states, restarts and restart plans, task reconfiguration
requested by a connector, offsets of a stopped connector, validation errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from connectrt.connectors.testing.handles import RuntimeHandles
from connectrt.herder.standalone import StandaloneHerder
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.errors import AlreadyExistsException, BadRequestException, NotFoundException
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime.plugins import Plugins
from tests.fixtures.herder_cluster import standalone_herder
from tests.unit.herder.test_distributed_rebalance import source

pytestmark = pytest.mark.unit


@pytest.fixture
def run(plugins: Plugins) -> Iterator[Callable[[Callable[[StandaloneHerder], Awaitable[None]]], None]]:
    """Run an async test body against a started StandaloneHerder, stopped afterwards."""

    def runner(body: Callable[[StandaloneHerder], Awaitable[None]]) -> None:
        async def main() -> None:
            herder = standalone_herder(plugins)
            await herder.start()
            try:
                await body(herder)
            finally:
                await herder.stop()

        asyncio.run(main())

    yield runner


async def until(condition: Callable[[], bool], what: str = "condition", timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def task_states(herder: StandaloneHerder, name: str) -> list[str]:
    return [t.state for t in herder.connector_status(name).tasks]


def test_create_run_replace_and_delete(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        created = await h.put_connector_config("sa-crud", source("sa-crud", 2), False)
        assert created.created and [t.task for t in created.result.tasks] == [0, 1]
        await until(lambda: task_states(h, "sa-crud") == ["RUNNING", "RUNNING"])
        assert h.connector_status("sa-crud").connector.state == "RUNNING"
        assert await h.connectors() == ["sa-crud"]
        configs = await h.task_configs("sa-crud")
        assert [c.id for c in configs] == [ConnectorTaskId("sa-crud", 0), ConnectorTaskId("sa-crud", 1)]
        assert configs[0].config["task.class"] == (
            "org.apache.kafka.connect.integration.MonitorableSourceConnector$MonitorableSourceTask"
        )
        with pytest.raises(AlreadyExistsException, match="Connector sa-crud already exists"):
            await h.put_connector_config("sa-crud", source("sa-crud", 2), False)
        # PATCH (HerderCommon) merges and replaces: 3 tasks now.
        patched = await h.patch_connector_config("sa-crud", {"tasks.max": "3"})
        assert patched.config["tasks.max"] == "3" and len(patched.tasks) == 3
        await until(lambda: task_states(h, "sa-crud") == ["RUNNING"] * 3)
        await h.delete_connector("sa-crud")
        assert await h.connectors() == []
        with pytest.raises(NotFoundException, match="No status found for connector sa-crud"):
            h.connector_status("sa-crud")
        with pytest.raises(NotFoundException, match="Connector sa-crud not found"):
            await h.connector_info("sa-crud")

    run(body)


def test_fewer_tasks_destroy_the_statuses_of_the_rest(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config("sa-shrink", source("sa-shrink", 3), False)
        await until(lambda: task_states(h, "sa-shrink") == ["RUNNING"] * 3)
        await h.put_connector_config("sa-shrink", source("sa-shrink", 1), True)
        await until(lambda: task_states(h, "sa-shrink") == ["RUNNING"], what="one task left", timeout_s=1.0)

    run(body)


def test_pause_resume_stop(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config("sa-ts", source("sa-ts", 2), False)
        await until(lambda: task_states(h, "sa-ts") == ["RUNNING"] * 2)
        await h.pause_connector("sa-ts")
        await until(
            lambda: (
                task_states(h, "sa-ts") == ["PAUSED"] * 2
                and h.connector_status("sa-ts").connector.state == "PAUSED"
            ),
            what="PAUSED",
        )
        await h.resume_connector("sa-ts")
        await until(
            lambda: (
                task_states(h, "sa-ts") == ["RUNNING"] * 2
                and h.connector_status("sa-ts").connector.state == "RUNNING"
            ),
            what="RUNNING",
        )
        await h.stop_connector("sa-ts")
        await until(lambda: h.connector_status("sa-ts").connector.state == "STOPPED", what="STOPPED")
        assert task_states(h, "sa-ts") == [] and await h.task_configs("sa-ts") == []
        await h.resume_connector("sa-ts")
        await until(lambda: task_states(h, "sa-ts") == ["RUNNING"] * 2, what="tasks generated again")
        with pytest.raises(NotFoundException, match="Unknown connector nope"):
            await h.stop_connector("nope")

    run(body)


@pytest.mark.parametrize(
    ("only_failed", "include_tasks", "connector", "tasks"),
    [
        (False, False, "RESTARTING", ["RUNNING", "FAILED"]),
        (False, True, "RESTARTING", ["RESTARTING", "RESTARTING"]),
        (True, True, "RUNNING", ["RUNNING", "RESTARTING"]),
    ],
)
def test_restart_plans(
    run: Callable[..., None], only_failed: bool, include_tasks: bool, connector: str, tasks: list[str]
) -> None:
    name = f"sa-plan-{int(only_failed)}{int(include_tasks)}"

    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config(
            name, source(name, 2, **{f"task-{name}-1.start.inject.error": "true"}), False
        )
        await until(lambda: task_states(h, name) == ["RUNNING", "FAILED"])
        handle = RuntimeHandles.get().connector_handle(name)
        before = (handle.starts, [handle.task_handle(f"{name}-{i}").starts for i in range(2)])
        plan = await h.restart_connector_and_tasks(RestartRequest(name, only_failed, include_tasks))
        assert (plan.connector.state, [t.state for t in plan.tasks]) == (connector, tasks)
        restarted = [t == "RESTARTING" for t in tasks]
        await until(
            lambda: (
                [handle.task_handle(f"{name}-{i}").starts for i in range(2)]
                == [n + r for n, r in zip(before[1], restarted, strict=True)]
            ),
            what="task restarts",
        )
        assert handle.starts == before[0] + (connector == "RESTARTING")
        await until(lambda: task_states(h, name) == ["RUNNING", "FAILED"])

    run(body)


def test_restart_connector_and_task(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config("sa-rs", source("sa-rs", 1), False)
        await until(lambda: task_states(h, "sa-rs") == ["RUNNING"])
        handle = RuntimeHandles.get().connector_handle("sa-rs")
        starts = handle.starts
        await h.restart_connector("sa-rs")
        assert handle.starts == starts + 1
        task = handle.task_handle("sa-rs-0")
        task_starts = task.starts
        await h.restart_task(ConnectorTaskId("sa-rs", 0))
        await until(lambda: task.starts == task_starts + 1 and task_states(h, "sa-rs") == ["RUNNING"])
        with pytest.raises(NotFoundException, match="Unknown task: sa-rs-3"):
            await h.restart_task(ConnectorTaskId("sa-rs", 3))
        with pytest.raises(NotFoundException, match="Unknown connector: nope"):
            await h.restart_connector("nope")

    run(body)


def test_a_connector_asking_for_reconfiguration_gets_new_tasks(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config("sa-reconf", source("sa-reconf", 3, **{"num.tasks": "1"}), False)
        await until(lambda: task_states(h, "sa-reconf") == ["RUNNING"])
        # The running connector's config changes under it (as a connector watching an external
        # system would): the herder asks it for task configs again.
        state = h.states["sa-reconf"]
        h.worker.connectors["sa-reconf"].props["num.tasks"] = "2"
        h.worker.connectors["sa-reconf"].connector.start(dict(state.config, **{"num.tasks": "2"}))
        h.request_task_reconfiguration("sa-reconf")
        await until(lambda: task_states(h, "sa-reconf") == ["RUNNING", "RUNNING"], what="two tasks")
        assert state.target is TargetState.STARTED

    run(body)


def test_offsets_change_only_while_stopped(run: Callable[..., None]) -> None:
    offsets = [{"partition": {"task.id": "sa-off-0"}, "offset": {"saved": 7}}]

    async def body(h: StandaloneHerder) -> None:
        await h.put_connector_config("sa-off", source("sa-off", 1, **{"alter.offsets.result": "true"}), False)
        with pytest.raises(
            BadRequestException, match="must be in the STOPPED state before their offsets can be"
        ):
            await h.alter_connector_offsets("sa-off", offsets)
        await h.stop_connector("sa-off")
        altered = await h.alter_connector_offsets("sa-off", offsets)
        assert altered.message == "The offsets for this connector have been altered successfully"
        got = await h.connector_offsets("sa-off")
        assert [(o.partition, o.offset) for o in got.offsets] == [({"task.id": "sa-off-0"}, {"saved": 7})]
        with pytest.raises(BadRequestException, match="Partitions / offsets need to be provided"):
            await h.alter_connector_offsets("sa-off", [])
        reset = await h.reset_connector_offsets("sa-off")
        assert reset.message == "The offsets for this connector have been reset successfully"
        assert (await h.connector_offsets("sa-off")).offsets == []

    run(body)


def test_invalid_configs(run: Callable[..., None]) -> None:
    async def body(h: StandaloneHerder) -> None:
        with pytest.raises(
            BadRequestException, match=r"contains the following 2 error\(s\):\nInvalid value abc"
        ):
            await h.put_connector_config("sa-bad", source("sa-bad", 1, **{"tasks.max": "abc"}), False)
        with pytest.raises(
            BadRequestException, match="more than the 524288 bytes a connector configuration may have"
        ):
            await h.put_connector_config("sa-big", source("sa-big", 1, blob="x" * 1_100_000), False)
        assert await h.connectors() == []

    run(body)
