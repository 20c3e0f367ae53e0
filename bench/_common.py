"""Helpers shared by the benchmarks: worker processes, peak-RSS sampling, health waits, the Java anchor.

Nothing here is a test; benchmarks print figures and gate nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

KAFKA_VERSION = "4.2.1"
#: connect-file 4.2.1 was never published to Maven Central (4.2.0 and 4.3.x were); the file connectors
#: did not change between them, and connect-api is pinned to KAFKA_VERSION below.
CONNECT_FILE_VERSION = "4.2.0"
LOG4J_VERSION = "2.25.5"
SLF4J_VERSION = "2.0.17"
DEFAULT_JAVA_CACHE = Path.home() / ".cache" / "connectrt" / "bench" / f"java-connect-{KAFKA_VERSION}"


# --- small utilities --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_properties(path: Path, props: Mapping[str, Any]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def http_status(url: str, timeout_s: float = 1.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (OSError, ValueError):
        return None


def read_rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB from /proc/<pid>/status; (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, hwm


def cpu_and_run_delay_s(pid: int) -> tuple[float, float]:
    """(CPU seconds, seconds spent runnable but waiting for a CPU) over a process's live threads.

    From /proc/<pid>/task/*/schedstat; threads that already exited are not counted. The run delay shows how
    much of a wall-clock figure other load on the machine took.
    """
    cpu_ns = wait_ns = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return float("nan"), float("nan")
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run, wait, _ = f.read().split()
        except (OSError, ValueError):
            continue
        cpu_ns += int(run)
        wait_ns += int(wait)
    return cpu_ns / 1e9, wait_ns / 1e9


class RssSampler:
    """Samples VmRSS of one process every ``interval_s`` on a daemon thread; keeps the peak.

    ``peak_kib`` also takes the kernel's own high-water mark (VmHWM), read at each sample, so a short
    spike between samples is not missed.
    """

    def __init__(self, pid: int, interval_s: float = 0.1) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-{pid}", daemon=True)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def sample(self) -> None:
        rss, hwm = read_rss_kib(self.pid)
        self.peak_kib = max(self.peak_kib, rss, hwm)
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def stop(self) -> int:
        """Take a last sample (call before the process exits) and stop; returns the peak in KiB."""
        self.sample()
        self._stop.set()
        self._thread.join(2)
        return self.peak_kib


class Worker:
    """A worker process (connectrt or Java Connect) with its log file; stopped by pid, never by name."""

    def __init__(
        self, label: str, argv: Sequence[str], log_path: Path, cwd: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.label = label
        self.argv = list(argv)
        self.log_path = log_path
        self.cwd = cwd
        self.env = dict(os.environ if env is None else env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> Worker:
        log = open(self.log_path, "ab")
        try:
            self.started_at = time.monotonic()
            # Own session, so stop() can signal the worker and anything it spawned, and nothing else.
            self.proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                env=self.env,
                start_new_session=True,
            )
        finally:
            log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self, url: str, timeout_s: float = 120.0) -> float:
        """Seconds from spawn until GET ``url`` answers 200."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.label} worker exited early ({self.returncode()}):\n{self.tail()}")
            if http_status(url, 1.0) == 200:
                return time.monotonic() - self.started_at
            time.sleep(0.02)
        raise RuntimeError(f"{self.label} worker not healthy within {timeout_s:.0f}s:\n{self.tail()}")

    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM the worker's process group, SIGKILL it after ``timeout_s``."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(10)


class PySpy:
    """``py-spy record --pid`` attached to a running Python process; stop() makes it write ``out``.

    Writes collapsed stacks (``--format raw``); :func:`summarize_collapsed` turns them into a table. With
    ``gil_only`` (the default) a sample is taken only from the thread holding the GIL, so the figures show
    where the one core of Python work goes; time in C code that releases the GIL is not seen.
    """

    def __init__(
        self, pid: int, out: Path, log_path: Path, rate_hz: int = 100, gil_only: bool = True
    ) -> None:
        exe = Path(sys.executable).parent / "py-spy"
        found = str(exe) if exe.exists() else shutil.which("py-spy")
        if found is None:
            raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
        self.argv = [
            found,
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--threads",
            "--nonblocking",
            "--rate",
            str(rate_hz),
            "--output",
            str(out),
        ]
        if gil_only:  # only samples of the thread holding the GIL: Python CPU time, without GIL waits
            self.argv.insert(2, "--gil")
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PySpy:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def summarize_collapsed(path: Path, top: int = 30) -> str:
    """Top functions by self and by inclusive samples from py-spy's collapsed stacks, and the share per thread.

    Frames look like ``function (path/file.py:line)``; time in C code is the calling Python frame's self time.
    """
    self_n: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        thread = frames[0].split(": ", 1)[-1] if frames[0].startswith("thread (") else ""
        frames = [f for f in frames if not f.startswith(("thread (", "process "))]
        if not frames:
            continue
        names = [_frame_name(f) for f in frames]
        total += n
        threads[thread] += n
        self_n[names[-1]] += n
        for name in set(names):
            incl[name] += n
    if not total:
        return "(no samples)"
    out = [f"{total} samples"]
    out.append("by thread: " + ", ".join(f"{t or '?'} {c / total:.0%}" for t, c in threads.most_common(6)))
    out.append(f"{'self':>6}  function")
    out += [f"{c / total:6.1%}  {name}" for name, c in self_n.most_common(top)]
    out.append(f"{'incl':>6}  function")
    out += [f"{c / total:6.1%}  {name}" for name, c in incl.most_common(top)]
    return "\n".join(out)


def _frame_name(frame: str) -> str:
    """``poll (connectrt/connectors/file.py:240)`` → ``poll (connectors/file.py)``, shortened, line dropped."""
    name, _, loc = frame.partition(" (")
    loc = loc.rstrip(")").rsplit(":", 1)[0]
    parts = loc.split("/")
    return f"{name} ({'/'.join(parts[-2:])})" if loc else name


# --- the Java anchor ---------------------------------------------------------------------------

_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>connectrt.bench</groupId>
  <artifactId>java-connect</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""

_DEP = """    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"""


def java_connect_artifacts(kafka_version: str = KAFKA_VERSION) -> list[tuple[str, str, str]]:
    return [
        ("org.apache.kafka", "connect-runtime", kafka_version),
        ("org.apache.kafka", "connect-api", kafka_version),
        ("org.apache.kafka", "connect-json", kafka_version),
        (
            "org.apache.kafka",
            "connect-file",
            CONNECT_FILE_VERSION if kafka_version == KAFKA_VERSION else kafka_version,
        ),
        ("org.apache.logging.log4j", "log4j-slf4j2-impl", LOG4J_VERSION),
        ("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION),
        ("org.slf4j", "slf4j-api", SLF4J_VERSION),
    ]


_LOG4J2_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="stdout"/></Root>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
  </Loggers>
</Configuration>
"""


def ensure_java_connect(cache_dir: Path = DEFAULT_JAVA_CACHE, kafka_version: str = KAFKA_VERSION) -> Path:
    """Resolve Kafka Connect's standalone runtime with mvn into ``cache_dir/lib`` (reused when present).

    Returns ``cache_dir``; it holds ``lib/*.jar`` and ``log4j2.xml``.
    """
    lib = cache_dir / "lib"
    marker = cache_dir / ".complete"
    if not (marker.exists() and any(lib.glob(f"connect-runtime-{kafka_version}.jar"))):
        if shutil.which("mvn") is None:
            raise RuntimeError("mvn is not on PATH: install Maven, or run with --skip-java")
        cache_dir.mkdir(parents=True, exist_ok=True)
        deps = "\n".join(_DEP.format(g=g, a=a, v=v) for g, a, v in java_connect_artifacts(kafka_version))
        (cache_dir / "pom.xml").write_text(_POM.format(deps=deps))
        print(f"resolving Kafka Connect {kafka_version} with mvn into {lib} ...", flush=True)
        subprocess.run(
            [
                "mvn",
                "-q",
                "-B",
                "dependency:copy-dependencies",
                "-DoutputDirectory=lib",
                "-DincludeScope=runtime",
            ],
            cwd=cache_dir,
            check=True,
        )
        marker.write_text("ok\n")
    (cache_dir / "log4j2.xml").write_text(_LOG4J2_XML)
    return cache_dir


def java_bin() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise RuntimeError("java is not on PATH: install Java 17+, or run with --skip-java")
    return found


def java_connect_standalone_argv(
    cache_dir: Path, files: Sequence[Path], heap_opts: str = "-Xms256M -Xmx2G"
) -> list[str]:
    """``connect-standalone.sh``'s command line, with the JVM options kafka-run-class.sh uses by default."""
    return [
        java_bin(),
        *heap_opts.split(),
        "-server",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-XX:InitiatingHeapOccupancyPercent=35",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={cache_dir / 'log4j2.xml'}",
        "-cp",
        f"{cache_dir / 'lib'}/*",
        "org.apache.kafka.connect.cli.ConnectStandalone",
        *map(str, files),
    ]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# --- output ------------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
