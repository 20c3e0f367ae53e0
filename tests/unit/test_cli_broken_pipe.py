"""`connectrt plugins | head`: a reader that goes away ends the command quietly, without a traceback."""

from __future__ import annotations

import subprocess
import sys


def test_a_closed_stdout_ends_the_command_without_a_traceback() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "connectrt.cli", "plugins"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    stderr = proc.stderr.read().decode()
    proc.wait(120)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert proc.returncode == 141
