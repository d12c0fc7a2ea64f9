"""JSON log lines: one object per line, the call site's fields, an exception's type and never its message."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ragfort.server.logs import JsonFormatter, configure_json_logging

LOGGERS = ("ragfort", "uvicorn", "uvicorn.error")


def _record(message: str, *args: object, fields: object = None, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    record = logging.LogRecord("ragfort.server", logging.WARNING, __file__, 1, message, args, exc_info)
    if fields is not None:
        record.fields = fields
    return record


def _line(record: logging.LogRecord) -> dict[str, Any]:
    text = JsonFormatter().format(record)
    assert "\n" not in text
    out: dict[str, Any] = json.loads(text)
    return out


def test_a_record_is_one_json_object_with_the_call_sites_fields() -> None:
    out = _line(_record("answered %s", "ok", fields={"trace_id": "t-1", "tenant": "acme", "variant": None, "ms": 12.5}))
    assert out["message"] == "answered ok"
    assert (out["level"], out["logger"]) == ("warning", "ragfort.server")
    assert (out["trace_id"], out["tenant"], out["ms"]) == ("t-1", "acme", 12.5)
    assert "variant" not in out  # unset fields are left out
    assert out["time"].endswith("Z") and abs(out["ts"] - _record("x").created) < 60


def test_an_exception_is_logged_by_its_type_only() -> None:
    try:
        raise ValueError("jane.doe@example.com is not a valid account")
    except ValueError as exc:
        text = JsonFormatter().format(_record("request failed", exc=exc))
    assert json.loads(text)["exception"] == "ValueError"
    assert "jane.doe" not in text and "Traceback" not in text


def test_fields_that_are_not_a_mapping_are_ignored_and_odd_values_still_serialise() -> None:
    assert set(_line(_record("x", fields=["not", "a", "dict"]))) == {"ts", "time", "level", "logger", "message"}
    out = _line(_record("Zürich – ok", fields={"index": Path("/srv/index")}))
    assert out["message"] == "Zürich – ok" and out["index"] == "/srv/index"  # non-ASCII kept, paths as text


@pytest.fixture
def restored_loggers() -> Iterator[None]:
    """The three loggers' handlers, level and propagation as they were before the test."""
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in map(logging.getLogger, LOGGERS)]
    try:
        yield
    finally:
        for lg, handlers, level, propagate in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate


@pytest.mark.usefixtures("restored_loggers")
def test_ragforts_and_uvicorns_logs_go_to_stderr_as_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_json_logging(logging.INFO)
    logging.getLogger("ragfort.server.access").info("request", extra={"fields": {"status": 200, "route": "/v1/ask"}})
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("ragfort.cache").debug("below the level")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(r["logger"], r["message"]) for r in lines] == [
        ("ragfort.server.access", "request"), ("uvicorn.error", "Started server process"),
    ]  # fmt: skip
    assert (lines[0]["status"], lines[0]["route"]) == (200, "/v1/ask")
    assert all(not logging.getLogger(name).propagate for name in LOGGERS)
    configure_json_logging()  # twice: still one handler each, so no line is written twice
    assert all(len(logging.getLogger(name).handlers) == 1 for name in LOGGERS)
