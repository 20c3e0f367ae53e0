"""``python -m connectrt.cli`` reports a CommandError as one line, like the ``connectrt`` script."""

from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_prints_one_line_without_traceback(tmp_path: object) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "connectrt.cli", "standalone", "/nonexistent/worker.properties"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "connectrt: Worker config file /nonexistent/worker.properties does not exist."
    )
    assert "Traceback" not in result.stderr
