"""Worker group membership: our :class:`GroupMember` interface and shared logic (Java's
``WorkerCoordinator``), and :class:`KafkaGroupMember` on kafka-python's ``BaseCoordinator``.

How the herder drives a member:

- Call :meth:`GroupMember.poll` from one thread (the herder's) in a loop, at least every
  ``rebalance.timeout.ms``. ``poll(timeout_s)`` finds the coordinator, joins/syncs when a rebalance
  is needed and returns when it delivered callbacks, when :meth:`GroupMember.wakeup` was called,
  or after ``timeout_s``. Heartbeats run on kafka-python's IO thread meanwhile, except during a
  join: if ``poll`` returns while ``rejoin_needed_or_pending()`` is still true, call it again soon
  (kafka-python resumes the in-flight JoinGroup; the member is not stable until it completes).
- ``request_rejoin()`` starts a rebalance (after revocations, when a scheduled ``delay`` is due,
  on new/deleted connectors or task configs); ``leave()`` leaves and keeps the assignment;
  ``stop()`` leaves and releases the client and its IO thread.
- :class:`GroupListener` callbacks always run on the thread that calls ``poll``, never on
  kafka-python's IO thread, so they may block (stop connectors and tasks): ``on_revoked`` comes
  first (eager: everything, before the JoinGroup is sent; cooperative: the revoked part of the new
  assignment), then ``on_assigned`` with the member's *complete* assignment (cooperative: the new
  work plus what it kept; the herder starts ``assignment - running``). ``assignment.failed``
  (CONFIG_MISMATCH) means: read the config topic to the end and rejoin.
- The leader computes assignments inside the join (``perform_assignment``) with the config
  snapshot given by the ``config_snapshot`` callable, which is therefore called from
  kafka-python's IO thread: it must be cheap and thread-safe (return an immutable snapshot).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kafka import errors as kafka_errors
from kafka.coordinator.base import BaseCoordinator
from kafka.net.compat import KafkaNetClient
from kafka.protocol.consumer import UNKNOWN_MEMBER_ID

from connectrt.herder.distributed.assignor import (
    ConfigView,
    EagerAssignor,
    IncrementalCooperativeAssignor,
    LeaderState,
    monotonic_ms,
)
from connectrt.herder.distributed.protocol import (
    PROTOCOL_TYPE,
    ConnectProtocolCompatibility,
    ExtendedAssignment,
    WorkerState,
    decode_assignment,
    decode_metadata,
    metadata_protocols,
)
from connectrt.kafka.python_client import kafka_python_client_configs
from connectrt.model.entities import ConnectorTaskId

log = logging.getLogger(__name__)

EAGER = ConnectProtocolCompatibility.EAGER
ConfigSnapshotProvider = Callable[[], ConfigView]


class GroupListener(ABC):
    """The herder's side of a rebalance (Java's ``WorkerRebalanceListener``)."""

    @abstractmethod
    def on_assigned(self, assignment: ExtendedAssignment, generation: int) -> None:
        """A rebalance completed: ``assignment`` is everything this worker should now run."""

    @abstractmethod
    def on_revoked(
        self, leader: str | None, connectors: Sequence[str], tasks: Sequence[ConnectorTaskId]
    ) -> None:
        """Stop these connectors and tasks before returning."""

    def on_poll_timeout_expiry(self) -> None:  # noqa: B027 - optional hook
        """The poll thread did not poll within ``rebalance.timeout.ms``; the member leaves the
        group next. Called on the membership client's IO thread: log, do not block."""


class GroupMemberError(RuntimeError):
    """Group membership failed in a way a retry will not fix (e.g. authorization, bad config)."""


