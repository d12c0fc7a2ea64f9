"""SIGKILL the service and restart it: stored feedback is there, a damaged cache is rebuilt, nothing corrupt is served.

A real ``ragfort serve`` (recommended policy, local index, the answer cache
in ``<data dir>/cache.sqlite``) is killed with SIGKILL right after a
feedback was stored. Then the cache file is truncated and a trace file gets
a torn last line, as a crash mid-write would leave them, and the service is
started again on the same data dir.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.faults.procs import Serve, log_events

from ragfort.server.feedback import FeedbackStore

QUESTION = "How many days do I have to return a Voltwise phone?"


def ask(serve: Serve, question: str = QUESTION) -> dict[str, object]:
    with serve.client() as client:
        response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_after_a_crash_nothing_stored_is_lost_and_nothing_corrupt_is_served(
    help_center_index: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    serve = Serve(home=home, index=help_center_index, env={"RAGFORT_AUTH": "off"})
    try:
        serve.start()
        first = ask(serve)
        assert first["cache"] == "miss"
        assert ask(serve)["cache"] == "exact_hit"
        with serve.client() as client:
            stored = client.post("/v1/feedback", json={"trace_id": first["trace_id"], "rating": -1, "comment": "meh"})
        assert stored.status_code == 201
        serve.kill(signal.SIGKILL)  # no shutdown, no flush, no checkpoint

        rows = FeedbackStore(home / "feedback.sqlite").rows()
        assert [(r.trace_id, r.rating) for r in rows] == [(first["trace_id"], -1)]

        cache = home / "cache.sqlite"
        assert cache.exists()
        for part in (cache, Path(f"{cache}-wal")):
            if part.exists() and part.stat().st_size:
                with open(part, "r+b") as fh:
                    fh.truncate(part.stat().st_size // 3)
        (trace_file,) = (home / "traces" / "default").glob("traces-*.jsonl")
        with open(trace_file, "ab") as fh:
            fh.write(b'{"trace_id": "torn-by-the-cr')
        os.sync()

        serve.start()
        again = ask(serve)
        assert again["answer"] == first["answer"] and again["citations"] == first["citations"]
        assert again["cache"] == "miss"  # the damaged file was set aside, not read from
        assert list(home.glob("cache.sqlite.corrupt-*"))
        assert log_events(serve.log(), "is corrupt") == 1
        assert ask(serve)["cache"] == "exact_hit"  # and the rebuilt cache works

        with serve.client() as client:
            # The answer from before the crash is still known (from the trace files): feedback can be changed.
            changed = client.post("/v1/feedback", json={"trace_id": first["trace_id"], "rating": 1})
            assert changed.status_code == 201, changed.text
            report = client.get("/v1/ab-report")  # reads every trace line, the torn one included
            assert report.status_code == 200, report.text
        rows = FeedbackStore(home / "feedback.sqlite").rows()
        assert [(r.trace_id, r.rating) for r in rows] == [(first["trace_id"], 1)]
        assert "Traceback" not in serve.log()
    finally:
        serve.kill()

