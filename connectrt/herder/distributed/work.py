"""The connectors and tasks one distributed worker runs: starting what the group assigns, stopping
what it revokes, reacting to config changes, restarts, and publishing task configs (Java's
DistributedHerder work-management half). Every method runs on the herder thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import orjson

from connectrt.api.connector import ConnectException
from connectrt.herder.common import same_task_configs, too_many_tasks_message
from connectrt.herder.distributed.interfaces import HerderForWork
from connectrt.herder.distributed.protocol import ExtendedAssignment
from connectrt.herder.signature import signature_headers
from connectrt.herder.task_configs import reverse_transform
from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import RestartRequest, TargetState
from connectrt.runtime.errors import format_trace
from connectrt.storage.status import State

log = logging.getLogger(__name__)

RECONFIGURE_BACKOFF_S = 0.25
FORWARD_TIMEOUT_S = 30.0


class WorkManager:
    def __init__(self, herder: HerderForWork) -> None:
        self.herder = herder
        self.worker = herder.worker
        self.connectors: set[str] = set()
        self.tasks: set[ConnectorTaskId] = set()
        self._lock = threading.Lock()
        self._needs_reconfig: set[str] = set()
        # connector -> offset of the config snapshot its running instance was started from
        self._started_at: dict[str, int] = {}
        self._task_started_at: dict[ConnectorTaskId, int] = {}
        self._forwarding: set[str] = set()
        self._forwarder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-config-forwarder")
        self._retry_at = 0.0

    def assigned_connectors(self) -> set[str]:
        return set(self.connectors)

    def assigned_tasks(self) -> set[ConnectorTaskId]:
        return set(self.tasks)

    def reconfiguration_pending(self) -> bool:
        """Whether task configs of a connector running here wait to be generated or to reach the leader."""
        with self._lock:
            return bool(self._needs_reconfig or self._forwarding)

    # --- rebalances ----------------------------------------------------------------------------
    def apply_assignment(self, assignment: ExtendedAssignment) -> None:
        want_connectors = set(assignment.connectors)
        want_tasks = set(assignment.tasks)
        stale_tasks = [t for t in self.tasks if t not in want_tasks]
        stale_connectors = [c for c in self.connectors if c not in want_connectors]
        if stale_tasks or stale_connectors:
            self.stop(stale_connectors, stale_tasks)
        for name in sorted(want_connectors - self.connectors):
            self.guarded(name, "starting the connector", partial(self.start_connector, name))
        for task_id in sorted(want_tasks - self.tasks):
            self.guarded(task_id, "starting the task", partial(self.start_task, task_id))

    def guarded(self, target: str | ConnectorTaskId, what: str, action: Callable[[], None]) -> None:
        """Run one connector's or task's step; if its config makes it fail, that connector or task is
        FAILED, never the herder thread (a bad record in the config topic must not stop the worker)."""
        try:
            action()
        except Exception as e:
            log.error("[%s] Failed %s", target, what, exc_info=e)
            if isinstance(target, ConnectorTaskId):
                self.herder.report_task_status(target, State.FAILED, format_trace(e))
            else:
                self.herder.report_connector_status(target, State.FAILED, format_trace(e))

    def start_connector(self, name: str) -> None:
        snap = self.herder.snapshot
        if not snap.contains(name):
            return
        state = self.herder.connector_state(name)
        self.connectors.add(name)
        self._started_at[name] = snap.offset
        ok = self.worker.start_connector(name, state.config, state.target)
        if ok and state.target is TargetState.STARTED:
            self.request_reconfiguration(name)

    def start_task(self, task_id: ConnectorTaskId) -> None:
        snap = self.herder.snapshot
        if not snap.contains(task_id.connector):
            return
        state = self.herder.connector_state(task_id.connector)
        if not 0 <= task_id.task < len(state.task_configs):
            log.info("Not starting task %s: its config is not in the config snapshot", task_id)
            return
        self.tasks.add(task_id)
        self._task_started_at[task_id] = snap.offset
        too_many = self._too_many_tasks(task_id.connector, state.config, len(state.task_configs))
        if too_many is not None:
            # Java's Worker.startTask: a stored task set larger than tasks.max (written before
            # KIP-1004, or by hand) fails each task instead of starting it.
            log.error("Failed to start task %s: %s", task_id, too_many)
            self.herder.report_task_status(task_id, State.FAILED, format_trace(ConnectException(too_many)))
            return
        self.worker.start_task(task_id, state.config, state.task_configs[task_id.task], state.target)

    @staticmethod
    def _too_many_tasks(name: str, config: dict[str, str], num_tasks: int) -> str | None:
        try:
            max_tasks = int(config.get("tasks.max", 1))
        except ValueError:
            return None
        if num_tasks <= max_tasks:
            return None
        if str(config.get("tasks.max.enforce", "true")).strip().lower() == "false":
            log.warning(
                "The connector %s has %d tasks, more than its tasks.max %d; tasks.max.enforce is false, "
                "so they run anyway",
                name,
                num_tasks,
                max_tasks,
            )
            return None
        return too_many_tasks_message(name, num_tasks, max_tasks)

    def stop(self, connectors: list[str], tasks: list[ConnectorTaskId]) -> None:
        running = [t for t in tasks if t in self.tasks]
        self.worker.stop_and_await_tasks(running)
        for t in tasks:
            self.tasks.discard(t)
            self._task_started_at.pop(t, None)
        for name in connectors:
            if name in self.connectors:
                self.worker.stop_connector(name)
                self.connectors.discard(name)
                self._started_at.pop(name, None)

    def stop_all(self) -> None:
        self.stop(sorted(self.connectors), sorted(self.tasks))

    # --- config changes ------------------------------------------------------------------------
    def connector_config_changed(self, name: str, offset: int) -> None:
        """A config record for ``name`` was read; ``offset`` is the config-topic offset just past it.

        An instance started from a snapshot that already held that record (the rebalance that
        assigned a new connector read the topic to its end first) runs that config already: a
        restart would only stop and start it once more.
        """
        if name in self.connectors and self._started_at.get(name, -1) < offset:
            log.info("Connector %s config updated; restarting it", name)
            self.restart_connector_instance(name)

    def target_state_changed(self, name: str) -> None:
        if not self.herder.snapshot.contains(name):
            return
        target = self.herder.snapshot.target_state(name) or TargetState.STARTED
        if name in self.connectors:
            self.worker.set_connector_target_state(name, target)
            if target is TargetState.STARTED:
                self.request_reconfiguration(name)
        self.worker.set_task_target_state(name, target)

    def task_configs_changed(self, name: str, offset: int) -> None:
        """Tasks of ``name`` running here stop; the rebalance that follows starts the new ones.

        ``offset`` is the config-topic offset just past the commit record. A task started from a
        snapshot that already held it (assigned by a rebalance that read the topic to its end
        first) runs the new config already and keeps running.
        """
        local = [t for t in self.tasks if t.connector == name and self._task_started_at.get(t, -1) < offset]
        if local:
            log.info("Task configs of %s changed; stopping its local tasks %s", name, [str(t) for t in local])
            self.stop([], local)

    # --- restarts ------------------------------------------------------------------------------
    def restart_connector_instance(self, name: str) -> None:
        self.herder.report_connector_status(name, State.RESTARTING, None)
        self.worker.stop_connector(name)
        self.connectors.discard(name)
        self.start_connector(name)

    def restart_task(self, task_id: ConnectorTaskId) -> None:
        self.worker.stop_and_await_tasks([task_id])
        self.tasks.discard(task_id)
        self.herder.report_task_status(task_id, State.RESTARTING, None)
        self.start_task(task_id)

    def restart(self, request: RestartRequest) -> None:
        """Apply a restart request read from the config topic to what runs on this worker."""
        try:
            status = self.herder.connector_status(request.connector)
        except Exception:
            return
        if request.connector in self.connectors and request.should_restart_connector(status.connector.state):
            self.restart_connector_instance(request.connector)
        for t in status.tasks:
            task_id = ConnectorTaskId(request.connector, t.id)
            if task_id in self.tasks and request.should_restart_task(t.state):
                self.restart_task(task_id)

    # --- task configs --------------------------------------------------------------------------
    def request_reconfiguration(self, name: str) -> None:
        with self._lock:
            self._needs_reconfig.add(name)

    def reconfigure_pending(self) -> None:
        if time.monotonic() < self._retry_at:
            return
        with self._lock:
            # A connector whose configs are on their way to the leader waits for that to finish.
            pending = self._needs_reconfig - self._forwarding
            self._needs_reconfig -= pending
        failed: set[str] = set()
        for name in sorted(pending):
            try:
                self._reconfigure(name)
            except Exception as e:
                log.warning("Failed to reconfigure the tasks of connector %s (will retry): %s", name, e)
                failed.add(name)
        if failed:
            with self._lock:
                self._needs_reconfig |= failed
            self._retry_at = time.monotonic() + RECONFIGURE_BACKOFF_S

    def _reconfigure(self, name: str) -> None:
        herder = self.herder
        snap = herder.snapshot
        if name not in self.connectors or not snap.contains(name) or not self.worker.is_running(name):
            return
        if (snap.target_state(name) or TargetState.STARTED) is not TargetState.STARTED:
            return
        state = herder.connector_state(name)
        try:
            max_tasks = int(state.config.get("tasks.max", 1))
            configs = reverse_transform(state.config, self.worker.connector_task_configs(name, max_tasks))
        except Exception as e:
            herder.report_connector_status(name, State.FAILED, format_trace(e))
            return
        enforce = str(state.config.get("tasks.max.enforce", "true")).lower() != "false"
        if enforce and len(configs) > max_tasks:
            msg = too_many_tasks_message(name, len(configs), max_tasks)
            self.worker.stop_connector(name)
            herder.report_connector_status(name, State.FAILED, msg)
            return
        applied = snap.applied_connector_config(name)
        current = {k: str(v) for k, v in (applied or {}).items() if v is not None}
        java_named = self.worker.task_class_has_java_name(name)
        if same_task_configs(configs, state.task_configs, java_named) and current == state.config:
            return
        if herder.member.is_leader():
            herder.write_task_configs(name, configs)
        else:
            self._forward_task_configs(name, configs)

    def _forward_task_configs(self, name: str, configs: list[dict[str, str]]) -> None:
        """Send the task configs to the leader from the forwarding thread, as Java does: the leader
        may be waiting for this worker to rejoin a rebalance before it runs the write, so blocking
        the herder thread on the request would stall the whole group until the request times out.
        A failure puts the connector back in the queue (retried after a backoff)."""
        herder = self.herder
        leader = herder.member.leader_url()
        if not leader:
            raise RuntimeError("no known leader")
        body = orjson.dumps(configs)
        headers = {"Content-Type": "application/json", "User-Agent": "kafka-connect"}
        key = herder.snapshot.session_key
        if herder.member.current_protocol_version >= 2:
            if key is None:
                raise RuntimeError("no session key yet")
            headers.update(signature_headers(key.key, body, herder.signature_algorithm))
        url = leader.rstrip("/") + f"/connectors/{name}/tasks"
        with self._lock:
            self._forwarding.add(name)

        def send() -> None:
            try:
                r = herder.leader_client.send("POST", url, body, headers, FORWARD_TIMEOUT_S)
                if r.status_code >= 400:
                    raise RuntimeError(f"leader answered {r.status_code}: {r.text}")
            except Exception as e:
                log.warning(
                    "Failed to send the task configs of connector %s to the leader (will retry): %s", name, e
                )
                self._retry_at = time.monotonic() + RECONFIGURE_BACKOFF_S
                with self._lock:
                    self._needs_reconfig.add(name)
            finally:
                with self._lock:
                    self._forwarding.discard(name)
                herder.wakeup()

        try:
            self._forwarder.submit(send)
        except RuntimeError:  # shut down: the worker is stopping
            with self._lock:
                self._forwarding.discard(name)

    def close(self) -> None:
        self._forwarder.shutdown(wait=False, cancel_futures=True)
