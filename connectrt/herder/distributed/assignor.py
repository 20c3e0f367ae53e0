"""The leader's assignors: eager round-robin (protocol ``default``) and incremental cooperative
(``compatible``/``sessioned``), with Java's ``EagerAssignor``/``IncrementalCooperativeAssignor``
semantics (KIP-415).

Both are pure: their inputs are the leader id, the members' :class:`WorkerState` (url, config
offset, current allocation), a :class:`ConfigView` of the leader's config snapshot, the
generation ids and a clock; the incremental assignor also keeps Java's memory between rounds
(previous assignment, pending delay, candidates, backoff). Members are processed in member-id
order, so the same inputs always give the same assignment.
"""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from connectrt.herder.distributed.assignment import (
    AssignmentResult,
    ClusterAssignment,
    ConfigView,
    ConnectorsAndTasks,
    LeaderState,
    WorkerLoad,
)
from connectrt.herder.distributed.protocol import (
    CONFIG_MISMATCH,
    CONNECT_PROTOCOL_V0,
    NO_ERROR,
    ConnectAssignment,
    ConnectProtocolCompatibility,
    ExtendedAssignment,
    WorkerState,
)
from connectrt.model.entities import ConnectorTaskId

__all__ = [
    "AssignmentResult",
    "ClusterAssignment",
    "ConfigView",
    "ConnectAssignor",
    "ConnectorsAndTasks",
    "EagerAssignor",
    "IncrementalCooperativeAssignor",
    "LeaderState",
    "WorkerLoad",
    "monotonic_ms",
]

log = logging.getLogger(__name__)

Clock = Callable[[], int]
T = TypeVar("T")


def monotonic_ms() -> int:
    return int(time.monotonic() * 1000)


class ConnectAssignor(ABC):
    @abstractmethod
    def perform_assignment(
        self,
        leader_id: str,
        protocol: ConnectProtocolCompatibility,
        members: Mapping[str, WorkerState],
        snapshot: ConfigView,
        *,
        generation: int,
        last_completed_generation: int,
        fresh_snapshot: Callable[[], ConfigView] | None = None,
    ) -> AssignmentResult:
        """Compute every member's assignment. ``fresh_snapshot`` lets a leader whose snapshot is
        behind the members' max config offset take a newer one before giving up."""

    @staticmethod
    def _leader_offset(
        max_offset: int, snapshot: ConfigView, fresh_snapshot: Callable[[], ConfigView] | None
    ) -> tuple[int | None, ConfigView]:
        """Java's ``ensureLeaderConfig``: the offset to assign with, or None when the leader is
        behind and cannot catch up (CONFIG_MISMATCH)."""
        if snapshot.offset >= max_offset:
            return max_offset, snapshot
        updated = fresh_snapshot() if fresh_snapshot is not None else snapshot
        if updated.offset < max_offset:
            log.info(
                "Was selected to perform assignments, but do not have latest config found in sync "
                "request. Returning an empty configuration to trigger re-sync."
            )
            return None, updated
        return updated.offset, updated

    @staticmethod
    def _leader_url(leader_id: str, members: Mapping[str, WorkerState]) -> str:
        if leader_id not in members:
            raise ValueError(f"Leader {leader_id} is not among the group members")
        return members[leader_id].url


class EagerAssignor(ConnectAssignor):
    """Round-robin over the sorted member ids: all connectors (sorted), then each connector's tasks."""

    def perform_assignment(
        self,
        leader_id: str,
        protocol: ConnectProtocolCompatibility,
        members: Mapping[str, WorkerState],
        snapshot: ConfigView,
        *,
        generation: int,
        last_completed_generation: int,
        fresh_snapshot: Callable[[], ConfigView] | None = None,
    ) -> AssignmentResult:
        leader_url = self._leader_url(leader_id, members)
        member_ids = sorted(members)
        max_offset = max(members[m].offset for m in member_ids)
        offset, snapshot = self._leader_offset(max_offset, snapshot, fresh_snapshot)
        if offset is None:
            mismatch = ConnectAssignment(CONFIG_MISMATCH, leader_id, leader_url, max_offset)
            return AssignmentResult({m: mismatch for m in member_ids}, CONNECT_PROTOCOL_V0, None, snapshot)
        connectors: dict[str, list[str]] = {}
        tasks: dict[str, list[ConnectorTaskId]] = {}
        index = 0
        sorted_connectors = snapshot.connectors()
        for connector in sorted_connectors:
            connectors.setdefault(member_ids[index % len(member_ids)], []).append(connector)
            index += 1
        for connector in sorted_connectors:
            for task in sorted(snapshot.tasks(connector)):
                tasks.setdefault(member_ids[index % len(member_ids)], []).append(task)
                index += 1
        assignments: dict[str, ConnectAssignment] = {
            m: ConnectAssignment(
                NO_ERROR,
                leader_id,
                leader_url,
                offset,
                tuple(connectors.get(m, ())),
                tuple(tasks.get(m, ())),
            )
            for m in member_ids
        }
        state = LeaderState.build(members, connectors, tasks)
        return AssignmentResult(assignments, CONNECT_PROTOCOL_V0, state, snapshot)