@dataclass(frozen=True)
class GroupMemberConfig:
    """The worker settings group membership uses (``DistributedConfig`` names in comments)."""

    group_id: str  # group.id
    rest_url: str  # the advertised REST URL
    connect_protocol: ConnectProtocolCompatibility = ConnectProtocolCompatibility.SESSIONED
    session_timeout_ms: int = 10_000  # session.timeout.ms
    heartbeat_interval_ms: int = 3_000  # heartbeat.interval.ms
    rebalance_timeout_ms: int = 60_000  # rebalance.timeout.ms
    scheduled_rebalance_max_delay_ms: int = 300_000  # scheduled.rebalance.max.delay.ms
    request_timeout_ms: int = 40_000  # request.timeout.ms
    retry_backoff_ms: int = 100  # retry.backoff.ms
    # kafka-python connection and security settings from the worker's top-level keys
    # (security.protocol, sasl.*, ssl.*, ...), as Java's WorkerGroupMember client gets them.
    client_settings: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @staticmethod
    def from_worker_config(config: Any, rest_url: str) -> GroupMemberConfig:
        """Build from a parsed ``DistributedConfig`` (anything with ``get_int``/``get_str``;
        its ``originals``, when it has them, give the client's security settings)."""
        originals = getattr(config, "originals", None)
        return GroupMemberConfig(
            group_id=config.get_str("group.id"),
            rest_url=rest_url,
            connect_protocol=ConnectProtocolCompatibility.from_config(config.get_str("connect.protocol")),
            session_timeout_ms=config.get_int("session.timeout.ms"),
            heartbeat_interval_ms=config.get_int("heartbeat.interval.ms"),
            rebalance_timeout_ms=config.get_int("rebalance.timeout.ms"),
            scheduled_rebalance_max_delay_ms=config.get_int("scheduled.rebalance.max.delay.ms"),
            request_timeout_ms=config.get_int("request.timeout.ms"),
            retry_backoff_ms=config.get_int("retry.backoff.ms"),
            client_settings=kafka_python_client_configs(originals) if isinstance(originals, Mapping) else {},
        )


