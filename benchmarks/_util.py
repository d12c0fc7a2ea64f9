"""Shared helpers for the benchmarks: percentiles, peak RSS, table printing."""

from __future__ import annotations

import resource
import statistics
import sys

import ragfort._offline  # noqa: F401  (offline defaults before any library loads)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    cells = [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    return "\n".join(lines)


def summary(ms: list[float]) -> tuple[float, float, float]:
    return statistics.median(ms), percentile(ms, 95), percentile(ms, 99)


def support_agent_uncached() -> object:
    """support_agent with its cache off: for benchmarks that must measure every question, not cache hits."""
    from pathlib import Path

    import yaml

    from ragfort.policy import load_policy

    repo = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((repo / "guards" / "support_agent.yaml").read_text(encoding="utf-8"))
    return load_policy({**data, "cache": {**data["cache"], "enabled": False}})


def help_center_uncached(tmp: str) -> tuple[object, object]:
    """The bundled help center indexed under `tmp` (also the data dir), and `support_agent_uncached()`."""
    import os
    from pathlib import Path

    from ragfort.ingest import ingest_paths

    repo = Path(__file__).resolve().parents[1]
    os.environ["RAGFORT_HOME"] = tmp
    index = Path(tmp) / "index"
    ingest_paths([repo / "examples" / "help_center"], index=index, policy="support_agent")
    return index, support_agent_uncached()


def support_agent_guard(stage: str, guard: str) -> dict[str, object]:
    """The settings of support_agent's one `guard` entry at `stage` (without ``guard`` and ``enabled``)."""
    from ragfort.policy import load_policy

    entries = [g for g in load_policy("support_agent").raw["guards"][stage] if g["guard"] == guard]
    if len(entries) != 1:
        raise SystemExit(f"support_agent: expected one {guard} guard at the {stage} stage, found {len(entries)}")
    return {k: v for k, v in entries[0].items() if k not in ("guard", "enabled")}
