"""What only the leader of a distributed cluster does (Java's DistributedHerder leader duties): claim
the transactional config-topic writer under exactly-once source support, distribute and rotate the
session key internal requests are signed with, remove statuses of deleted connectors and tasks, and
fail connectors whose name the group protocol cannot carry. Every method runs on the herder thread."""

from __future__ import annotations

import logging
import time

from connectrt.herder.distributed.interfaces import HerderForLeadership
from connectrt.herder.distributed.protocol import MAX_STRING_BYTES, fits_protocol_string
from connectrt.herder.signature import SessionKeyGenerator
from connectrt.storage.kafka_records import SessionKey
from connectrt.storage.status import State, TaskStatus

log = logging.getLogger(__name__)

CLAIM_RETRY_S = 1.0


class LeaderDuties:
    def __init__(self, herder: HerderForLeadership) -> None:
        self.herder = herder
        self._claim_retry_at = 0.0
        self._unassignable_reported: set[str] = set()
        # inter.worker.key.generation.algorithm / inter.worker.key.size (a bad value stops the worker at start)
        self.key_generator = SessionKeyGenerator.from_config(herder.config)

    def on_elected(self) -> None:
        """After each rebalance this worker leads."""
        herder = self.herder
        self.claim_write_privileges(force=True)
        self._unassignable_reported.clear()
        self.report_unassignable()
        for name in herder.status_store.connectors():
            if not herder.snapshot.contains(name):
                herder.destroy_connector_statuses(name)
            else:
                self._destroy_task_statuses_beyond(name, len(herder.snapshot.tasks(name)))
        self.rotate_session_key(force_check=True)

    def _destroy_task_statuses_beyond(self, name: str, count: int) -> None:
        store = self.herder.status_store
        for t in store.get_all_tasks(name):
            if t.id.task >= count:
                store.put_task(
                    TaskStatus(t.id, State.DESTROYED, self.herder.worker_id, self.herder.generation)
                )

    def report_unassignable(self) -> None:
        """A connector whose name is longer than the group protocol carries (written to the config
        topic by other means than this REST API, which refuses such names) can never run. It is
        FAILED, with what to do, once per leadership instead of failing the whole cluster."""
        herder = self.herder
        if not herder.member.is_leader():
            return
        for name in herder.snapshot.connectors():
            if fits_protocol_string(name) or name in self._unassignable_reported:
                continue
            self._unassignable_reported.add(name)
            message = (
                f"Connector {name[:64]}... cannot run: its name of {len(name)} characters is longer than the "
                f"{MAX_STRING_BYTES} bytes the Connect group protocol carries. Remove it by writing a tombstone "
                f"(a record with a null value) for its key 'connector-<name>' to the config topic "
                f"{herder.config_topic()}."
            )
            log.error(message)
            herder.report_connector_status(name, State.FAILED, message)

    def rotate_session_key(self, force_check: bool = False) -> None:
        """Write a new session key when there is none or it expired (``inter.worker.key.ttl.ms``)."""
        herder = self.herder
        if not herder.member.is_leader() or herder.member.current_protocol_version < 2:
            return
        if herder.config_store.needs_write_privileges():
            return  # fenced out of the config topic: rotate once write privileges are reclaimed
        key = herder.snapshot.session_key
        now = int(time.time() * 1000)
        if (
            key is not None
            and key.algorithm == self.key_generator.algorithm
            and now < key.creation_timestamp + herder.key_ttl_ms
        ):
            return
        new_key = SessionKey(self.key_generator.generate(), self.key_generator.algorithm, now)
        log.info("Distributing a new session key")
        with herder.stages.stage("writing a new session key to the config topic"):
            herder.config_store.put_session_key(new_key)
        herder.refresh_snapshot()

    def claim_write_privileges(self, force: bool = False) -> None:
        """The leader (re)claims the transactional config-topic writer (``connect-cluster-<group.id>``)
        when exactly-once source support is preparing/enabled and it does not hold it (first leadership,
        or fenced out by another writer)."""
        herder = self.herder
        if not herder.member.is_leader() or not herder.config_store.needs_write_privileges():
            return
        if not force and time.monotonic() < self._claim_retry_at:
            return
        try:
            herder.config_store.claim_write_privileges()
            log.info("Claimed write privileges for the config topic")
        except Exception as e:
            log.warning("Failed to claim write privileges for the config topic (will retry): %s", e)
            self._claim_retry_at = time.monotonic() + CLAIM_RETRY_S
