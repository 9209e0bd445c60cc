"""HiGHS writes nothing to the service's stdout: its banner ("Running HiGHS 1.x ...") and its log
would land in the service's JSON log stream. HiGHS prints the banner once per process, so the solve
runs in a fresh interpreter: in this test process an earlier solve may have printed it already."""

from __future__ import annotations

import subprocess
import sys

SOLVE = """
from pmo_portfolio.logic.selection import Candidate, select_projects

result = select_projects([Candidate("A", 60, 70.0), Candidate("B", 50, 50.0), Candidate("C", 50, 50.0)], 100)
assert result.selected == ["B", "C"] and result.optimal, result
"""


def test_a_solve_prints_nothing(capfd) -> None:
    # The child inherits this process's file descriptors, which capfd has redirected: anything HiGHS
    # writes at the C level (printf, not sys.stdout) is captured too.
    completed = subprocess.run([sys.executable, "-c", SOLVE], check=False)
    out, err = capfd.readouterr()
    assert completed.returncode == 0, err
    assert out == "", f"the solver printed to stdout: {out!r}"
    assert "HiGHS" not in err
