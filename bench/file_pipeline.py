"""File pipeline, end to end: FileStreamSource → Kafka → FileStreamSink, connectrt standalone vs Java Connect.

Both workers get the same worker and connector properties (JsonConverter, schemas disabled), their own
1-partition topic, offsets file and REST port, on the same broker, in the same run. For each side it
measures records/s from worker spawn until the sink file holds every line, records/s from the first
line in the sink to the last, wall time, peak RSS of the worker process, CPU seconds, and spawn →
``GET /health`` 200; then it checks the sink file is byte-identical to the input.

Run: .venv/bin/python bench/file_pipeline.py [--lines N] [--runs R] [--skip-java]
(dev services first: .venv/bin/connectrt dev up). Prints figures; gates nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from _common import (
    CONNECT_FILE_VERSION,
    DEFAULT_JAVA_CACHE,
    KAFKA_VERSION,
    PySpy,
    RssSampler,
    Worker,
    cpu_and_run_delay_s,
    ensure_java_connect,
    free_port,
    java_connect_standalone_argv,
    load_average,
    read_rss_kib,
    summarize_collapsed,
    table,
    write_properties,
)

from connectrt.kafka.clients import make_admin
from connectrt.kafka.topics import TopicAdmin, TopicSpec

ROOT = Path(__file__).resolve().parent.parent
JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter"

TARGET_RSS_FRACTION = 1 / 3
TARGET_HEALTHY_S = 2.0


@dataclass
class Result:
    side: str
    lines: int
    healthy_s: float = float("nan")
    healthy_cpu_s: float = float("nan")  # the worker's CPU seconds when /health first answered 200
    healthy_wait_s: float = float("nan")  # ... and its threads' seconds waiting for a CPU by then
    first_line_s: float = float("nan")  # spawn → first byte in the sink file
    done_s: float = float("nan")  # spawn → every line in the sink file
    peak_rss_kib: int = 0
    healthy_rss_kib: int = 0  # RSS when /health first answered 200: the idle worker
    cpu_s: float = float("nan")
    wait_s: float = float("nan")  # seconds the worker's threads were runnable but waiting for a CPU
    correct: bool = False
    load: str = ""  # /proc/loadavg 1/5/15 min when the side started
    notes: list[str] = field(default_factory=list)

    @property
    def e2e_rate(self) -> float:
        return self.lines / self.done_s

    @property
    def steady_rate(self) -> float:
        span = self.done_s - self.first_line_s
        return self.lines / span if span > 0 else float("nan")


# --- input ------------------------------------------------------------------------------------


def write_input(path: Path, lines: int, line_chars: int) -> int:
    """``lines`` distinct ASCII lines of ``line_chars`` characters (plus newline); returns the file size."""
    filler = "lorem ipsum dolor sit amet consectetur adipiscing elit " * 8
    with path.open("w", encoding="ascii", newline="\n") as f:
        chunk: list[str] = []
        for i in range(lines):
            head = f"line-{i:09d} "
            chunk.append(head + filler[: max(0, line_chars - len(head))] + "\n")
            if len(chunk) == 100_000:
                f.write("".join(chunk))
                chunk.clear()
        f.write("".join(chunk))
    return path.stat().st_size


# --- one side ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (not its children), from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return float("nan")
    fields = stat[stat.rindex(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def run_side(
    side: str,
    args: argparse.Namespace,
    admin: TopicAdmin,
    input_file: Path,
    input_size: int,
    base: Path,
    java_cache: Path | None,
) -> Result:
    run_id = uuid.uuid4().hex[:8]
    workdir = base / f"{side}-{run_id}"
    workdir.mkdir()
    topic = f"bench-file-{side}-{run_id}"
    admin.create_topics([TopicSpec(topic, 1, 1)])
    sink_file = workdir / "sink.txt"
    port = free_port()
    worker_props = {
        "bootstrap.servers": args.bootstrap,
        "listeners": f"http://127.0.0.1:{port}",
        "key.converter": JSON_CONVERTER,
        "value.converter": JSON_CONVERTER,
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "offset.storage.file.filename": str(workdir / "connect.offsets"),
        "offset.flush.interval.ms": str(args.flush_interval_ms),
    }
    if args.header_converter:
        worker_props["header.converter"] = args.header_converter
    extra = args.worker_prop + (args.java_worker_prop if side == "java" else [])
    for item in extra:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--worker-prop wants KEY=VALUE, not {item!r}")
        worker_props[key.strip()] = value.strip()
    files = [
        write_properties(workdir / "worker.properties", worker_props),
        write_properties(
            workdir / "source.properties",
            {
                "name": f"bench-source-{run_id}",
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "tasks.max": 1,
                "file": input_file,
                "topic": topic,
            },
        ),
        write_properties(
            workdir / "sink.properties",
            {
                "name": f"bench-sink-{run_id}",
                "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
                "tasks.max": 1,
                "file": sink_file,
                "topics": topic,
            },
        ),
    ]
    if side == "connectrt":
        env = dict(os.environ, CONNECTRT_LOG_LEVEL=os.environ.get("CONNECTRT_LOG_LEVEL", "INFO"))
        argv = [sys.executable, *shlex.split(args.connectrt_launcher), "standalone", *map(str, files)]
    else:
        assert java_cache is not None
        env = dict(os.environ)
        argv = java_connect_standalone_argv(java_cache, files)
    if args.nice:
        argv = ["nice", "-n", str(args.nice), *argv]  # nice execs the worker: same pid, every thread inherits
    worker = Worker(side, argv, workdir / "worker.log", workdir, env)
    result = Result(side, args.lines, load=load_average())
    sampler: RssSampler | None = None
    profiler: PySpy | None = None
    try:
        worker.start()
        sampler = RssSampler(worker.pid, 0.1).start()
        if args.profile and side == "connectrt":
            profiler = PySpy(worker.pid, Path(args.profile), workdir / "py-spy.log").start()
        result.healthy_s = worker.wait_healthy(f"http://127.0.0.1:{port}/health")
        result.healthy_cpu_s = cpu_seconds(worker.pid)
        result.healthy_wait_s = cpu_and_run_delay_s(worker.pid)[1]
        result.healthy_rss_kib = read_rss_kib(worker.pid)[0]
        deadline = worker.started_at + args.timeout
        size = 0
        while size < input_size:
            now = time.monotonic()
            if now > deadline:
                raise RuntimeError(
                    f"{side}: sink has {size} of {input_size} bytes after {args.timeout}s:\n{worker.tail()}"
                )
            if not worker.alive():
                raise RuntimeError(f"{side} worker exited ({worker.returncode()}):\n{worker.tail()}")
            try:
                size = sink_file.stat().st_size
            except FileNotFoundError:
                size = 0
            if size and result.first_line_s != result.first_line_s:  # still NaN
                result.first_line_s = now - worker.started_at
            if size < input_size:
                time.sleep(0.005)
        result.done_s = time.monotonic() - worker.started_at
        result.cpu_s = cpu_seconds(worker.pid)
        result.wait_s = cpu_and_run_delay_s(worker.pid)[1]
        result.peak_rss_kib = sampler.stop()
        sampler = None
    finally:
        if sampler is not None:
            sampler.stop()
        if profiler is not None:
            profiler.stop()
        worker.stop()
        try:
            admin.admin.delete_topics([topic], operation_timeout=30)
        except Exception as e:  # a leftover topic is harmless; say so and go on
            print(f"note: could not delete topic {topic}: {e}", file=sys.stderr)
    if profiler is not None:
        print(f"py-spy samples (collapsed stacks) in {args.profile}; where the time went:")
        print(summarize_collapsed(Path(args.profile)))
    # Compare after stop, so duplicates written during shutdown are caught too.
    result.correct = files_equal(input_file, sink_file)
    if not result.correct:
        result.notes.append(f"sink differs from input: {sink_file} ({sink_file.stat().st_size} bytes)")
    elif not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def warm_up_bytecode() -> None:
    """Import what a standalone worker imports, once, untimed, so .pyc files are current.

    An installed wheel has its bytecode compiled at install time; in an editable checkout that others are
    changing, the first start after an edit would otherwise compile those modules inside the timed start.
    """
    code = (
        "import connectrt.cli.worker_commands, connectrt.herder.standalone, connectrt.cli.runner, connectrt.rest.app\n"
        "from connectrt.runtime.plugins import default_plugins\n"
        "default_plugins()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        print(f"note: bytecode warm-up failed (timings may include compiling):\n{done.stderr[-2000:]}")


def files_equal(a: Path, b: Path) -> bool:
    if not b.exists() or a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            ca, cb = fa.read(1 << 20), fb.read(1 << 20)
            if ca != cb:
                return False
            if not ca:
                return True


# --- report -----------------------------------------------------------------------------------


def fmt_rate(x: float) -> str:
    return "n/a" if x != x else f"{x:,.0f}"


@dataclass
class Summary:
    """One side's figures: of one run, or the median of each figure over several runs."""

    side: str
    e2e_rate: float
    steady_rate: float
    done_s: float
    first_line_s: float
    healthy_s: float
    healthy_cpu_s: float
    healthy_wait_s: float
    peak_rss_mib: float
    healthy_rss_mib: float
    cpu_s: float
    wait_s: float
    correct: bool
    load: str = "-"

    @classmethod
    def of(cls, r: Result) -> Summary:
        return cls(
            r.side, r.e2e_rate, r.steady_rate, r.done_s, r.first_line_s, r.healthy_s, r.healthy_cpu_s,
            r.healthy_wait_s, r.peak_rss_kib / 1024, r.healthy_rss_kib / 1024, r.cpu_s, r.wait_s, r.correct, r.load or "-",
        )  # fmt: skip

    @classmethod
    def median(cls, rs: list[Result]) -> Summary:
        ss = [cls.of(r) for r in rs]

        def med(name: str) -> float:
            return float(statistics.median(getattr(s, name) for s in ss))

        numbers: dict[str, Any] = {f.name: med(f.name) for f in fields(cls) if f.type == "float"}
        return replace(ss[0], correct=all(s.correct for s in ss), load="-", **numbers)


