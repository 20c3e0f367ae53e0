"""The CDC benchmark's table: headline figures, ratios and issue #16's targets (run.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from _common import table
from debezium import DEBEZIUM_VERSION

SYSTEMS = ("connectrt", "debezium")
SCENARIOS = ("streaming", "streaming_1cpu", "snapshot", "latency")
RAW = "pgoutput"  # pg_recvlogical on the streaming scenario's load (raw.py)
ONE_CPU = "1"  # the CPU streaming_1cpu pins the worker to
LABELS = {
    "connectrt": "connectrt",
    "debezium": f"Debezium {DEBEZIUM_VERSION.removesuffix('.Final')}",
    RAW: "raw pgoutput (pg_recvlogical)",
}

TARGETS = {  # issue #16's targets, as connectrt / Debezium (and connectrt / the raw pgoutput rate)
    "streaming_rows_s": (">=", 2.0),
    "streaming_vs_raw": (">=", 0.5),
    "snapshot_rows_s": (">=", 2.0),
    "latency_p99_ms": ("<=", 1.0),
    "peak_rss_mib": ("<=", 1 / 3),
}
SNAPSHOT_FLOOR_ROWS_S = 50_000  # issue #16: the snapshot, absolute
RSS_CEILING_MIB = 300  # issue #16: connectrt's peak RSS, absolute


# --- output ------------------------------------------------------------------------------------


def fmt(x: Any, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "-"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def get(results: Mapping[str, Mapping[str, Mapping[str, Any]]], system: str, scenario: str, key: str) -> Any:
    return results.get(system, {}).get(scenario, {}).get(key)


def peak_rss(results: Mapping[str, Mapping[str, Mapping[str, Any]]], system: str) -> float | None:
    peaks = [r["peak_rss_mib"] for r in results.get(system, {}).values() if "peak_rss_mib" in r]
    return max(peaks) if peaks else None


def comparison(results: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The headline figures, each with connectrt / Debezium and the target's verdict."""
    rows: list[dict[str, Any]] = []

    def add(
        name: str, unit: str, c: Any, d: Any, target: str | None, digits: int = 0, ratio_ok: bool = True
    ) -> None:
        ratio = (
            c / d if ratio_ok and isinstance(c, float | int) and isinstance(d, float | int) and d else None
        )
        verdict = None
        if target is not None and ratio is not None:
            op, bound = TARGETS[target]
            verdict = "PASS" if (ratio >= bound if op == ">=" else ratio <= bound) else "MISS"
        if target is None and name.startswith("  floor:") and ratio is not None:
            verdict = "PASS" if (ratio >= 1 if "≥" in name else ratio <= 1) else "MISS"
        rows.append(
            {
                "figure": name,
                "unit": unit,
                "connectrt": c,
                "debezium": d,
                "ratio": ratio,
                "target": None if target is None else f"{TARGETS[target][0]} {TARGETS[target][1]:.2f}x",
                "verdict": verdict,
                "digits": digits,
            }
        )

    def both(scenario: str, key: str) -> tuple[Any, Any]:
        return get(results, "connectrt", scenario, key), get(results, "debezium", scenario, key)

    add("streaming, commit → Kafka ack", "rows/s", *both("streaming", "rows_s"), "streaming_rows_s")
    add("  inserts only", "rows/s", *both("streaming", "insert_rows_s"), None)
    add("  updates only", "rows/s", *both("streaming", "update_rows_s"), None)
    add("  load generator alone", "rows/s", *both("streaming", "load_rows_s"), None)
    add("  in Kafka after the load ended", "s", *both("streaming", "lag_after_load_s"), None, 1)
    add("  worker CPU (incl. start-up)", "s", *both("streaming", "worker_cpu_s"), None, 1)
    add("  worker waiting for a CPU", "s", *both("streaming", "worker_cpu_wait_s"), None, 1)
    raw = get(results, RAW, "streaming", "rows_s")
    add(
        "streaming vs raw pgoutput (2nd column: pg_recvlogical)",
        "rows/s",
        get(results, "connectrt", "streaming", "rows_s"),
        raw,
        "streaming_vs_raw",
    )
    add("  Debezium vs raw pgoutput", "rows/s", get(results, "debezium", "streaming", "rows_s"), raw, None)
    add(
        "  raw: inserts / updates only",
        "rows/s",
        get(results, RAW, "streaming", "insert_rows_s"),
        get(results, RAW, "streaming", "update_rows_s"),
        None,
    )
    add(
        "  raw: load generator alone / receiver CPU",
        "rows/s, s",
        get(results, RAW, "streaming", "load_rows_s"),
        get(results, RAW, "streaming", "receiver_cpu_s"),
        None,
        1,
        ratio_ok=False,
    )
    add(
        "  raw: walsender CPU (PostgreSQL's decoding)",
        "s",
        get(results, RAW, "streaming", "walsender_cpu_s"),
        None,
        None,
        1,
    )
    add(
        f"streaming, worker on 1 CPU (taskset -c {ONE_CPU})",
        "rows/s",
        *both("streaming_1cpu", "rows_s"),
        None,
    )
    add("  worker CPU (incl. start-up)", "s", *both("streaming_1cpu", "worker_cpu_s"), None, 1)
    add(
        "  1 CPU / 2 CPUs",
        "ratio",
        *[
            (a / b if a and b else None)
            for a, b in zip(both("streaming_1cpu", "rows_s"), both("streaming", "rows_s"), strict=True)
        ],
        None,
        2,
        ratio_ok=False,
    )
    add("snapshot, POST → all in Kafka", "rows/s", *both("snapshot", "rows_s"), "snapshot_rows_s")
    add(
        f"  floor: connectrt ≥ {SNAPSHOT_FLOOR_ROWS_S:,} rows/s (2nd column: the floor)",
        "rows/s",
        get(results, "connectrt", "snapshot", "rows_s"),
        SNAPSHOT_FLOOR_ROWS_S,
        None,
    )
    add("  first record after POST", "s", *both("snapshot", "first_record_s"), None, 2)
    add("  worker CPU (incl. start-up)", "s", *both("snapshot", "worker_cpu_s"), None, 1)
    add("  worker waiting for a CPU", "s", *both("snapshot", "worker_cpu_wait_s"), None, 1)
    add("latency p50", "ms", *both("latency", "p50_ms"), None, 1)
    add("latency p99", "ms", *both("latency", "p99_ms"), "latency_p99_ms", 1)
    add("latency p99.9", "ms", *both("latency", "p999_ms"), None, 1)
    add("latency max", "ms", *both("latency", "max_ms"), None, 1)
    add("  achieved commits/s", "1/s", *both("latency", "rate_achieved"), None)
    add("  worker CPU (incl. start-up)", "s", *both("latency", "worker_cpu_s"), None, 1)
    add("  worker waiting for a CPU", "s", *both("latency", "worker_cpu_wait_s"), None, 1)
    for scenario in SCENARIOS:
        add(f"peak RSS, {scenario}", "MiB", *both(scenario, "peak_rss_mib"), None)
    add(
        "peak RSS, max of scenarios",
        "MiB",
        peak_rss(results, "connectrt"),
        peak_rss(results, "debezium"),
        "peak_rss_mib",
    )
    add(
        f"  floor: connectrt ≤ {RSS_CEILING_MIB} MiB (2nd column: the ceiling)",
        "MiB",
        peak_rss(results, "connectrt"),
        RSS_CEILING_MIB,
        None,
    )
    for scenario in SCENARIOS:  # the machine is shared: how loaded it was when each side started
        c, d = both(scenario, "load_before")
        add(f"load average at start, {scenario}", "1 min", c and c.split()[0], d and d.split()[0], None)
    return [r for r in rows if r["connectrt"] is not None or r["debezium"] is not None]


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ["figure", "unit", LABELS["connectrt"], LABELS["debezium"], "ratio", "target", ""]
    body = [
        [
            r["figure"],
            r["unit"],
            fmt(r["connectrt"], r["digits"]),
            fmt(r["debezium"], r["digits"]),
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}x",
            r["target"] or "",
            r["verdict"] or "",
        ]
        for r in rows
    ]
    print(table(header, body))
