"""Load test of ``ragfort serve`` on loopback: ``python benchmarks/serve_load.py``.

Starts the real service (``ragfort serve``, one worker, then two) over the
bundled help center and drives it with a small keep-alive HTTP/1.1 client
written on raw asyncio streams, so the load generator costs a fraction of
what the server does (an httpx client would eat the CPU being measured).
Scenarios, each bounded by a request count and a time limit:

* ``cache hit``: one repeated question, the recommended policy plus the
  answer cache: the input guards (question length, PII) run, then the cache
  answers;
* ``uncached``: distinct golden-set questions through the whole recommended
  policy with the extractive generator (cache off): retrieval, injection,
  relevance, PII at every stage, grounding;
* ``http floor``: a repeated question under ``passthrough`` plus the cache:
  no guards at all, so what is left is the service itself (auth, JSON,
  routing, the worker-thread hop, metrics, traces).

Prints requests/s and p50/p95/p99 per scenario, the mean stage timings the
server reported (where the time goes), and the peak RSS of each server
process (goal: under 1 GiB). Options: ``--index DIR`` (default: ingest the
help center into a temp dir), ``--seconds``, ``--requests``,
``--concurrency``, ``--workers 1,2``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)

REPO = Path(__file__).resolve().parents[1]
HELP_CENTER = REPO / "examples" / "help_center"
GOLDEN = REPO / "evals" / "help_center.jsonl"
HIT_QUESTION = "How long do I have to return a device?"


# -- a minimal keep-alive HTTP/1.1 client ----------------------------------------
class Conn:
    """One keep-alive connection to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, body: bytes, key: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Run:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    stages: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cache: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0


async def drive(port: int, key: str, questions: list[str], *, concurrency: int, requests: int, seconds: float) -> Run:
    run = Run()
    counter = iter(range(requests))
    deadline = time.perf_counter() + seconds
    bodies = [json.dumps({"question": q}).encode() for q in questions]

    async def worker() -> None:
        conn = Conn(port)
        try:
            for i in counter:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                status, payload = await conn.request(bodies[i % len(bodies)], key)
                run.latencies_ms.append((time.perf_counter() - t0) * 1000.0)
                if status != 200:
                    run.errors[status] += 1
                    continue
                if i % 5 == 0:  # parse a sample: JSON decoding is client CPU taken from the server
                    result = json.loads(payload)
                    run.cache[result["cache"]] += 1
                    for stage, ms in result["timings_ms"].items():
                        run.stages[stage].append(ms)
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - t0
    return run


