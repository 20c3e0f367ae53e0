"""Process, port, log and lock helpers for the dev services (Linux first, POSIX elsewhere)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from connectrt.dev.errors import DevError

LOG_TAIL_LINES = 15


# ---- ports ----------------------------------------------------------------------------------


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on ``host:port`` now (as Kafka and PostgreSQL do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def listener_uid(port: int) -> int | None:
    """The user id owning the socket that listens on ``port`` (any local address), from
    ``/proc/net/tcp`` and ``tcp6``; None when nothing listens there or the system has no such files."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # sl local_address rem_address st tx:rx tr:when retrnsmt uid ...; st 0A is LISTEN
            if len(fields) > 7 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return int(fields[7])
    return None


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---- processes --------------------------------------------------------------------------------


def _reap(pid: int) -> bool:
    """Reap ``pid`` if it is our exited child; True when it was."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    except OSError:
        return False
    return done == pid


def pid_alive(pid: int, marker: str | None = None) -> bool:
    """True when ``pid`` runs and (if given) ``marker`` is part of its command line.

    The marker guards against pid reuse: a state file may outlive its processes, and a new,
    unrelated process may have the recorded pid.
    """
    if pid <= 0 or _reap(pid):
        return False
    proc = Path("/proc") / str(pid)
    if Path("/proc/self").exists():
        try:
            stat = (proc / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                return False
            if marker is None:
                return True
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, IndexError, PermissionError):
            return False
        return marker in cmdline
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_start_time(pid: int) -> str | None:
    """An identity of a live process that survives pid reuse (its start time), or None."""
    if Path("/proc/self").exists():
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return None if fields[0] in ("Z", "X") else fields[19]
    return "-" if pid_alive(pid) else None


def rotate_log(log_path: Path) -> None:
    """Keep the previous run's log as ``<name>.1`` so a new start begins an empty log."""
    if log_path.exists() and log_path.stat().st_size > 0:
        os.replace(log_path, log_path.with_name(log_path.name + ".1"))


def spawn(
    cmd: Sequence[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` detached from our session (Ctrl-C in the terminal does not reach it),
    with stdout and stderr appended to ``log_path``; ``user`` switches the OS user (needs root)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    extra: dict[str, object] = {}
    if user is not None:
        entry = pwd.getpwnam(user)
        extra = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    with open(log_path, "ab") as log:
        try:
            return subprocess.Popen(  # type: ignore[call-overload]
                list(cmd),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=str(cwd) if cwd else None,
                start_new_session=True,
                close_fds=True,
                **extra,
            )
        except OSError as exc:
            raise DevError(f"Could not start {cmd[0]}: {exc.strerror or exc}.")


def run_logged(
    cmd: Sequence[str],
    log_path: Path,
    *,
    what: str,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    user: str | None = None,
) -> None:
    """Run a preparation step to completion, logging to ``log_path``; raise DevError with the
    log's last lines when it fails or times out."""
    start = log_path.stat().st_size if log_path.exists() else 0
    proc = spawn(cmd, log_path, env=env, cwd=cwd, user=user)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise DevError(
            f"{what} did not finish within {timeout:g} s (log: {log_path}).",
            tail_lines(log_path, offset=start),
        )
    if code != 0:
        raise DevError(
            f"{what} failed with exit code {code} (log: {log_path}).", tail_lines(log_path, offset=start)
        )


def stop_pids(pids: Mapping[int, tuple[str | None, int]], timeout: float = 30.0) -> list[int]:
    """Stop processes: ``pids`` maps pid -> (command-line marker, signal to send first).

    Sends each live process its signal, waits up to ``timeout`` seconds, then SIGKILLs what is
    left. Returns the pids that had to be killed.
    """
    live = {pid: marker for pid, (marker, _) in pids.items() if pid_alive(pid, marker)}
    for pid in live:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, pids[pid][1])
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        live = {pid: marker for pid, marker in live.items() if pid_alive(pid, marker)}
        if live:
            time.sleep(0.1)
    killed = list(live)
    for pid in killed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0
    while live and time.monotonic() < deadline:
        live = {pid: marker for pid, marker in live.items() if pid_alive(pid, marker)}
        if live:
            time.sleep(0.05)
    return killed


# ---- logs and locks ---------------------------------------------------------------------------


def tail_lines(path: Path, n: int = LOG_TAIL_LINES, offset: int = 0) -> list[str]:
    """The last ``n`` non-empty lines of a log (from byte ``offset``), for error messages."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            start = max(offset, size - 64 * 1024)
            handle.seek(start)
            data = handle.read()
    except OSError:
        return []
    lines = [line.rstrip() for line in data.decode(errors="replace").splitlines() if line.strip()]
    return [line[:300] for line in lines[-n:]]


@contextlib.contextmanager
def file_lock(path: Path, what: str) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if needed), waiting for other holders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            print(f"Waiting for another connectrt dev command on {what} ...", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
