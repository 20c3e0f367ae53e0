"""DistributedHerder: a worker in a cluster coordinated through Kafka (Java's DistributedHerder).

One herder thread owns every state change: it drives group membership (``GroupMember.poll``),
applies rebalances (``on_revoked``/``on_assigned`` run on it), reacts to config-topic updates, and
runs the requests REST handlers queue (``_submit``). REST reads are served from the immutable
config snapshot and the status store, never from the herder thread.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from functools import partial
from typing import Any, TypeVar

from connectrt.api.connector import ConnectException
from connectrt.config.worker_config import DistributedConfig
from connectrt.herder.common import ConnectorState, HerderCommon
from connectrt.herder.distributed.assignment import ConfigView
from connectrt.herder.distributed.config_events import ConfigEvents
from connectrt.herder.distributed.coordinator import GroupListener, GroupMember
from connectrt.herder.distributed.fencing import ZombieFencer
from connectrt.herder.distributed.leader_client import HttpLeaderClient, LeaderClient
from connectrt.herder.distributed.leadership import LeaderDuties
from connectrt.herder.distributed.protocol import ExtendedAssignment, fits_protocol_string
from connectrt.herder.distributed.work import WorkManager
from connectrt.herder.signature import (
    SIGNATURE_ALGORITHM_CONFIG,
    VERIFICATION_ALGORITHMS_CONFIG,
    check_algorithm_configs,
    unsupported_signature_message,
)
from connectrt.herder.validation import validate_connector_config
from connectrt.model.entities import (
    ConfigInfos,
    ConnectorInfo,
    ConnectorOffsets,
    ConnectorStateInfo,
    ConnectorTaskId,
    Created,
    Message,
)
from connectrt.model.errors import (
    AlreadyExistsException,
    BadRequestException,
    ForbiddenException,
    NotAssignedException,
    NotFoundException,
    NotLeaderException,
    RebalanceNeededException,
    ServiceUnavailableException,
)
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime import offsets_admin
from connectrt.runtime.connector_offset_stores import connector_offsets_topic_store
from connectrt.runtime.plugins import Plugins
from connectrt.storage.connector_offsets import ConnectorOffsetBackingStore
from connectrt.storage.kafka_config import KafkaConfigBackingStore, PrivilegedWriteException
from connectrt.storage.kafka_config_state import EMPTY_STATE, ClusterConfigState
from connectrt.storage.offsets import OffsetBackingStore
from connectrt.storage.status import State, StatusBackingStore

log = logging.getLogger(__name__)
T = TypeVar("T")

CONFIG_REFRESH_TIMEOUT_S = 30.0


class DistributedHerder(HerderCommon, GroupListener):
    def __init__(
        self,
        config: DistributedConfig,
        plugins: Plugins,
        worker_id: str,
        rest_url: str,
        kafka_cluster_id: str | None,
        config_store: KafkaConfigBackingStore,
        offset_store: OffsetBackingStore,
        status_store: StatusBackingStore,
        member_factory: Callable[[DistributedHerder], GroupMember],
        leader_client: LeaderClient | None = None,
    ) -> None:
        super().__init__(config, plugins, offset_store, status_store, worker_id, kafka_cluster_id)
        self.rest_url = rest_url
        # The herder's own signed requests to the leader (task configs, zombie fencing).
        self.leader_client: LeaderClient = leader_client or HttpLeaderClient(config.originals)
        self.config_store = config_store
        self.events = ConfigEvents(self)
        self.config_store.set_update_listener(self.events)
        self.snapshot: ClusterConfigState = EMPTY_STATE
        self.requests: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        self.member = member_factory(self)
        self.work = WorkManager(self)
        self.thread = threading.Thread(target=self._run, name="DistributedHerder", daemon=True)
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.joined = threading.Event()
        self.failure: BaseException | None = None
        self.rejoin_at: float | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.key_ttl_ms = int(config.get("inter.worker.key.ttl.ms"))
        self.signature_algorithm = str(config.get(SIGNATURE_ALGORITHM_CONFIG))
        self.verification_algorithms = [str(a) for a in config.get_list(VERIFICATION_ALGORITHMS_CONFIG)]
        check_algorithm_configs(self.signature_algorithm, self.verification_algorithms)
        eos = str(config.get("exactly.once.source.support") or "disabled").lower()
        self.exactly_once = eos == "enabled"
        self.fencing = ZombieFencer(self)
        self.leadership = LeaderDuties(self)
        if self.exactly_once:
            self.worker.exactly_once = self.fencing.hooks()

    def group_id(self) -> str | None:
        return str(self.config.get("group.id"))

    def sync_timeout_s(self) -> float:
        return int(self.config.get("worker.sync.timeout.ms")) / 1000

    async def validate_connector_config(self, config: Mapping[str, Any]) -> ConfigInfos:
        # As HerderCommon's, plus the exactly-once preflight checks of Java's DistributedHerder.
        return await asyncio.to_thread(
            validate_connector_config,
            self.plugins,
            config,
            self.transformer,
            self.group_id(),
            str(self.config.get("connector.client.config.override.policy")),
            self.exactly_once,
            self.config.originals,
        )

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.thread.start()

    async def stop(self) -> None:
        self.stopping.set()
        self.member.wakeup()
        await asyncio.to_thread(self.thread.join, 60)

    def is_ready(self) -> bool:
        """Ready once the internal topics were read and the worker joined the group (Java answers
        /health from its tick loop, which runs requests only while the member is active)."""
        return self.ready.is_set() and self.joined.is_set()

    def wakeup(self) -> None:
        self.member.wakeup()

    # The herder thread: read_internal_topics(), tick() until stopping, then halt(). Public so that
    # unit tests can drive a herder by hand, one tick at a time, without its thread.
    def _run(self) -> None:
        try:
            self.read_internal_topics()
            while not self.stopping.is_set():
                self.tick()
        except BaseException as e:
            self.failure = e
            log.error("Uncaught exception in herder work thread, exiting", exc_info=e)
        finally:
            self.halt()

    def read_internal_topics(self) -> None:
        with self.stages.stage("initializing and reading to the end of internal topics"):
            self.offset_store.start()
            self.status_store.start()
            self.config_store.start()
            self.snapshot = self.config_store.snapshot()
        self.ready.set()
        log.info("Herder started; joining group %s", self.group_id())

    def halt(self) -> None:
        self.stages.record("shutting down")
        try:
            self.work.close()
            self.leader_client.close()
            self.work.stop_all()
        finally:
            for closer in (
                self.member.stop,
                self.config_store.stop,
                self.status_store.stop,
                self.offset_store.stop,
            ):
                try:
                    closer()
                except Exception as e:
                    log.warning("Error while stopping the herder: %s", e)
            while not self.requests.empty():
                _, fut = self.requests.get_nowait()
                if not fut.done():
                    fut.set_exception(ServiceUnavailableException("The worker is shutting down."))

    def tick(self) -> None:
        if self.rejoin_at is not None and time.monotonic() >= self.rejoin_at:
            self.rejoin_at = None
            self.member.request_rejoin("scheduled rebalance delay expired")
        if self.member.rejoin_needed_or_pending():
            with self.stages.stage("ensuring membership in the cluster"):
                self.member.poll(0.1)
        else:
            with self.stages.stage("polling the group coordinator for up to 500ms or until interrupted"):
                self.member.poll(0.5)
        if self.stopping.is_set():
            return
        self._apply_config_events()
        if not self._member_active():
            # As Java's tick: requests and task reconfiguration wait for a stable membership.
            return
        self.leadership.claim_write_privileges()
        self.work.reconfigure_pending()
        self.leadership.rotate_session_key()
        self._run_requests()
        # As Java's tick, config updates read meanwhile (e.g. written by these requests) are acted
        # on right after the requests, so the rebalance they call for starts without delay.
        self._apply_config_events()

    # --- GroupListener (called on this thread from member.poll) -------------------------------
    def on_revoked(
        self, leader: str | None, connectors: Sequence[str], tasks: Sequence[ConnectorTaskId]
    ) -> None:
        log.info(
            "Rebalance started: stopping revoked connectors %s and tasks %s",
            list(connectors),
            [str(t) for t in tasks],
        )
        with self.stages.stage(f"stopping {len(connectors)} and {len(tasks)} tasks"):
            self.work.stop(list(connectors), list(tasks))
        log.info("Finished stopping tasks in preparation for rebalance")
        # As Java: every status update is in the status topic before the rebalance, so a stale
        # one cannot overwrite what the instances' next owners write.
        with self.stages.stage("flushing updates to the status topic"):
            self.status_store.flush()
        log.info("Finished flushing status backing store in preparation for rebalance")

    def on_poll_timeout_expiry(self) -> None:
        """Called on the membership client's IO thread when this herder's thread did not poll the
        group within ``rebalance.timeout.ms`` (the member then leaves the group, as Java's)."""
        log.warning(
            "worker poll timeout has expired. The last known action being performed by the worker is : %s "
            "and may contribute to the timeout. Please review the last action (if known) for any corrective "
            "actions. One of the ways of addressing this can be increasing the rebalance.timeout.ms "
            "configuration value. Please note that rebalance.timeout.ms also controls the maximum allowed "
            "time for each worker to join the group once a rebalance has begun so the set value should not "
            "be very high",
            self.stages.current_description or "not known",
        )

    def on_assigned(self, assignment: ExtendedAssignment, generation: int) -> None:
        self.generation = generation
        if assignment.failed:
            log.info("Leader reported a config mismatch; reading the config topic to its end and rejoining")
            self.refresh_snapshot()
            self.member.request_rejoin("config mismatch")
            return
        if assignment.offset > self.snapshot.offset:
            self.refresh_snapshot()
            if self.snapshot.offset < assignment.offset:
                self.member.request_rejoin("config snapshot behind the assignment")
                return
        log.info(
            "Joined group at generation %d as %s; assigned connectors %s and tasks %s (leader %s)",
            generation,
            "leader" if self.member.is_leader() else "follower",
            list(assignment.connectors),
            [str(t) for t in assignment.tasks],
            assignment.leader_url,
        )
        if self.member.is_leader():
            self.leadership.on_elected()
        with self.stages.stage("starting connector(s) and task(s) after a rebalance"):
            self.work.apply_assignment(assignment)
        self.joined.set()
        if assignment.revoked_connectors or assignment.revoked_tasks:
            self.member.request_rejoin("the assignment revoked work")
        if assignment.delay > 0:
            self.rejoin_at = time.monotonic() + assignment.delay / 1000

    # --- snapshot and config events --------------------------------------------------------
    def refresh_snapshot(self) -> None:
        with self.stages.stage("reading to the end of the config topic"):
            try:
                self.config_store.refresh(CONFIG_REFRESH_TIMEOUT_S)
            except Exception as e:
                log.warning("Failed to read the config topic to its end: %s", e)
            self.snapshot = self.config_store.snapshot()

    def read_config_to_end(self, timeout_s: float) -> ClusterConfigState:
        self.config_store.refresh(timeout_s)
        self.snapshot = self.config_store.snapshot()
        return self.snapshot

    def stored_config_offset(self) -> int:
        return self.config_store.snapshot().offset

    def config_view(self) -> ConfigView:
        """For the assignor (called on kafka-python's IO thread): cheap and immutable. A connector
        whose name the group protocol cannot carry is never assigned (see ``LeaderDuties.report_unassignable``)."""
        snap = self.config_store.snapshot()
        return ConfigView(
            snap.offset, {c: len(snap.tasks(c)) for c in snap.connectors() if fits_protocol_string(c)}
        )

    def _apply_config_events(self) -> None:
        updates, removals, task_updates, targets, restarts, rebalance_needed, session_key = (
            self.events.drain()
        )
        if not (
            updates or removals or task_updates or targets or restarts or rebalance_needed or session_key
        ):
            return
        previous = self.snapshot
        self.snapshot = self.config_store.snapshot()
        rejoin = (
            rebalance_needed
            or bool(removals)
            or bool(task_updates)
            or any(not previous.contains(c) for c in updates)
            or self._task_counts(previous) != self._task_counts(self.snapshot)
        )
        guarded = self.work.guarded
        for name, offset in updates.items():
            if previous.contains(name) and self.snapshot.contains(name):
                guarded(
                    name, "applying its new config", partial(self.work.connector_config_changed, name, offset)
                )
        for name in targets:
            guarded(name, "changing its target state", partial(self.work.target_state_changed, name))
        for name, offset in task_updates.items():
            guarded(
                name, "applying its new task configs", partial(self.work.task_configs_changed, name, offset)
            )
        for request in restarts:
            guarded(request.connector, "restarting", partial(self.work.restart, request))
        if updates and self.member.is_leader():
            self.leadership.report_unassignable()
        if rejoin:
            self.member.request_rejoin("connector or task configs changed")

    @staticmethod
    def _task_counts(snap: ClusterConfigState) -> dict[str, int]:
        return {c: len(snap.tasks(c)) for c in snap.connectors()}

    # --- request queue -------------------------------------------------------------------------
    def _member_active(self) -> bool:
        return not self.member.rejoin_needed_or_pending() and self.member.coordinator_reachable()

    def _run_requests(self) -> None:
        while self._member_active():
            try:
                fn, fut = self.requests.get_nowait()
            except queue.Empty:
                return
            if fut.cancelled():
                continue
            try:
                fut.set_result(fn())
            except PrivilegedWriteException as e:
                fut.set_exception(self._fenced_from_config_topic(e))
            except BaseException as e:
                fut.set_exception(e)

    async def _submit(self, fn: Callable[[], T]) -> T:
        if self.failure is not None:
            raise ServiceUnavailableException("The herder has stopped after an error: " + str(self.failure))
        return await asyncio.wrap_future(self.queue_request(fn))

    def queue_request(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        self.requests.put((fn, fut))
        self.member.wakeup()
        return fut

    async def health_check(self) -> None:
        if not self.is_ready():
            raise ServiceUnavailableException("Worker is still starting up.")
        await self._submit(lambda: None)

    # --- exactly-once: config-topic writes and zombie fencing ---------------------------------
    @staticmethod
    def _fenced_from_config_topic(e: Exception) -> ConnectException:
        log.warning(
            "Failed to write to config topic as leader; if still leader, write privileges for the config "
            "topic will be reclaimed",
            exc_info=e,
        )
        return ConnectException(
            "Failed to write to config topic; this may be due to a transient error and the request can be safely "
            "retried"
        )

    def _source_offsets_store(self, state: ConnectorState) -> tuple[OffsetBackingStore, Callable[[], None]]:
        """A connector with its own offsets topic: that topic in front of the worker's (as Java's offsets API)."""
        conn = self.transformer.transform(state.config)
        if not str(conn.get("offsets.storage.topic") or "").strip():
            return self.offset_store, lambda: None
        _, own = connector_offsets_topic_store(
            self.worker, conn, ConnectorTaskId(state.name, 0), exactly_once=self.exactly_once, read_only=False
        )
        if own is None:
            return self.offset_store, lambda: None
        store = ConnectorOffsetBackingStore(own, self.offset_store)
        store.start()
        return store, store.stop

    def record_task_count(self, name: str, count: int) -> None:
        try:
            self.config_store.put_task_count_record(name, count)
        except PrivilegedWriteException as e:
            raise self._fenced_from_config_topic(e) from e
        self.refresh_snapshot()

    def task_producer_props(
        self, connector_config: Mapping[str, str], task_id: ConnectorTaskId
    ) -> dict[str, Any]:
        return self.worker.producer_props(connector_config, task_id)

    async def fence_zombies(self, name: str, signature: Mapping[str, str] | None) -> None:
        self._verify_signature(signature)
        round_ = await self._submit(lambda: self.fencing.fence_async(name))
        await asyncio.wrap_future(round_)

    def _check_rebalance_needed(self) -> None:
        """Java's ``checkRebalanceNeeded``: a request that relies on the config snapshot or on the
        current assignment fails (409) when a config change read meanwhile calls for a rebalance."""
        if self.events.rebalance_needed:
            raise RebalanceNeededException("Request cannot be completed because a rebalance is expected")

    def _require_leader(self) -> None:
        if not self.member.is_leader():
            raise NotLeaderException(
                "Cannot complete request because this worker is not the leader", self.member.leader_url()
            )

    # --- reads from the snapshot -------------------------------------------------------------
    def _state(self, name: str, unknown: bool = False) -> ConnectorState:
        snap = self.snapshot
        cfg = snap.connector_config(name)
        if cfg is None:
            raise NotFoundException(
                f"Unknown connector: {name}" if unknown else f"Connector {name} not found"
            )
        return ConnectorState(
            name,
            {k: str(v) for k, v in cfg.items() if v is not None},
            snap.target_state(name) or TargetState.STARTED,
            [{k: str(v) for k, v in c.items() if v is not None} for c in snap.task_configs_of(name)],
        )

    def _names(self) -> list[str]:
        return self.snapshot.connectors()

    # --- what the helpers use (interfaces.HerderForWork / HerderForFencing) --------------------
    def connector_state(self, name: str) -> ConnectorState:
        return self._state(name)

    def report_connector_status(self, name: str, state: State, trace: str | None) -> None:
        self._connector_status(name, state, trace)

    def report_task_status(self, task_id: ConnectorTaskId, state: State, trace: str | None) -> None:
        self._task_status(task_id, state, trace)

    def assigned_tasks(self) -> set[ConnectorTaskId]:
        return self.work.assigned_tasks()

    def config_topic(self) -> str:
        return str(self.config.get("config.storage.topic"))

    def destroy_connector_statuses(self, name: str) -> None:
        self._destroy_statuses(name, 0)

    # --- writes --------------------------------------------------------------------------------
    async def put_connector_config(
        self,
        name: str,
        config: Mapping[str, str],
        allow_replace: bool,
        initial_state: TargetState | None = None,
        forward: bool | None = None,
    ) -> Created:
        await self.validate_or_raise(config)

        def write() -> Created:
            self._require_leader()
            exists = self.snapshot.contains(name)
            if exists and not allow_replace:
                raise AlreadyExistsException(f"Connector {name} already exists")
            with self.stages.stage(f"writing a config for connector {name} to the config topic"):
                self.config_store.put_connector_config(name, dict(config), None if exists else initial_state)
            self.refresh_snapshot()
            tasks = [ConnectorTaskId(name, i) for i in range(len(self.snapshot.tasks(name)))]
            return Created(not exists, ConnectorInfo(name, dict(config), tasks, self.connector_type(name)))

        return await self._submit(write)

    async def delete_connector(self, name: str, forward: bool | None = None) -> None:
        def delete() -> None:
            self._require_leader()
            if not self.snapshot.contains(name):
                raise NotFoundException(f"Connector {name} not found")
            with self.stages.stage(f"removing the config for connector {name} from the config topic"):
                self.config_store.remove_connector_config(name)
            self.refresh_snapshot()

        await self._submit(delete)

    async def pause_connector(self, name: str) -> None:
        await self._put_target(name, TargetState.PAUSED)

    async def resume_connector(self, name: str) -> None:
        await self._put_target(name, TargetState.STARTED)

    async def _put_target(self, name: str, target: TargetState) -> None:
        if not self.snapshot.contains(name):
            raise NotFoundException(f"Unknown connector {name}")
        await asyncio.to_thread(self.config_store.put_target_state, name, target)

    async def stop_connector(self, name: str, forward: bool | None = None) -> None:
        def stop() -> None:
            self._require_leader()
            if not self.snapshot.contains(name):
                raise NotFoundException(f"Unknown connector {name}")
            with self.stages.stage(
                f"writing the STOPPED target stage for connector {name} to the config topic"
            ):
                self.config_store.put_task_configs(name, [])
                self.config_store.put_target_state(name, TargetState.STOPPED)
            self.refresh_snapshot()

        await self._submit(stop)

    # --- restarts ----------------------------------------------------------------------------
    async def restart_connector(self, name: str, forward: bool | None = None) -> None:
        def restart() -> None:
            self._check_rebalance_needed()
            self._state(name, unknown=True)
            if name in self.work.assigned_connectors():
                with self.stages.stage(f"stopping restarted connector {name}"):
                    self.work.restart_connector_instance(name)
                return
            self._require_leader()
            raise NotAssignedException(
                f"Cannot complete request because connector {name} is not assigned to this worker",
                self.member.owner_url(name),
            )

        await self._submit(restart)

    async def restart_task(self, task_id: ConnectorTaskId, forward: bool | None = None) -> None:
        def restart() -> None:
            self._check_rebalance_needed()
            state = self._state(task_id.connector, unknown=True)
            if not 0 <= task_id.task < len(state.task_configs):
                raise NotFoundException(f"Unknown task: {task_id}")
            if task_id in self.work.assigned_tasks():
                with self.stages.stage(f"restarting task {task_id}"):
                    self.work.restart_task(task_id)
                return
            self._require_leader()
            raise NotAssignedException(
                f"Cannot complete request because task {task_id} is not assigned to this worker",
                self.member.owner_url(task_id),
            )

        await self._submit(restart)

    async def task_metrics(self, task_id: ConnectorTaskId, forward: bool | None = None) -> dict[str, Any]:
        """Answered by the worker running the task; others send the request on, as for a task
        restart: a follower to the leader, the leader to the task's owner (at most two hops)."""

        def read() -> dict[str, Any]:
            document = self._local_task_metrics(task_id)
            if document is not None:
                return document
            self._require_leader()
            raise NotAssignedException(
                f"Cannot complete request because task {task_id} is not assigned to this worker",
                self.member.owner_url(task_id),
            )

        return await self._submit(read)

    async def restart_connector_and_tasks(
        self, request: RestartRequest, forward: bool | None = None
    ) -> ConnectorStateInfo:
        def restart() -> ConnectorStateInfo:
            self._require_leader()
            self._check_rebalance_needed()
            self._state(request.connector, unknown=True)
            plan = self.build_restart_plan(request)
            with self.stages.stage(
                f"writing restart request for connector {request.connector} to the config topic"
            ):
                self.config_store.put_restart_request(request)
            return plan

        return await self._submit(restart)

    # --- offsets -------------------------------------------------------------------------------
    async def connector_offsets(self, name: str) -> ConnectorOffsets:
        state = self._state(name)
        return await asyncio.to_thread(self.offsets_blocking, state)

    def _stopped_state(self, name: str) -> ConnectorState:
        self._check_rebalance_needed()
        self._require_leader()
        self.refresh_snapshot()
        state = self._state(name)
        if state.target is not TargetState.STOPPED or state.task_configs:
            raise BadRequestException(offsets_admin.stopped_message(name))
        if self.exactly_once and self.connector_type(name) == "source":
            self.fencing.fence(name)  # as Java: a round of zombie fencing precedes an offsets change
        return state

    async def alter_connector_offsets(
        self, name: str, offsets: list[dict[str, Any]], forward: bool | None = None
    ) -> Message:
        def alter() -> Message:
            state = self._stopped_state(name)
            with self.stages.stage(f"modifying offsets for connector {name}"):
                return self.alter_offsets_blocking(state, offsets)

        return await self._submit(alter)

    async def reset_connector_offsets(self, name: str, forward: bool | None = None) -> Message:
        def reset() -> Message:
            state = self._stopped_state(name)
            with self.stages.stage(f"modifying offsets for connector {name}"):
                return self.reset_offsets_blocking(state)

        return await self._submit(reset)

    # --- internal endpoints ------------------------------------------------------------------
    async def put_task_configs(
        self, name: str, configs: list[dict[str, str]], signature: Mapping[str, str] | None
    ) -> None:
        self._verify_signature(signature)

        def write() -> None:
            self._require_leader()
            if not self.snapshot.contains(name):
                raise NotFoundException(f"Connector {name} not found")
            self.write_task_configs(name, configs)

        await self._submit(write)

    def _verify_signature(self, signature: Mapping[str, str] | None) -> None:
        if self.member.current_protocol_version < 2:
            return
        if signature is None:
            raise BadRequestException("Internal request missing required signature")
        algorithm = getattr(signature, "algorithm", None)
        if algorithm not in self.verification_algorithms:
            raise BadRequestException(
                unsupported_signature_message(str(algorithm), self.verification_algorithms)
            )
        key = self.snapshot.session_key
        if key is None:
            raise ServiceUnavailableException(
                "This worker is still starting up and has not been able to read a "
                "session key from the config topic yet"
            )
        is_valid = getattr(signature, "is_valid", None)
        if is_valid is None or not is_valid(key.key):
            raise ForbiddenException("Internal request contained invalid signature.")

    def write_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        """Leader only (herder thread): publish task configs for a connector."""
        if configs and self.snapshot.target_state(name) is TargetState.STOPPED:
            raise BadRequestException(
                f"Cannot submit non-empty set of task configs for stopped connector {name}"
            )
        with self.stages.stage(
            f"writing {len(configs)} task configs for connector {name} to the config topic"
        ):
            self.config_store.put_task_configs(name, configs)
        self.refresh_snapshot()

    async def set_cluster_logger_level(self, namespace: str, level: str) -> None:
        await asyncio.to_thread(self.config_store.put_logger_level, namespace, level)

    def request_task_reconfiguration(self, name: str) -> None:
        self.work.request_reconfiguration(name)
        self.member.wakeup()