class IncrementalCooperativeAssignor(ConnectAssignor):
    """KIP-415 incremental cooperative assignment with delayed reassignment of lost work."""

    BACKOFF_MULTIPLIER = 40

    def __init__(self, max_delay_ms: int, clock: Clock = monotonic_ms) -> None:
        self.max_delay = max_delay_ms
        self.clock = clock
        self.previous_assignment = ConnectorsAndTasks()
        self.previous_revocation = ConnectorsAndTasks()
        self.revoked_in_previous = False
        self.candidate_workers_for_reassignment: dict[str, None] = {}
        self.scheduled_rebalance = 0
        self.delay = 0
        self.previous_generation_id = -1
        self.previous_members: set[str] = set()
        self.num_successive_revoking_rebalances = 0

    # -- entry point ---------------------------------------------------------------------------

    def perform_assignment(
        self,
        leader_id: str,
        protocol: ConnectProtocolCompatibility,
        members: Mapping[str, WorkerState],
        snapshot: ConfigView,
        *,
        generation: int,
        last_completed_generation: int,
        fresh_snapshot: Callable[[], ConfigView] | None = None,
    ) -> AssignmentResult:
        leader_url = self._leader_url(leader_id, members)
        member_ids = sorted(members)
        version = protocol.version
        max_offset = max(members[m].offset for m in member_ids)
        offset, snapshot = self._leader_offset(max_offset, snapshot, fresh_snapshot)
        if offset is None:
            mismatch = ExtendedAssignment(
                version=version,
                error=CONFIG_MISMATCH,
                leader=leader_id,
                leader_url=leader_url,
                offset=max_offset,
            )
            return AssignmentResult({m: mismatch for m in member_ids}, version, None, snapshot)
        member_assignments = {
            m: ConnectorsAndTasks.of(members[m].allocation.connectors, members[m].allocation.tasks)
            for m in member_ids
        }
        cluster = self.compute(snapshot, last_completed_generation, generation, member_assignments)
        assignments: dict[str, ConnectAssignment] = {
            m: ExtendedAssignment(
                version=version,
                error=NO_ERROR,
                leader=leader_id,
                leader_url=leader_url,
                offset=offset,
                connectors=tuple(cluster.newly_assigned_connectors.get(m, ())),
                tasks=tuple(cluster.newly_assigned_tasks.get(m, ())),
                revoked_connectors=tuple(cluster.newly_revoked_connectors.get(m, ())),
                revoked_tasks=tuple(cluster.newly_revoked_tasks.get(m, ())),
                delay=self.delay,
            )
            for m in member_ids
        }
        state = LeaderState.build(members, cluster.all_assigned_connectors, cluster.all_assigned_tasks)
        return AssignmentResult(assignments, version, state, snapshot)

    # -- one round -----------------------------------------------------------------------------

    def compute(
        self,
        config: ConfigView,
        last_completed_generation: int,
        current_generation: int,
        member_assignments: Mapping[str, ConnectorsAndTasks],
    ) -> ClusterAssignment:
        """One round of Java's ``performTaskAssignment``; members are processed in the order given."""
        members = {w: ConnectorsAndTasks.of(a.connectors, a.tasks) for w, a in member_assignments.items()}
        if self.previous_generation_id != last_completed_generation:
            log.debug(
                "Clearing the view of previous assignments due to generation mismatch between previous "
                "generation ID %s and last completed generation ID %s",
                self.previous_generation_id,
                last_completed_generation,
            )
            self.previous_assignment = ConnectorsAndTasks()

        configured_connectors = config.connectors()
        configured = ConnectorsAndTasks.of(
            configured_connectors, [t for c in configured_connectors for t in config.tasks(c)]
        )
        active = ConnectorsAndTasks.of(
            [c for a in members.values() for c in a.connectors],
            [t for a in members.values() for t in a.tasks],
        )

        # A revocation from the previous round that did not take effect: start from what runs.
        if not self.previous_revocation.is_empty():
            active_c, active_t = set(active.connectors), set(active.tasks)
            if any(c in active_c for c in self.previous_revocation.connectors) or any(
                t in active_t for t in self.previous_revocation.tasks
            ):
                self.previous_assignment = active.copy()
            self.previous_revocation = ConnectorsAndTasks()

        previous = self.previous_assignment
        deleted = _diff(previous, configured)
        duplicated = _duplicated(members)
        lost = _diff(previous, active, deleted)
        created = _diff(configured, previous, active)
        log.debug("Deleted %s, lost %s, created %s, duplicated %s", deleted, lost, created, duplicated)

        current = _worker_loads(members, exclude=deleted)
        to_revoke: dict[str, ConnectorsAndTasks] = {}
        deleted_to_revoke = _intersection(deleted, members)
        duplicated_to_revoke = _intersection(duplicated, members)
        _add_all(to_revoke, deleted_to_revoke)
        _add_all(to_revoke, duplicated_to_revoke)

        nxt = _worker_loads(members)
        _remove_all(nxt, deleted_to_revoke)
        _remove_all(nxt, duplicated_to_revoke)

        lost_to_reassign = ConnectorsAndTasks()
        self.handle_lost_assignments(lost, lost_to_reassign, nxt)

        if self.delay == 0:
            balancing = self._load_balancing_revocations(configured, nxt)
            if self.revoked_in_previous and balancing:
                self.num_successive_revoking_rebalances += 1
                self.delay = self._backoff(self.num_successive_revoking_rebalances)
                if self.delay != 0:
                    self.scheduled_rebalance = self.clock() + self.delay
                    log.debug(
                        "Skipping revocations in this round; next scheduled rebalance in %d ms", self.delay
                    )
                else:
                    _add_all(to_revoke, balancing)
                    _remove_all(nxt, balancing)
            elif balancing:
                _add_all(to_revoke, balancing)
                _remove_all(nxt, balancing)
                self.revoked_in_previous = True
            elif self.revoked_in_previous:
                self.revoked_in_previous = False
                self.num_successive_revoking_rebalances = 0
        else:
            log.debug("Delayed rebalance is active; delaying %d ms before revoking", self.delay)
            self.revoked_in_previous = False

        to_assign = ConnectorsAndTasks.of(created.connectors, created.tasks)
        to_assign.add_all(lost_to_reassign)
        self.assign_connectors(nxt, to_assign.connectors)
        self.assign_tasks(nxt, to_assign.tasks)

        next_connectors = {w.worker: list(w.connectors) for w in nxt}
        next_tasks = {w.worker: list(w.tasks) for w in nxt}
        current_connectors = {w.worker: w.connectors for w in current}
        current_tasks = {w.worker: w.tasks for w in current}
        revoked_connectors = {w: r.connectors for w, r in to_revoke.items()}
        revoked_tasks = {w: r.tasks for w, r in to_revoke.items()}

        self.previous_assignment = self._compute_previous(to_revoke, next_connectors, next_tasks, lost)
        self.previous_generation_id = current_generation
        self.previous_members = set(members)

        return ClusterAssignment(
            newly_assigned_connectors=_diff_map(next_connectors, current_connectors),
            newly_assigned_tasks=_diff_map(next_tasks, current_tasks),
            newly_revoked_connectors=revoked_connectors,
            newly_revoked_tasks=revoked_tasks,
            all_assigned_connectors=_diff_map(next_connectors, revoked_connectors),
            all_assigned_tasks=_diff_map(next_tasks, revoked_tasks),
        )

    def _compute_previous(
        self,
        revoked: Mapping[str, ConnectorsAndTasks],
        connectors: Mapping[str, list[str]],
        tasks: Mapping[str, list[ConnectorTaskId]],
        lost: ConnectorsAndTasks,
    ) -> ConnectorsAndTasks:
        revoked_c = {c for r in revoked.values() for c in r.connectors}
        revoked_t = {t for r in revoked.values() for t in r.tasks}
        previous = ConnectorsAndTasks.of(
            [c for cs in connectors.values() for c in cs if c not in revoked_c],
            [t for ts in tasks.values() for t in ts if t not in revoked_t],
        )
        for r in revoked.values():
            self.previous_revocation.add_all(r)
        previous.add_all(lost)
        return previous

    def _backoff(self, attempts: int) -> int:
        """Kafka's ``ExponentialBackoff(max_delay == 0 ? 0 : 1, 40, max_delay, 0).backoff(attempts)``."""
        initial = min(self.max_delay, 0 if self.max_delay == 0 else 1)
        if self.max_delay <= initial:
            return initial
        exp_max = math.log(self.max_delay / max(initial, 1)) / math.log(self.BACKOFF_MULTIPLIER)
        term = initial * math.pow(self.BACKOFF_MULTIPLIER, min(attempts, exp_max))
        return min(int(term), self.max_delay)

    # -- lost work -----------------------------------------------------------------------------

    def handle_lost_assignments(
        self,
        lost: ConnectorsAndTasks,
        lost_to_reassign: ConnectorsAndTasks,
        complete_worker_assignment: list[WorkerLoad],
    ) -> None:
        """Hold lost work back for ``scheduled.rebalance.max.delay.ms``; on expiry give it to the
        workers that were empty meanwhile (candidates), round-robin, or treat it as new work."""
        if lost.is_empty() and not self.revoked_in_previous:
            self._reset_delay()
            return
        now = self.clock()
        active_members = {w.worker for w in complete_worker_assignment}
        if self.scheduled_rebalance <= 0 and active_members >= self.previous_members:
            log.debug("No worker seems to have departed the group; reassigning missing work as new work")
            lost_to_reassign.add_all(lost)
            return
        if self.max_delay == 0:
            log.debug("scheduled.rebalance.max.delay.ms is 0; reassigning all lost work immediately")
            lost_to_reassign.add_all(lost)
            return

        if self.scheduled_rebalance > 0 and now >= self.scheduled_rebalance:
            by_worker = {w.worker: w for w in complete_worker_assignment}
            candidates = [by_worker[c] for c in self.candidate_workers_for_reassignment if c in by_worker]
            if candidates:
                log.debug("Assigning lost work to candidate workers %s", [c.worker for c in candidates])
                for i, connector in enumerate(lost.connectors):
                    candidates[i % len(candidates)].assign_connector(connector)
                for i, task in enumerate(lost.tasks):
                    candidates[i % len(candidates)].assign_task(task)
            else:
                log.debug("No candidate worker for lost work; treating it as new work")
                lost_to_reassign.add_all(lost)
            self._reset_delay()
            self.revoked_in_previous = False
        else:
            for w in complete_worker_assignment:
                if w.is_empty():
                    self.candidate_workers_for_reassignment[w.worker] = None
            if now < self.scheduled_rebalance:
                diff = self.scheduled_rebalance - now
                self.delay = min(diff, self.max_delay) if diff > 0 else 0
            else:
                self.delay = self.max_delay
            self.scheduled_rebalance = now + self.delay
            log.debug("Delayed rebalance in progress; lost work held back for %d ms", self.delay)

    def _reset_delay(self) -> None:
        self.candidate_workers_for_reassignment.clear()
        self.scheduled_rebalance = 0
        self.delay = 0

    # -- load balancing ------------------------------------------------------------------------

    def _load_balancing_revocations(
        self, configured: ConnectorsAndTasks, workers: list[WorkerLoad]
    ) -> dict[str, ConnectorsAndTasks]:
        if all(w.is_empty() for w in workers) or configured.is_empty():
            return {}
        result: dict[str, ConnectorsAndTasks] = {}
        for worker, revoked_c in _balance(
            len(configured.connectors), workers, lambda w: w.connectors
        ).items():
            result.setdefault(worker, ConnectorsAndTasks()).connectors.extend(revoked_c)
        for worker, revoked_t in _balance(len(configured.tasks), workers, lambda w: w.tasks).items():
            result.setdefault(worker, ConnectorsAndTasks()).tasks.extend(revoked_t)
        return result

    @staticmethod
    def assign_connectors(workers: list[WorkerLoad], connectors: Sequence[str]) -> None:
        """Fill-up order: sort by (connector count, id) and top up the least loaded first."""
        workers.sort(key=lambda w: (len(w.connectors), w.worker))
        _fill(workers, connectors, lambda w: len(w.connectors), WorkerLoad.assign_connector)

    @staticmethod
    def assign_tasks(workers: list[WorkerLoad], tasks: Sequence[ConnectorTaskId]) -> None:
        workers.sort(key=lambda w: (len(w.tasks), w.worker))
        _fill(workers, tasks, lambda w: len(w.tasks), WorkerLoad.assign_task)


