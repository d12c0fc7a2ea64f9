"""Soak test of ``ragfort serve`` on loopback: ``python benchmarks/soak.py [--seconds 180]``.

Starts one real ``ragfort serve`` (recommended policy, extractive generator,
the bundled help center) and drives it for a fixed time with a seeded mix of
requests from a few concurrent clients:

* ``cached``: a handful of questions asked again and again (exact hits after the first);
* ``uncached``: golden-set questions made unique with a reference number (full pipeline);
* ``stream``: the same through server-sent events (read to the final ``result`` event);
* ``invalid``: malformed JSON, an empty question, an unknown field, an oversized body (must be 4xx).

Every request has a client timeout, the run stops by itself, and the server
is killed at the end. Prints per-kind throughput, status codes, p50/p99;
the server's RSS sampled every 10 s from ``/proc/<pid>/status`` with a
growth verdict (least-squares slope over the last two thirds of the run, in
MB per minute); the server's peak RSS (``VmHWM``) and the load generator's.
Exits 1 if any response was a 5xx or a request hung past its timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _util import peak_rss_mb, percentile, table

REPO = Path(__file__).resolve().parents[1]
HELP_CENTER = REPO / "examples" / "help_center"
GOLDEN = REPO / "evals" / "help_center.jsonl"
BIN = Path(sys.executable).parent
CACHED = [
    "How many days do I have to return a Voltwise phone?",
    "How long do refunds take?",
    "How do I return a device?",
    "How long does shipping take?",
    "How do I contact support?",
]
MIX = {"cached": 0.4, "uncached": 0.3, "stream": 0.15, "invalid": 0.15}
REQUEST_TIMEOUT_S = 30.0
SAMPLE_EVERY_S = 10.0
# Growth below this many MB per minute over the last two thirds of the run counts as flat.
FLAT_MB_PER_MIN = 2.0


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    cache: Counter[str] = field(default_factory=Counter)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int, field_name: str) -> float:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM) in MB; NaN when unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB), in MB per minute."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(m for _, m in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return sum((t - mx) * (m - my) for t, m in points) / var * 60.0


def uncached_questions() -> list[str]:
    out = []
    for line in GOLDEN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            if record.get("answerable", True):
                out.append(str(record["question"]))
    return out or CACHED


async def one(client: httpx.AsyncClient, kind: str, rng: random.Random, questions: list[str], res: Results) -> None:
    ref = rng.randrange(1_000_000)
    t0 = time.perf_counter()
    status = "timeout"
    try:
        if kind == "cached":
            r = await client.post("/v1/ask", json={"question": rng.choice(CACHED)})
            status = str(r.status_code)
            if r.status_code == 200:
                res.cache[r.json()["cache"]] += 1
        elif kind == "uncached":
            r = await client.post("/v1/ask", json={"question": f"{rng.choice(questions)} (ref {ref})"})
            status = str(r.status_code)
            if r.status_code == 200:
                res.cache[r.json()["cache"]] += 1
        elif kind == "stream":
            r = await client.post("/v1/ask", json={"question": f"{rng.choice(questions)} (ref {ref})", "stream": True})
            status = str(r.status_code)
            if r.status_code == 200 and "event: result" not in r.text:
                status = "stream-without-result"
        else:
            bad = rng.choice(["json", "empty", "field", "size"])
            if bad == "json":
                r = await client.post("/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"})
            elif bad == "empty":
                r = await client.post("/v1/ask", json={"question": "   "})
            elif bad == "field":
                r = await client.post("/v1/ask", json={"question": "hi", "tenant": "other"})
            else:
                r = await client.post("/v1/ask", json={"question": "x" * 100_000})
            status = str(r.status_code)
    except httpx.TimeoutException:
        status = "timeout"
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    res.latencies[kind].append((time.perf_counter() - t0) * 1000.0)
    res.statuses[kind][status] += 1


async def drive(url: str, pid: int, *, seconds: float, concurrency: int, seed: int) -> Results:
    res = Results()
    questions = uncached_questions()
    kinds, weights = zip(*MIX.items(), strict=True)
    start = time.monotonic()
    stop_at = start + seconds

    async def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            while time.monotonic() < stop_at:
                await one(client, rng.choices(kinds, weights)[0], rng, questions, res)

    async def sampler() -> None:
        while True:
            res.rss.append((time.monotonic() - start, proc_status(pid, "VmRSS")))
            if time.monotonic() >= stop_at:
                return
            await asyncio.sleep(min(SAMPLE_EVERY_S, max(0.0, stop_at - time.monotonic())))

    await asyncio.gather(sampler(), *(worker(i) for i in range(concurrency)))
    return res


def start_server(index: Path, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGFORT_")}
    env.update(
        RAGFORT_AUTH="off",
        RAGFORT_RATE_LIMIT=json.dumps({"per_second": 0, "burst": 1}),  # the soak measures the service, not the limiter
    )  # fmt: skip  (the server sets the offline defaults itself: ragfort._offline)
    cmd = [str(BIN / "ragfort"), "serve", "--index", str(index), "--data-dir", str(home), "--port", str(port)]
    log = open(home / "serve.log", "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"ragfort serve exited with {proc.returncode}; see {home / 'serve.log'}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("ragfort serve did not become ready within 420 s")


def report(res: Results, *, seconds: float, server_peak_mb: float) -> int:
    rows = []
    all_ms: list[float] = []
    all_status: Counter[str] = Counter()
    for kind in MIX:
        ms = res.latencies.get(kind, [])
        all_ms += ms
        all_status.update(res.statuses.get(kind, Counter()))
        codes = ", ".join(f"{k}:{v}" for k, v in sorted(res.statuses.get(kind, Counter()).items()))
        rows.append([kind, len(ms), len(ms) / seconds, codes, percentile(ms, 50), percentile(ms, 99)])
    codes = ", ".join(f"{k}:{v}" for k, v in sorted(all_status.items()))
    rows.append(["all", len(all_ms), len(all_ms) / seconds, codes, percentile(all_ms, 50), percentile(all_ms, 99)])
    print(table(["requests", "n", "req/s", "status codes", "p50 ms", "p99 ms"], rows))
    bad = sum(v for k, v in all_status.items() if not k.isdigit() or k.startswith("5"))
    answered = ("cached", "uncached", "stream")
    unexpected = sum(v for kind in answered for k, v in res.statuses.get(kind, Counter()).items() if k != "200")
    unexpected += sum(v for k, v in res.statuses.get("invalid", Counter()).items() if not k.startswith("4"))
    print(f"\n5xx, timeouts or transport errors: {bad}; other unexpected statuses: {unexpected - bad}")
    print("cache on answered questions: " + ", ".join(f"{k}={v}" for k, v in sorted(res.cache.items())))

    print("\n" + table(["t (s)", "server RSS (MB)"], [[f"{t:.0f}", mb] for t, mb in res.rss]))
    third = len(res.rss) // 3
    slope = slope_mb_per_min(res.rss[third:])
    middle, last = slope_mb_per_min(res.rss[third : 2 * third + 1]), slope_mb_per_min(res.rss[2 * third :])
    if abs(slope) < FLAT_MB_PER_MIN:
        verdict = "flat"
    elif slope > 0 and last < middle / 2:
        verdict = "settling: growth is slowing down; run longer to see where it levels off"
    else:
        verdict = "growing" if slope > 0 else "shrinking"
    print(
        f"\nRSS slope over the last 2/3 of the run: {slope:+.2f} MB/min (middle third {middle:+.2f}, last third "
        f"{last:+.2f}); verdict: {verdict} (flat means |slope| < {FLAT_MB_PER_MIN} MB/min)"
    )
    print(f"peak RSS: server {server_peak_mb:.0f} MB (VmHWM), load generator {peak_rss_mb():.0f} MB")
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="how long to drive the server")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--index", type=Path, default=None, help="an existing index (default: ingest the help center)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not 5 <= args.seconds <= 3600:
        parser.error(f"--seconds must be in [5, 3600], got {args.seconds}")
    if not 1 <= args.concurrency <= 64:
        parser.error(f"--concurrency must be in [1, 64], got {args.concurrency}")
    with tempfile.TemporaryDirectory(prefix="ragfort-soak-") as tmp:
        root = Path(tmp)
        index = args.index
        if index is None:
            # In a subprocess: this process stays a light HTTP client (its peak RSS is reported too).
            index = root / "index"
            subprocess.run([str(BIN / "ragfort"), "ingest", str(HELP_CENTER), "--index", str(index), "--quiet"],
                           check=True, timeout=900, stdout=subprocess.DEVNULL)  # fmt: skip
        home = root / "home"
        home.mkdir()
        proc, url = start_server(index, home)
        try:
            t0 = time.monotonic()
            res = asyncio.run(drive(url, proc.pid, seconds=args.seconds, concurrency=args.concurrency, seed=args.seed))
            elapsed = time.monotonic() - t0
            server_peak = proc_status(proc.pid, "VmHWM")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    print(f"soak: {elapsed:.0f} s, {args.concurrency} clients, mix {MIX}, one `ragfort serve` (extractive generator)\n")
    return report(res, seconds=elapsed, server_peak_mb=server_peak)


if __name__ == "__main__":
    sys.exit(main())