class GroupMember(ABC):
    """One worker's membership in the Connect group, independent of the client library."""

    def __init__(
        self,
        config: GroupMemberConfig,
        *,
        config_snapshot: ConfigSnapshotProvider,
        listener: GroupListener,
        clock: Callable[[], int] = monotonic_ms,
    ) -> None:
        self.config = config
        self._config_snapshot = config_snapshot
        self._listener = listener
        self._lock = threading.RLock()
        self._assignment: ExtendedAssignment | None = None
        self._current_protocol = config.connect_protocol
        self._rejoin_requested = False
        self._eager_revoked = False
        self._last_completed_generation = -1
        self._leader_state: LeaderState | None = None
        self._snapshot: ConfigView | None = None
        self._pending: deque[Callable[[], None]] = deque()
        self._eager_assignor = EagerAssignor()
        self._incremental_assignor = IncrementalCooperativeAssignor(
            config.scheduled_rebalance_max_delay_ms, clock
        )

    # -- driven by the herder ------------------------------------------------------------------

    @abstractmethod
    def poll(self, timeout_s: float) -> None:
        """Drive join/sync/heartbeat for up to ``timeout_s`` and deliver listener callbacks."""

    @abstractmethod
    def wakeup(self) -> None:
        """Make a concurrent or the next :meth:`poll` return promptly (any thread)."""

    @abstractmethod
    def leave(self, reason: str = "") -> None:
        """Leave the group (the next poll rejoins); the current assignment is kept."""

    @abstractmethod
    def stop(self) -> None:
        """Leave the group and release every resource (threads, sockets). Idempotent."""

    @property
    @abstractmethod
    def member_id(self) -> str:
        """This member's id while the group is stable, else ``""``."""

    @property
    @abstractmethod
    def generation(self) -> int:
        """The current generation id (-1 before the first join)."""

    @abstractmethod
    def _client_rejoin_needed(self) -> bool:
        """Whether the client library itself wants to (re)join."""

    def request_rejoin(self, reason: str = "") -> None:
        log.debug("Request joining group due to: %s", reason)
        with self._lock:
            self._rejoin_requested = True
        self._signal_rejoin()

    @abstractmethod
    def _signal_rejoin(self) -> None:
        """A rejoin became necessary: wake a sleeping :meth:`poll` (any thread)."""

    def coordinator_reachable(self) -> bool:
        """Whether this member is connected to its group coordinator. The herder runs requests only
        then (Java's tick runs them only after ``ensureActive`` reached the coordinator)."""
        return True

    def rejoin_needed_or_pending(self) -> bool:
        with self._lock:
            local = self._assignment is None or self._assignment.failed or self._rejoin_requested
        return local or self._client_rejoin_needed()

    # -- state for the herder ------------------------------------------------------------------

    @property
    def assignment(self) -> ExtendedAssignment | None:
        """The complete current assignment (None before the first one)."""
        with self._lock:
            return self._assignment

    @property
    def current_protocol(self) -> ConnectProtocolCompatibility:
        """The protocol of the last completed generation (``connect.protocol`` before that)."""
        with self._lock:
            return self._current_protocol

    @property
    def current_protocol_version(self) -> int:
        return self.current_protocol.version

    @property
    def last_completed_generation(self) -> int:
        with self._lock:
            return self._last_completed_generation

    def leader_url(self) -> str | None:
        a = self.assignment
        return a.leader_url if a is not None else None

    def is_leader(self) -> bool:
        a = self.assignment
        member = self.member_id
        return a is not None and bool(member) and member == a.leader

    def owner_url(self, target: str | ConnectorTaskId) -> str | None:
        """On the leader, between rebalances: the URL of the worker running a connector/task."""
        if self.rejoin_needed_or_pending() or not self.is_leader():
            return None
        with self._lock:
            state = self._leader_state
        return state.owner_url(target) if state is not None else None

    # -- group protocol hooks (called by the implementation, possibly on its IO thread) --------

    def metadata(self) -> list[tuple[str, bytes]]:
        """JoinGroup protocols with this worker's URL, config offset and allocation."""
        snapshot = self._config_snapshot()
        with self._lock:
            self._snapshot = snapshot
            state = WorkerState(self.config.rest_url, snapshot.offset, self._assignment)
        return metadata_protocols(state, self.config.connect_protocol)

    def perform_assignment(
        self, leader_id: str, protocol: str, members: Mapping[str, bytes]
    ) -> dict[str, bytes]:
        """Leader only: assignments for every member from their JoinGroup metadata."""
        mode = ConnectProtocolCompatibility.from_protocol(protocol)
        states = {member: decode_metadata(data) for member, data in members.items()}
        with self._lock:
            snapshot = self._snapshot
            last_completed = self._last_completed_generation
        if snapshot is None:
            snapshot = self._config_snapshot()
        assignor = self._eager_assignor if mode is EAGER else self._incremental_assignor
        result = assignor.perform_assignment(
            leader_id,
            mode,
            states,
            snapshot,
            generation=self.generation,
            last_completed_generation=last_completed,
            fresh_snapshot=self._config_snapshot,
        )
        with self._lock:
            self._snapshot = result.snapshot
            self._leader_state = result.leader_state
        log.debug("Assignments for generation %s: %s", self.generation, result.assignments)
        return result.encode()

    def _begin_rebalance(self) -> None:
        """Once per rebalance attempt, before JoinGroup (Java's ``onJoinPrepare`` sets the leader
        state to null): the owners computed for the previous generation no longer hold. Not in
        :meth:`_prepare_join`: that runs before every join slice of :meth:`poll`, also after this
        member, as leader, computed the new assignment in an earlier slice; clearing the leader
        state then left the leader unable to route requests until the next rebalance."""
        with self._lock:
            self._leader_state = None

    def _prepare_join(self) -> None:
        """Before (re)joining (Java's ``onJoinPrepare``): under eager, queue the revocation of the
        whole assignment once per rebalance; the caller delivers it before sending JoinGroup.
        Called before every join slice, so idempotent within a rebalance."""
        with self._lock:
            snapshot = self._assignment
            if self._current_protocol is not EAGER or self._eager_revoked:
                return
            self._eager_revoked = True
            if snapshot is None or snapshot.failed:
                return
            log.debug("Revoking previous assignment %s", snapshot)
            self._pending.append(
                lambda: self._listener.on_revoked(snapshot.leader, snapshot.connectors, snapshot.tasks)
            )

    def _complete_join(self, generation: int, member_id: str, protocol: str, data: bytes) -> None:
        """A SyncGroup result (Java's ``onJoinComplete``): augment and queue the callbacks. Quick."""
        new = decode_assignment(data)
        mode = ConnectProtocolCompatibility.from_protocol(protocol)
        with self._lock:
            self._current_protocol = mode
            self._rejoin_requested = False
            self._eager_revoked = False
            if mode is not EAGER:
                if new.revoked_connectors or new.revoked_tasks:
                    revoked = new
                    self._pending.append(
                        lambda: self._listener.on_revoked(
                            revoked.leader, revoked.revoked_connectors, revoked.revoked_tasks
                        )
                    )
                old = self._assignment
                if old is not None:
                    gone_c, gone_t = set(new.revoked_connectors), set(new.revoked_tasks)
                    kept_c = [c for c in old.connectors if c not in gone_c]
                    kept_t = [t for t in old.tasks if t not in gone_t]
                    new = replace(
                        new,
                        connectors=tuple(dict.fromkeys([*new.connectors, *kept_c])),
                        tasks=tuple(dict.fromkeys([*new.tasks, *kept_t])),
                    )
            self._assignment = new
            self._last_completed_generation = generation
            complete = new
            self._pending.append(lambda: self._listener.on_assigned(complete, generation))
        log.info(
            "Joined group at generation %s as %s with protocol %s: %s", generation, member_id, protocol, new
        )

    def _revoke_all(self, why: str) -> bool:
        """Revoke the whole assignment now (e.g. the coordinator is unreachable)."""
        with self._lock:
            snapshot = self._assignment
            if snapshot is None or snapshot.failed:
                return False
            self._assignment = None
        log.info("%s; revoking the assignment %s", why, snapshot)
        self._listener.on_revoked(snapshot.leader, snapshot.connectors, snapshot.tasks)
        return True

    def _poll_timeout_expired(self) -> None:
        """The client noticed that :meth:`poll` was not called within ``rebalance.timeout.ms``."""
        try:
            self._listener.on_poll_timeout_expiry()
        except Exception:
            log.exception("Error in the poll timeout listener")

    def _deliver_pending(self) -> int:
        """Run queued listener callbacks on the calling thread; returns how many ran."""
        delivered = 0
        while True:
            with self._lock:
                if not self._pending:
                    return delivered
                callback = self._pending.popleft()
            callback()
            delivered += 1


