"""Injection guard quality and speed on evals/injection/passages.jsonl, in tables.

Run: ``python benchmarks/injection_quality.py`` (about 10 s; no models, CPU only).

What it prints:

1. Precision, recall and F1 of the recommended settings (``guards/injection_snippet.yaml``)
   and of the defaults (no trusted domains), overall.
2. A split check against tuning to this file: the threshold is chosen on the even ids
   (the middle of the best-F1 plateau) and reported on the odd ids and on all rows;
   plus the rows the rule author never read while writing the rules (``inj-041`` and the
   odd ``clean-*`` ids: see docs/security.md).
3. Detection per ``kind`` (recall for injection kinds, false-positive rate for clean kinds).
4. Latency per passage (p50/p95 over repeated scans), per 5-passage retrieval check, and
   on the bundled help-center paragraphs; peak RSS.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import peak_rss_mb, percentile, table

from ragfort.context import RunContext
from ragfort.guards.injection import InjectionGuard, InjectionScanner, InjectionSettings
from ragfort.types import Passage, Turn

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "evals" / "injection" / "passages.jsonl"
SNIPPET = REPO / "guards" / "injection_snippet.yaml"
# Rows not read before the rules were written (the author read inj-001..inj-040 and every even id).
UNSEEN = re.compile(r"^(?:inj-041|clean-\d*[13579])$")
THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95


def load_rows() -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(DATA.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if row.get("label") not in ("injection", "clean"):
                raise SystemExit(f"{DATA}:{n}: label must be 'injection' or 'clean', got {row.get('label')!r}")
            rows.append(row)
    return rows


def prf(rows: list[dict[str, Any]], scores: dict[str, float], threshold: float) -> tuple[int, float, float, float]:
    tp = sum(1 for r in rows if r["label"] == "injection" and scores[r["id"]] >= threshold)
    fp = sum(1 for r in rows if r["label"] == "clean" and scores[r["id"]] >= threshold)
    fn = sum(1 for r in rows if r["label"] == "injection" and scores[r["id"]] < threshold)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if p + r else 0.0
    return len(rows), p, r, f


def is_even(row: dict[str, Any]) -> bool:
    return int(row["id"].rsplit("-", 1)[1]) % 2 == 0


def main() -> None:
    rows = load_rows()
    snippet = yaml.safe_load(SNIPPET.read_text(encoding="utf-8"))
    entry = next(g for g in snippet["guards"]["retrieval"] if g["guard"] == "injection")
    recommended = InjectionSettings.model_validate({k: v for k, v in entry.items() if k not in ("guard", "required")})
    configs = {
        "recommended (snippet)": recommended,
        "defaults (no trusted domains)": InjectionSettings(),
    }
    scores: dict[str, dict[str, float]] = {}
    techniques: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, s in configs.items():
        scanner = InjectionScanner(trusted_domains=s.trusted_domains, extra_patterns=s.extra_patterns)
        scans = {r["id"]: scanner.scan(r["text"]) for r in rows}
        scores[name] = {k: v.score for k, v in scans.items()}
        techniques[name] = {k: v.techniques for k, v in scans.items()}

    n_inj = sum(r["label"] == "injection" for r in rows)
    print(
        f"# Injection guard on {DATA.relative_to(REPO)}: "
        f"{len(rows)} passages ({n_inj} injection, {len(rows) - n_inj} clean)\n"
    )
    print("## Overall (threshold from the settings)\n")
    out = []
    for name, s in configs.items():
        n, p, r, f = prf(rows, scores[name], s.threshold)
        out.append([name, s.threshold, n, p, r, f])
    print(table(["settings", "threshold", "n", "precision", "recall", "F1"], out))

    print("\n## Split check: threshold tuned on even ids only (recommended settings)\n")
    sc = scores["recommended (snippet)"]
    even = [r for r in rows if is_even(r)]
    odd = [r for r in rows if not is_even(r)]
    unseen = [r for r in rows if UNSEEN.match(r["id"])]
    # The middle of the best-F1 plateau on the even ids: the threshold farthest from both failure edges.
    top_f1 = max(prf(even, sc, t)[3] for t in THRESHOLDS)
    plateau = [t for t in THRESHOLDS if prf(even, sc, t)[3] == top_f1]
    best = plateau[len(plateau) // 2]
    out = []
    for label, subset in (("even ids (tuning)", even), ("odd ids (held out)", odd), ("all", rows),
                          ("never read by the rule author", unseen)):  # fmt: skip
        for t_name, t in (("tuned", best), ("shipped", recommended.threshold)):
            n, p, r, f = prf(subset, sc, t)
            out.append([label, f"{t_name} {t:.2f}", n, p, r, f])
    print(table(["rows", "threshold", "n", "precision", "recall", "F1"], out))
    margin = []
    for label, subset in (("even ids", even), ("odd ids", odd), ("never read by the rule author", unseen)):
        inj = [sc[r["id"]] for r in subset if r["label"] == "injection"]
        clean = [sc[r["id"]] for r in subset if r["label"] == "clean"]
        margin.append([label, min(inj) if inj else float("nan"), max(clean) if clean else float("nan")])
    print("\nSeparation (how far the threshold is from the nearest passage of each label):\n")
    print(table(["rows", "lowest injection score", "highest clean score"], margin))
    curve = [[t, *prf(odd, sc, t)[1:]] for t in THRESHOLDS]
    print("\nHeld-out (odd ids) precision/recall by threshold:\n")
    print(table(["threshold", "precision", "recall", "F1"], curve))

    print("\n## Per kind (recommended settings)\n")
    by_kind: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        by_kind[(r["label"], r["kind"])].append(r["id"])
    out = []
    for (label, kind), ids in sorted(by_kind.items()):
        flagged = [i for i in ids if sc[i] >= recommended.threshold]
        missed = [i for i in ids if i not in flagged] if label == "injection" else flagged
        rate_name = "recall" if label == "injection" else "false-positive rate"
        out.append(
            [label, kind, len(ids), len(flagged), f"{rate_name} {len(flagged) / len(ids):.2f}", " ".join(missed)]
        )
    print(table(["label", "kind", "n", "flagged", "rate", "missed / false positives"], out))

    fired: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["label"] == "injection" and sc[r["id"]] >= recommended.threshold:
            for t in techniques["recommended (snippet)"][r["id"]]:
                fired[t] += 1
    print("\nTechniques found in the detected injections (a passage can show several):\n")
    print(table(["technique", "passages"], [[k, v] for k, v in sorted(fired.items(), key=lambda kv: -kv[1])]))

    print("\n## Latency (one process, CPU)\n")
    scanner = InjectionScanner(trusted_domains=recommended.trusted_domains)
    per_passage: list[float] = []
    for _ in range(30):
        for r in rows:
            t0 = time.perf_counter()
            scanner.scan(r["text"])
            per_passage.append((time.perf_counter() - t0) * 1000)
    paragraphs = [p for f in sorted((REPO / "examples" / "help_center").rglob("*.md"))
                  for p in re.split(r"\n\s*\n", f.read_text(encoding="utf-8")) if p.strip()]  # fmt: skip
    hc: list[float] = []
    for _ in range(5):
        for p in paragraphs:
            t0 = time.perf_counter()
            scanner.scan(p)
            hc.append((time.perf_counter() - t0) * 1000)
    guard = InjectionGuard(**recommended.model_dump())
    turns = [
        Turn(question="q", documents=tuple(Passage(text=r["text"], doc_id=r["id"]) for r in rows[i : i + 5]))
        for i in range(0, len(rows) - 4, 5)
    ]
    checks: list[float] = []
    for _ in range(30):
        for turn in turns:
            t0 = time.perf_counter()
            guard.check(turn, RunContext())
            checks.append((time.perf_counter() - t0) * 1000)
    mean_chars = sum(len(r["text"]) for r in rows) / len(rows)
    mean_hc = sum(map(len, paragraphs)) / len(paragraphs)
    out = [
        [f"scan one eval passage (mean {mean_chars:.0f} chars)", len(per_passage), percentile(per_passage, 50),
         percentile(per_passage, 95), max(per_passage)],
        [f"scan one help-center paragraph (mean {mean_hc:.0f} chars)", len(hc), percentile(hc, 50),
         percentile(hc, 95), max(hc)],
        ["guard.check, 5 passages", len(checks), percentile(checks, 50), percentile(checks, 95), max(checks)],
    ]  # fmt: skip
    print(table(["what", "runs", "p50 ms", "p95 ms", "max ms"], out))
    print(f"\npeak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