# -- the server ------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_peaks_mb(pid: int) -> dict[int, float]:
    """VmHWM (peak RSS) of `pid` and its child processes, in MB."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    out = {}
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[p] = int(line.split()[1]) / 1024.0
        except FileNotFoundError:
            continue
    return out


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready in time")


def policies(folder: Path) -> dict[str, Path]:
    from ragfort.policy import load_policy

    base = {k: v for k, v in load_policy("support_agent").raw.items() if k not in ("cache", "variants")}
    files = {
        "cached": dict(base, name="bench_cached", cache={"backend": "sqlite", "path": str(folder / "cache.sqlite")}),
        "uncached": dict(base, name="bench_uncached", cache={"enabled": False}),
        "floor": {"name": "bench_floor", "cache": {"backend": "sqlite", "path": str(folder / "floor.sqlite")}},
    }
    out = {}
    for name, data in files.items():
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        out[name] = path
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--seconds", type=float, default=15.0, help="time limit per scenario")
    ap.add_argument("--requests", type=int, default=4000, help="request limit per cached scenario")
    ap.add_argument("--uncached-requests", type=int, default=150)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()

    from ragfort.server.keys import KeyStore

    with tempfile.TemporaryDirectory(prefix="ragfort-serve-bench-") as tmp:
        root = Path(tmp)
        index = args.index
        if index is None:
            from ragfort.ingest import ingest_paths

            index = root / "index"
            print(f"ingesting {HELP_CENTER} ...", file=sys.stderr)
            ingest_paths([HELP_CENTER], index=index, policy="support_agent")
        pols = policies(root)
        questions = [json.loads(line)["question"] for line in GOLDEN.read_text().splitlines() if line.strip()]
        rows: list[list[str]] = []
        stage_rows: list[list[str]] = []
        rss_rows: list[list[str]] = []
        for workers in [int(w) for w in args.workers.split(",")]:
            data = root / f"data-w{workers}"
            store = KeyStore(data / "keys.sqlite")
            keys = {t: store.create(t) for t in ("cached", "uncached", "floor")}
            port = free_port()
            env = dict(os.environ)
            env.update(
                RAGFORT_TENANTS=json.dumps({t: {"policy": str(pols[t])} for t in keys}),
                RAGFORT_RATE_LIMIT=json.dumps({"per_second": 0}),
                RAGFORT_TRACES="true",
            )
            cmd = [
                sys.executable, "-m", "ragfort.cli", "serve", "--index", str(index), "--data-dir", str(data),
                "--port", str(port), "--workers", str(workers), "--auth", "on", "--plain-logs",
            ]
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                t0 = time.monotonic()
                wait_ready(port, proc, timeout=600)
                startup = time.monotonic() - t0
                # Make sure every worker has loaded before measuring (each answers readyz once loaded).
                for _ in range(workers * 4):
                    wait_ready(port, proc, timeout=120)
                scenarios = [
                    ("cache hit", "cached", [HIT_QUESTION], args.requests, args.concurrency),
                    ("http floor", "floor", [HIT_QUESTION], args.requests, args.concurrency),
                    ("uncached", "uncached", questions, args.uncached_requests, 4),
                ]
                for label, tenant, qs, count, conc in scenarios:
                    if tenant != "uncached":  # prime the cache (every worker), then measure hits
                        asyncio.run(drive(port, keys[tenant], qs, concurrency=2, requests=20, seconds=120))
                    run = asyncio.run(
                        drive(port, keys[tenant], qs, concurrency=conc, requests=count, seconds=args.seconds)
                    )
                    lat = sorted(run.latencies_ms)
                    n = len(lat)

                    def pct(q: float, lat: list[float] = lat, n: int = n) -> str:
                        return f"{lat[min(n - 1, int(q / 100 * n))]:.1f}" if n else "n/a"

                    hits = sum(v for k, v in run.cache.items() if k != "miss")
                    sampled = sum(run.cache.values())
                    rows.append([
                        label, str(workers), str(conc), str(n), f"{n / run.seconds:.0f}", pct(50), pct(95), pct(99),
                        f"{hits / sampled:.0%}" if sampled else "n/a", str(sum(run.errors.values())),
                    ])
                    stage_rows.append([
                        label, str(workers),
                        *(
                            f"{statistics.mean(run.stages[s]):.1f}" if run.stages.get(s) else "-"
                            for s in ("input", "retrieval", "generation", "output", "total")
                        ),
                    ])
                for pid, mb in rss_peaks_mb(proc.pid).items():
                    role = "server" if pid == proc.pid else "worker"
                    rss_rows.append([str(workers), role, str(pid), f"{mb:.0f}", f"{startup:.1f}"])
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        def show(headers: list[str], body: list[list[str]]) -> None:
            widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
            print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
            for r in body:
                print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
            print()

        print(f"\nragfort serve on 127.0.0.1, {os.cpu_count()} CPUs, client on the same machine\n")
        show(["scenario", "workers", "concurrency", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "cache hits",
              "errors"], rows)
        print("Where the time goes: mean server-side stage timings (ms, from timings_ms of a 1-in-5 sample)\n")
        show(["scenario", "workers", "input", "retrieval", "generation", "output", "total"], stage_rows)
        print("Peak RSS (VmHWM) per process; goal < 1024 MB each\n")
        show(["workers", "process", "pid", "peak RSS MB", "start-up s"], rss_rows)


if __name__ == "__main__":
    main()
