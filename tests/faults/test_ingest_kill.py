"""``ragfort ingest`` killed with SIGKILL mid-way: the index refuses queries, the next ingest repairs it, no duplicates.

The corpus is the help center copied five times (205 files, ~1,400 chunks),
so there is time to kill the process after its embedding pass, when it
writes chunks into Chroma. What the index holds is read by a fresh Python
process each time (never by a client that cached the store before the kill).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.faults.procs import BIN, HELP_CENTER, clean_env

from ragfort.index.loaders import SUFFIXES

COPIES = 5

_INSPECT = """
import json, sys
from ragfort.index.store import Index
from ragfort.errors import IndexError_
index = Index(sys.argv[1])
try:
    index.check_ready()
    refused = None
except IndexError_ as exc:
    refused = str(exc)
manifest = index.manifest
got = index.backend.chunks().get(include=["metadatas"])
per_doc = {}
for md in got["metadatas"]:
    per_doc[md["doc_id"]] = per_doc.get(md["doc_id"], 0) + 1
print(json.dumps({
    "refused": refused,
    "state": manifest.state,
    "ids": len(got["ids"]),
    "unique_ids": len(set(got["ids"])),
    "per_doc": per_doc,
    "manifest_chunks": {d: info["chunks"] for d, info in manifest.documents.items()},
}))
"""


def inspect(index: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _INSPECT, str(index)], env=clean_env(), capture_output=True, timeout=300, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


def test_a_killed_ingest_leaves_an_index_that_refuses_queries_until_repaired(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for i in range(COPIES):
        shutil.copytree(HELP_CENTER, corpus / f"copy{i}")
    index = tmp_path / "index"
    err_path = tmp_path / "ingest.err"
    cmd = [str(BIN / "ragfort"), "ingest", str(corpus), "--index", str(index)]
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=clean_env())
    try:
        # Kill right after the embedding pass reports 100%: the chunk writes come next.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            text = err_path.read_bytes().decode(errors="replace")
            # The progress bar of the ONNX backend ("embedding:") or of sentence-transformers ("Batches:").
            if any(bar in text and "100%" in text.split(bar)[-1] for bar in ("embedding:", "Batches:")):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "ingest finished before it could be killed; make the corpus bigger"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)

    broken = inspect(index)
    assert broken["state"] == "ingesting"
    assert "incomplete" in str(broken["refused"])
    # The CLI refuses to answer from it, with a one-line error and exit 2.
    asked = subprocess.run(
        [str(BIN / "ragfort"), "ask", "How long do refunds take?", "--index", str(index)],
        env=clean_env(), capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert asked.returncode == 2
    assert "incomplete" in asked.stderr.decode() and "Traceback" not in asked.stderr.decode()

    repair = subprocess.run(
        [*cmd, "--quiet"], env=clean_env(), capture_output=True, timeout=900, check=False
    )
    assert repair.returncode == 0, repair.stderr.decode()[-2000:]
    fixed = inspect(index)
    assert fixed["refused"] is None and fixed["state"] == "complete"
    manifest_chunks = fixed["manifest_chunks"]
    files = [f for f in HELP_CENTER.rglob("*") if f.is_file() and f.suffix in SUFFIXES]  # not ragfort-source.yaml
    assert isinstance(manifest_chunks, dict) and len(manifest_chunks) == COPIES * len(files)
    # No duplicates and nothing missing: every document holds exactly the chunks its manifest entry says.
    assert fixed["ids"] == fixed["unique_ids"] == sum(manifest_chunks.values())
    assert fixed["per_doc"] == manifest_chunks

    again = subprocess.run([*cmd, "--quiet"], env=clean_env(), capture_output=True, timeout=300, check=False)
    assert again.returncode == 0 and b"up to date" in again.stdout

