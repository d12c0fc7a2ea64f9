"""The service's CLI commands: keys create/list/revoke and ab-report."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ragfort.cli import app
from ragfort.server.keys import KeyStore

runner = CliRunner()


def test_keys_create_prints_a_working_key_once(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[0]
    assert KeyStore(tmp_path / "keys.sqlite").tenant_of(key) == "acme"
    listing = runner.invoke(app, ["keys", "list", "--data-dir", str(tmp_path)])
    assert "acme" in listing.stdout and key not in listing.stdout


def test_keys_create_with_a_bad_tenant_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--tenant", "Not OK", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "'Not OK'" in result.output


def test_keys_revoke_unknown_id_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "revoke", "feedfacecafe", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2


def test_ab_report_on_a_missing_data_dir_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ab-report", "--data-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_ab_report_on_an_empty_data_dir_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ab-report", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "no traces or feedback" in result.stdout


def test_serve_without_an_index_exits_2_with_the_command_to_build_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAGFORT_INDEX", raising=False)
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path), "--port", "8999"])
    assert result.exit_code == 2
    assert "ragfort ingest" in result.output and str(tmp_path / "index") in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--port", "0"], "port"), (["--auth", "maybe"], "'maybe'"), (["--workers", "0"], "workers")],
)
def test_serve_rejects_bad_flags(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_serve_names_a_bad_setting_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_TENANTS", '{"Bad Tenant": {}}')
    result = runner.invoke(app, ["serve", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "Bad Tenant" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A YAML syntax error: one line with the file, line and column.
        (
            "name: broken\nguards:\n  input:\n    - guard: question_length\n      max_chars: [1, 2\n",
            ":6:1: not valid YAML",
        ),
        # A valid YAML file that is not a valid policy: the file, the key and the bad value.
        ("name: broken\nguards:\n  input:\n    - {guard: question_length, max_chars: -5}\n", "max_chars"),
        ("name: broken\nguards:\n  input:\n    - {guard: no_such_guard}\n", "no_such_guard"),
    ],
)
def test_serve_with_a_bad_policy_is_one_error_line_before_anything_is_announced(
    help_center_index: Path, tmp_path: Path, text: str, expected: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["serve", "--index", str(help_center_index), "--policy", str(bad), "--port", "8999"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0], lines
    assert expected in lines[0]
    assert "serving" not in result.output


def test_serve_validates_each_tenants_policy_too(
    help_center_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "tenant.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("RAGFORT_TENANTS", json.dumps({"acme": {"policy": str(bad)}}))
    result = runner.invoke(app, ["serve", "--index", str(help_center_index), "--port", "8999"])
    assert result.exit_code == 2 and f"{bad}:2:1: not valid YAML" in result.output, result.output
    assert "serving" not in result.output


@pytest.fixture
def _logging_restored() -> Iterator[None]:
    """`create_app` points ragfort's and uvicorn's loggers at this stderr (a test runner's, closed afterwards)."""
    names = ("ragfort", "uvicorn", "uvicorn.error")
    saved = {
        n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level, logging.getLogger(n).propagate) for n in names
    }
    yield
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.propagate = handlers, propagate
        logger.setLevel(level)


@pytest.mark.usefixtures("_logging_restored")
def test_serve_announces_the_address_it_binds(help_center_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    bound: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: bound.update(kw))
    result = runner.invoke(app, ["serve", "--index", str(help_center_index), "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert bound["host"] == "127.0.0.1"
    assert "on http://127.0.0.1:8999/" in result.output and "localhost" not in result.output
