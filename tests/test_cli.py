"""The CLI: ask --json matches the contract; bad input is one line on stderr and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from typer.testing import CliRunner

from ragfort import BaseGuard, Turn, Verdict, register_guard
from ragfort.cli import app
from ragfort.context import RunContext

CONTRACT_KEYS = {
    "answer",
    "status",
    "citations",
    "claims",
    "groundedness",
    "redactions",
    "verdicts",
    "cache",
    "timings_ms",
    "budget",
    "trace_id",
}
runner = CliRunner()


def test_ask_json_matches_the_contract(help_center_index: Path) -> None:
    res = runner.invoke(
        app, ["ask", "How many days do I have to return a phone?", "--index", str(help_center_index), "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == CONTRACT_KEYS
    assert out["status"] in {"ok", "redacted", "blocked", "abstained", "fallback"}
    assert out["cache"] in {"miss", "exact_hit", "semantic_hit"}
    assert set(out["budget"]) == {"total_ms", "degraded"}
    assert {"total"} <= set(out["timings_ms"])
    for c in out["citations"]:
        assert set(c) == {"id", "doc_id", "source", "start", "end", "quote", "score"}
    for c in out["claims"]:
        assert set(c) == {"text", "supported", "score", "citation_ids"}
    for v in out["verdicts"]:
        assert set(v) == {"guard", "stage", "action", "score", "reason"}
    for r in out["redactions"]:
        assert set(r) == {"stage", "entity", "placeholder"}
    assert out["answer"]


def test_ask_human_output_shows_answer_and_status(help_center_index: Path) -> None:
    res = runner.invoke(app, ["ask", "How do I turn on roaming?", "--index", str(help_center_index)])
    assert res.exit_code == 0, res.output
    assert "status=" in res.stdout and "timings:" in res.stdout


def test_missing_index_is_exit_2_with_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ask", "hello?", "--index", str(tmp_path / "none")])
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("error: no index at")
    assert len(res.stderr.strip().splitlines()) == 1


def test_empty_question_is_exit_2(help_center_index: Path) -> None:
    res = runner.invoke(app, ["ask", "  ", "--index", str(help_center_index)])
    assert res.exit_code == 2 and "empty" in res.stderr


def test_bad_policy_is_exit_2(help_center_index: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nguards:\n  input:\n    - guard: nope\n")
    res = runner.invoke(app, ["ask", "q?", "--index", str(help_center_index), "--policy", str(bad)])
    assert res.exit_code == 2 and "unknown guard 'nope'" in res.stderr


def test_ingest_reports_and_is_idempotent(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nThe answer is forty-two.\n")
    index = tmp_path / "idx"
    first = runner.invoke(app, ["ingest", str(docs), "--index", str(index), "-q", "--policy", "passthrough"])
    assert first.exit_code == 0 and "indexed 1 new" in first.stdout
    again = runner.invoke(app, ["ingest", str(docs), "--index", str(index), "-q", "--policy", "passthrough"])
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_ingest_says_when_a_private_folder_had_personal_data_redacted(tmp_path: Path) -> None:
    docs = tmp_path / "hc"
    docs.mkdir()
    (docs / "contact.md").write_text("# Contact\n\nCall our support line on 0800 555 0199, 8am to 8pm.\n")
    (docs / "plans.md").write_text("# Plans\n\nThe Basic plan includes 5 GB of data a month.\n")
    private = runner.invoke(app, ["ingest", str(docs), "--index", str(tmp_path / "p"), "-q"])
    assert private.exit_code == 0 and "indexed 2 new" in private.stdout
    assert "1 private document was indexed with personal data redacted (e.g. contact.md)" in private.stderr
    assert "--public" in private.stderr
    public = runner.invoke(app, ["ingest", str(docs), "--index", str(tmp_path / "q"), "-q", "--public"])
    assert public.exit_code == 0 and "note:" not in public.stderr


def test_ingest_missing_path_is_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["ingest", str(tmp_path / "missing"), "--index", str(tmp_path / "i")])
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_every_command_has_help() -> None:
    for cmd in ([], ["ingest"], ["ask"], ["serve"]):
        res = runner.invoke(app, [*cmd, "--help"])
        assert res.exit_code == 0 and "Usage" in res.stdout


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(group, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_flags_are_shown_as_flags_in_every_commands_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    commands = _commands(group)
    assert ("ask",) in commands and ("keys", "create") in commands
    for cmd in commands:
        res = runner.invoke(app, [*cmd, "--help"], env={"COLUMNS": "200"})
        assert res.exit_code == 0, (cmd, res.output)
        assert "<bool>" not in res.stdout, (cmd, res.stdout)
        lines = res.stdout.splitlines()
        flags = [line for line in lines if line.strip().startswith(("--help", "--json ", "--explain"))]
        assert flags and all("<" not in line for line in flags), (cmd, flags)


def test_console_script_runs_offline(help_center_index: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "ragfort.cli",
            "ask",
            "What is the warranty period?",
            "--index",
            str(help_center_index),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout)["trace_id"]


def test_eval_guard_calibrate_prints_a_grounding_threshold(tmp_path: Path) -> None:
    passages = ["Devices can be returned within 14 days of delivery.", "Standard shipping is free over $50."]
    rows = [
        ("You can return a device within 14 days of delivery.", 1),
        ("Devices can be returned within 30 days of delivery.", 0),
        ("Shipping is free for orders over $50.", 1),
        ("Shipping is free for every order.", 0),
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        "".join(json.dumps({"answer": a, "passages": passages, "label": y}) + "\n" for a, y in rows), encoding="utf-8"
    )
    res = runner.invoke(app, ["eval-guard", "grounding", str(path), "--calibrate"])
    assert res.exit_code == 0, res.output
    assert "guard: grounding" in res.stdout and "threshold: 0." in res.stdout


def test_eval_guard_calibrate_is_for_grounding_only(tmp_path: Path) -> None:
    res = runner.invoke(app, ["eval-guard", "pii", str(tmp_path / "x.jsonl"), "--calibrate"])
    assert res.exit_code == 2
    assert "applies to grounding" in res.stderr


def test_serve_limits_malloc_arenas_unless_told_otherwise(monkeypatch: Any) -> None:
    from ragfort.cli import _limit_malloc_arenas

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    _limit_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "2"  # inherited by worker processes
    monkeypatch.setenv("MALLOC_ARENA_MAX", "6")
    _limit_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "6"


class _BrokenGuard(BaseGuard):
    """Raises like spaCy did on a str subclass: a fault, never a decision."""

    name: ClassVar[str] = "broken_for_cli"

    def check(self, turn: Turn, ctx: RunContext) -> Verdict:
        raise TypeError("Argument 'string' has incorrect type (expected str, got TextAccessor)")


def test_a_faulting_guard_is_named_with_its_message_and_a_way_to_see_more(
    help_center_index: Path, tmp_path: Path
) -> None:
    register_guard("broken_for_cli", _BrokenGuard)
    policy = tmp_path / "broken.yaml"
    policy.write_text("name: broken\nguards:\n  output:\n    - {guard: broken_for_cli, required: true}\n")
    args = ["ask", "How do I turn on roaming?", "--index", str(help_center_index), "--policy", str(policy)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "status=blocked" in res.stdout
    hint = [line for line in res.stderr.splitlines() if line.startswith("hint:")]
    assert len(hint) == 1
    assert "'broken_for_cli' faulted at the output stage" in hint[0]
    assert "TypeError: Argument 'string' has incorrect type (expected str, got TextAccessor)" in hint[0]
    assert "--verbose" in hint[0] and "RAGFORT_LOG_LEVEL=DEBUG" in hint[0]
    verbose = runner.invoke(app, [*args, "--verbose"])
    assert "fault traceback" in verbose.stderr and "Traceback (most recent call last)" in verbose.stderr
    assert "raise TypeError" in verbose.stderr and "During handling" not in verbose.stderr
    assert "fault traceback" not in res.stderr


def test_a_bad_log_level_is_exit_2(help_center_index: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("RAGFORT_LOG_LEVEL", "LOUD")
    res = runner.invoke(app, ["ask", "How do I turn on roaming?", "--index", str(help_center_index)])
    assert res.exit_code == 2 and "RAGFORT_LOG_LEVEL" in res.stderr


def test_chat_answers_a_follow_up_in_its_conversation_and_starts_anew(help_center_index: Path) -> None:
    turns = "How do I turn on international roaming?\nHow much does it cost?\n/new\nHow much does it cost?\n/quit\n"
    res = runner.invoke(app, ["chat", "--index", str(help_center_index), "--json"], input=turns)
    assert res.exit_code == 0, res.output
    first, follow_up, fresh = (json.loads(line) for line in res.stdout.splitlines())
    assert first["status"] == "ok" and first["citations"][0]["doc_id"].startswith("plan/roaming")
    # The follow-up is read in its conversation: roaming charges, not an unrelated price. Asked anew, the
    # same words name no product, and nothing about roaming comes back.
    assert follow_up["status"] == "ok" and "roaming" in follow_up["answer"].lower(), follow_up
    assert "roaming" not in fresh["answer"].lower(), fresh
    assert not any("roaming" in c["doc_id"] for c in fresh["citations"]), fresh


def test_chat_keeps_one_placeholder_per_value_across_turns_and_shows_no_raw_data(help_center_index: Path) -> None:
    turns = "Hi, I'm Priya Natarajan. How do I change my address?\nThanks. Is Priya Natarajan the right name to use?\n"
    res = runner.invoke(app, ["chat", "--index", str(help_center_index), "--json"], input=turns)
    assert res.exit_code == 0, res.output
    assert "Priya" not in res.stdout and "Natarajan" not in res.stdout
    placeholders = {r["placeholder"] for line in res.stdout.splitlines() for r in json.loads(line)["redactions"]}
    assert placeholders == {"<PERSON_1>"}


def test_data_dir_holds_what_the_command_keeps_and_is_released_after(help_center_index: Path, tmp_path: Path) -> None:
    from ragfort import paths

    before = paths.data_dir()
    state = tmp_path / "state"
    res = runner.invoke(
        app,
        [
            "ask", "My email is jane.doe@example.com, how do I return a phone?", "--index", str(help_center_index),
            "--data-dir", str(state), "--session", "s-data-dir", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (state / "vault.sqlite").is_file()  # the PII vault kept the session's mapping under --data-dir
    assert paths.data_dir() == before  # and the setting ended with the command


def test_policy_prints_an_extending_policy_resolved(tmp_path: Path) -> None:
    child = tmp_path / "acme.yaml"
    child.write_text(
        "extends: support_agent\nname: acme\nguards:\n  retrieval:\n    injection: {trusted_domains: [acme.example]}\n"
    )
    res = runner.invoke(app, ["policy", str(child), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["name"] == "acme" and "extends" not in data
    (injection,) = [e for e in data["guards"]["retrieval"] if e["guard"] == "injection"]
    assert injection["trusted_domains"] == ["acme.example"]
    # The rest is support_agent's, in its order.
    shipped = runner.invoke(app, ["policy", "--json"])
    assert shipped.exit_code == 0, shipped.output
    base = json.loads(shipped.stdout)
    assert [e["guard"] for e in data["guards"]["output"]] == [e["guard"] for e in base["guards"]["output"]]
    yaml_out = runner.invoke(app, ["policy", str(child)])
    assert yaml_out.exit_code == 0 and "fingerprint" in yaml_out.stdout and "acme.example" in yaml_out.stdout


def test_policy_with_a_bad_change_is_one_error_line(tmp_path: Path) -> None:
    child = tmp_path / "bad.yaml"
    child.write_text("extends: support_agent\nguards:\n  retrieval:\n    telepathy: {x: 1}\n")
    res = runner.invoke(app, ["policy", str(child)])
    assert res.exit_code == 2
    assert res.stderr.startswith("error: ") and "telepathy" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_policy_index_scan_names_the_chunks_a_missing_trusted_domain_removes(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "returns.md").write_text(
        "# Returns\n\nStart a return online at acme.co.uk/returns within 30 days of delivery.\n"
    )
    (docs / "hours.md").write_text("# Opening hours\n\nOur stores open from 9am to 6pm, Monday to Saturday.\n")
    index = tmp_path / "index"
    ingested = runner.invoke(app, ["ingest", str(docs), "--index", str(index), "--public"])
    assert ingested.exit_code == 0, ingested.output
    policy = tmp_path / "acme.yaml"
    policy.write_text(
        "extends: support_agent\nguards:\n  retrieval:\n    injection: {trusted_domains: [acme.example]}\n"
    )
    res = runner.invoke(app, ["policy", str(policy), "--index", str(index), "--json"])
    assert res.exit_code == 0, res.output
    (audit,) = json.loads(res.stdout)["index_audit"]
    assert audit["guard"] == "retrieval/injection (remove)" and audit["chunks"] >= 2
    assert [f["doc_id"] for f in audit["flagged"]] == ["returns.md"]
    assert audit["hosts"] == [{"host": "acme.co.uk", "chunks": 1, "lookalike": True}]
    human = runner.invoke(app, ["policy", str(policy), "--index", str(index)])
    assert "# " in human.stdout and "acme.co.uk (1 chunks) reads as a look-alike" in human.stdout
    assert runner.invoke(app, ["policy", str(policy), "--index", str(index), "--strict"]).exit_code == 1
    # The company's second domain trusted: nothing is acted on, and --strict passes.
    policy.write_text(
        "extends: support_agent\nguards:\n  retrieval:\n    injection: {trusted_domains: [acme.example, acme.co.uk]}\n"
    )
    fixed = runner.invoke(app, ["policy", str(policy), "--index", str(index), "--json", "--strict"])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.stdout)["index_audit"][0]["flagged"] == []


def test_policy_index_scan_of_the_bundled_help_center_is_clean(help_center_index: Path) -> None:
    res = runner.invoke(app, ["policy", "--index", str(help_center_index), "--strict"])
    assert res.exit_code == 0, res.output
    assert "acts on 0 of" in res.stdout


def test_policy_index_scan_with_the_injection_guard_off_says_there_is_nothing_to_scan(
    help_center_index: Path, tmp_path: Path
) -> None:
    off = tmp_path / "off.yaml"
    off.write_text("extends: support_agent\nguards:\n  retrieval:\n    injection: {enabled: false}\n")
    res = runner.invoke(app, ["policy", str(off), "--index", str(help_center_index), "--strict"])
    assert res.exit_code == 0, res.output
    assert "no injection guard at the retrieval stage" in res.stdout


def test_policy_index_scan_of_a_missing_index_is_one_error_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["policy", "--index", str(tmp_path / "none")])
    assert res.exit_code == 2 and res.stderr.startswith("error: no index at")