_client_ids = itertools.count(1)
_JOIN_SLICE_MS = 250
_BOOTSTRAP_MIN_MS = 5_000


class KafkaGroupMember(GroupMember):
    """A :class:`GroupMember` on kafka-python 3.x (its own client and IO thread per member).

    ``client_configs`` are kafka-python client settings (``bootstrap_servers``, ``client_id``,
    ``security_protocol``, ``sasl_*``, ``ssl_*`` ...). The client is bootstrapped lazily by the
    first :meth:`poll`, so constructing a member never blocks.
    """

    def __init__(
        self,
        config: GroupMemberConfig,
        *,
        config_snapshot: ConfigSnapshotProvider,
        listener: GroupListener,
        client_configs: Mapping[str, Any],
        clock: Callable[[], int] = monotonic_ms,
    ) -> None:
        super().__init__(config, config_snapshot=config_snapshot, listener=listener, clock=clock)
        settings = {**config.client_settings, **client_configs}
        settings.setdefault("client_id", f"connect-{next(_client_ids)}")
        settings.setdefault("request_timeout_ms", config.request_timeout_ms)
        settings.setdefault("retry_backoff_ms", config.retry_backoff_ms)
        self._client = KafkaNetClient(**settings)
        self._client._manager._net.start()
        self._coordinator: Any = None
        self._bootstrap: tuple[Any, threading.Event] | None = None
        self._signal = threading.Event()
        self._woken = False
        self._stopped = False

    # -- GroupMember ---------------------------------------------------------------------------

    @property
    def member_id(self) -> str:
        coordinator = self._coordinator
        if coordinator is None:
            return ""
        generation = coordinator.generation_if_stable()
        return str(generation.member_id) if generation is not None else ""

    @property
    def generation(self) -> int:
        coordinator = self._coordinator
        return -1 if coordinator is None else int(coordinator.group_metadata().generation_id)

    def _client_rejoin_needed(self) -> bool:
        coordinator = self._coordinator
        return True if coordinator is None else bool(coordinator.rejoin_needed)

    def coordinator_reachable(self) -> bool:
        coordinator = self._coordinator
        if coordinator is None:
            return False
        node = coordinator.coordinator_id
        return node is not None and bool(self._client.connected(node))

    def _signal_rejoin(self) -> None:
        self._signal.set()

    def wakeup(self) -> None:
        self._woken = True
        self._signal.set()

    def poll(self, timeout_s: float) -> None:
        if self._stopped:
            raise GroupMemberError("The group member was stopped")
        deadline = time.monotonic() + max(0.0, timeout_s)
        while True:
            self._signal.clear()
            try:
                delivered = self._poll_once(deadline)
            except kafka_errors.KafkaError as exc:
                if self._stopped:
                    return
                if not isinstance(exc, kafka_errors.RetriableError | kafka_errors.KafkaConnectionError):
                    raise GroupMemberError(
                        f"Group membership in {self.config.group_id} failed: {exc}"
                    ) from exc
                log.warning("Group %s: %s; will retry", self.config.group_id, exc)
                delivered = 0
            except Exception:
                if self._stopped:  # stop() closed the client under a concurrent poll
                    return
                raise
            delivered += self._deliver_pending()
            woken, self._woken = self._woken, False
            remaining = deadline - time.monotonic()
            if delivered or woken or remaining <= 0 or self._stopped:
                return
            coordinator = self._coordinator
            if (
                coordinator is not None
                and not coordinator.coordinator_unknown()
                and self.rejoin_needed_or_pending()
            ):
                continue  # a join is in flight: keep driving it (each attempt blocks up to a slice)
            self._signal.wait(min(remaining, self.config.heartbeat_interval_ms / 1000))

    def _poll_once(self, deadline: float) -> int:
        if not self._ensure_coordinator(deadline):
            return 0
        coordinator = self._coordinator
        if coordinator.coordinator_unknown():
            # Like Java: give discovery one heartbeat interval, else stop running work unsupervised.
            if not coordinator.ensure_coordinator_ready(timeout_ms=self.config.heartbeat_interval_ms):
                unreachable = f"Broker coordinator was unreachable for {self.config.heartbeat_interval_ms} ms"
                return 1 if self._revoke_all(unreachable) else 0
        delivered = 0
        if self.rejoin_needed_or_pending():
            self._prepare_join()
            delivered += self._deliver_pending()  # an eager revocation happens before JoinGroup
            # Join in slices so wakeup() is noticed; kafka-python keeps the JoinGroup in flight
            # between calls and resumes it (its join task is cached), so slicing costs nothing.
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            coordinator.ensure_active_group(timeout_ms=max(0, min(remaining_ms, _JOIN_SLICE_MS)))
        coordinator.poll_heartbeat()
        return delivered

    def _ensure_coordinator(self, deadline: float) -> bool:
        if self._coordinator is not None:
            return True
        manager = self._client._manager
        # One bootstrap runs on the client's IO thread across polls: a poll that ends waits no more,
        # but does not abort a TLS + SASL handshake half way (it would start over on every poll).
        if self._bootstrap is None:
            done = threading.Event()
            future = manager._net.call_soon_with_future(
                manager.bootstrap_async, max(self.config.request_timeout_ms, _BOOTSTRAP_MIN_MS), True
            )
            future.add_callback(lambda _: done.set())
            future.add_errback(lambda _: done.set())
            self._bootstrap = (future, done)
        future, done = self._bootstrap
        done.wait(max(0.0, deadline - time.monotonic()))
        if not future.is_done:
            return False
        if future.failed():
            self._bootstrap = None
            log.warning("Could not reach the Kafka cluster (%s); will retry", future.exception)
            return False
        self._coordinator = _ConnectCoordinator(
            self,
            self._client,
            group_id=self.config.group_id,
            session_timeout_ms=self.config.session_timeout_ms,
            heartbeat_interval_ms=self.config.heartbeat_interval_ms,
            max_poll_interval_ms=self.config.rebalance_timeout_ms,
            request_timeout_ms=self.config.request_timeout_ms,
            retry_backoff_ms=self.config.retry_backoff_ms,
            api_version=manager.broker_version,
        )
        return True

    def leave(self, reason: str = "") -> None:
        coordinator = self._coordinator
        if coordinator is not None and not self._stopped:
            coordinator.maybe_leave_group(reason=reason or None, timeout_ms=self.config.request_timeout_ms)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._signal.set()
        try:
            if self._coordinator is not None:
                self._coordinator.close(timeout_ms=min(self.config.request_timeout_ms, 5_000))
        except Exception:
            log.warning("Error leaving group %s", self.config.group_id, exc_info=True)
        finally:
            self._client.close()


