"""Writes a run's report folder: report.json, report.md and a self-contained report.html.

Everything rendered comes from the report object and the scrubbed result
rows, so nothing here can reintroduce a question's personal data. HTML text
is escaped; figures are embedded PNG data URIs (`ragfort.evals.plots`).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ragfort.evals.metrics import flatten

__all__ = ["render_html", "render_markdown", "write_reports"]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def _interval(report: Mapping[str, Any], path: str) -> str:
    ci = report.get("intervals", {}).get(path)
    return f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else ""


# The metrics shown per tag, in the Markdown and the HTML report alike.
_TAG_HEADS = (
    "retrieval.recall_at_5",
    "answers.token_f1",
    "abstention.recall",
    "grounding.hallucination_rate",
    "privacy.pii_leaks",
    "latency.total.p95_ms",
)


def _tag_rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for tag, data in report.get("by_tag", {}).items():
        flat = flatten(data["metrics"])
        rows.append([tag, _fmt(flat.get("run.records")), *(_fmt(flat.get(h)) for h in _TAG_HEADS)])
    return rows


def _metric_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    support = report.get("support", {})
    return [
        (path, _fmt(value), _interval(report, path), _fmt(support.get(path)))
        for path, value in flatten(report["metrics"]).items()
    ]


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return out


def _headline(report: Mapping[str, Any]) -> list[str]:
    cfg = report["config"]
    run = report["run"]
    golden = report["golden"]
    return [
        f"- golden set: `{cfg['golden']}` ({golden['evaluated']} records evaluated, {golden['errors']} dropped, "
        f"{golden['warnings']} warnings)",
        f"- index: `{cfg['index']}` (version {cfg['index_version']}); policy: `{cfg['policy']}` "
        f"({cfg['policy_fingerprint']}); generator: `{cfg['generator']}`",
        f"- wall time {run['wall_s']} s for {run['records_run']} records; seed {cfg['seed']}, "
        f"concurrency {cfg['concurrency']}, {cfg['resamples']} bootstrap resamples",
    ]


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown (for CI logs and pull requests)."""
    lines = ["# ragfort eval report", "", *_headline(report), ""]
    gates = report.get("gates")
    if gates:
        verdict = "PASSED" if gates["passed"] else "FAILED"
        lines += [f"## Gates: {verdict}", ""]
        if gates.get("error"):
            lines += [f"**bad gate file**: {gates['error']}", ""]
        lines += _md_table(
            ["metric", "condition", "value", "result"],
            [
                (g["metric"], g["condition"], _fmt(g["value"]), "pass" if g["passed"] else "**FAIL**")
                for g in gates["results"]
            ],
        )
        lines.append("")
    comparison = report.get("comparison")
    if comparison:
        lines += [f"## Compared with `{comparison['baseline']}`", ""]
        notable = [c for c in comparison["changes"] if c["verdict"] in ("regression", "improvement", "changed")]
        if notable:
            lines += _md_table(
                ["metric", "baseline", "now", "delta", "verdict"],
                [
                    (
                        c["metric"],
                        _fmt(c["old"]),
                        _fmt(c["new"]),
                        f"{c['delta']:+.4g}",
                        f"**{c['verdict']}**" if c["verdict"] == "regression" else c["verdict"],
                    )
                    for c in notable
                ],
            )
        else:
            lines.append("No change beyond the confidence intervals.")
        lines.append("")
    lines += ["## Metrics", ""]
    lines += _md_table(["metric", "value", "95% CI", "n"], _metric_rows(report))
    lines += ["", "## By tag", ""]
    lines += _md_table(["tag", "n", *_TAG_HEADS], _tag_rows(report))
    lines += ["", "## Worst examples", ""]
    for ex in report.get("worst", []):
        lines.append(f"### {ex['id']} ({', '.join(ex['reasons'])})")
        lines.append(f"- tags: {', '.join(ex.get('tags') or [])}")
        if ex.get("question"):
            lines.append(f"- question ({ex['question_source']}): {ex['question']}")
        if ex.get("error"):
            lines.append(f"- error: {ex['error']}")
        else:
            lines.append(
                f"- status: {ex['status']}; retrieved: {', '.join(ex['docs'])}; "
                f"relevant: {', '.join(ex['relevant_doc_ids']) or '–'}"
            )
            lines.append(f"- answer: {ex['answer']}")
            for claim in ex.get("claims") or []:
                lines.append(f"  - claim ({'supported' if claim['supported'] else 'UNSUPPORTED'}): {claim['text']}")
            for cit in ex.get("citations") or []:
                lines.append(f'  - [{cit["id"]}] {cit["doc_id"]}: "{cit["quote"]}"')
        lines.append("")
    problems = report["golden"].get("problems", [])
    if problems:
        lines += ["## Golden set problems", ""]
        lines += [
            f"- line {p['line']} ({p['id']}): {p['severity']}: {p['kind']}: {p['message']}" for p in problems[:50]
        ]
        if len(problems) > 50:
            lines.append(f"- ... {len(problems) - 50} more in report.json")
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
th{background:#f3f3f3}.fail{color:#b00;font-weight:bold}.pass{color:#070}.regression{background:#fdd}
.improvement{background:#dfd}.ex{border:1px solid #ddd;padding:.5em 1em;margin:1em 0;border-radius:4px}
.unsupported{color:#b00}.quote{color:#555;font-style:italic}img{max-width:100%;height:auto}code{background:#f5f5f5}
"""


def _h(text: Any) -> str:
    return html.escape(_fmt(text) if not isinstance(text, str) else text)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] | None = None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(report: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    """The report as one self-contained HTML page with embedded figures."""
    from ragfort.evals import plots

    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>ragfort eval report</title>",
        f"<style>{_CSS}</style></head><body><h1>ragfort eval report</h1><ul>",
    ]
    parts += [f"<li>{html.escape(line[2:]).replace('`', '')}</li>" for line in _headline(report)]
    parts.append("</ul>")
    gates = report.get("gates")
    if gates:
        cls = "pass" if gates["passed"] else "fail"
        parts.append(f"<h2>Gates: <span class='{cls}'>{'PASSED' if gates['passed'] else 'FAILED'}</span></h2>")
        if gates.get("error"):
            parts.append(f"<p class='fail'>bad gate file: {html.escape(gates['error'])}</p>")
        parts.append(
            _html_table(
                ["metric", "condition", "value", "result"],
                [
                    (g["metric"], g["condition"], _fmt(g["value"]), "pass" if g["passed"] else "FAIL")
                    for g in gates["results"]
                ],
                ["" if g["passed"] else "fail" for g in gates["results"]],
            )
        )
    comparison = report.get("comparison")
    if comparison:
        parts.append(f"<h2>Compared with {html.escape(comparison['baseline'])}</h2>")
        changes = [c for c in comparison["changes"] if c["verdict"] != "same"]
        parts.append(
            _html_table(
                ["metric", "baseline", "now", "delta", "verdict"],
                [(c["metric"], _fmt(c["old"]), _fmt(c["new"]), f"{c['delta']:+.4g}", c["verdict"]) for c in changes],
                [c["verdict"] if c["verdict"] in ("regression", "improvement") else "" for c in changes],
            )
        )
    flat = flatten(report["metrics"])
    figures = [
        plots.metric_bars(flat, report.get("intervals", {})),
        plots.latency_histograms(rows),
        plots.tag_bars(report.get("by_tag", {})),
    ]
    parts.append("<h2>Figures</h2>")
    # Shown at the size they were drawn at (see ragfort.evals.plots): a browser scaling them would shrink their text.
    parts += [
        f"<p><img alt='{html.escape(fig.alt)}' src='{fig.uri}' width='{fig.width}' height='{fig.height}'></p>"
        for fig in figures
        if fig
    ]
    parts.append("<h2>Metrics</h2>")
    parts.append(_html_table(["metric", "value", "95% CI", "n"], _metric_rows(report)))
    parts.append("<h2>By tag</h2>")
    parts.append(_html_table(["tag", "n", *_TAG_HEADS], _tag_rows(report)))
    parts.append("<h2>Worst examples</h2>")
    for ex in report.get("worst", []):
        parts.append(f"<div class='ex'><h3>{_h(ex['id'])} <small>{_h(', '.join(ex['reasons']))}</small></h3>")
        parts.append(f"<p>tags: {_h(', '.join(ex.get('tags') or []))}</p>")
        if ex.get("question"):
            parts.append(f"<p>question <small>({_h(ex['question_source'])})</small>: {_h(ex['question'])}</p>")
        if ex.get("error"):
            parts.append(f"<p class='fail'>error: {_h(ex['error'])}</p></div>")
            continue
        parts.append(
            f"<p>status <b>{_h(ex['status'])}</b>; retrieved {_h(', '.join(ex['docs']))}; relevant "
            f"{_h(', '.join(ex['relevant_doc_ids']) or '–')}</p><p>answer: {_h(ex['answer'])}</p><ul>"
        )
        for claim in ex.get("claims") or []:
            cls = "" if claim["supported"] else " class='unsupported'"
            mark = "supported" if claim["supported"] else "UNSUPPORTED"
            parts.append(f"<li{cls}>claim ({mark}, {_fmt(claim['score'])}): {_h(claim['text'])}</li>")
        for cit in ex.get("citations") or []:
            parts.append(
                f"<li>[{cit['id']}] {_h(cit['doc_id'])}: <span class='quote'>\"{_h(cit['quote'])}\"</span></li>"
            )
        parts.append("</ul></div>")
    problems = report["golden"].get("problems", [])
    if problems:
        parts.append("<h2>Golden set problems</h2>")
        parts.append(
            _html_table(
                ["line", "id", "severity", "kind", "message"],
                [(_fmt(p["line"]), _fmt(p["id"]), p["severity"], p["kind"], p["message"]) for p in problems[:200]],
            )
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_reports(report: Mapping[str, Any], out: str | os.PathLike[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """Write report.json, report.md and report.html into `out`."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "report.html").write_text(render_html(report, rows), encoding="utf-8")
