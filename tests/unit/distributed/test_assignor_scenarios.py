"""Our incremental cooperative assignor against Kafka 4.2.1's, round by round.

``assignor_scenarios.txt`` re-expresses the scenarios of Kafka's IncrementalCooperativeAssignorTest
(worker joins, leaves with/without delay, bounces, leader changes, failed rounds, deleted
connectors, duplicates, balance over several rounds) plus a few of ours. The expected output,
``assignor_scenarios.expected``, was printed by Kafka's own assignor through
``java/AssignorScenarios.java`` (see that file for how to run it); we must match it exactly:
every worker's new and revoked connectors/tasks, what it runs afterwards, and the delay.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from connectrt.herder.distributed.assignor import (
    ClusterAssignment,
    ConfigView,
    ConnectorsAndTasks,
    IncrementalCooperativeAssignor,
)
from connectrt.model.entities import ConnectorTaskId

pytestmark = pytest.mark.unit

HERE = Path(__file__).parent


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        return self.now


def _join(items: Iterable[object]) -> str:
    values = sorted(str(i) for i in items)
    return ",".join(values) if values else "-"


class ScenarioRunner:
    def __init__(self) -> None:
        self.out: list[str] = []

    def start(self, name: str, max_delay: int) -> None:
        self.out.append(f"scenario {name}")
        self.clock = Clock()
        self.max_delay = max_delay
        self.generation = 1000
        self.connectors: dict[str, int] = {"connector1": 4, "connector2": 4}
        self.members: dict[str, ConnectorsAndTasks] = {"worker1": ConnectorsAndTasks()}
        self.round = 0
        self.new_assignor()

    def new_assignor(self) -> None:
        self.assignor = IncrementalCooperativeAssignor(self.max_delay, self.clock)
        self.assignor.previous_generation_id = self.generation

    def rebalance(self, failure: bool = False, mismatch: bool = False) -> ClusterAssignment:
        self.generation += 1
        last_completed = self.generation - 2 if mismatch else self.generation - 1
        snapshot = ConfigView(618, dict(self.connectors))
        copy = {w: a.copy() for w, a in self.members.items()}
        r = self.assignor.compute(snapshot, last_completed, self.generation, copy)
        self.round += 1
        self.out.append(f"round {self.round}{' failed' if failure else ''} delay={self.assignor.delay}")
        for w in self.members:
            self.out.append(
                f"  {w} new={_join(r.newly_assigned_connectors.get(w, []))}|"
                f"{_join(r.newly_assigned_tasks.get(w, []))} "
                f"revoked={_join(r.newly_revoked_connectors.get(w, []))}|"
                f"{_join(r.newly_revoked_tasks.get(w, []))}"
            )
        if failure:
            return r
        for w in r.all_workers:
            a = self.members.setdefault(w, ConnectorsAndTasks())
            gone_c = set(r.newly_revoked_connectors.get(w, []))
            gone_t = set(r.newly_revoked_tasks.get(w, []))
            a.connectors = [c for c in a.connectors if c not in gone_c]
            a.tasks = [t for t in a.tasks if t not in gone_t]
            a.add_all(
                ConnectorsAndTasks(r.newly_assigned_connectors.get(w, []), r.newly_assigned_tasks.get(w, []))
            )
            # The complete assignment the leader remembers matches what the member now runs.
            assert set(a.connectors) == set(r.all_assigned_connectors.get(w, []))
            assert set(a.tasks) == set(r.all_assigned_tasks.get(w, []))
        for w, a in self.members.items():
            self.out.append(f"  {w} runs {_join(a.connectors)}|{_join(a.tasks)}")
        return r

    def run_line(self, line: str) -> None:
        p = line.split()
        match p[0]:
            case "scenario":
                self.start(p[1], int(p[2]))
            case "connector":
                self.connectors[p[1]] = int(p[2])
            case "remove_connector":
                del self.connectors[p[1]]
            case "worker":
                connectors = p[2].split(",") if len(p) > 2 and p[2] != "-" else []
                tasks = []
                if len(p) > 3:
                    for item in p[3].split(","):
                        c, i = item.split(":")
                        tasks.append(ConnectorTaskId(c, int(i)))
                self.members[p[1]] = ConnectorsAndTasks.of(connectors, tasks)
            case "remove":
                del self.members[p[1]]
            case "rebalance":
                self.rebalance()
            case "failed_rebalance":
                self.rebalance(failure=True)
            case "mismatched_rebalance":
                self.rebalance(mismatch=True)
            case "sleep":
                self.clock.now += int(p[1])
            case "sleep_delay":
                self.clock.now += self.assignor.delay // (int(p[1]) if len(p) > 1 else 1)
            case "new_assignor":
                self.new_assignor()
            case _:
                raise ValueError(f"Unknown command: {line}")


def _blocks(lines: list[str]) -> dict[str, list[str]]:
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        if line.startswith("scenario "):
            current = blocks.setdefault(line.split()[1], [])
        current.append(line)
    return blocks


def _scenarios() -> dict[str, list[str]]:
    lines = [
        line.strip()
        for line in (HERE / "assignor_scenarios.txt").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    return _blocks(lines)


EXPECTED = _blocks((HERE / "assignor_scenarios.expected").read_text().splitlines())
SCENARIOS = _scenarios()


def test_every_scenario_has_java_output() -> None:
    assert set(SCENARIOS) == set(EXPECTED)
    assert len(SCENARIOS) >= 16


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_matches_kafka(name: str) -> None:
    runner = ScenarioRunner()
    for line in SCENARIOS[name]:
        runner.run_line(line)
    assert runner.out == EXPECTED[name]
