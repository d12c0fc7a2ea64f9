"""The examples run as a user would run them, and do what their docstrings promise."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wrap_your_chain_answers_with_a_citation_and_status_ok(tmp_path: Path) -> None:
    env = {**os.environ, "RAGFORT_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "wrap_your_chain.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    answer, status, *citations = done.stdout.strip().splitlines()
    assert re.fullmatch(r"Devices can be returned within 14 days of delivery \[1\]\.", answer), done.stdout
    assert status.startswith("status: ok |"), done.stdout
    # "  [1] returns/devices.md: 'Devices can be returned within 14 days of delivery.'"
    cited = re.compile(r"  \[1\] returns/devices\.md: '.*14 days of delivery\.'")
    assert citations and cited.fullmatch(citations[0]), done.stdout