# ---------------------------------------------------------------------------------------------
# Helpers


def _fill(
    workers: list[WorkerLoad],
    items: Sequence[T],
    size: Callable[[WorkerLoad], int],
    assign: Callable[[WorkerLoad, T], None],
) -> None:
    if not workers or not items:
        return
    first = workers[0]
    index = 0
    while index < len(items):
        first_load = size(first)
        up_to = next((i for i, w in enumerate(workers) if size(w) > first_load), len(workers))
        for w in workers[:up_to]:
            assign(w, items[index])
            index += 1
            if index >= len(items):
                break


def _balance(
    total: int, workers: list[WorkerLoad], allocation: Callable[[WorkerLoad], list[T]]
) -> dict[str, list[T]]:
    """Revocations bringing each worker down to floor(total/workers) or, for total % workers of
    them, one more; taken from the front of each worker's allocation."""
    n = len(workers)
    minimum, extra = divmod(total, n)
    sizes = [len(allocation(w)) for w in workers]
    at_minimum = sum(1 for s in sizes if s == minimum)
    at_extra = sum(1 for s in sizes if s == minimum + 1)
    if at_extra == extra and at_minimum + at_extra == n:
        return {}
    result: dict[str, list[T]] = {}
    allocated_extras = 0
    for w, current in zip(workers, sizes, strict=True):
        if current <= minimum:
            continue
        if allocated_extras < extra:
            allocated_extras += 1
            if current == minimum + 1:
                continue
            limit = minimum + 1
        else:
            limit = minimum
        result[w.worker] = list(allocation(w)[: current - limit])
    return result


