"""WorkerTask: the thread that runs one task, its target state and its status transitions."""

from __future__ import annotations

import gc
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from connectrt.model.entities import ConnectorTaskId
from connectrt.model.states import TargetState
from connectrt.runtime.errors import format_trace
from connectrt.runtime.transformation_chain import close_each
from connectrt.storage.status import State

log = logging.getLogger(__name__)

# Python's default collector thresholds, and the young-generation threshold tasks use instead. Records wait in
# queues (a connector's, librdkafka's delivery reports) long enough to be promoted and walked again and again by
# older-generation collections; a larger young generation lets most die first (13-15% less CPU per record for the
# PostgreSQL source with JsonConverter, pg_cdc_bench-style pipeline). Settings chosen by the operator are kept.
_PYTHON_GC_DEFAULTS = (700, 10, 10)
TASK_GC_THRESHOLD0 = 10_000


def tune_gc_for_tasks() -> None:
    """Raise the collector's young-generation threshold once, unless someone already changed the defaults."""
    if gc.get_threshold() == _PYTHON_GC_DEFAULTS:
        gc.set_threshold(TASK_GC_THRESHOLD0, *_PYTHON_GC_DEFAULTS[1:])
        log.debug("Garbage collector thresholds set to %s for task threads", gc.get_threshold())


StatusListener = Callable[[ConnectorTaskId, State, str | None], None]


class TaskLogAdapter(logging.LoggerAdapter):  # type: ignore[type-arg,unused-ignore]
    """Prefixes log lines with Java's ``[connector|task-n]`` context."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['ctx']}] {msg}", kwargs  # type: ignore[index]


class WorkerTask(ABC):
    """Common lifecycle of source and sink tasks (Java's WorkerTask)."""

    def __init__(self, task_id: ConnectorTaskId, listener: StatusListener, target_state: TargetState) -> None:
        self.id = task_id
        self.listener = listener
        self.target_state = target_state
        self.stopping = threading.Event()
        self.state_changed = threading.Condition()
        self.thread: threading.Thread | None = None
        self.cancelled = False
        self.failed = False
        self.log = TaskLogAdapter(
            logging.getLogger(type(self).__module__), {"ctx": f"{task_id.connector}|task-{task_id.task}"}
        )

    # --- lifecycle driven by the Worker ------------------------------------------------------
    def start(self) -> None:
        tune_gc_for_tasks()
        self.thread = threading.Thread(target=self.run, name=f"task-thread-{self.id}", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Ask the task to stop; returns at once (``await_stop`` waits)."""
        self.stopping.set()
        with self.state_changed:
            self.state_changed.notify_all()
        self.on_stop_requested()

    def await_stop(self, timeout_s: float) -> bool:
        if self.thread is None:
            return True
        self.thread.join(timeout_s)
        return not self.thread.is_alive()

    def cancel(self) -> None:
        """The task did not stop in time: abandon it; its status must no longer be reported."""
        self.cancelled = True

    def transition_to(self, state: TargetState) -> None:
        with self.state_changed:
            self.target_state = state
            self.state_changed.notify_all()

    # --- the thread --------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.initialize_and_start()
            if not self.stopping.is_set():
                self._report(State.PAUSED if self.target_state is not TargetState.STARTED else State.RUNNING)
                self.execute()
        except BaseException as e:  # a task failure must never escape the thread
            if not self.stopping.is_set() or not isinstance(e, InterruptedError):
                self.failed = True
                self.log.error(
                    "Task threw an uncaught and unrecoverable exception. Task is being killed and "
                    "will not recover until manually restarted",
                    exc_info=e,
                )
                self._report(State.FAILED, format_trace(e))
        finally:
            try:
                self.close()
            except Exception as e:
                self.log.warning("Failed to close task cleanly: %s", e)
            self.close_converters()
            if not self.failed:
                self._report(State.UNASSIGNED)

    def close_converters(self) -> None:
        """As Java's tasks do when they stop: ``close()`` the task's key, value and header converters."""
        close_each(
            [
                (a.replace("_", " "), getattr(self, a, None))
                for a in ("key_converter", "value_converter", "header_converter")
            ],
            self.log,
        )

    def _report(self, state: State, trace: str | None = None) -> None:
        if self.cancelled:
            return
        try:
            self.listener(self.id, state, trace)
        except Exception as e:  # status reporting must not kill the task
            self.log.warning("Failed to report status %s: %s", state.value, e)

    def await_unpaused(self) -> bool:
        """Block while paused; True when the task should keep running."""
        with self.state_changed:
            if self.target_state is TargetState.STARTED or self.stopping.is_set():
                return not self.stopping.is_set()
            self._report(State.PAUSED)
            self.on_pause()
            while self.target_state is not TargetState.STARTED and not self.stopping.is_set():
                self.state_changed.wait(0.5)
                self.while_paused()
        if self.stopping.is_set():
            return False
        self.on_resume()
        self._report(State.RUNNING)
        return True

    def on_pause(self) -> None:  # noqa: B027 - optional hook
        pass

    def on_resume(self) -> None:  # noqa: B027 - optional hook
        pass

    def while_paused(self) -> None:  # noqa: B027 - optional hook
        pass

    def on_stop_requested(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    def initialize_and_start(self) -> None: ...

    @abstractmethod
    def execute(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...
