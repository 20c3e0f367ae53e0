"""A concurrent writer for exactness tests: each change bumps a row's version ``v`` by one, so the
events of a key must show v = k, k+1, k+2, ... with no gap (a lost change) and no repeat (a
duplicate)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from typing import Any

import psycopg


class Writer(threading.Thread):
    """Runs small transactions (updates, inserts, deletes) until stopped; remembers what committed."""

    def __init__(
        self,
        dsn: str,
        table: str,
        first_new_id: int,
        existing: Iterable[int],
        seed: int = 7,
        pause_s: float = 0.0,
    ) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.table = table
        self.next_id = first_new_id
        self.alive_ids = list(existing)
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.pause_s = pause_s
        self.committed = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                while not self.stop_event.is_set():
                    self.step(conn)
                    self.committed += 1
                    if self.pause_s:
                        time.sleep(self.pause_s)
        except BaseException as e:  # surfaced by the test
            self.error = e

    def step(self, conn: Any) -> None:
        roll = self.rng.random()
        if roll < 0.15 or len(self.alive_ids) < 10:
            new = [self.next_id + i for i in range(self.rng.randint(1, 3))]
            self.next_id += len(new)
            with conn.transaction():
                for i in new:
                    conn.execute(f"INSERT INTO {self.table} (id, v) VALUES (%s, 0)", (i,))
            self.alive_ids.extend(new)
        elif roll < 0.2:
            victim = self.alive_ids.pop(self.rng.randrange(len(self.alive_ids)))
            conn.execute(f"DELETE FROM {self.table} WHERE id = %s", (victim,))
        else:
            ids = self.rng.sample(self.alive_ids, min(len(self.alive_ids), self.rng.randint(1, 4)))
            with conn.transaction():
                for i in ids:
                    conn.execute(f"UPDATE {self.table} SET v = v + 1 WHERE id = %s", (i,))

    def stop(self) -> None:
        self.stop_event.set()
        self.join(30)
        if self.error is not None:
            raise self.error


def check_versions(events: list[dict[str, Any]], allow_duplicates: bool = False) -> dict[str, Any]:
    """Per key: v values continue by +1 (repeats only where allowed); returns the final state and stats.

    ``events``: JsonConverter payloads (schemas off) of one topic, in order; tombstones are None.
    """
    state: dict[int, int] = {}
    last_v: dict[int, int] = {}
    deleted: set[int] = set()
    duplicates: list[tuple[int, int, dict[str, Any]]] = []
    problems: list[str] = []
    for value in events:
        if value is None:
            continue
        op = value["op"]
        if op == "d":
            key = value["before"]["id"]
            state.pop(key, None)
            deleted.add(key)
            continue
        row = value["after"]
        key, v = row["id"], row["v"]
        previous = last_v.get(key)
        if op == "c" and key in deleted and previous is not None and v <= previous and allow_duplicates:
            duplicates.append((key, v, value))
        elif previous is None:
            if op == "u" and v != 1 and key not in deleted:
                pass  # first event of a key snapshotted at a version we did not see is checked below
        elif v == previous + 1:
            pass
        elif v <= previous and allow_duplicates:
            duplicates.append((key, v, value))
            continue
        else:
            problems.append(f"id {key}: v {previous} then {v} ({op})")
        last_v[key] = max(v, previous if previous is not None else v)
        state[key] = v
        deleted.discard(key)
    return {"state": state, "problems": problems, "duplicates": duplicates}
