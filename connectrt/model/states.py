"""A connector's target state, the initial state a create request asks for, and a restart request
(Java's ``runtime.TargetState``, ``CreateConnectorRequest.InitialState`` and ``runtime.RestartRequest``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TargetState(str, Enum):
    STARTED = "STARTED"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"


class InitialState(str, Enum):
    """``initial_state`` of ``POST /connectors`` (REST names)."""

    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPED = "STOPPED"

    def to_target_state(self) -> TargetState:
        return {
            InitialState.RUNNING: TargetState.STARTED,
            InitialState.PAUSED: TargetState.PAUSED,
            InitialState.STOPPED: TargetState.STOPPED,
        }[self]


@dataclass(frozen=True)
class RestartRequest:
    connector: str
    only_failed: bool = False
    include_tasks: bool = False

    def force_restart_connector_only(self) -> bool:
        return not self.only_failed and not self.include_tasks

    def should_restart_connector(self, state: str) -> bool:
        return not self.only_failed or state == "FAILED"

    def should_restart_task(self, state: str) -> bool:
        return self.include_tasks and (not self.only_failed or state == "FAILED")

    def impact_rank(self) -> int:
        """Higher means more instances restart (Java's impactRank, for keeping the strongest request)."""
        if self.only_failed:
            return 1 if self.include_tasks else 0
        return 3 if self.include_tasks else 2
