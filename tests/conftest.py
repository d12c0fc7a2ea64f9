"""Shared fixtures: offline settings, the example help center indexed once per session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

# Everything ragfort persists (cache, vault, traces) goes to a throwaway data
# dir, never into the checkout, removed when the run ends; tests that need isolation set their own.
_HOME = tempfile.mkdtemp(prefix="ragfort-test-home-")
os.environ["RAGFORT_HOME"] = _HOME
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)

REPO = Path(__file__).resolve().parents[1]
HELP_CENTER = REPO / "examples" / "help_center"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or a skip with the reason when it is absent (never in CI)."""
    path = SHARED_DATA / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing in CI; the labelled dev sets must be there")
        pytest.skip(f"labelled data {path} is absent on this machine")
    return path


@pytest.fixture(scope="session")
def help_center_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The bundled help center ingested with the recommended policy (shared, read-only)."""
    from ragfort.ingest import ingest_paths

    path = tmp_path_factory.mktemp("hc") / "index"
    ingest_paths([HELP_CENTER], index=path, policy="support_agent")
    yield path


@pytest.fixture(scope="session")
def help_center_chain(help_center_index: Path):  # type: ignore[no-untyped-def]
    import ragfort

    return ragfort.build_chain(help_center_index)
