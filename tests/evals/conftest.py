"""Fixtures for the eval harness tests: small golden files written on the fly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ragfort.evals.pytest_plugin import ragfort_eval  # noqa: F401 - the fixture under test


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write objects (or raw strings) as JSONL lines; returns the path."""

    def write(items: list[Any], name: str = "golden.jsonl") -> Path:
        path = tmp_path / name
        with open(path, "w", encoding="utf-8") as fh:
            for item in items:
                fh.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
        return path

    return write


def record(rid: str, question: str, **extra: Any) -> dict[str, Any]:
    """A valid golden record with sensible defaults."""
    base: dict[str, Any] = {
        "id": rid,
        "question": question,
        "reference_answer": "",
        "relevant_doc_ids": [],
        "answerable": False,
        "tags": [],
    }
    base.update(extra)
    return base


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep vault, cache and trace state out of the working directory."""
    monkeypatch.setenv("RAGFORT_HOME", str(tmp_path / "ragfort-home"))