def _diff(base: ConnectorsAndTasks, *subtract: ConnectorsAndTasks) -> ConnectorsAndTasks:
    """Sorted set difference (Java builds these from TreeSets)."""
    connectors = set(base.connectors)
    tasks = set(base.tasks)
    for s in subtract:
        connectors.difference_update(s.connectors)
        tasks.difference_update(s.tasks)
    return ConnectorsAndTasks(sorted(connectors), sorted(tasks))


def _diff_map(base: Mapping[str, list[T]], subtract: Mapping[str, list[T]]) -> dict[str, list[T]]:
    result: dict[str, list[T]] = {}
    for worker, values in base.items():
        gone = set(subtract.get(worker, ()))
        result[worker] = [v for v in values if v not in gone]
    return result


def _duplicated(members: Mapping[str, ConnectorsAndTasks]) -> ConnectorsAndTasks:
    connector_counts: dict[str, int] = {}
    task_counts: dict[ConnectorTaskId, int] = {}
    for a in members.values():
        for c in a.connectors:
            connector_counts[c] = connector_counts.get(c, 0) + 1
        for t in a.tasks:
            task_counts[t] = task_counts.get(t, 0) + 1
    return ConnectorsAndTasks(
        [c for c, n in connector_counts.items() if n > 1], [t for t, n in task_counts.items() if n > 1]
    )


