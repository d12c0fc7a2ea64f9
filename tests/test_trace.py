"""The JSONL trace sink keeps its file open, and follows the day and log rotation."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ragfort.trace import JsonlTraceSink


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_are_appended_as_utf8_json_lines(tmp_path: Path) -> None:
    sink = JsonlTraceSink(tmp_path)
    now = time.time()
    sink.write({"time": now, "trace_id": "a", "answer": "Ça coûte 5 € <PERSON_1>"})
    sink.write({"time": now, "trace_id": "b", "answer": None})
    (path,) = tmp_path.glob("traces-*.jsonl")
    assert [r["trace_id"] for r in _lines(path)] == ["a", "b"]
    assert "Ça coûte 5 €" in path.read_text(encoding="utf-8")  # kept readable, not \\u-escaped
    sink.close()


def test_each_day_has_its_own_file(tmp_path: Path) -> None:
    sink = JsonlTraceSink(tmp_path)
    sink.write({"time": 1_700_000_000.0, "trace_id": "day1"})
    sink.write({"time": 1_700_000_000.0 + 86_400, "trace_id": "day2"})
    files = sorted(tmp_path.glob("traces-*.jsonl"))
    assert [f.name for f in files] == ["traces-2023-11-14.jsonl", "traces-2023-11-15.jsonl"]
    assert [_lines(f)[0]["trace_id"] for f in files] == ["day1", "day2"]


def test_a_rotated_file_is_reopened(tmp_path: Path) -> None:
    sink = JsonlTraceSink(tmp_path, recheck_s=0.0)
    now = time.time()
    sink.write({"time": now, "trace_id": "before"})
    (path,) = tmp_path.glob("traces-*.jsonl")
    rotated = path.rename(path.with_suffix(".jsonl.1"))  # what logrotate does
    sink.write({"time": now, "trace_id": "after"})
    assert [r["trace_id"] for r in _lines(rotated)] == ["before"]
    assert [r["trace_id"] for r in _lines(path)] == ["after"]


def test_a_deleted_file_is_recreated(tmp_path: Path) -> None:
    sink = JsonlTraceSink(tmp_path, recheck_s=0.0)
    now = time.time()
    sink.write({"time": now, "trace_id": "gone"})
    (path,) = tmp_path.glob("traces-*.jsonl")
    path.unlink()
    sink.write({"time": now, "trace_id": "new"})
    assert [r["trace_id"] for r in _lines(path)] == ["new"]


def test_records_the_fast_encoder_refuses_still_get_written(tmp_path: Path) -> None:
    sink = JsonlTraceSink(tmp_path)
    sink.write({"time": time.time(), "trace_id": "big", "n": 2**70, "by_id": {1: "x"}})
    (path,) = tmp_path.glob("traces-*.jsonl")
    (record,) = _lines(path)
    assert record["n"] == 2**70 and record["by_id"] == {"1": "x"}