def report(results: list[Summary], title: str, notes: list[str] | None = None) -> None:
    sides = [r.side for r in results]
    rows = [
        ["records/s, end to end (spawn → last line)", *(fmt_rate(r.e2e_rate) for r in results)],
        ["records/s, first line → last line", *(fmt_rate(r.steady_rate) for r in results)],
        ["wall time, spawn → last line (s)", *(f"{r.done_s:.2f}" for r in results)],
        ["spawn → first line in sink (s)", *(f"{r.first_line_s:.2f}" for r in results)],
        ["spawn → /health 200 (s)", *(f"{r.healthy_s:.2f}" for r in results)],
        ["worker CPU time until /health 200 (s)", *(f"{r.healthy_cpu_s:.2f}" for r in results)],
        ["  ... and waiting for a CPU, sum over threads (s)", *(f"{r.healthy_wait_s:.2f}" for r in results)],
        ["peak RSS (MiB)", *(f"{r.peak_rss_mib:.0f}" for r in results)],
        ["RSS at /health 200 (MiB)", *(f"{r.healthy_rss_mib:.0f}" for r in results)],
        ["worker CPU time (s)", *(f"{r.cpu_s:.1f}" for r in results)],
        ["  ... and waiting for a CPU, sum over threads (s)", *(f"{r.wait_s:.1f}" for r in results)],
        ["sink file == input", *("yes" if r.correct else "NO" for r in results)],
        ["machine load average at start (1/5/15 min)", *(r.load for r in results)],
    ]
    print(f"\n{title}")
    print(table(["", *sides], rows))
    for note in notes or []:
        print(f"  {note}")


