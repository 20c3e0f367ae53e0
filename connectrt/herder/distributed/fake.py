"""An in-memory worker group for unit tests of the herder: :class:`InMemoryGroup` plays the broker's
group coordinator, :class:`FakeGroupMember` is a :class:`GroupMember` on top of it.

Rebalances are synchronous: the member whose :meth:`FakeGroupMember.poll` finds a rebalance
needed runs a whole round for every member (metadata, protocol vote, leader assignment with the
real assignors and codecs, SyncGroup). Each member's listener callbacks are queued and delivered
on that member's next ``poll``, on the calling thread, in the same order as the Kafka member
(revocations first). ``poll`` never sleeps.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectrt.herder.distributed.assignor import monotonic_ms
from connectrt.herder.distributed.coordinator import (
    ConfigSnapshotProvider,
    GroupListener,
    GroupMember,
    GroupMemberConfig,
    GroupMemberError,
)
from connectrt.herder.distributed.protocol import ExtendedAssignment
from connectrt.model.entities import ConnectorTaskId

log = logging.getLogger(__name__)


class InMemoryGroup:
    """The broker side of one group: membership, generation, protocol choice, leader."""

    def __init__(self, group_id: str = "connect-cluster") -> None:
        self.group_id = group_id
        self.generation = 0
        self.protocol: str | None = None
        self.leader_id: str | None = None
        self.rebalances = 0
        self.last_assignments: dict[str, bytes] = {}
        self._members: dict[str, FakeGroupMember] = {}
        self._ids = itertools.count(1)

    @property
    def member_ids(self) -> list[str]:
        """Members in join order."""
        return list(self._members)

    def join(self, member: FakeGroupMember) -> str:
        member_id = f"{member.config.rest_url}-{next(self._ids)}"
        self._members[member_id] = member
        self._everyone_rejoins()
        return member_id

    def leave(self, member_id: str) -> None:
        """A member left (LeaveGroup) or its session expired: the others must rejoin."""
        if self._members.pop(member_id, None) is None:
            return
        if self.leader_id == member_id:
            self.leader_id = None
        self._everyone_rejoins()

    def expire(self, member: FakeGroupMember) -> None:
        """Simulate a member whose session timed out (a crash): it is dropped silently."""
        self.leave(member._member_id)
        member._member_id = ""
        member._needs_join = True

    def _everyone_rejoins(self) -> None:
        for m in self._members.values():
            m._needs_join = True

    def select_protocol(self, offered: dict[str, list[str]]) -> str:
        """The broker's choice: among protocols every member supports, each member votes for its
        most preferred one; most votes wins (ties go to the first member's preference)."""
        ids = list(offered)
        common = [p for p in offered[ids[0]] if all(p in offered[m] for m in ids[1:])]
        if not common:
            raise GroupMemberError(f"Inconsistent group protocol in group {self.group_id}: {offered}")
        votes = {p: 0 for p in common}
        for m in ids:
            votes[next(p for p in offered[m] if p in votes)] += 1
        best = max(votes.values())
        return next(p for p in common if votes[p] == best)

    def rebalance(self) -> None:
        """One JoinGroup/SyncGroup round for every current member."""
        members = dict(self._members)
        if not members:
            return
        for m in members.values():
            m._begin_rebalance()
            m._prepare_join()
        protocols = {mid: dict(m.metadata()) for mid, m in members.items()}
        protocol = self.select_protocol({mid: list(p) for mid, p in protocols.items()})
        if self.leader_id not in members:
            self.leader_id = next(iter(members))
        self.generation += 1
        self.protocol = protocol
        self.rebalances += 1
        for m in members.values():
            m._generation = self.generation
        leader = members[self.leader_id]
        metadata = {mid: protocols[mid][protocol] for mid in members}
        assignments = leader.perform_assignment(self.leader_id, protocol, metadata)
        self.last_assignments = dict(assignments)
        for mid, m in members.items():
            m._needs_join = False
            m._complete_join(self.generation, mid, protocol, assignments[mid])


class FakeGroupMember(GroupMember):
    """A :class:`GroupMember` in an :class:`InMemoryGroup` (no threads, no network)."""

    def __init__(
        self,
        group: InMemoryGroup,
        config: GroupMemberConfig,
        *,
        config_snapshot: ConfigSnapshotProvider,
        listener: GroupListener,
        clock: Callable[[], int] = monotonic_ms,
    ) -> None:
        super().__init__(config, config_snapshot=config_snapshot, listener=listener, clock=clock)
        self.group = group
        self._member_id = ""
        self._generation = -1
        self._needs_join = True
        self._stopped = False
        self.woken = False
        self.polls = 0

    @property
    def member_id(self) -> str:
        return "" if self._needs_join else self._member_id

    @property
    def generation(self) -> int:
        return self._generation

    def _client_rejoin_needed(self) -> bool:
        return self._needs_join

    def _signal_rejoin(self) -> None:
        pass

    def poll(self, timeout_s: float) -> None:
        if self._stopped:
            raise GroupMemberError("The group member was stopped")
        self.polls += 1
        if self.rejoin_needed_or_pending():
            if not self._member_id:
                self._member_id = self.group.join(self)
            self._prepare_join()
            self._deliver_pending()
            self.group.rebalance()
        self._deliver_pending()
        self.woken = False

    def wakeup(self) -> None:
        self.woken = True

    def leave(self, reason: str = "") -> None:
        if self._member_id:
            log.info("Leaving group %s: %s", self.group.group_id, reason)
            self.group.leave(self._member_id)
        self._member_id = ""
        self._generation = -1
        self._needs_join = True

    def stop(self) -> None:
        if not self._stopped:
            self.leave("stopped")
            self._stopped = True


@dataclass(frozen=True)
class GroupEvent:
    kind: str  # "assigned" | "revoked"
    generation: int
    connectors: tuple[str, ...]
    tasks: tuple[ConnectorTaskId, ...]
    assignment: ExtendedAssignment | None = None


class RecordingListener(GroupListener):
    """A listener that behaves like the herder's bookkeeping: it tracks what runs, records every
    callback, and (like Java's herder) requests another rejoin after an assignment that revoked
    something, so cooperative load balancing completes its second round."""

    def __init__(self, rejoin_on_revocation: bool = True) -> None:
        self.member: GroupMember | None = None
        self.rejoin_on_revocation = rejoin_on_revocation
        self.events: list[GroupEvent] = []
        self.running_connectors: set[str] = set()
        self.running_tasks: set[ConnectorTaskId] = set()
        self.last_assignment: ExtendedAssignment | None = None
        self.last_generation = -1
        self._lock = threading.Lock()

    def on_revoked(
        self, leader: str | None, connectors: Sequence[str], tasks: Sequence[ConnectorTaskId]
    ) -> None:
        with self._lock:
            self.running_connectors.difference_update(connectors)
            self.running_tasks.difference_update(tasks)
            self.events.append(GroupEvent("revoked", self.last_generation, tuple(connectors), tuple(tasks)))

    def on_assigned(self, assignment: ExtendedAssignment, generation: int) -> None:
        with self._lock:
            self.last_assignment = assignment
            self.last_generation = generation
            self.events.append(
                GroupEvent("assigned", generation, assignment.connectors, assignment.tasks, assignment)
            )
            if not assignment.failed:
                # The assignment is complete: start what is not running, and (eager) stop the rest.
                self.running_connectors = set(assignment.connectors)
                self.running_tasks = set(assignment.tasks)
        revoked = bool(assignment.revoked_connectors or assignment.revoked_tasks)
        if self.member is not None and (assignment.failed or (revoked and self.rejoin_on_revocation)):
            self.member.request_rejoin("revocations" if revoked else "config mismatch")

    def snapshot(self) -> tuple[set[str], set[ConnectorTaskId]]:
        with self._lock:
            return set(self.running_connectors), set(self.running_tasks)
