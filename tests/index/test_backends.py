"""The index on a real Chroma server (`chroma run`): two replicas share one index."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ragfort import Index
from ragfort.errors import BackendError, ConfigError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_two_replicas_share_one_server_index(chroma_url: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Roaming\n\nRoaming costs $10 per day in Europe.\n")
    writer = Index(tmp_path / "shared", chroma_url=chroma_url)
    report = writer.ingest([docs])
    assert report.added == ("a.md",)
    assert not (tmp_path / "shared").exists()  # nothing local: the state is on the server

    replica = Index(tmp_path / "elsewhere" / "shared", chroma_url=chroma_url)  # same name, other machine
    replica.check_ready()
    top = replica.search("how much is roaming per day", k=1)[0]
    assert top.doc_id == "a.md"
    assert replica.document_text("a.md")[top.start : top.end] == top.text
    assert replica.version == report.index_version

    (docs / "a.md").write_text("# Roaming\n\nRoaming now costs $12 per day in Europe.\n")
    assert writer.ingest([docs]).updated == ("a.md",)
    replica.refresh()
    assert replica.version != report.index_version
    assert "$12" in replica.search("roaming per day", k=1)[0].text


def test_an_unreachable_server_is_a_backend_error(tmp_path: Path) -> None:
    index = Index(tmp_path / "x", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BackendError, match=r"unreachable|failed"):
        index.check_ready()


def test_a_malformed_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="RAGFORT_CHROMA_URL must look like"):
        Index(tmp_path / "x", chroma_url="chroma:8000")