def _intersection(
    which: ConnectorsAndTasks, members: Mapping[str, ConnectorsAndTasks]
) -> dict[str, ConnectorsAndTasks]:
    connectors, tasks = set(which.connectors), set(which.tasks)
    return {
        w: ConnectorsAndTasks(
            [c for c in a.connectors if c in connectors], [t for t in a.tasks if t in tasks]
        )
        for w, a in members.items()
    }


def _worker_loads(
    members: Mapping[str, ConnectorsAndTasks], exclude: ConnectorsAndTasks | None = None
) -> list[WorkerLoad]:
    skip_c = set(exclude.connectors) if exclude else set()
    skip_t = set(exclude.tasks) if exclude else set()
    return [
        WorkerLoad(w, [c for c in a.connectors if c not in skip_c], [t for t in a.tasks if t not in skip_t])
        for w, a in members.items()
    ]


def _add_all(base: dict[str, ConnectorsAndTasks], add: Mapping[str, ConnectorsAndTasks]) -> None:
    for worker, a in add.items():
        base.setdefault(worker, ConnectorsAndTasks()).add_all(a)


def _remove_all(loads: list[WorkerLoad], remove: Mapping[str, ConnectorsAndTasks]) -> None:
    for load in loads:
        r = remove.get(load.worker)
        if r is None:
            continue
        gone_c, gone_t = set(r.connectors), set(r.tasks)
        load.connectors[:] = [c for c in load.connectors if c not in gone_c]
        load.tasks[:] = [t for t in load.tasks if t not in gone_t]
