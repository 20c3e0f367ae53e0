"""Zombie fencing for exactly-once source connectors (KIP-618; Java's DistributedHerder
``fenceZombieSourceTasks`` and ``verifyTaskGenerationAndOwnership``).

Every commit of task configs leaves the connector "pending fencing" until a ``tasks-fencing-<c>``
record (``{"task-count":N}``) follows it. Before a task of the new generation initializes its
transactional producer, the leader runs a fencing round: it fences the transactional ids
``<group.id>-<c>-<n>`` of the previous generation (``n`` below the last task-count record) by
initializing a producer with each id, then writes the new task count. Workers that are not the
leader send a signed ``PUT /connectors/<c>/fence`` to the leader.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from connectrt.api.connector import ConnectException
from connectrt.herder.distributed.interfaces import HerderForFencing
from connectrt.herder.distributed.leader_client import LeaderRequestError
from connectrt.herder.signature import signature_headers
from connectrt.kafka.clients import make_producer
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.errors import BadRequestException, NotFoundException, NotLeaderException
from connectrt.runtime.exactly_once_source_task import ExactlyOnceHooks, transactional_id

log = logging.getLogger(__name__)
T = TypeVar("T")

FENCE_TIMEOUT_S = 60.0
WAIT_STEP_S = 0.25


class ZombieFencer:
    def __init__(self, herder: HerderForFencing) -> None:
        self.herder = herder
        self.group_id = str(herder.group_id())
        self._active: dict[str, Future[None]] = {}  # rounds in progress (herder thread only)

    def hooks(self) -> ExactlyOnceHooks:
        return ExactlyOnceHooks(self.group_id, self.fence_for_task, self.verify_task, self._generation)

    def _generation(self, connector: str) -> int | None:
        return self.herder.snapshot.task_config_generation(connector)

    # --- on the herder thread ----------------------------------------------------------------
    def fence(self, name: str) -> None:
        """A round of zombie fencing for ``name``, done when this returns; leader only (herder thread).
        Used before an offsets change (the herder thread waits, as for the offsets write itself)."""
        plan = self._plan(name)
        if plan is not None:
            count, record, generation = plan
            self.fence_producers(name, record)
            self._finish(name, count, generation)

    def fence_async(self, name: str) -> Future[None]:
        """A round of zombie fencing for ``name`` (herder thread), as Java's ZombieFencing: the producers
        are fenced off the herder thread; the task-count record is written back on it. Concurrent requests
        for the same connector join the round in progress."""
        self._check(name)
        active = self._active.get(name)
        if active is not None:
            return active
        fut: Future[None] = Future()
        plan = self._plan(name)
        if plan is None:
            fut.set_result(None)
            return fut
        count, record, generation = plan
        self._active[name] = fut

        def run() -> None:
            error: Exception | None = None
            try:
                self.fence_producers(name, record)
            except Exception as e:
                error = e
            self._submit(lambda: self._complete(name, count, generation, fut, error))

        threading.Thread(target=run, name=f"zombie-fencing-{name}", daemon=True).start()
        return fut

    def _complete(
        self, name: str, count: int, generation: int | None, fut: Future[None], error: Exception | None
    ) -> None:
        self._active.pop(name, None)
        try:
            if error is not None:
                raise error
            self._finish(name, count, generation)
        except Exception as e:
            fut.set_exception(e)
            return
        fut.set_result(None)

    def _check(self, name: str) -> None:
        herder = self.herder
        if not herder.member.is_leader():
            raise NotLeaderException(
                "Only the leader may perform zombie fencing.", herder.member.leader_url()
            )
        if not herder.snapshot.contains(name):
            raise NotFoundException(f"Connector {name} not found")
        if herder.connector_type(name) != "source":
            raise BadRequestException(f"Connector {name} is not a source connector")

    def _plan(self, name: str) -> tuple[int, int, int | None] | None:
        """After the checks and a read to the end of the config topic: (task count, previous task count,
        task-config generation) when producers must be fenced; None when the round is over already (nothing
        pending, or only the task count to record, which this writes)."""
        self._check(name)
        herder = self.herder
        try:
            snap = herder.read_config_to_end(herder.sync_timeout_s())
        except Exception as e:
            raise ConnectException(
                "Failed to read to end of config topic before performing zombie fencing"
            ) from e
        if not snap.pending_fencing(name):
            log.debug(
                "Skipping zombie fencing round for connector %s as all old task generations have already "
                "been fenced out",
                name,
            )
            return None
        count = snap.task_count(name)
        record = snap.task_count_record(name)
        if record is None:
            log.debug(
                "Skipping zombie fencing round but writing task count record for connector %s as it is being "
                "brought up for the first time with exactly-once source support",
                name,
            )
        elif record == 1 and count == 1:
            log.debug(
                "Skipping zombie fencing round but writing task count record for connector %s as both the most "
                "recent and the current generation of task configs only contain one task",
                name,
            )
        else:
            return count, record, snap.task_config_generation(name)
        self._write_count(name, count)
        return None

    def _finish(self, name: str, count: int, generation: int | None) -> None:
        herder = self.herder
        herder.refresh_snapshot()
        if herder.snapshot.task_config_generation(name) != generation:
            raise ConnectException(
                f"Failed to complete zombie fencing for connector {name}: it generated a new set of task "
                "configs meanwhile; the next round of fencing will fence them"
            )
        self._write_count(name, count)

    def _write_count(self, name: str, count: int) -> None:
        self.herder.record_task_count(name, count)

    def fence_producers(self, name: str, task_count: int) -> None:
        """Fence the transactional producers of tasks 0..task_count-1 (Java uses Admin.fenceProducers;
        librdkafka has no such call, so a producer initializes each transactional id: that bumps its
        epoch and aborts any transaction the old producer left open)."""
        config = self.herder.snapshot.connector_config(name) or {}
        conn = self.herder.transformer.transform({k: str(v) for k, v in config.items() if v is not None})
        ids = [ConnectorTaskId(name, i) for i in range(task_count)]
        log.info("Fencing out %d task producers for source connector %s", task_count, name)

        def fence_one(task_id: ConnectorTaskId) -> None:
            props = self.herder.task_producer_props(conn, task_id)
            props["enable.idempotence"] = "true"
            props["acks"] = "all"
            props["transactional.id"] = transactional_id(self.group_id, task_id)
            props["client.id"] = f"connector-fencer-{task_id}"
            producer = make_producer(props)
            try:
                producer.init_transactions(FENCE_TIMEOUT_S)
            finally:
                producer.flush(0)

        if not ids:
            return
        with ThreadPoolExecutor(max_workers=min(8, len(ids)), thread_name_prefix="zombie-fencer") as pool:
            for fut in [pool.submit(fence_one, t) for t in ids]:
                try:
                    fut.result()
                except Exception as e:
                    raise ConnectException(
                        f"Failed to fence out the producers of connector {name}: {e}"
                    ) from e
        log.info("Successfully fenced out %d task producers for source connector %s", task_count, name)

    def _verify(self, task_id: ConnectorTaskId, generation: int | None) -> None:
        herder = self.herder
        herder.refresh_snapshot()
        if herder.snapshot.task_config_generation(task_id.connector) != generation:
            raise ConnectException(
                f"Cannot start source task {task_id} with exactly-once support as the connector has already "
                "generated a new set of task configs"
            )
        if task_id not in herder.assigned_tasks():
            raise ConnectException(
                f"Cannot start source task {task_id} as it has already been revoked from this worker"
            )

    # --- on task threads ---------------------------------------------------------------------
    def fence_for_task(self, task_id: ConnectorTaskId, stopping: threading.Event) -> None:
        """The preflight fencing round a task runs before initializing its transactional producer."""
        log.debug("Performing preflight zombie check for task %s", task_id)
        name = task_id.connector
        try:
            round_ = self._await(self._submit(lambda: self.fence_async(name)), stopping)
            if round_ is not None:
                self._await(round_, stopping)
            return
        except NotLeaderException as e:
            leader = e.forward_url or self.herder.member.leader_url()
        if stopping.is_set():
            return
        if not leader:
            raise ConnectException("Failed to perform zombie fencing: no known leader URL")
        self._forward(leader, name)

    def verify_task(self, task_id: ConnectorTaskId, generation: int | None) -> None:
        """After the producer was initialized: the task's config generation is still current and the
        task is still assigned here."""
        log.debug(
            "Reading to end of config topic to ensure it is still safe to bring up source task %s with "
            "exactly-once support",
            task_id,
        )
        self._await(self._submit(lambda: self._verify(task_id, generation)), None)

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        return self.herder.queue_request(fn)

    @staticmethod
    def _await(fut: Future[T], stopping: threading.Event | None) -> T | None:
        """The future's result; None once ``stopping`` is set first."""
        while True:
            if stopping is not None and stopping.is_set():
                fut.cancel()
                return None
            try:
                return fut.result(WAIT_STEP_S)
            except TimeoutError:
                continue

    def _forward(self, leader: str, name: str) -> None:
        herder = self.herder
        url = leader.rstrip("/") + f"/connectors/{name}/fence"
        headers = {"User-Agent": "kafka-connect"}
        key = herder.snapshot.session_key
        if herder.member.current_protocol_version >= 2:
            if key is None:
                raise ConnectException("Failed to perform zombie fencing: no session key read yet")
            headers.update(signature_headers(key.key, b"", herder.signature_algorithm))
        log.debug("Forwarding zombie fencing request for connector %s to leader at %s", name, url)
        started = time.monotonic()
        try:
            r = herder.leader_client.send("PUT", url, b"", headers, FENCE_TIMEOUT_S + 30)
        except LeaderRequestError as e:
            raise ConnectException(f"Failed to perform zombie fencing: {e}") from e
        if r.status_code >= 400:
            raise ConnectException(
                f"Failed to perform zombie fencing: the leader answered {r.status_code}: {r.text}"
            )
        log.debug("Zombie fencing for %s completed by the leader in %.2f s", name, time.monotonic() - started)