class _ConnectCoordinator(BaseCoordinator):
    """kafka-python's group state machine with the Connect protocol plugged in; every decision is
    delegated to the owning :class:`KafkaGroupMember`."""

    def __init__(self, owner: KafkaGroupMember, client: Any, **configs: Any) -> None:
        self._owner = owner
        super().__init__(client, **configs)

    def protocol_type(self) -> str:
        return PROTOCOL_TYPE

    def group_protocols(self) -> list[tuple[str, bytes]]:
        return self._owner.metadata()

    def _perform_assignment(self, leader_id: str, protocol: str, members: Any) -> dict[str, bytes]:
        if any(m.group_instance_id for m in members):
            raise GroupMemberError("Connect does not support static membership (group.instance.id)")
        metadata = {m.member_id: bytes(m.metadata) for m in members}
        return self._owner.perform_assignment(leader_id, protocol, metadata)

    async def _on_join_prepare_async(self, generation: int, member_id: str, timeout_ms: Any = None) -> None:
        log.info("Rebalance started (generation %s, member %s)", generation, member_id)
        self._owner._begin_rebalance()
        self._owner._prepare_join()  # poll() already delivered an eager revocation; this is a no-op then

    async def _on_join_complete_async(
        self, generation: int, member_id: str, protocol: str, data: Any
    ) -> None:
        self._owner._complete_join(generation, member_id, protocol, bytes(data))

    def need_rejoin(self) -> bool:
        return self._owner.rejoin_needed_or_pending()

    async def maybe_leave_group_async(self, reason: str | None = None, timeout_ms: Any = None) -> None:
        # kafka-python's heartbeat loop leaves (without a reason) when the poll timeout expired;
        # Java's WorkerCoordinator tells the herder first and leaves with this reason.
        if reason is None and self.heartbeat.poll_timeout_expired():
            self._owner._poll_timeout_expired()
            reason = "worker poll timeout has expired."
        await super().maybe_leave_group_async(reason, timeout_ms)

    def request_rejoin(self) -> None:
        super().request_rejoin()
        self._owner._signal_rejoin()

    def reset_generation(self, member_id: str = UNKNOWN_MEMBER_ID) -> None:
        super().reset_generation(member_id)
        self._owner._signal_rejoin()

    def coordinator_dead(self, error: Any) -> None:
        super().coordinator_dead(error)
        self._owner._signal_rejoin()
