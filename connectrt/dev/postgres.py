"""A private PostgreSQL cluster for development, from the distribution's server packages.

The cluster lives in the instance directory (``<instance>/postgres/data``), listens on loopback
only, has ``wal_level=logical`` and room for replication slots, and trades durability for speed
(``fsync=off``, ``synchronous_commit=off``). PostgreSQL refuses to run as root, so when we are root
the cluster belongs to the ``postgres`` OS user; if that user cannot reach the cache directory (the
default one is under ``/root``), the data goes to ``/var/tmp/connectrt-postgres/<hash>`` and the
instance directory holds a symlink to it.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import shutil
import signal
import stat
import time
from pathlib import Path

from connectrt.dev.config import LOOPBACK, PG_DATABASE, PG_PASSWORD, PG_USER, DevSettings, pg_dsn
from connectrt.dev.errors import DevError
from connectrt.dev.procs import rotate_log, run_logged, spawn, tail_lines
from connectrt.dev.state import ServiceRecord

DEFAULT_START_TIMEOUT = 60.0
INITDB_TIMEOUT = 180.0
FALLBACK_ROOT = Path("/var/tmp/connectrt-postgres")
OS_USER = "postgres"

# Server settings, given on the command line so they apply to clusters made by older versions too.
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": LOOPBACK,
    "unix_socket_directories": "",
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    "max_connections": "200",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # A slot that a test forgot to drop must not fill the disk of a long-lived dev cluster.
    "max_slot_wal_keep_size": "2GB",
}


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``postgres``: CONNECTRT_PG_BIN, Debian's newest
    /usr/lib/postgresql/N/bin, or the one on PATH."""
    if os.environ.get("CONNECTRT_PG_BIN"):
        candidates = [Path(os.environ["CONNECTRT_PG_BIN"])]
    else:

        def major(path: Path) -> int:
            return int(path.parent.name) if path.parent.name.isdigit() else 0

        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=major, reverse=True)
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "postgres").is_file():
            return candidate
    raise DevError(
        "PostgreSQL server binaries (initdb, postgres) were not found; install them "
        "(apt-get install postgresql) or set CONNECTRT_PG_BIN to their directory."
    )


def server_version(bin_dir: Path) -> str:
    match = re.search(r"/postgresql/(\d+)/bin", str(bin_dir))
    return match.group(1) if match else ""


def os_user() -> pwd.struct_passwd | None:
    """The user that runs the cluster: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        raise DevError(
            "PostgreSQL cannot run as root and there is no 'postgres' OS user; create one "
            "(useradd --system postgres) or run connectrt dev as a normal user."
        )


def _traversable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` can traverse every existing directory from / down to ``path``."""
    groups = {user.pw_gid} | {g for g in os.getgrouplist(user.pw_name, user.pw_gid)}
    for directory in [*reversed(path.parents), path]:
        try:
            st = directory.stat()
        except FileNotFoundError:
            return True  # created later by us, with mode 0755
        if st.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def cluster_root(settings: DevSettings, user: pwd.struct_passwd | None) -> Path:
    """The directory holding ``data/`` (created, owned by the cluster's user)."""
    preferred = settings.instance_dir / "postgres"
    if preferred.is_symlink():
        root = preferred.resolve()
    elif user is None or _traversable(preferred.parent, user):
        root = preferred
    else:
        digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:16]
        FALLBACK_ROOT.mkdir(parents=True, exist_ok=True)
        os.chmod(FALLBACK_ROOT, 0o755)
        root = FALLBACK_ROOT / digest
        preferred.parent.mkdir(parents=True, exist_ok=True)
        preferred.symlink_to(root, target_is_directory=True)
    root.mkdir(parents=True, exist_ok=True)
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chmod(root, 0o700)
    return root


def purge_paths(settings: DevSettings) -> list[Path]:
    """Directories outside the instance directory that ``down --purge`` must remove too."""
    preferred = settings.instance_dir / "postgres"
    return [preferred.resolve()] if preferred.is_symlink() else []


def init_cluster(settings: DevSettings, bin_dir: Path, root: Path, user: pwd.struct_passwd | None) -> Path:
    """``initdb`` the cluster unless it exists; returns the data directory."""
    data = root / "data"
    if (data / "PG_VERSION").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)  # a half-made cluster from an interrupted initdb
    pwfile = root / "initdb.pw"
    pwfile.write_text(PG_PASSWORD + "\n")
    os.chmod(pwfile, 0o600)
    if user is not None:
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    log = settings.instance_dir / "logs" / "postgres-initdb.log"
    rotate_log(log)
    try:
        run_logged(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            log,
            what="PostgreSQL initdb",
            timeout=INITDB_TIMEOUT,
            cwd=root,
            user=user.pw_name if user else None,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    return data


def launch(settings: DevSettings) -> ServiceRecord:
    """Create the cluster if needed and start its postmaster on loopback."""
    bin_dir = find_bin_dir()
    user = os_user()
    root = cluster_root(settings, user)
    data = init_cluster(settings, bin_dir, root, user)
    log = settings.instance_dir / "logs" / "postgres.log"
    rotate_log(log)
    cmd = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(settings.postgres_port)]
    for key, value in SERVER_SETTINGS.items():
        cmd += ["-c", f"{key}={value}"]
    proc = spawn(cmd, log, cwd=root, user=user.pw_name if user else None)
    return ServiceRecord(
        name="postgres",
        kind="postgres",
        pid=proc.pid,
        address=f"{LOOPBACK}:{settings.postgres_port}",
        marker=str(data),
        log=str(log),
        stop_signal=int(signal.SIGINT),  # "fast" shutdown: roll back sessions, then stop
        started_at=time.time(),
        info={"version": server_version(bin_dir), "data": str(data), "bin": str(bin_dir)},
    )


def wait_ready(settings: DevSettings, record: ServiceRecord, timeout: float | None) -> None:
    """Wait until the server accepts our superuser, then make sure the test database exists."""
    import psycopg

    limit = timeout or DEFAULT_START_TIMEOUT
    deadline = time.monotonic() + limit
    admin_dsn = pg_dsn(settings.postgres_port).rsplit("/", 1)[0] + "/postgres"
    while True:
        if not record.alive():
            raise DevError(
                f"PostgreSQL exited during start-up (log: {record.log}).", tail_lines(Path(record.log))
            )
        try:
            with psycopg.connect(admin_dsn, connect_timeout=2, autocommit=True) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
                return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise DevError(
                f"PostgreSQL did not accept connections within {limit:g} s (log: {record.log}).",
                tail_lines(Path(record.log)),
            )
        time.sleep(0.2)