def verdict(c: Summary, j: Summary | None) -> None:
    print()
    ok = "ok  " if c.healthy_s < TARGET_HEALTHY_S else "MISS"
    print(f"[{ok}] connectrt start-to-healthy {c.healthy_s:.2f} s < {TARGET_HEALTHY_S:.0f} s")
    if j is None:
        return
    e2e, steady = c.e2e_rate / j.e2e_rate, c.steady_rate / j.steady_rate
    rss = c.peak_rss_mib / j.peak_rss_mib if j.peak_rss_mib else float("nan")
    print(f"throughput ratio connectrt/java: end to end {e2e:.2f}x, first→last line {steady:.2f}x")
    print(f"peak RSS ratio connectrt/java: {rss:.2f} (java is {1 / rss:.1f}x connectrt)")
    print(f"CPU time ratio connectrt/java: {c.cpu_s / j.cpu_s:.2f}")
    ok = "ok  " if e2e >= 1 else "MISS"
    print(f"[{ok}] connectrt end-to-end throughput >= java's ({e2e:.2f}x)")
    ok = "ok  " if rss <= TARGET_RSS_FRACTION else "MISS"
    print(f"[{ok}] connectrt peak RSS <= 1/3 of java's ({rss:.2f})")
    print(f"[{'ok  ' if c.correct and j.correct else 'MISS'}] both sink files equal the input")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lines", type=int, default=1_000_000, help="input lines (default 1,000,000)")
    p.add_argument(
        "--line-chars", type=int, default=64, help="characters per line before the newline (default 64)"
    )
    p.add_argument("--runs", type=int, default=1, help="rounds; sides alternate who goes first (default 1)")
    p.add_argument("--skip-java", action="store_true", help="run connectrt only")
    p.add_argument("--skip-connectrt", action="store_true", help="run Java Connect only")
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:29092"))
    p.add_argument(
        "--java-cache",
        type=Path,
        default=DEFAULT_JAVA_CACHE,
        help=f"where mvn puts Kafka Connect's jars (default {DEFAULT_JAVA_CACHE})",
    )
    p.add_argument(
        "--flush-interval-ms",
        type=int,
        default=1000,
        help="offset.flush.interval.ms for both workers (default 1000): FileStreamSink flushes "
        "its file then, and connectrt's sink buffers writes until the flush",
    )
    p.add_argument(
        "--header-converter",
        default=None,
        help="header.converter for both workers (default: the worker default, SimpleHeaderConverter)",
    )
    p.add_argument(
        "--worker-prop",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra worker property, both sides",
    )
    p.add_argument(
        "--java-worker-prop",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra worker property for Java only, e.g. plugin.discovery=service_load (skips the ~8 s classpath "
        "reflection scan that Java's default hybrid_warn does and warns about)",
    )
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run both workers under `nice -n N` (negative needs root): less noise from other load on the "
        "machine; the broker keeps its priority",
    )
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per side before giving up")
    p.add_argument("--workdir", type=Path, default=None, help="keep inputs and worker dirs here")
    p.add_argument("--keep", action="store_true", help="keep each side's worker dir (logs, sink file)")
    p.add_argument(
        "--profile",
        default=None,
        help="attach `py-spy record` to the connectrt worker and write its collapsed stacks to this file "
        "(pip install py-spy into the venv; not a runtime dependency)",
    )
    p.add_argument(
        "--connectrt-launcher",
        default="-m connectrt.cli",
        help="what follows the venv's python for the connectrt worker (default '-m connectrt.cli'); "
        "e.g. '-X importtime -m connectrt.cli', or a wrapper script that takes connectrt's arguments",
    )
    args = p.parse_args()

    sides = [s for s, skip in (("connectrt", args.skip_connectrt), ("java", args.skip_java)) if not skip]
    if not sides:
        p.error("nothing to run")
    java_cache = ensure_java_connect(args.java_cache) if "java" in sides else None

    base = args.workdir or Path(tempfile.mkdtemp(prefix="connectrt-bench-file-"))
    base.mkdir(parents=True, exist_ok=True)
    input_file = base / "input.txt"
    input_size = write_input(input_file, args.lines, args.line_chars)
    print(
        f"file pipeline: {args.lines:,} lines, {input_size / 1e6:.1f} MB, JsonConverter schemas.enable=false, "
        f"1-partition topics on {args.bootstrap}, offset.flush.interval.ms={args.flush_interval_ms}"
    )
    if java_cache is not None:
        print(
            f"java: Kafka Connect {KAFKA_VERSION} (connect-file {CONNECT_FILE_VERSION}) from {java_cache}, "
            f"connect-standalone.sh's default JVM options"
        )
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"python {platform.python_version()}; date {dt.datetime.now().isoformat(timespec='seconds')}"
    )

    if "connectrt" in sides:
        warm_up_bytecode()
    admin = TopicAdmin(make_admin({"bootstrap.servers": args.bootstrap}))
    all_results: dict[str, list[Result]] = {s: [] for s in sides}
    failed = False
    try:
        for run in range(args.runs):
            order = sides if run % 2 == 0 else sides[::-1]
            results: dict[str, Result] = {}
            for side in order:
                print(f"run {run + 1}/{args.runs}: {side} ...", flush=True)
                results[side] = run_side(side, args, admin, input_file, input_size, base, java_cache)
                all_results[side].append(results[side])
            report(
                [Summary.of(results[s]) for s in sides],
                f"run {run + 1}/{args.runs} ({' then '.join(order)})",
                [f"{r.side}: {note}" for r in results.values() for note in r.notes],
            )
            failed |= not all(r.correct for r in results.values())
    finally:
        if args.workdir is None and not args.keep and not failed:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"\nwork files kept in {base}")
    if args.runs > 1:
        medians = [Summary.median(all_results[s]) for s in sides]
        report(medians, f"median of {args.runs} runs (each figure separately)")
    else:
        medians = [Summary.of(all_results[s][0]) for s in sides]
    by_side = {m.side: m for m in medians}
    if "connectrt" in by_side:
        verdict(by_side["connectrt"], by_side.get("java"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
